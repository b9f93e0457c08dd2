"""Data versions: what recording a version costs per write, and what opening a past version costs.

At ~1M triples (``innograph synth`` cities with the shipped data's shape; ``BENCH_CITIES`` for fewer), in
one run on an on-disk Oxigraph store:

1. **First load**: the commit alone (``replace_graphs``) against the same commit recorded as a
   version (the graph read back, the patch written gzipped, the log line fsynced).
2. **Small writes** (10 quads each, 20 runs, median): ``store.add`` alone against the same write
   recorded, against the alternative the log avoids, hashing the whole store per write as
   RDFC-1.0 canonical N-Quads (pyoxigraph ``Dataset.canonicalize``), and against a whole-store
   hash without canonicalisation (our content sum computed from scratch).
3. **A past version**: rebuilding the first version after the writes (replay the log, bulk load,
   verify its content hash) and the first query on it (``kg.query(..., version=ID)``, worker
   start included), then the same query again (cached).
4. The size of the log on disk against the store's.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

# ~1M triples with the shipped data's shape in both modes: the figures the issue asks of `make bench`
# (about two minutes); BENCH_CITIES overrides for a quick look.
CITIES_QUICK = CITIES_FULL = int(os.environ.get("BENCH_CITIES", 2020))
WRITES = 20


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _rdfc_hash(store) -> str:
    dataset = ox.Dataset(store.quads())
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return hashlib.sha256("".join(sorted(f"{q} .\n" for q in dataset)).encode()).hexdigest()


def run(quick: bool = True) -> None:
    import innograph
    from innograph.ingest import synth
    from innograph.store import OxigraphStore
    from innograph.versions import Snapshot, content_sum, forget, log_for, recording

    cities = CITIES_QUICK if quick else CITIES_FULL
    work = Path(tempfile.mkdtemp(prefix="innograph-bench-versions-"))
    try:
        source = work / "synth.nt"
        synth.write(source, cities=cities)
        graph = ox.NamedNode("https://w3id.org/innograph/graph/synth")
        quads = [ox.Quad(q.subject, q.predicate, q.object, graph)
                 for q in ox.parse(path=str(source), format=ox.RdfFormat.N_TRIPLES)]
        size = len(quads)
        rows = []

        bare = OxigraphStore(work / "bare")
        start = time.perf_counter()
        bare.replace_graphs({graph: quads})
        bare_load = time.perf_counter() - start
        store = OxigraphStore(work / "versioned")
        start = time.perf_counter()
        with recording(store, replace={graph: quads}):
            store.replace_graphs({graph: quads})
        versioned_load = time.perf_counter() - start
        rows.append(("first load, commit only", bare_load, None))
        rows.append(("first load, recorded as a version", versioned_load, versioned_load / bare_load))

        def batch(i: int) -> list[ox.Quad]:
            return [ox.Quad(ox.NamedNode(f"https://w3id.org/innograph/id/bench/{i}-{j}"),
                            ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal(f"w{i}-{j}"),
                            graph) for j in range(10)]

        plain, recorded = [], []
        for i in range(WRITES):
            start = time.perf_counter()
            bare.add(batch(i))
            plain.append(time.perf_counter() - start)
            start = time.perf_counter()
            with recording(store, added=batch(i)):
                store.add(batch(i))
            recorded.append(time.perf_counter() - start)
        write_plain, write_recorded = statistics.median(plain), statistics.median(recorded)
        start = time.perf_counter()
        _rdfc_hash(store)
        rdfc = time.perf_counter() - start
        start = time.perf_counter()
        content_sum(store.quads())
        rescan = time.perf_counter() - start
        rows.append(("10-quad write, commit only (median)", write_plain, None))
        rows.append(("10-quad write, recorded (median)", write_recorded, write_recorded / write_plain))
        rows.append(("  alternative: RDFC-1.0 hash of the whole store", rdfc, rdfc / write_plain))
        rows.append(("  alternative: content sum of the whole store", rescan, rescan / write_plain))

        log = log_for(store)
        first = log.versions()[0]
        start = time.perf_counter()
        snapshot = Snapshot(log, first)
        rebuild = time.perf_counter() - start
        snapshot.close()
        rows.append((f"rebuild version 1 of {len(log.versions())} (replay, load, verify)", rebuild,
                     rebuild / bare_load))
        log_bytes, store_bytes = _size(work / "versioned" / "innograph-versions"), _size(work / "versioned")
        store.close()
        bare.close()
        forget(store)

        query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        with innograph.open(work / "versioned", workers=1) as kg:
            start = time.perf_counter()
            now = kg.query(query)
            current = time.perf_counter() - start
            start = time.perf_counter()
            past = kg.query(query, version=first.id)
            opened = time.perf_counter() - start
            start = time.perf_counter()
            kg.query(query, version=first.id)
            cached = time.perf_counter() - start
        assert int(now.iloc[0, 0]) == size + 10 * WRITES and int(past.iloc[0, 0]) == size
        rows.append(("count query, current version (worker start included)", current, None))
        rows.append(("count query, past version, first time (rebuild + worker)", opened, opened / current))
        rows.append(("count query, past version, cached", cached, cached / current))

        print(f"{size:,} triples (synthetic, {cities} cities); {WRITES} writes of 10 quads")
        width = max(len(r[0]) for r in rows)
        print(f"{'measure':<{width}}  {'seconds':>9}  ratio")
        for name, seconds, ratio in rows:
            print(f"{name:<{width}}  {seconds:>9.4f}  {'' if ratio is None else f'{ratio:.2f}x'}")
        print(f"log on disk: {log_bytes / 1e6:.1f} MB (gzipped patches) against the store's "
              f"{(store_bytes - log_bytes) / 1e6:.1f} MB ({log_bytes / max(1, store_bytes - log_bytes):.2f}x)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    run(quick=os.environ.get("BENCH_FULL") != "1")
