"""Loading with validation: parse -> validate -> one atomic commit, or nothing changes.

A change is a set of removed quads and a set of added quads (replacing a graph removes all of its
quads). What is validated is the state after the change, but only where the change can matter: the
focus nodes are the subjects the change touches and the nodes that point at them; their
neighbourhood (three hops out, then the types of what is reached) is read from the store through
pattern lookups and combined with the new data. On an empty store the whole new data is validated.
"""

from __future__ import annotations

import ctypes
import gc
import os
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping

import pyoxigraph as ox
import rdflib
from rdflib.collection import Collection

from ..errors import ValidationFailed
from ..rdf.formats import rdf_format_for_path
from ..namespaces import ONTOLOGY_GRAPH, graph_iri
from ..rdf.parsing import bulk_load_file, expand_paths, parse_file
from ..store import GraphName, OxigraphStore, Store
from ..store.oxigraph import split_lines_with_blank_nodes
from ..search import following_change
from ..versions import record_first_load, recording
from ..versions.log import DEFAULT_GRAPH_KEY, nquads_lines
from ..settings import setting_value
from ..validation.screen import compile_screen
from ..validation.shacl import (ONTOLOGY_FILE, ontology_graph, shapes_graph, ValidationReport, Violation,
                                graph_from_quads, shorten, to_rdflib, validate, validate_quads,
                                validate_store)

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
        """The triples loaded (or to be loaded), summed over ``graphs``."""
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
    """The ontology file's quads in the ontology graph, keyed by that graph (as ``replace`` takes
    them): a load brings the ontology along. Raises RdfSyntaxError if the file cannot be parsed."""
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
    if _nothing_survives(store, removed):
        # Nothing of the old state survives: validate the new data as a whole.
        twice = _GraphStatingEach(added, look_up=False).twice
        return _with_warnings(_validate_whole(added, twice), twice)

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
    # Focus: subjects the change touches, and whatever points at them from the surviving data, but
    # only when the change can matter to them: the shapes read a value node's rdf:type (sh:class)
    # and nothing else of it, so adding owl:sameAs to a city cannot change how the 80 nodes that
    # point at the city conform (validating them made a one-triple write cost 0.7 s at 16k quads).
    union_added, union_removed = _union_change(store, added, removed, graph_of)
    touched = {q.subject for q in union_added} | {q.subject for q in union_removed}
    focus = set(touched)
    remote = remote_predicates()
    if remote is None or any(q.predicate in remote for q in union_added) \
            or any(q.predicate in remote for q in union_removed):
        for quad in store.referrers(touched):
            if quad not in removed:
                focus.add(quad.subject)
    objects_targeted = objects_of_targets()
    focus |= {q.object for q in list(union_added) + list(union_removed)
              if _is_node(q.object) and (objects_targeted is None or q.predicate in objects_targeted)}

    return _with_warnings(_judge_focus(store, focus, added, removed, added_by_subject, graph_of, remote),
                          graph_of.twice)


def _judge_focus(store: Store, focus: set, added: list, removed: set, added_by_subject: Mapping,
                 graph_of, remote: frozenset | None) -> ValidationReport:
    """The SHACL results about ``focus`` in the store as it would be after adding ``added`` and
    removing ``removed``: their neighbourhood read from the store, validated with the new data."""
    context = rdflib.Graph()
    graph_from_quads(added, into=context)
    seen: set = set()
    # How far out the shapes can look from a focus node: its own triples, then (when the shapes read
    # nothing but rdf:type/rdfs:subClassOf of other nodes) only the types of what those reach.
    hops = 1 if remote is not None and remote <= _TYPE_PREDICATES else NEIGHBOURHOOD_HOPS
    frontier = set(focus) if hops == 1 else focus | {q.object for q in added if _is_node(q.object)}
    # Lookups are batched per hop (one request per hop on a remote store). Blank nodes reached in
    # the store come with their owner's description, so the hops count named nodes.
    for hop in range(hops + 1):
        nodes = [n for n in frontier if n not in seen]
        seen.update(nodes)
        last = hop == hops
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
    # The ontology matters to the focus nodes' results only through rdfs:subClassOf (sh:targetClass
    # and sh:class count subclasses; without inference nothing else of it is read, and the types of
    # the ontology's own individuals come with the neighbourhood, from the ontology graph). Mixing
    # it in whole (pySHACL's ont_graph) cost more than the validation of a small change.
    for triple in class_hierarchy():
        context.add(triple)
    return validate(context, focus_nodes=[to_rdflib(n) for n in focus], mix_ontology=False,
                    engine=_focused_engine(len(focus)))


