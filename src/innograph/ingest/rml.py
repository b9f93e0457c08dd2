"""An RML processor for CSV sources: R2RML/RML mapping documents in, pyoxigraph triples out.

Implements the part of RML (https://rml.io/specs/rml/) that tabular data needs: CSV logical
sources (``rml:source`` relative to the mapping file, ``ql:CSV``), subject maps, predicate-object
maps, ``rr:class``, term maps by ``rr:template``, ``rml:reference``, ``rr:constant`` and
``fnml:functionValue`` (RML-FNML), ``rr:termType``, ``rr:datatype``, ``rr:language``, referencing
object maps (``rr:parentTriplesMap`` with ``rr:joinCondition``). Templates percent-encode their
values as R2RML section 7.3 says; references used as IRIs are taken as they are. A null (empty)
cell yields no term and so no triple. ``rr:graphMap`` is ignored: the caller chooses the graph.

Every triple remembers the CSV rows and columns it came from (``MappedTriple.origins``), so a
problem found later (a SHACL violation on a node) can be reported by file, line and column.
Why not an external engine: see docs/ingest.md (morph-kgc 2.3.1 fails on pandas 3, 2.10 pins old
pyoxigraph/rdflib, SDM-RDFizer needs ODBC system libraries and encodes reference IRIs).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import quote

import pyoxigraph as ox
import rdflib
from rdflib import RDF

from ..errors import InnographError
from .mapping_functions import FUNCTIONS

RR = rdflib.Namespace("http://www.w3.org/ns/r2rml#")
RML = rdflib.Namespace("http://semweb.mmlab.be/ns/rml#")
QL = rdflib.Namespace("http://semweb.mmlab.be/ns/ql#")
FNML = rdflib.Namespace("http://semweb.mmlab.be/ns/fnml#")
FNO = rdflib.Namespace("https://w3id.org/function/ontology#")
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

_TEMPLATE_PART = re.compile(r"(?<!\\)\{([^{}]*)\}")


class MappingError(InnographError):
    """The mapping document is wrong or unsupported; the message names the triples map."""


@dataclass(frozen=True)
class Origin:
    """Where a value came from: a CSV file, its physical line (1 = header) and a column."""

    file: str
    line: int
    column: str | None
    column_number: int | None

    def where(self) -> str:
        """``FILE:LINE``, then ``:N`` when the column's number is known and `` (column NAME)`` when
        the column is."""
        where = f"{self.file}:{self.line}"
        if self.column_number is not None:
            where += f":{self.column_number}"
        return where + (f" (column {self.column})" if self.column else "")


@dataclass
class Row:
    """One CSV record: the file as reported, its first physical line, the cells by column (None for
    an empty cell) and the header."""

    file: str
    line: int
    values: dict[str, str | None]
    header: list[str]

    def origin(self, column: str | None) -> Origin:
        """Where ``column`` of this row is (no column number when the header lacks it)."""
        number = self.header.index(column) + 1 if column in self.header else None
        return Origin(self.file, self.line, column, number)


@dataclass
class Term:
    """A term a term map made, and the columns it was made from."""

    value: ox.NamedNode | ox.BlankNode | ox.Literal
    columns: tuple[str, ...] = ()


@dataclass
class MappedTriple:
    """A mapped triple and every cell (or row) it came from."""

    triple: ox.Triple
    origins: set[Origin] = field(default_factory=set)


@dataclass
class ReferenceUse:
    """A column read by a term map, with what the term map makes of it (for checks before mapping)."""

    triples_map: str
    column: str
    predicate: str | None
    datatype: str | None
    term_type: str


def read_csv(path: Path, display: str | None = None) -> tuple[list[str], list[Row]]:
    """The header and the rows of a CSV file (UTF-8, optional BOM), each row with its first line.

    Blank lines and lines whose first cell starts with '#' are no rows. Raises MappingError naming
    ``display`` (and the line) for a file that cannot be read, has no header, is not UTF-8 CSV, or
    has a row whose cells do not match the header.
    """
    display = display or str(path)
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise MappingError(f"{display}: cannot read the logical source: {exc.strerror}") from None
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            raise MappingError(f"{display}: the CSV file is empty (no header)") from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise MappingError(f"{display}:1: cannot read the CSV header: {exc}") from None
        header = [h.strip() for h in header]
        rows: list[Row] = []
        line = reader.line_num + 1
        try:
            for record in reader:
                # Blank lines and '#' comment lines (templates describe their columns so) are no rows.
                if not any(cell.strip() for cell in record) or record[0].lstrip().startswith("#"):
                    line = reader.line_num + 1
                    continue
                if len(record) != len(header):
                    raise MappingError(f"{display}:{line}: {len(record)} cells where the header has "
                                       f"{len(header)} columns")
                values = {h: (cell if cell.strip() != "" else None) for h, cell in zip(header, record)}
                rows.append(Row(display, line, values, header))
                line = reader.line_num + 1
        except (csv.Error, UnicodeDecodeError) as exc:
            raise MappingError(f"{display}:{line}: cannot read the CSV row: {exc}") from None
    return header, rows


def _iri_safe(value: str) -> str:
    """R2RML's IRI-safe form: percent-encode everything but the unreserved characters."""
    return quote(value, safe="-._~")


