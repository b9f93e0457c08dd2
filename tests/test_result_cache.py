"""Answers kept for the current data: the core's result cache and the HTTP response cache.

What matters is that a kept answer is always the answer the current data gives: every write makes
every kept answer unreachable, volatile and federated queries are never kept, and a kept response
is only given to a request that would have got the same bytes.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from hardening import AUTH, hardened_app
from innograph.service.execution import QueryOutcome
from innograph.service.result_cache import ResultCache

JSON = {"Accept": "application/sparql-results+json"}
UPDATE = {"Content-Type": "application/sparql-update", **AUTH}
COUNT_LABELS = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <urn:test:cache> { ?s ?p ?o } }"


def outcome(body: bytes) -> QueryOutcome:
    return QueryOutcome(body, "json", "select", False, 1)


# -- the cache itself ------------------------------------------------------------------------------

def test_an_entry_lives_until_the_generation_changes():
    cache = ResultCache(10_000)
    cache.put(3, "q", outcome(b"old"), 3)
    assert cache.get(3, "q").body == b"old"
    assert cache.get(4, "q") is None                 # a commit happened: gone
    assert len(cache) == 0 and cache.size_bytes == 0


def test_an_answer_computed_before_a_commit_already_seen_is_not_kept():
    cache = ResultCache(10_000)
    assert cache.get(5, "other") is None             # generation 5 seen
    cache.put(4, "q", outcome(b"stale"), 5)
    assert cache.get(5, "q") is None


def test_memory_is_bounded_least_recently_used_first():
    cache = ResultCache(3000)                        # entries of 100 bytes cost 356 with bookkeeping
    for name in "abcd":
        cache.put(1, name, outcome(b"x" * 100), 100)
    assert cache.get(1, "a") is not None             # a is now the most recently used
    for name in "efghij":
        cache.put(1, name, outcome(b"x" * 100), 100)
    assert cache.size_bytes <= 3000 and len(cache) == 8
    assert cache.get(1, "a") is not None and cache.get(1, "b") is None and cache.get(1, "c") is None


def test_an_answer_larger_than_an_eighth_of_the_cache_is_never_kept():
    cache = ResultCache(8 * 1024)
    cache.put(1, "big", outcome(b"x" * 2000), 2000)
    assert cache.get(1, "big") is None and cache.size_bytes == 0


# -- the core --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def app(shipped_store, tmp_path_factory):
    with hardened_app(shipped_store, tmp_path_factory.mktemp("cache")) as app:
        yield app


def count_worker_runs(monkeypatch, executor) -> list:
    calls = []
    original = executor.run

    def counting(request, timeout=None):
        calls.append(request.sparql)
        return original(request, timeout)
    monkeypatch.setattr(executor, "run", counting)
    return calls


def test_a_repeated_query_is_answered_without_a_worker_and_a_write_is_seen_at_once(app, monkeypatch):
    kg = app.extensions["innograph"].kg
    calls = count_worker_runs(monkeypatch, kg.queries.executor)
    try:
        first = kg.query(COUNT_LABELS)
        again = kg.query(COUNT_LABELS)
        assert first["n"].tolist() == again["n"].tolist() == [0]
        assert len(calls) == 1
        kg.update("INSERT DATA { GRAPH <urn:test:cache> { <urn:test:a> <urn:test:p> 'one' } }")
        assert kg.query(COUNT_LABELS)["n"].tolist() == [1]
        assert len(calls) == 2
    finally:
        kg.update("DROP SILENT GRAPH <urn:test:cache>")


@pytest.mark.parametrize("volatile", ["RAND()", "NOW()", "STRUUID()", "UUID()", "BNODE()"])
def test_a_volatile_query_is_evaluated_every_time(app, monkeypatch, volatile):
    kg = app.extensions["innograph"].kg
    calls = count_worker_runs(monkeypatch, kg.queries.executor)
    text = f"SELECT ?v WHERE {{ BIND({volatile} AS ?v) }}"
    answers = {str(kg.query(text)["v"][0]) for _ in range(3)}
    assert len(calls) == 3
    if volatile != "NOW()":                          # NOW() may repeat within a clock tick
        assert len(answers) == 3


def test_the_cache_can_be_turned_off(shipped_store, tmp_path):
    with hardened_app(shipped_store, tmp_path, result_cache_bytes=0) as app:
        kg = app.extensions["innograph"].kg
        assert kg.queries.cache is None
        assert app.wsgi_app.__class__.__name__ != "ResponseCache"
        assert kg.query("ASK { ?s ?p ?o }") is True


# -- the HTTP face ---------------------------------------------------------------------------------

def get(client, path: str, **headers):
    return client.get(path, headers={**JSON, **headers})


def http_cache(app):
    return app.wsgi_app.cache


def test_a_repeated_request_gets_the_same_response_from_memory(app):
    client, cache = app.test_client(), http_cache(app)
    first = get(client, "/queries/founding-and-later-members")
    hits = cache.hits
    again = get(client, "/queries/founding-and-later-members")
    assert cache.hits == hits + 1
    assert again.status_code == first.status_code == 200
    assert again.data == first.data
    assert dict(again.headers) == dict(first.headers)
    assert again.headers["Innograph-Data-Version"]


def test_a_write_through_http_is_seen_by_the_next_request(app):
    client = app.test_client()
    path = "/sparql?" + urlencode({"query": COUNT_LABELS})
    try:
        assert get(client, path).get_json()["results"]["bindings"][0]["n"]["value"] == "0"
        assert get(client, path).get_json()["results"]["bindings"][0]["n"]["value"] == "0"
        reply = client.post("/sparql", headers=UPDATE,
                            data="INSERT DATA { GRAPH <urn:test:cache> { <urn:test:b> <urn:test:p> 'two' } }")
        assert reply.status_code == 200, reply.data
        assert get(client, path).get_json()["results"]["bindings"][0]["n"]["value"] == "1"
    finally:
        client.post("/sparql", headers=UPDATE, data="DROP SILENT GRAPH <urn:test:cache>")


def test_responses_in_other_formats_or_encodings_are_kept_apart(app):
    client = app.test_client()
    path = "/queries/founding-and-later-members"
    as_json = get(client, path)
    as_csv = client.get(path, headers={"Accept": "text/csv"})
    as_json_again = get(client, path)
    assert as_csv.headers["Content-Type"].startswith("text/csv")
    assert as_json_again.headers["Content-Type"].startswith("application/sparql-results+json")
    assert as_json_again.data == as_json.data
    gzipped = get(client, path, **{"Accept-Encoding": "gzip"})
    assert gzipped.headers.get("Content-Encoding") == "gzip"
    assert get(client, path).headers.get("Content-Encoding") is None


def test_head_after_get_has_the_headers_and_no_body(app):
    client = app.test_client()
    path = "/queries/founding-and-later-members"
    full = get(client, path)
    for _ in range(2):
        head = client.head(path, headers=JSON)
        assert head.status_code == 200 and head.data == b""
        assert head.headers["Content-Length"] == str(len(full.data))


def test_requests_with_credentials_or_no_cache_always_reach_the_app(app):
    client, cache = app.test_client(), http_cache(app)
    path = "/queries/founding-and-later-members"
    get(client, path)
    looked = cache.hits + cache.misses
    get(client, path, **{"Cache-Control": "no-cache"})
    get(client, path, Authorization="Bearer whatever")
    assert cache.hits + cache.misses == looked


def test_errors_and_volatile_answers_are_not_kept(app):
    client = app.test_client()
    bad = "/sparql?" + urlencode({"query": "SELECT * WHERE { ?s ?p }"})
    assert get(client, bad).status_code == 400
    kept = len(http_cache(app))
    assert get(client, bad).status_code == 400
    random = "/sparql?" + urlencode({"query": "SELECT (STRUUID() AS ?u) WHERE {}"})
    values = {get(client, random).get_json()["results"]["bindings"][0]["u"]["value"] for _ in range(3)}
    assert len(values) == 3
    assert len(http_cache(app)) == kept


def test_a_kept_answer_can_be_revalidated_with_its_etag(app):
    client = app.test_client()
    path = "/queries/founding-and-later-members"
    first = get(client, path)
    etag = first.headers["ETag"]
    assert get(client, path).headers["ETag"] == etag
    not_modified = get(client, path, **{"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.data == b""
    assert get(client, path, **{"If-None-Match": '"something-else"'}).status_code == 200
    assert client.get(path, headers={"Accept": "text/csv"}).headers["ETag"] != etag
