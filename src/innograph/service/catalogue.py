"""The named queries in ``queries/*.rq``: header parsing and typed parameter binding.

A query file starts with comment lines that describe it::

    # title: Members of an alliance
    # description: Every member of the alliance, with the role and the date it joined.
    # param: alliance iri <https://w3id.org/innograph/id/alliance/gini>
    # param: year year
    SELECT ...

``# param: NAME TYPE [DEFAULT] [(help)]`` declares the variable ``?NAME``; TYPE is one of iri,
string, integer, decimal, year, date, boolean; text in parentheses at the end is help for the user.
A parameter without a default is required, unless the query leaves it open itself with
``VALUES ?NAME { UNDEF }`` (then an absent value leaves the variable unbound). Values are bound
as typed RDF terms through pyoxigraph's substitutions, never pasted into the query text, so a value
cannot change the query's meaning. ``# defaultView: map`` (table, chart, map, graph or timeline)
names the result view the query page shows first.
"""

from __future__ import annotations

import datetime
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Mapping

import pyoxigraph as ox

from ..errors import NotFound, UsageError, did_you_mean
from ..namespaces import ID_BASE, PREFIXES
from ..rdf.parsing import parse_term
from ..rdf.sparql import inject_values, parse_header

XSD = "http://www.w3.org/2001/XMLSchema#"
RESULT_VIEWS = ("table", "chart", "map", "graph", "timeline")   # the query page's result views
TYPES = ("iri", "string", "integer", "decimal", "year", "date", "boolean")
_HELP = re.compile(r"(?:^|\s)\((?P<help>.*)\)\s*$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_RELATIVE_ID = re.compile(r"^[a-z-]+/[a-z0-9][a-z0-9/-]*$")


@dataclass(frozen=True)
class Parameter:
    """One ``# param:`` line: the variable it binds (without ``?``), its type (one of ``TYPES``),
    its default (as text, quotes removed) and its help."""

    name: str
    type: str
    default: str | None = None
    help: str = ""
    optional: bool = False          # no default, but the query works with the variable unbound

    @property
    def required(self) -> bool:
        """True when a value must be given: no default, and the query does not leave it open."""
        return self.default is None and not self.optional

    def bind(self, value: str) -> ox.NamedNode | ox.Literal:
        """``value`` as an RDF term of this parameter's type; UsageError naming the parameter."""
        text = value.strip()
        try:
            return _BINDERS[self.type](text)
        except (ValueError, InvalidOperation) as exc:
            raise UsageError(f"parameter {self.name!r}: {value!r} is not a valid {self.type} "
                             f"({exc})") from None

    def to_json(self) -> dict:
        """Name, type, default, whether it is required, and help, for the HTTP listing."""
        return {"name": self.name, "type": self.type, "default": self.default,
                "required": self.required, "help": self.help}


def _iri(text: str) -> ox.NamedNode:
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    elif _RELATIVE_ID.match(text):
        text = ID_BASE + text                    # city/daejeon -> https://w3id.org/innograph/id/city/daejeon
    elif ":" in text and not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", text):
        prefix, _, local = text.partition(":")
        if prefix in PREFIXES:
            text = PREFIXES[prefix] + local
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", text):
        raise ValueError("expected an absolute IRI such as https://w3id.org/innograph/id/city/daejeon, "
                         "a prefixed name such as ig:City, or kind/slug such as city/daejeon")
    if _IRI_FORBIDDEN.search(text):
        raise ValueError("an IRI cannot contain spaces or any of <>\"{}|^`\\")
    return ox.NamedNode(text)


def _integer(text: str) -> ox.Literal:
    if not re.fullmatch(r"[+-]?\d+", text):
        raise ValueError("expected digits, e.g. 10")
    return ox.Literal(str(int(text)), datatype=ox.NamedNode(XSD + "integer"))


def _decimal(text: str) -> ox.Literal:
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
        raise ValueError("expected a decimal number, e.g. 2.5")
    return ox.Literal(str(Decimal(text)), datatype=ox.NamedNode(XSD + "decimal"))


def _year(text: str) -> ox.Literal:
    if not re.fullmatch(r"-?\d{4}", text):
        raise ValueError("expected a four-digit year, e.g. 2024")
    return ox.Literal(text, datatype=ox.NamedNode(XSD + "gYear"))


def _date(text: str) -> ox.Literal:
    datetime.date.fromisoformat(text)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError("expected YYYY-MM-DD")
    return ox.Literal(text, datatype=ox.NamedNode(XSD + "date"))


def _boolean(text: str) -> ox.Literal:
    lowered = text.lower()
    if lowered not in {"true", "false", "1", "0"}:
        raise ValueError("expected true or false")
    return ox.Literal("true" if lowered in {"true", "1"} else "false",
                      datatype=ox.NamedNode(XSD + "boolean"))


_BINDERS = {"iri": _iri, "string": ox.Literal, "integer": _integer, "decimal": _decimal,
            "year": _year, "date": _date, "boolean": _boolean}


@dataclass
class NamedQuery:
    """One ``.rq`` file: its name (the file stem), text, path and what its header says."""

    name: str
    text: str
    path: Path
    title: str = ""
    description: str = ""
    parameters: list[Parameter] = field(default_factory=list)
    # How parameter values reach Oxigraph: "substitute" (pyoxigraph's substitutions, the default)
    # or "values" (a VALUES block at the top of the WHERE group). Oxigraph plans a query before it
    # sees substitutions, and for some queries the plan only fits when it can see the constant.
    binding: str = "substitute"
    # The result view the query page opens first (``#defaultView:Map``, as on Wikidata Query Service).
    default_view: str | None = None

    def bind(self, values: Mapping[str, str]) -> dict[str, str]:
        """Substitutions for ``values`` (request parameters), as variable -> N-Triples term.

        Raises UsageError naming the parameter that is unknown, missing or of the wrong type.
        """
        declared = {p.name: p for p in self.parameters}
        unknown = sorted(set(values) - set(declared))
        if unknown:
            known = ", ".join(declared) or "none"
            raise UsageError(f"query {self.name!r} has no parameter {unknown[0]!r} (its parameters: {known})")
        bound: dict[str, str] = {}
        for param in self.parameters:
            value = values.get(param.name)
            if value is None or value == "":
                if param.required:
                    raise UsageError(f"query {self.name!r}: parameter {param.name!r} ({param.type}) "
                                     f"is required")
                value = param.default
                if value is None:
                    continue        # optional: the query leaves ?NAME unbound
            bound[param.name] = str(param.bind(value))
        return bound

    def prepare(self, values: Mapping[str, str]) -> tuple[str, dict[str, str] | None]:
        """(query text, substitutions) for ``values``, bound the way the query's header asks.

        Raises UsageError as ``bind`` does; with ``# binding: values``, also as ``inject_values``
        does (UsageError for the short CONSTRUCT WHERE form, SyntaxError for no WHERE group).
        """
        bound = self.bind(values)
        if self.binding != "values" or not bound:
            return self.text, bound or None
        return _with_values(self.text, tuple(bound.items())), None

    def to_json(self) -> dict:
        """Name, title, description, parameters and query text, for the HTTP listing."""
        return {"name": self.name, "title": self.title, "description": self.description,
                "parameters": [p.to_json() for p in self.parameters], "query": self.text,
                "defaultView": self.default_view}


@lru_cache(maxsize=256)
def _with_values(text: str, bound: tuple[tuple[str, str], ...]) -> str:
    """``text`` with ``bound`` (name, N-Triples term) injected as a VALUES block; remembered, since
    a named query is asked again and again with the same parameters (its tokenising was 0.5 ms)."""
    return inject_values(text, {ox.Variable(k): parse_term(v) for k, v in bound})


def _parameter(path: Path, number: int, value: str, text: str) -> Parameter:
    """One ``# param: NAME TYPE [DEFAULT] [(help)]`` line; UsageError with file:line when malformed."""
    help_match = _HELP.search(value)
    help_text = help_match.group("help").strip() if help_match else ""
    if help_match:
        value = value[:help_match.start()].strip()
    parts = value.split(None, 2)
    if len(parts) < 2:
        raise UsageError(f"{path}:{number}: '# param:' needs NAME TYPE [DEFAULT], got {value!r}")
    name, kind = parts[0].lstrip("?$"), parts[1].lower()
    default = parts[2].strip() if len(parts) > 2 else None
    if default and len(default) >= 2 and default[0] == default[-1] and default[0] in "\"'":
        default = default[1:-1]
    if not _NAME.match(name):
        raise UsageError(f"{path}:{number}: parameter name {name!r} is not a SPARQL variable name")
    if kind not in TYPES:
        raise UsageError(f"{path}:{number}: parameter {name!r} has unknown type {kind!r}; "
                         f"use one of {', '.join(TYPES)}")
    open_values = re.compile(rf"VALUES\s+[?$]{name}\s*\{{\s*UNDEF\s*\}}", re.IGNORECASE)
    param = Parameter(name, kind, default, help_text, optional=default is None and bool(open_values.search(text)))
    if default is not None:
        try:
            param.bind(default)
        except UsageError as exc:
            raise UsageError(f"{path}:{number}: default of {exc}") from None
    return param


def read_query(path: Path) -> NamedQuery:
    """Parse one ``.rq`` file's header; the title defaults to the name in words.

    Raises UsageError with file:line for a malformed header, and naming the file for a syntax error
    or a parameter pyoxigraph cannot bind (tried once on an empty store); OSError or
    UnicodeDecodeError when the file cannot be read.
    """
    text = path.read_text(encoding="utf-8")
    query = NamedQuery(name=path.stem, text=text, path=path)
    for number, key, value in parse_header(text):
        if key == "title":
            query.title = value
        elif key == "description":
            query.description = value
        elif key == "defaultview":
            if value.lower() not in RESULT_VIEWS:
                raise UsageError(f"{path}:{number}: '# defaultView:' is one of {', '.join(RESULT_VIEWS)}, got {value!r}")
            query.default_view = value.lower()
        elif key == "binding":
            if value.lower() not in ("substitute", "values"):
                raise UsageError(f"{path}:{number}: '# binding:' is 'substitute' or 'values', got {value!r}")
            query.binding = value.lower()
        elif key == "param":
            query.parameters.append(_parameter(path, number, value, text))
    if not query.title:
        query.title = query.name.replace("-", " ").replace("_", " ").capitalize()
    _check_bindable(query)
    return query


_SAMPLES = {"iri": "urn:x:sample", "string": "sample", "integer": "1", "decimal": "1.0", "year": "2000",
            "date": "2000-01-01", "boolean": "true"}


def _check_bindable(query: NamedQuery) -> None:
    """Refuse a query whose parameters pyoxigraph cannot bind (UsageError naming file and parameter).

    pyoxigraph substitutes a SELECT query's variables only when the SELECT clause projects them;
    the query is tried once on an empty store to find out (and to catch syntax errors early).
    """
    if not query.parameters:
        return
    substitutions = {ox.Variable(p.name): p.bind(p.default or _SAMPLES[p.type]) for p in query.parameters}
    try:
        if query.binding == "values":   # bound by a VALUES block: the projection need not list them
            result = ox.Store().query(inject_values(query.text, substitutions))
        else:
            result = ox.Store().query(query.text, substitutions=substitutions)
    except SyntaxError as exc:
        raise UsageError(f"{query.path}: syntax error: {exc}") from None
    except RuntimeError as exc:
        names = [p.name for p in query.parameters if f"?{p.name} " in str(exc) + " "]
        which = f"?{names[0]}" if names else "a parameter"
        raise UsageError(f"{query.path}: {which} cannot be bound: the SELECT clause must list every "
                         f"parameter (pyoxigraph: {exc})") from None
    if isinstance(result, ox.QuerySolutions):
        list(result)


@dataclass
class Catalogue:
    """The named queries of a directory, by name, and a message for each file left out."""

    queries: dict[str, NamedQuery]
    problems: list[str]              # files that could not be read, with the reason

    def get(self, name: str) -> NamedQuery:
        """The query called ``name``. Raises NotFound suggesting the closest names."""
        if name not in self.queries:
            raise NotFound(did_you_mean(name, self.queries, "named query"))
        return self.queries[name]


_CACHE: dict[str, tuple[tuple, Catalogue, float]] = {}
# How long a catalogue is trusted before the files are looked at again: stat-ing every file on
# every request was 0.65 ms of the 5 ms a cheap named query cost.
RECHECK_SECONDS = 1.0


def load_catalogue(directory: Path) -> Catalogue:
    """Every ``*.rq`` in ``directory`` (absent directory: an empty catalogue). A file that cannot
    be read, or whose header or query is wrong, is left out and named in ``problems``.

    Parsed once and kept until a file is added, removed or modified; the files are looked at again
    (stat) at most every RECHECK_SECONDS.
    """
    cached = _CACHE.get(str(directory))
    now = time.monotonic()
    if cached is not None and now - cached[2] < RECHECK_SECONDS:
        return cached[1]
    paths = sorted(directory.glob("*.rq")) if directory.is_dir() else []
    try:
        key = tuple((p.name, *_mtime_and_size(p)) for p in paths)
    except OSError:
        key = None
    if key is not None and cached is not None and cached[0] == key:
        _CACHE[str(directory)] = (key, cached[1], now)
        return cached[1]
    catalogue = _read_catalogue(paths)
    if key is not None:
        _CACHE[str(directory)] = (key, catalogue, now)
    return catalogue


def _mtime_and_size(path: Path) -> tuple[int, int]:
    status = path.stat()
    return status.st_mtime_ns, status.st_size


def _read_catalogue(paths: list[Path]) -> Catalogue:
    queries: dict[str, NamedQuery] = {}
    problems: list[str] = []
    if paths:
        for path in paths:
            try:
                queries[path.stem] = read_query(path)
            except UsageError as exc:
                problems.append(exc.message)
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(f"{path}: cannot read: {exc}")
    return Catalogue(queries, problems)
