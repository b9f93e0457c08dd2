"""Hostile input, property-based: whatever arrives, the answer is deliberate (2xx/3xx/4xx/503 with a
message), never a 500 or a hung worker, and a refused write leaves the store byte-identical.

Volume goes through the Flask test client over an on-disk copy of the shipped data (real worker
processes, real SHACL); a smaller sample goes to a live ``innograph serve``. Example counts come
from the hypothesis profile: short in ``make test`` (HYPOTHESIS_PROFILE=ci, the default), long in
``make fuzz``.
"""

from __future__ import annotations

import json
import random
import uuid
from pathlib import Path
from urllib.parse import quote, urlencode

import pyoxigraph as ox
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardening import AUTH, DELIBERATE, Listener, examples, fingerprint, hardened_app, has_message
from live_server import TOKEN as LIVE_TOKEN
from live_server import http, shared_server

ROOT = Path(__file__).resolve().parents[1]
NAMED_QUERIES = {path.stem: path.read_text(encoding="utf-8") for path in sorted((ROOT / "queries").glob("*.rq"))}
NAMED_QUERIES.update({f"views/{path.stem}": path.read_text(encoding="utf-8")
                      for path in sorted((ROOT / "queries" / "views").glob("*.rq"))})
LISTENER = Listener()
# Fragments a mutation splices in: syntax that breaks the grammar, constructs that explode, and
# federation aimed at a socket this test listens on (it must never be connected to).
FRAGMENTS = [
    "{", "}", "(", ")", "[", "]", ".", ";", ",", "\"", "'", "<", ">", "#", "\\", "\\u0000", "\x00",
    "?x", "$y", "_:b", "a", "*", "OPTIONAL {", "UNION", "FILTER(", "BIND(1/0 AS ?z)", "VALUES ?v { 1 2 3 }",
    "MINUS {", "GRAPH ?g {", "SERVICE <http://127.0.0.1:%d/sparql> {" % LISTENER.port,
    "SERVICE SILENT <http://127.0.0.1:%d/> { ?s ?p ?o }" % LISTENER.port, "SERVICE ?endpoint {",
    "?s ?p ?o . ?a ?b ?c . ?d ?e ?f .", "?s (<urn:p>/<urn:p>)* ?o .", "?s <urn:p>{2,5} ?o",
    "LIMIT 0", "OFFSET 99999999999999999999", "ORDER BY ?nope", "GROUP BY ?s", "HAVING(COUNT(*) > 1)",
    "\"\"\"", "'''", "@en", "^^<http://www.w3.org/2001/XMLSchema#integer>", "PREFIX : <urn:x:>",
    "BASE <http://127.0.0.1:%d/>" % LISTENER.port, "<<", ">>", "REGEX(?x, \"(a+)+$\")", "\U0001F600",
    "SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "FROM <urn:g>", "FROM NAMED <urn:g>",
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }", "LOAD <http://127.0.0.1:%d/x.ttl>" % LISTENER.port,
]
MEDIA_TYPES = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv",
               "text/tab-separated-values", "text/turtle", "application/n-triples", "application/rdf+xml",
               "application/ld+json", "application/n-quads", "application/trig", "text/html",
               "application/json", "*/*", "text/*", "application/*", "image/png", "", "*", "/", "x/y/z"]


@pytest.fixture(scope="module")
def app(shipped_store, tmp_path_factory):
    with hardened_app(shipped_store, tmp_path_factory.mktemp("hostile")) as app:
        yield app



@pytest.fixture(scope="module", autouse=True)
def no_connection_was_made():
    """Nothing in this module may connect to the listening socket (checked once all tests ran)."""
    yield
    try:
        assert LISTENER.connections() == 0, "a query, update or upload connected to 127.0.0.1"
    finally:
        LISTENER.close()


def deliberate(response) -> None:
    assert response.status_code in DELIBERATE, (response.status_code, response.get_data()[:2000])
    assert has_message(response), response.status_code


# -- strategies ------------------------------------------------------------------------------------

