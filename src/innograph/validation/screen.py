"""A fast, conservative SHACL screen over N-Quads lines: it names every node that *might* have a
validation result, so that only those are judged by a SHACL engine (loading.py does that, and the
report is then the engine's own).

Validating 1M triples whole took pyshacl-turbo 13-22 s and 800 MB on this machine; the same shapes
compiled into one SPARQL aggregate per property shape took Oxigraph 15 s (each query joins every
triple of its predicate). The screen reads the lines of a dump once, in Python, with each property
shape compiled into checks on the N-Triples form of the values, cached per distinct value.

Its checks are never looser than SHACL's: a value it passes is one the SHACL engines pass (datatype
lexical forms by strict regular expressions, sh:in by the exact term, sh:languageIn by the exact
tag, a literal with an escape sequence is sent on...), while a node it names may still conform. A
triple stated in two graphs makes its subject a suspect (the counts here are per graph). Shapes
using anything it does not model (SPARQL constraints, other targets, paths of more than one step,
sh:node, ...) make ``compile_screen`` return None: the caller then validates everything.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Callable, Iterable

import rdflib
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD

_SH = str(SH)
# Parameters that do not constrain (or that the shapes' structure already covers).
_NEUTRAL = {SH.message, SH.severity, SH.name, SH.description, SH.order, SH.group, SH.defaultValue,
            SH.path, SH.property, SH.targetClass, SH.flags, SH.deactivated}
_VALUE_PARAMETERS = {SH.datatype, SH["class"], SH.nodeKind, SH.pattern, SH.languageIn, SH.minInclusive,
                     SH.maxInclusive, SH.minExclusive, SH.maxExclusive, SH["in"], SH.hasValue, SH["or"]}
_COUNT_PARAMETERS = {SH.minCount, SH.maxCount, SH.uniqueLang, SH.qualifiedValueShape, SH.qualifiedMinCount}
_UNMODELLED = (SH.target, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.sparql, SH.node,
               SH["not"], SH["and"], SH.xone, SH.closed, SH.equals, SH.disjoint, SH.lessThan,
               SH.lessThanOrEquals, SH.minLength, SH.maxLength, SH.qualifiedMaxCount,
               SH.qualifiedValueShapesDisjoint)

_YEAR = "[1-9][0-9]{3}"
_MONTH_DAY = ("((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)"
              "|02-(0[1-9]|1[0-9]|2[0-8]))")
# Lexical forms every SHACL engine here accepts for the datatype (narrower than XSD allows: a
# literal outside them is only sent to the SHACL engine).
STRICT_LEXICAL = {
    str(XSD.integer): "-?[0-9]+",
    str(XSD.decimal): r"-?[0-9]+(\.[0-9]+)?",
    str(XSD.gYear): _YEAR,
    str(XSD.gYearMonth): f"{_YEAR}-(0[1-9]|1[0-2])",
    str(XSD.date): f"{_YEAR}-{_MONTH_DAY}",
    str(XSD.dateTime): (f"{_YEAR}-{_MONTH_DAY}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
                        r"(\.[0-9]{1,6})?(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9])?"),
    str(XSD.anyURI): r"https?://[A-Za-z0-9._~:/?#@!$&'()*+,;=%-]+",
}
_NUMERIC = {str(XSD.integer), str(XSD.decimal)}
_DECIMAL = re.compile(rb"-?[0-9]+(\.[0-9]+)?")
_RDF_TYPE = f"<{RDF.type}>".encode()
_STRING, _LANG_STRING = str(XSD.string), str(RDF.langString)


class Unsupported(Exception):
    """The shapes use something the screen does not model."""


@dataclass(frozen=True)
class Value:
    """A term in N-Triples form, split: ``kind`` is 'iri', 'blank' or 'literal'; for a literal,
    ``text`` is its lexical form as written (escapes kept), ``lang`` and ``datatype`` its tag or
    datatype IRI; for an IRI, ``text`` is the IRI."""

    raw: bytes
    kind: str
    text: bytes = b""
    lang: bytes = b""
    datatype: str = ""


def split_term(raw: bytes) -> Value:
    """A term as pyoxigraph's N-Triples serializer writes it."""
    first = raw[:1]
    if first == b"<":
        return Value(raw, "iri", raw[1:-1])
    if first == b"_":
        return Value(raw, "blank")
    end = raw.rindex(b'"')
    suffix = raw[end + 1:]
    if suffix.startswith(b"@"):
        return Value(raw, "literal", raw[1:end], suffix[1:], _LANG_STRING)
    if suffix.startswith(b"^^<"):
        return Value(raw, "literal", raw[1:end], b"", suffix[3:-1].decode())
    return Value(raw, "literal", raw[1:end], b"", _STRING)


