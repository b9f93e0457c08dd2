"""The Store contract, on every backend: in memory, on disk, and real Oxigraph and Virtuoso servers over HTTP."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from innograph.errors import StoreError, UsageError
from innograph.rdf.formats import rdf_format
from innograph.store.remote import RemoteStore, inject_values
from innograph.store import OxigraphStore, open_store

EX = "http://example.org/"
G1, G2, G3 = (ox.NamedNode(f"{EX}graph/{n}") for n in (1, 2, 3))
P, NAME = ox.NamedNode(EX + "knows"), ox.NamedNode(EX + "name")
A, B, C = (ox.NamedNode(EX + n) for n in "abc")


def quad(s, p, o, g):
    return ox.Quad(s, p, o, g)


def sample() -> dict:
    """Two named graphs, a language-tagged and a typed literal, a blank node."""
    node = ox.BlankNode("interval")
    return {
        G1: [quad(A, P, B, G1), quad(A, NAME, ox.Literal("Daejeon", language="en"), G1),
             quad(A, ox.NamedNode(EX + "during"), node, G1),
             quad(node, ox.NamedNode(EX + "year"), ox.Literal("2024", datatype=ox.NamedNode(
                 "http://www.w3.org/2001/XMLSchema#gYear")), G1)],
        G2: [quad(B, P, C, G2), quad(C, NAME, ox.Literal('say "hi"\nthere'), G2)],
    }


def nquads(store) -> bytes:
    """The store's content as sorted N-Quads lines: equal bytes mean equal content."""
    return b"\n".join(sorted(store.dump(rdf_format("nq")).splitlines()))


@pytest.fixture
def filled(make_store):
    store = make_store()
    store.replace_graphs(sample())
    return store


def rows(result, *names):
    return sorted(tuple(None if row[n] is None else row[n].value for n in names) for row in result)


def test_default_graph_of_a_query_is_the_union_of_the_named_graphs(filled):
    assert rows(filled.query(f"SELECT ?s ?o WHERE {{ ?s <{P.value}> ?o }}"), "s", "o") == \
        [(A.value, B.value), (B.value, C.value)]


def test_default_graphs_and_named_graphs_restrict_the_dataset(filled):
    only_first = filled.query(f"SELECT ?o WHERE {{ ?s <{P.value}> ?o }}", default_graphs=[G1])
    assert rows(only_first, "o") == [(B.value,)]
    named = filled.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", named_graphs=[G2])
    assert rows(named, "g") == [(G2.value,)]


def test_substitutions_bind_a_variable_before_evaluation(filled):
    result = filled.query("SELECT ?s ?o WHERE { ?s ?p ?o FILTER(isIRI(?o)) }",
                          substitutions={ox.Variable("s"): B})
    assert rows(result, "s", "o") == [(B.value, C.value)]


def test_ask_construct_and_syntax_error(filled):
    assert bool(filled.query(f"ASK {{ <{A.value}> <{P.value}> <{B.value}> }}")) is True
    triples = list(filled.query(f"CONSTRUCT {{ ?s <{P.value}> ?o }} WHERE {{ ?s <{P.value}> ?o }}"))
    assert {(t.subject, t.object) for t in triples} == {(A, B), (B, C)}
    assert isinstance(filled.query("SELECT * WHERE { ?s ?p ?o }"), ox.QuerySolutions)
    with pytest.raises(SyntaxError):
        filled.query("SELECT ?s WHERE { ?s ?p }")


def test_replace_graphs_replaces_only_the_named_graphs(filled):
    filled.replace_graphs({G1: [quad(C, P, A, G1)], G3: [quad(C, P, B, G3)]})
    assert rows(filled.query(f"SELECT ?s ?o ?g WHERE {{ GRAPH ?g {{ ?s <{P.value}> ?o }} }}"), "s", "o", "g") \
        == [(B.value, C.value, G2.value), (C.value, A.value, G1.value), (C.value, B.value, G3.value)]
    assert filled.count(G1) == 1 and filled.count(G2) == 2


