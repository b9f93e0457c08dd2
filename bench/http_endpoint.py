"""HTTP throughput and latency of ``innograph serve`` against Oxigraph's server and rdflib-endpoint.

Two data sets, each served by every server from the same quads on 127.0.0.1, started and stopped
here: the shipped data/ (plus the ontology, loaded and validated by innograph, exported as
N-Quads), and ``innograph synth --cities 500`` beside it (~250k quads). Two named queries from
queries/: a millisecond one and an engine-bound one. innograph runs them by name
(``/queries/NAME``, parameters bound with their defaults); the peers get the same text with the
defaults in a VALUES block at the top of the WHERE group. Load: 8 client threads with keep-alive
connections for a fixed time each; we print requests/s, p50 and p99 latency, the rows returned (a
sanity check that every server answers the same) and innograph's ratio to each peer, with the
targets of issue 13 (a millisecond query at least 1.0x Oxigraph's server on disk at 250k and at
least 0.7x its in-memory server on the shipped data; the engine-bound query at least 1.0x).

innograph is measured twice: as served (its result cache on: every client asks the same query, so
after the first request the answer comes from memory until a write) and with the cache off
(``INNOGRAPH_RESULT_CACHE_BYTES=0``: every request is evaluated by a worker process, the price of a
time limit that really stops a query). Oxigraph's server has no result cache. The client is
Python (http.client), so very fast servers are measured below their true rate; all servers share
that ceiling and the 2 cores.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import statistics
from collections import Counter
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CONCURRENCY = 8


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(port: int, path: str, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path + "?" + urlencode({"query": "ASK {}"}),
                         headers={"Accept": "application/sparql-results+json"})
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            time.sleep(0.25)
    raise RuntimeError(f"server on port {port} did not start within {timeout} s")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _get(conn: http.client.HTTPConnection, target: str) -> tuple[http.client.HTTPResponse, bytes]:
    conn.request("GET", target, headers={"Accept": "application/sparql-results+json"})
    response = conn.getresponse()
    return response, response.read()


def _load(port: int, path: str, seconds: float, request_timeout: float) -> dict:
    """Hammer ``path`` from CONCURRENCY threads for ``seconds``; latencies of completed requests."""
    latencies: list[float] = []
    errors: list[str] = []
    rows: list[int] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=request_timeout)
        mine, seen = [], None
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                response, body = _get(conn, path)
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    errors.append(type(exc).__name__)
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=request_timeout)
                continue
            mine.append(time.perf_counter() - started)
            if response.status != 200:
                with lock:
                    errors.append(str(response.status))
            elif seen is None:
                seen = len(json.loads(body)["results"]["bindings"])
        conn.close()
        with lock:
            latencies.extend(mine)
            if seen is not None:
                rows.append(seen)

    start = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else float("nan")  # noqa: E731
    return {"rps": len(latencies) / elapsed, "p50": pick(0.50) * 1000, "p99": pick(0.99) * 1000,
            "n": len(latencies), "errors": len(errors), "rows": statistics.mode(rows) if rows else None,
            "error_kinds": ", ".join(f"{k} x{v}" for k, v in Counter(errors).most_common(2))}


def _peer_text(name: str) -> str:
    """The named query's text with its parameter defaults in a VALUES block at the top of its WHERE
    group: what innograph's own binding does (a trailing VALUES clause joins after FILTERs and
    OPTIONALs, and gave other answers: 0 rows for entity-search)."""
    import pyoxigraph as ox

    from innograph.service.catalogue import load_catalogue
    from innograph.rdf.parsing import parse_term
    from innograph.store.remote import inject_values
    query = load_catalogue(ROOT / "queries").get(name)
    bound = query.bind({})
    if not bound:
        return query.text
    return inject_values(query.text, {ox.Variable(k): parse_term(v) for k, v in bound.items()})


QUERIES = {"millisecond": "founding-and-later-members", "engine-bound": "ranking-results"}
# (data set, query kind, peer, lowest acceptable innograph/peer throughput) from issue 13.
TARGETS = [("250k synthetic", "millisecond", "oxigraph serve (disk)", 1.0),
           ("shipped data", "millisecond", "oxigraph serve (memory)", 0.7),
           ("250k synthetic", "engine-bound", "oxigraph serve (disk)", 1.0),
           ("shipped data", "engine-bound", "oxigraph serve (memory)", 1.0)]


def _start(processes: list, command: list[str], path: str, env: dict | None = None) -> int:
    port = _free_port()
    command = [c.replace("{port}", str(port)) for c in command]
    processes.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                      env=env, cwd=ROOT))
    _wait_until_up(port, path, processes[-1])
    return port


def _post_quads(port: int, dump: Path) -> None:
    """Load ``dump`` into an in-memory ``oxigraph serve`` through its Graph Store endpoint."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("POST", "/store", body=dump.read_bytes(), headers={"Content-Type": "application/n-quads"})
    response = conn.getresponse()
    response.read()
    conn.close()
    if response.status >= 300:
        raise RuntimeError(f"oxigraph serve refused the data: {response.status}")