class TermMap:
    """One term map (subject, predicate, object, graph or function parameter) of a mapping."""

    def __init__(self, mapping: "Mapping", node, role: str, where: str):
        graph = mapping.graph
        self.mapping = mapping
        self.where = where
        self.role = role
        self.constant = graph.value(node, RR.constant)
        self.template = graph.value(node, RR.template)
        self.reference = graph.value(node, RML.reference) or graph.value(node, RR.column)
        function = graph.value(node, FNML.functionValue)
        self.function = FunctionCall(mapping, function, where) if function is not None else None
        self.datatype = graph.value(node, RR.datatype)
        self.language = graph.value(node, RR.language)
        self.parent = graph.value(node, RR.parentTriplesMap)
        self.joins = [(str(graph.value(j, RR.child)), str(graph.value(j, RR.parent)))
                      for j in graph.objects(node, RR.joinCondition)]
        term_type = graph.value(node, RR.termType)
        if term_type is None:
            literal_hint = (self.reference is not None or self.datatype is not None
                            or self.language is not None or self.function is not None)
            term_type = RR.Literal if role == "object" and literal_hint else RR.IRI
            if role == "parameter":
                term_type = RR.Literal   # a function argument is text: templates are filled, not encoded
            if self.constant is not None:
                term_type = RR.Literal if isinstance(self.constant, rdflib.Literal) else RR.IRI
        self.term_type = term_type
        kinds = [x for x in (self.constant, self.template, self.reference, self.function, self.parent)
                 if x is not None]
        if len(kinds) != 1:
            raise MappingError(f"{where}: a {role} map needs exactly one of rr:constant, rr:template, "
                               f"rml:reference, fnml:functionValue or rr:parentTriplesMap")

    def columns(self) -> tuple[str, ...]:
        """The columns this map reads: its reference, the columns its template names, or its
        function's parameters' columns."""
        if self.reference is not None:
            return (str(self.reference),)
        if self.template is not None:
            return tuple(_TEMPLATE_PART.findall(str(self.template)))
        if self.function is not None:
            return self.function.columns()
        return ()

    def values(self, row: Row) -> list[str]:
        """The lexical values this map yields for ``row`` (none for a null).

        Raises MappingError naming a referenced column the source does not have.
        """
        if self.constant is not None:
            return [str(self.constant)]
        if self.reference is not None:
            column = str(self.reference)
            if column not in row.values:
                raise MappingError(f"{self.where}: rml:reference {column!r} is not a column of {row.file} "
                                   f"(columns: {', '.join(row.header)})")
            value = row.values[column]
            return [] if value is None else [value]
        if self.template is not None:
            template = str(self.template)
            missing = False

            def fill(match):
                nonlocal missing
                column = match.group(1)
                if column not in row.values:
                    raise MappingError(f"{self.where}: template column {column!r} is not a column of "
                                       f"{row.file}")
                value = row.values[column]
                if value is None:
                    missing = True
                    return ""
                return _iri_safe(value) if self.term_type == RR.IRI else value
            text = _TEMPLATE_PART.sub(fill, template).replace("\\{", "{").replace("\\}", "}")
            return [] if missing else [text]
        return self.function.evaluate(row)

    def terms(self, row: Row) -> list[Term]:
        """The RDF terms this map yields for ``row``: a relative IRI is resolved against the
        mapping's base; a literal takes the map's language or datatype (a constant its own).

        Raises MappingError at the cell for a value that makes no valid IRI, and as ``values`` does.
        """
        columns = self.columns()
        if self.constant is not None and self.term_type != RR.Literal:
            return [Term(ox.NamedNode(str(self.constant)), columns)]
        if isinstance(self.constant, rdflib.Literal) and (self.constant.language or self.constant.datatype):
            # A constant literal keeps its own language tag or datatype ("area"@en).
            if self.constant.language:
                return [Term(ox.Literal(str(self.constant), language=self.constant.language), columns)]
            return [Term(ox.Literal(str(self.constant), datatype=ox.NamedNode(str(self.constant.datatype))), columns)]
        out = []
        for value in self.values(row):
            if self.term_type == RR.IRI:
                iri = value if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", value) else self.mapping.base + value
                try:
                    out.append(Term(ox.NamedNode(iri), columns))
                except ValueError:
                    raise MappingError(f"{row.origin(columns[0] if columns else None).where()}: "
                                       f"{value!r} does not make a valid IRI ({self.where})") from None
            elif self.term_type == RR.BlankNode:
                out.append(Term(ox.BlankNode(_iri_safe(value).replace("%", "_")), columns))
            elif self.language is not None:
                out.append(Term(ox.Literal(value, language=str(self.language)), columns))
            elif self.datatype is not None and str(self.datatype) != XSD_STRING:
                out.append(Term(ox.Literal(value, datatype=ox.NamedNode(str(self.datatype))), columns))
            else:
                out.append(Term(ox.Literal(value), columns))
        return out


