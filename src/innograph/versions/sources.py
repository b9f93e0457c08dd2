"""The sources of a result row: which facts it rests on and where those facts come from.

Definition (docs/versions.md):

* The **nodes of a row** are the IRIs and blank nodes the row binds, and those bound by every
  variable of the query's pattern in the solutions that produced the row. These are found by
  running the query again with every variable projected (``SELECT *``, same parameters, LIMIT and
  OFFSET left out) and taking the solutions that agree with the row on each variable both have. So
  the statement nodes the pattern matched (a membership, an observation, a claim) count even when
  the query shows only their labels. A query that aggregates (GROUP BY, COUNT...) has no such
  solutions: its rows count only the nodes they bind themselves.
* A row **rests on** the nodes of the row that carry provenance (``prov:wasDerivedFrom``).
* The **sources of a row** are the ``prov:wasDerivedFrom`` values of those nodes (relation
  ``wasDerivedFrom``), and those of the statements any of them ``ig:conflictsWith`` (relation
  ``conflictsWith``: a conflicting account the reader must weigh), each with its title
  (``dcterms:title``, else ``rdfs:label``), publisher (its label), date (``dcterms:issued``) and URL
  (``schema:url``).
"""

from __future__ import annotations

from typing import Iterable

import pyoxigraph as ox

from ..rdf.sparql import tokenize
from ..store import Store

PROV_DERIVED = ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
CONFLICTS = ox.NamedNode("https://w3id.org/innograph/ontology#conflictsWith")
TITLE = ox.NamedNode("http://purl.org/dc/terms/title")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
PUBLISHER = ox.NamedNode("http://purl.org/dc/terms/publisher")
ISSUED = ox.NamedNode("http://purl.org/dc/terms/issued")
URL = ox.NamedNode("https://schema.org/url")
_AGGREGATES = {"COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT"}


def project_everything(sparql: str) -> str | None:
    """``sparql`` (a SELECT) with ``SELECT *`` as its projection and without LIMIT/OFFSET; None for
    another form or a query that groups or aggregates."""
    tokens = tokenize(sparql)
    select = next((i for i, t in enumerate(tokens) if t.kind == "word" and t.text.upper() == "SELECT"
                   and t.depth == 0), None)
    if select is None:
        return None
    if any(t.kind == "word" and (t.text.upper() == "GROUP" or t.text.upper() in _AGGREGATES
                                 or (t.text.upper() == "SELECT" and i != select))
           for i, t in enumerate(tokens)):
        return None
    start = select + 1
    while start < len(tokens) and tokens[start].text.upper() in {"DISTINCT", "REDUCED"}:
        start += 1
    end = start
    while end < len(tokens) and not (tokens[end].depth == 0 and (
            tokens[end].text.upper() in {"WHERE", "FROM"} or tokens[end].text == "{")):
        end += 1
    if end == len(tokens) or start == end:
        return None
    edits = [(tokens[start].start, tokens[end].start, "* ")]
    for i, token in enumerate(tokens[end:], end):
        if token.depth == 0 and token.text.upper() in {"LIMIT", "OFFSET"} and i + 1 < len(tokens):
            edits.append((token.start, tokens[i + 1].start + len(tokens[i + 1].text), ""))
    text = sparql
    for begin, stop, replacement in sorted(edits, reverse=True):
        text = text[:begin] + replacement + text[stop:]
    return text


def _key(binding: dict | None):
    if binding is None:
        return None
    return (binding.get("type"), binding.get("value"), binding.get("xml:lang"), binding.get("datatype"))


def _node(binding: dict):
    if binding.get("type") == "uri":
        return ox.NamedNode(binding["value"])
    if binding.get("type") == "bnode":
        return ox.BlankNode(binding["value"])
    return None


def row_nodes(document: dict, full: dict | None) -> list[list]:
    """For each row of the SPARQL JSON ``document``, the nodes of the row (see the module
    docstring); ``full`` is the JSON of the same query with every variable projected, or None."""
    variables = document["head"].get("vars", [])
    rows = document["results"]["bindings"]
    by_key: dict = {}
    shared: list[str] = []
    if full is not None:
        present = set(full["head"].get("vars", []))
        shared = [v for v in variables if v in present]
        for solution in full["results"]["bindings"]:
            by_key.setdefault(tuple(_key(solution.get(v)) for v in shared), []).append(solution)
    result = []
    for row in rows:
        bindings = [row] + by_key.get(tuple(_key(row.get(v)) for v in shared), []) if full is not None else [row]
        nodes = []
        for binding in bindings:
            for value in binding.values():
                node = _node(value)
                if node is not None:
                    nodes.append(node)
        result.append(list(dict.fromkeys(nodes)))
    return result


def _first(store: Store, subject, predicate):
    values = [q.object for q in store.quads_matching(subject, predicate, None)]
    english = [v for v in values if isinstance(v, ox.Literal) and v.language == "en"]
    return (english or values or [None])[0]


def _text(term) -> str | None:
    return term.value if term is not None else None


def describe_source(store: Store, source) -> dict:
    """Title, publisher, date and URL of a source node (None where the data does not say)."""
    publisher = _first(store, source, PUBLISHER)
    return {"source": _text(source),
            "title": _text(_first(store, source, TITLE) or _first(store, source, LABEL)),
            "publisher": _text(_first(store, publisher, LABEL) or publisher) if publisher is not None else None,
            "date": _text(_first(store, source, ISSUED)),
            "url": _text(_first(store, source, URL))}


def sources_of(store: Store, nodes: Iterable, described: dict | None = None) -> dict:
    """``{"rests_on": [...], "sources": [...]}`` for one row's nodes (module docstring)."""
    described = {} if described is None else described
    found: dict = {}
    rests_on = []
    for node in nodes:
        direct = [q.object for q in store.quads_matching(node, PROV_DERIVED, None)]
        if direct:
            rests_on.append(node.value)
        links = [(s, "wasDerivedFrom") for s in direct]
        for other in dict.fromkeys(q.object for q in store.quads_matching(node, CONFLICTS, None)):
            links += [(q.object, "conflictsWith") for q in store.quads_matching(other, PROV_DERIVED, None)]
        for source, relation in links:
            entry = found.get((source, relation))
            if entry is None:
                if source not in described:
                    described[source] = describe_source(store, source)
                entry = found[(source, relation)] = dict(described[source], relation=relation, via=[])
            if node.value not in entry["via"]:
                entry["via"].append(node.value)
    ordered = sorted(found.values(), key=lambda e: (e["relation"] != "wasDerivedFrom", e["source"] or ""))
    return {"rests_on": rests_on, "sources": ordered}


def row_sources(store: Store, full: dict | None, document: dict) -> list[dict]:
    """For each row of ``document`` (SPARQL JSON), what it rests on and its sources."""
    described: dict = {}
    return [sources_of(store, nodes, described) for nodes in row_nodes(document, full)]


__all__ = ["describe_source", "project_everything", "row_nodes", "row_sources", "sources_of"]
