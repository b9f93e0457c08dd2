"""Dereferencing and content negotiation: every IRI we mint answers, to browsers and to RDF clients.

Over every subject IRI under the base (not a sample): Turtle that holds all its triples, and an HTML
page that shows its label. Then the negotiation matrix, headers, 404s, compact JSON-LD against the
published context, the ontology documentation, and the home page.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from urllib.parse import unquote

import pyoxigraph as ox
import pytest
import rdflib
from markupsafe import escape

from innograph.namespaces import DEFAULT_BASE_IRI, ONTOLOGY_GRAPH, PREFIXES
from innograph.store import OxigraphStore
from innograph.validation.shacl import SHAPES_FILE, load_turtle
from publishing_app import publishing_app

BASE = DEFAULT_BASE_IRI
DAEJEON = BASE + "id/city/daejeon"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"




def subjects_under_base(store) -> list[str]:
    rows = store.query(f'SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && '
                       f'STRSTARTS(STR(?s), "{BASE}")) }} ORDER BY ?s')
    return [row["s"].value for row in rows]


def path_for(iri: str) -> str:
    rest = iri[len(BASE):]
    if rest.startswith("id/"):
        return "/" + rest
    if rest == "ontology" or rest.startswith("ontology#"):
        return "/ontology"      # a hash IRI: the client drops the fragment
    raise AssertionError(f"an IRI under the base with no place on the server: {iri}")


def display_label(store, iri: str) -> str:
    """The label the page must show: English rdfs:label, else untagged, else any, else skos:prefLabel."""
    node = ox.NamedNode(iri)
    for predicate in (RDFS_LABEL, SKOS_PREF):
        found = {q.object.language or "": q.object.value
                 for q in store.quads_matching(node, ox.NamedNode(predicate))}
        for lang in ("en", "", *sorted(found)):
            if lang in found:
                return found[lang]
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def parse(body: bytes, fmt: ox.RdfFormat) -> set[ox.Triple]:
    return {ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(body, fmt)}


def test_every_subject_dereferences_to_turtle_with_all_its_triples(client, shipped_store):
    subjects = subjects_under_base(shipped_store)
    assert len(subjects) > 300
    for iri in subjects:
        reply = client.get(path_for(iri), headers={"Accept": "text/turtle"}, follow_redirects=True)
        assert reply.status_code == 200, iri
        assert reply.content_type.startswith("text/turtle"), iri
        served = parse(reply.data, ox.RdfFormat.TURTLE)
        node = ox.NamedNode(iri)
        expected = {ox.Triple(q.subject, q.predicate, q.object) for q in shipped_store.quads_matching(node)}
        plain = {t for t in expected if not isinstance(t.object, ox.BlankNode)}
        assert plain <= served, (iri, plain - served)
        # Blank-node objects cannot be matched by label: the same number per predicate must arrive.
        blank_expected = Counter(t.predicate for t in expected if isinstance(t.object, ox.BlankNode))
        blank_served = Counter(t.predicate for t in served
                               if t.subject == node and isinstance(t.object, ox.BlankNode))
        assert blank_expected == blank_served, iri


def test_every_subject_has_an_html_page_showing_its_label(client, shipped_store):
    for iri in subjects_under_base(shipped_store):
        reply = client.get(path_for(iri), headers={"Accept": BROWSER_ACCEPT}, follow_redirects=True)
        assert reply.status_code == 200, iri
        assert reply.content_type.startswith("text/html"), iri
        assert str(escape(display_label(shipped_store, iri))) in reply.get_data(as_text=True), iri


def test_id_redirects_303_to_doc_keeping_the_query(client):
    reply = client.get("/id/city/daejeon", headers={"Accept": "text/turtle"})
    assert reply.status_code == 303
    assert reply.headers["Location"].endswith("/doc/city/daejeon")
    reply = client.get("/id/concept/sector/space?format=nt")
    assert reply.status_code == 303
    assert reply.headers["Location"].endswith("/doc/concept/sector/space?format=nt")


@pytest.mark.parametrize("accept, expected", [
    (None, "text/html"),
    ("*/*", "text/html"),
    (BROWSER_ACCEPT, "text/html"),
    ("application/xhtml+xml", "text/html"),
    ("text/turtle", "text/turtle"),
    ("application/x-turtle", "text/turtle"),
    ("application/ld+json", "application/ld+json"),
    ("application/n-triples", "application/n-triples"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("text/turtle;q=0.5, application/ld+json;q=0.9", "application/ld+json"),
    ("application/rdf+xml;q=0.3, text/html;q=0.2", "application/rdf+xml"),
    ("text/html;q=0, text/*;q=0.8", "text/turtle"),
    ("application/*", "application/ld+json"),
])
def test_content_negotiation_matrix(client, accept, expected):
    headers = {"Accept": accept} if accept is not None else {}
    reply = client.get("/doc/city/daejeon", headers=headers)
    assert reply.status_code == 200
    assert reply.mimetype == expected
    assert reply.headers["Vary"] == "Accept, Accept-Encoding"       # conneg, and compression
    extension = {"text/html": "html", "text/turtle": "ttl", "application/ld+json": "jsonld",
                 "application/n-triples": "nt", "application/rdf+xml": "rdf"}[expected]
    assert reply.headers["Content-Location"] == f"/doc/city/daejeon.{extension}"
    if expected != "text/html":
        formats = {"ttl": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD,
                   "nt": ox.RdfFormat.N_TRIPLES, "rdf": ox.RdfFormat.RDF_XML}
        served = {(t.subject, t.predicate, t.object) for t in ox.parse(reply.data, formats[extension])}
        assert (ox.NamedNode(DAEJEON), ox.NamedNode(RDFS_LABEL), ox.Literal("Daejeon", language="en")) in served


@pytest.mark.parametrize("query, accept, expected", [
    ("format=ttl", "text/html", "text/turtle"),
    ("format=jsonld", "text/turtle", "application/ld+json"),
    ("format=application/rdf%2Bxml", None, "application/rdf+xml"),
    ("format=html", "text/turtle", "text/html"),
])
def test_format_parameter_overrides_accept(client, query, accept, expected):
    reply = client.get(f"/doc/city/daejeon?{query}", headers={"Accept": accept} if accept else {})
    assert reply.status_code == 200
    assert reply.mimetype == expected


def test_unusable_formats_are_refused(client):
    assert client.get("/doc/city/daejeon", headers={"Accept": "image/png"}).status_code == 406
    assert client.get("/doc/city/daejeon?format=nq").status_code == 406
    reply = client.get("/doc/city/daejeon?format=docx")
    assert reply.status_code == 400
    assert "docx" in reply.get_data(as_text=True)


def test_link_headers_name_every_alternate_and_each_serves_its_type(client):
    reply = client.get("/doc/city/daejeon", headers={"Accept": "text/html"})
    links = re.findall(r'<([^>]+)>; rel="alternate"; type="([^"]+)"', reply.headers["Link"])
    assert {media for _, media in links} == {"text/html", "text/turtle", "application/ld+json",
                                             "application/n-triples", "application/rdf+xml"}
    for target, media in links:
        alternate = client.get(target, headers={"Accept": "image/png"})   # the URL fixes the format
        assert alternate.status_code == 200, target
        assert alternate.mimetype == media, target
        assert alternate.headers["Content-Location"] == target


def test_unknown_iris_get_404_pages_not_empty_documents(client):
    reply = client.get("/doc/city/atlantis", headers={"Accept": BROWSER_ACCEPT})
    assert reply.status_code == 404
    assert reply.mimetype == "text/html"
    assert "https://w3id.org/innograph/id/city/atlantis" in reply.get_data(as_text=True)
    reply = client.get("/id/city/atlantis", headers={"Accept": "text/turtle"}, follow_redirects=True)
    assert reply.status_code == 404
    assert reply.mimetype == "text/plain"
    assert client.get("/doc/city/not%20an%20iri", headers={"Accept": "text/turtle"}).status_code == 404
    assert client.get("/ontology/NoSuchTerm", headers={"Accept": "text/turtle"}).status_code == 404


def test_description_has_incoming_links_and_labels_of_neighbours(client, shipped_store):
    reply = client.get("/doc/city/daejeon.nt")
    served = parse(reply.data, ox.RdfFormat.N_TRIPLES)
    node = ox.NamedNode(DAEJEON)
    incoming = {ox.Triple(q.subject, q.predicate, q.object) for q in shipped_store.quads_matching(object=node)}
    assert incoming and incoming <= served
    country = ox.NamedNode(BASE + "id/country/south-korea")
    assert ox.Triple(country, ox.NamedNode(RDFS_LABEL), ox.Literal("South Korea", language="en")) in served
    # The geometry blank node is followed (CBD), so its WKT literal arrives with the city.
    assert any(t.predicate.value.endswith("#asWKT") for t in served)


# -- JSON-LD -------------------------------------------------------------------------------------

def _keys(node, context: dict, found: set) -> set:
    """Every property key in a document (language-map keys such as "en" are values, not keys)."""
    if isinstance(node, dict):
        for key, value in node.items():
            found.add(key)
            definition = context.get(key)
            is_language_map = isinstance(definition, dict) and definition.get("@container") == "@language"
            if key != "@context" and not is_language_map:
                _keys(value, context, found)
    elif isinstance(node, list):
        for item in node:
            _keys(item, context, found)
    return found


def test_entity_json_ld_is_compact_with_the_published_context(client, shipped_store):
    document = client.get("/doc/city/daejeon", headers={"Accept": "application/ld+json"}).get_json()
    published = client.get("/context.jsonld").get_json()["@context"]
    assert document["@context"] == published
    for key in _keys(document, published, set()):
        assert not key.startswith("http"), key
        assert key.startswith("@") or key in published or key.split(":", 1)[0] in published, key
    city = document["@graph"][0]
    assert city["id"] == DAEJEON
    assert city["type"] == "schema:City"
    assert city["label"] == {"en": "Daejeon", "ko": "대전광역시"}
    assert "wd:Q20921" in city["sameAs"]
    assert city["hasGeometry"]["asWKT"].startswith("POINT(")     # blank node nested, not referenced
    # It is still exactly the Turtle description, read back without network access.
    as_jsonld = {(t.subject, t.predicate, t.object) for t in ox.parse(
        client.get("/doc/city/daejeon.jsonld").data, ox.RdfFormat.JSON_LD)}
    as_turtle = {(t.subject, t.predicate, t.object) for t in ox.parse(
        client.get("/doc/city/daejeon.ttl").data, ox.RdfFormat.TURTLE)}
    ground = lambda triples: {t for t in triples if not any(isinstance(x, ox.BlankNode) for x in t)}  # noqa: E731
    assert ground(as_jsonld) == ground(as_turtle)
    assert len(as_jsonld) == len(as_turtle)


def test_published_context_holds_only_the_prefixes_the_data_uses(client, shipped_store):
    context = client.get("/context.jsonld").get_json()["@context"]
    iris = set()
    for quad in shipped_store.quads():
        for term in (quad.subject, quad.predicate, quad.object, quad.graph_name):
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
            elif isinstance(term, ox.Literal):
                iris.add(term.datatype.value)
    for prefix, namespace in PREFIXES.items():
        used = any(iri.startswith(namespace) and iri != namespace for iri in iris)
        assert (context.get(prefix) == namespace) == used, prefix
    assert context["label"] == {"@id": "rdfs:label", "@container": "@language"}


# -- the ontology ----------------------------------------------------------------------------------

def _ontology_terms(store, types: tuple[str, ...]) -> list[str]:
    graph = ox.NamedNode(ONTOLOGY_GRAPH)
    out = set()
    for kind in types:
        for quad in store.quads_matching(None, ox.NamedNode(PREFIXES["rdf"] + "type"), ox.NamedNode(kind), graph):
            if quad.subject.value.startswith(PREFIXES["ig"]):
                out.add(quad.subject.value[len(PREFIXES["ig"]):])
    return sorted(out)


def test_ontology_page_documents_every_class_and_property(client, shipped_store):
    html = client.get("/ontology", headers={"Accept": BROWSER_ACCEPT}).get_data(as_text=True)
    owl = PREFIXES["owl"]
    classes = _ontology_terms(shipped_store, (owl + "Class",))
    properties = _ontology_terms(shipped_store, (owl + "ObjectProperty", owl + "DatatypeProperty",
                                                 owl + "AnnotationProperty"))
    assert len(classes) > 15 and len(properties) > 15
    for local in classes + properties:
        assert f'id="{local}"' in html, local
        assert f"ig:{local}" in html, local
    # Reused vocabularies, and every SHACL constraint's message, appear on the page.
    for prefix in ("schema:", "org:", "prov:", "skos:", "qb:"):
        assert f"<code>{prefix}</code>" in html
    shapes = load_turtle(SHAPES_FILE)
    messages = {str(m) for m in shapes.objects(None, rdflib.URIRef("http://www.w3.org/ns/shacl#message"))}
    assert len(messages) > 50
    for message in messages:
        assert str(escape(message)) in html, message


def test_ontology_turtle_and_term_resolution(client, shipped_store):
    reply = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert reply.status_code == 200 and reply.mimetype == "text/turtle"
    served = parse(reply.data, ox.RdfFormat.TURTLE)
    ontology = {ox.Triple(q.subject, q.predicate, q.object)
                for q in shipped_store.quads(ox.NamedNode(ONTOLOGY_GRAPH))}
    assert {t for t in ontology if not isinstance(t.subject, ox.BlankNode)
            and not isinstance(t.object, ox.BlankNode)} <= served
    browser = client.get("/ontology/CityAlliance", headers={"Accept": BROWSER_ACCEPT})
    assert browser.status_code == 303
    assert browser.headers["Location"].endswith("/ontology#CityAlliance")
    term = client.get("/ontology/CityAlliance", headers={"Accept": "text/turtle"})
    assert term.status_code == 200
    triples = parse(term.data, ox.RdfFormat.TURTLE)
    alliance = ox.NamedNode(PREFIXES["ig"] + "CityAlliance")
    assert ox.Triple(alliance, ox.NamedNode(PREFIXES["rdf"] + "type"), ox.NamedNode(PREFIXES["owl"] + "Class")) \
        in triples


# -- pages -----------------------------------------------------------------------------------------

def test_home_page_lists_kinds_with_counts_and_entry_points(client, shipped_store):
    html = client.get("/", headers={"Accept": BROWSER_ACCEPT}).get_data(as_text=True)
    counts = Counter(iri[len(BASE + "id/"):].split("/", 1)[0] for iri in subjects_under_base(shipped_store)
                     if iri.startswith(BASE + "id/"))
    assert {"city", "alliance", "membership", "observation", "source"} <= set(counts)
    for kind, count in counts.items():
        row = re.search(rf'<tr id="kind-{kind}">(.*?)</tr>', html, re.S)
        assert row, kind
        assert f'<td class="number">{count}</td>' in row.group(1), kind
    for target in ("/sparql", "/queries", "/graphs", "/ontology", "/void", "/dumps"):
        assert f'href="{target}"' in html
    assert client.get("/query", headers={"Accept": BROWSER_ACCEPT}).status_code == 200


def test_entity_page_has_tables_provenance_links_picture_and_query_link(client):
    html = client.get("/doc/city/daejeon", headers={"Accept": BROWSER_ACCEPT}).get_data(as_text=True)
    assert '<h1 lang="en">Daejeon</h1>' in html
    assert '<span lang="ko">대전광역시</span>' in html
    for caption in ("Statistical observations about Daejeon", "Memberships of Daejeon",
                    "Ranking results of Daejeon", "Every statement with Daejeon as subject",
                    "Resources that link to Daejeon", "Where the statements about Daejeon come from"):
        assert f"<caption>{caption}" in html, caption
    assert 'title="approximately"' in html or 'title="more than"' in html
    assert "The Korea Herald" in html and "2026-02-08" in html
    assert 'href="http://www.wikidata.org/entity/Q20921"' in html
    assert 'href="https://sws.geonames.org/1835235/"' in html
    assert 'href="https://daejeon.go.kr/"' in html
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="neighbourhood"' in html
    assert 'href="/doc/country/south-korea"' in html
    link = re.search(r'href="(/sparql\?query=[^"]+)"', html).group(1)
    assert unquote(link.split("=", 1)[1]) == f"DESCRIBE <{DAEJEON}>"
    described = client.get(link, headers={"Accept": "text/turtle"})
    assert described.status_code == 200
    assert (ox.NamedNode(DAEJEON), ox.NamedNode(RDFS_LABEL), ox.Literal("Daejeon", language="en")) in \
        {(t.subject, t.predicate, t.object) for t in ox.parse(described.data, ox.RdfFormat.TURTLE)}
    assert "https://" not in re.sub(r'(href|about|title)="[^"]*"|<code>[^<]*</code>|<a [^>]*>[^<]*</a>', "",
                                    html.split("<main", 1)[0]), "the page head loads nothing from the web"


def test_base_iri_setting_decides_what_is_dereferenced(shipped_store, tmp_path):
    other = OxigraphStore(None)
    other.add([ox.Quad(ox.NamedNode("https://kg.example.org/id/city/x"), ox.NamedNode(RDFS_LABEL),
                       ox.Literal("Example city", language="en"), ox.NamedNode("https://kg.example.org/graph/t"))])
    with publishing_app(other, tmp_path, base_iri="https://kg.example.org/") as app:
        client = app.test_client()
        reply = client.get("/id/city/x", headers={"Accept": "application/n-triples"}, follow_redirects=True)
        assert reply.status_code == 200
        assert b"<https://kg.example.org/id/city/x>" in reply.data
        assert client.get("/doc/city/daejeon", headers={"Accept": "text/turtle"}).status_code == 404
    other.close()


def test_json_ld_keys_of_a_membership_are_terms(client):
    document = json.loads(client.get("/doc/membership/gini-daejeon.jsonld").data)
    node = document["@graph"][0]
    assert node["type"] == "org:Membership"
    assert node["member"] == DAEJEON and node["organization"] == BASE + "id/alliance/gini"
    interval = node["memberDuring"]
    assert interval["type"] == "time:Interval" and "hasBeginning" in interval


def test_named_graph_iris_dereference(client, shipped_store):
    for graph in shipped_store.graph_names():
        path = "/graph/" + graph.value.rsplit("/", 1)[-1]
        reply = client.get(path, headers={"Accept": "application/n-triples"})
        assert reply.status_code == 200, path
        served = parse(reply.data, ox.RdfFormat.N_TRIPLES)
        assert len(served) == len({(q.subject, q.predicate, q.object) for q in shipped_store.quads(graph)})
        html = client.get(path, headers={"Accept": BROWSER_ACCEPT})
        assert html.status_code == 200 and graph.value in html.get_data(as_text=True)
    assert client.get("/graph/nowhere", headers={"Accept": "text/turtle"}).status_code == 404


def test_qualifier_markers_read_the_right_way_round(client):
    """Regression: 'fell by more than 3,000' was shown as '> -3,000'. Qualifiers bound the signed value."""
    page = client.get("/doc/city/daejeon", headers={"Accept": "text/html"}).get_data(as_text=True)
    row = next(r for r in page.split("<tr") if "Korean nationals" in r)
    assert "&lt;" in row and "-3,000" in row and "&gt;" not in row
    research = next(r for r in page.split("<tr") if "research institutions, startups" in r)
    assert "≲" in research


def test_pages_link_to_the_network_views_that_show_them(client):
    gini = client.get("/doc/alliance/gini", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'href="/graphs/alliances"' in gini and 'href="/graphs/alliances/map"' in gini
    daejeon = client.get("/doc/city/daejeon", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'href="/graphs/ecosystem?city=https%3A%2F%2Fw3id.org%2Finnograph%2Fid%2Fcity%2Fdaejeon"' in daejeon
    assert client.get("/graphs/ecosystem?city=https%3A%2F%2Fw3id.org%2Finnograph%2Fid%2Fcity%2Fdaejeon",
                      headers={"Accept": "text/html"}).status_code == 200
    kaist = client.get("/doc/organization/kaist", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "/graphs/" not in kaist.split("<main", 1)[1].split("</main>", 1)[0]