class FunctionCall:
    """An RML-FNML function value: the function (fno:executes) and its parameters."""

    def __init__(self, mapping: "Mapping", node, where: str):
        graph = mapping.graph
        self.where = where
        self.function = None
        self.parameters: list[tuple[str, TermMap]] = []
        for pom in graph.objects(node, RR.predicateObjectMap):
            predicate = graph.value(pom, RR.predicate)
            object_map = graph.value(pom, RR.objectMap)
            if predicate is None or object_map is None:
                raise MappingError(f"{where}: each function parameter needs rr:predicate and rr:objectMap")
            if predicate == FNO.executes:
                self.function = str(graph.value(object_map, RR.constant))
            else:
                self.parameters.append((str(predicate), TermMap(mapping, object_map, "parameter", where)))
        if self.function not in FUNCTIONS:
            raise MappingError(f"{where}: unknown function {self.function!r}; known: "
                               f"{', '.join(sorted(FUNCTIONS))}")
        self.implementation: Callable = FUNCTIONS[self.function]

    def columns(self) -> tuple[str, ...]:
        """The columns its parameters read."""
        return tuple(c for _, m in self.parameters for c in m.columns())

    def evaluate(self, row: Row) -> list[str]:
        """The function's values for ``row``: each parameter is passed its one value, a list when
        it has several, None when it has none; a None result gives no value, a list its items that
        are not None. Raises MappingError as ``TermMap.values`` does."""
        arguments = {}
        for name, term_map in self.parameters:
            values = term_map.values(row)
            arguments[name] = values[0] if len(values) == 1 else (values or None)
        result = self.implementation(arguments)
        if result is None:
            return []
        return [result] if isinstance(result, str) else [v for v in result if v is not None]


