"""Validation semantics that the loaders rely on, pinned against pySHACL's own quirks."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import rdflib

from innograph.errors import ValidationFailed
from innograph.service.loading import check_change, load_validated
from innograph.store import OxigraphStore
from innograph.validation.shacl import validate

ID = "https://w3id.org/innograph/id/"
PREFIXES = """
@prefix org: <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@base <https://w3id.org/innograph/id/> .
"""
# A membership whose member is a source document: neither a place nor an organisation, which only
# the sh:or on org:member catches.
MEMBER_IS_A_SOURCE = PREFIXES + """
<membership/gini-source> a org:Membership ;
    rdfs:label "a source as a member"@en ;
    org:member <source/korea-herald-global-thinkers-2026-02-08> ;
    org:organization <alliance/gini> ; org:role <role/founding-member> ;
    org:memberDuring [ a time:Interval ; time:hasBeginning [ a time:Instant ;
        time:inXSDgYear "2025"^^xsd:gYear ] ] ;
    prov:wasDerivedFrom <source/korea-herald-global-thinkers-2026-02-08> .
"""


def test_focus_nodes_keep_sh_or_violations(shipped_store, tmp_path):
    """Regression: pySHACL's focus_nodes option drops violations found inside sh:or."""
    path = tmp_path / "extra.ttl"
    path.write_text(MEMBER_IS_A_SOURCE, encoding="utf-8")
    graph = rdflib.Graph().parse(path)
    for quad in shipped_store.quads_matching(subject=ox.NamedNode(ID + "source/korea-herald-global-thinkers-2026-02-08")):
        graph.add((rdflib.URIRef(quad.subject.value), rdflib.URIRef(quad.predicate.value),
                   rdflib.Literal(quad.object.value) if isinstance(quad.object, ox.Literal)
                   else rdflib.URIRef(quad.object.value)))
    membership = rdflib.URIRef(ID + "membership/gini-source")
    full = validate(graph)
    focused = validate(graph, focus_nodes=[membership])
    assert any(v.path == "org:member" for v in full.violations)
    assert [v for v in focused.violations if v.path == "org:member"] \
        == [v for v in full.violations if v.path == "org:member" and v.focus_node.endswith("gini-source>")]
    assert all("gini-source" in v.focus_node for v in focused.violations)


def test_incremental_load_catches_a_member_of_the_wrong_class(shipped_store, tmp_path):
    store = OxigraphStore(None)
    store.add(shipped_store.quads())
    before = sorted(map(str, store.quads()))
    path = tmp_path / "extra.ttl"
    path.write_text(MEMBER_IS_A_SOURCE, encoding="utf-8")
    with pytest.raises(ValidationFailed) as failure:
        load_validated(store, [path], with_ontology=False)
    assert any(v.path == "org:member" and "gini-source" in v.focus_node for v in failure.value.report.violations)
    assert sorted(map(str, store.quads())) == before


def test_incremental_report_names_only_the_touched_nodes(shipped_store):
    store = OxigraphStore(None)
    store.add(shipped_store.quads())
    graph = ox.NamedNode("https://w3id.org/innograph/graph/extra")
    quads = [ox.Quad(q.subject, q.predicate, q.object, graph)
             for q in ox.parse(MEMBER_IS_A_SOURCE.encode(), ox.RdfFormat.TURTLE)]
    report = check_change(store, replace={graph: quads})
    assert not report.conforms
    assert {v.focus_node for v in report.violations} == {f"<{ID}membership/gini-source>"}