def _union_change(store: Store, added: list, removed: set, graph_of) -> tuple[list, set]:
    """The change as the union of the graphs sees it (what the shapes judge): an added triple that
    another graph already states, or a removed one that another graph keeps stating, changes
    nothing there. A 1,500-triple Graph Store PUT restating the membership roles made every
    membership of a 250k store a focus node (41 s). On a remote store (one request per lookup)
    every quad counts as a change."""
    if getattr(store, "is_remote", False):
        return added, removed
    added_triples = {(q.subject, q.predicate, q.object) for q in added}

    def stated_elsewhere(quad) -> bool:
        for other in store.quads_matching(quad.subject, quad.predicate, quad.object):
            if other not in removed:
                graph_of.saw(other)
                return True
        return False

    union_added = [q for q in added if not stated_elsewhere(q)]
    union_removed = {q for q in removed
                     if (q.subject, q.predicate, q.object) not in added_triples and not stated_elsewhere(q)}
    return union_added, union_removed


_TYPE_PREDICATES = frozenset({RDF_TYPE, ox.NamedNode(str(rdflib.RDFS.subClassOf))})
_SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
_VALUE_SHAPE_LINKS = (_SH.node, _SH.qualifiedValueShape, _SH["not"])
_VALUE_SHAPE_LISTS = (_SH["or"], _SH["and"], _SH.xone)


@lru_cache(maxsize=1)
def remote_predicates() -> frozenset | None:
    """The predicates the shapes read on nodes *other* than the one they validate, or None for
    "any" (a SPARQL-based constraint, a path of more than one step).

    A node is judged by its own property values, and its values only through sh:class (their
    rdf:type, with rdfs:subClassOf) and the shapes it applies to them (sh:node, sh:or, ...): the
    paths of those shapes, transitively. A change stating none of these predicates can only change
    how its own subjects conform. Read from the shapes file, so new shapes are taken into account.
    """
    shapes = shapes_graph()
    if next(shapes.triples((None, _SH.sparql, None)), None) is not None:
        return None
    pending = [o for link in _VALUE_SHAPE_LINKS for o in shapes.objects(None, link)]
    pending += [m for link in _VALUE_SHAPE_LISTS for lst in shapes.objects(None, link) for m in Collection(shapes, lst)]
    predicates = {ox.NamedNode(str(rdflib.RDF.type)), ox.NamedNode(str(rdflib.RDFS.subClassOf))}
    seen = set()
    while pending:
        shape = pending.pop()
        if shape in seen:
            continue
        seen.add(shape)
        for path in shapes.objects(shape, _SH.path):
            if not isinstance(path, rdflib.URIRef):
                return None
            predicates.add(ox.NamedNode(str(path)))
        pending += list(shapes.objects(shape, _SH.property))
        pending += [o for link in _VALUE_SHAPE_LINKS for o in shapes.objects(shape, link)]
        pending += [m for link in _VALUE_SHAPE_LISTS for lst in shapes.objects(shape, link)
                    for m in Collection(shapes, lst)]
    if any(not isinstance(p, rdflib.URIRef) for p in shapes.objects(None, _SH.path)):
        return None     # an inverse or sequence path reads other nodes' triples
    return frozenset(predicates)


@lru_cache(maxsize=1)
def class_hierarchy() -> tuple:
    """The ontology's rdfs:subClassOf triples (rdflib terms)."""
    return tuple(ontology_graph().triples((None, rdflib.RDFS.subClassOf, None)))


@lru_cache(maxsize=1)
def objects_of_targets() -> frozenset | None:
    """Predicates whose objects are targets (sh:targetObjectsOf): a change stating one makes its
    object a focus node. None for "any" (a SPARQL-based target)."""
    shapes = shapes_graph()
    if next(shapes.triples((None, _SH.target, None)), None) is not None:
        return None
    return frozenset(ox.NamedNode(str(p)) for p in shapes.objects(None, _SH.targetObjectsOf))


TURBO_FROM_FOCUS = 16


def _focused_engine(focus_size: int) -> str | None:
    """The SHACL engine for a focused check: with INNOGRAPH_VALIDATOR=auto, pySHACL (prepared
    shapes, ~6 ms for one node) for a few focus nodes and pyshacl-turbo from TURBO_FROM_FOCUS on
    (measured: equal at ~10 nodes, 39 against 84 ms at 86, 0.17 against 0.6 s at 430). None: the
    configured engine."""
    configured = (os.environ.get("INNOGRAPH_VALIDATOR") or "auto").strip().lower()
    return "turbo" if configured == "auto" and focus_size >= TURBO_FROM_FOCUS else None