def test_a_failing_replace_leaves_the_store_byte_for_byte_unchanged(filled):
    before = nquads(filled)
    assert before.count(b"\n") + 1 == 6
    # The second graph's name is not valid in SPARQL Update: the whole request must fail, not the
    # drop of G1 succeed on its own.
    with pytest.raises((SyntaxError, StoreError)):
        filled.replace_graphs({G1: [quad(C, P, A, G1)], ox.BlankNode("oops"): [quad(C, P, B, G1)]})
    assert nquads(filled) == before

    def breaks_halfway():
        yield quad(C, P, A, G1)
        raise RuntimeError("the source stopped")
    with pytest.raises(RuntimeError):
        filled.replace_graphs({G2: [], G1: breaks_halfway()})
    assert nquads(filled) == before


def test_a_first_load_that_breaks_halfway_leaves_the_store_empty(make_store):
    # Into an empty store the embedded backends use the bulk loader, which is not one transaction:
    # a failure must still leave nothing behind, and the next load must work.
    store = make_store()
    source = [quad(ox.NamedNode(f"{EX}s{i}"), P, A, G1) for i in range(5000)]

    def breaks_halfway():
        yield from source
        raise RuntimeError("the source stopped")
    with pytest.raises(RuntimeError):
        store.replace_graphs({G1: breaks_halfway(), G2: [quad(B, P, C, G2)]})
    assert store.count() == 0 and store.graph_names() == []
    store.replace_graphs({G1: source})
    assert store.count() == 5000


def test_a_first_load_killed_midway_is_rolled_back_when_the_store_is_next_opened(tmp_path):
    from innograph.store import FIRST_LOAD_MARKER
    marker = tmp_path / "store" / FIRST_LOAD_MARKER
    # A writer in the middle of its bulk write: part of the data is there, and the marker.
    writer = ox.Store(str(tmp_path / "store"))
    writer.extend(quad(ox.NamedNode(f"{EX}s{i}"), P, A, G1) for i in range(100))
    writer.flush()
    marker.write_text("")
    with pytest.raises(StoreError, match="first load into this store is still being written"):
        OxigraphStore(tmp_path / "store", read_only=True)
    del writer   # killed: the lock is released, the marker and the partial data stay
    assert OxigraphStore(tmp_path / "store", read_only=True).count() == 0
    assert not marker.exists()
    store = OxigraphStore(tmp_path / "store")
    store.replace_graphs(sample())
    store.close()
    assert OxigraphStore(tmp_path / "store", read_only=True).count() == 6
    assert not marker.exists()


def test_add_drop_graph_and_graph_names(filled):
    filled.add([quad(C, P, C, G3), quad(A, P, C, G3)])
    assert [g.value for g in filled.graph_names()] == [G1.value, G2.value, G3.value]
    assert filled.count() == 8 and filled.count(G3) == 2
    filled.drop_graph(G1)
    assert [g.value for g in filled.graph_names()] == [G2.value, G3.value]
    assert filled.count() == 4
    filled.drop_graph(G1)  # dropping what is not there is not an error
    assert filled.count() == 4


def test_quads_matching_any_position(filled):
    def match(**pattern):
        return sorted((q.subject.value, q.object.value, q.graph_name.value)
                      for q in filled.quads_matching(**pattern) if not isinstance(q.object, ox.BlankNode))
    assert match(subject=A, predicate=P) == [(A.value, B.value, G1.value)]
    assert match(object=C) == [(B.value, C.value, G2.value)]
    assert match(predicate=P, graph=G2) == [(B.value, C.value, G2.value)]
    assert match(predicate=P, graph=G3) == []
    assert len(list(filled.quads_matching())) == 6
    assert len(list(filled.quads(G1))) == 4


def test_describe_brings_blank_nodes_with_their_owner(filled):
    described = list(filled.describe([A]))
    assert len(described) == 4
    assert {q.predicate.value for q in described} == {P.value, NAME.value, EX + "during", EX + "year"}
    assert [(q.subject, q.object) for q in filled.referrers([C])] == [(B, C)]


def test_default_graph_is_kept_apart(make_store):
    store = make_store()
    store.add([quad(A, P, B, ox.DefaultGraph()), quad(A, P, C, G1)])
    assert store.count() == 2 and store.count(ox.DefaultGraph()) == 1
    assert [q.object for q in store.quads(ox.DefaultGraph())] == [B]
    only_default = store.query("SELECT ?o WHERE { ?s ?p ?o }", default_graphs=[ox.DefaultGraph()])
    assert rows(only_default, "o") == [(B.value,)]
    store.drop_graph(ox.DefaultGraph())
    assert store.count() == 1


