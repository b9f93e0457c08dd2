"""Ingesting tables: RML mapping -> cell checks -> triples -> reconciliation -> SHACL -> one commit.

``ingest()`` runs one or more RML mappings (``mappings/*.rml.ttl``, see rml.py), each into the
named graph of its dataset (``graph/<mapping name>``, the mapping file name without
``.rml.ttl``). The store as it would be afterwards is validated like every load
(``loading.check_change``); then everything is committed in one transaction, or nothing is.

Every problem is reported by FILE:LINE:COLUMN of the CSV cell that caused it:
- before mapping, each cell read by an ``rml:reference`` with an ``rr:datatype`` is checked against
  that datatype (a year "19x0" for xsd:gYear is refused here);
- after mapping, each SHACL violation is traced back through the triples' origins (a sector code
  that names no sector concept fails ``sh:class`` on the triple made from that cell).

Reconciliation: a mapped node that has ``owl:sameAs`` an IRI (a ROR id) or ``schema:url`` an
address that an existing node outside the target graphs also has is the same thing; its triples
are moved onto the existing IRI (KAIST from ROR becomes ``<organization/kaist>``). The existing
description wins: a mapped value is kept only where the existing node has none for that property
(labels: for that language), so the seed's facts are never overwritten.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import pyoxigraph as ox

from ..errors import InnographError
from ..service.loading import check_change
from ..namespaces import PREFIXES, graph_iri
from .rml import Mapping, MappedTriple, Origin
from ..store import Store
from ..validation.shacl import ValidationReport, shorten, to_rdflib
from ..versions import recording

XSD = "http://www.w3.org/2001/XMLSchema#"
OWL_SAME_AS = ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs")
SCHEMA_URL = ox.NamedNode("https://schema.org/url")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
MULTI_VALUED = {RDF_TYPE.value, OWL_SAME_AS.value, "http://www.w3.org/2004/02/skos/core#altLabel",
                "http://www.w3.org/ns/prov#wasDerivedFrom",
                # Conflicts add up: a new source disagreeing with a node does not replace older disagreements.
                "https://w3id.org/innograph/ontology#conflictsWith"}
LABELS = {"http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/2004/02/skos/core#prefLabel"}

# Lexical forms of the XSD datatypes a table cell may be declared to hold.
_LEXICAL = {
    "integer": (r"[+-]?[0-9]+", "a whole number"),
    "positiveInteger": (r"\+?0*[1-9][0-9]*", "a whole number of at least 1"),
    "nonNegativeInteger": (r"\+?[0-9]+", "a whole number of at least 0"),
    "decimal": (r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)", "a decimal number such as 12.5"),
    "double": (r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|INF|-INF|NaN", "a number"),
    "gYear": (r"-?[0-9]{4}", "a year such as 2005"),
    "gYearMonth": (r"-?[0-9]{4}-(0[1-9]|1[0-2])", "a year and month such as 2024-09"),
    "date": (r"-?[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])", "a date such as 2024-09-03"),
    "dateTime": (r"-?[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?",
                 "a date and time such as 2024-09-04T09:30:00+09:00"),
    "boolean": (r"true|false|1|0", "true or false"),
    "anyURI": (r"\S+", "an address without spaces"),
}


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong with the table, at a cell (or a row, when no single cell is to blame)."""

    origin: Origin | None
    message: str

    def to_text(self) -> str:
        """``FILE:LINE[:N] (column NAME): message``, or '(not from a table row)' for the place."""
        return f"{self.origin.where() if self.origin else '(not from a table row)'}: {self.message}"


class IngestFailed(InnographError):
    """The tables cannot be ingested; ``problems`` names each bad cell. Nothing was written."""

    exit_code = 1
    http_status = 422

    def __init__(self, problems: list[RowProblem], report: ValidationReport | None = None):
        self.problems = problems
        self.report = report
        n = len(problems)
        super().__init__(f"{n} problem{'s' if n != 1 else ''} in the table(s); nothing was written\n"
                         + "\n".join(p.to_text() for p in problems))


