"""Compact JSON-LD: a context computed from the data, and documents written against it.

rdflib's and pyoxigraph's JSON-LD writers produce expanded or flat documents (full IRIs as keys,
``{"@value": ...}`` everywhere, blank nodes as separate nodes). A developer should be able to read
ours as plain JSON, so this module writes compacted JSON-LD itself:

- the ``@context`` holds the prefixes (from ``namespaces.PREFIXES``) that the data actually uses,
  the aliases ``id``/``type``, and one short term per predicate whose local name is unambiguous
  (``label``, ``sameAs``, ``containedInPlace``), with the value type the data uses throughout
  (``"@type": "@id"`` for links, a datatype such as ``xsd:decimal``, or ``"@container": "@language"``
  for language-tagged text such as labels, which become ``{"en": "Daejeon", "ko": "대전광역시"}``);
- node objects carry their properties under those terms, with IRIs written as compact IRIs
  (``wd:Q20921``) where a prefix fits;
- a blank node used once is nested in the node that uses it (geometries, intervals).

Every document parses back, with rdflib or pyoxigraph and no network access (the context is
inline), to exactly the triples or quads it was written from; tests/test_dumps.py checks this.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Iterable

import pyoxigraph as ox

from ..namespaces import PREFIXES, split_iri

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_RESERVED_TERMS = {"id", "type"}


def _iris_of(quad) -> Iterable[str]:
    for term in (quad.subject, quad.predicate, quad.object, getattr(quad, "graph_name", None)):
        if isinstance(term, ox.NamedNode):
            yield term.value
        elif isinstance(term, ox.Literal):
            yield term.datatype.value


def build_context(quads: Iterable[ox.Quad | ox.Triple]) -> dict:
    """The compact ``@context`` for these quads or triples (see the module docstring).

    Deterministic: the same data gives the same context, key order included.
    """
    used_prefixes: set[str] = set()
    kinds: dict[str, set[str]] = defaultdict(set)   # predicate -> {"iri", "lang", datatype IRIs}
    for quad in quads:
        for iri in _iris_of(quad):
            parts = split_iri(iri)
            if parts:
                used_prefixes.add(parts[0])
        obj = quad.object
        if isinstance(obj, (ox.NamedNode, ox.BlankNode)):
            kinds[quad.predicate.value].add("iri")
        elif isinstance(obj, ox.Literal):
            kinds[quad.predicate.value].add("lang" if obj.language else obj.datatype.value)
        else:
            raise ValueError(f"RDF-star triple terms cannot be written as JSON-LD here: {obj}")
    context: dict = {"id": "@id", "type": "@type"}
    for prefix, namespace in PREFIXES.items():
        if prefix in used_prefixes:
            context[prefix] = namespace
    by_local: dict[str, list[str]] = defaultdict(list)
    for predicate in kinds:
        if predicate == RDF_TYPE:
            continue
        parts = split_iri(predicate)
        if parts and parts[1].replace("_", "a").replace("-", "a").isalnum():
            by_local[parts[1]].append(predicate)
    for local in sorted(by_local):
        predicates = by_local[local]
        # An ambiguous local name (dcterms:description, schema:description) gets no short term:
        # both stay compact IRIs rather than one silently winning.
        if len(predicates) != 1 or local in context or local in _RESERVED_TERMS:
            continue
        predicate = predicates[0]
        prefix, name = split_iri(predicate)
        definition: dict = {"@id": f"{prefix}:{name}"}
        found = kinds[predicate]
        if found == {"iri"}:
            definition["@type"] = "@id"
        elif found == {"lang"}:
            definition["@container"] = "@language"
        elif len(found) == 1 and next(iter(found)) not in (XSD_STRING, "iri"):
            definition["@type"] = _compact(next(iter(found)), context)
        context[local] = definition
    return context


def _compact(iri: str, context: dict) -> str:
    parts = split_iri(iri)
    if parts and context.get(parts[0]) == PREFIXES[parts[0]]:
        return f"{parts[0]}:{parts[1]}"
    return iri


class _Writer:
    """Writes node objects for one graph's triples against a context."""

    def __init__(self, context: dict):
        self.context = context
        self.terms: dict[str, tuple[str, dict]] = {}
        for term, definition in context.items():
            if isinstance(definition, dict):
                iri = definition["@id"]
                prefix, _, local = iri.partition(":")
                self.terms[PREFIXES[prefix] + local] = (term, definition)

    def node_ref(self, term) -> str:
        if isinstance(term, ox.BlankNode):
            return "_:" + term.value
        return _compact(term.value, self.context)

    def value(self, obj, definition: dict | None):
        coerced = (definition or {}).get("@type")
        if isinstance(obj, ox.NamedNode):
            ref = _compact(obj.value, self.context)
            return ref if coerced == "@id" else {"@id": ref}
        if isinstance(obj, ox.BlankNode):
            return "_:" + obj.value if coerced == "@id" else {"@id": "_:" + obj.value}
        datatype = obj.datatype.value
        if obj.language:
            return {"@value": obj.value, "@language": obj.language}
        if coerced and coerced != "@id" and coerced == _compact(datatype, self.context):
            return obj.value
        if datatype == XSD_STRING and not coerced:
            return obj.value
        return {"@value": obj.value, "@type": _compact(datatype, self.context)}

    def graph(self, triples: Iterable[ox.Triple], first: ox.NamedNode | None = None) -> list[dict]:
        """Node objects for ``triples``, blank nodes used once nested; ``first`` leads the list."""
        by_subject: dict = defaultdict(list)
        references: dict = defaultdict(int)
        for triple in triples:
            by_subject[triple.subject].append(triple)
            if isinstance(triple.object, ox.BlankNode):
                references[triple.object] += 1
        nested = {node for node, count in references.items() if count == 1 and node in by_subject}
        done: set = set()

        def node_object(subject, embedded: bool) -> dict:
            done.add(subject)
            out: dict = {} if embedded else {"id": self.node_ref(subject)}
            values: dict[str, list] = defaultdict(list)
            definitions: dict[str, dict | None] = {}
            types: list[str] = []
            for triple in by_subject[subject]:
                obj = triple.object
                if triple.predicate.value == RDF_TYPE and isinstance(obj, ox.NamedNode):
                    types.append(_compact(obj.value, self.context))
                    continue
                term, definition = self.terms.get(
                    triple.predicate.value, (_compact(triple.predicate.value, self.context), None))
                definitions[term] = definition
                if obj in nested and obj not in done:
                    values[term].append(node_object(obj, embedded=True))
                else:
                    values[term].append(obj)
            if types:
                out["type"] = types[0] if len(types) == 1 else sorted(types)
            for term in sorted(values):
                definition = definitions[term]
                if definition and definition.get("@container") == "@language":
                    by_language: dict[str, list[str]] = defaultdict(list)
                    for obj in values[term]:
                        by_language[obj.language].append(obj.value)
                    out[term] = {lang: (texts[0] if len(texts) == 1 else sorted(texts))
                                 for lang, texts in sorted(by_language.items())}
                    continue
                rendered = [v if isinstance(v, dict) else self.value(v, definition) for v in values[term]]
                out[term] = rendered[0] if len(rendered) == 1 else rendered
            return out

        roots = [s for s in by_subject if s not in nested]
        roots.sort(key=lambda s: (s != first, isinstance(s, ox.BlankNode), s.value))
        nodes = [node_object(s, embedded=False) for s in roots]
        # Blank nodes in a cycle of single references have no root to hang from: list them apart.
        nodes += [node_object(s, embedded=False) for s in sorted(nested - done, key=lambda n: n.value)]
        return nodes


