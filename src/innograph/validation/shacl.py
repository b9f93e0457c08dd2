"""SHACL validation: the shapes and ontology, the report type, and pySHACL on in-memory rdflib graphs.

pySHACL is only ever given an in-memory rdflib graph: over an Oxigraph-backed rdflib graph it took
minutes for 10k triples (measured on this machine; docs/design.md). Incremental validation (loading.py) hands it a small
neighbourhood of the store plus the new data, with ``focus_nodes`` set to what the change touches.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import pyoxigraph as ox
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SH

from ..errors import UsageError
from ..namespaces import compact_iri
from ..bundle import ONTOLOGY_FILE, SHAPES_FILE
from ..settings import setting_value

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def to_rdflib(term) -> rdflib.term.Node:
    """A pyoxigraph term as the equal rdflib term. Raises UsageError for an RDF-star triple term."""
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return rdflib.Literal(term.value, datatype=None if datatype == _XSD_STRING else datatype)
    # Triple terms (RDF-star << s p o >>) have no rdflib counterpart the shapes could check; data
    # that cannot be validated is refused (400), never stored unchecked or failed with a 500.
    raise UsageError(f"triple terms (RDF-star << ... >>) are not accepted: the SHACL shapes cannot "
                     f"validate them (found {term})")


def graph_from_quads(quads: Iterable[ox.Quad], into: rdflib.Graph | None = None) -> rdflib.Graph:
    """Triples of ``quads`` (graph names dropped) in an in-memory rdflib graph: ``into`` when given,
    else a new one. Raises UsageError for an RDF-star triple term."""
    graph = into if into is not None else rdflib.Graph()
    add = graph.add
    for q in quads:
        add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return graph


@lru_cache(maxsize=4)
def _parse_cached(path: str, mtime: float) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(path, format="turtle")
    return graph


def load_turtle(path: Path) -> rdflib.Graph:
    """Parse a Turtle file once per modification (the shapes and ontology are read often)."""
    return _parse_cached(str(path), path.stat().st_mtime)


def shapes_graph() -> rdflib.Graph:
    """The bundled SHACL shapes (a cached graph every caller shares: never change it)."""
    return load_turtle(SHAPES_FILE)


def ontology_graph() -> rdflib.Graph:
    """The bundled ontology (a cached graph every caller shares: never change it)."""
    return load_turtle(ONTOLOGY_FILE)



class _IllTypedLiteralNoise(logging.Filter):
    """Drops rdflib's log record for an ill-typed literal ("abc"^^xsd:decimal), which it logs with a
    traceback each time it makes one. Such a literal is judged by the shapes (sh:datatype reports
    it, with the node and the value); the traceback said nothing more and reached the terminal."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Failed to convert Literal lexical form to value")


logging.getLogger("rdflib.term").addFilter(_IllTypedLiteralNoise())

def shorten(node: rdflib.term.Node | None) -> str | None:
    """An IRI as a CURIE when a known prefix fits; literals and blank nodes in N-Triples form."""
    if node is None:
        return None
    if isinstance(node, rdflib.URIRef):
        text = str(node)
        short = compact_iri(text)
        return short if short != text else f"<{text}>"
    if isinstance(node, rdflib.Literal) and node.datatype is not None:
        # The lexical form as written, quoted by rdflib as a simple literal: rdflib's own n3() of
        # a typed literal reads its value and warns on an ill-typed one ("abc"^^xsd:decimal).
        quoted = rdflib.Literal(str(node)).n3()
        # A simple literal, however the engine typed it (pyshacl-turbo reading a store writes
        # ^^xsd:string, rdflib graphs made by to_rdflib do not): one form in every report.
        return quoted if str(node.datatype) == _XSD_STRING else f"{quoted}^^<{node.datatype}>"
    return node.n3()


