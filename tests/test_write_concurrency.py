"""Writes and reads do not wait for each other: queries run in worker processes on read-only
snapshots and never take the write lock; a write holds it only for its own delta, validation and
commit; readers see the new state as soon as the write has answered."""

from __future__ import annotations

import threading
import time
from urllib.parse import urlencode

import pytest

from hardening import AUTH, hardened_app

LONG = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"      # runs until the time limit
UPDATE = {"Content-Type": "application/sparql-update", **AUTH}


@pytest.fixture(scope="module")
def app(shipped_store, tmp_path_factory):
    with hardened_app(shipped_store, tmp_path_factory.mktemp("concurrency"), query_timeout=4.0) as app:
        yield app


def ask(app, triple: str) -> bool:
    reply = app.test_client().get("/sparql?" + urlencode({"query": f"ASK {{ GRAPH ?g {{ {triple} }} }}"}),
                                  headers={"Accept": "application/sparql-results+json"})
    assert reply.status_code == 200, reply.data
    return reply.get_json()["boolean"]


def test_a_long_read_never_delays_a_write_and_the_write_is_seen_at_once(app):
    finished = {}

    def long_read():
        app.test_client().get("/sparql?" + urlencode({"query": LONG}))
        finished["read"] = time.monotonic()

    reader = threading.Thread(target=long_read)
    reader.start()
    time.sleep(0.5)                                  # the long query is running in a worker
    triple = "<urn:test:concurrent> <http://www.w3.org/2000/01/rdf-schema#label> 'written' ."
    try:
        reply = app.test_client().post("/sparql", data=f"INSERT DATA {{ GRAPH <urn:test:c> {{ {triple} }} }}",
                                       headers=UPDATE)
        finished["write"] = time.monotonic()
        assert reply.status_code == 200, reply.data
        assert ask(app, triple)                      # right after the write answered
        reader.join(timeout=30)
        assert finished["write"] < finished["read"], "the write waited for the long read"
    finally:
        reader.join(timeout=30)
        app.test_client().post("/sparql", data="DROP SILENT GRAPH <urn:test:c>", headers=UPDATE)


def test_reads_answer_while_a_write_holds_the_write_lock(app):
    updates = app.extensions["innograph"].updates
    with updates.lock:                               # a write validating a large change
        assert ask(app, "?s a <https://schema.org/City>")