@st.composite
def mutated(draw, text: str) -> str:
    """``text`` with a few grammar-ish edits: a slice cut, duplicated or replaced by a fragment."""
    for _ in range(draw(st.integers(1, 4))):
        if not text:
            text = draw(st.sampled_from(FRAGMENTS))
            continue
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 40)))
        edit = draw(st.sampled_from(["cut", "dup", "insert", "replace", "unicode"]))
        if edit == "cut":
            text = text[:i] + text[j:]
        elif edit == "dup":
            text = text[:j] + text[i:j] * draw(st.integers(2, 30)) + text[j:]
        elif edit == "insert":
            text = text[:i] + " " + draw(st.sampled_from(FRAGMENTS)) + " " + text[i:]
        elif edit == "replace":
            text = text[:i] + draw(st.sampled_from(FRAGMENTS)) + text[j:]
        else:
            text = text[:i] + draw(st.text(min_size=1, max_size=8)) + text[j:]
    return text


sparql_text = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(FRAGMENTS), max_size=30).map(" ".join),
    st.sampled_from(sorted(NAMED_QUERIES)).flatmap(lambda name: mutated(NAMED_QUERIES[name])),
)
accept_header = st.one_of(
    st.text(max_size=80).filter(lambda s: "\n" not in s and "\r" not in s),
    st.lists(st.tuples(st.sampled_from(MEDIA_TYPES), st.one_of(st.none(), st.sampled_from(
        ["0", "0.5", "1", "1.0", "-1", "2", "abc", "0.0001", "NaN", "1e400"]))), max_size=5).map(
        lambda items: ", ".join(m + (f";q={q}" if q is not None else "") for m, q in items)),
)
format_value = st.one_of(st.sampled_from(["json", "xml", "csv", "tsv", "ttl", "nt", "jsonld", "rdf", "nq",
                                          "trig", "html", "png", "", "JSON", "text/csv", "application/x"]),
                         st.text(max_size=20))


# -- SPARQL query strings --------------------------------------------------------------------------

@given(query=sparql_text, how=st.sampled_from(["get", "form", "direct", "update-form", "update-direct"]),
       accept=st.one_of(st.none(), accept_header))
def test_any_sparql_text_gets_a_deliberate_answer(app, client, query, how, accept):
    store = app.extensions["innograph"].store
    headers = {"Accept": accept} if accept is not None else {}
    before = fingerprint(store) if how.startswith("update") else None
    if how == "get":
        response = client.get("/sparql?" + urlencode({"query": query}), headers=headers)
    elif how == "form":
        response = client.post("/sparql", data={"query": query}, headers=headers)
    elif how == "direct":
        response = client.post("/sparql", data=query.encode("utf-8", "surrogatepass"),
                               headers={**headers, "Content-Type": "application/sparql-query"})
    elif how == "update-form":
        response = client.post("/sparql", data={"update": query}, headers={**headers, **AUTH})
    else:
        response = client.post("/sparql", data=query.encode("utf-8", "surrogatepass"),
                               headers={**headers, **AUTH, "Content-Type": "application/sparql-update"})
    deliberate(response)
    if before is not None and response.status_code >= 400:
        assert fingerprint(store) == before, f"a refused update ({response.status_code}) changed the store"
    elif before is not None and fingerprint(store) != before:
        # An accepted random update: put the data back so later examples start from the shipped data.
        _restore(app, before)


def _restore(app, wanted: str) -> None:
    svc = app.extensions["innograph"]
    shipped = app.config["HARDENING_SHIPPED"]
    with svc.updates.lock:
        svc.store.update("DROP SILENT ALL")
        svc.store.add(shipped)
        svc.updates._committed()
    assert fingerprint(svc.store) == wanted


@pytest.fixture(scope="module", autouse=True)
def remember_shipped(app, shipped_store):
    app.config["HARDENING_SHIPPED"] = list(shipped_store.quads())


# -- parameters, Accept, format= -------------------------------------------------------------------

CHEAP = "SELECT ?c WHERE { ?c a <https://schema.org/City> } LIMIT 3"
GRAPH = "CONSTRUCT { ?c a <https://schema.org/City> } WHERE { ?c a <https://schema.org/City> } LIMIT 3"