@dataclass(frozen=True)
class Violation:
    """One SHACL validation result."""

    focus_node: str
    path: str | None
    value: str | None
    message: str
    severity: str          # Violation, Warning or Info
    shape: str | None
    constraint: str | None

    def to_text(self) -> str:
        """One line: ``Severity: focus path: message (value: v)``, path and value when there are any."""
        where = self.focus_node + (f" {self.path}" if self.path else "")
        value = f" (value: {self.value})" if self.value is not None else ""
        return f"{self.severity}: {where}: {self.message}{value}"


@dataclass
class ValidationReport:
    """The outcome of a validation. ``conforms`` is False only when a result has severity Violation;
    ``violations`` holds every result (warnings and infos too), violations first; ``results_graph``
    is the SHACL report graph; ``focus_count`` is how many focus nodes were judged (None: all)."""

    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    results_graph: rdflib.Graph | None = None
    focus_count: int | None = None

    def to_text(self) -> str:
        """One line per result, or one line saying the data conforms when there is none."""
        if not self.violations:
            return "conforms: the data satisfies every shape"
        return "\n".join(v.to_text() for v in self.violations)

    def to_json(self) -> str:
        """``{"conforms": ..., "violations": [...]}`` as indented JSON, each result with its fields."""
        return json.dumps({"conforms": self.conforms,
                           "violations": [asdict(v) for v in self.violations]}, indent=2,
                          ensure_ascii=False)

    def to_turtle(self) -> str:
        """The SHACL report graph in Turtle (an empty document when there is none)."""
        graph = self.results_graph if self.results_graph is not None else rdflib.Graph()
        graph.bind("sh", SH)
        return graph.serialize(format="turtle")


def _report_from_graph(results: rdflib.Graph) -> ValidationReport:
    violations = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        def one(predicate):
            return results.value(result, predicate)
        path = one(SH.resultPath)
        message = one(SH.resultMessage)
        severity = one(SH.resultSeverity)
        violations.append(Violation(
            focus_node=shorten(one(SH.focusNode)),
            path=shorten(path) if isinstance(path, rdflib.URIRef) else
            ("(complex path)" if path is not None else None),
            value=shorten(one(SH.value)),
            message=str(message) if message is not None else "constraint not satisfied",
            severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
            shape=shorten(one(SH.sourceShape)) if isinstance(one(SH.sourceShape), rdflib.URIRef) else None,
            constraint=shorten(one(SH.sourceConstraintComponent)),
        ))
    violations.sort(key=lambda v: (v.severity != "Violation", v.focus_node, v.path or "", v.message))
    conforms = not any(v.severity == "Violation" for v in violations)
    return ValidationReport(conforms, violations, results)


VALIDATORS = ("auto", "pyshacl", "turbo")


def _engine(requested: str | None, *, focused: bool) -> str:
    engine = requested or setting_value("validator")
    if engine == "auto":
        return "pyshacl" if focused else "turbo"
    if engine not in VALIDATORS:
        raise UsageError(f"INNOGRAPH_VALIDATOR: expected one of {', '.join(VALIDATORS)}, got {engine!r}")
    return engine


def validate_quads(quads: Iterable[ox.Quad], *, engine: str | None = None) -> ValidationReport:
    """Validate a whole dataset given as quads (graph names dropped).

    pyshacl-turbo reads a pyoxigraph Store directly: at 1M triples that took 41 s and 2.5 GB
    where copying into an rdflib graph first took 36 s more and then 153 s and 5.6 GB. pySHACL
    gets the rdflib graph it needs. Raises UsageError for an RDF-star triple term, an unknown
    ``engine`` or a missing pyshacl-turbo.
    """
    engine = _engine(engine, focused=False)
    if engine != "turbo":
        return validate(graph_from_quads(quads), engine=engine)
    store = ox.Store()
    store.bulk_extend(_as_triple(q) for q in quads)
    # A load brings the ontology along, and then mixing it in again only costs (17 s of 43 at 1M):
    # every triple pySHACL's inoculation would copy is already in the data.
    included = all(quad in store for quad in _ontology_triples())
    return validate(store, engine=engine, mix_ontology=not included)