Check = Callable[[Value, Callable[[bytes], set]], bool]   # (value, types of a node) -> passes


def _iri_bytes(node) -> bytes:
    return f"<{node}>".encode()


def _nt(node) -> bytes | None:
    """The N-Triples form of an rdflib IRI or literal as pyoxigraph writes it (None: not sure)."""
    if isinstance(node, rdflib.URIRef):
        return _iri_bytes(node)
    if isinstance(node, rdflib.Literal) and "\\" not in str(node) and '"' not in str(node) and "\n" not in str(node):
        if node.language:
            return f'"{node}"@{node.language.lower()}'.encode()
        if node.datatype is None or str(node.datatype) == str(XSD.string):
            return f'"{node}"'.encode()
        return f'"{node}"^^<{node.datatype}>'.encode()
    return None


@dataclass
class PropertyCheck:
    """One property shape under the node shapes targeting ``classes``."""

    classes: frozenset
    path: bytes
    min_count: int = 0
    max_count: int | None = None
    unique_lang: bool = False
    value_checks: list = field(default_factory=list)
    qualified_min: list = field(default_factory=list)   # (check, minimum)
    has_value: list = field(default_factory=list)       # N-Triples terms


class _Compiler:
    def __init__(self, shapes: rdflib.Graph):
        self.shapes = shapes
        self.classes_needed: set[str] = set()

    def params(self, shape) -> set:
        return {p for p in self.shapes.predicates(shape, None) if str(p).startswith(_SH)}

    def value_checks(self, shape) -> list[Check]:
        checks = []
        for parameter in self.params(shape):
            if parameter in _NEUTRAL:
                continue
            if parameter not in _VALUE_PARAMETERS:
                raise Unsupported(f"{shape}: {parameter}")
            for value in self.shapes.objects(shape, parameter):
                checks.append(self.value_check(shape, parameter, value))
        return checks

    def all_of(self, shape) -> Check:
        checks = self.value_checks(shape)
        return lambda v, types: all(c(v, types) for c in checks)

    def value_check(self, shape, parameter, value) -> Check:
        if parameter == SH.datatype:
            datatype = str(value)
            strict = STRICT_LEXICAL.get(datatype)
            if strict is not None:
                pattern = re.compile(strict.encode())
                return lambda v, types: (v.kind == "literal" and v.datatype == datatype
                                         and pattern.fullmatch(v.text) is not None)
            if datatype == str(XSD.string) or datatype == str(RDF.langString):
                return lambda v, types: v.kind == "literal" and v.datatype == datatype
            if datatype.startswith((str(XSD), str(RDF))):
                return lambda v, types: False   # lexical forms the engines check: ask them
            return lambda v, types: v.kind == "literal" and v.datatype == datatype
        if parameter == SH["class"]:
            cls = str(value)
            self.classes_needed.add(cls)
            return lambda v, types: v.kind != "literal" and bool(types(v.raw) & self.closure(cls))
        if parameter == SH.nodeKind:
            kinds = {SH.IRI: {"iri"}, SH.Literal: {"literal"}, SH.BlankNode: {"blank"},
                     SH.BlankNodeOrIRI: {"blank", "iri"}, SH.BlankNodeOrLiteral: {"blank", "literal"},
                     SH.IRIOrLiteral: {"iri", "literal"}}
            if value not in kinds:
                raise Unsupported(f"{shape}: sh:nodeKind {value}")
            allowed = kinds[value]
            return lambda v, types: v.kind in allowed
        if parameter == SH.pattern:
            flags = {str(f) for f in self.shapes.objects(shape, SH.flags)}
            if not flags <= {"", "i"}:
                return lambda v, types: False
            # The same dialect as pySHACL (Python's re, search); on the unescaped text.
            pattern = re.compile(str(value), re.IGNORECASE if "i" in flags else 0)
            return lambda v, types: (v.kind != "blank" and b"\\" not in v.text
                                     and pattern.search(v.text.decode("utf-8")) is not None)
        if parameter == SH.languageIn:
            # Exact tags (Oxigraph writes them in lower case): a tag the shape spells otherwise
            # never passes here, whatever an engine's matching rule.
            tags = {str(t).encode() for t in Collection(self.shapes, value)}
            return lambda v, types: v.kind == "literal" and v.lang in tags
        if parameter in (SH.minInclusive, SH.maxInclusive, SH.minExclusive, SH.maxExclusive):
            if not isinstance(value, rdflib.Literal) or str(value.datatype) not in _NUMERIC:
                return lambda v, types: False
            bound = Decimal(str(value))
            compare = {SH.minInclusive: Decimal.__ge__, SH.maxInclusive: Decimal.__le__,
                       SH.minExclusive: Decimal.__gt__, SH.maxExclusive: Decimal.__lt__}[parameter]

            def in_range(v, types) -> bool:
                if v.kind != "literal" or v.datatype not in _NUMERIC or not _DECIMAL.fullmatch(v.text):
                    return False
                try:
                    return compare(Decimal(v.text.decode()), bound)
                except InvalidOperation:
                    return False
            return in_range
        if parameter == SH["in"]:
            members = {_nt(m) for m in Collection(self.shapes, value)} - {None}
            return lambda v, types: v.raw in members
        if parameter == SH.hasValue:
            term = _nt(value)
            return lambda v, types: term is not None and v.raw == term
        if parameter == SH["or"]:
            options = [self.all_of(member) for member in Collection(self.shapes, value)]
            return lambda v, types: any(option(v, types) for option in options)
        raise Unsupported(f"{shape}: {parameter}")

    def closure(self, cls: str) -> set:
        raise NotImplementedError  # replaced per run by Screen

    def property_check(self, shape, classes: frozenset) -> PropertyCheck | None:
        if (shape, SH.deactivated, rdflib.Literal(True)) in self.shapes:
            return None
        paths = list(self.shapes.objects(shape, SH.path))
        if len(paths) != 1 or not isinstance(paths[0], rdflib.URIRef):
            raise Unsupported(f"{shape}: a path of more than one step")
        if (shape, SH.targetClass, None) in self.shapes:
            raise Unsupported(f"{shape}: a property shape with targets of its own")
        params = self.params(shape)
        for parameter in params - _NEUTRAL - _VALUE_PARAMETERS - _COUNT_PARAMETERS:
            raise Unsupported(f"{shape}: {parameter}")
        check = PropertyCheck(classes, _iri_bytes(paths[0]))
        for value in self.shapes.objects(shape, SH.minCount):
            check.min_count = max(check.min_count, int(value))
        for value in self.shapes.objects(shape, SH.maxCount):
            check.max_count = int(value) if check.max_count is None else min(check.max_count, int(value))
        check.unique_lang = (shape, SH.uniqueLang, rdflib.Literal(True)) in self.shapes
        for qualified in self.shapes.objects(shape, SH.qualifiedValueShape):
            minimum = max((int(m) for m in self.shapes.objects(shape, SH.qualifiedMinCount)), default=0)
            check.qualified_min.append((self.all_of(qualified), minimum))
        for value in self.shapes.objects(shape, SH.hasValue):
            term = _nt(value)
            if term is None:
                raise Unsupported(f"{shape}: sh:hasValue {value}")
            check.has_value.append(term)
        check.value_checks = [self.value_check(shape, p, v) for p in params & (_VALUE_PARAMETERS - {SH.hasValue})
                              for v in self.shapes.objects(shape, p)]
        return check

    def compile(self) -> list[PropertyCheck]:
        shapes = self.shapes
        for other in _UNMODELLED:
            if next(shapes.triples((None, other, None)), None) is not None:
                raise Unsupported(f"the shapes use {other}")
        for implicit in (RDFS.Class, OWL.Class):
            for shape in shapes.subjects(RDF.type, implicit):
                if (shape, RDF.type, SH.NodeShape) in shapes or (shape, SH.property, None) in shapes:
                    raise Unsupported(f"{shape}: an implicit class target")
        checks = []
        for shape in sorted(set(shapes.subjects(SH.targetClass, None))):
            if (shape, SH.deactivated, rdflib.Literal(True)) in shapes:
                continue
            if (shape, SH.path, None) in shapes:
                raise Unsupported(f"{shape}: a property shape with targets of its own")
            for parameter in self.params(shape) - _NEUTRAL:
                raise Unsupported(f"{shape}: {parameter} on a node shape")
            classes = frozenset(str(c) for c in shapes.objects(shape, SH.targetClass))
            self.classes_needed |= classes
            for property_shape in shapes.objects(shape, SH.property):
                check = self.property_check(property_shape, classes)
                if check is not None:
                    checks.append(check)
        return checks