@pytest.mark.parametrize("name", ["nq", "trig"])
def test_dump_whole_dataset_in_quad_formats(filled, name):
    body = filled.dump(rdf_format(name))
    parsed = list(ox.parse(body, rdf_format(name).ox_rdf))
    assert len(parsed) == 6
    assert {q.graph_name for q in parsed} == {G1, G2}
    assert ox.Literal('say "hi"\nthere') in {q.object for q in parsed}


@pytest.mark.parametrize("name", ["ttl", "nt", "jsonld", "rdf"])
def test_dump_one_graph_in_triple_formats(filled, name):
    fmt = rdf_format(name)
    body = filled.dump(fmt, G2, prefixes={"ex": EX})
    assert {(t.subject, t.object) for t in ox.parse(body, fmt.ox_rdf)} == \
        {(B, C), (C, ox.Literal('say "hi"\nthere'))}
    with pytest.raises(UsageError, match="single graph"):
        filled.dump(fmt)


def test_read_only_store_reads_and_refuses_writes(make_store):
    writer = make_store()
    writer.replace_graphs(sample())
    reader = make_store(read_only=True)
    if reader.location != "memory":  # an in-memory store is not shared: nothing to read
        assert reader.count() == 6
    for write in (lambda: reader.add([quad(C, P, C, G3)]), lambda: reader.drop_graph(G1),
                  lambda: reader.replace_graphs({G1: []}), lambda: reader.update("CLEAR ALL")):
        with pytest.raises(StoreError, match="read-only"):
            write()
    assert writer.count() == 6


def test_a_locked_store_says_who_holds_it(tmp_path):
    with OxigraphStore(tmp_path / "store"):
        with pytest.raises(StoreError, match="in use by another process"):
            OxigraphStore(tmp_path / "store")


def test_opening_a_missing_store_read_only_says_how_to_create_it(tmp_path):
    with pytest.raises(StoreError, match="no store here yet; load data first"):
        OxigraphStore(tmp_path / "nothing", read_only=True)


# -- remote specifics ----------------------------------------------------------------------------

def test_remote_endpoints_are_derived_and_overridable():
    oxigraph = RemoteStore.from_spec("http://127.0.0.1:7878/query", environ={})
    assert (oxigraph.update_url, oxigraph.store_url) == ("http://127.0.0.1:7878/update",
                                                         "http://127.0.0.1:7878/store")
    assert RemoteStore.from_spec("http://127.0.0.1:7878", environ={}).query_url == "http://127.0.0.1:7878/query"
    fuseki = RemoteStore.from_spec("http://h:3030/ds/sparql", environ={"INNOGRAPH_REMOTE_DIALECT": "generic"})
    assert (fuseki.update_url, fuseki.store_url) == ("http://h:3030/ds/update", "http://h:3030/ds/data")
    graphdb = RemoteStore.from_spec("https://h/repositories/kg", environ={
        "INNOGRAPH_REMOTE_UPDATE_URL": "https://h/repositories/kg/statements", "INNOGRAPH_REMOTE_UNION": "server"})
    assert (graphdb.update_url, graphdb.store_url, graphdb.union) == \
        ("https://h/repositories/kg/statements", None, "server")
    with pytest.raises(UsageError, match="INNOGRAPH_REMOTE_UNION"):
        RemoteStore.from_spec("http://h/sparql", environ={"INNOGRAPH_REMOTE_UNION": "maybe"})
    virtuoso = RemoteStore.from_spec("http://h:8890/sparql", environ={
        "INNOGRAPH_REMOTE_DIALECT": "virtuoso", "INNOGRAPH_REMOTE_USER": "dba", "INNOGRAPH_REMOTE_PASSWORD": "pw"})
    assert (virtuoso.update_url, virtuoso.store_url, virtuoso.union) == \
        ("http://h:8890/sparql", "http://h:8890/sparql-graph-crud-auth", "server")
    assert "Authorization" not in virtuoso._headers     # Digest: answered only to the server's challenge