def validate_store(store: ox.Store, *, engine: str | None = None) -> ValidationReport:
    """Validate the union of the graphs of ``store`` (a pyoxigraph store in memory), as
    ``validate_quads`` of its quads would, without copying them: pyshacl-turbo reads the store
    itself (it took the quads one by one through Python into a store of triples, 4-7 s at 1M).
    Raises as ``validate_quads`` does."""
    engine = _engine(engine, focused=False)
    if engine != "turbo":
        return validate(graph_from_quads(store), engine=engine)
    included = all(next(iter(store.quads_for_pattern(t.subject, t.predicate, t.object)), None) is not None
                   for t in _ontology_triples())
    return validate(store, engine=engine, mix_ontology=not included)


@lru_cache(maxsize=1)
def _ontology_triples() -> tuple[ox.Quad, ...]:
    return tuple(ox.Quad(t.subject, t.predicate, t.object)
                 for t in ox.parse(path=ONTOLOGY_FILE, format=ox.RdfFormat.TURTLE))


def _as_triple(quad: ox.Quad) -> ox.Quad:
    # Same refusal as to_rdflib: the shapes cannot judge RDF-star triple terms.
    if isinstance(quad.object, ox.Triple) or isinstance(quad.subject, ox.Triple):
        to_rdflib(quad.object if isinstance(quad.object, ox.Triple) else quad.subject)
    return ox.Quad(quad.subject, quad.predicate, quad.object)


def validate(data: rdflib.Graph | ox.Store, *, focus_nodes: Iterable[rdflib.term.Node] | None = None,
             shapes: rdflib.Graph | None = None, ontology: rdflib.Graph | None = None,
             engine: str | None = None, mix_ontology: bool = True) -> ValidationReport:
    """Validate ``data`` (with the ontology mixed in, so subclasses count) against the shapes.

    ``mix_ontology=False`` when ``data`` already holds the ontology.

    With ``focus_nodes``, only violations of those nodes are reported; the caller must include their
    neighbourhood (everything the shapes look at from them) in ``data``. Warnings and infos are reported but do not make the data non-conforming.

    ``engine`` (default: env ``INNOGRAPH_VALIDATOR``, else 'auto'): 'pyshacl', or 'turbo'
    (pyshacl-turbo, a Rust engine with pySHACL's API and reports). Both gave identical reports on
    every test (the shape mutation tests included) and on synthetic data with planted violations;
    turbo was 6-18x faster on whole datasets but not faster on the small neighbourhoods of an
    incremental check (bench/validation.py). So 'auto' takes turbo for whole datasets and pySHACL
    for focused checks. Raises UsageError for an unknown engine, or for 'turbo' when pyshacl-turbo
    is not installed.
    """
    engine = _engine(engine, focused=focus_nodes is not None)
    if engine == "pyshacl":
        import pyshacl as implementation  # heavy import, kept out of 'import innograph'
    elif engine == "turbo":
        try:
            import pyshacl_turbo as implementation
        except ImportError:
            raise UsageError("the turbo validator needs pyshacl-turbo (pip install pyshacl-turbo), "
                             "or set INNOGRAPH_VALIDATOR=pyshacl") from None

    focus = set(focus_nodes) if focus_nodes is not None else None
    if focus is not None and not focus:
        return ValidationReport(True, [], focus_count=0)
    # Not pySHACL's own focus_nodes option: with it, pySHACL 0.40 skips the values checked inside
    # sh:or and sh:qualifiedValueShape and loses those violations (tests/test_validation.py). The
    # data here is a small neighbourhood, so it is validated whole and the report is cut to the focus.
    shapes = shapes if shapes is not None else shapes_graph()
    if engine == "pyshacl" and focus is not None and not mix_ontology and isinstance(data, rdflib.Graph):
        results = _pyshacl_focused(data, shapes, focus)
    else:
        _, results, _ = implementation.validate(
            data, shacl_graph=shapes,
            ont_graph=None if not mix_ontology else ontology if ontology is not None else ontology_graph(),
            inference="none", advanced=False, allow_warnings=True, allow_infos=True)
    if focus is not None:
        for result in list(results.subjects(RDF.type, SH.ValidationResult)):
            if results.value(result, SH.focusNode) not in focus:
                results.remove((result, None, None))
    report = _report_from_graph(results)
    report.focus_count = len(focus) if focus is not None else None
    return report


