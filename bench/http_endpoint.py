"""HTTP throughput and latency of ``innograph serve`` against Oxigraph's server and rdflib-endpoint.

All three serve the same data (the shipped data/ plus the ontology, loaded and validated by
innograph, exported as N-Quads) on 127.0.0.1, started and stopped here. Two named queries from
queries/: a cheap one and the heaviest one on this data. innograph runs them by name
(``/queries/NAME``, parameters bound with their defaults); the peers get the same text with the
defaults in a VALUES block at the top of the WHERE group. Load: 8 client threads with keep-alive
connections for a fixed time each; we print requests/s, p50 and p99 latency, the rows returned (a sanity check that every
server answers the same) and innograph's ratio to each peer.

The client is Python (http.client), so very fast servers are measured below their true rate; all
servers share that ceiling. innograph evaluates each query in a worker process (the price of a
time limit that really stops a query); Oxigraph's server evaluates in-process.
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
QUERIES = {"cheap": "ranking-results", "heavy": "founding-and-later-members"}


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


def run(quick: bool = True) -> None:
    seconds = 3.0 if quick else 10.0
    work = Path(tempfile.mkdtemp(prefix="innograph-bench-http-"))
    processes: list[subprocess.Popen] = []
    env = {k: v for k, v in os.environ.items() if not k.startswith("INNOGRAPH_")}
    try:
        store = work / "innograph-store"
        subprocess.run([str(BIN / "innograph"), "--store", str(store), "load", str(ROOT / "data")],
                       check=True, capture_output=True, env=env, cwd=ROOT)
        dump = work / "data.nq"
        subprocess.run([str(BIN / "innograph"), "--store", str(store), "export", "--format", "nq",
                        "-o", str(dump)], check=True, capture_output=True, env=env, cwd=ROOT)
        quads = sum(1 for line in dump.read_text().splitlines() if line.strip())

        servers: dict[str, tuple[int, str]] = {}
        port = _free_port()
        processes.append(subprocess.Popen(
            [str(BIN / "innograph"), "--store", str(store), "serve", "--port", str(port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT))
        _wait_until_up(port, "/sparql", processes[-1])
        servers["innograph"] = (port, "/sparql")

        # The same store served by two gunicorn processes (read-only; one query worker each).
        port = _free_port()
        processes.append(subprocess.Popen(
            [str(BIN / "innograph"), "--store", str(store), "serve", "--port", str(port), "--workers", "2"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**env, "INNOGRAPH_QUERY_WORKERS": "1"},
            cwd=ROOT))
        _wait_until_up(port, "/sparql", processes[-1])
        servers["innograph -w 2"] = (port, "/sparql")

        oxstore = work / "oxigraph-store"
        subprocess.run([str(BIN / "oxigraph"), "load", "--location", str(oxstore), "--file", str(dump)],
                       check=True, capture_output=True)
        port = _free_port()
        processes.append(subprocess.Popen(
            [str(BIN / "oxigraph"), "serve", "--location", str(oxstore), "--bind", f"127.0.0.1:{port}",
             "--union-default-graph"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        _wait_until_up(port, "/query", processes[-1])
        servers["oxigraph serve"] = (port, "/query")

        port = _free_port()
        processes.append(subprocess.Popen(
            [str(BIN / "rdflib-endpoint"), "serve", "--host", "127.0.0.1", "--port", str(port), str(dump)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        _wait_until_up(port, "/", processes[-1])
        servers["rdflib-endpoint"] = (port, "/")

        print(f"{quads} quads; concurrency {CONCURRENCY}; {seconds:g} s per server and query; "
              f"Python keep-alive client")
        print(f"{'query':<34} {'server':<16} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'rows':>5} {'errors':>6}")
        results: dict[tuple[str, str], dict] = {}
        for kind, name in QUERIES.items():
            peer_text = _peer_text(name)
            for server, (port, path) in servers.items():
                target = f"/queries/{name}" if server.startswith("innograph") else \
                    path + "?" + urlencode({"query": peer_text})
                figures = _load(port, target, seconds, request_timeout=60)
                results[(kind, server)] = figures
                print(f"{kind + ' (' + name + ')':<34} {server:<16} {figures['rps']:>9.1f} "
                      f"{figures['p50']:>8.1f} {figures['p99']:>8.1f} {str(figures['rows']):>5} "
                      f"{figures['errors']:>6}" + (f"  ({figures['error_kinds']})" if figures["errors"] else ""),
                      flush=True)
        print("\nratios (innograph req/s / peer req/s; p99 latency peer / innograph):")
        for kind in QUERIES:
            ours = results[(kind, "innograph")]
            for peer in ("oxigraph serve", "rdflib-endpoint"):
                theirs = results[(kind, peer)]
                rps = ours["rps"] / theirs["rps"] if theirs["rps"] else float("inf")
                p99 = theirs["p99"] / ours["p99"] if ours["p99"] else float("nan")
                print(f"  {kind:<6} vs {peer:<16} throughput x{rps:.2f}   p99 x{p99:.2f}")
            two = results[(kind, "innograph -w 2")]
            print(f"  {kind:<6} innograph --workers 2 vs 1 process: throughput "
                  f"x{two['rps'] / ours['rps'] if ours['rps'] else float('nan'):.2f}")
    finally:
        for process in processes:
            _stop(process)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    run(quick="--full" not in sys.argv)
