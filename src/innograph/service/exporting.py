"""Exporting the dataset or one graph in any RDF format."""

from __future__ import annotations

import pyoxigraph as ox

from ..errors import NotFound, UsageError
from ..rdf.formats import rdf_format
from ..rdf.jsonld import dataset_jsonld
from ..namespaces import PREFIXES
from ..store import Store


def export_dataset(store: Store, format_name: str, *, graph: str | None = None) -> bytes:
    """The dataset serialised. Quad formats keep the named graphs; triple formats merge them
    (the union of all graphs, as queries see it) unless ``graph`` picks one. JSON-LD is written
    compacted against the published context (jsonld.py) and keeps the named graphs too.

    Raises UnsupportedFormatError for an unknown format, UsageError for a ``graph`` that is not an
    IRI, NotFound for a graph the store does not have.
    """
    fmt = rdf_format(format_name)
    try:
        if graph is not None:
            ox.NamedNode(graph)
    except ValueError:
        raise UsageError(f"--graph {graph!r}: not an IRI") from None
    if graph is not None and ox.NamedNode(graph) not in set(store.graph_names()):
        raise NotFound(f"--graph <{graph}>: the store has no such named graph; "
                       f"'innograph stats' lists the graphs it has")
    if fmt.name == "jsonld":
        return dataset_jsonld(store, graph=graph)
    if graph is not None:
        return store.dump(fmt, ox.NamedNode(graph), prefixes=PREFIXES)
    if fmt.quads:
        return store.dump(fmt, prefixes=PREFIXES)
    triples = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    kwargs = {"prefixes": PREFIXES} if fmt.name in {"ttl", "rdf"} else {}
    return ox.serialize(triples, None, fmt.ox_rdf, **kwargs)
