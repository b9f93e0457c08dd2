"""Dumps, the CLI export and VoID: every format round-trips, and VoID's counts are the store's.

Each dump is parsed back by rdflib and by pyoxigraph and compared with the store: graph by graph
for the formats that keep named graphs (N-Quads, TriG, JSON-LD), as the union of the graphs for the
others (Turtle, N-Triples, RDF/XML). Graphs are compared in canonical form (RDFC-1.0, blank nodes
renamed by shape): pyoxigraph's canonicaliser, because rdflib.compare.isomorphic ran for minutes on
the ~1,400 blank nodes of the shipped data. What rdflib parsed is canonicalised the same way.
"""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner

from innograph.cli import main
from innograph.service.exporting import export_dataset
from innograph.namespaces import DEFAULT_BASE_IRI, PREFIXES
from innograph.validation.shacl import to_rdflib
from publishing_app import publishing_app

VOID = rdflib.Namespace(PREFIXES["void"])
DCAT = rdflib.Namespace(PREFIXES["dcat"])
DATASET = rdflib.URIRef(DEFAULT_BASE_IRI + "void#innograph")
FORMATS = {  # extension -> (media type, pyoxigraph format, rdflib format, keeps named graphs)
    "ttl": ("text/turtle", ox.RdfFormat.TURTLE, "turtle", False),
    "nt": ("application/n-triples", ox.RdfFormat.N_TRIPLES, "nt", False),
    "rdf": ("application/rdf+xml", ox.RdfFormat.RDF_XML, "xml", False),
    "nq": ("application/n-quads", ox.RdfFormat.N_QUADS, "nquads", True),
    "trig": ("application/trig", ox.RdfFormat.TRIG, "trig", True),
    "jsonld": ("application/ld+json", ox.RdfFormat.JSON_LD, "json-ld", True),
}




def from_rdflib(term):
    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return ox.BlankNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)) if term.datatype else None)


def canonical(triples) -> set[str]:
    """The triples with blank nodes renamed canonically (RDFC-1.0), as N-Triples lines."""
    dataset = ox.Dataset(ox.Quad(s, p, o) for s, p, o in triples)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return {str(quad) for quad in dataset}


def isomorphic(parsed: rdflib.Graph | set, expected: rdflib.Graph) -> bool:
    """Whether two graphs are equal up to blank node names (either side rdflib or pyoxigraph terms)."""
    def as_ox(graph):
        if isinstance(graph, rdflib.Graph):
            return [(from_rdflib(s), from_rdflib(p), from_rdflib(o)) for s, p, o in graph]
        return list(graph)
    left, right = as_ox(parsed), as_ox(expected)
    return len(set(map(str, left))) == len(set(map(str, right))) and canonical(left) == canonical(right)


def rdflib_graph(triples) -> rdflib.Graph:
    graph = rdflib.Graph()
    for s, p, o in triples:
        graph.add((to_rdflib(s), to_rdflib(p), to_rdflib(o)))
    return graph


def store_graphs(store) -> dict[str, rdflib.Graph]:
    return {g.value: rdflib_graph((q.subject, q.predicate, q.object) for q in store.quads(g))
            for g in store.graph_names()}


def store_union(store) -> rdflib.Graph:
    return rdflib_graph({(q.subject, q.predicate, q.object) for q in store.quads()})


# rdflib 7.6's own Dataset.parse and JSON-LD parser call APIs rdflib itself deprecates.
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
@pytest.mark.filterwarnings("ignore:Dataset.default_context is deprecated:DeprecationWarning")
@pytest.mark.parametrize("extension", list(FORMATS))
def test_dump_round_trips_through_rdflib_and_pyoxigraph(client, shipped_store, extension):
    media_type, ox_format, rdflib_format, keeps_graphs = FORMATS[extension]
    reply = client.get(f"/dumps/innograph.{extension}")
    assert reply.status_code == 200
    assert reply.mimetype == media_type
    body = reply.data
    by_ox: dict[str, set] = {}
    for quad in ox.parse(body, ox_format):
        name = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else ""
        by_ox.setdefault(name, set()).add((quad.subject, quad.predicate, quad.object))
    if keeps_graphs:
        dataset = rdflib.Dataset()
        dataset.parse(data=body, format=rdflib_format)
        expected = store_graphs(shipped_store)
        assert set(by_ox) == set(expected)
        for name, graph in expected.items():
            assert isomorphic(by_ox[name], graph), f"pyoxigraph, {extension}, {name}"
            assert isomorphic(dataset.graph(rdflib.URIRef(name)), graph), f"rdflib, {extension}, {name}"
    else:
        expected = store_union(shipped_store)
        assert set(by_ox) == {""}
        assert isomorphic(by_ox[""], expected), f"pyoxigraph, {extension}"
        parsed = rdflib.Graph()
        parsed.parse(data=body, format=rdflib_format)
        assert isomorphic(parsed, expected), f"rdflib, {extension}"