@dataclass
class PredicateObjectMap:
    """The predicate and object maps of one rr:predicateObjectMap: every predicate goes with every
    object."""

    predicates: list[TermMap]
    objects: list[TermMap]


class TriplesMap:
    """One triples map: its CSV logical source (resolved against the mapping's folder), subject map,
    classes and predicate-object maps.

    Raises MappingError naming the triples map for a missing logical source or subject map, a
    source that is not ql:CSV, or a predicate-object map without a predicate or an object.
    """

    def __init__(self, mapping: "Mapping", node):
        graph = mapping.graph
        self.node = node
        self.name = str(node).rsplit("#", 1)[-1] if "#" in str(node) else str(node)
        where = f"{mapping.path.name} <#{self.name}>"
        self.where = where
        source = graph.value(node, RML.logicalSource)
        location = graph.value(source, RML.source) if source is not None else None
        if location is None:
            raise MappingError(f"{where}: needs rml:logicalSource [ rml:source \"file.csv\" ]")
        formulation = graph.value(source, RML.referenceFormulation)
        if formulation is not None and formulation != QL.CSV:
            raise MappingError(f"{where}: only ql:CSV sources are supported, not {formulation}")
        self.source = (mapping.path.parent / str(location)).resolve()
        subject = graph.value(node, RR.subjectMap)
        if subject is None:
            raise MappingError(f"{where}: needs rr:subjectMap")
        self.subject = TermMap(mapping, subject, "subject", where)
        self.classes = [ox.NamedNode(str(c)) for c in graph.objects(subject, RR["class"])]
        self.poms: list[PredicateObjectMap] = []
        for pom in graph.objects(node, RR.predicateObjectMap):
            predicates = [TermMap(mapping, p, "predicate", where) for p in graph.objects(pom, RR.predicateMap)]
            predicates += [_constant_map(mapping, p, "predicate", where) for p in graph.objects(pom, RR.predicate)]
            objects = [TermMap(mapping, o, "object", where) for o in graph.objects(pom, RR.objectMap)]
            objects += [_constant_map(mapping, o, "object", where) for o in graph.objects(pom, RR.object)]
            if not predicates or not objects:
                raise MappingError(f"{where}: a predicate-object map needs a predicate and an object")
            self.poms.append(PredicateObjectMap(predicates, objects))


def _constant_map(mapping, value, role, where) -> TermMap:
    node = rdflib.BNode()
    mapping.graph.add((node, RR.constant, value))
    return TermMap(mapping, node, role, where)


