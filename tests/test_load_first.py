"""A first load (into an empty embedded store) takes its own road: bulk-loaded into a scratch store,
validated there, dumped once; the dump is what the store bulk-loads and what the version is computed
from (service/loading.py ``_load_into_empty``). It must end exactly where the general road ends."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from innograph.errors import RdfSyntaxError, StoreError, ValidationFailed
from innograph.namespaces import ONTOLOGY_GRAPH, graph_iri
from innograph.service.loading import check_change, commit, load_validated, ontology_graph_quads, parse_sources
from innograph.store import OxigraphStore
from innograph.versions import log_for, store_state
from innograph.versions.log import encoded_lines_sum, lines_sum, nquads_lines, quad_line

ROOT = Path(__file__).resolve().parents[1]
PROLOGUE = """@base <https://w3id.org/innograph/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix schema: <https://schema.org/> .
"""
# Blank nodes, a literal the store keeps in canonical form, escapes and non-ASCII text.
TRICKY_NQ = """<http://example.org/a> <http://example.org/p> "82.50"^^<http://www.w3.org/2001/XMLSchema#decimal> .
<http://example.org/a> <http://example.org/p> _:x <http://example.org/g> .
_:x <http://example.org/q> "tab\\t \\"quoted\\" new\\nline 한국 é"@ko-KR <http://example.org/g> .
<http://example.org/a> <http://example.org/r> "_: inside a literal" .
"""


def _general_road(store, paths: list[Path]):
    """What ``load_validated`` does into a store that already holds data (parse, check, commit)."""
    graphs, _files = parse_sources(paths)
    graphs.update(ontology_graph_quads())
    report = check_change(store, replace=graphs)
    if report.conforms:
        commit(store, graphs)
    return report


def _without_blank_labels(store) -> set[str]:
    return {quad_line(q) for q in store.quads() if "_:" not in quad_line(q)}


def _report_lines(report) -> list[str]:
    return sorted(v.to_text() for v in report.violations)


def test_encoded_lines_give_the_same_content_sum_as_quads():
    store = ox.Store()
    store.load(TRICKY_NQ.encode(), ox.RdfFormat.N_QUADS)
    lines = nquads_lines(store.dump(format=ox.RdfFormat.N_QUADS))
    assert sorted(line.decode() for line in lines) == sorted(quad_line(q) for q in store)
    assert encoded_lines_sum(lines) == lines_sum(quad_line(q) for q in store)


def test_a_first_load_records_the_version_of_what_the_store_holds(tmp_path):
    source = tmp_path / "tricky.nq"
    source.write_text(TRICKY_NQ, encoding="utf-8")
    store = OxigraphStore(tmp_path / "store")
    result = load_validated(store, [source])
    assert result.committed
    head = log_for(store).head
    # The version's content sum is that of the quads the store really holds (blank node labels
    # and canonical literals included), and replaying its patch gives them back.
    assert int(head.state, 16) == store_state(store)
    assert log_for(store).state_lines(head) == {quad_line(q) for q in store.quads()}
    assert head.added == {"http://example.org/g": 2, graph_iri("tricky"): 2, ONTOLOGY_GRAPH: head.added[ONTOLOGY_GRAPH]}
    assert head.quads == sum(head.added.values()) == len(list(store.quads()))
    assert '"82.5"^^<http://www.w3.org/2001/XMLSchema#decimal>' in log_for(store).patch(head)
    store.close()


def test_a_first_load_ends_where_the_general_road_ends(tmp_path):
    fast, general = OxigraphStore(tmp_path / "fast"), OxigraphStore(tmp_path / "general")
    paths = [ROOT / "data"]
    result = load_validated(fast, paths)
    report = _general_road(general, paths)
    assert _report_lines(result.report) == _report_lines(report)
    assert _without_blank_labels(fast) == _without_blank_labels(general)
    assert len(list(fast.quads())) == len(list(general.quads()))
    assert log_for(fast).head.added == log_for(general).head.added
    assert int(log_for(fast).head.state, 16) == store_state(fast)


def test_a_rejected_first_load_reports_what_the_general_road_reports_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.ttl"
    # A city with a latitude out of range and no label, and a triple stated in two graphs.
    bad.write_text(PROLOGUE + '<city/zz> a schema:City ; schema:latitude "100.5"^^xsd:decimal .\n'
                   '<city/daejeon> rdfs:label "Daejeon"@en .\n', encoding="utf-8")
    paths = [ROOT / "data" / "places.ttl", bad]
    fast, general = OxigraphStore(tmp_path / "fast"), OxigraphStore(tmp_path / "general")
    with pytest.raises(ValidationFailed) as refused:
        load_validated(fast, paths)
    report = _general_road(general, paths)
    assert not report.conforms
    assert _report_lines(refused.value.report) == _report_lines(report)
    assert any(v.severity == "Warning" and "two graphs" in v.message for v in report.violations)
    assert list(fast.quads()) == [] and log_for(fast).head is None


def test_a_syntax_error_in_a_later_file_names_it_and_writes_nothing(tmp_path):
    broken = tmp_path / "broken.ttl"
    broken.write_text(PROLOGUE + '<city/a> rdfs:label "A"@en .\n<city/b> rdfs:label "B" "C" .\n', encoding="utf-8")
    store = OxigraphStore(tmp_path / "store")
    with pytest.raises(RdfSyntaxError) as failed:
        load_validated(store, [ROOT / "data" / "places.ttl", broken])
    assert str(failed.value) == f'{broken}:6:25: "C" is not a valid subject or graph name'
    assert list(store.quads()) == [] and log_for(store).head is None


def test_loading_into_a_store_that_is_not_empty_is_refused(tmp_path):
    store = OxigraphStore(tmp_path / "store")
    store.add([ox.Quad(ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/p"),
                       ox.Literal("1"), ox.NamedNode("http://example.org/g"))])
    with pytest.raises(StoreError, match="not empty"):
        store.load_into_empty(b"<http://example.org/b> <http://example.org/p> \"2\" .\n")
    assert len(list(store.quads())) == 1


# -- the screen: a first load judges only the nodes the screen names (validation/screen.py) ---------

OBSERVATION = """<observation/{name}> a <http://purl.org/linked-data/cube#Observation> {extra_types};
    rdfs:label {label} ; <http://purl.org/linked-data/cube#dataSet> {dataset} ;
    <http://purl.org/linked-data/sdmx/2009/dimension#refArea> {area} ;
    <http://purl.org/linked-data/sdmx/2009/dimension#refPeriod> {period} ;
    {indicator}
    <http://purl.org/linked-data/sdmx/2009/measure#obsValue> {value} ;
    <http://purl.org/linked-data/sdmx/2009/attribute#unitMeasure> {unit} ;
    <https://w3id.org/innograph/ontology#valueQualifier> <https://w3id.org/innograph/ontology#Exact> ;
    prov:wasDerivedFrom {source} .
