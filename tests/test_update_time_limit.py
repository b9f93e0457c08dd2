"""An update's WHERE has the query time limit: it is evaluated in a worker process that is killed at
the deadline (service/updates.py ``WorkerWhere``), over HTTP (503) and through the Python API
(QueryTimeout), alone or after earlier operations of the same request; the store is left exactly as
it was and the next write works. The W3C SPARQL 1.1 Update evaluation tests with a WHERE after an
earlier operation, and random such requests, run through that worker too (a WHERE after a change
runs on the scratch checkpoint) with pyoxigraph's results."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import given, strategies as st

import innograph
from innograph.errors import QueryRefused, QueryTimeout
from innograph.rdf.sparql import inspect, tokenize
from innograph.service.execution import QueryPool
from innograph.service.updates import SCRATCH_PREFIX, DeltaEvaluator, WorkerWhere, commit, split_operations
from innograph.store import OxigraphStore

from hardening import AUTH, Listener, examples, fingerprint, hardened_app
from test_update_delta import CASES, EXPECTED_FAILURES, _matches, _store, assert_same_state, dataset, operation

# A cartesian product of every triple of every graph with itself, four times: never finishes.
ENDLESS_WHERE = "WHERE { GRAPH ?g { ?a ?b ?c . ?d ?e ?f . ?h ?i ?j . ?k ?l ?m } }"
ENDLESS = f"DELETE {{ GRAPH ?g {{ ?a ?b ?c }} }} {ENDLESS_WHERE}"
UPDATE = {"Content-Type": "application/sparql-update", **AUTH}
LIMIT = 1.0


def _scratches(store_dir) -> list:
    return sorted(p.name for p in store_dir.iterdir() if p.name.startswith(SCRATCH_PREFIX))


def test_an_endless_where_over_http_is_503_changes_nothing_and_the_next_write_works(shipped_store, tmp_path):
    with hardened_app(shipped_store, tmp_path, query_timeout=LIMIT, query_workers=1) as app:
        store = app.extensions["innograph"].store
        before = fingerprint(store)
        client = app.test_client()
        reply = client.post("/sparql", data=ENDLESS, headers=UPDATE)
        assert reply.status_code == 503, reply.data
        assert b"time limit of 1 s" in reply.data and b"INNOGRAPH_QUERY_TIMEOUT" in reply.data
        assert b"nothing was written" in reply.data
        assert fingerprint(store) == before
        # The write lock was given back: the next write goes through (the next write with a WHERE
        # of its own, on the replacement worker: the Python API tests below).
        reply = client.post("/sparql", headers=UPDATE,
                            data="INSERT DATA { GRAPH <urn:test:next> { <urn:test:next> <urn:test:p> 1 } }")
        assert reply.status_code == 200, reply.data
        assert len(list(store.quads_matching(ox.NamedNode("urn:test:next"), None, None, None))) == 1
        assert _scratches(tmp_path / "store") == []


@pytest.fixture(scope="module")
def small_graph(tmp_path_factory):
    """An on-disk knowledge graph of 200 unconstrained triples (fast to load, endless to cube)."""
    tmp_path = tmp_path_factory.mktemp("small")
    data = tmp_path / "small.ttl"
    data.write_text("".join(f"<urn:test:s{i}> <urn:test:p> {i} .\n" for i in range(200)), encoding="utf-8")
    with innograph.open(tmp_path / "store", workers=1) as kg:
        kg.load(data)
        yield kg


def test_an_endless_where_of_values_alone_through_the_python_api_raises_query_timeout(small_graph):
    before = fingerprint(small_graph.store)
    # No data needed: four VALUES of 300 rows each, 8.1e9 solutions from a 5 KB request (not even
    # the syntax check, which runs the request on an empty store, may evaluate it).
    values = "VALUES ?{} {{ " + " ".join(map(str, range(300))) + " }} "
    with pytest.raises(QueryTimeout, match=r"time limit of 1 s .*nothing was written"):
        small_graph.update("INSERT { <urn:test:x> <urn:test:p> ?sum } WHERE { "
                           + "".join(values.format(name) for name in "abcd")
                           + "BIND(?a + ?b + ?c + ?d AS ?sum) }", timeout=LIMIT)
    assert fingerprint(small_graph.store) == before
    added, removed = small_graph.update("DELETE { GRAPH ?g { ?s <urn:test:p> 7 } } "
                                        "INSERT { GRAPH ?g { ?s <urn:test:p> 700 } } "
                                        "WHERE { GRAPH ?g { ?s <urn:test:p> 7 } }")
    assert [q.object.value for q in added] == ["700"] and [q.object.value for q in removed] == ["7"]
    # The worker's read-only snapshot shows that commit at once (the pool's generation moved on).
    _, removed = small_graph.update("DELETE WHERE { GRAPH ?g { ?s <urn:test:p> 700 } }")
    assert [q.object.value for q in removed] == ["700"]


@pytest.mark.parametrize("update", [
    "INSERT { <urn:test:x> <urn:test:p> ?o } WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "LOAD <http://169.254.169.254/latest/meta-data> INTO GRAPH <urn:test:g>",
    "INSERT DATA { <urn:test:x> <urn:test:p> 1 } ; " + "INSERT { <urn:test:x> <urn:test:p> 2 } WHERE " + "{" * 80 + "}" * 80,
])
def test_the_python_api_checks_an_update_as_the_endpoint_does(small_graph, update):
    before = fingerprint(small_graph.store)
    with pytest.raises(QueryRefused):
        small_graph.update(update)
    assert fingerprint(small_graph.store) == before


def test_using_graphs_given_to_the_python_api_are_the_dataset_of_the_where(small_graph):
    small_graph.update("INSERT DATA { GRAPH <urn:test:using> { <urn:test:u> <urn:test:p> 1 } }")
    try:
        added, _ = small_graph.update("INSERT { GRAPH <urn:test:out> { ?s <urn:test:seen> true } } "
                                      "WHERE { ?s <urn:test:p> 1 }", using=["urn:test:using"])
        assert [q.subject.value for q in added] == ["urn:test:u"]
    finally:
        small_graph.update("DROP SILENT GRAPH <urn:test:using> ; DROP SILENT GRAPH <urn:test:out>")


def test_a_multi_operation_request_is_time_limited_and_sees_its_earlier_operations(small_graph):
    store_dir = small_graph.store.path
    before = fingerprint(small_graph.store)
    count = len(list(small_graph.store.quads()))
    with pytest.raises(QueryTimeout):
        small_graph.update("INSERT DATA { GRAPH <urn:test:g> { <urn:test:new> <urn:test:p> -1 } } ; "
                           f"{ENDLESS}", timeout=LIMIT)
    assert fingerprint(small_graph.store) == before         # the INSERT DATA was not written either
    assert _scratches(store_dir) == []
    # Three WHEREs, each after a change: the second sees the first's insertion and deletion, the
    # third the second's (the scratch copy is brought up to date between them).
    added, removed = small_graph.update(
        "INSERT DATA { GRAPH <urn:test:g> { <urn:test:a> <urn:test:q> 1 } } ; "
        "DELETE { GRAPH ?g { ?s <urn:test:p> 3 } } WHERE { GRAPH ?g { ?s <urn:test:p> 3 } } ; "
        "INSERT { GRAPH <urn:test:g> { <urn:test:b> <urn:test:q> ?n } } "
        "WHERE { SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } } ; "
        "DELETE { GRAPH <urn:test:g> { <urn:test:a> <urn:test:q> 1 } } "
        "INSERT { GRAPH <urn:test:g> { <urn:test:c> <urn:test:q> ?n } } "
        "WHERE { GRAPH <urn:test:g> { <urn:test:b> <urn:test:q> ?n } }")
    counted = str(count + 1 - 1)          # with <a> and without the deleted 3
    assert sorted((q.subject.value, q.object.value) for q in added) == [
        ("urn:test:b", counted), ("urn:test:c", counted)]
    assert [q.object.value for q in removed] == ["3"]
    assert _scratches(store_dir) == []


def _later_where(text: str) -> bool:
    """True when an operation after the first has a WHERE (single-operation WHEREs take the same
    SELECT in test_update_delta.py, evaluated in process)."""
    operations = split_operations(text, tokenize(text))
    return any(op.keyword in {"MODIFY", "DELETE WHERE"} for op in operations[1:])


WHERE_CASES = [case for case in CASES if _later_where(case.request.read_text(encoding="utf-8"))]


def test_w3c_updates_with_a_where_pass_through_the_worker(tmp_path):
    assert len(WHERE_CASES) >= 6
    store_dir = tmp_path / "store"
    OxigraphStore(store_dir).close()
    store = ox.Store(str(store_dir))
    pool = QueryPool(str(store_dir), size=1, timeout=30, queue_wait=30)
    failed, on_scratch = [], 0
    try:
        pool.warm_up()
        for case in WHERE_CASES:
            store.clear()
            before = _store(case.before)
            store.extend(list(before))
            for graph in before.named_graphs():
                store.add_graph(graph)
            pool.written()
            text = case.request.read_text(encoding="utf-8")
            where = WorkerWhere(pool, store, store_dir, 30)
            try:
                inspect(text, update=True, max_depth=64)
                delta = DeltaEvaluator(store, base_iri=case.request.as_uri(), where=where).delta(text, tokenize(text))
                commit(store, delta)
                passed = _matches(store, _store(case.after))
            except innograph.errors.InnographError:
                passed = False
            finally:
                on_scratch += where.scratch is not None
                where.close()
            if not passed and case.name not in EXPECTED_FAILURES:
                failed.append(case.name)
    finally:
        pool.close()
    assert failed == []
    assert on_scratch >= 5, "too few cases had a WHERE after a change"
    assert _scratches(store_dir) == []


@pytest.fixture(scope="module")
def worker_store(tmp_path_factory):
    """An on-disk pyoxigraph store, its directory and a one-worker pool over it."""
    store_dir = tmp_path_factory.mktemp("property-worker") / "store"
    OxigraphStore(store_dir).close()
    store = ox.Store(str(store_dir))
    pool = QueryPool(str(store_dir), size=1, timeout=30, queue_wait=30)
    pool.warm_up()
    yield store, store_dir, pool
    pool.close()


# Requests of two or three operations, a WHERE after the first: the scratch checkpoint path.
_LATER_WHERE = st.lists(operation(), min_size=2, max_size=3).filter(
    lambda ops: any("WHERE" in op for op in ops[1:]))


@examples(ci=8)
@given(initial=dataset, request=_LATER_WHERE)
def test_the_worker_path_agrees_with_pyoxigraph(worker_store, initial, request):
    store, store_dir, pool = worker_store
    text = " ;\n".join(request)
    oracle = ox.Store()
    if initial:
        oracle.update("INSERT DATA { " + " ".join(initial) + " }")
    store.clear()
    store.extend(list(oracle))
    pool.written()
    try:
        oracle.update(text)
        oracle_error = None
    except (SyntaxError, RuntimeError) as exc:
        oracle_error = exc
    where = WorkerWhere(pool, store, store_dir, 30)
    try:
        commit(store, DeltaEvaluator(store, where=where).delta(text, tokenize(text)))
    except innograph.errors.InnographError as exc:
        assert oracle_error is not None, f"only the worker path failed: {exc}"
        return
    finally:
        where.close()
    assert oracle_error is None, f"only pyoxigraph failed: {oracle_error}"
    assert_same_state(store, oracle, text)
    assert _scratches(store_dir) == []


def test_an_endless_where_after_a_change_on_a_remote_store_is_stopped_before_anything_is_sent(oxigraph_server):
    """A WHERE after an earlier operation's change cannot be asked of the remote server (it cannot
    see the pending change): its effect is learnt on a copy, in a child process killed at the
    limit. (An endless WHERE alone is sent to the server, which would go on computing it after we
    stop waiting: not run here.)"""
    from innograph.store.remote import RemoteStore

    remote = RemoteStore.from_spec(oxigraph_server, environ={})
    remote.update("DROP SILENT ALL")
    remote.update("INSERT DATA { GRAPH <urn:test:g> { "
                  + " ".join(f"<urn:test:s{i}> <urn:test:p> {i} ." for i in range(200)) + " } }")
    before = sorted(map(str, remote.quads()))
    with innograph.open(oxigraph_server) as kg:
        with pytest.raises(QueryTimeout, match="nothing was written"):
            kg.update(f"INSERT DATA {{ GRAPH <urn:test:g> {{ <urn:test:new> <urn:test:p> -1 }} }} ; {ENDLESS}",
                      timeout=LIMIT / 2)
        assert sorted(map(str, remote.quads())) == before
        added, removed = kg.update("INSERT DATA { GRAPH <urn:test:g> { <urn:test:new> <urn:test:p> -1 } } ; "
                                   "DELETE { GRAPH ?g { ?s <urn:test:p> -1 } } WHERE { GRAPH ?g { ?s <urn:test:p> -1 } }",
                                   timeout=LIMIT * 10)
        assert added == [] and removed == []
        assert sorted(map(str, remote.quads())) == before
    remote.update("DROP SILENT ALL")


def test_a_remote_server_that_does_not_answer_a_where_is_waited_for_at_most_the_limit():
    """A WHERE alone is asked of the remote server as a SELECT: we wait at most the limit for it
    (here a socket that accepts and never answers), and send nothing after it."""
    silent = Listener()
    try:
        with innograph.open(f"http://127.0.0.1:{silent.port}/query") as kg:
            with pytest.raises(QueryTimeout, match=r"time limit of 1 s .*nothing was written"):
                kg.update("DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", timeout=LIMIT)
        assert silent.connections() == 1        # the question; no update was sent
    finally:
        silent.close()
