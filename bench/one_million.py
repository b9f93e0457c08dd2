"""One million triples, side by side: innograph against Oxigraph's server, rdflib and rdflib-endpoint.

The data is the shipped data/ plus ``innograph synth`` output, about 1,000,000 triples in all. In
one run, one engine at a time (2 cores: nothing else competes), this measures:

1. **Load.** ``innograph load`` (parse, full SHACL validation, commit to an on-disk store) against
   ``oxigraph load`` (no validation), rdflib's ``Graph.parse`` and rdflib-endpoint's start-up (both
   parse only). Wall time and peak memory (ru_maxrss of the process), and memory per million
   triples.
2. **Named queries.** Every query in queries/ with its default parameters, one client, p50 of up to
   five runs after a warm-up: innograph over HTTP (``/queries/NAME``), Oxigraph's server and
   rdflib-endpoint over HTTP, and rdflib in-process. The peers get the same text with the defaults
   in a VALUES block at the top of the WHERE group. rdflib gets ``RDFLIB_LIMIT_S`` per run; a query it cannot finish is
   not sent to rdflib-endpoint (the same engine) and counts as "> limit".
3. **Throughput.** 8 keep-alive clients on two named queries for a few seconds per server.
4. **Incremental validation.** 1,000 new triples (with one planted violation) loaded into the 1M
   store (``innograph load``: the check and, once the violation is fixed, the commit) against a
   full validation of the same data (``innograph validate`` of every file), and whether both find
   the same violations.

Prints a table with ratios (innograph against each peer) and writes bench/results/one_million.json.
Environment: ``BENCH_CITIES`` (default 2020, ~976k synthetic triples), ``BENCH_RDFLIB_LIMIT_S``.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from bench.http_endpoint import _free_port, _get, _load, _peer_text, _stop, _wait_until_up

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"
CITIES = int(os.environ.get("BENCH_CITIES", "2020"))
RDFLIB_LIMIT_S = int(os.environ.get("BENCH_RDFLIB_LIMIT_S", "30"))
REPS = 5
QUERY_BUDGET_S = 10          # fewer runs for slow queries, same median rule
THROUGHPUT = {"cheap": "population-change", "selective": "alliance-members", "heavy": "ranking-results"}
ENV = {k: v for k, v in os.environ.items() if not k.startswith("INNOGRAPH_")}


def _timed(argv: list[str], **kwargs) -> tuple[float, float, subprocess.CompletedProcess]:
    """Run ``argv``; (wall seconds, peak RSS MB of the process, completed process)."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, cwd=ROOT,
                               **kwargs)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    out, err = process.stdout.read().decode(), process.stderr.read().decode()
    process.stdout.close()
    process.stderr.close()
    return elapsed, usage.ru_maxrss / 1024, subprocess.CompletedProcess(argv, process.returncode, out, err)


def _tree_peak_mb(pid: int) -> float:
    """Peak RSS (VmHWM) of a process and its descendants, summed (a server with its query workers)."""
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, AttributeError):
            continue
    return total


