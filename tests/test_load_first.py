"""A first load (into an empty embedded store) takes its own road: bulk-loaded into a scratch store,
validated there, dumped once; the dump is what the store bulk-loads and what the version is computed
from (service/loading.py ``_load_into_empty``). It must end exactly where the general road ends."""

from __future__ import annotations

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