def _nothing_survives(store: Store, removed: set) -> bool:
    """True when the store is empty or every quad of it is removed. Stops at the first quad that
    stays (counting the store instead scans all of it: Oxigraph's len() does, 0.1 s at 250k). A
    remote store counts on its server (iterating would download the store)."""
    if getattr(store, "is_remote", False):
        size = store.count()
        return size == 0 or size == len(removed)
    return all(quad in removed for quad in store.quads_matching())


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
    """Replace ``graphs`` in one transaction; the change becomes a version and the search index follows."""
    with recording(store, replace=graphs), \
            following_change(store, added=[q for quads in graphs.values() for q in quads], replaced=graphs):
        store.replace_graphs(graphs)


def load_validated(store: Store, paths: Iterable[Path], *, dry_run: bool = False,
                   with_ontology: bool = True) -> LoadResult:
    """Parse ``paths``, validate the store as it would be, and replace their graphs in one transaction.

    Raises RdfSyntaxError (nothing parsed is kept) or ValidationFailed (the store is unchanged).
    With ``dry_run`` everything but the commit happens.
    """
    paths = expand_paths(paths)
    if _is_empty_local_store(store):
        with _cycle_collector_paused():
            return _load_into_empty(store, paths, dry_run=dry_run, with_ontology=with_ontology)
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


# -- a first load: into an empty embedded store --------------------------------------------------------

def _is_empty_local_store(store: Store) -> bool:
    return (isinstance(store, OxigraphStore) and not store.read_only
            and next(iter(store.quads_matching()), None) is None)