def _request(port: int, target: str, timeout: float) -> tuple[float, int | None, str | None]:
    """One GET; (seconds, rows, error)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    start = time.perf_counter()
    try:
        response, body = _get(conn, target)
    except (OSError, http.client.HTTPException) as exc:
        return time.perf_counter() - start, None, type(exc).__name__
    finally:
        conn.close()
    elapsed = time.perf_counter() - start
    if response.status != 200:
        return elapsed, None, f"{response.status} {body[:120].decode(errors='replace')}"
    return elapsed, len(json.loads(body)["results"]["bindings"]), None


def _p50_http(port: int, target_for, names: list[str], timeout: float,
              only: set[str] | None = None) -> dict[str, dict]:
    out = {}
    for name in names:
        if only is not None and name not in only:
            continue
        target = target_for(name)
        _, rows, error = _request(port, target, timeout)        # warm-up (and the row count)
        if error:
            out[name] = {"p50_ms": None, "rows": None, "error": error}
            continue
        times = []
        for _ in range(REPS):
            elapsed, _, error = _request(port, target, timeout)
            if error:
                break
            times.append(elapsed)
            if sum(times) > QUERY_BUDGET_S:
                break
        out[name] = {"p50_ms": statistics.median(times) * 1000 if times else None, "rows": rows,
                     "error": error}
    return out


def rdflib_child(path: str, names: list[str], limit: int) -> dict:
    """In a fresh process: rdflib parses ``path`` and runs each named query (peer text) with a limit."""
    import resource

    import rdflib

    def too_slow(signum, frame):
        raise TimeoutError

    start = time.perf_counter()
    graph = rdflib.Graph()
    graph.parse(path, format="nt")
    out: dict = {"load_s": time.perf_counter() - start, "triples": len(graph), "queries": {}}
    signal.signal(signal.SIGALRM, too_slow)
    for name in names:
        text = _peer_text(name)
        times, rows, error = [], None, None
        try:
            for _ in range(REPS):
                signal.alarm(limit)
                t0 = time.perf_counter()
                rows = sum(1 for _ in graph.query(text))
                times.append(time.perf_counter() - t0)
                signal.alarm(0)
                if sum(times) > QUERY_BUDGET_S:
                    break
        except TimeoutError:
            times = []
        except Exception as exc:   # rdflib's engine fails on some valid queries (a TypeError in ORDER BY)
            times, error = [], f"{type(exc).__name__}: {exc}"[:120]
        finally:
            signal.alarm(0)
        out["queries"][name] = {"p50_ms": statistics.median(times) * 1000 if times else None,
                                "rows": rows if times else None, "error": error}
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def _names() -> list[str]:
    from innograph.service.catalogue import load_catalogue
    return sorted(load_catalogue(ROOT / "queries").queries)


def _server(argv: list[str], port: int, path: str, timeout: float = 900) -> tuple[subprocess.Popen, float]:
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV, cwd=ROOT)
    _wait_until_up(port, path, process, timeout=timeout)
    return process, time.perf_counter() - start


INCOMING = """@base <https://w3id.org/innograph/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix qb: <http://purl.org/linked-data/cube#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#> .
@prefix sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#> .
@prefix sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#> .
@prefix ig: <https://w3id.org/innograph/ontology#> .
"""


def _incoming(path: Path, cities: int, planted: bool, count: int = 1000) -> int:
    """About ``count`` triples: new observations of existing synthetic cities, one share over 100."""
    parts = [INCOMING]
    n = count // 12
    for i in range(n):
        value = "150.5" if planted and i == n // 2 else "12.5"
        parts.append(f"""<observation/incoming-{i}> a qb:Observation , ig:ShareObservation ;
  rdfs:label "incoming {i}"@en ; qb:dataSet <dataset/synth-city-indicators> ;
  sdmx-dimension:refArea <city/synth-{i * 7 % cities:06d}> ; sdmx-dimension:refPeriod "2026"^^xsd:gYear ;
  ig:indicator <concept/synth-indicator-foreign-resident-share> ;
  ig:populationGroup <concept/synth-population-group-foreign-researchers> ;
  sdmx-measure:obsValue {value} ; sdmx-attribute:unitMeasure <http://qudt.org/vocab/unit/PERCENT> ;
  ig:valueQualifier ig:Exact ; prov:wasDerivedFrom <source/synth-report-0> .
