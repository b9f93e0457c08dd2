"""Loading with validation on every backend: all or nothing, and incremental checks that agree with
full validation, including changes whose fault only shows against data already in the store."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from innograph.ingest import synth
from innograph.errors import RdfSyntaxError, ValidationFailed
from innograph.rdf.formats import rdf_format
from innograph.service.loading import check_change, load_validated, ontology_graph_quads, parse_sources
from innograph.namespaces import graph_iri
from innograph.store import OxigraphStore
from innograph.validation.shacl import graph_from_quads, validate

PROLOGUE = """@base <https://w3id.org/innograph/id/> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov:    <http://www.w3.org/ns/prov#> .
@prefix org:     <http://www.w3.org/ns/org#> .
@prefix time:    <http://www.w3.org/2006/time#> .
@prefix schema:  <https://schema.org/> .
@prefix ig:      <https://w3id.org/innograph/ontology#> .
"""

PLACES = PROLOGUE + """
<organization/test-publisher> a org:FormalOrganization , schema:Corporation ;
    rdfs:label "Test Publisher"@en ; prov:wasDerivedFrom <source/test-report> .
<source/test-report> a prov:Entity , schema:NewsArticle ;
    rdfs:label "A test report"@en ; dcterms:publisher <organization/test-publisher> ;
    dcterms:issued "2026-02-08"^^xsd:date .
<country/testland> a schema:Country ; rdfs:label "Testland"@en , "테스트랜드"@ko ; schema:identifier "TL" ;
    prov:wasDerivedFrom <source/test-report> .
<city/alpha> a schema:City ; rdfs:label "Alpha"@en ;
    ig:country <country/testland> ; schema:containedInPlace <country/testland> ;
    schema:latitude "36.35"^^xsd:decimal ; schema:longitude "127.38"^^xsd:decimal ;
    prov:wasDerivedFrom <source/test-report> .
<city/beta> a schema:City ; rdfs:label "Beta"@en , "베타"@ko ;
    ig:country <country/testland> ; schema:containedInPlace <country/testland> ;
    prov:wasDerivedFrom <source/test-report> .
<role/test-founding-member> a org:Role ; rdfs:label "founding member"@en .
"""

ALLIANCES = PROLOGUE + """
<alliance/test> a ig:CityAlliance ; rdfs:label "Test alliance"@en ;
    schema:founder <city/alpha> ; schema:foundingDate "2024"^^xsd:gYear ; ig:basedIn <city/alpha> ;
    prov:wasDerivedFrom <source/test-report> .
<membership/test-alpha> a org:Membership ; rdfs:label "Alpha in the test alliance"@en ;
    org:member <city/alpha> ; org:organization <alliance/test> ; org:role <role/test-founding-member> ;
    org:memberDuring [ a time:Interval ; time:hasBeginning [ a time:Instant ; time:inXSDgYear "2024"^^xsd:gYear ] ] ;
    prov:wasDerivedFrom <source/test-report> .
<membership/test-beta> a org:Membership ; rdfs:label "Beta in the test alliance"@en ;
    org:member <city/beta> ; org:organization <alliance/test> ; org:role <role/test-founding-member> ;
    org:memberDuring [ a time:Interval ; time:hasBeginning [ a time:Instant ; time:inXSDgYear "2024"^^xsd:gYear ] ] ;
    prov:wasDerivedFrom <source/test-report> .
"""

# A new membership whose "organization" is an existing city: only the store knows alpha is a City.
WRONG_CLASS = PROLOGUE + """
<membership/test-beta-in-alpha> a org:Membership ; rdfs:label "Beta in Alpha (wrong)"@en ;
    org:member <city/beta> ; org:organization <city/alpha> ; org:role <role/test-founding-member> ;
    org:memberDuring [ a time:Interval ; time:hasBeginning [ a time:Instant ; time:inXSDgYear "2025"^^xsd:gYear ] ] ;
    prov:wasDerivedFrom <source/test-report> .
