"""What the server says about one IRI: its description as RDF, and where such IRIs are served.

The description of a resource is its Concise Bounded Description (every triple with it as subject,
followed recursively through blank-node objects), the triples that point at it, and the labels of
every IRI those triples mention, so a client can show a readable page from this one document.
Triples held in several named graphs appear once. Reads go through ``Store.quads_matching`` only
(pattern lookups), so a description costs a few index scans whatever the store's size.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from ..store import Store

RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
SKOS_PREF_LABEL = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
LABEL_PREDICATES = (RDFS_LABEL, SKOS_PREF_LABEL)


@dataclass(frozen=True)
class Description:
    """The triples about ``iri``: ``outgoing`` (its CBD), ``incoming`` and ``labels`` of neighbours."""

    iri: str
    outgoing: tuple[ox.Triple, ...]
    incoming: tuple[ox.Triple, ...]
    labels: tuple[ox.Triple, ...]

    @property
    def exists(self) -> bool:
        """False for an IRI the store says nothing about (served as 404)."""
        return bool(self.outgoing or self.incoming)

    @property
    def triples(self) -> list[ox.Triple]:
        """The outgoing, incoming and label triples, in that order, each once."""
        seen: set[ox.Triple] = set()
        out = []
        for triple in self.outgoing + self.incoming + self.labels:
            if triple not in seen:
                seen.add(triple)
                out.append(triple)
        return out


def _triples(quads) -> list[ox.Triple]:
    seen: set[ox.Triple] = set()
    out = []
    for quad in quads:
        triple = ox.Triple(quad.subject, quad.predicate, quad.object)
        if triple not in seen:
            seen.add(triple)
            out.append(triple)
    return out


def concise_bounded_description(store: Store, node: ox.NamedNode | ox.BlankNode) -> list[ox.Triple]:
    """Every triple with ``node`` as subject, and recursively those of its blank-node objects."""
    # Store.describe follows the blank nodes itself, so a remote store (which cannot look a blank
    # node up by its label) answers too.
    return _triples(store.describe([node]))


def labels_of(store: Store, nodes) -> list[ox.Triple]:
    """The rdfs:label and skos:prefLabel triples of the given IRIs."""
    out: list[ox.Triple] = []
    for node in nodes:
        for predicate in LABEL_PREDICATES:
            out.extend(_triples(store.quads_matching(subject=node, predicate=predicate)))
    return out


def describe(store: Store, iri: str) -> Description:
    """The description of ``iri`` (see the module docstring); empty parts when the store has none."""
    try:
        node = ox.NamedNode(iri)
    except ValueError:
        # Not an IRI (e.g. /ontology/% from a client): nothing can be said about it, so it is a
        # 404 like any unknown name, never a 500.
        return Description(iri, (), (), ())
    outgoing = concise_bounded_description(store, node)
    incoming = [t for t in _triples(store.quads_matching(object=node)) if t.subject != node]
    mentioned: dict[ox.NamedNode, None] = {}
    for triple in outgoing + incoming:
        for term in (triple.subject, triple.object):
            if isinstance(term, ox.NamedNode) and term != node:
                mentioned[term] = None
    own = set(outgoing)
    labels = [t for t in labels_of(store, mentioned) if t not in own]
    return Description(iri, tuple(outgoing), tuple(incoming), tuple(labels))


# -- where IRIs are served ---------------------------------------------------------------------------

def local_path(iri: str, base_iri: str) -> str | None:
    """The server path that documents ``iri`` (``/doc/...``, ``/ontology#Term``), or None if the
    IRI is not under ``base_iri`` (it is then somebody else's to dereference)."""
    if not iri.startswith(base_iri):
        return None
    rest = iri[len(base_iri):]
    if rest.startswith("id/") and len(rest) > 3:
        return "/doc/" + rest[3:]
    if rest == "ontology" or rest.startswith("ontology#"):
        return "/" + rest
    return None


def iri_for_path(kind_and_slug: str, base_iri: str) -> str:
    """The instance IRI a ``/id/<kind>/<slug>`` or ``/doc/<kind>/<slug>`` path stands for."""
    return f"{base_iri}id/{kind_and_slug}"

