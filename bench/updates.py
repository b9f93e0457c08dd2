"""Writes over HTTP: validated ``innograph serve`` against Oxigraph's server (unvalidated), same data.

For each size, synthetic data (``innograph synth``) is loaded and validated into an on-disk store
(``innograph load``), exported as N-Quads and loaded into Oxigraph (``oxigraph load``); both
servers run on 127.0.0.1, started and stopped here. Measured, one client, each server in turn:

* one-triple ``INSERT DATA`` (``owl:sameAs`` added to an existing city, so the city's shapes are
  checked): p50 and p90 over a number of requests, each a different city;
* ``DELETE/INSERT ... WHERE`` touching 1,000 triples (500 labels renamed: 500 removed, 500 added);
* Graph Store ``PUT`` of a new graph (one synthetic city, ~1,500 triples, N-Triples).

The issue's targets are printed as ratios: p50 of INSERT DATA at the large size <= 50 ms and
<= 2x the p50 at 10k; DELETE/INSERT WHERE and PUT <= 2 s at the large size.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from bench.http_endpoint import BIN, ROOT, _free_port, _stop, _wait_until_up

TOKEN = "bench-token-0123456789"
OWL_SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"
RENAME = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
DELETE { GRAPH ?g { ?s rdfs:label ?l } } INSERT { GRAPH ?g { ?s rdfs:label ?renamed } }
WHERE {
  { SELECT ?g ?s ?l WHERE { GRAPH ?g { ?s rdfs:label ?l } FILTER(CONTAINS(STR(?s), "/synth-")) }
    LIMIT 500 }
  BIND(IF(LANG(?l) = "", CONCAT(?l, " *"), STRLANG(CONCAT(STR(?l), " *"), LANG(?l))) AS ?renamed)
}"""


