"""SPARQL 1.1 Protocol conformance against a live ``innograph serve``.

Cases follow the W3C protocol test manifest (query_*, update_*, bad_* tests) plus content negotiation,
the ``format=`` override, caps and the Service Description.
"""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import quote, urlencode

import pyoxigraph as ox
import pytest

from live_server import MAX_BODY, MAX_ROWS, TOKEN, http

CITIES = "SELECT ?city WHERE { ?city a <https://schema.org/City> }"
PLACES = "https://w3id.org/innograph/graph/places"
SOURCES = "https://w3id.org/innograph/graph/sources"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
AUTH = {"Authorization": f"Bearer {TOKEN}"}



def get(server, params, headers=None):
    return http(server, "GET", "/sparql?" + urlencode(params, doseq=True), headers=headers)


def bindings(reply):
    assert reply.status == 200, reply.text
    return reply.json()["results"]["bindings"]


# -- query: GET, POST form, POST direct ----------------------------------------------------------

def test_query_get(server):
    reply = get(server, {"query": CITIES})
    assert reply.header("content-type").startswith("application/sparql-results+json")
    assert len(bindings(reply)) >= 5


def test_query_post_form(server):
    reply = http(server, "POST", "/sparql", urlencode({"query": CITIES}), FORM)
    assert len(bindings(reply)) >= 5


def test_query_post_direct(server):
    reply = http(server, "POST", "/sparql", CITIES, {"Content-Type": "application/sparql-query"})
    assert len(bindings(reply)) >= 5


def test_query_post_direct_with_charset(server):
    reply = http(server, "POST", "/sparql", CITIES,
                 {"Content-Type": "application/sparql-query; charset=UTF-8"})
    assert len(bindings(reply)) >= 5


def test_head_on_query_has_headers_and_no_body(server):
    reply = http(server, "HEAD", "/sparql?" + urlencode({"query": CITIES}))
    assert reply.status == 200 and reply.body == b""
    assert reply.header("content-type").startswith("application/sparql-results+json")


def test_query_default_union_sees_every_named_graph(server):
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    graphs = {b["g"]["value"] for b in bindings(get(server, {"query": query}))}
    assert {PLACES, SOURCES} <= graphs


# -- dataset parameters ---------------------------------------------------------------------------

def test_query_dataset_default_graph_get(server):
    only_places = bindings(get(server, {"query": CITIES, "default-graph-uri": PLACES}))
    only_sources = bindings(get(server, {"query": CITIES, "default-graph-uri": SOURCES}))
    assert len(only_places) >= 5 and only_sources == []


def test_query_dataset_default_graphs_post_form(server):
    body = urlencode({"query": CITIES, "default-graph-uri": [SOURCES, PLACES]}, doseq=True)
    assert len(bindings(http(server, "POST", "/sparql", body, FORM))) >= 5


def test_query_dataset_named_graphs_direct(server):
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    path = "/sparql?" + urlencode({"named-graph-uri": SOURCES})
    reply = http(server, "POST", path, query, {"Content-Type": "application/sparql-query"})
    assert [b["g"]["value"] for b in bindings(reply)] == [SOURCES]


def test_query_named_graphs_only_gives_an_empty_default_graph(server):
    reply = get(server, {"query": CITIES, "named-graph-uri": PLACES})
    assert bindings(reply) == []


def test_query_multiple_dataset_params(server):
    query = "SELECT (COUNT(*) AS ?n) WHERE { { ?c a <https://schema.org/City> } UNION { GRAPH ?g { ?x a <https://schema.org/City> } } }"
    reply = get(server, {"query": query, "default-graph-uri": PLACES, "named-graph-uri": [PLACES, SOURCES]})
    assert int(bindings(reply)[0]["n"]["value"]) >= 10


def test_from_clause_is_honoured(server):
    query = f"SELECT ?city FROM <{SOURCES}> WHERE {{ ?city a <https://schema.org/City> }}"
    assert bindings(get(server, {"query": query})) == []
    query = f"SELECT ?city FROM <{PLACES}> WHERE {{ ?city a <https://schema.org/City> }}"
    assert len(bindings(get(server, {"query": query}))) >= 5