class Screen:
    """The compiled shapes; ``suspects`` runs them over a dataset."""

    def __init__(self, shapes: rdflib.Graph):
        self._compiler = _Compiler(shapes)
        self._compiler.closure = self._closure          # the class checks read the run's closure
        self.checks = self._compiler.compile()
        self._below: dict[str, set[str]] = {}
        self._closures: dict[str, set[bytes]] = {}

    def _closure(self, cls: str) -> set[bytes]:
        """``cls`` and every class below it (rdfs:subClassOf*), as N-Triples IRIs."""
        found = self._closures.get(cls)
        if found is None:
            seen, pending = {cls}, [cls]
            while pending:
                for sub in self._below.get(pending.pop(), ()):
                    if sub not in seen:
                        seen.add(sub)
                        pending.append(sub)
            found = self._closures[cls] = {_iri_bytes(c) for c in seen}
        return found

    def suspects(self, lines: list[bytes], subclass_of: Iterable[tuple[str, str]],
                 stated_twice: Iterable[bytes] = (),
                 typing: Iterable[tuple[bytes, bytes]] | None = None) -> set[bytes]:
        """The subjects (N-Triples form) that might have a validation result, in a dataset given as
        its N-Quads lines (``nquads_lines``: every quad in a named graph), with its
        rdfs:subClassOf pairs (sub, super) and the subjects of triples stated in two graphs.
        ``typing``: its (node, rdf:type) pairs, N-Triples forms, when the caller has them (else
        they are read from the lines)."""
        self._below = defaultdict(set)
        for sub, sup in subclass_of:
            self._below[sup].add(sub)
        self._closures = {}
        suspects = set(stated_twice)

        # Pass 1: the types of every node (a type set shared by the nodes that have it).
        typed: dict[bytes, set[bytes]] = defaultdict(set)
        if typing is not None:
            for node, cls in typing:
                typed[node].add(cls)
        else:
            for line in lines:
                if _RDF_TYPE in line:
                    s, p, rest = line.split(b" ", 2)
                    if p == _RDF_TYPE:
                        typed[s].add(rest[:rest.rindex(b" ")])
        shared: dict[frozenset, frozenset] = {}
        types: dict[bytes, frozenset] = {}
        for node, node_types in typed.items():
            key = frozenset(node_types)
            types[node] = shared.setdefault(key, key)
        del typed
        nothing: frozenset = frozenset()

        def types_of(node: bytes) -> frozenset:
            return types.get(node, nothing)

        targets = [frozenset().union(*(self._closure(c) for c in check.classes)) for check in self.checks]
        by_predicate: dict[bytes, list] = defaultdict(list)
        for index, check in enumerate(self.checks):
            by_predicate[check.path].append(index)
        # For a predicate and a set of types: the checks that apply (computed once per pair).
        plans: dict[bytes, dict] = {p: {} for p in by_predicate}
        seen = {p: set() for p in by_predicate}       # subjects with a value of p
        twice = {p: set() for p in by_predicate}      # ... with two or more
        counts: dict = defaultdict(int)               # (subject, p): for counts other than 0 and 1
        counting = {c.path for c in self.checks
                    if c.min_count > 1 or (c.max_count is not None and c.max_count > 1)}
        qualifying: dict = defaultdict(int)           # (subject, check, i) -> values passing
        held: dict = defaultdict(set)                 # (check, i) -> subjects holding sh:hasValue
        tags: set = set()                             # (subject, p, tag) seen

        # Pass 2: every value of a checked predicate.
        def plan_for(p: bytes, subject_types: frozenset) -> tuple:
            """What a value of ``p`` on a node of ``subject_types`` is checked for: (verdicts cached
            per value, the value checks, (key, condition, cache) per qualified shape, (key, term)
            per sh:hasValue, whether languages must be unique)."""
            entries = [(i, self.checks[i]) for i in by_predicate[p] if not subject_types.isdisjoint(targets[i])]
            value_checks = tuple(c for _i, check in entries for c in check.value_checks)
            qualified = tuple(((i, q), condition, {}) for i, check in entries
                              for q, (condition, _minimum) in enumerate(check.qualified_min))
            has_value = tuple(((i, h), term) for i, check in entries for h, term in enumerate(check.has_value))
            unique = any(check.unique_lang for _i, check in entries)
            return {}, value_checks, qualified, has_value, unique

        state = {p: (plans[p], seen[p], twice[p], p in counting) for p in by_predicate}
        for line in lines:
            s, p, rest = line.split(b" ", 2)
            found = state.get(p)
            if found is None:
                continue
            plan_of, seen_p, twice_p, count = found
            if s in seen_p:
                twice_p.add(s)
            else:
                seen_p.add(s)
            raw = rest[:rest.rindex(b" ")]
            if count:
                counts[(s, p)] += 1
            subject_types = types.get(s, nothing)
            plan = plan_of.get(subject_types)
            if plan is None:
                plan = plan_of[subject_types] = plan_for(p, subject_types)
            verdicts, value_checks, qualified, has_value, unique = plan
            if value_checks:
                verdict = verdicts.get(raw)
                if verdict is None:
                    value = split_term(raw)
                    verdict = verdicts[raw] = all(c(value, types_of) for c in value_checks)
                if not verdict:
                    suspects.add(s)
            for key, condition, cache in qualified:
                passes = cache.get(raw)
                if passes is None:
                    passes = cache[raw] = condition(split_term(raw), types_of)
                if passes:
                    qualifying[(s,) + key] += 1
            for key, term in has_value:
                if raw == term:
                    held[key].add(s)
            if unique and raw[-1:] != b'"' and b'"@' in raw:
                tag = (s, p, raw[raw.rindex(b'"@'):])
                if tag in tags:
                    suspects.add(s)
                tags.add(tag)

        # Pass 3: the counts of every target node, by set operations where they can be.
        members: dict[bytes, set] = defaultdict(set)
        for node, node_types in types.items():
            for t in node_types:
                members[t].add(node)
        focus_of: dict[frozenset, set] = {}
        for index, check in enumerate(self.checks):
            focus = focus_of.get(targets[index])
            if focus is None:
                focus = focus_of[targets[index]] = set().union(*(members.get(t, ()) for t in targets[index]))
            p = check.path
            if check.min_count == 1:
                suspects |= focus - seen[p]
            if check.max_count == 0:
                suspects |= focus & seen[p]
            elif check.max_count == 1:
                suspects |= focus & twice[p]
            if check.min_count > 1 or (check.max_count is not None and check.max_count > 1):
                for node in focus:
                    n = counts.get((node, p), 0)
                    if n < check.min_count or (check.max_count is not None and n > check.max_count):
                        suspects.add(node)
            for i, (_condition, minimum) in enumerate(check.qualified_min):
                if minimum > 0:
                    suspects.update(node for node in focus if qualifying.get((node, index, i), 0) < minimum)
            for i in range(len(check.has_value)):
                suspects |= focus - held[(index, i)]
        return suspects


@lru_cache(maxsize=4)
def _compiled(shapes: rdflib.Graph) -> Screen | None:
    try:
        return Screen(shapes)
    except Unsupported:
        return None


def compile_screen(shapes: rdflib.Graph) -> Screen | None:
    """The screen of ``shapes``, or None when they use something it does not model."""
    return _compiled(shapes)
