"""Documentation of the innograph ontology, generated from its triples and the SHACL shapes.

pyLODE was the first choice, but the installed 3.4.1 fails at import (its version module reads a
pyproject.toml that the wheel does not ship) and its pages link fonts and scripts on the web; this
module builds the same kind of page model instead: metadata, the reused vocabularies with the
terms used from each, every class and property of ours (labels in all languages, comment,
hierarchy, domain/range) with the SHACL constraints that apply to it, the named individuals, and
the shapes our data must meet for the reused classes (schema:City, org:Membership...).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH

from .describing import Description, describe
from ..namespaces import ONTOLOGY_GRAPH, PREFIXES, compact_iri
from ..store import Store
from ..validation.shacl import SHAPES_FILE, load_turtle, to_rdflib

SCHEMA = rdflib.Namespace(PREFIXES["schema"])
DCTERMS = rdflib.Namespace(PREFIXES["dcterms"])
VANN = rdflib.Namespace(PREFIXES["vann"])
PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property)
_SKIPPED_CONSTRAINT_KEYS = {RDF.type, SH.path, SH.message, RDFS.comment, RDFS.label}


@dataclass
class TermRef:
    """A reference to a term: its IRI, CURIE and where the page links it."""

    iri: str
    curie: str
    href: str          # '#Local' for our own terms, the IRI for reused ones


@dataclass
class Constraint:
    """One property shape of the SHACL shapes: its node shape, the classes that shape targets, its
    path and rules as text, and its message."""

    shape: str          # the node shape's CURIE
    target: list[TermRef]
    path: str
    rules: list[str]    # "sh:minCount 1", "sh:class schema:City"...
    message: str


@dataclass
class Term:
    """One class, property or named individual of the ontology, as its section of the page shows it
    (labels English first; ``kind`` is 'class', 'individual' or the property's types)."""

    ref: TermRef
    local: str
    kind: str
    labels: list[tuple[str, str]]
    comment: str
    superterms: list[TermRef] = field(default_factory=list)
    subterms: list[TermRef] = field(default_factory=list)
    domain: list[TermRef] = field(default_factory=list)
    range: list[TermRef] = field(default_factory=list)
    properties: list[TermRef] = field(default_factory=list)     # for classes: properties with it as domain
    types: list[TermRef] = field(default_factory=list)          # for individuals
    constraints: list[Constraint] = field(default_factory=list)


@dataclass
class Vocabulary:
    """A reused vocabulary: its prefix, namespace and the terms of it the ontology mentions."""

    prefix: str
    namespace: str
    terms: list[TermRef]


@dataclass
class OntologyModel:
    """Everything the ontology page shows: metadata, our terms sorted by local name, the reused
    vocabularies, the shapes for reused classes, and the triples the page was built from."""

    iri: str
    title: str
    description: str
    version: str
    licence: str | None
    created: str | None
    prefix: str
    namespace: str
    classes: list[Term]
    properties: list[Term]
    individuals: list[Term]
    vocabularies: list[Vocabulary]
    reused_shapes: list[Constraint]
    triples: list[ox.Triple]


def ontology_triples(store: Store, ontology_iri: str) -> list[ox.Triple]:
    """The ontology graph, plus any triple elsewhere whose subject is in the ontology namespace."""
    seen: dict[ox.Triple, None] = {}
    for quad in store.quads(ox.NamedNode(ONTOLOGY_GRAPH)):
        seen[ox.Triple(quad.subject, quad.predicate, quad.object)] = None
    namespace = ox.Literal(ontology_iri)
    for row in store.query(f"SELECT ?s ?p ?o WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && "
                           f"STRSTARTS(STR(?s), {namespace})) }}"):
        seen[ox.Triple(row["s"], row["p"], row["o"])] = None
    return list(seen)


def term_description(store: Store, iri: str) -> Description | None:
    """The triples about one ontology term (as for an instance), or None if it is not defined."""
    description = describe(store, iri)
    return description if description.outgoing else None


def _ref(node, namespace: str) -> TermRef:
    text = str(node)
    if isinstance(node, rdflib.BNode):
        return TermRef(text, "(anonymous)", "#")
    local = text[len(namespace):] if text.startswith(namespace) else None
    return TermRef(text, compact_iri(text), f"#{local}" if local else text)


def _text(graph: rdflib.Graph, node, predicate) -> str:
    values = list(graph.objects(node, predicate))
    for value in values:
        if getattr(value, "language", None) in ("en", None):
            return str(value)
    return str(values[0]) if values else ""


def _render(graph: rdflib.Graph, node) -> str:
    """A constraint value as text: CURIEs, quoted literals, (lists), [nested shapes]."""
    if isinstance(node, rdflib.BNode):
        if graph.value(node, RDF.first) is not None or node == RDF.nil:
            return "(" + " ".join(_render(graph, item) for item in Collection(graph, node)) + ")"
        inner = "; ".join(f"{compact_iri(str(p))} {_render(graph, o)}" for p, o in sorted(graph.predicate_objects(node)))
        return f"[{inner}]"
    if isinstance(node, rdflib.Literal):
        return str(node) if node.datatype and str(node.datatype).endswith(("integer", "boolean", "decimal")) \
            else f'"{node}"'
    return compact_iri(str(node))


def _constraints(shapes: rdflib.Graph, namespace: str) -> list[Constraint]:
    out = []
    for node_shape in sorted(set(shapes.subjects(RDF.type, SH.NodeShape)), key=str):
        targets = sorted((_ref(t, namespace) for t in shapes.objects(node_shape, SH.targetClass)),
                         key=lambda r: r.curie)
        for property_shape in sorted(shapes.objects(node_shape, SH.property), key=str):
            path = shapes.value(property_shape, SH.path)
            rules = [f"{compact_iri(str(p))} {_render(shapes, o)}"
                     for p, o in sorted(shapes.predicate_objects(property_shape))
                     if p not in _SKIPPED_CONSTRAINT_KEYS]
            out.append(Constraint(shape=compact_iri(str(node_shape)), target=targets,
                                  path=_render(shapes, path) if path is not None else "",
                                  rules=rules, message=_text(shapes, property_shape, SH.message)))
    return out


def ontology_model(store: Store, ontology_iri: str) -> OntologyModel:
    """The documentation model of the ontology at ``ontology_iri`` (its namespace is IRI + '#')."""
    namespace = ontology_iri + "#"
    triples = ontology_triples(store, ontology_iri)
    graph = rdflib.Graph()
    for triple in triples:
        graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
    shapes = load_turtle(SHAPES_FILE) if SHAPES_FILE.exists() else rdflib.Graph()
    constraints = _constraints(shapes, namespace)
    by_class: dict[str, list[Constraint]] = defaultdict(list)
    by_path: dict[str, list[Constraint]] = defaultdict(list)
    for constraint in constraints:
        for target in constraint.target:
            by_class[target.iri].append(constraint)
        by_path[constraint.path].append(constraint)
    ontology = rdflib.URIRef(ontology_iri)
    ours = lambda node: isinstance(node, rdflib.URIRef) and str(node).startswith(namespace)  # noqa: E731

    def term(node, kind: str) -> Term:
        labels = sorted(((value.language or "", str(value)) for value in graph.objects(node, RDFS.label)),
                        key=lambda pair: (pair[0] != "en", pair[0]))
        return Term(ref=_ref(node, namespace), local=str(node)[len(namespace):], kind=kind, labels=labels,
                    comment=_text(graph, node, RDFS.comment))

    classes = {node: term(node, "class") for node in set(graph.subjects(RDF.type, OWL.Class)) if ours(node)}
    properties = {}
    for property_type in PROPERTY_TYPES:
        for node in graph.subjects(RDF.type, property_type):
            if ours(node) and node not in properties:
                kinds = sorted(compact_iri(str(t)) for t in graph.objects(node, RDF.type))
                properties[node] = term(node, ", ".join(kinds))
    individuals = {}
    for node in set(graph.subjects(RDF.type, None)):
        if ours(node) and node not in classes and node not in properties:
            individuals[node] = term(node, "individual")
            individuals[node].types = sorted((_ref(t, namespace) for t in graph.objects(node, RDF.type)),
                                             key=lambda r: r.curie)

    for node, item in classes.items():
        item.superterms = sorted((_ref(s, namespace) for s in graph.objects(node, RDFS.subClassOf)),
                                 key=lambda r: r.curie)
        item.subterms = sorted((_ref(s, namespace) for s in graph.subjects(RDFS.subClassOf, node)),
                               key=lambda r: r.curie)
        item.properties = sorted(
            {_ref(p, namespace).iri: _ref(p, namespace) for predicate in (RDFS.domain, SCHEMA.domainIncludes)
             for p in graph.subjects(predicate, node)}.values(), key=lambda r: r.curie)
        item.constraints = by_class.get(str(node), [])
    for node, item in properties.items():
        item.superterms = sorted((_ref(s, namespace) for s in graph.objects(node, RDFS.subPropertyOf)),
                                 key=lambda r: r.curie)
        item.domain = sorted((_ref(s, namespace) for predicate in (RDFS.domain, SCHEMA.domainIncludes)
                              for s in graph.objects(node, predicate)), key=lambda r: r.curie)
        item.range = sorted((_ref(s, namespace) for predicate in (RDFS.range, SCHEMA.rangeIncludes)
                             for s in graph.objects(node, predicate)), key=lambda r: r.curie)
        item.constraints = by_path.get(compact_iri(str(node)), [])

    used: dict[str, dict[str, TermRef]] = defaultdict(dict)
    for s, p, o in graph:
        for node in (s, p, o):
            if isinstance(node, rdflib.URIRef) and not str(node).startswith(namespace):
                for prefix, ns in PREFIXES.items():
                    if str(node).startswith(ns) and len(str(node)) > len(ns) and prefix not in ("ig", "ig-sh"):
                        used[prefix][str(node)] = _ref(node, namespace)
    vocabularies = [Vocabulary(prefix, PREFIXES[prefix], sorted(terms.values(), key=lambda r: r.curie))
                    for prefix, terms in sorted(used.items())]
    reused_shapes = [c for c in constraints if any(not t.iri.startswith(namespace) for t in c.target)]

    licence = graph.value(ontology, DCTERMS.license)
    created = graph.value(ontology, DCTERMS.created)
    return OntologyModel(
        iri=ontology_iri, title=_text(graph, ontology, DCTERMS.title) or "innograph ontology",
        description=_text(graph, ontology, DCTERMS.description),
        version=_text(graph, ontology, OWL.versionInfo), licence=str(licence) if licence else None,
        created=str(created) if created else None,
        prefix=_text(graph, ontology, VANN.preferredNamespacePrefix) or "ig", namespace=namespace,
        classes=sorted(classes.values(), key=lambda t: t.local.lower()),
        properties=sorted(properties.values(), key=lambda t: t.local.lower()),
        individuals=sorted(individuals.values(), key=lambda t: t.local.lower()),
        vocabularies=vocabularies, reused_shapes=reused_shapes, triples=triples)
