"""Model hygiene: the ontology documents every term, the data uses declared classes, every
constraint explains itself, every statement has a source, and the shipped data conforms."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SH, XSD

ROOT = Path(__file__).resolve().parents[1]
IG = rdflib.Namespace("https://w3id.org/innograph/ontology#")
ID = "https://w3id.org/innograph/id/"
ONTOLOGY_IRI = URIRef("https://w3id.org/innograph/ontology")
VANN = rdflib.Namespace("http://purl.org/vocab/vann/")
ORG = rdflib.Namespace("http://www.w3.org/ns/org#")
QB = rdflib.Namespace("http://purl.org/linked-data/cube#")
SCHEMA = rdflib.Namespace("https://schema.org/")
TIME = rdflib.Namespace("http://www.w3.org/2006/time#")
GEO = rdflib.Namespace("http://www.opengis.net/ont/geosparql#")

# External classes the data may use without an ig: declaration.
KNOWN_EXTERNAL_CLASSES = {
    PROV.Entity, PROV.Activity, SCHEMA.NewsArticle, SCHEMA.WebPage, SCHEMA.Country, SCHEMA.City,
    SCHEMA.AdministrativeArea, SCHEMA.Corporation, SCHEMA.GovernmentOrganization,
    SCHEMA.CollegeOrUniversity, SCHEMA.ResearchOrganization, SCHEMA.Person, SCHEMA.Event,
    SCHEMA.Legislation, SCHEMA.EducationalOccupationalProgram, ORG.FormalOrganization, ORG.Post,
    ORG.Role, ORG.Membership, rdflib.URIRef("http://xmlns.com/foaf/0.1/Person"), TIME.Interval,
    TIME.Instant, GEO.Geometry, rdflib.namespace.SKOS.Concept, rdflib.namespace.SKOS.ConceptScheme,
    QB.DataSet, QB.Observation, rdflib.URIRef("http://www.w3.org/ns/dcat#Dataset"), SCHEMA.Place,
    SCHEMA.ArchiveOrganization, SCHEMA.MedicalOrganization, SCHEMA.NGO,
}
# Kinds of node that carry a statement and so must cite a source.
STATEMENT_CLASSES = [ORG.Membership, QB.Observation, IG.RankingResult, IG.Agreement, IG.Policy,
                     IG.Programme, IG.Designation, IG.Assessment, IG.Claim, SCHEMA.Event, ORG.Post,
                     QB.DataSet]


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(ROOT / "ontology" / "innograph.ttl")


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return rdflib.Graph().parse(ROOT / "ontology" / "shapes.ttl")


@pytest.fixture(scope="module")
def data() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in sorted((ROOT / "data").glob("*.ttl")):
        graph.parse(path)
    return graph


def ig_terms(ontology):
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.NamedIndividual)
    return sorted({s for kind in kinds for s in ontology.subjects(RDF.type, kind)
                   if isinstance(s, URIRef) and str(s).startswith(str(IG))})


def superclasses(ontology, cls):
    return set(ontology.transitive_objects(cls, RDFS.subClassOf))


def test_ontology_header_is_complete(ontology):
    header = ONTOLOGY_IRI
    assert (header, RDF.type, OWL.Ontology) in ontology
    for prop in (OWL.versionInfo, OWL.versionIRI, DCTERMS.title, DCTERMS.description, DCTERMS.created):
        assert ontology.value(header, prop) is not None, prop
    assert (header, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")) in ontology
    assert ontology.value(header, VANN.preferredNamespacePrefix) == Literal("ig")
    assert str(ontology.value(header, VANN.preferredNamespaceUri)) == str(IG)
    assert ontology.value(header, OWL.imports) is None


def test_every_ig_term_has_label_comment_and_is_defined_by(ontology):
    terms = ig_terms(ontology)
    assert len(terms) > 40
    problems = []
    for term in terms:
        labels = [o for o in ontology.objects(term, RDFS.label) if isinstance(o, Literal) and o.language == "en"]
        comments = [o for o in ontology.objects(term, RDFS.comment) if isinstance(o, Literal) and o.language == "en"]
        if not labels or not comments or (term, RDFS.isDefinedBy, ONTOLOGY_IRI) not in ontology:
            problems.append(term)
    assert problems == []


def test_every_ig_property_has_a_domain_or_domain_includes(ontology):
    props = [t for t in ig_terms(ontology)
             if (t, RDF.type, OWL.ObjectProperty) in ontology or (t, RDF.type, OWL.DatatypeProperty) in ontology]
    # ig:conflictsWith links any two statement nodes (it is symmetric), and the Data Cube
    # dimensions are used on observations only through the data structure definition.
    open_ended = {IG.conflictsWith, IG.indicator, IG.populationGroup, IG.sector, IG.valueQualifier,
                  IG.dateResolution, IG.period}
    missing = [p for p in props if p not in open_ended
               and ontology.value(p, RDFS.domain) is None and ontology.value(p, SCHEMA.domainIncludes) is None]
    assert missing == []
    no_range = [p for p in props if p not in {IG.conflictsWith, IG.participant, IG.rankedEntity,
                                             IG.assessedEntity, IG.designatedEntity}
                and ontology.value(p, RDFS.range) is None and ontology.value(p, SCHEMA.rangeIncludes) is None]
    assert no_range == []


def test_every_ig_term_used_in_data_is_declared(ontology, data):
    declared = set(ig_terms(ontology)) | {IG.ObservationStructure}
    used = {t for triple in data for t in triple if isinstance(t, URIRef) and str(t).startswith(str(IG))}
    assert sorted(used - declared) == []


def test_every_class_used_in_data_is_declared_or_known(ontology, data):
    used = set(data.objects(None, RDF.type))
    unknown = [c for c in used if c not in KNOWN_EXTERNAL_CLASSES and (c, RDF.type, OWL.Class) not in ontology]
    assert sorted(unknown) == []


def test_every_class_used_in_data_has_a_shape(ontology, data, shapes):
    targets = set(shapes.objects(None, SH.targetClass))
    uncovered = [c for c in set(data.objects(None, RDF.type))
                 if not ({c} | superclasses(ontology, c)) & targets]
    assert sorted(uncovered) == []


def test_every_shape_constraint_is_in_a_property_shape_with_a_message(shapes):
    node_shapes = set(shapes.subjects(RDF.type, SH.NodeShape))
    allowed_on_node = {RDF.type, SH.targetClass, SH.property, RDFS.comment}
    for node_shape in node_shapes:
        assert isinstance(node_shape, URIRef)
        assert {p for p, _ in shapes.predicate_objects(node_shape)} <= allowed_on_node, node_shape
    property_shapes = set(shapes.subjects(RDF.type, SH.PropertyShape))
    assert property_shapes == set(shapes.objects(None, SH.property))
    for prop_shape in property_shapes:
        assert isinstance(prop_shape, URIRef)
        assert str(prop_shape).startswith("https://w3id.org/innograph/shapes#")
        messages = [m for m in shapes.objects(prop_shape, SH.message) if m.language == "en"]
        assert len(messages) == 1, prop_shape
        constraints = {p for p, _ in shapes.predicate_objects(prop_shape)} - {RDF.type, SH.path, SH.message}
        assert constraints, f"{prop_shape} constrains nothing"
        assert isinstance(shapes.value(prop_shape, SH.path), URIRef), "paths are single outgoing predicates"
    assert not list(shapes.subjects(SH.sparql, None))


def test_every_statement_node_cites_a_source(ontology, data):
    sources = set(data.subjects(RDF.type, PROV.Entity))
    missing = []
    for cls in STATEMENT_CLASSES:
        subclasses = {cls} | {s for s in ontology.transitive_subjects(RDFS.subClassOf, cls)}
        for sub in subclasses:
            for node in data.subjects(RDF.type, sub):
                cited = set(data.objects(node, PROV.wasDerivedFrom))
                if not cited or not cited <= sources:
                    missing.append(node)
    assert sorted(set(missing)) == []


def test_seed_article_is_a_source(data):
    seed = URIRef(ID + "source/korea-herald-global-thinkers-2026-02-08")
    assert data.value(seed, DCTERMS.issued) == Literal("2026-02-08", datatype=XSD.date)
    assert str(data.value(seed, DCTERMS.title)) == "Global Thinkers: Leadership Excellence"


def test_every_minted_iri_has_a_type_and_an_english_label(data):
    minted = {t for triple in data for t in triple if isinstance(t, URIRef) and str(t).startswith(ID)}
    problems = [iri for iri in minted
                if data.value(iri, RDF.type) is None
                or not any(l.language == "en" for l in data.objects(iri, RDFS.label))]
    assert sorted(problems) == []


def test_blank_nodes_are_only_time_or_geometry(data):
    allowed = {TIME.Interval, TIME.Instant, GEO.Geometry}
    bnodes = {t for triple in data for t in (triple[0], triple[2]) if isinstance(t, BNode)}
    assert bnodes
    assert [b for b in bnodes if set(data.objects(b, RDF.type)) - allowed or not set(data.objects(b, RDF.type))] == []


def test_conflicts_are_recorded_both_ways(data):
    pairs = set(data.subject_objects(IG.conflictsWith))
    assert pairs
    assert all((b, a) in pairs for a, b in pairs)


def test_data_conforms_to_the_shapes(data, shapes, ontology):
    import pyshacl
    conforms, _, text = pyshacl.validate(data, shacl_graph=shapes, ont_graph=ontology,
                                         inference="none", advanced=False)
    assert conforms, text


def test_every_literal_survives_the_store_unchanged():
    """Oxigraph canonicalises some datatypes on storage (xsd:positiveInteger becomes xsd:integer).

    Data whose literals change in the store would pass validation from files but fail it when read
    back (incremental loads, remote stores), and exports would not match the source files.
    """
    import pyoxigraph as ox

    files = sorted((ROOT / "data").glob("*.ttl")) + [ROOT / "ontology" / "innograph.ttl"]
    for path in files:
        parsed = {q.object for q in ox.parse(path=str(path)) if isinstance(q.object, ox.Literal)}
        store = ox.Store()
        store.load(path=str(path))
        stored = {q.object for q in store if isinstance(q.object, ox.Literal)}
        assert stored == parsed, f"{path.name}: changed by the store: {sorted(map(str, parsed - stored))[:5]}"
