"""Loading with validation: parse -> validate -> one atomic commit, or nothing changes.

A change is a set of removed quads and a set of added quads (replacing a graph removes all of its
quads). What is validated is the state after the change, but only where the change can matter: the
focus nodes are the subjects the change touches and the nodes that point at them; their
neighbourhood (three hops out, then the types of what is reached) is read from the store through
pattern lookups and combined with the new data. On an empty store the whole new data is validated.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

import pyoxigraph as ox
import rdflib

from ..errors import ValidationFailed
from ..rdf.formats import rdf_format_for_path
from ..namespaces import ONTOLOGY_GRAPH, graph_iri
from ..rdf.parsing import expand_paths, parse_file
from ..store import GraphName, OxigraphStore, Store
from ..versions import recording
from ..validation.shacl import (ONTOLOGY_FILE, ValidationReport, Violation, graph_from_quads, shorten, to_rdflib, validate,
                         validate_quads)

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
NEIGHBOURHOOD_HOPS = 3


@dataclass
class LoadResult:
    """What a load did (or, for a dry run, would do)."""

    graphs: dict[str, int] = field(default_factory=dict)   # graph IRI -> triples
    files: list[str] = field(default_factory=list)
    report: ValidationReport | None = None
    committed: bool = False

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())


def parse_sources(paths: Iterable[Path]) -> tuple[dict[GraphName, list[ox.Quad]], list[str]]:
    """Parse files (directories expand to their RDF files) into graphs.

    A triple file goes into ``graph/<file stem>``; a quad file keeps its named graphs and puts its
    default-graph triples into ``graph/<file stem>``. Raises RdfSyntaxError naming file:line:column.
    """
    graphs: dict[GraphName, list[ox.Quad]] = defaultdict(list)
    files = expand_paths(paths)
    for path in files:
        target = ox.NamedNode(graph_iri(path.stem))
        for quad in parse_file(path, rdf_format_for_path(path), graph=target):
            graphs[quad.graph_name].append(quad)
    return dict(graphs), [str(p) for p in files]


def ontology_graph_quads() -> dict[GraphName, list[ox.Quad]]:
    graph = ox.NamedNode(ONTOLOGY_GRAPH)
    return {graph: parse_file(ONTOLOGY_FILE, graph=graph)}


def _is_node(term) -> bool:
    return isinstance(term, (ox.NamedNode, ox.BlankNode))


def check_change(store: Store, *, replace: Mapping[GraphName, list[ox.Quad]] | None = None,
                 add: Iterable[ox.Quad] = (), remove: Iterable[ox.Quad] = ()) -> ValidationReport:
    """Validate the store as it would be after the change, without changing it.

    ``replace`` maps graphs to their new content; ``add``/``remove`` are extra quads.
    """
    replace = dict(replace or {})
    added = list(add) + [q for quads in replace.values() for q in quads]
    removed = set(remove)
    for graph in replace:
        removed.update(store.quads(graph))
    size = store.count()
    if size == 0 or size == len(removed):
        # Nothing of the old state survives: validate the new data as a whole.
        return _with_warnings(validate_quads(added), _GraphStatingEach(added, look_up=False).twice)

    # A replaced graph mostly comes back as it was (the ontology, which every load brings along, or
    # a file loaded again): quads that stay are no change. Counting them made a 12-triple load into
    # a 1M-triple store judge every typed node (they all point at an ontology class): 7 minutes.
    kept = removed.intersection(added)
    added = [q for q in added if q not in kept]
    removed -= kept
    graph_of = _GraphStatingEach(added, look_up=True)   # and the store's quads met on the way
    added_by_subject: dict = defaultdict(list)
    for quad in added:
        added_by_subject[quad.subject].append(quad)
    # Focus: subjects the change touches, and whatever points at them from the surviving data.
    touched = set(added_by_subject) | {q.subject for q in removed}
    focus = set(touched)
    for quad in store.referrers(touched):
        if quad not in removed:
            focus.add(quad.subject)

    context = rdflib.Graph()
    graph_from_quads(added, into=context)
    seen: set = set()
    frontier = focus | {q.object for q in added if _is_node(q.object)}
    # Lookups are batched per hop (one request per hop on a remote store). Blank nodes reached in
    # the store come with their owner's description, so the hops count named nodes.
    for hop in range(NEIGHBOURHOOD_HOPS + 1):
        nodes = [n for n in frontier if n not in seen]
        seen.update(nodes)
        last = hop == NEIGHBOURHOOD_HOPS
        next_frontier = set()
        for quad in store.describe(nodes, predicate=RDF_TYPE if last else None):
            if quad in removed:
                continue
            if hop == 0:
                graph_of.saw(quad)
            context.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
            if not last and _is_node(quad.object):
                next_frontier.add(quad.object)
        if not last:
            for node in nodes:
                for quad in added_by_subject.get(node, ()):
                    if _is_node(quad.object):
                        next_frontier.add(quad.object)
        frontier = next_frontier
    # validate() judges the whole neighbourhood and keeps the results about the focus nodes,
    # blank ones included (pySHACL's own focus_nodes refuses blank nodes).
    return _with_warnings(validate(context, focus_nodes=[to_rdflib(n) for n in focus]), graph_of.twice)


class _GraphStatingEach:
    """The graph each added triple is stated in, and the triples stated in a second graph."""

    def __init__(self, quads: list[ox.Quad], *, look_up: bool):
        """``look_up``: keep every triple, for store quads to be checked against with ``saw``.
        Without it only the triples stated twice among ``quads`` are kept, found by their hashes
        first: a dict of 1M (s, p, o) tuples held 600 MB more at a 1M-triple load."""
        suspects: set[int] = set()
        if not look_up:
            first: dict[int, GraphName] = {}
            for quad in quads:
                key = hash((quad.subject, quad.predicate, quad.object))
                if first.setdefault(key, quad.graph_name) != quad.graph_name:
                    suspects.add(key)
        self.twice: dict = {}
        self.first: dict = {}
        for quad in quads if look_up or suspects else ():
            triple = (quad.subject, quad.predicate, quad.object)
            if look_up or hash(triple) in suspects:
                self.saw(quad, triple, new=True)

    def saw(self, quad: ox.Quad, triple: tuple | None = None, new: bool = False) -> None:
        triple = triple or (quad.subject, quad.predicate, quad.object)
        graph = self.first.setdefault(triple, quad.graph_name) if new else self.first.get(triple)
        if graph is not None and graph != quad.graph_name:
            self.twice[triple] = (graph, quad.graph_name)


def _with_warnings(report: ValidationReport, twice: Mapping) -> ValidationReport:
    """Warn of triples stated in two graphs: the default graph of a query is the union of the
    graphs, and Oxigraph returns such a triple once per graph (every row joined to it doubles)."""
    def name(graph) -> str:
        return f"<{graph.value}>" if isinstance(graph, ox.NamedNode) else "the default graph"
    for (s, p, o), graphs in twice.items():
        report.violations.append(Violation(
            focus_node=shorten(to_rdflib(s)), path=shorten(to_rdflib(p)), value=shorten(to_rdflib(o)),
            message=f"stated in two graphs, {name(graphs[0])} and {name(graphs[1])}: queries over the "
                    f"default graph (the union) will return it twice; state it in one graph only",
            severity="Warning", shape=None, constraint=None))
    return report


def commit(store: Store, graphs: Mapping[GraphName, list[ox.Quad]]) -> None:
    with recording(store, replace=graphs):  # versions: the change becomes a version (issue 17)
        store.replace_graphs(graphs)


def load_validated(store: Store, paths: Iterable[Path], *, dry_run: bool = False,
                   with_ontology: bool = True) -> LoadResult:
    """Parse ``paths``, validate the store as it would be, and replace their graphs in one transaction.

    Raises RdfSyntaxError (nothing parsed is kept) or ValidationFailed (the store is unchanged).
    With ``dry_run`` everything but the commit happens.
    """
    graphs, files = parse_sources(paths)
    if with_ontology:
        graphs.update(ontology_graph_quads())
    report = check_change(store, replace=graphs)
    result = LoadResult({g.value if isinstance(g, ox.NamedNode) else "default": len(q)
                         for g, q in graphs.items()}, files, report)
    if not report.conforms:
        raise ValidationFailed(report)
    if not dry_run:
        commit(store, graphs)
        result.committed = True
    return result


def validate_sources(paths: Iterable[Path], *, store: Store | None = None) -> ValidationReport:
    """The SHACL report of the RDF files ``paths``, nothing written: judged alone with the ontology
    (``store`` None) or as ``store`` would be after loading them. Raises RdfSyntaxError."""
    graphs, _files = parse_sources(paths)
    if store is not None:
        return check_change(store, replace=graphs)
    graphs.update(ontology_graph_quads())
    scratch = OxigraphStore(None)
    try:
        return check_change(scratch, replace=graphs)
    finally:
        scratch.close()
