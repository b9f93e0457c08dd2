"""The measured path from the embedded store to a server: Oxigraph's server and Virtuoso.

At 100k (``--quick``) or 1M (``--full``) synthetic triples (``innograph synth``), side by side:

1. **Load.** ``innograph load`` (parse, SHACL validation, chunked writes) into the embedded store,
   into ``oxigraph serve`` and into Virtuoso, against each server's own bulk loader on the same
   quads (``oxigraph load``; Virtuoso ``ld_dir`` + ``rdf_loader_run()`` + ``checkpoint``).
   Target: through innograph at most 3x the server's own loader.
2. **Queries.** 8 keep-alive clients for a few seconds on a cheap query (a named query of a few
   rows) and an engine-bound one (a GROUP BY over every typed node), through
   ``innograph serve --store URL`` against the server's own endpoint. Target: at least 0.8x on the
   engine-bound query.
3. **Memory.** Peak RSS of each loader and server.

Virtuoso is Debian's ``virtuoso-opensource`` (``make system-deps``), started like the tests do
(tests/virtuoso_server.py). Figures for this machine: docs/scaling.md.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from bench.http_endpoint import _free_port, _load, _stop, _wait_until_up
from bench.one_million import _tree_peak_mb

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "tests"))
import virtuoso_server  # noqa: E402  (the tests' launcher: one way to start Virtuoso)

from innograph.store.remote import RemoteStore  # noqa: E402

ENV = {k: v for k, v in os.environ.items() if not k.startswith("INNOGRAPH_")}
SECONDS = 4.0
CHEAP = "alliance-members"
ENGINE_BOUND = ("SELECT ?class (COUNT(?node) AS ?n) WHERE { ?node a ?class . ?node ?p ?o } "
                "GROUP BY ?class ORDER BY DESC(?n)")
TARGET_LOAD, TARGET_QUERY = 3.0, 0.8


def _cheap_text() -> str:
    from innograph.service.catalogue import load_catalogue
    text, _ = load_catalogue(ROOT / "queries").get(CHEAP).prepare({})
    return text


def _through_innograph(store_url: str, env: dict, work: Path) -> dict:
    """Throughput of both queries through ``innograph serve --store store_url``."""
    port = _free_port()
    process = subprocess.Popen([str(BIN / "innograph"), "--store", store_url, "serve", "--port", str(port),
                                "--max-rows", "1000000", "--query-timeout", "120"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**ENV, **env}, cwd=work)
    try:
        _wait_until_up(port, "/sparql", process)
        out = {kind: _load(port, "/sparql?" + urlencode({"query": text}), SECONDS, 120)
               for kind, text in (("cheap", _cheap_text()), ("engine-bound", ENGINE_BOUND))}
        out["peak_mb"] = _tree_peak_mb(process.pid)
        return out
    finally:
        _stop(process)


def _direct(port: int, path: str, extra: list) -> dict:
    return {kind: _load(port, f"{path}?" + urlencode([("query", text), *extra]), SECONDS, 120)
            for kind, text in (("cheap", _cheap_text()), ("engine-bound", ENGINE_BOUND))}


def _timed(argv: list[str], env: dict | None = None) -> tuple[float, float, subprocess.CompletedProcess]:
    """Run ``argv``; (wall seconds, peak RSS MB of the process, completed process)."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(argv, stdout=out, stderr=err, env=env or ENV, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)     # this process's own peak, not its siblings'
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return elapsed, usage.ru_maxrss / 1024, subprocess.CompletedProcess(
            argv, process.returncode, out.read().decode(), err.read().decode())


def _innograph_load(store: str, data: Path, env: dict) -> tuple[float, float]:
    seconds, peak, done = _timed([str(BIN / "innograph"), "--store", store, "load", str(data)],
                                 env={**ENV, **env})
    if done.returncode != 0:
        raise RuntimeError(f"innograph load into {store} failed: {done.stderr[-600:]}")
    return seconds, peak