def test_protocol_dataset_overrides_from_clause(server):
    query = f"SELECT ?city FROM <{SOURCES}> WHERE {{ ?city a <https://schema.org/City> }}"
    assert len(bindings(get(server, {"query": query, "default-graph-uri": PLACES}))) >= 5


# -- result kinds and content negotiation ---------------------------------------------------------

@pytest.mark.parametrize("accept, media_type", [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/json", "application/sparql-results+json"),
    ("application/xml", "application/sparql-results+xml"),
    ("*/*", "application/sparql-results+json"),
    ("text/*", "text/csv"),
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("application/sparql-results+xml;q=0.1, text/tab-separated-values", "text/tab-separated-values"),
    ("text/html, */*;q=0.1", "application/sparql-results+json"),
])
def test_select_conneg(server, accept, media_type):
    reply = get(server, {"query": CITIES + " LIMIT 2"}, {"Accept": accept})
    assert reply.status == 200, reply.text
    assert reply.header("content-type").split(";")[0] == media_type
    assert "Accept" in reply.header("vary")


@pytest.mark.parametrize("accept, media_type", [
    ("text/turtle", "text/turtle"),
    ("application/n-triples", "application/n-triples"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("application/ld+json", "application/ld+json"),
    ("application/n-quads", "application/n-quads"),
    ("application/trig", "application/trig"),
    ("*/*", "text/turtle"),
    ("application/rdf+xml;q=0.9, text/turtle;q=0.2", "application/rdf+xml"),
])
def test_construct_conneg_parses_back(server, accept, media_type):
    query = "CONSTRUCT { ?c a <https://schema.org/City> } WHERE { ?c a <https://schema.org/City> }"
    reply = get(server, {"query": query}, {"Accept": accept})
    assert reply.status == 200, reply.text
    assert reply.header("content-type").split(";")[0] == media_type
    fmt = {"text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
           "application/rdf+xml": ox.RdfFormat.RDF_XML, "application/ld+json": ox.RdfFormat.JSON_LD,
           "application/n-quads": ox.RdfFormat.N_QUADS, "application/trig": ox.RdfFormat.TRIG}[media_type]
    assert len(list(ox.parse(reply.body, fmt))) >= 5


def test_describe_returns_rdf(server):
    reply = get(server, {"query": "DESCRIBE <https://w3id.org/innograph/id/city/daejeon>"},
                {"Accept": "application/n-triples"})
    assert reply.status == 200
    assert b"<https://w3id.org/innograph/id/city/daejeon>" in reply.body


@pytest.mark.parametrize("accept, expected", [
    ("application/sparql-results+json", None), ("application/sparql-results+xml", b"<boolean>true</boolean>")])
def test_ask(server, accept, expected):
    reply = get(server, {"query": "ASK { ?c a <https://schema.org/City> }"}, {"Accept": accept})
    assert reply.status == 200
    if expected is None:
        assert reply.json()["boolean"] is True
    else:
        assert expected in reply.body


def test_406_lists_what_can_be_produced(server):
    reply = get(server, {"query": CITIES}, {"Accept": "image/png"})
    assert reply.status == 406
    assert "application/sparql-results+json" in reply.text and "text/csv" in reply.text
    reply = get(server, {"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1"}, {"Accept": "text/csv"})
    assert reply.status == 406 and "text/turtle" in reply.text


@pytest.mark.parametrize("name, media_type", [
    ("json", "application/sparql-results+json"), ("xml", "application/sparql-results+xml"),
    ("csv", "text/csv"), ("tsv", "text/tab-separated-values"), ("text/csv", "text/csv")])
def test_format_override_beats_accept(server, name, media_type):
    reply = get(server, {"query": CITIES, "format": name}, {"Accept": "application/sparql-results+json;q=1"})
    assert reply.status == 200 and reply.header("content-type").split(";")[0] == media_type


@pytest.mark.parametrize("name, media_type", [
    ("ttl", "text/turtle"), ("nt", "application/n-triples"), ("jsonld", "application/ld+json"),
    ("rdf", "application/rdf+xml"), ("nq", "application/n-quads"), ("trig", "application/trig")])
def test_format_override_for_graphs(server, name, media_type):
    reply = get(server, {"query": "CONSTRUCT WHERE { ?s a <https://schema.org/City> }", "format": name})
    assert reply.status == 200 and reply.header("content-type").split(";")[0] == media_type


def test_format_override_wrong_kind_and_unknown(server):
    assert get(server, {"query": CITIES, "format": "ttl"}).status == 406
    reply = get(server, {"query": CITIES, "format": "pdf"})
    assert reply.status == 400 and "pdf" in reply.text


def test_csv_and_tsv_shapes(server):
    query = 'SELECT ?a ?b WHERE { VALUES (?a ?b) { ("x, \\"y\\"" <urn:z>) } }'
    reply = get(server, {"query": query, "format": "csv"})
    rows = list(csv.reader(io.StringIO(reply.text, newline="")))
    assert rows == [["a", "b"], ['x, "y"', "urn:z"]] and reply.body.endswith(b"\r\n")
    reply = get(server, {"query": query, "format": "tsv"})
    assert reply.text.splitlines() == ["?a\t?b", '"x, \\"y\\""\t<urn:z>']


def test_row_cap_sets_truncation_header(server):
    reply = get(server, {"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert len(bindings(reply)) == MAX_ROWS
    assert reply.header("innograph-results-truncated") == "true"
    small = get(server, {"query": CITIES})
    assert small.header("innograph-results-truncated") is None


# -- malformed and conflicting requests (bad_* in the manifest) -----------------------------------

def test_bad_query_method(server):
    assert http(server, "PUT", "/sparql?" + urlencode({"query": CITIES})).status == 405


def test_bad_multiple_queries(server):
    reply = http(server, "GET", "/sparql?" + urlencode({"query": [CITIES, CITIES]}, doseq=True))
    assert reply.status == 400 and "query" in reply.text


def test_bad_query_wrong_media_type(server):
    reply = http(server, "POST", "/sparql", CITIES, {"Content-Type": "text/plain"})
    assert reply.status == 415 and "text/plain" in reply.text


def test_bad_query_missing_form_type(server):
    reply = http(server, "POST", "/sparql", "query=" + quote(CITIES))
    assert reply.status == 415


def test_bad_query_missing_direct_type(server):
    assert http(server, "POST", "/sparql", CITIES).status == 415


def test_bad_query_non_utf8(server):
    body = "SELECT * WHERE { ?s ?p \"caf".encode() + b"\xe9\" }"
    reply = http(server, "POST", "/sparql", body, {"Content-Type": "application/sparql-query"})
    assert reply.status == 400 and "UTF-8" in reply.text
    reply = http(server, "GET", "/sparql?query=SELECT%20%3Fx%20%7B%7D%20%23%E9")
    assert reply.status == 400 and "UTF-8" in reply.text


def test_bad_query_syntax_says_where(server):
    reply = get(server, {"query": "SELECT * WHERE {\n  ?s ?p ?o \n  FILTER(\n}"})
    assert reply.status == 400
    assert "syntax error" in reply.text and "4:" in reply.text


def test_both_query_and_update(server):
    body = urlencode({"query": CITIES, "update": "CLEAR GRAPH <urn:test:none>"})
    assert http(server, "POST", "/sparql", body, {**FORM, **AUTH}).status == 400


def test_missing_query_in_post(server):
    reply = http(server, "POST", "/sparql", urlencode({"format": "json"}), FORM)
    assert reply.status == 400 and "neither" in reply.text


def test_errors_answer_json_when_asked(server):
    reply = get(server, {"query": "SELEC"}, {"Accept": "application/json"})
    assert reply.status == 400 and "syntax error" in reply.json()["error"]


def test_body_over_the_cap_is_413(server):
    query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * (MAX_BODY + 10)
    reply = http(server, "POST", "/sparql", query, {"Content-Type": "application/sparql-query"})
    assert reply.status == 413


# -- update ---------------------------------------------------------------------------------------

def count_in(server, graph):
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    return int(bindings(get(server, {"query": query}))[0]["n"]["value"])


def test_update_post_form_and_direct(server):
    graph = "urn:test:protocol-update"
    body = urlencode({"update": f'INSERT DATA {{ GRAPH <{graph}> {{ <urn:test:a> <urn:test:p> "1" }} }}'})
    reply = http(server, "POST", "/sparql", body, {**FORM, **AUTH})
    assert reply.status == 200, reply.text
    assert count_in(server, graph) == 1
    reply = http(server, "POST", "/sparql", f"DROP GRAPH <{graph}>",
                 {"Content-Type": "application/sparql-update", **AUTH})
    assert reply.status == 200, reply.text
    assert count_in(server, graph) == 0


def test_update_using_graph_uri(server):
    source, target = "urn:test:using-source", "urn:test:using-target"
    setup = (f'INSERT DATA {{ GRAPH <{source}> {{ <urn:test:u> <urn:test:p> "s" }} }}')
    assert http(server, "POST", "/sparql", setup, {"Content-Type": "application/sparql-update", **AUTH}).status == 200
    copy = f"INSERT {{ GRAPH <{target}> {{ ?s ?p ?o }} }} WHERE {{ ?s ?p ?o }}"
    path = "/sparql?" + urlencode({"using-graph-uri": source})
    reply = http(server, "POST", path, copy, {"Content-Type": "application/sparql-update", **AUTH})
    assert reply.status == 200, reply.text
    assert count_in(server, target) == 1          # only the USING graph was the WHERE's default graph
    body = urlencode({"update": f"DROP GRAPH <{source}> ; DROP GRAPH <{target}>"})
    assert http(server, "POST", "/sparql", body, {**FORM, **AUTH}).status == 200


def test_update_using_named_graph_uri_form(server):
    source, target = "urn:test:named-source", "urn:test:named-target"
    http(server, "POST", "/sparql", f'INSERT DATA {{ GRAPH <{source}> {{ <urn:test:n> <urn:test:p> "n" }} }}',
         {"Content-Type": "application/sparql-update", **AUTH})
    update = f"INSERT {{ GRAPH <{target}> {{ ?s ?p ?g }} }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    body = urlencode({"update": update, "using-named-graph-uri": source})
    assert http(server, "POST", "/sparql", body, {**FORM, **AUTH}).status == 200
    assert count_in(server, target) == 1
    http(server, "POST", "/sparql", f"DROP GRAPH <{source}> ; DROP GRAPH <{target}>",
         {"Content-Type": "application/sparql-update", **AUTH})


def test_bad_update_dataset_conflict(server):
    update = "INSERT { GRAPH <urn:test:x> { ?s ?p ?o } } USING <urn:test:y> WHERE { ?s ?p ?o }"
    path = "/sparql?" + urlencode({"using-graph-uri": "urn:test:z"})
    reply = http(server, "POST", path, update, {"Content-Type": "application/sparql-update", **AUTH})
    assert reply.status == 400 and "USING" in reply.text


def test_bad_update_get(server):
    reply = get(server, {"update": "CLEAR ALL"})
    assert reply.status == 400 and "POST" in reply.text


def test_bad_multiple_updates(server):
    body = urlencode({"update": ["CLEAR GRAPH <urn:test:a>", "CLEAR GRAPH <urn:test:b>"]}, doseq=True)
    assert http(server, "POST", "/sparql", body, {**FORM, **AUTH}).status == 400


def test_bad_update_wrong_media_type(server):
    reply = http(server, "POST", "/sparql", "CLEAR GRAPH <urn:test:a>", {"Content-Type": "text/plain", **AUTH})
    assert reply.status == 415


def test_bad_update_non_utf8(server):
    body = b'INSERT DATA { GRAPH <urn:test:a> { <urn:test:a> <urn:test:p> "caf\xe9" } }'
    reply = http(server, "POST", "/sparql", body, {"Content-Type": "application/sparql-update", **AUTH})
    assert reply.status == 400 and "UTF-8" in reply.text


def test_bad_update_syntax(server):
    reply = http(server, "POST", "/sparql", "INSERT DATA { <urn:a> }",
                 {"Content-Type": "application/sparql-update", **AUTH})
    assert reply.status == 400 and "syntax error" in reply.text and "1:" in reply.text


def test_update_without_token_is_401_and_wrong_token_is_401(server):
    update = 'INSERT DATA { GRAPH <urn:test:t> { <urn:test:t> <urn:test:p> "t" } }'
    reply = http(server, "POST", "/sparql", update, {"Content-Type": "application/sparql-update"})
    assert reply.status == 401 and reply.header("www-authenticate").startswith("Bearer")
    reply = http(server, "POST", "/sparql", update,
                 {"Content-Type": "application/sparql-update", "Authorization": "Bearer wrong"})
    assert reply.status == 401
    assert count_in(server, "urn:test:t") == 0


def test_cross_origin_write_refused_even_with_token(server):
    update = 'INSERT DATA { GRAPH <urn:test:o> { <urn:test:o> <urn:test:p> "o" } }'
    reply = http(server, "POST", "/sparql", update, {"Content-Type": "application/sparql-update",
                                                      "Origin": "https://evil.example", **AUTH})
    assert reply.status == 403 and reply.header("access-control-allow-origin") is None
    assert count_in(server, "urn:test:o") == 0


def test_cors_for_reads(server):
    reply = get(server, {"query": "ASK {}"}, {"Origin": "https://example.org"})
    assert reply.header("access-control-allow-origin") == "*"
    preflight = http(server, "OPTIONS", "/sparql", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status == 200
    assert "Authorization" not in preflight.header("access-control-allow-headers")


def test_violating_update_is_422_and_changes_nothing(server):
    update = ("INSERT DATA { GRAPH <urn:test:bad-city> { <urn:test:city> a <https://schema.org/City> } }")
    reply = http(server, "POST", "/sparql", update,
                 {"Content-Type": "application/sparql-update", "Accept": "application/json", **AUTH})
    assert reply.status == 422
    report = reply.json()["report"]
    assert report["conforms"] is False and any(v["focus_node"] == "<urn:test:city>" for v in report["violations"])
    assert count_in(server, "urn:test:bad-city") == 0


# -- Service Description --------------------------------------------------------------------------

SD = "http://www.w3.org/ns/sparql-service-description#"


@pytest.mark.parametrize("accept, fmt", [("text/turtle", ox.RdfFormat.TURTLE),
                                          ("application/rdf+xml", ox.RdfFormat.RDF_XML),
                                          ("application/ld+json", ox.RdfFormat.JSON_LD),
                                          ("application/n-triples", ox.RdfFormat.N_TRIPLES)])
def test_service_description(server, accept, fmt):
    reply = http(server, "GET", "/sparql", headers={"Accept": accept})
    assert reply.status == 200 and reply.header("vary") == "Accept, Accept-Encoding"
    store = ox.Store()
    store.load(reply.body, fmt, base_iri=server.sparql)
    ask = lambda q: bool(store.query(f"PREFIX sd: <{SD}> ASK {{ {q} }}"))  # noqa: E731
    assert ask(f"?s a sd:Service ; sd:endpoint <{server.sparql}> ; sd:supportedLanguage sd:SPARQL11Query, sd:SPARQL11Update")
    assert ask("?s sd:resultFormat <http://www.w3.org/ns/formats/SPARQL_Results_JSON>, <http://www.w3.org/ns/formats/Turtle>")
    assert ask("?s sd:feature sd:UnionDefaultGraph")
    assert not ask("?s sd:feature sd:BasicFederatedQuery")     # SERVICE is not allowed on this server
    assert ask(f"?s sd:defaultDataset/sd:namedGraph/sd:name <{PLACES}>")


def test_service_description_head(server):
    reply = http(server, "HEAD", "/sparql", headers={"Accept": "text/turtle"})
    assert reply.status == 200 and reply.body == b"" and reply.header("content-type").startswith("text/turtle")


def test_browser_gets_the_query_page(server):
    reply = http(server, "GET", "/sparql", headers={
        "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
    assert reply.status == 200 and reply.header("content-type").startswith("text/html")
    assert b'<textarea id="query"' in reply.body


def test_json_results_are_valid_utf8_json(server):
    query = 'SELECT ?l WHERE { <https://w3id.org/innograph/id/city/daejeon> <http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER(lang(?l) = "ko") }'
    reply = get(server, {"query": query})
    assert json.loads(reply.body.decode("utf-8"))["results"]["bindings"][0]["l"]["xml:lang"] == "ko"


# -- base IRI, media-type parameters, protocol parameters without an operation, HEAD ------------

SERVICE_BASE = "https://w3id.org/innograph/"      # INNOGRAPH_BASE_IRI's default: the service base IRI


def test_relative_iris_in_a_query_resolve_against_the_service_base(server):
    reply = get(server, {"query": "CONSTRUCT { <s> <p> 1 } WHERE {}"}, {"Accept": "application/n-triples"})
    assert reply.status == 200, reply.text
    assert reply.text.strip() == (f'<{SERVICE_BASE}s> <{SERVICE_BASE}p> '
                                  f'"1"^^<http://www.w3.org/2001/XMLSchema#integer> .')
    own = get(server, {"query": "BASE <http://example.org/> CONSTRUCT { <s> <p> 1 } WHERE {}"},
              {"Accept": "application/n-triples"})
    assert own.text.startswith("<http://example.org/s>")


def test_relative_iris_in_an_update_resolve_against_the_service_base(server):
    update = ("INSERT DATA { GRAPH <urn:test:base> { <http://example.org/s> <http://example.org/p> "
              "<test> } }")
    try:
        reply = http(server, "POST", "/sparql", update,
                     {"Content-Type": "application/sparql-update", **AUTH})
        assert reply.status == 200, reply.text
        rows = bindings(get(server, {"query": "SELECT ?o WHERE { GRAPH <urn:test:base> { ?s ?p ?o } }"}))
        assert [r["o"]["value"] for r in rows] == [SERVICE_BASE + "test"]
    finally:
        http(server, "POST", "/sparql", "DROP SILENT GRAPH <urn:test:base>",
             {"Content-Type": "application/sparql-update", **AUTH})


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_media_type_parameters_do_not_break_the_match(server, method):
    store = http(server, method, "/store?" + urlencode({"graph": PLACES}),
                 headers={"Accept": "text/turtle; charset=utf-8"})
    assert store.status == 200 and store.header("content-type").startswith("text/turtle")
    weighted = http(server, method, "/store?" + urlencode({"graph": PLACES}),
                    headers={"Accept": "text/turtle;charset=utf-8;q=0.2, application/n-triples;q=0.9"})
    assert weighted.header("content-type").startswith("application/n-triples")
    results = get(server, {"query": CITIES}, {"Accept": "application/sparql-results+json; charset=utf-8"})
    assert results.status == 200 and results.header("content-type").startswith("application/sparql-results+json")


@pytest.mark.parametrize("parameter", ["default-graph-uri", "named-graph-uri", "using-graph-uri",
                                       "using-named-graph-uri"])
def test_protocol_parameters_without_a_query_are_a_client_error(server, parameter):
    reply = get(server, {parameter: PLACES})
    assert reply.status == 400 and parameter in reply.text
    assert get(server, {}, {"Accept": "text/turtle"}).status == 200    # the service description still


HEAD_PATHS = [
    "/sparql?" + urlencode({"query": CITIES}), "/sparql", "/store?" + urlencode({"graph": PLACES}),
    "/store?default", "/store", "/queries", "/queries/echo", "/query", "/id/city/daejeon",
    "/doc/city/daejeon", "/ontology", "/ontology.ttl", "/ontology/CityAlliance", "/", "/dumps",
    "/dumps/", "/dumps/innograph.nq", "/context.jsonld", "/void", "/void.ttl", "/.well-known/void",
    "/graphs", "/graphs/alliances", "/graphs/alliances/metrics", "/graphs/alliances/map",
    "/graph/places", "/static/no-such-file.css", "/id/city/atlantis",
]


@pytest.mark.parametrize("accept", ["text/html", "text/turtle", "*/*"])
def test_head_is_get_without_the_body_on_every_route(server, accept):
    for path in HEAD_PATHS:
        got = http(server, "GET", path, headers={"Accept": accept})
        head = http(server, "HEAD", path, headers={"Accept": accept})
        assert head.body == b"", path
        assert head.status == got.status, path
        for name in set(got.headers) | set(head.headers):
            if name not in {"date", "etag", "last-modified"}:
                assert head.header(name) == got.header(name), f"{path}: header {name} differs"