@dataclass
class DatasetResult:
    """What one mapping gave: the dataset's name, graph IRI and mapping file, the triples (after
    reconciliation) made from how many rows, the mapped IRIs moved onto existing ones (mapped ->
    existing), and the quads."""

    name: str
    graph: str
    mapping: str
    triples: int
    rows: int
    reconciled: dict[str, str] = field(default_factory=dict)
    quads: list[ox.Quad] = field(default_factory=list)


@dataclass
class IngestResult:
    """What an ingest did (or, for a dry run, would do): each dataset, the validation report and
    whether it was committed."""

    datasets: list[DatasetResult]
    report: ValidationReport | None = None
    committed: bool = False

    @property
    def triples(self) -> int:
        """The triples of all datasets together."""
        return sum(d.triples for d in self.datasets)


def dataset_name(mapping_path: Path) -> str:
    """``mappings/breadth-ror-organisations.rml.ttl`` -> ``breadth-ror-organisations``."""
    name = Path(mapping_path).name
    for suffix in (".rml.ttl", ".ttl"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return Path(mapping_path).stem


def check_cells(mapping: Mapping) -> list[RowProblem]:
    """Each cell whose text is not a valid lexical form of the datatype its term map declares."""
    problems = []
    seen = set()
    for source, use in mapping.reference_uses():
        if not use.datatype or not use.datatype.startswith(XSD) or use.term_type != "Literal":
            continue
        local = use.datatype[len(XSD):]
        if local not in _LEXICAL:
            continue
        pattern, wanted = _LEXICAL[local]
        for row in mapping.rows(source):
            value = row.values.get(use.column)
            if value is None or re.fullmatch(pattern, value.strip()):
                continue
            key = (row.file, row.line, use.column)
            if key in seen:
                continue
            seen.add(key)
            problems.append(RowProblem(row.origin(use.column),
                                       f"{value!r} is not xsd:{local} ({wanted}), which "
                                       f"{shorten(to_rdflib(ox.NamedNode(use.predicate))) if use.predicate else 'the mapping'}"
                                       f" needs"))
    return problems


def _existing_index(store: Store, exclude: set[ox.NamedNode]) -> dict[tuple[str, str], ox.NamedNode]:
    """(predicate, value) -> existing node, for owl:sameAs and schema:url outside ``exclude``."""
    index = {}
    for predicate in (OWL_SAME_AS, SCHEMA_URL):
        for quad in store.quads_matching(predicate=predicate):
            if quad.graph_name in exclude or not isinstance(quad.subject, ox.NamedNode):
                continue
            index.setdefault((predicate.value, quad.object.value), quad.subject)
    return index


def reconcile(store: Store, triples: dict[ox.Triple, MappedTriple],
              exclude: set[ox.NamedNode]) -> tuple[dict[ox.Triple, MappedTriple], dict[str, str]]:
    """Move mapped nodes onto the existing nodes they are the same as (see the module docstring)."""
    index = _existing_index(store, exclude)
    renamed: dict[ox.NamedNode, ox.NamedNode] = {}
    for triple in triples:
        if triple.predicate in (OWL_SAME_AS, SCHEMA_URL) and isinstance(triple.subject, ox.NamedNode):
            target = index.get((triple.predicate.value, triple.object.value))
            if target is None and triple.predicate == OWL_SAME_AS and _described_elsewhere(store, triple.object, exclude):
                # A mapping may say outright which existing node a row is (a lookup table of seed IRIs).
                target = triple.object
            if target is not None and target != triple.subject:
                renamed.setdefault(triple.subject, target)
    # Nodes kept under their own IRI that other graphs already describe are treated the same way.
    known = set(renamed.values())
    for subject in {t.subject for t in triples if isinstance(t.subject, ox.NamedNode)} - set(renamed):
        if any(q.graph_name not in exclude for q in store.quads_matching(subject=subject)):
            known.add(subject)
    if not known:
        return _without_restated(store, triples, exclude), {}
    existing: dict[ox.NamedNode, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for target in known:
        for quad in store.quads_matching(subject=target):
            if quad.graph_name in exclude:
                continue
            key = quad.predicate.value
            existing[target][key].add(quad.object.language if key in LABELS and isinstance(quad.object, ox.Literal)
                                      else quad.object)
    out: dict[ox.Triple, MappedTriple] = {}
    for triple, mapped in triples.items():
        subject = renamed.get(triple.subject, triple.subject)
        obj = renamed.get(triple.object, triple.object) if isinstance(triple.object, ox.NamedNode) else triple.object
        if subject in existing:
            have = existing[subject].get(triple.predicate.value)
            if have:
                if triple.predicate.value in LABELS:
                    if isinstance(obj, ox.Literal) and obj.language in have:
                        continue
                elif triple.predicate.value not in MULTI_VALUED:
                    continue
        new = ox.Triple(subject, triple.predicate, obj)
        if triple.predicate == OWL_SAME_AS and subject == obj:
            continue
        if new in out:
            out[new].origins |= mapped.origins
        else:
            out[new] = MappedTriple(new, set(mapped.origins))
    return _without_restated(store, out, exclude), {k.value: v.value for k, v in renamed.items()}


def _described_elsewhere(store: Store, node, exclude: set[ox.NamedNode]) -> bool:
    from ..namespaces import ID_BASE
    if not isinstance(node, ox.NamedNode) or not node.value.startswith(ID_BASE):
        return False
    return any(q.graph_name not in exclude for q in store.quads_matching(subject=node))


def _without_restated(store: Store, triples: dict[ox.Triple, MappedTriple],
                      exclude: set[ox.NamedNode]) -> dict[ox.Triple, MappedTriple]:
    """``triples`` less those another graph (outside ``exclude``) already holds.

    Each triple has one home: Oxigraph's union default graph does not merge duplicates, so a triple
    stored in two named graphs is counted twice by every query over the union. Triples with a
    blank node are kept (their blank nodes are the mapping's own).
    """
    held: dict = {}
    out = {}
    for triple, mapped in triples.items():
        if not isinstance(triple.subject, ox.BlankNode) and not isinstance(triple.object, ox.BlankNode):
            if triple.subject not in held:   # one look-up per subject, not per triple (remote stores)
                held[triple.subject] = {ox.Triple(q.subject, q.predicate, q.object)
                                        for q in store.quads_matching(subject=triple.subject)
                                        if q.graph_name not in exclude}
            if triple in held[triple.subject]:
                continue
        out[triple] = mapped
    return out


def _trace(report: ValidationReport, triples: dict[ox.Triple, MappedTriple],
           columns_by_predicate: dict[str, set[str]]) -> list[RowProblem]:
    """Each violation of ``report`` at the CSV cell(s) that produced the offending triple or node."""
    by_subject: dict[str, list[MappedTriple]] = defaultdict(list)
    for mapped in triples.values():
        by_subject[shorten(to_rdflib(mapped.triple.subject))].append(mapped)
    problems: list[RowProblem] = []
    for v in report.violations:
        if v.severity != "Violation":
            continue
        detail = f"{v.message} [{v.focus_node}{' ' + v.path if v.path else ''}" + \
                 (f" = {v.value}" if v.value is not None else "") + "]"
        mine = by_subject.get(v.focus_node, [])
        exact = [m for m in mine if v.path and shorten(to_rdflib(m.triple.predicate)) == v.path
                 and (v.value is None or shorten(to_rdflib(m.triple.object)) == v.value)]
        origins: set[Origin] = set()
        for m in exact:
            origins |= m.origins
        if not origins and mine:
            # A missing value: blame the rows that made the node, at the column meant to give it.
            wanted = sorted(columns_by_predicate.get(_expand(v.path), ())) if v.path else []
            for m in mine:
                for o in m.origins:
                    column = wanted[0] if wanted else None
                    origins.add(Origin(o.file, o.line, column, None) if column is None else
                                _with_column(o, column))
        if not origins:
            problems.append(RowProblem(None, detail))
        for origin in sorted(origins, key=lambda o: (o.file, o.line, o.column_number or 0)):
            problems.append(RowProblem(origin, detail))
    unique = list(dict.fromkeys(problems))
    return unique


def _with_column(origin: Origin, column: str) -> Origin:
    return Origin(origin.file, origin.line, column, None)


def _expand(curie: str) -> str:
    if curie.startswith("<") and curie.endswith(">"):
        return curie[1:-1]
    prefix, _, local = curie.partition(":")
    return PREFIXES.get(prefix, prefix + ":") + local


def ingest(store: Store, mapping_paths: Iterable[Path], *, graph: str | None = None, dry_run: bool = False,
           sources: dict[str, Path] | None = None) -> IngestResult:
    """Map, check, validate and commit the tables of ``mapping_paths``, each into its own graph.

    ``graph`` overrides the graph IRI (only with a single mapping); ``sources`` points logical
    sources (by file name) at other files. Raises IngestFailed (bad cells or shape violations,
    each at file:line:column; the store is unchanged), MappingError (the mapping itself is wrong) or
    InnographError (``graph`` with several mappings).
    """
    mapping_paths = [Path(p) for p in mapping_paths]
    if graph and len(mapping_paths) != 1:
        raise InnographError("--graph needs exactly one MAPPING")
    mappings = []
    problems: list[RowProblem] = []
    for path in mapping_paths:
        mapping = Mapping(path, sources=sources)
        mappings.append(mapping)
        problems += check_cells(mapping)
    graphs = {ox.NamedNode(graph or graph_iri(dataset_name(p))): m for p, m in zip(mapping_paths, mappings)}
    exclude = set(graphs)
    datasets: list[DatasetResult] = []
    all_triples: dict[ox.Triple, MappedTriple] = {}
    columns_by_predicate: dict[str, set[str]] = defaultdict(set)
    replace: dict = {}
    for (graph_node, mapping), path in zip(graphs.items(), mapping_paths):
        triples, renamed = reconcile(store, mapping.run(), exclude)
        for tm in mapping.triples_maps.values():
            for pom in tm.poms:
                for pm in pom.predicates:
                    if pm.constant is not None:
                        for om in pom.objects:
                            columns_by_predicate[str(pm.constant)].update(om.columns())
        all_triples.update(triples)
        quads = [ox.Quad(t.subject, t.predicate, t.object, graph_node) for t in triples]
        replace[graph_node] = quads
        rows = sum(len(mapping.rows(s)) for s in mapping.source_files())
        datasets.append(DatasetResult(dataset_name(path), graph_node.value, str(path), len(quads), rows,
                                      renamed, quads))
    report = check_change(store, replace=replace)
    if problems or not report.conforms:
        # Shape violations at a cell already reported as ill-typed say the same thing again.
        bad_cells = {(p.origin.file, p.origin.line, p.origin.column) for p in problems if p.origin}
        traced = [] if report.conforms else _trace(report, all_triples, columns_by_predicate)
        problems += [p for p in traced
                     if not p.origin or (p.origin.file, p.origin.line, p.origin.column) not in bad_cells]
        raise IngestFailed(problems, report)
    result = IngestResult(datasets, report)
    if not dry_run:
        with recording(store, replace=replace):  # versions: the change becomes a version (issue 17)
            store.replace_graphs(replace)
        result.committed = True
    return result


def to_turtle(quads: list[ox.Quad]) -> bytes:
    """A dataset's triples as Turtle with the project's prefixes and instance base (data/ style)."""
    from ..namespaces import ID_BASE
    triples = sorted((ox.Triple(q.subject, q.predicate, q.object) for q in quads), key=str)
    body = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES).decode()
    # Instances relative to the instance base, as in the hand-written data files.
    body = body.replace("<" + ID_BASE, "<")
    return (f"# Generated by 'innograph ingest' from an RML mapping in mappings/; do not edit by hand.\n"
            f"@base <{ID_BASE}> .\n" + body).encode()
