"""SPARQL 1.1 Graph Store HTTP Protocol at /store, against a live server: reads, writes, codes, guards."""

from __future__ import annotations

import uuid
from urllib.parse import quote

import pyoxigraph as ox
import pytest

from live_server import TOKEN, http, start_server

AUTH = {"Authorization": f"Bearer {TOKEN}"}
TURTLE = {"Content-Type": "text/turtle"}
PLACES = "https://w3id.org/innograph/graph/places"
GOOD = '<urn:test:s> <urn:test:p> "one" .\n'
GOOD2 = '<urn:test:s> <urn:test:p> "two" .\n'
BAD_CITY = "<urn:test:city> a <https://schema.org/City> .\n"       # a city needs a label: SHACL violation



@pytest.fixture(scope="module")
def read_only_server():
    server = start_server(token=None)
    yield server
    server.stop()


@pytest.fixture
def graph(server):
    """A fresh graph IRI; removed after the test."""
    iri = f"urn:test:gsp-{uuid.uuid4().hex[:8]}"
    yield iri
    http(server, "DELETE", "/store?graph=" + quote(iri, safe=""), headers=AUTH)


def at(iri: str) -> str:
    return "/store?graph=" + quote(iri, safe="")


def triples(reply, fmt=ox.RdfFormat.N_TRIPLES):
    return {str(q) for q in ox.parse(reply.body, fmt)}


# -- reading ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("accept, fmt", [("text/turtle", ox.RdfFormat.TURTLE),
                                          ("application/n-triples", ox.RdfFormat.N_TRIPLES),
                                          ("application/rdf+xml", ox.RdfFormat.RDF_XML),
                                          ("application/ld+json", ox.RdfFormat.JSON_LD)])
def test_get_named_graph_by_conneg(server, accept, fmt):
    reply = http(server, "GET", at(PLACES), headers={"Accept": accept})
    assert reply.status == 200 and reply.header("content-type").startswith(accept)
    assert reply.header("vary") == "Accept, Accept-Encoding"      # conneg, and compression
    assert len(list(ox.parse(reply.body, fmt))) > 50


def test_head_has_the_same_headers_as_get(server):
    get = http(server, "GET", at(PLACES), headers={"Accept": "text/turtle"})
    head = http(server, "HEAD", at(PLACES), headers={"Accept": "text/turtle"})
    assert head.status == 200 and head.body == b""
    for name in ("content-type", "content-length", "vary"):
        assert head.header(name) == get.header(name)


def test_get_missing_graph_is_404(server):
    assert http(server, "GET", at("urn:test:never-there")).status == 404
    assert http(server, "HEAD", at("urn:test:never-there")).status == 404


def test_get_default_graph(server):
    reply = http(server, "GET", "/store?default", headers={"Accept": "application/n-triples"})
    assert reply.status == 200      # the loader keeps data in named graphs: the default graph is empty


def test_get_whole_store_as_quads(server):
    reply = http(server, "GET", "/store", headers={"Accept": "application/n-quads"})
    assert reply.status == 200
    graphs = {q.graph_name.value for q in ox.parse(reply.body, ox.RdfFormat.N_QUADS)
              if isinstance(q.graph_name, ox.NamedNode)}
    assert PLACES in graphs
    assert http(server, "GET", "/store", headers={"Accept": "text/turtle"}).status == 406


def test_get_406(server):
    reply = http(server, "GET", at(PLACES), headers={"Accept": "text/csv"})
    assert reply.status == 406 and "text/turtle" in reply.text


def test_default_and_graph_together_is_400(server):
    assert http(server, "GET", "/store?default&graph=urn:test:a").status == 400


# -- writing ---------------------------------------------------------------------------------------

def test_put_creates_201_then_replaces_204(server, graph):
    reply = http(server, "PUT", at(graph), GOOD, {**TURTLE, **AUTH})
    assert reply.status == 201, reply.text
    reply = http(server, "PUT", at(graph), GOOD2, {**TURTLE, **AUTH})
    assert reply.status == 204, reply.text
    got = http(server, "GET", at(graph), headers={"Accept": "application/n-triples"})
    assert triples(got) == {'<urn:test:s> <urn:test:p> "two"'}


def test_put_of_an_empty_body_creates_an_empty_graph(server, graph):
    reply = http(server, "PUT", at(graph), "", {**TURTLE, **AUTH})
    assert reply.status == 201, reply.text
    got = http(server, "GET", at(graph), headers={"Accept": "application/n-triples"})
    assert got.status == 200 and triples(got) == set()
    # PUT of an empty body over existing content empties the graph but keeps it.
    http(server, "PUT", at(graph), GOOD, {**TURTLE, **AUTH})
    assert http(server, "PUT", at(graph), "", {**TURTLE, **AUTH}).status == 204
    got = http(server, "GET", at(graph), headers={"Accept": "application/n-triples"})
    assert got.status == 200 and triples(got) == set()


def test_post_merges(server, graph):
    assert http(server, "POST", at(graph), GOOD, {**TURTLE, **AUTH}).status == 201
    assert http(server, "POST", at(graph), GOOD2, {"Content-Type": "application/n-triples", **AUTH}).status == 204
    got = http(server, "GET", at(graph), headers={"Accept": "application/n-triples"})
    assert triples(got) == {'<urn:test:s> <urn:test:p> "one"', '<urn:test:s> <urn:test:p> "two"'}