def test_dump_is_the_cli_export_and_supports_conditional_get(client, app, shipped_store):
    store = app.extensions["innograph"].store
    runner = CliRunner()
    for extension in ("jsonld", "trig"):
        reply = client.get(f"/dumps/innograph.{extension}")
        assert reply.data == export_dataset(store, extension)
        etag = reply.headers["ETag"]
        assert reply.headers["Last-Modified"]
        again = client.get(f"/dumps/innograph.{extension}", headers={"If-None-Match": etag})
        assert again.status_code == 304
    result = runner.invoke(main, ["--store", str(store.path), "export", "--format", "jsonld"])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == client.get("/dumps/innograph.jsonld").data


def test_json_ld_dump_is_compact_with_the_published_context(client):
    document = json.loads(client.get("/dumps/innograph.jsonld").data)
    assert document["@context"] == client.get("/context.jsonld").get_json()["@context"]
    graphs = {node["id"]: node["@graph"] for node in document["@graph"]}
    places = graphs["https://w3id.org/innograph/graph/places"]
    daejeon = next(n for n in places if n["id"] == "https://w3id.org/innograph/id/city/daejeon")
    assert daejeon["label"]["en"] == "Daejeon"
    assert daejeon["country"] == "https://w3id.org/innograph/id/country/south-korea"


def test_dumps_page_links_every_dump(client):
    html = client.get("/dumps", headers={"Accept": "text/html"}).get_data(as_text=True)
    for extension in FORMATS:
        assert f'href="/dumps/innograph.{extension}"' in html


# -- VoID ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def void(client) -> rdflib.Graph:
    reply = client.get("/void", headers={"Accept": "text/turtle"})
    assert reply.status_code == 200 and reply.mimetype == "text/turtle"
    graph = rdflib.Graph()
    graph.parse(data=reply.data, format="turtle")
    return graph


def _int(graph, subject, predicate) -> int:
    values = list(graph.objects(subject, predicate))
    assert len(values) == 1, (subject, predicate, values)
    return int(values[0])


