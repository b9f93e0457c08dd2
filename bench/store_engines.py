"""Store engines side by side on synthetic data: pyoxigraph (what innograph uses), rdflib ``Graph()``
and oxrdflib (rdflib's API on Oxigraph).

For each size (quick: 10k and 100k triples; full: also 1M) every engine runs in its own child
process, so peak memory (ru_maxrss) is that engine's alone: load time, peak memory, and the p50
latency of named queries from queries/ plus two of our own (a GROUP BY and a CONSTRUCT). Also
innograph's own validated load (parse + full SHACL validation + commit). Prints a table with
ratios against Oxigraph and writes bench/results/store_engines.{json,png}.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
TRIPLES_PER_CITY = 490  # plus ~5,000 triples of vocabularies
ENGINES = ("oxigraph", "rdflib", "oxrdflib")
NAMED = ("alliance-members", "alliance-growth-by-year", "ranking-results", "observation-provenance")
OWN = {
    "institutions-per-country": """PREFIX ig: <https://w3id.org/innograph/ontology#>
        PREFIX org: <http://www.w3.org/ns/org#>
        SELECT ?country (COUNT(?o) AS ?n) WHERE { ?o a org:FormalOrganization ; ig:country ?country }
        GROUP BY ?country ORDER BY DESC(?n)""",
    "construct-rankings": """PREFIX ig: <https://w3id.org/innograph/ontology#>
        CONSTRUCT { ?r ig:rankedEntity ?e ; ig:rank ?rank } WHERE { ?r ig:rankedEntity ?e ; ig:rank ?rank }""",
}
ALLIANCE = "https://w3id.org/innograph/id/alliance/synth-00000"


def _queries() -> dict[str, str]:
    queries = {}
    for name in NAMED:
        path = ROOT / "queries" / f"{name}.rq"
        if path.exists():
            queries[name] = path.read_text(encoding="utf-8")
    queries.update(OWN)
    return queries


QUERY_LIMIT_S = 30
QUERY_BUDGET_S = 8


def _too_slow(signum, frame):
    raise TimeoutError


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(engine: str, path: str, reps: int, limit: int = QUERY_LIMIT_S) -> dict:
    """Runs in a fresh process: load ``path`` with ``engine``, time the queries, report peak memory."""
    import pyoxigraph as ox
    import rdflib
    baseline = _peak_mb()
    out: dict = {"engine": engine}
    start = time.perf_counter()
    if engine == "oxigraph":
        store = ox.Store()
        store.bulk_load(path=path, format=ox.RdfFormat.N_TRIPLES)
        run = lambda q, b: store.query(q, substitutions=b, use_default_graph_as_union=True)  # noqa: E731
        size = len(store)
    elif engine == "innograph":
        from innograph.service.loading import load_validated
        from innograph.store import OxigraphStore
        store = OxigraphStore(None)
        load_validated(store, [Path(path)])
        run = lambda q, b: store.query(q, substitutions=b)  # noqa: E731
        size = store.count()
    else:
        if engine == "rdflib":
            graph = rdflib.Graph()
            graph.parse(path, format="nt")
        else:
            from oxrdflib import OxigraphStore as OxRdflibStore  # noqa: F401 (registers the plugin)
            graph = rdflib.Graph(store="Oxigraph", identifier=rdflib.graph.DATASET_DEFAULT_GRAPH_ID)
            graph.parse(path, format="ox-ntriples")
        run = lambda q, b: graph.query(q, initBindings=b or None)  # noqa: E731
        size = len(graph)
    out["load_s"] = time.perf_counter() - start
    out["triples"] = size
    out["p50_ms"] = {}
    out["rows"] = {}
    for name, text in _queries().items():
        binding = None
        if "# param: alliance" in text:
            binding = ({ox.Variable("alliance"): ox.NamedNode(ALLIANCE)} if engine in ("oxigraph", "innograph")
                       else {"alliance": rdflib.URIRef(ALLIANCE)})
        times = []
        rows = 0
        # rdflib is pure Python, so an alarm stops a query that would run for minutes (pyoxigraph
        # releases the GIL and cannot be stopped this way, but it never comes near the limit here).
        signal.signal(signal.SIGALRM, _too_slow)
        try:
            for _ in range(reps):
                signal.alarm(limit)
                t0 = time.perf_counter()
                rows = sum(1 for _ in run(text, binding))
                times.append(time.perf_counter() - t0)
                signal.alarm(0)
                if sum(times) > QUERY_BUDGET_S:  # slow engines: fewer repetitions, same median rule
                    break
        except TimeoutError:
            out["p50_ms"][name] = None
            out["rows"][name] = None
            out.setdefault("over_limit_s", limit)
            continue
        finally:
            signal.alarm(0)
        out["p50_ms"][name] = statistics.median(times) * 1000
        out["rows"][name] = rows
    out["peak_mb"] = _peak_mb()
    out["baseline_mb"] = baseline
    return out


def _run_child(engine: str, path: Path, reps: int, timeout: float, limit: int) -> dict | None:
    code = ("import json, sys; sys.path.insert(0, %r); from bench.store_engines import child; "
            "print(json.dumps(child(%r, %r, %d, %d)))" % (str(ROOT), engine, str(path), reps, limit))
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout,
                              cwd=ROOT, check=False)
    except subprocess.TimeoutExpired:
        print(f"  {engine}: over {timeout:.0f} s, skipped", flush=True)
        return None
    if done.returncode != 0:
        print(f"  {engine}: failed: {done.stderr.strip().splitlines()[-1:]}", flush=True)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def _fmt_ratio(value: float, base: float) -> str:
    return f"{value / base:.1f}x" if base > 0 else "-"


def run(quick: bool) -> None:
    from innograph.ingest import synth
    sizes = [10_000, 100_000] if quick else [10_000, 100_000, 1_000_000]
    reps = 5 if quick else 7
    RESULTS.mkdir(parents=True, exist_ok=True)
    results: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="innograph-bench-") as tmp:
        for size in sizes:
            path = Path(tmp) / f"synth-{size}.nt"
            t0 = time.perf_counter()
            count = synth.write(path, cities=max(1, round((size - 5000) / TRIPLES_PER_CITY)), seed=1)
            print(f"\n{size:,} target: {count:,} synthetic triples written in {time.perf_counter() - t0:.1f} s",
                  flush=True)
            engines = list(ENGINES) + ["innograph"]   # validated load: ~1 min at 1M
            for engine in engines:
                big = size >= 1_000_000 and engine != "oxigraph"
                result = _run_child(engine, path, 3 if big else reps, timeout=3600 if not quick else 900,
                                    limit=10 if quick else 30)
                if result:
                    result["size"] = size
                    result["written"] = count
                    results.append(result)
                    print(f"  {engine}: load {result['load_s']:.2f} s, peak {result['peak_mb']:.0f} MB", flush=True)
    (RESULTS / "store_engines.json").write_text(json.dumps(results, indent=2))
    _print_table(results)
    _plot(results, RESULTS / "store_engines.png")


def _print_table(results: list[dict]) -> None:
    names = list(_queries())
    for size in sorted({r["size"] for r in results}):
        rows = [r for r in results if r["size"] == size]
        base = next((r for r in rows if r["engine"] == "oxigraph"), None)
        if base is None:
            continue
        print(f"\n### {base['triples']:,} triples (ratios: engine / Oxigraph; >1 means slower or bigger)")
        header = ["engine", "load s", "peak MB"] + [f"{n} p50 ms" for n in names]
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for r in rows:
            cells = [r["engine"], f"{r['load_s']:.2f} ({_fmt_ratio(r['load_s'], base['load_s'])})",
                     f"{r['peak_mb']:.0f} ({_fmt_ratio(r['peak_mb'] - r['baseline_mb'], base['peak_mb'] - base['baseline_mb'])})"]
            for n in names:
                value = r["p50_ms"].get(n)
                cells.append(f"> {r.get('over_limit_s', QUERY_LIMIT_S)} s" if value is None
                             else f"{value:.1f} ({_fmt_ratio(value, base['p50_ms'][n])})")
            print("| " + " | ".join(cells) + " |")
        print("rows per query (same for every engine): " + ", ".join(
            f"{n}={base['rows'][n]}" for n in names))
        for r in rows:
            if any(v is not None and v != base["rows"][n] for n, v in r["rows"].items()):
                print(f"WARNING: {r['engine']} returned different row counts: {r['rows']}")


def _plot(results: list[dict], path: Path) -> None:
    os.environ.setdefault("MPLBACKEND", "Agg")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    metrics = [("load_s", "load time (s)"), ("peak_mb", "peak memory (MB)"),
               ("institutions-per-country", "GROUP BY p50 (ms)")]
    for ax, (key, label) in zip(axes, metrics):
        for engine in sorted({r["engine"] for r in results}):
            points = sorted((r["triples"], r[key] if key in r else r["p50_ms"].get(key))
                            for r in results if r["engine"] == engine)
            points = [p for p in points if p[1] is not None]
            if points:
                ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=engine)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("triples")
        ax.set_title(label)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend()
    fig.suptitle("innograph store engines: cost against size (synthetic data, this machine)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(f"\nplot: {path.relative_to(ROOT)}")