def _request(port: int, method: str, target: str, body: bytes | None, headers: dict) -> tuple[int, bytes, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        started = time.perf_counter()
        conn.request(method, target, body=body, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        return response.status, payload, time.perf_counter() - started
    finally:
        conn.close()


class Server:
    """How to write to one server: SPARQL Update and Graph Store PUT."""

    def __init__(self, name: str, port: int, update_path: str, store_path: str, headers: dict):
        self.name, self.port = name, port
        self.update_path, self.store_path, self.headers = update_path, store_path, headers

    def update(self, text: str) -> float:
        status, body, seconds = _request(self.port, "POST", self.update_path, text.encode(),
                                         {"Content-Type": "application/sparql-update", **self.headers})
        if status >= 300:
            raise RuntimeError(f"{self.name}: update answered {status}: {body[:300]!r}")
        return seconds

    def put(self, graph: str, body: bytes) -> float:
        status, reply, seconds = _request(self.port, "PUT", self.store_path + "?" + urlencode({"graph": graph}),
                                          body, {"Content-Type": "application/n-triples", **self.headers})
        if status >= 300:
            raise RuntimeError(f"{self.name}: PUT answered {status}: {reply[:300]!r}")
        return seconds


def _cities(port: int, count: int) -> list[str]:
    query = f"SELECT ?c WHERE {{ ?c a <https://schema.org/City> }} ORDER BY ?c LIMIT {count}"
    status, body, _ = _request(port, "GET", "/sparql?" + urlencode({"query": query}), None,
                               {"Accept": "application/sparql-results+json"})
    return [row["c"]["value"] for row in json.loads(body)["results"]["bindings"]]


def _measure_size(label: str, cities: int, inserts: int, work: Path, env: dict) -> dict:
    data = work / "data.nt"
    subprocess.run([str(BIN / "innograph"), "synth", "--cities", str(cities), "--seed", "1", "-o", str(data)],
                   check=True, capture_output=True, env=env, cwd=ROOT)
    store = work / "innograph-store"
    subprocess.run([str(BIN / "innograph"), "--store", str(store), "load", str(data)],
                   check=True, capture_output=True, env=env, cwd=ROOT)
    dump = work / "data.nq"
    subprocess.run([str(BIN / "innograph"), "--store", str(store), "export", "--format", "nq", "-o", str(dump)],
                   check=True, capture_output=True, env=env, cwd=ROOT)
    quads = sum(1 for _ in dump.open("rb"))
    oxstore = work / "oxigraph-store"
    subprocess.run([str(BIN / "oxigraph"), "load", "--location", str(oxstore), "--file", str(dump)],
                   check=True, capture_output=True)
    put_file = work / "put.nt"
    subprocess.run([str(BIN / "innograph"), "synth", "--cities", "1", "--seed", "7", "-o", str(put_file)],
                   check=True, capture_output=True, env=env, cwd=ROOT)
    # Other slugs than the loaded data's, so the new graph states new nodes.
    put_body = put_file.read_bytes().replace(b"/synth-", b"/putb-")
    put_triples = put_body.count(b"\n")

    processes = []
    try:
        port = _free_port()
        processes.append(subprocess.Popen(
            [str(BIN / "innograph"), "--store", str(store), "serve", "--port", str(port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**env, "INNOGRAPH_UPDATE_TOKEN": TOKEN}, cwd=ROOT))
        _wait_until_up(port, "/sparql", processes[-1])
        ours = Server("innograph", port, "/sparql", "/store", {"Authorization": f"Bearer {TOKEN}"})
        targets = _cities(port, inserts)
        oxport = _free_port()
        processes.append(subprocess.Popen(
            [str(BIN / "oxigraph"), "serve", "--location", str(oxstore), "--bind", f"127.0.0.1:{oxport}",
             "--union-default-graph"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        _wait_until_up(oxport, "/query", processes[-1])
        theirs = Server("oxigraph serve", oxport, "/update", "/store", {})

        figures: dict = {"quads": quads, "put_triples": put_triples}
        for server in (ours, theirs):
            times = [server.update(f"INSERT DATA {{ GRAPH <urn:bench:writes> {{ <{city}> <{OWL_SAME_AS}> "
                                   f"<http://www.wikidata.org/entity/Q{990000 + i}> }} }}")
                     for i, city in enumerate(targets)]
            figures[(server.name, "insert")] = (statistics.median(times), sorted(times)[int(0.9 * (len(times) - 1))])
            figures[(server.name, "rename")] = server.update(RENAME)
            figures[(server.name, "put")] = server.put("urn:bench:put", put_body)
        print(f"{label:>5} ({quads} quads): INSERT DATA p50 {figures[('innograph', 'insert')][0] * 1000:.1f} ms "
              f"(Oxigraph {figures[('oxigraph serve', 'insert')][0] * 1000:.1f} ms); "
              f"DELETE/INSERT WHERE {figures[('innograph', 'rename')]:.2f} s "
              f"(Oxigraph {figures[('oxigraph serve', 'rename')]:.2f} s); "
              f"PUT {put_triples} triples {figures[('innograph', 'put')]:.2f} s "
              f"(Oxigraph {figures[('oxigraph serve', 'put')]:.2f} s)", flush=True)
        return figures
    finally:
        for process in processes:
            _stop(process)


def run(quick: bool = True) -> None:
    sizes = [("10k", 20), ("250k", 500)] if quick else [("10k", 20), ("1M", 2000)]
    inserts = 15 if quick else 30
    env = {k: v for k, v in os.environ.items() if not k.startswith("INNOGRAPH_")}
    results = {}
    for label, cities in sizes:
        work = Path(tempfile.mkdtemp(prefix=f"innograph-bench-updates-{label}-"))
        try:
            results[label] = _measure_size(label, cities, inserts, work, env)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    small, large = (results[label] for label, _ in sizes)
    big = sizes[1][0]
    print(f"\n{'operation':<44} {'size':>5} {'innograph':>11} {'oxigraph':>10} {'x oxigraph':>10}")
    for label, figures in results.items():
        for key, what in (("insert", "INSERT DATA, one triple, p50 (p90)"),
                          ("rename", "DELETE/INSERT WHERE, 1,000 triples"),
                          ("put", f"GSP PUT, {figures['put_triples']} triples")):
            ours, theirs = figures[("innograph", key)], figures[("oxigraph serve", key)]
            if key == "insert":
                text = f"{ours[0] * 1000:6.1f} ms ({ours[1] * 1000:.0f})"
                ratio = ours[0] / theirs[0]
                peer = f"{theirs[0] * 1000:.1f} ms"
            else:
                text, peer, ratio = f"{ours:8.2f} s", f"{theirs:.2f} s", ours / theirs
            print(f"{what:<44} {label:>5} {text:>11} {peer:>10} {ratio:>9.1f}x")
    p50_large, p50_small = large[("innograph", "insert")][0], small[("innograph", "insert")][0]
    print("\ntargets (ratio <= 1.0 meets the target):")
    print(f"  INSERT DATA p50 at {big} / 50 ms:               {p50_large / 0.050:.2f}")
    print(f"  INSERT DATA p50 at {big} / (2 x p50 at 10k):     {p50_large / (2 * p50_small):.2f}")
    print(f"  DELETE/INSERT WHERE 1,000 triples at {big} / 2 s: {large[('innograph', 'rename')] / 2:.2f}")
    print(f"  GSP PUT at {big} / 2 s:                          {large[('innograph', 'put')] / 2:.2f}")