@given(query=st.sampled_from([CHEAP, GRAPH, "ASK {}"]), accept=st.one_of(st.none(), accept_header),
       formats=st.lists(format_value, max_size=3),
       extra=st.dictionaries(st.sampled_from(["default-graph-uri", "named-graph-uri", "query", "update",
                                              "using-graph-uri", "x", "", "format"]),
                             st.text(max_size=30), max_size=3))
def test_any_parameters_accept_and_format_get_a_deliberate_answer(client, query, accept, formats, extra):
    params = [("query", query)] + [("format", f) for f in formats] + list(extra.items())
    headers = {"Accept": accept} if accept is not None else {}
    deliberate(client.get("/sparql?" + urlencode(params), headers=headers))
    deliberate(client.get("/sparql?" + urlencode([p for p in params if p[0] != "query"]), headers=headers))


@given(raw=st.binary(max_size=200))
def test_raw_query_strings_get_a_deliberate_answer(client, raw):
    path = "/sparql?" + quote(raw, safe="=&")
    deliberate(client.get(path))
    deliberate(client.get("/queries/city-label?" + quote(raw, safe="=&")))


@given(name=st.sampled_from(sorted(n for n in NAMED_QUERIES if "/" not in n)),
       values=st.dictionaries(st.text(max_size=12), st.one_of(
           st.text(max_size=40), st.sampled_from(["https://w3id.org/innograph/id/city/daejeon", "ig:City",
                                                  "<urn:x>", "2024", "-1", "1e999", "\"x\"@en", "_:b",
                                                  "?x", "} UNION {", "\x00"])), max_size=4),
       accept=st.one_of(st.none(), accept_header))
def test_named_query_parameters_get_a_deliberate_answer(client, name, values, accept):
    headers = {"Accept": accept} if accept is not None else {}
    deliberate(client.get(f"/queries/{name}?" + urlencode(values), headers=headers))


# -- paths on every route that takes a name --------------------------------------------------------

NAMED_ROUTES = ["/queries/", "/doc/", "/id/", "/graph/", "/graphs/", "/ontology/", "/dumps/", "/static/",
                "/graphs/alliances/", "/dumps/innograph."]
TRAVERSALS = ["..", "../..", "%2e%2e", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "%252e%252e%252f", "..%2f..%2f",
              "..;/", "%c0%ae%c0%ae/", "....//", "/etc/passwd", "..\\..\\", "%00", "%ff", "a%20b", "x.ttl",
              "city/daejeon", "city/daejeon.rdf", "city/daejeon.exe", "alliances", "metrics"]


@given(route=st.sampled_from(NAMED_ROUTES), name=st.one_of(
    st.sampled_from(TRAVERSALS),
    st.lists(st.sampled_from(TRAVERSALS), min_size=1, max_size=4).map("/".join),
    st.text(max_size=40).map(lambda s: quote(s, safe="")),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=40)),
       accept=st.one_of(st.none(), accept_header))
def test_any_name_on_any_route_gets_a_deliberate_answer(client, route, name, accept):
    headers = {"Accept": accept} if accept is not None else {}
    response = client.get(route + name, headers=headers)
    deliberate(response)
    assert b"root:" not in response.get_data()       # /etc/passwd never comes back


# -- RDF bodies in every accepted format -----------------------------------------------------------

SAMPLE_GRAPH = "https://w3id.org/innograph/graph/places"
FORMATS = {"text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
           "application/rdf+xml": ox.RdfFormat.RDF_XML, "application/ld+json": ox.RdfFormat.JSON_LD,
           "application/n-quads": ox.RdfFormat.N_QUADS, "application/trig": ox.RdfFormat.TRIG}
RDF_FRAGMENTS = [b"<", b">", b"\"", b"@prefix", b"<!DOCTYPE r [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>",
                 b"&e;", b"{\"@context\": \"http://127.0.0.1:%d/c\"}" % LISTENER.port, b"\"@import\"",
                 b"GRAPH <urn:other> {", b"}", b"{", b"<<", b">>", b"_:b", b"^^", b"@en", b"\xff\xfe",
                 b"\x00", b" a <https://schema.org/City> . ", b"rdf:about", b"<rdf:RDF", b"]", b"[", b"."]


