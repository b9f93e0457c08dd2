"""Figures about what a store holds: triples per graph, instances per class."""

from __future__ import annotations

from ..store import Store


def store_statistics(store: Store) -> dict:
    """``{"store": location, "quads": count, "graphs": {graph IRI: triples}, "classes": {class IRI:
    distinct instances}}``, graphs by IRI, classes most instances first (the union of all graphs
    counted). Raises StoreError when the store cannot answer."""
    graphs = {row["g"].value: int(row["n"].value) for row in store.query(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")}
    classes = {row["c"].value: int(row["n"].value) for row in store.query(
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY DESC(?n) ?c")}
    return {"store": store.location, "quads": store.count(), "graphs": graphs, "classes": classes}