def test_remote_credentials_never_appear_in_location_or_messages():
    port = _closed_port()
    store = open_store(f"http://alice:s3cret@127.0.0.1:{port}/query")
    assert "s3cret" not in store.location and "alice" not in store.location
    assert "s3cret" not in repr(store)
    assert store._headers["Authorization"].startswith("Basic ")
    with pytest.raises(StoreError, match="cannot reach the SPARQL endpoint") as caught:
        store.count()
    assert "s3cret" not in str(caught.value)
    token = RemoteStore.from_spec(f"http://127.0.0.1:{port}/query",
                                  environ={"INNOGRAPH_REMOTE_TOKEN": "tok-123"})
    assert token._headers == {"Authorization": "Bearer tok-123"} and "tok-123" not in token.location


def test_remote_server_refusing_credentials_is_a_clear_error(oxigraph_server):
    store = RemoteStore.from_spec(oxigraph_server.replace("/query", "/nowhere"), environ={})
    with pytest.raises(StoreError, match="answered 404"):
        store.count()


def _closed_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("query, expected", [
    ("SELECT ?s WHERE { ?s ?p ?o }", "SELECT ?s WHERE { VALUES"),
    ("PREFIX ex: <http://e/a#b> SELECT ?s { ?s ex:p '}{' }", "SELECT ?s { VALUES"),
    ("# a { comment\nSELECT (COUNT(*) AS ?n) ?s WHERE { ?s ?p ?o } GROUP BY ?s", "?s WHERE { VALUES"),
    ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "} WHERE { VALUES"),
    ("ASK { ?s ?p \"\"\"{ \\\"\"\"\" }", "ASK { VALUES"),
])
def test_substitutions_become_values_at_the_top_of_the_where_group(query, expected):
    rewritten = inject_values(query, {ox.Variable("s"): A})
    assert expected in rewritten
    assert f"VALUES (?s) {{ (<{A.value}>) }}" in rewritten
    ox.Store().query(rewritten)  # still a well-formed query


def test_substitutions_refuse_the_short_construct_form():
    with pytest.raises(UsageError, match="CONSTRUCT WHERE"):
        inject_values("CONSTRUCT WHERE { ?s ?p ?o }", {ox.Variable("s"): A})


def test_a_large_remote_write_goes_in_chunks_that_keep_blank_nodes_whole(oxigraph_server, tmp_path):
    store = RemoteStore.from_spec(oxigraph_server, environ={"INNOGRAPH_REMOTE_CHUNK_TRIPLES": "300",
                                                            "INNOGRAPH_REMOTE_JOURNAL_DIR": str(tmp_path)})
    store.update("DROP SILENT ALL")
    owner, node = ox.NamedNode(EX + "owner"), ox.BlankNode("shared")
    quads = [quad(ox.NamedNode(f"{EX}s{i}"), P, ox.Literal(str(i)), G1) for i in range(1000)]
    # The blank node's triples straddle a chunk boundary in the order given: they must stay together.
    quads[299:299] = [quad(owner, P, node, G1)]
    quads[301:301] = [quad(node, NAME, ox.Literal("inner", language="ko"), G1)]
    quads.append(quad(A, P, B, ox.DefaultGraph()))
    sent, posts = [], []
    real, request = store._send_chunk, store._request
    store._send_chunk = lambda chunk: (sent.append(len(chunk)), real(chunk))
    store._request = lambda method, url, **kw: (posts.append((method, dict(kw.get("params") or []))),
                                                request(method, url, **kw))[1]
    store.replace_graphs({G1: [q for q in quads if q.graph_name == G1], ox.DefaultGraph(): quads[-1:]})
    assert len(sent) == 4 and sum(sent) == 1003 and max(sent) <= 300
    # Oxigraph's bulk loader for the triples without a blank node; the blank node's two triples in
    # one transactional POST of their own.
    graph_posts = [params for method, params in posts if method == "POST" and ("graph" in params or "default" in params)]
    assert sum("no_transaction" in params for params in graph_posts) == 5      # 4 chunks of G1, 1 default
    assert sum("no_transaction" not in params for params in graph_posts) == 1
    assert store.count(G1) == 1002 and store.count(ox.DefaultGraph()) == 1
    described = list(store.describe([owner]))
    assert len(described) == 2
    assert [q.object for q in described if not isinstance(q.object, ox.BlankNode)] == [ox.Literal("inner", language="ko")]
    assert not list(tmp_path.iterdir())      # the record is removed once the write is complete
