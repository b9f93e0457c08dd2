"""Real SPARQL clients against the live server: SPARQLWrapper and rdflib's SPARQLStore / SPARQLUpdateStore."""

from __future__ import annotations

import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from SPARQLWrapper import CSV, JSON, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from live_server import TOKEN

CITIES = "SELECT ?city WHERE { ?city a <https://schema.org/City> } ORDER BY ?city"
DAEJEON = "https://w3id.org/innograph/id/city/daejeon"



def wrapper(server, query, fmt, method="GET"):
    client = SPARQLWrapper(server.sparql)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setMethod(method)
    return client.query()


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_json(server, method):
    result = wrapper(server, CITIES, JSON, method).convert()
    cities = [b["city"]["value"] for b in result["results"]["bindings"]]
    assert DAEJEON in cities and cities == sorted(cities)


def test_sparqlwrapper_xml(server):
    document = wrapper(server, CITIES, XML).convert()
    uris = [node.firstChild.data for node in document.getElementsByTagName("uri")]
    assert DAEJEON in uris


@pytest.mark.parametrize("fmt, separator", [(CSV, ","), (TSV, "\t")])
def test_sparqlwrapper_csv_tsv(server, fmt, separator):
    text = wrapper(server, CITIES, fmt).convert().decode("utf-8")
    lines = text.splitlines()
    assert lines[0] in {"city", "?city"}
    assert any(DAEJEON in line for line in lines[1:])


def test_sparqlwrapper_turtle_construct(server):
    query = f"CONSTRUCT {{ <{DAEJEON}> ?p ?o }} WHERE {{ <{DAEJEON}> ?p ?o }}"
    data = wrapper(server, query, TURTLE).convert()
    graph = rdflib.Graph().parse(data=data, format="turtle")
    assert (rdflib.URIRef(DAEJEON), rdflib.RDF.type, rdflib.URIRef("https://schema.org/City")) in graph


def test_sparqlwrapper_ask(server):
    assert wrapper(server, f"ASK {{ <{DAEJEON}> ?p ?o }}", JSON).convert()["boolean"] is True


def test_sparqlwrapper_sees_a_syntax_error(server):
    with pytest.raises(QueryBadFormed):
        wrapper(server, "SELECT WHERE {", JSON)


def test_rdflib_sparqlstore_reads(server):
    graph = rdflib.Graph(store=SPARQLStore(server.sparql, returnFormat="json"))
    rows = list(graph.query(CITIES))
    assert rdflib.URIRef(DAEJEON) in {row[0] for row in rows}
    labels = set(graph.objects(rdflib.URIRef(DAEJEON), rdflib.RDFS.label))
    assert rdflib.Literal("Daejeon", lang="en") in labels
    graph.close()


def test_rdflib_sparqlupdatestore_writes_with_a_token(server):
    store = SPARQLUpdateStore(server.sparql, server.sparql, auth=None,
                              headers={"Authorization": f"Bearer {TOKEN}"}, autocommit=True)
    context = rdflib.URIRef("urn:test:rdflib-client")
    graph = rdflib.Graph(store=store, identifier=context)
    subject = rdflib.URIRef("urn:test:rdflib-subject")
    graph.add((subject, rdflib.URIRef("urn:test:p"), rdflib.Literal("written by rdflib")))
    assert list(graph.objects(subject, rdflib.URIRef("urn:test:p"))) == [rdflib.Literal("written by rdflib")]
    graph.remove((subject, None, None))
    assert list(graph.objects(subject, rdflib.URIRef("urn:test:p"))) == []
    store.close()


def test_rdflib_sparqlupdatestore_without_token_is_refused(server):
    store = SPARQLUpdateStore(server.sparql, server.sparql, autocommit=True)
    graph = rdflib.Graph(store=store, identifier=rdflib.URIRef("urn:test:rdflib-refused"))
    with pytest.raises(Exception, match="401"):
        graph.add((rdflib.URIRef("urn:test:x"), rdflib.URIRef("urn:test:p"), rdflib.Literal("x")))
    store.close()
