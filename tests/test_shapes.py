"""Mutation tests for the SHACL shapes: for every constraint of every property shape in
ontology/shapes.ttl, take a valid node from the shipped data, break exactly that constraint,
and check that pySHACL reports it on that node and path with the constraint's own message.

The cases are derived from shapes.ttl itself, so a new shape, or a constraint kind this module
does not know how to break, makes a test fail instead of going untested."""

from __future__ import annotations

import re
from pathlib import Path

import pyshacl
import pytest
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD

ROOT = Path(__file__).resolve().parents[1]
EX = rdflib.Namespace("urn:example:")
FOCUS = EX["focus"]
ID = "https://w3id.org/innograph/id/"
PROV_DERIVED = URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")

SHAPES = rdflib.Graph().parse(ROOT / "ontology" / "shapes.ttl")
ONTOLOGY = rdflib.Graph().parse(ROOT / "ontology" / "innograph.ttl")
DATA = rdflib.Graph()
for _path in sorted((ROOT / "data").glob("*.ttl")):
    DATA.parse(_path)
MIXED = DATA + ONTOLOGY  # the subclass closure is read from here, as pySHACL does

# Constraint parameters -> the name of the mutation that breaks them.
BREAKABLE = {
    SH.minCount: "min_count", SH.maxCount: "max_count", SH.datatype: "datatype", SH["class"]: "class",
    SH["or"]: "or", SH["in"]: "in", SH.hasValue: "has_value", SH.pattern: "pattern",
    SH.minInclusive: "min_inclusive", SH.maxInclusive: "max_inclusive", SH.languageIn: "language_in",
    SH.uniqueLang: "unique_lang", SH.qualifiedMinCount: "qualified_min_count", SH.nodeKind: "node_kind",
}
NOT_A_CONSTRAINT = {RDF.type, SH.path, SH.message, SH.qualifiedValueShape}


def _cases():
    cases = []
    for node_shape in sorted(SHAPES.subjects(RDF.type, SH.NodeShape)):
        for prop_shape in sorted(SHAPES.objects(node_shape, SH.property)):
            for param in sorted({p for p, _ in SHAPES.predicate_objects(prop_shape)} - NOT_A_CONSTRAINT):
                local = str(prop_shape).split("#")[1]
                cases.append(pytest.param(node_shape, prop_shape, param, id=f"{local}-{param.split('#')[1]}"))
    return cases


CASES = _cases()


def targets(node_shape):
    classes = set(SHAPES.objects(node_shape, SH.targetClass))
    nodes = set()
    for cls in classes:
        for sub in {cls} | set(MIXED.transitive_subjects(RDFS.subClassOf, cls)):
            nodes |= set(MIXED.subjects(RDF.type, sub))
    return sorted(nodes, key=lambda n: (isinstance(n, BNode), str(n)))


def neighbourhood(node) -> rdflib.Graph:
    """The node's outgoing triples plus the type and labels of each object, blank nodes in full;
    the focus node is renamed to an IRI so blank-node targets can be addressed too."""
    graph = rdflib.Graph()
    def rename(term):
        return FOCUS if term == node else term
    seen = set()
    def copy(subject, depth):
        if (subject, depth) in seen:
            return
        seen.add((subject, depth))
        for p, o in MIXED.predicate_objects(subject):
            graph.add((rename(subject), p, rename(o)))
            if isinstance(o, BNode):
                copy(o, depth)
            elif isinstance(o, URIRef) and depth == 0 and o != node:
                for t in MIXED.objects(o, RDF.type):
                    graph.add((o, RDF.type, t))
                for label in MIXED.objects(o, RDFS.label):
                    graph.add((o, RDFS.label, label))
    copy(node, 0)
    return graph


def other_year(lexical: str, year: str) -> str:
    return re.sub(r"^\d{4}", year, lexical)


