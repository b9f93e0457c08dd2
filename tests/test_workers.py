"""``innograph serve --workers N``: several HTTP processes over one on-disk store, served read-only."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import pytest

from live_server import TOKEN, http, start_server

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <http://www.w3.org/ns/org#Membership> }"


@pytest.fixture(scope="module")
def processes():
    server = start_server(extra_args=["--workers", "2", "--threads", "4"],
                          env={"INNOGRAPH_QUERY_WORKERS": "1"})
    yield server
    server.stop()


def children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def test_every_process_answers_queries_with_the_loaded_data(processes):
    def count(_):
        reply = http(processes, "GET", "/sparql?query=" + quote(COUNT),
                     headers={"Accept": "application/sparql-results+json"})
        assert reply.status == 200, reply.text
        return int(json.loads(reply.body)["results"]["bindings"][0]["n"]["value"])

    with ThreadPoolExecutor(8) as pool:
        counts = set(pool.map(count, range(40)))
    assert len(counts) == 1 and counts.pop() >= 6
    # gunicorn's master forked two HTTP workers, each with its own query worker process.
    workers = children(processes.process.pid)
    assert len(workers) == 2, workers
    assert all(children(w) for w in workers)


@pytest.mark.parametrize("method, path, body, content_type", [
    ("POST", "/sparql", "INSERT DATA { <urn:x> <urn:y> <urn:z> }", "application/sparql-update"),
    ("PUT", "/store?graph=urn%3Atest%3Aw", "<urn:x> <urn:y> <urn:z> .", "text/turtle"),
    ("DELETE", "/store?graph=https%3A%2F%2Fw3id.org%2Finnograph%2Fgraph%2Fplaces", None, None),
])
def test_writes_are_refused_even_with_the_token(processes, method, path, body, content_type):
    headers = {"Authorization": f"Bearer {TOKEN}"}
    if content_type:
        headers["Content-Type"] = content_type
    reply = http(processes, method, path, body, headers)
    assert reply.status == 403
    assert "read-only" in reply.text and "innograph load" in reply.text


def test_workers_need_a_store_directory(tmp_path):
    out = subprocess.run([sys.executable, "-m", "innograph", "--store", "memory", "serve", "--workers", "2",
                          "--port", "0"], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert out.returncode == 2
    assert "--workers above 1 needs a store directory" in out.stderr


def test_read_only_setting_refuses_writes_on_one_process():
    server = start_server(env={"INNOGRAPH_READ_ONLY": "yes"})
    try:
        reply = http(server, "POST", "/sparql", "INSERT DATA { <urn:x> <urn:y> <urn:z> }",
                     {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/sparql-update"})
        assert reply.status == 403 and "read-only" in reply.text
        assert http(server, "GET", "/sparql?query=" + quote("ASK {}")).status == 200
    finally:
        server.stop()