def test_post_multipart(server, graph):
    boundary = "----innograph-test"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.ttl\"\r\n"
            f"Content-Type: text/turtle\r\n\r\n{GOOD}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b.nt\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n{GOOD2}\r\n--{boundary}--\r\n")
    reply = http(server, "POST", at(graph), body,
                 {"Content-Type": f"multipart/form-data; boundary={boundary}", **AUTH})
    assert reply.status == 201, reply.text
    got = http(server, "GET", at(graph), headers={"Accept": "application/n-triples"})
    assert len(triples(got)) == 2


def test_post_to_the_store_mints_a_graph(server):
    reply = http(server, "POST", "/store", GOOD, {**TURTLE, **AUTH})
    assert reply.status == 201
    location = reply.header("location")
    assert location and "?graph=" in location
    path = location.split("127.0.0.1", 1)[1].split("/", 1)[1]
    assert http(server, "GET", "/" + path).status == 200
    assert http(server, "DELETE", "/" + path, headers=AUTH).status == 204


def test_delete_204_then_404(server, graph):
    http(server, "PUT", at(graph), GOOD, {**TURTLE, **AUTH})
    assert http(server, "DELETE", at(graph), headers=AUTH).status == 204
    assert http(server, "GET", at(graph)).status == 404
    assert http(server, "DELETE", at(graph), headers=AUTH).status == 404


def test_put_default_graph(server):
    assert http(server, "PUT", "/store?default", GOOD, {**TURTLE, **AUTH}).status == 204
    got = http(server, "GET", "/store?default", headers={"Accept": "application/n-triples"})
    assert triples(got) == {'<urn:test:s> <urn:test:p> "one"'}
    assert http(server, "DELETE", "/store?default", headers=AUTH).status == 204
    got = http(server, "GET", "/store?default", headers={"Accept": "application/n-triples"})
    assert triples(got) == set()


def test_put_without_graph_parameter_is_400(server):
    assert http(server, "PUT", "/store", GOOD, {**TURTLE, **AUTH}).status == 400


def test_unsupported_media_type_is_415(server, graph):
    assert http(server, "PUT", at(graph), GOOD, {"Content-Type": "text/csv", **AUTH}).status == 415
    assert http(server, "PUT", at(graph), GOOD, AUTH).status == 415


def test_syntax_error_says_where(server, graph):
    reply = http(server, "PUT", at(graph), '<urn:a> <urn:b> "c" .\n<urn:a> <urn:b> .\n', {**TURTLE, **AUTH})
    assert reply.status == 400 and "2:" in reply.text


def test_rdfxml_with_entities_is_refused(server, graph):
    bomb = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>')
    reply = http(server, "PUT", at(graph), bomb, {"Content-Type": "application/rdf+xml", **AUTH})
    assert reply.status == 400 and "DTD" in reply.text


def test_quads_for_another_graph_are_refused(server, graph):
    reply = http(server, "PUT", at(graph), "<urn:a> <urn:b> <urn:c> <urn:test:elsewhere> .\n",
                 {"Content-Type": "application/n-quads", **AUTH})
    assert reply.status == 400 and "one graph" in reply.text


# -- guards and validation ------------------------------------------------------------------------

def test_writes_without_token_are_401(server, graph):
    for method in ("PUT", "POST", "DELETE"):
        reply = http(server, method, at(graph), GOOD, TURTLE)
        assert reply.status == 401 and reply.header("www-authenticate").startswith("Bearer")
        reply = http(server, method, at(graph), GOOD, {**TURTLE, "Authorization": "Bearer nope"})
        assert reply.status == 401
    assert http(server, "GET", at(graph)).status == 404


def test_read_only_server_refuses_every_write_with_403(read_only_server):
    server = read_only_server
    for method in ("PUT", "POST", "DELETE"):
        reply = http(server, method, at("urn:test:ro"), GOOD, {**TURTLE, **AUTH})
        assert reply.status == 403 and "read-only" in reply.text
    reply = http(server, "POST", "/sparql", 'INSERT DATA { <urn:a> <urn:b> "c" }',
                 {"Content-Type": "application/sparql-update", **AUTH})
    assert reply.status == 403 and "INNOGRAPH_UPDATE_TOKEN" in reply.text
    assert http(server, "GET", at(PLACES)).status == 200


@pytest.mark.parametrize("method", ["PUT", "POST"])
def test_shacl_violation_is_422_and_store_unchanged(server, method):
    before = http(server, "GET", "/store", headers={"Accept": "application/n-quads"}).body
    reply = http(server, method, at(PLACES), BAD_CITY, {**TURTLE, **AUTH, "Accept": "application/json"})
    assert reply.status == 422
    violations = reply.json()["report"]["violations"]
    assert any(v["focus_node"] == "<urn:test:city>" and v["path"] == "rdfs:label" for v in violations)
    after = http(server, "GET", "/store", headers={"Accept": "application/n-quads"}).body
    assert after == before


def test_delete_that_breaks_the_data_is_422(server):
    before = http(server, "GET", "/store", headers={"Accept": "application/n-quads"}).body
    reply = http(server, "DELETE", at(PLACES), headers=AUTH)
    assert reply.status == 422, reply.text[:300]
    assert http(server, "GET", "/store", headers={"Accept": "application/n-quads"}).body == before