def sample_value(prop_shape, i):
    """A value that satisfies the shape's other constraints, for properties the example lacks."""
    cls = SHAPES.value(prop_shape, SH["class"])
    datatype = SHAPES.value(prop_shape, SH.datatype)
    pattern = SHAPES.value(prop_shape, SH.pattern)
    if datatype == RDF.langString:
        return Literal(f"sample {i}", lang="en"), []
    if datatype is not None:
        return Literal(str(i + 1), datatype=datatype), []
    node = URIRef(f"https://example.org/sample-{i}") if pattern and "https" in str(pattern) else EX[f"sample-{i}"]
    extra = [(node, RDFS.label, Literal(f"sample {i}", lang="en"))]
    if cls is not None:
        extra.append((node, RDF.type, cls))
    return node, extra


def mutate(graph: rdflib.Graph, prop_shape, param, path):
    """Break the constraint `param` of `prop_shape` on FOCUS in place; False if it cannot be done
    with this example (for instance, no value to copy)."""
    values = list(graph.objects(FOCUS, path))
    value = SHAPES.value(prop_shape, param)
    kind = BREAKABLE[param]
    wrong = EX["wrong"]

    def replace_all(new_values, extra=()):
        for v in values:
            graph.remove((FOCUS, path, v))
        for nv in new_values:
            graph.add((FOCUS, path, nv))
        for triple in extra:
            graph.add(triple)

    if kind == "min_count":
        keep = values[: max(int(value) - 1, 0)]
        replace_all(keep)
        return True
    if not values and kind in ("unique_lang", "qualified_min_count"):
        return False
    if not values:
        values_to_add = [sample_value(prop_shape, i) for i in range(2 if kind == "max_count" else 1)]
        if kind == "max_count":
            for new_value, extra in values_to_add[: int(value) + 1]:
                graph.add((FOCUS, path, new_value))
                for triple in extra:
                    graph.add(triple)
            return True
        for new_value, extra in values_to_add:
            graph.add((FOCUS, path, new_value))
            for triple in extra:
                graph.add(triple)
        values = list(graph.objects(FOCUS, path))
    if kind == "max_count":
        v = values[0]
        if isinstance(v, Literal):
            if v.language:
                extra = Literal(str(v) + " (second)", lang=v.language)
            elif v.datatype in (XSD.date, XSD.gYear, XSD.gYearMonth, XSD.dateTime):
                extra = Literal(other_year(str(v), "2001" if not str(v).startswith("2001") else "2002"), datatype=v.datatype)
            elif v.datatype in (XSD.integer, XSD.decimal, XSD.positiveInteger):
                extra = Literal(str(int(float(str(v))) + 1), datatype=v.datatype)
            else:
                extra = Literal(str(v) + "x", datatype=v.datatype)
            graph.add((FOCUS, path, extra))
        else:
            twin = EX["second"]
            for t in MIXED.objects(v, RDF.type):
                graph.add((twin, RDF.type, t))
            graph.add((twin, RDFS.label, Literal("second value", lang="en")))
            graph.add((FOCUS, path, twin))
            if int(value) == 0:
                return True
        return True
    if kind == "datatype":
        bad = Literal(42) if value == XSD.string else Literal("not a valid value")
        replace_all([bad])
        return True
    if kind == "class":
        replace_all([wrong], [(wrong, RDF.type, EX.WrongClass), (wrong, RDFS.label, Literal("wrong", lang="en"))])
        return True
    if kind == "or":
        members = list(Collection(SHAPES, value))
        if all(SHAPES.value(m, SH.datatype) is not None for m in members):
            replace_all([Literal("true", datatype=XSD.boolean)])
        else:
            replace_all([wrong], [(wrong, RDF.type, EX.WrongClass), (wrong, RDFS.label, Literal("wrong", lang="en"))])
        return True
    if kind in ("in", "has_value"):
        replace_all([EX["not-allowed"]])
        return True
    if kind == "pattern":
        v = values[0]
        regex = str(value)
        if isinstance(v, URIRef):
            bad = URIRef("http://example.org/not-an-allowed-link")
        elif v.datatype in (XSD.date, XSD.gYear, XSD.gYearMonth, XSD.dateTime):
            bad = Literal(other_year(str(v), "1850"), datatype=v.datatype)
        else:
            candidates = ["english", "ftp://example.org/x", "LINESTRING(0 0, 1 1)", "Korea"]
            bad = next(Literal(c, datatype=v.datatype) for c in candidates if not re.search(regex, c))
        replace_all([bad])
        return True
    if kind in ("min_inclusive", "max_inclusive"):
        v = values[0]
        bound = float(str(value))
        new = bound - 1 if kind == "min_inclusive" else bound + 1
        lexical = str(int(new)) if v.datatype in (XSD.integer, XSD.positiveInteger) else str(new)
        replace_all([Literal(lexical, datatype=v.datatype)])
        return True
    if kind == "language_in":
        replace_all([Literal(str(values[0]), lang="it")])
        return True
    if kind == "unique_lang":
        v = next((v for v in values if isinstance(v, Literal) and v.language), None)
        if v is None:
            return False
        graph.add((FOCUS, path, Literal(str(v) + " (duplicate)", lang=v.language)))
        return True
    if kind == "qualified_min_count":
        for v in values:
            if isinstance(v, Literal) and v.language == "en":
                graph.remove((FOCUS, path, v))
        return True
    if kind == "node_kind":
        replace_all([Literal("not a node")])
        return True
    raise AssertionError(f"no mutation for {param}")