def run(quick: bool = True) -> None:
    cities = 200 if quick else 2000
    work = Path(tempfile.mkdtemp(prefix="innograph-bench-remote-"))
    results: dict = {"load": {}, "queries": {}, "memory": {}}
    try:
        data = work / "synth"
        data.mkdir()
        subprocess.run([str(BIN / "innograph"), "synth", "--cities", str(cities), "-o", str(data / "synth.nt")],
                       check=True, env=ENV, capture_output=True)
        # The embedded store: the reference, and the source of the N-Quads the bulk loaders read.
        dry, _, _ = _timed([str(BIN / "innograph"), "--store", str(work / "dry"), "load", "--dry-run", str(data)])
        results["validation"] = dry
        seconds, peak = _innograph_load(str(work / "embedded"), data, {})
        results["load"]["embedded"] = (seconds, None)
        results["memory"]["innograph load (embedded)"] = peak
        dump = work / "bulk" / "all.nq"
        dump.parent.mkdir()
        subprocess.run([str(BIN / "innograph"), "--store", str(work / "embedded"), "export", "--format", "nq",
                        "-o", str(dump)], check=True, env=ENV, capture_output=True)
        triples = sum(1 for _ in open(dump, "rb"))
        print(f"  {triples:,} quads (synth, {cities} cities, with the ontology)", flush=True)

        # Oxigraph's server.
        bulk_seconds, bulk_peak, done = _timed([str(BIN / "oxigraph"), "load", "--location", str(work / "ox-bulk"),
                                                "--file", str(dump)])
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-400:])
        port = _free_port()
        server = subprocess.Popen([str(BIN / "oxigraph"), "serve", "--location", str(work / "ox-remote"),
                                   "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_until_up(port, "/query", server)
            url = f"http://127.0.0.1:{port}/query"
            seconds, peak = _innograph_load(url, data, {})
            results["load"]["oxigraph serve"] = (seconds, bulk_seconds)
            results["memory"]["innograph load (to oxigraph serve)"] = peak
            results["memory"]["oxigraph load"] = bulk_peak
            results["queries"]["oxigraph serve"] = (_through_innograph(url, {}, work),
                                                    _direct(port, "/query", [("union-default-graph", "")]))
            results["memory"]["oxigraph serve"] = _tree_peak_mb(server.pid)
        finally:
            _stop(server)
        print("  oxigraph: done", flush=True)

        # Virtuoso: innograph's load into one server, the bulk loader into another.
        with virtuoso_server.running_virtuoso(work / "virtuoso-bulk", extra_dirs=(dump.parent,)) as bulk:
            started = time.perf_counter()
            bulk.isql(f"ld_dir('{dump.parent}', '*.nq', 'urn:x-bench:unused')", "rdf_loader_run()", "checkpoint")
            results["load"]["virtuoso"] = [None, time.perf_counter() - started]
            results["memory"]["virtuoso (bulk loaded)"] = _tree_peak_mb(bulk.process.pid)
        with virtuoso_server.running_virtuoso(work / "virtuoso") as server:
            env = {**server.environment(), "INNOGRAPH_REMOTE_JOURNAL_DIR": str(work / "journal")}
            seconds, peak = _innograph_load(server.sparql, data, env)
            results["load"]["virtuoso"][0] = seconds
            results["memory"]["innograph load (to virtuoso)"] = peak
            results["queries"]["virtuoso"] = (_through_innograph(server.sparql, env, work),
                                              _direct(server.http_port, "/sparql", []))
            # The same dataset innograph asks for: the data's graphs, without Virtuoso's own.
            store = RemoteStore.from_spec(server.sparql, environ=env)
            graphs = [g.value for g in store.graph_names()]
            results["queries"]["virtuoso, same dataset"] = (
                results["queries"]["virtuoso"][0],
                _direct(server.http_port, "/sparql", [("default-graph-uri", g) for g in graphs]
                        + [("named-graph-uri", g) for g in graphs]))
            results["memory"]["virtuoso (loaded by innograph, after the queries)"] = _tree_peak_mb(server.process.pid)
        print("  virtuoso: done", flush=True)
        _print(results, triples)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _print(results: dict, triples: int) -> None:
    print(f"\n### Load of {triples:,} quads: innograph load (validated) against the server's own bulk loader "
          f"(target <= {TARGET_LOAD:g}x)")
    dry = results["validation"]
    print(f"(parse + SHACL validation alone, `innograph load --dry-run`: {dry:.1f} s; 'writing' = load - that)")
    print("| store | innograph load | of which writing | server's bulk loader | ratio (load) | ratio (writing) | target |")
    print("|---|---|---|---|---|---|---|")
    for name, (ours, theirs) in results["load"].items():
        ratio = f"{ours / theirs:.2f}x" if theirs else "-"
        writing = ours - dry
        ratio_writing = f"{writing / theirs:.2f}x" if theirs else "-"
        verdict = "-" if not theirs else ("met" if ours / theirs <= TARGET_LOAD else
                                          "missed (writing alone: met)" if writing / theirs <= TARGET_LOAD else "missed")
        print(f"| {name} | {ours:.1f} s | {writing:.1f} s | {f'{theirs:.1f} s' if theirs else '-'} | {ratio} "
              f"| {ratio_writing} | {verdict} |")
    print(f"\n### Queries, 8 clients x {SECONDS:g} s: innograph serve --store URL against the server's own "
          f"endpoint (req/s, p99 ms; target >= {TARGET_QUERY:g}x on the engine-bound query)")
    print("| server | query | through innograph | server directly | ratio | target |")
    print("|---|---|---|---|---|---|")
    for name, (ours, theirs) in results["queries"].items():
        for kind in ("cheap", "engine-bound"):
            a, b = ours[kind], theirs[kind]
            ratio = a["rps"] / b["rps"] if b["rps"] else float("nan")
            verdict = ("met" if ratio >= TARGET_QUERY else "missed") if kind == "engine-bound" else "-"
            errors = f" ({a['errors']} errors)" if a["errors"] else ""
            print(f"| {name} | {kind} | {a['rps']:.1f} ({a['p99']:.0f}){errors} | {b['rps']:.1f} ({b['p99']:.0f}) "
                  f"| {ratio:.2f}x | {verdict} |")
    print("\n### Peak memory (RSS, MB)")
    for name, mb in results["memory"].items():
        print(f"- {name}: {mb:.0f}")
    for name, (ours, _) in results["queries"].items():
        print(f"- innograph serve over {name}: {ours['peak_mb']:.0f}")