"""

# The same places without Beta: the memberships in the alliances graph would point at nothing.
PLACES_WITHOUT_BETA = PLACES.split("<city/beta>")[0] + "<role/test-founding-member> a org:Role ; " \
    "rdfs:label \"founding member\"@en .\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / "in" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def nquads(store) -> bytes:
    return b"\n".join(sorted(store.dump(rdf_format("nq")).splitlines()))


def verdict(report) -> set:
    return {(v.focus_node, v.path, v.message) for v in report.violations if v.severity == "Violation"}


def full_verdict(store, graphs) -> set:
    """Validate everything the store would hold after replacing ``graphs``: the reference answer."""
    kept = [q for q in store.quads() if q.graph_name not in graphs]
    return verdict(validate(graph_from_quads(kept + [q for quads in graphs.values() for q in quads])))


@pytest.fixture
def loaded(make_store, tmp_path):
    store = make_store()
    load_validated(store, [write(tmp_path, "places.ttl", PLACES), write(tmp_path, "alliances.ttl", ALLIANCES)])
    return store


def test_a_valid_load_fills_one_graph_per_file_and_the_ontology(loaded):
    names = {g.value for g in loaded.graph_names()}
    assert {graph_iri("places"), graph_iri("alliances"), graph_iri("ontology")} <= names
    members = loaded.query("""PREFIX org: <http://www.w3.org/ns/org#>
        SELECT ?city WHERE { ?m org:organization <https://w3id.org/innograph/id/alliance/test> ;
                                org:member ?city } ORDER BY ?city""")
    assert [row["city"].value.rsplit("/", 1)[-1] for row in members] == ["alpha", "beta"]
    assert loaded.count(ox.NamedNode(graph_iri("alliances"))) == 28


def test_a_syntax_error_names_file_line_column_and_changes_nothing(loaded, tmp_path):
    before = nquads(loaded)
    bad = write(tmp_path, "broken.ttl", PROLOGUE + "<city/gamma> a schema:City ;\n    rdfs:label \"Gamma\"@en \n<x> .\n")
    with pytest.raises(RdfSyntaxError) as caught:
        load_validated(loaded, [write(tmp_path, "places.ttl", PLACES), bad])
    assert f"{bad}:12:1:" in str(caught.value)
    assert (caught.value.line, caught.value.column) == (12, 1)
    assert nquads(loaded) == before


def test_a_shacl_violation_names_focus_and_path_and_changes_nothing(loaded, tmp_path):
    before = nquads(loaded)
    broken = ALLIANCES.replace('schema:foundingDate "2024"^^xsd:gYear ;', "")
    with pytest.raises(ValidationFailed) as caught:
        load_validated(loaded, [write(tmp_path, "alliances.ttl", broken)])
    violations = caught.value.report.violations
    assert [(v.focus_node, v.path) for v in violations] == [("<https://w3id.org/innograph/id/alliance/test>",
                                                             "schema:foundingDate")]
    assert "alliance/test" in str(caught.value) and "schema:foundingDate" in str(caught.value)
    assert nquads(loaded) == before


def test_a_new_node_pointing_at_an_existing_node_of_the_wrong_class(loaded, tmp_path):
    graphs, _ = parse_sources([write(tmp_path, "extra.ttl", WRONG_CLASS)])
    incremental = verdict(check_change(loaded, replace=graphs))
    assert incremental == full_verdict(loaded, graphs)
    assert {(focus, path) for focus, path, _ in incremental} == \
        {("<https://w3id.org/innograph/id/membership/test-beta-in-alpha>", "org:organization")}
    before = nquads(loaded)
    with pytest.raises(ValidationFailed):
        load_validated(loaded, [tmp_path / "in" / "extra.ttl"])
    assert nquads(loaded) == before


def test_replacing_a_graph_that_removes_a_node_others_reference(loaded, tmp_path):
    graphs, _ = parse_sources([write(tmp_path, "places.ttl", PLACES_WITHOUT_BETA)])
    graphs.update(ontology_graph_quads())
    incremental = verdict(check_change(loaded, replace=graphs))
    assert incremental == full_verdict(loaded, graphs)
    assert {(focus, path) for focus, path, _ in incremental} == \
        {("<https://w3id.org/innograph/id/membership/test-beta>", "org:member")}


def test_a_valid_change_is_valid_both_ways(loaded, tmp_path):
    graphs, _ = parse_sources([write(tmp_path, "places.ttl", PLACES.replace('"Alpha"@en', '"Alpha City"@en'))])
    assert verdict(check_change(loaded, replace=graphs)) == full_verdict(loaded, graphs) == set()
    load_validated(loaded, [tmp_path / "in" / "places.ttl"])
    assert bool(loaded.query('ASK { ?c <http://www.w3.org/2000/01/rdf-schema#label> "Alpha City"@en }'))


def test_a_triple_stated_in_a_second_graph_is_loaded_with_a_warning(loaded, tmp_path):
    # Oxigraph's union default graph would return it twice; the data is valid, so it is a warning.
    restated = PROLOGUE + '<city/alpha> rdfs:label "Alpha"@en .\n'
    result = load_validated(loaded, [write(tmp_path, "extra.ttl", restated)])
    assert result.committed and result.report.conforms
    warnings = [(v.severity, v.focus_node, v.path, v.value) for v in result.report.violations]
    assert warnings == [("Warning", "<https://w3id.org/innograph/id/city/alpha>", "rdfs:label", '"Alpha"@en')]
    message = result.report.violations[0].message
    assert f"<{graph_iri('places')}>" in message and f"<{graph_iri('extra')}>" in message


def test_two_files_of_one_load_stating_the_same_triple_get_a_warning(make_store, tmp_path):
    result = load_validated(make_store(), [write(tmp_path, "places.ttl", PLACES),
                                           write(tmp_path, "more.ttl", PROLOGUE + '<city/beta> rdfs:label "Beta"@en .')])
    assert [(v.severity, v.focus_node) for v in result.report.violations] == \
        [("Warning", "<https://w3id.org/innograph/id/city/beta>")]


def test_the_shipped_data_states_each_triple_in_one_graph(tmp_path):
    data = Path(__file__).resolve().parents[1] / "data"
    assert load_validated(OxigraphStore(None), [data]).report.violations == []


# -- synthetic data with planted violations (one backend: the point is the validator, not I/O) ----

SYN = "https://w3id.org/innograph/id/"
PLANTED = {
    # share above 100 on a new observation of an existing city
    "share-over-100": """<observation/planted> a <http://purl.org/linked-data/cube#Observation> ,
        <https://w3id.org/innograph/ontology#ShareObservation> ;
        rdfs:label "planted"@en ; <http://purl.org/linked-data/cube#dataSet> <dataset/synth-city-indicators> ;
        <http://purl.org/linked-data/sdmx/2009/dimension#refArea> <city/synth-000001> ;
        <http://purl.org/linked-data/sdmx/2009/dimension#refPeriod> "2020"^^xsd:gYear ;
        <https://w3id.org/innograph/ontology#indicator> <concept/synth-indicator-foreign-resident-share> ;
        <http://purl.org/linked-data/sdmx/2009/measure#obsValue> 140.5 ;
        <http://purl.org/linked-data/sdmx/2009/attribute#unitMeasure> <http://qudt.org/vocab/unit/PERCENT> ;
        <https://w3id.org/innograph/ontology#valueQualifier> <https://w3id.org/innograph/ontology#Exact> ;
        prov:wasDerivedFrom <source/synth-report-0> .""",
    # an observation whose area is an existing institution (not a place): needs the store's types
    "area-not-a-place": """<observation/planted> a <http://purl.org/linked-data/cube#Observation> ;
        rdfs:label "planted"@en ; <http://purl.org/linked-data/cube#dataSet> <dataset/synth-city-indicators> ;
        <http://purl.org/linked-data/sdmx/2009/dimension#refArea> <source/synth-report-1> ;
        <http://purl.org/linked-data/sdmx/2009/dimension#refPeriod> "2020"^^xsd:gYear ;
        <https://w3id.org/innograph/ontology#indicator> <concept/synth-indicator-companies> ;
        <http://purl.org/linked-data/sdmx/2009/measure#obsValue> 12 ;
        <http://purl.org/linked-data/sdmx/2009/attribute#unitMeasure> <http://qudt.org/vocab/unit/NUM> ;
        <https://w3id.org/innograph/ontology#valueQualifier> <https://w3id.org/innograph/ontology#Exact> ;
        prov:wasDerivedFrom <source/synth-report-0> .""",
    # a second country for an existing institution (maxCount 1 across the old and the new data)
    "second-country": "<organization/synth-000002-company-0> ig:country <country/synth-de> .",
    # a new, valid agreement between existing cities
    "valid": """<agreement/planted> a ig:MemorandumOfUnderstanding ; rdfs:label "planted"@en ;
        ig:party <city/synth-000001> , <city/synth-000002> ; dcterms:date "2025-01-02"^^xsd:date ;
        prov:wasDerivedFrom <source/synth-report-0> .""",
}


@pytest.fixture(scope="module")
def synth_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("synth") / "synth.nt"
    synth.write(path, cities=4, seed=7)
    store = OxigraphStore(None)
    load_validated(store, [path])
    written, _ = parse_sources([path])
    yield store, [q for quads in {**written, **ontology_graph_quads()}.values() for q in quads]
    store.close()


@pytest.mark.parametrize("case", sorted(PLANTED))
def test_incremental_and_full_validation_agree_on_synthetic_data(synth_store, tmp_path, case):
    store, written = synth_store
    graphs, _ = parse_sources([write(tmp_path, f"planted-{case}.ttl", PROLOGUE + PLANTED[case])])
    incremental = verdict(check_change(store, replace=graphs))
    # The reference validates the data as written (the store drops integer subtypes, see below).
    everything = written + [q for quads in graphs.values() for q in quads]
    assert incremental == verdict(validate(graph_from_quads(everything)))
    assert bool(incremental) == (case != "valid")


@pytest.mark.parametrize("case", ["share-over-100", "valid"])
def test_a_load_bringing_the_unchanged_ontology_judges_only_what_changed(synth_store, tmp_path, case):
    # Every load replaces the ontology graph with itself. Counted as a change, it put every typed
    # node of the store in focus (they all point at an ontology class): minutes at 1M triples.
    store, written = synth_store
    graphs, _ = parse_sources([write(tmp_path, f"planted-{case}.ttl", PROLOGUE + PLANTED[case])])
    alone = check_change(store, replace=graphs)
    graphs.update(ontology_graph_quads())
    with_ontology = check_change(store, replace=graphs)
    assert with_ontology.focus_count == alone.focus_count <= 3
    assert verdict(with_ontology) == verdict(alone)
    assert bool(verdict(with_ontology)) == (case != "valid")


def test_reloading_one_file_beside_stored_ranking_results(tmp_path):
    # Regression: ranks were xsd:positiveInteger, which Oxigraph stores as xsd:integer, so data read
    # back from the store failed the rank shape once a second load validated against it.
    data = Path(__file__).resolve().parents[1] / "data"
    store = OxigraphStore(None)
    load_validated(store, [data])
    load_validated(store, [data / "places.ttl"])


def test_blank_nodes_of_the_change_are_validated_too(loaded, tmp_path):
    # The interval of the new membership has no beginning: only the blank node's own shape says so.
    broken = WRONG_CLASS.replace("org:organization <city/alpha>", "org:organization <alliance/test>") \
        .replace('[ a time:Instant ; time:inXSDgYear "2025"^^xsd:gYear ]', '[ a time:Instant ]') \
        .replace("time:hasBeginning", "time:hasEnd")
    graphs, _ = parse_sources([write(tmp_path, "extra.ttl", broken)])
    incremental = verdict(check_change(loaded, replace=graphs))
    assert incremental == full_verdict(loaded, graphs)
    assert [(focus.startswith("_:"), path) for focus, path, _ in incremental] == [(True, "time:hasBeginning")]


def test_synth_is_deterministic_and_valid_turtle(tmp_path):
    first, second, other = tmp_path / "a.ttl", tmp_path / "b.ttl", tmp_path / "c.nt"
    count = synth.write(first, cities=3, seed=11)
    assert synth.write(second, cities=3, seed=11) == count
    assert first.read_bytes() == second.read_bytes()
    synth.write(other, cities=3, seed=12)
    assert other.read_bytes() != first.read_bytes()
    assert sum(1 for _ in ox.parse(path=str(first), format=ox.RdfFormat.TURTLE)) == count


def test_synth_beside_shipped_states_no_triple_the_shipped_data_states(tmp_path):
    # Oxigraph's union default graph returns a triple once per graph holding it: synthetic data
    # repeating the shipped roles doubled every membership row of the named queries.
    data = Path(__file__).resolve().parents[1] / "data"
    path = tmp_path / "synth.nt"
    synth.write(path, cities=5, seed=3, beside_shipped=True)
    store = OxigraphStore(None)
    load_validated(store, [data, path])
    twice = list(store.query("SELECT ?s ?p ?o WHERE { GRAPH ?a { ?s ?p ?o } GRAPH ?b { ?s ?p ?o } "
                             "FILTER(STR(?a) < STR(?b)) }"))
    assert twice == []
    members = "PREFIX org: <http://www.w3.org/ns/org#> SELECT ?m ?l WHERE { ?m org:role ?r . ?r rdfs:label ?l }"
    rows = [tuple(r) for r in store.query("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> " + members)]
    assert rows and len(rows) == len(set(rows))
    # Without the flag the file stands alone (it passes the shapes in an empty store).
    alone = tmp_path / "alone.nt"
    synth.write(alone, cities=5, seed=3)
    load_validated(OxigraphStore(None), [alone])


def test_pyshacl_and_turbo_give_identical_reports(synth_store, tmp_path):
    pytest.importorskip("pyshacl_turbo")
    _, written = synth_store
    planted = [q for case in ("share-over-100", "area-not-a-place", "second-country")
               for quads in parse_sources([write(tmp_path, f"{case}.ttl", PROLOGUE + PLANTED[case]
                                                 .replace("<observation/planted>", f"<observation/planted-{case}>"))])[0].values()
               for q in quads]
    graph = graph_from_quads(written + planted)
    reports = {engine: validate(graph, engine=engine) for engine in ("pyshacl", "turbo")}
    keys = {engine: {(v.focus_node, v.path, v.value, v.message, v.severity, v.constraint) for v in r.violations}
            for engine, r in reports.items()}
    assert keys["pyshacl"] == keys["turbo"]
    assert len(keys["turbo"]) >= 3


def test_synth_at_scale_keeps_country_codes_two_letters(tmp_path):
    # Regression: beyond the 20 real countries (from ~270 cities on) codes were "Q20"..., which the
    # country shape refuses; a 1M-triple file had 40 violations of its own.
    import re
    path = tmp_path / "big.nt"
    synth.write(path, cities=1000, seed=1)
    codes = re.findall(r'/country/synth-\w+> <https://schema.org/identifier> "([^"]*)"', path.read_text())
    assert len(codes) == 60 and len(set(codes)) == 60
    assert all(re.fullmatch(r"[A-Z]{2}", code) for code in codes)