@pytest.fixture(scope="module")
def samples(shipped_store):
    """One small valid document per format: a few cities of the places graph."""
    graph = ox.NamedNode(SAMPLE_GRAPH)
    cities = [q.subject for q in shipped_store.quads_matching(
        predicate=ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
        object=ox.NamedNode("https://schema.org/City"), graph=graph)][:3]
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in shipped_store.quads_matching(graph=graph)
               if q.subject in cities and not isinstance(q.object, ox.BlankNode)]
    out = {}
    for media_type, fmt in FORMATS.items():
        items = triples if not fmt.supports_datasets else [ox.Quad(t.subject, t.predicate, t.object)
                                                              for t in triples]
        out[media_type] = ox.serialize(items, format=fmt)
    return out


@st.composite
def mutated_bytes(draw, data: bytes) -> bytes:
    for _ in range(draw(st.integers(0, 4))):
        i = draw(st.integers(0, len(data)))
        j = draw(st.integers(i, min(len(data), i + 60)))
        edit = draw(st.sampled_from(["cut", "dup", "insert", "flip"]))
        if edit == "cut":
            data = data[:i] + data[j:]
        elif edit == "dup":
            data = data[:j] + data[i:j] * draw(st.integers(2, 20)) + data[j:]
        elif edit == "insert":
            data = data[:i] + draw(st.sampled_from(RDF_FRAGMENTS)) + data[i:]
        elif data:
            k = min(i, len(data) - 1)
            data = data[:k] + bytes([data[k] ^ (1 << draw(st.integers(0, 7)))]) + data[k + 1:]
    return data


@examples(ci=10)
@given(data=st.data(), media_type=st.sampled_from(sorted(FORMATS)),
       method=st.sampled_from(["PUT", "POST", "POST-multipart", "PUT-existing"]),
       declared=st.one_of(st.none(), st.sampled_from(sorted(FORMATS) + ["text/plain", "", "x/y"])))
def test_any_rdf_body_is_stored_whole_or_refused_with_nothing_changed(app, client, samples, data, media_type,
                                                                     method, declared):
    body = data.draw(mutated_bytes(samples[media_type]), label="body")
    content_type = media_type if declared is None else declared
    store = app.extensions["innograph"].store
    before = fingerprint(store)
    graph = SAMPLE_GRAPH if method == "PUT-existing" else f"urn:fuzz:{uuid.uuid4().hex[:10]}"
    target = "/store?graph=" + quote(graph, safe="")
    if method == "POST-multipart":
        from io import BytesIO
        response = client.post(target, headers=AUTH, content_type="multipart/form-data",
                               data={"file": (BytesIO(body), "upload" + {"text/turtle": ".ttl"}.get(
                                   media_type, ".nt"), content_type)})
    else:
        response = client.open(target, method=method.split("-")[0], data=body,
                               headers={**AUTH, "Content-Type": content_type})
    deliberate(response)
    if response.status_code >= 400:
        assert fingerprint(store) == before, f"a refused write ({response.status_code}) changed the store"
    elif method == "PUT-existing":
        _restore(app, before)
    else:
        assert client.delete(target, headers=AUTH).status_code == 204
        assert fingerprint(store) == before


# -- SHACL-breaking data ---------------------------------------------------------------------------

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@pytest.fixture(scope="module")
def typed_nodes(shipped_store):
    """(subject, its triples without blank nodes) for a spread of typed nodes of the shipped data."""
    nodes: dict = {}
    for quad in shipped_store.quads_matching(predicate=ox.NamedNode(RDF_TYPE)):
        if isinstance(quad.subject, ox.NamedNode) and quad.object not in nodes:
            nodes[quad.object] = quad.subject
    out = []
    for subject in nodes.values():
        triples = [q for q in shipped_store.quads_matching(subject=subject)
                   if not isinstance(q.object, ox.BlankNode)]
        out.append((subject, triples))
    return out