def violations(graph, node_shape):
    """Results on FOCUS only (neighbour nodes carry just their type and labels)."""
    # Not focus_nodes=[FOCUS]: pySHACL 0.40 then also skips the value nodes that sh:or and
    # sh:qualifiedValueShape check. Neighbour nodes carry only type and labels, so their own
    # results are ignored here.
    conforms, report, _ = pyshacl.validate(graph, shacl_graph=SHAPES, ont_graph=ONTOLOGY, inference="none",
                                           advanced=False)
    results = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        if report.value(result, SH.focusNode) != FOCUS:
            continue
        results.append((report.value(result, SH.focusNode), report.value(result, SH.resultPath),
                        report.value(result, SH.sourceShape), report.value(result, SH.resultMessage)))
    return results


def test_every_constraint_kind_is_breakable():
    params = {p for _, prop_shape, p in (c.values for c in CASES)}
    assert params <= set(BREAKABLE), params - set(BREAKABLE)
    assert len(CASES) > 200


@pytest.mark.parametrize(("node_shape", "prop_shape", "param"), CASES)
def test_breaking_a_constraint_reports_it(node_shape, prop_shape, param):
    assert param in BREAKABLE, f"{param} has no mutation: add one to BREAKABLE and mutate()"
    path = SHAPES.value(prop_shape, SH.path)
    message = SHAPES.value(prop_shape, SH.message)
    candidates = targets(node_shape)
    # Prefer nodes that already have a value for the path; fall back to adding one.
    candidates.sort(key=lambda n: not list(MIXED.objects(n, path)))
    for node in candidates:
        example = neighbourhood(node)
        assert violations(example, node_shape) == [], f"example {node} is not valid to start with"
        if not mutate(example, prop_shape, param, path):
            continue
        found = violations(example, node_shape)
        assert (FOCUS, path, prop_shape, message) in found, (node, found)
        return
    pytest.fail(f"no node in data/ can exercise {prop_shape} {param}: add an example or drop the constraint")


@pytest.mark.parametrize(("node", "shape", "names"), [
    # A placeholder organisation named only by a ROR relationship: the message says to cite the record.
    (ID + "organization/ror-02en5vm52", "OrganizationShape-wasDerivedFrom", "<source/ror-record-...>"),
    # A country whose identifiers come from the reference table: the message names that table.
    (ID + "country/germany", "PlaceShape-wasDerivedFrom", "<source/reference-entities>"),
])
def test_an_entity_without_provenance_is_told_which_source_to_cite(node, shape, names):
    example = neighbourhood(URIRef(node))
    assert violations(example, None) == []
    example.remove((FOCUS, PROV_DERIVED, None))
    found = [(path, str(source), str(message)) for _, path, source, message in violations(example, None)]
    assert [(p, s) for p, s, _ in found] == [(PROV_DERIVED, "https://w3id.org/innograph/shapes#" + shape)]
    assert names in found[0][2]
