"""The Virtuoso dialect's rewrite of simple property paths (no server needed; the answers on a real
Virtuoso are compared with the embedded store's in tests/test_remote_virtuoso.py)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from innograph.rdf.sparql import inject_values
from innograph.store.dialects import GENERIC, OXIGRAPH, VIRTUOSO, rewrite_transitive_paths

P = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"


def test_a_path_whose_object_a_parameter_binds_is_walked_from_the_object():
    text = inject_values(P + "SELECT ?t WHERE { ?t skos:broader* ?group . ?i <urn:p> ?t }",
                         {ox.Variable("group"): ox.NamedNode("urn:g")})
    got = rewrite_transitive_paths(text)
    assert "skos:broader*" not in got
    assert ("{ SELECT DISTINCT ?t ?group WHERE { { SELECT ?t ?group WHERE { ?t skos:broader ?group } } "
            "OPTION (TRANSITIVE, T_IN(?t), T_OUT(?group), T_DISTINCT, T_MIN(0), T_DIRECTION 2) } } .") in got
    assert got.endswith("?i <urn:p> ?t }")


@pytest.mark.parametrize("path, bounds", [("+", "T_MIN(1)"), ("?", "T_MIN(0), T_MAX(1)")])
def test_one_or_more_and_zero_or_one_keep_their_bounds_and_a_bound_subject_starts_the_walk(path, bounds):
    text = P + "SELECT ?a WHERE { VALUES ?s { <urn:s> } ?s skos:broader" + path + " ?a }"
    assert f"T_IN(?s), T_OUT(?a), T_DISTINCT, {bounds}, T_DIRECTION 1)" in rewrite_transitive_paths(text)


def test_without_a_bound_end_virtuoso_chooses_and_no_outer_subquery_hides_the_joins():
    got = rewrite_transitive_paths("SELECT * WHERE { ?i <urn:about> ?x . ?x <urn:b>* ?y }")
    assert got == ("SELECT * WHERE { ?i <urn:about> ?x . { SELECT ?x ?y WHERE { ?x <urn:b> ?y } } "
                   "OPTION (TRANSITIVE, T_IN(?x), T_OUT(?y), T_DISTINCT, T_MIN(0)) }")


@pytest.mark.parametrize("text, start, direction", [
    ("SELECT * WHERE { ?x <urn:b>* <urn:top> . ?i <urn:a> ?x }", "T_IN(?x), T_OUT(?innograph_path_end_0)", 2),
    ("PREFIX e: <urn:> SELECT * WHERE { e:a e:b+ ?y }", "T_IN(?innograph_path_end_0), T_OUT(?y)", 1),
])
def test_a_constant_end_is_a_hidden_variable_of_the_subquery_fixed_by_a_filter(text, start, direction):
    got = rewrite_transitive_paths(text)
    assert f"{start}, T_DISTINCT" in got and f"T_DIRECTION {direction}) FILTER(?innograph_path_end_0 = " in got
    # projected by the outer DISTINCT only: SELECT * of the query never shows it
    assert got.count("SELECT DISTINCT ?x WHERE" if direction == 2 else "SELECT DISTINCT ?y WHERE") == 1


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { <urn:a> <urn:b>* <urn:top> }",             # two constant ends
    'SELECT * WHERE { ?x <urn:b>* "literal" }',
    "SELECT * WHERE { ?x <urn:a>/<urn:b>* ?y }",                  # a longer path
    "SELECT * WHERE { ?x (<urn:a>|<urn:b>)* ?y }",
    "SELECT * WHERE { GRAPH ?g { ?x <urn:b>* ?y } }",             # per graph: sent as written
    "SELECT * WHERE { ?x <urn:a> ?z ; <urn:b>* ?y }",             # a ; list
    "SELECT * WHERE { ?x <urn:b>* ?y , ?z }",
    "SELECT * WHERE { ?x <urn:b>* ?x }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o } # ?x <urn:b>* ?y .",
    'SELECT * WHERE { ?s <urn:p> "?x <urn:b>* ?y ." }',
    "SELECT * WHERE { VALUES ?y { UNDEF } ?x <urn:b>* ?y }",     # UNDEF binds nothing: no direction
])
def test_other_shapes_are_sent_as_written_or_without_a_direction(text):
    got = rewrite_transitive_paths(text)
    assert got == text or ("T_DIRECTION" not in got and "UNDEF" in text)


def test_a_value_bound_in_another_group_does_not_choose_the_direction():
    text = "SELECT * WHERE { { VALUES ?y { <urn:y> } ?y <urn:p> ?z } UNION { ?x <urn:b>* ?y } }"
    assert "T_DIRECTION" not in rewrite_transitive_paths(text)


def test_only_the_virtuoso_dialect_rewrites():
    text = "SELECT * WHERE { ?i <urn:about> ?x . ?x <urn:b>* ?y }"
    assert GENERIC.rewrite_query(text) == OXIGRAPH.rewrite_query(text) == text != VIRTUOSO.rewrite_query(text)


WKT = "http://www.opengis.net/ont/geosparql#wktLiteral"
STAND_IN = dict(VIRTUOSO.stand_ins)[WKT]


def test_geo_wkt_literal_is_renamed_in_query_text_wherever_it_is_an_iri():
    text = ('PREFIX geo: <http://www.opengis.net/ont/geosparql#>\n'
            'SELECT * WHERE { ?s ?p "POINT(1 2)"^^geo:wktLiteral ; ?q "x"^^<' + WKT + '> . '
            'FILTER(DATATYPE(?o) = geo:wktLiteral) ?s <urn:note> "geo:wktLiteral <' + WKT + '>" } # geo:wktLiteral')
    got = VIRTUOSO.text_to_server(text)
    assert got.count(f"<{STAND_IN}>") == 3
    assert '"geo:wktLiteral <' + WKT + '>"' in got and got.endswith("# geo:wktLiteral")
    assert "PREFIX geo: <http://www.opengis.net/ont/geosparql#>" in got


def test_an_undeclared_or_other_geo_prefix_is_not_geosparql():
    # Virtuoso predefines geo: as the W3C WGS84 vocabulary; only a declared prefix is resolved.
    for text in ['SELECT * WHERE { ?s ?p "POINT(1 2)"^^geo:wktLiteral }',
                 'PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#> SELECT * WHERE { ?s geo:wktLiteral ?o }']:
        assert VIRTUOSO.text_to_server(text) == text
    assert GENERIC.text_to_server("SELECT * WHERE { ?s ?p <" + WKT + "> }").count(WKT) == 1


def test_answers_get_the_original_iri_back_only_where_json_puts_an_iri():
    body = ('{ "head": { "vars": ["w", "d", "t"] }, "results": { "bindings": [ { '
            '"w": { "type": "typed-literal", "datatype": "' + STAND_IN + '", "value": "POINT(1 2)" }, '
            '"d": { "type": "uri", "value": "' + STAND_IN + '" }, '
            '"t": { "type": "literal", "value": "' + STAND_IN + '" } } ] } }').encode()
    row = next(iter(ox.parse_query_results(VIRTUOSO.fix_results(body), ox.QueryResultsFormat.JSON)))
    assert row["w"] == ox.Literal("POINT(1 2)", datatype=ox.NamedNode(WKT))
    assert row["d"] == ox.NamedNode(WKT)
    assert row["t"] == ox.Literal(STAND_IN)


def test_written_quads_and_graph_store_reads_map_both_ways():
    quad = ox.Quad(ox.NamedNode(WKT), ox.NamedNode("urn:p"), ox.Literal("POINT(1 2)", datatype=ox.NamedNode(WKT)),
                   ox.NamedNode("urn:g"))
    sent = VIRTUOSO.quad_to_server(quad)
    assert sent.subject == ox.NamedNode(STAND_IN) and sent.object.datatype == ox.NamedNode(STAND_IN)
    body = f"{sent.subject} {sent.predicate} {sent.object} .\n".encode()
    assert VIRTUOSO.triple_line(quad) == body.decode() and OXIGRAPH.triple_line(quad).count(WKT) == 2
    assert VIRTUOSO.quads_from_server([sent], body) == [quad]
    plain = ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("x"), ox.NamedNode("urn:g"))
    assert VIRTUOSO.quad_to_server(plain) is plain and OXIGRAPH.quad_to_server(quad) is quad