class Mapping:
    """An RML mapping document (Turtle) and its triples maps; ``sources`` points logical sources
    (by file name) at other files.

    Raises MappingError for a missing file, a document that is not Turtle, one with no triples
    map, or a triples map or term map that is wrong (it names which).
    """

    def __init__(self, path: Path, *, sources: dict[str, Path] | None = None):
        self.path = Path(path)
        self.graph = rdflib.Graph()
        try:
            self.graph.parse(self.path, format="turtle")
        except FileNotFoundError:
            raise MappingError(f"{path}: no such mapping file") from None
        except Exception as exc:  # rdflib raises several parser exception types
            raise MappingError(f"{path}: not a Turtle mapping document: {exc}") from None
        self.base = "https://w3id.org/innograph/id/"
        nodes = sorted(set(self.graph.subjects(RML.logicalSource, None)), key=str)
        if not nodes:
            raise MappingError(f"{path}: no triples map (nothing has rml:logicalSource)")
        self.triples_maps = {n: TriplesMap(self, n) for n in nodes}
        # A caller may point a logical source at another file (tests, templates filled elsewhere).
        for tm in self.triples_maps.values():
            if sources and tm.source.name in sources:
                tm.source = Path(sources[tm.source.name]).resolve()
        self._rows: dict[Path, tuple[list[str], list[Row]]] = {}
        self._joins: dict[tuple, dict] = {}

    def source_files(self) -> list[Path]:
        """The CSV files the triples maps read, sorted."""
        return sorted({tm.source for tm in self.triples_maps.values()})

    def rows(self, source: Path) -> list[Row]:
        """The rows of ``source``, read once. Raises MappingError as ``read_csv`` does."""
        if source not in self._rows:
            self._rows[source] = read_csv(source, _display(source))
        return self._rows[source][1]

    def header(self, source: Path) -> list[str]:
        """The column names of ``source``, read once. Raises MappingError as ``read_csv`` does."""
        self.rows(source)
        return self._rows[source][0]

    def reference_uses(self) -> Iterator[tuple[Path, ReferenceUse]]:
        """Each (source, column use) of a plain rml:reference object map, for checks before mapping."""
        for tm in self.triples_maps.values():
            for pom in tm.poms:
                for om in pom.objects:
                    if om.reference is None:
                        continue
                    for pm in pom.predicates:
                        yield tm.source, ReferenceUse(tm.name, str(om.reference),
                                                      str(pm.constant) if pm.constant is not None else None,
                                                      str(om.datatype) if om.datatype is not None else None,
                                                      str(om.term_type).rsplit("#", 1)[-1])

    def run(self) -> dict[ox.Triple, MappedTriple]:
        """Map every row of every triples map; triples keyed by value, each with its origins.

        Raises MappingError for the first cell or term map that cannot be mapped, or for an
        rr:parentTriplesMap that is not a triples map of this document.
        """
        out: dict[ox.Triple, MappedTriple] = {}
        rdf_type = ox.NamedNode(str(RDF.type))

        def emit(s: Term, p: Term, o: Term, row: Row):
            triple = ox.Triple(s.value, p.value, o.value)
            mapped = out.get(triple)
            if mapped is None:
                mapped = out[triple] = MappedTriple(triple)
            columns = o.columns or s.columns or (None,)
            for column in columns:
                mapped.origins.add(row.origin(column))

        for tm in self.triples_maps.values():
            for row in self.rows(tm.source):
                subjects = tm.subject.terms(row)
                for subject in subjects:
                    for cls in tm.classes:
                        emit(subject, Term(rdf_type), Term(cls, subject.columns), row)
                    for pom in tm.poms:
                        predicates = [t for pm in pom.predicates for t in pm.terms(row)]
                        for om in pom.objects:
                            objects = self._parent_terms(om, row) if om.parent is not None else om.terms(row)
                            for predicate in predicates:
                                for obj in objects:
                                    emit(subject, predicate, obj, row)
        return out

    def _parent_terms(self, om: TermMap, row: Row) -> list[Term]:
        parent = self.triples_maps.get(om.parent)
        if parent is None:
            raise MappingError(f"{om.where}: rr:parentTriplesMap {om.parent} is not a triples map here")
        if not om.joins:
            return parent.subject.terms(row) if parent.source == self._source_of(row) else []
        out = []
        for candidate in self._join_index(parent, tuple(p for _, p in om.joins)).get(
                tuple(row.values.get(c) for c, _ in om.joins), []):
            for term in parent.subject.terms(candidate):
                out.append(Term(term.value, tuple(c for c, _ in om.joins)))
        return out

    def _source_of(self, row: Row) -> Path | None:
        for source, (_, rows) in self._rows.items():
            if _display(source) == row.file:
                return source
        return None

    def _join_index(self, parent: TriplesMap, columns: tuple[str, ...]) -> dict:
        key = (parent.node, columns)
        if key not in self._joins:
            index: dict = {}
            for row in self.rows(parent.source):
                index.setdefault(tuple(row.values.get(c) for c in columns), []).append(row)
            self._joins[key] = index
        return self._joins[key]


def _display(path: Path) -> str:
    """A path as reported: relative to the working directory when under it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