def compact_triples(triples: Iterable[ox.Triple], context: dict, *, first: str | None = None) -> dict:
    """A JSON-LD document for one graph: ``{"@context": ..., "@graph": [nodes]}``."""
    writer = _Writer(context)
    nodes = writer.graph(list(triples), ox.NamedNode(first) if first else None)
    return {"@context": context, "@graph": nodes}


def compact_quads(quads: Iterable[ox.Quad], context: dict) -> dict:
    """A JSON-LD document for a dataset: default-graph nodes at the top, each named graph as a
    node ``{"id": <graph>, "@graph": [...]}``."""
    graphs: dict = defaultdict(list)
    for quad in quads:
        graphs[quad.graph_name].append(ox.Triple(quad.subject, quad.predicate, quad.object))
    writer = _Writer(context)
    nodes: list[dict] = []
    for name in sorted(graphs, key=lambda g: (not isinstance(g, ox.DefaultGraph), getattr(g, "value", ""))):
        if isinstance(name, ox.DefaultGraph):
            nodes.extend(writer.graph(graphs[name]))
        else:
            nodes.append({"id": writer.node_ref(name), "@graph": writer.graph(graphs[name])})
    return {"@context": context, "@graph": nodes}


def to_bytes(document: dict) -> bytes:
    """``document`` as UTF-8 JSON, indented by two spaces, non-ASCII kept as is, ending in a newline."""
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()


def dataset_context(store) -> dict:
    """The published context: computed from every quad in the store (served at /context.jsonld)."""
    return build_context(store.quads())


def dataset_jsonld(store, *, graph: str | None = None, context: dict | None = None) -> bytes:
    """The whole dataset (named graphs kept) or one graph as compact JSON-LD, with the published
    context inline so the document parses without fetching anything."""
    context = context if context is not None else dataset_context(store)
    if graph is not None:
        quads = store.quads(ox.NamedNode(graph))
        document = compact_triples((ox.Triple(q.subject, q.predicate, q.object) for q in quads), context)
    else:
        document = compact_quads(store.quads(), context)
    return to_bytes(document)