def _shapes_targeting(data: rdflib.Graph, shapes: rdflib.Graph, focus: set) -> list | None:
    """The shapes (IRIs) whose targets include a focus node, or None when that cannot be told
    (a SPARQL-based target, a shape that is a blank node). Shapes reached from these (sh:node,
    sh:property...) are validated by pySHACL anyway; a shape targeting none of the focus nodes can
    only report on other nodes, whose results are dropped."""
    if next(shapes.triples((None, SH.target, None)), None) is not None:
        return None
    types = set()
    for node in focus:
        for cls in data.objects(node, RDF.type):
            types.update(data.transitive_objects(cls, RDFS.subClassOf))
    selected = set()
    for shape, cls in shapes.subject_objects(SH.targetClass):
        if cls in types:
            selected.add(shape)
    for shape, node in shapes.subject_objects(SH.targetNode):
        if node in focus:
            selected.add(shape)
    for shape, predicate in shapes.subject_objects(SH.targetSubjectsOf):
        if any((node, predicate, None) in data for node in focus):
            selected.add(shape)
    for shape, predicate in shapes.subject_objects(SH.targetObjectsOf):
        if any((None, predicate, node) in data for node in focus):
            selected.add(shape)
    for implicit in (RDFS.Class, OWL.Class):       # a shape that is a class targets its instances
        for shape in shapes.subjects(RDF.type, implicit):
            if shape in types:
                selected.add(shape)
    if any(not isinstance(shape, rdflib.URIRef) for shape in selected):
        return None
    return sorted(selected)


_PREPARED_SHAPES: dict[int, tuple] = {}


def _pyshacl_focused(data: rdflib.Graph, shapes: rdflib.Graph, focus: set) -> rdflib.Graph:
    """pySHACL's report graph for a small neighbourhood, with the shapes prepared once.

    ``pyshacl.validate`` parses every shape into a ShapesGraph on each call (~40 ms of the 70 ms an
    incremental check of a one-triple write took); here pySHACL's ``Validator`` gets one prepared,
    fully built ShapesGraph (it only reads it while validating), and runs only the shapes that
    target a focus node (``use_shapes``; the shapes they reach are in the prepared graph). When no
    shape targets any focus node there is nothing to report and pySHACL is not run. (On a fresh
    ShapesGraph ``use_shapes`` builds only the listed shapes and, like ``focus_nodes``, lost the
    violations found inside sh:or; on the fully built one it does not: tests/test_validation.py.)
    """
    import pyshacl
    from pyshacl.graph_abstraction import DataGraph

    targeting = _shapes_targeting(data, shapes, focus)
    if targeting is not None and not targeting:
        return rdflib.Graph()
    prepared = _PREPARED_SHAPES.get(id(shapes))
    if prepared is None or prepared[0] is not shapes:
        shapes_graph_object = pyshacl.ShapesGraph(shapes)
        list(shapes_graph_object.shapes)           # build every shape now, once
        prepared = (shapes, shapes_graph_object)
        _PREPARED_SHAPES[id(shapes)] = prepared
    validator = pyshacl.Validator(
        DataGraph.from_rdflib(data), shacl_graph=shapes, ont_graph=None,
        options={"inference": "none", "advanced": False, "allow_warnings": True, "allow_infos": True,
                 "inplace": True, "use_shapes": targeting})
    validator.shacl_graph = prepared[1]
    _, results, _ = validator.run()
    return results