def test_void_counts_equal_the_store(void, shipped_store):
    distinct = {(q.subject, q.predicate, q.object) for q in shipped_store.quads()}
    assert _int(void, DATASET, VOID.triples) == len(distinct)
    graphs = shipped_store.graph_names()
    subsets = set(void.objects(DATASET, VOID.subset))
    for graph in graphs:
        node = rdflib.URIRef(graph.value)
        assert node in subsets
        assert _int(void, node, VOID.triples) == shipped_store.count(graph), graph.value
    assert sum(_int(void, rdflib.URIRef(g.value), VOID.triples) for g in graphs) == shipped_store.count()
    classes = {row["c"].value: int(row["n"].value) for row in shipped_store.query(
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c FILTER(isIRI(?c)) } GROUP BY ?c")}
    partitions = {str(void.value(p, VOID["class"])): int(void.value(p, VOID.entities))
                  for p in void.objects(DATASET, VOID.classPartition)}
    assert partitions == classes
    properties = {}
    for s, p, o in distinct:
        properties[p.value] = properties.get(p.value, 0) + 1
    partitions = {str(void.value(p, VOID.property)): int(void.value(p, VOID.triples))
                  for p in void.objects(DATASET, VOID.propertyPartition)}
    assert partitions == properties


def test_void_linksets_count_the_links_out(void, shipped_store):
    same_as = [q for q in shipped_store.quads_matching(None, ox.NamedNode(PREFIXES["owl"] + "sameAs"))]
    expected = {
        "wikidata": len({(q.subject, q.object) for q in same_as if q.object.value.startswith("http://www.wikidata.org/entity/")}),
        "geonames": len({(q.subject, q.object) for q in same_as if q.object.value.startswith("https://sws.geonames.org/")}),
    }
    assert expected["wikidata"] > 5
    for slug, count in expected.items():
        linkset = rdflib.URIRef(DEFAULT_BASE_IRI + f"void#links-{slug}")
        assert (linkset, rdflib.RDF.type, VOID.Linkset) in void
        assert _int(void, linkset, VOID.triples) == count
        assert (linkset, VOID.linkPredicate, rdflib.OWL.sameAs) in void
        assert (linkset, VOID.subjectsTarget, DATASET) in void


def test_void_points_at_working_dumps_endpoint_and_examples(void, client):
    assert (DATASET, rdflib.URIRef(PREFIXES["dcterms"] + "license"),
            rdflib.URIRef("https://creativecommons.org/licenses/by/4.0/")) in void
    assert (DATASET, VOID.uriSpace, rdflib.Literal(DEFAULT_BASE_IRI + "id/")) in void
    dumps = sorted(str(d) for d in void.objects(DATASET, VOID.dataDump))
    assert dumps == sorted(f"http://localhost/dumps/innograph.{ext}" for ext in FORMATS)
    downloads = {str(void.value(d, DCAT.downloadURL)) for d in void.objects(DATASET, DCAT.distribution)}
    assert downloads == set(dumps)
    for url in dumps:
        assert client.get(url.replace("http://localhost", "")).status_code == 200, url
    assert str(void.value(DATASET, VOID.sparqlEndpoint)) == "http://localhost/sparql"
    examples = list(void.objects(DATASET, VOID.exampleResource))
    assert rdflib.URIRef(DEFAULT_BASE_IRI + "id/city/daejeon") in examples
    for example in examples:
        path = str(example)[len(DEFAULT_BASE_IRI) - 1:]
        assert client.get(path, headers={"Accept": "text/turtle"}, follow_redirects=True).status_code == 200
    assert rdflib.URIRef("https://schema.org/") in set(void.objects(DATASET, VOID.vocabulary))


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
def test_well_known_void_and_service_description_agree(client, void):
    other = rdflib.Graph()
    other.parse(data=client.get("/.well-known/void", headers={"Accept": "text/turtle"}).data, format="turtle")
    assert isomorphic(other, void)
    for extension, fmt in (("jsonld", "json-ld"), ("nt", "nt"), ("rdf", "xml")):
        again = rdflib.Graph()
        again.parse(data=client.get(f"/void.{extension}").data, format=fmt)
        assert isomorphic(again, void), extension
    html = client.get("/void", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "CC BY 4.0" in html and "<caption>Triples per named graph</caption>" in html
    sd = rdflib.Graph()
    sd.parse(data=client.get("/sparql", headers={"Accept": "text/turtle"}).data, format="turtle")
    assert (None, rdflib.URIRef("http://www.w3.org/ns/sparql-service-description#defaultDataset"),
            DATASET) in sd


def test_dumps_and_void_follow_writes(shipped_store, tmp_path):
    with publishing_app(shipped_store, tmp_path, update_token="t0ken") as app:
        client = app.test_client()
        before = client.get("/dumps/innograph.nq")
        void_before = client.get("/void.nt").data
        update = ('INSERT DATA { GRAPH <urn:test:extra> { <urn:test:thing> '
                  '<http://www.w3.org/2000/01/rdf-schema#comment> "added after the first dump" } }')
        reply = client.post("/sparql", data={"update": update}, headers={"Authorization": "Bearer t0ken"})
        assert reply.status_code == 200, reply.get_data(as_text=True)
        after = client.get("/dumps/innograph.nq", headers={"If-None-Match": before.headers["ETag"]})
        assert after.status_code == 200 and b"added after the first dump" in after.data
        graph = rdflib.Graph()
        graph.parse(data=client.get("/void.nt").data, format="nt")
        assert _int(graph, rdflib.URIRef("urn:test:extra"), VOID.triples) == 1
        assert client.get("/void.nt").data != void_before