""")
    path.write_text("".join(parts), encoding="utf-8")
    return n * 12


def _violations(report_json: str) -> set:
    data = json.loads(report_json)
    return {(v["focus_node"], v["path"], v["message"]) for v in data["violations"]
            if v["severity"] == "Violation"}


def run(quick: bool = True) -> None:
    from innograph.ingest import synth
    names = _names()
    work = Path(tempfile.mkdtemp(prefix="innograph-bench-1m-"))
    processes: list[subprocess.Popen] = []
    results: dict = {"queries": {}, "load": {}, "memory": {}, "throughput": {}}
    innograph = str(BIN / "innograph")
    try:
        synthetic = work / "synth.nt"
        written = synth.write(synthetic, cities=CITIES, seed=1, beside_shipped=True)

        # 1. innograph: parse + full SHACL validation + commit, into an empty on-disk store.
        store = work / "innograph-store"
        seconds, peak, done = _timed([innograph, "--store", str(store), "load", str(ROOT / "data"), str(synthetic)])
        if done.returncode != 0:
            raise RuntimeError(f"innograph load failed: {done.stderr.strip()[-500:]}")
        triples = int(re.search(r"store now holds (\d+) quads", done.stdout).group(1))
        results.update(triples=triples, synthetic=written)
        results["load"]["innograph"] = {"seconds": seconds, "peak_mb": peak}
        print(f"{triples:,} triples (data/ + {written:,} synthetic, {CITIES} cities); "
              f"{len(names)} named queries", flush=True)
        print(f"  innograph load (parse + SHACL + commit): {seconds:.1f} s, peak {peak:.0f} MB", flush=True)

        # 4. Incremental validation, while the store is not served (the CLI needs it to itself),
        # and before the export, so every server serves the same triples.
        incoming = work / "incoming.ttl"
        count = _incoming(incoming, CITIES, planted=True)
        check_s, _, check = _timed([innograph, "--store", str(store), "load", str(incoming)])
        if check.returncode != 1:
            raise RuntimeError(f"the planted violation was not refused: {check.stdout} {check.stderr[-500:]}")
        _, _, incremental = _timed([innograph, "--store", str(store), "validate", "--against-store",
                                    "--format", "json", str(incoming)])
        full_s, full_peak, full = _timed([innograph, "validate", "--format", "json", str(ROOT / "data"),
                                          str(synthetic), str(incoming)])
        same = _violations(incremental.stdout) == _violations(full.stdout)
        _incoming(incoming, CITIES, planted=False)
        commit_s, _, committed = _timed([innograph, "--store", str(store), "load", str(incoming)])
        if committed.returncode != 0:
            raise RuntimeError(f"incremental load failed: {committed.stderr.strip()[-500:]}")
        results["served"] = int(re.search(r"store now holds (\d+) quads", committed.stdout).group(1))
        results["incremental"] = {"triples": count, "check_s": check_s, "load_s": commit_s, "full_s": full_s,
                                  "full_peak_mb": full_peak, "same_violations": same,
                                  "violations": len(_violations(full.stdout))}
        print(f"  {count:,} new triples into {triples:,}: refused in {check_s:.1f} s,"
              f" load {commit_s:.1f} s; full validation {full_s:.1f} s; same violations: {'yes' if same else 'NO'}",
              flush=True)

        dump = work / "all.nq"
        subprocess.run([innograph, "--store", str(store), "export", "--format", "nq", "-o", str(dump)],
                       check=True, capture_output=True, env=ENV, cwd=ROOT)
        ntriples = work / "all.nt"   # the union graph for rdflib (no triple is in two graphs)
        with dump.open(encoding="utf-8") as source, ntriples.open("w", encoding="utf-8") as target:
            for line in source:
                target.write(re.sub(r" <[^<>]*> \.$", " .", line.rstrip("\n")) + "\n")

        # 2-3. innograph serve.
        port = _free_port()
        process, _ = _server([innograph, "--store", str(store), "serve", "--port", str(port)], port, "/sparql")
        processes.append(process)
        results["queries"]["innograph"] = _p50_http(port, lambda n: f"/queries/{n}", names, timeout=120)
        results["throughput"]["innograph"] = {k: _load(port, f"/queries/{n}", 3.0, 120) for k, n in THROUGHPUT.items()}
        results["memory"]["innograph serve"] = _tree_peak_mb(process.pid)
        _stop(process)
        print(f"  innograph serve: done, peak {results['memory']['innograph serve']:.0f} MB (with query workers)",
              flush=True)

        # Oxigraph's server on the same quads.
        oxstore = work / "oxigraph-store"
        seconds, peak, done = _timed([str(BIN / "oxigraph"), "load", "--location", str(oxstore), "--file", str(dump)])
        results["load"]["oxigraph load"] = {"seconds": seconds, "peak_mb": peak}
        print("  " + _load_ratio(results), flush=True)
        port = _free_port()
        process, _ = _server([str(BIN / "oxigraph"), "serve", "--location", str(oxstore), "--bind",
                              f"127.0.0.1:{port}", "--union-default-graph"], port, "/query")
        processes.append(process)
        peer = lambda n: "/query?" + urlencode({"query": _peer_text(n)})  # noqa: E731
        results["queries"]["oxigraph serve"] = _p50_http(port, peer, names, timeout=120)
        results["throughput"]["oxigraph serve"] = {k: _load(port, peer(n), 3.0, 120) for k, n in THROUGHPUT.items()}
        results["memory"]["oxigraph serve"] = _tree_peak_mb(process.pid)
        _stop(process)
        print(f"  oxigraph: load {seconds:.1f} s, serve peak {results['memory']['oxigraph serve']:.0f} MB", flush=True)

        # rdflib in-process, in its own process so its memory is its own.
        code = ("import json, sys; sys.path.insert(0, %r); from bench.one_million import rdflib_child; "
                "print(json.dumps(rdflib_child(%r, %r, %d)))" % (str(ROOT), str(ntriples), names, RDFLIB_LIMIT_S))
        seconds, peak, done = _timed([sys.executable, "-c", code])
        if done.returncode != 0:
            raise RuntimeError(f"rdflib run failed: {done.stderr.strip()[-500:]}")
        rdflib_out = json.loads(done.stdout.strip().splitlines()[-1])
        results["load"]["rdflib Graph.parse"] = {"seconds": rdflib_out["load_s"], "peak_mb": rdflib_out["peak_mb"]}
        results["queries"]["rdflib"] = rdflib_out["queries"]
        print(f"  rdflib: parse {rdflib_out['load_s']:.1f} s, peak {rdflib_out['peak_mb']:.0f} MB", flush=True)

        # rdflib-endpoint: the same engine over HTTP; only the queries rdflib finished in time.
        feasible = {n for n, r in rdflib_out["queries"].items() if r["p50_ms"] is not None}
        port = _free_port()
        process, started = _server([str(BIN / "rdflib-endpoint"), "serve", "--host", "127.0.0.1", "--port",
                                    str(port), str(ntriples)], port, "/")
        processes.append(process)
        results["load"]["rdflib-endpoint start"] = {"seconds": started, "peak_mb": _tree_peak_mb(process.pid)}
        peer = lambda n: "/?" + urlencode({"query": _peer_text(n)})  # noqa: E731
        results["queries"]["rdflib-endpoint"] = _p50_http(port, peer, names, timeout=RDFLIB_LIMIT_S * 4,
                                                          only=feasible)
        results["throughput"]["rdflib-endpoint"] = {k: _load(port, peer(n), 3.0, RDFLIB_LIMIT_S * 4)
                                                    for k, n in THROUGHPUT.items() if n in feasible}
        results["memory"]["rdflib-endpoint"] = _tree_peak_mb(process.pid)
        _stop(process)
        print(f"  rdflib-endpoint: start {started:.1f} s, peak {results['memory']['rdflib-endpoint']:.0f} MB",
              flush=True)
    finally:
        for process in processes:
            _stop(process)
        shutil.rmtree(work, ignore_errors=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "one_million.json").write_text(json.dumps(results, indent=2))
    _print_summary(results, names)


def _ratio(ours: float | None, theirs: float | None, *, theirs_over: int | None = None) -> str:
    if ours is None:
        return "-"
    if theirs is None:
        return f"> {theirs_over * 1000 / ours:,.0f}x" if theirs_over else "-"
    return f"{theirs / ours:,.1f}x"


LOAD_RATIO_TARGET = 2.0       # issue 13: a validated first load in at most 2x `oxigraph load`
LOAD_PEAK_TARGET_MB = 1536    # ... and at most 1.5 GB peak RSS (ru_maxrss, MiB)


def _load_ratio(results: dict) -> str:
    ours, theirs = results["load"]["innograph"], results["load"].get("oxigraph load")
    ratio = f"{ours['seconds'] / theirs['seconds']:.2f}x" if theirs else "-"
    return (f"innograph load / oxigraph load (same quads, same run): {ratio} (target at most "
            f"{LOAD_RATIO_TARGET:.0f}x); innograph load peak RSS {ours['peak_mb']:,.0f} MB against "
            f"{LOAD_PEAK_TARGET_MB:,} MB (1.5 GB): {'within' if ours['peak_mb'] <= LOAD_PEAK_TARGET_MB else 'OVER'}")


def _print_summary(results: dict, names: list[str]) -> None:
    million = results["triples"] / 1e6
    print(f"\n### {results['triples']:,} triples: load and memory")
    print("| | load | peak RSS | per million triples |")
    print("|---|---|---|---|")
    for name, figures in results["load"].items():
        print(f"| {name} | {figures['seconds']:.1f} s | {figures['peak_mb']:,.0f} MB | "
              f"{figures['peak_mb'] / million:,.0f} MB |")
    for name, peak in results["memory"].items():
        print(f"| {name} (serving, after the queries) | | {peak:,.0f} MB | {peak / million:,.0f} MB |")
    print("\n" + _load_ratio(results))
    inc = results["incremental"]
    print(f"\nIncremental: {inc['triples']:,} new triples into the store: refused (one planted violation) "
          f"in {inc['check_s']:.1f} s, loaded once fixed in {inc['load_s']:.1f} s, against a full validation of everything {inc['full_s']:.1f} s "
          f"({inc['check_s'] / inc['full_s']:.0%}); same {inc['violations']} violation(s): "
          f"{'yes' if inc['same_violations'] else 'NO'}")

    q = results["queries"]
    print(f"\n### {results['served']:,} triples (the load and the incremental one): named queries, p50 ms (one client; ratio = peer / innograph, "
          f">1 means innograph is faster)")
    print("| query | rows | innograph (HTTP) | oxigraph serve (HTTP) | rdflib-endpoint (HTTP) | rdflib (in-process) |")
    print("|---|---|---|---|---|---|")
    mismatches = []
    for name in names:
        ours = q["innograph"][name]
        cells = [name, str(ours["rows"]), "error: " + ours["error"] if ours["p50_ms"] is None else
                 f"{ours['p50_ms']:.1f}"]
        for peer in ("oxigraph serve", "rdflib-endpoint", "rdflib"):
            theirs = q[peer].get(name)
            if theirs is None and peer == "rdflib-endpoint":
                cells.append("not sent (rdflib: " + ("error" if q["rdflib"][name]["error"] else
                                                     f"> {RDFLIB_LIMIT_S} s") + ")")
                continue
            if theirs["p50_ms"] is None:
                cells.append(f"error: {theirs['error'][:60]}" if theirs.get("error") else
                             f"> {RDFLIB_LIMIT_S} s ({_ratio(ours['p50_ms'], None, theirs_over=RDFLIB_LIMIT_S)})")
                continue
            cells.append(f"{theirs['p50_ms']:.1f} ({_ratio(ours['p50_ms'], theirs['p50_ms'])})")
            if theirs["rows"] != ours["rows"]:
                mismatches.append(f"{name}: {peer} {theirs['rows']} rows")
        print("| " + " | ".join(cells) + " |")
    for peer in ("oxigraph serve", "rdflib-endpoint", "rdflib"):
        ratios = [q[peer][n]["p50_ms"] / q["innograph"][n]["p50_ms"] for n in names
                  if q[peer].get(n) and q[peer][n]["p50_ms"] and q["innograph"][n]["p50_ms"]]
        if ratios:
            print(f"geometric mean of {peer} / innograph over {len(ratios)} queries both finished: "
                  f"{statistics.geometric_mean(ratios):.2f}x")
    if mismatches:
        print("row counts that differ from innograph's: " + "; ".join(mismatches))

    print(f"\n### {results['served']:,} triples: throughput, 8 clients, 3 s (req/s; p99 ms)")
    for kind, name in THROUGHPUT.items():
        cells = []
        for server, figures in results["throughput"].items():
            if kind in figures:
                f = figures[kind]
                cells.append(f"{server} {f['rps']:.1f} ({f['p99']:.0f} ms{', %d errors' % f['errors'] if f['errors'] else ''})")
        print(f"  {kind} ({name}): " + "; ".join(cells))