@examples(ci=5)
@given(data=st.data(), how=st.sampled_from(["delete", "retype", "duplicate", "upload"]))
def test_shape_breaking_writes_are_422_and_change_nothing(app, client, typed_nodes, data, how):
    """Remove, retype or duplicate values of a real node (or upload a copy of it without some of
    its triples): the write either conforms (and is undone) or gets 422 with a report."""
    subject, triples = data.draw(st.sampled_from(typed_nodes), label="node")
    chosen = data.draw(st.lists(st.sampled_from(triples), min_size=1, max_size=4, unique=True), label="triples")
    store = app.extensions["innograph"].store
    before = fingerprint(store)

    def quad_text(q, obj=None):
        return f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {obj or q.object} }}"

    if how == "delete":
        update = "DELETE DATA { " + " . ".join(quad_text(q) for q in chosen) + " }"
    elif how == "retype":
        odd = data.draw(st.sampled_from(['"not a number"^^<http://www.w3.org/2001/XMLSchema#integer>',
                                         '"x"@en', "<urn:not:a:thing>", '"-5"^^<http://www.w3.org/2001/XMLSchema#decimal>',
                                         '"2024-13"^^<http://www.w3.org/2001/XMLSchema#gYearMonth>']))
        update = ("DELETE DATA { " + " . ".join(quad_text(q) for q in chosen) + " } ;\n"
                  + "INSERT DATA { " + " . ".join(quad_text(q, odd) for q in chosen) + " }")
    elif how == "duplicate":
        update = "INSERT DATA { " + " . ".join(
            quad_text(q, ox.Literal("second value", language="en") if isinstance(q.object, ox.Literal)
                      else ox.NamedNode(str(q.object.value) + "-twin")) for q in chosen) + " }"
    else:
        kept = [q for q in triples if q not in chosen]
        body = "".join(f"{q.subject} {q.predicate} {q.object} .\n" for q in kept)
        response = client.post("/store?graph=urn:fuzz:shape-" + uuid.uuid4().hex[:8],
                               data=body, headers={**AUTH, "Content-Type": "application/n-triples"})
        deliberate(response)
        assert response.status_code in {201, 204, 400, 422}
        if response.status_code >= 400:
            assert fingerprint(store) == before
        else:
            _restore(app, before)
        return
    response = client.post("/sparql", data=update.encode(),
                           headers={**AUTH, "Content-Type": "application/sparql-update",
                                    "Accept": "application/json"})
    deliberate(response)
    assert response.status_code in {200, 400, 422}, response.get_data()
    if response.status_code == 422:
        report = json.loads(response.get_data())
        assert report["report"] and "nothing changed" in report["error"]
    if response.status_code >= 400:
        assert fingerprint(store) == before
    else:
        _restore(app, before)


# -- a smaller sample against the live server ------------------------------------------------------

def test_live_server_answers_hostile_input_deliberately():
    """Mutated named queries, odd Accept headers, bad bodies and names, through waitress."""
    server = shared_server()
    rng = random.Random(7)
    names = sorted(n for n in NAMED_QUERIES if "/" not in n)
    auth = {"Authorization": f"Bearer {LIVE_TOKEN}"}
    sent = 0
    for i in range(25):
        query = NAMED_QUERIES[names[i % len(names)]]
        cut = rng.randrange(len(query))
        text = query[:cut] + rng.choice(FRAGMENTS) + query[cut + rng.randrange(20):]
        accept = rng.choice(MEDIA_TYPES + ["text/html;q=abc, */*;q=2", ";;;,,,"])
        replies = [
            http(server, "GET", "/sparql?" + urlencode({"query": text}), headers={"Accept": accept}),
            http(server, "POST", "/sparql", text.encode(), {"Content-Type": "application/sparql-update", **auth}),
            http(server, "PUT", "/store?graph=urn:test:hostile", text.encode(),
                 {"Content-Type": rng.choice(sorted(FORMATS)), **auth}),
            http(server, "GET", rng.choice(NAMED_ROUTES) + rng.choice(TRAVERSALS), headers={"Accept": accept}),
        ]
        for reply in replies:
            sent += 1
            assert reply.status in DELIBERATE, (reply.status, reply.body[:500])
            assert reply.status < 400 or reply.body.strip()
    http(server, "DELETE", "/store?graph=urn:test:hostile", headers=auth)
    assert sent == 100 and server.process.poll() is None
    assert http(server, "GET", "/sparql?query=ASK%7B%7D").status == 200
    assert "Traceback" not in server.output()