"""
FINE = {"extra_types": "", "label": '"fine"@en', "dataset": "<dataset/synth-city-indicators>",
        "area": "<city/synth-000001>", "period": '"2020"^^xsd:gYear',
        "indicator": "<https://w3id.org/innograph/ontology#indicator> <concept/synth-indicator-companies> ;",
        "value": "12", "unit": "<http://qudt.org/vocab/unit/NUM>", "source": "<source/synth-report-0>"}
# One observation per kind of constraint the shapes use, each breaking it once.
BROKEN = {
    "interval-without-beginning": {},                                          # a blank focus node
    "value-a-string": {"value": '"12"'},                                         # sh:or of datatypes
    "value-ill-typed": {"value": '"1x2"^^xsd:integer'},                         # ill-typed literal
    "period-too-early": {"period": '"1850"^^xsd:gYear'},                        # sh:pattern
    "period-no-such-day": {"period": '"2020-02-30"^^xsd:date'},                 # ill-typed date
    "unit-not-listed": {"unit": "<http://qudt.org/vocab/unit/M>"},              # sh:in
    "two-datasets": {"dataset": "<dataset/synth-city-indicators> , <dataset/other>"},   # sh:maxCount
    "no-indicator": {"indicator": ""},                                          # sh:minCount
    "label-in-japanese": {"label": '"観測"@ja'},                                 # languageIn, qualified
    "two-english-labels": {"label": '"one"@en , "two"@en'},                     # sh:uniqueLang
    "area-a-literal": {"area": '"Daejeon"'},                                    # sh:class
    "source-a-literal": {"source": '"a report"'},                               # sh:nodeKind
    "share-over-100-in-num": {"extra_types": ", <https://w3id.org/innograph/ontology#ShareObservation> ",
                              "value": "140.5", "label": '"share"@en ; '
                              "<https://w3id.org/innograph/ontology#populationGroup> "
                              "<concept/synth-population-group-foreign-researchers>"},  # range, hasValue
    "escaped-label": {"label": '"tab\\t and \\"quotes\\""@en'},
}


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    from innograph.ingest import synth
    folder = tmp_path_factory.mktemp("screen")
    synth.write(folder / "synth.nt", cities=4, seed=7)
    return folder


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_the_screened_first_load_reports_what_a_full_validation_reports(synthetic, tmp_path, monkeypatch, case):
    planted = tmp_path / "planted.ttl"
    planted.write_text(PROLOGUE + "@prefix prov: <http://www.w3.org/ns/prov#> .\n"
                       + OBSERVATION.format(name=case, **{**FINE, **BROKEN[case]})
                       # a blank node focus too: an interval with no beginning
                       + ("<membership/x> <http://www.w3.org/ns/org#memberDuring> [ a "
                          "<http://www.w3.org/2006/time#Interval> ] .\n" if case == "interval-without-beginning" else ""),
                       encoding="utf-8")
    paths = [synthetic / "synth.nt", planted]

    def first_load(validator: str):
        monkeypatch.setenv("INNOGRAPH_VALIDATOR", validator)
        store = OxigraphStore(None)
        try:
            return load_validated(store, paths, dry_run=True).report
        except ValidationFailed as refused:
            return refused.value.report if hasattr(refused, "value") else refused.report
        finally:
            store.close()

    screened, full = first_load("auto"), first_load("turbo")
    def key(report):   # blank node labels are fresh in each load
        return sorted(tuple(re.sub(r"_:[0-9a-f]+", "_:b", field or "") for field in
                            (v.focus_node, v.path, v.value, v.message, v.severity, v.constraint))
                      for v in report.violations)
    assert key(screened) == key(full)
    assert screened.conforms == full.conforms
    assert bool(full.violations) == (case not in ("escaped-label",))


def test_the_screen_models_the_shipped_shapes():
    from innograph.validation.screen import compile_screen
    from innograph.validation.shacl import shapes_graph
    screen = compile_screen(shapes_graph())
    assert screen is not None and len(screen.checks) > 200


def test_a_first_load_refuses_triple_terms(tmp_path):
    from innograph.errors import UsageError
    star = tmp_path / "star.ttl"
    star.write_text('<http://example.org/a> <http://example.org/p> << <http://example.org/s> '
                    '<http://example.org/p> <http://example.org/o> >> .\n', encoding="utf-8")
    store = OxigraphStore(tmp_path / "store")
    with pytest.raises(UsageError, match="triple terms"):
        load_validated(store, [star])
    assert list(store.quads()) == []