def _servers(work: Path, label: str, files: list[Path], env: dict, processes: list,
             peers_in_memory: bool) -> tuple[int, dict[str, tuple[int, str]]]:
    """Load ``files`` into innograph (validated) and Oxigraph, start the servers; (quads, servers)."""
    store = work / f"{label}-innograph"
    subprocess.run([str(BIN / "innograph"), "--store", str(store), "load", *map(str, files)],
                   check=True, capture_output=True, env=env, cwd=ROOT)
    dump = work / f"{label}.nq"
    subprocess.run([str(BIN / "innograph"), "--store", str(store), "export", "--format", "nq",
                    "-o", str(dump)], check=True, capture_output=True, env=env, cwd=ROOT)
    with dump.open("rb") as lines:
        quads = sum(1 for line in lines if line.strip())
    # An on-disk store has one writer: each innograph server gets its own copy.
    copies = [store] + [work / f"{label}-innograph-{n}" for n in (1, 2)]
    for copy in copies[1:]:
        shutil.copytree(store, copy)
    serve = lambda path: [str(BIN / "innograph"), "--store", str(path), "serve", "--port", "{port}"]  # noqa: E731
    servers: dict[str, tuple[int, str]] = {
        "innograph": (_start(processes, serve(copies[0]), "/sparql", env), "/sparql"),
        "innograph, no cache": (_start(processes, serve(copies[1]), "/sparql",
                                       {**env, "INNOGRAPH_RESULT_CACHE_BYTES": "0"}), "/sparql")}
    if peers_in_memory:
        # Two gunicorn processes over one store (read-only; one query worker each).
        servers["innograph -w 2"] = (_start(processes, serve(copies[2]) + ["--workers", "2"], "/sparql",
                                            {**env, "INNOGRAPH_QUERY_WORKERS": "1"}), "/sparql")
    oxstore = work / f"{label}-oxigraph"
    subprocess.run([str(BIN / "oxigraph"), "load", "--location", str(oxstore), "--file", str(dump)],
                   check=True, capture_output=True)
    servers["oxigraph serve (disk)"] = (_start(processes, [
        str(BIN / "oxigraph"), "serve", "--location", str(oxstore), "--bind", "127.0.0.1:{port}",
        "--union-default-graph"], "/query"), "/query")
    if peers_in_memory:
        port = _start(processes, [str(BIN / "oxigraph"), "serve", "--bind", "127.0.0.1:{port}",
                                  "--union-default-graph"], "/query")
        _post_quads(port, dump)
        servers["oxigraph serve (memory)"] = (port, "/query")
        servers["rdflib-endpoint"] = (_start(processes, [
            str(BIN / "rdflib-endpoint"), "serve", "--host", "127.0.0.1", "--port", "{port}", str(dump)],
            "/"), "/")
    return quads, servers


def run(quick: bool = True) -> None:
    seconds = 3.0 if quick else 10.0
    work = Path(tempfile.mkdtemp(prefix="innograph-bench-http-"))
    processes: list[subprocess.Popen] = []
    env = {k: v for k, v in os.environ.items() if not k.startswith("INNOGRAPH_")}
    results: dict[tuple[str, str, str], dict] = {}
    try:
        synthetic = work / "synthetic.nt"
        subprocess.run([str(BIN / "innograph"), "synth", "--cities", "500", "--seed", "1",
                        "--beside-shipped", "-o", str(synthetic)], check=True, capture_output=True,
                       env=env, cwd=ROOT)
        for label, files, in_memory in (("shipped data", [ROOT / "data"], True),
                                        ("250k synthetic", [ROOT / "data", synthetic], False)):
            quads, servers = _servers(work, label.replace(" ", "-"), files, env, processes, in_memory)
            print(f"\n{label}: {quads} quads; concurrency {CONCURRENCY}; {seconds:g} s per server and "
                  f"query; Python keep-alive client")
            print(f"{'query':<34} {'server':<24} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'rows':>5} "
                  f"{'errors':>6}")
            for kind, name in QUERIES.items():
                peer_text = _peer_text(name)
                for server, (port, path) in servers.items():
                    target = f"/queries/{name}" if server.startswith("innograph") else \
                        path + "?" + urlencode({"query": peer_text})
                    figures = _load(port, target, seconds, request_timeout=60)
                    results[(label, kind, server)] = figures
                    print(f"{kind + ' (' + name + ')':<34} {server:<24} {figures['rps']:>9.1f} "
                          f"{figures['p50']:>8.1f} {figures['p99']:>8.1f} {str(figures['rows']):>5} "
                          f"{figures['errors']:>6}" + (f"  ({figures['error_kinds']})" if figures["errors"] else ""),
                          flush=True)
            for process in processes:
                _stop(process)
            processes.clear()
        print("\nratios (innograph req/s / peer req/s), against issue 13's targets:")
        for label, kind, peer, target in TARGETS:
            theirs = results[(label, kind, peer)]["rps"]
            for ours in ("innograph", "innograph, no cache"):
                ratio = results[(label, kind, ours)]["rps"] / theirs if theirs else float("inf")
                verdict = "met" if ratio >= target else "missed"
                print(f"  {label:<15} {kind:<13} {ours:<20} vs {peer:<24} x{ratio:.2f}  "
                      f"(target >= {target:g}: {verdict})")
        for kind in QUERIES:
            ours = results[("shipped data", kind, "innograph")]["rps"]
            theirs = results[("shipped data", kind, "rdflib-endpoint")]["rps"]
            two = results[("shipped data", kind, "innograph -w 2")]["rps"]
            print(f"  shipped data    {kind:<13} innograph vs rdflib-endpoint x{ours / theirs if theirs else float('inf'):.2f}; "
                  f"--workers 2 vs 1 process x{two / ours if ours else float('nan'):.2f}")
    finally:
        for process in processes:
            _stop(process)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    run(quick="--full" not in sys.argv)