def _load_into_empty(store: OxigraphStore, files: list[Path], *, dry_run: bool,
                     with_ontology: bool) -> LoadResult:
    """``load_validated`` into an empty embedded store, the same outcome by a faster road.

    Measured at 1M triples (bench/one_million.py): parsing into Python quads, validating them and
    committing them quad by quad, then reading them back for the version, took 55 s and 3 GB where
    ``oxigraph load`` took 6.5 s. Here the files are bulk-loaded into a scratch store in memory
    (Rust; no Python object per quad) and dumped once as N-Quads; the dump's lines are screened
    (``_validate_first_load``), and the dump is both what the store bulk-loads and what the version
    is computed from (first, so its lines are freed before the bulk loader's peak). Nothing touches the
    store before the data has passed; the bulk write itself leaves the store empty again if it fails
    or the process dies (``OxigraphStore.load_into_empty``).
    """
    scratch = OxigraphStore(None)
    native = scratch.native
    order: list[ox.NamedNode] = []
    for path in files:
        graph = ox.NamedNode(graph_iri(path.stem))
        bulk_load_file(native, path, graph=graph)
        order.append(graph)
    if with_ontology:
        # As parse_sources + ontology_graph_quads: the ontology graph holds the ontology only.
        ontology = ox.NamedNode(ONTOLOGY_GRAPH)
        native.remove_graph(ontology)
        native.bulk_load(path=ONTOLOGY_FILE, format=ox.RdfFormat.TURTLE, to_graph=ontology)
        order.append(ontology)
    counts = {row["g"]: int(row["n"].value) for row in native.query(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")}
    order = list(dict.fromkeys(g for g in order if g in counts)) + sorted(
        (g for g in counts if g not in order), key=lambda g: g.value)
    nquads = native.dump(format=ox.RdfFormat.N_QUADS)
    if b"<<(" in nquads:     # how the dump writes a triple term (or a literal holding the text)
        _refuse_triple_terms(native)
    lines = nquads_lines(nquads)
    twice = _stated_in_two_graphs(native, order, counts)
    report = _with_warnings(_validate_first_load(scratch, lines, twice), twice)
    result = LoadResult({g.value: counts[g] for g in order}, [str(p) for p in files], report)
    if not report.conforms:
        raise ValidationFailed(report)
    if dry_run:
        return result
    scratch.close()
    del scratch, native
    _give_back_freed_memory()
    graph_counts = {g.value if isinstance(g, ox.NamedNode) else DEFAULT_GRAPH_KEY: n for g, n in counts.items()}
    plain, labelled = split_lines_with_blank_nodes(nquads)
    del nquads
    with following_change(store, whole_store=True):
        record_first_load(store, lines, graph_counts, lambda: store.load_into_empty(plain, labelled))
    result.committed = True
    return result


SCREEN_CONFIRM_LIMIT = 20_000


def _validate_first_load(scratch: OxigraphStore, lines: list[bytes], twice: Mapping) -> ValidationReport:
    """The SHACL report of the union of the graphs of ``scratch`` (``lines``: its dump's), as a
    full validation gives it. With the 'auto' validator and shapes the screen models, the screen
    names the nodes that might have a result and only those are judged (with their neighbourhood,
    as an incremental check judges its focus); none named: the data conforms. Otherwise, or when
    the screen names more than SCREEN_CONFIRM_LIMIT nodes, the whole store is validated."""
    screen = compile_screen(shapes_graph()) if setting_value("validator") == "auto" else None
    if screen is None:
        return validate_store(scratch.native)
    pairs = [(row["sub"].value, row["super"].value) for row in scratch.native.query(
        "SELECT DISTINCT ?sub ?super WHERE { GRAPH ?g { ?sub <http://www.w3.org/2000/01/rdf-schema#subClassOf> "
        "?super } FILTER(isIRI(?sub) && isIRI(?super)) }")]
    # The types come from the store, written by Oxigraph in Rust (scanning the lines for them took
    # longer than reading them back).
    tsv = scratch.native.query("SELECT ?s ?t WHERE { GRAPH ?g { ?s a ?t } }").serialize(
        format=ox.QueryResultsFormat.TSV)
    typing = [tuple(row.split(b"\t", 1)) for row in tsv.split(b"\n")[1:] if row]
    del tsv
    found = screen.suspects(lines, pairs, stated_twice={str(s).encode() for s, _p, _o in twice}, typing=typing)
    del typing
    if not found:
        return ValidationReport(True, [], results_graph=_conforming_report_graph())
    if len(found) > SCREEN_CONFIRM_LIMIT:
        return validate_store(scratch.native)
    focus = {_term_of(node) for node in found}
    report = _judge_focus(scratch, focus, [], set(), {}, _GraphStatingEach([], look_up=True), remote_predicates())
    report.focus_count = None
    return report


_SCRATCH_DEFAULT = ox.NamedNode("urn:innograph:scratch:default-graph")


def _validate_whole(quads: list[ox.Quad], twice: Mapping) -> ValidationReport:
    """``validate_quads(quads)``, through the screen when it applies (as a first load is judged:
    ``_validate_first_load``): a remote load into an empty store, ``innograph validate``."""
    if setting_value("validator") != "auto" or compile_screen(shapes_graph()) is None:
        return validate_quads(quads)
    scratch = OxigraphStore(None)
    try:
        # The screen reads quads in named graphs; the shapes judge the union of the graphs.
        scratch.native.bulk_extend(q if isinstance(q.graph_name, ox.NamedNode) else
                                   ox.Quad(q.subject, q.predicate, q.object, _SCRATCH_DEFAULT) for q in quads)
        nquads = scratch.native.dump(format=ox.RdfFormat.N_QUADS)
        if b"<<(" in nquads:
            _refuse_triple_terms(scratch.native)
        lines = nquads_lines(nquads)
        del nquads
        with _cycle_collector_paused():
            return _validate_first_load(scratch, lines, twice)
    finally:
        scratch.close()


def _term_of(node: bytes):
    text = node.decode("utf-8")
    return ox.BlankNode(text[2:]) if text.startswith("_:") else ox.NamedNode(text[1:-1])


def _conforming_report_graph() -> rdflib.Graph:
    """The SHACL report graph of data that conforms, as the validators write it."""
    graph = rdflib.Graph()
    report = rdflib.BNode()
    graph.add((report, rdflib.RDF.type, _SH.ValidationReport))
    graph.add((report, _SH.conforms, rdflib.Literal(True)))
    return graph


@contextmanager
def _cycle_collector_paused():
    """Python's cycle collector paused: a first load makes millions of short-lived objects (a list
    per line read by the screen) beside a million long-lived ones, and the collections they set off
    scan all of them again and again (1-2 s of 11 at 1M triples). Nothing made here forms a cycle
    that must be freed before the load ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _give_back_freed_memory() -> None:
    """Hand the heap freed by the scratch store back to the system (glibc keeps it otherwise: the
    store's bulk write then came on top of it, 2 GB at the peak of a 1M-triple first load)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):      # not glibc: nothing to do
        pass


def _refuse_triple_terms(scratch: ox.Store) -> None:
    """UsageError (as ``to_rdflib``) for an RDF-star triple term: the shapes cannot judge one."""
    for row in scratch.query("SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isTRIPLE(?o)) } LIMIT 1"):
        to_rdflib(row["o"])


def _stated_in_two_graphs(scratch: ox.Store, order: list, counts: Mapping) -> dict:
    """As ``_GraphStatingEach(...).twice`` of the loaded quads: each triple stated in more than one
    graph -> (the first graph stating it, the last other one), graphs in load order. Looked up
    from every graph but the largest (any triple stated twice has a copy outside it)."""
    largest = max(order, key=lambda g: counts[g], default=None)
    twice: dict = {}
    for graph in order:
        if graph == largest:
            continue
        for quad in scratch.quads_for_pattern(None, None, None, graph):
            triple = (quad.subject, quad.predicate, quad.object)
            if triple in twice:
                continue
            stating = {q.graph_name for q in scratch.quads_for_pattern(*triple)}
            if len(stating) > 1:
                ranked = [g for g in order if g in stating]
                twice[triple] = (ranked[0], ranked[-1])
    return twice

