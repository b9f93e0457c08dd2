"""The SPARQL lexer: the one reading of query and update text innograph does before (or instead
of) a parser.

Strings, IRIs and comments are skipped, so their contents never count as syntax. On the tokens:
``inspect`` (the safety check of nesting, SERVICE and LOAD, run before pyoxigraph parses a text),
``add_using`` (the protocol's using-graph-uri), prefix checks and predeclaration,
``inject_values`` (parameter binding by a VALUES block) and ``parse_header`` (the comment header of
a ``.rq`` file).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping
from urllib.parse import urljoin, urlsplit

import pyoxigraph as ox

from ..errors import QueryRefused, QuerySyntaxError, UsageError

# -- lexical inspection ----------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
              |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
  | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
  | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+)
  | (?P<pname>(?:[^\W\d][\w\-.]*)?:(?:[\w\-:%]|\\.|\.(?=[\w\-:%]))*)
  | (?P<word>[^\W\d][\w\-]*)
  | (?P<open><<|[{(\[])
  | (?P<close>>>|[})\]])
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)

_FORM_NAMES = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "construct", "DESCRIBE": "describe"}
_FORMS = tuple(_FORM_NAMES)
_VOLATILE_FUNCTIONS = {"RAND", "NOW", "UUID", "STRUUID", "BNODE"}
_UNICODE_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


@dataclass
class Token:
    """One lexical token: its kind (iri, var, pname, word, string, open, close or other), its text,
    its offset in the text and the bracket depth before it."""

    kind: str
    text: str
    start: int
    depth: int          # nesting depth before this token


@dataclass
class QueryShape:
    """What the lexical pass learnt about a query or update."""

    form: str                       # select | ask | construct | describe | update
    depth: int                      # deepest nesting of { ( [ <<
    has_dataset: bool = False       # FROM / FROM NAMED in a query
    has_using: bool = False         # USING / USING NAMED / WITH in an update
    services: list[str] = field(default_factory=list)
    tokens: list[Token] = field(default_factory=list, repr=False)
    # Calls a function whose value changes from one evaluation to the next (RAND, NOW, UUID,
    # STRUUID, BNODE): two runs on the same data may answer differently.
    volatile: bool = False
    # (start, end) offsets of each `LOAD SILENT <source> [INTO GRAPH <g>]` whose source is not on
    # the allow-list: see silence_refused_loads.
    silenced_loads: list[tuple[int, int]] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """'select', 'ask' or 'graph' (how the results are serialised)."""
        return "graph" if self.form in {"construct", "describe"} else self.form


def _line_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _unescape_iri(text: str) -> str:
    return _UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def tokenize(text: str) -> list[Token]:
    """The tokens of a SPARQL text, whitespace and comments left out, each with the bracket depth
    before it. Never raises: a character no other rule takes is an 'other' token."""
    tokens: list[Token] = []
    depth = 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind in {"ws", "comment"}:
            continue
        tokens.append(Token(kind, match.group(), match.start(), depth))
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
    return tokens


def _resolve(token: Token, prefixes: Mapping[str, str], base: str | None) -> str | None:
    if token.kind == "iri":
        iri = _unescape_iri(token.text[1:-1])
        return urljoin(base, iri) if base else iri
    if token.kind == "pname":
        prefix, _, local = token.text.partition(":")
        if prefix not in prefixes:
            return None
        return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
    return None


def _under(iri: str, prefix: str) -> bool:
    """True when ``iri`` starts with ``prefix`` *and* names the same host and port.

    A bare string prefix is not enough: with an allowed prefix written without its final slash,
    ``http://example.org@127.0.0.1:8080/`` (user info) or ``http://example.org.attacker.net/``
    start with ``http://example.org`` yet connect elsewhere. User info is never allowed.
    """
    if not iri.startswith(prefix):
        return False
    try:
        target, allowed = urlsplit(iri), urlsplit(prefix)
        if target.username is not None or target.password is not None:
            return False
        return (target.scheme.lower(), target.hostname, target.port) == \
            (allowed.scheme.lower(), allowed.hostname, allowed.port)
    except ValueError:      # a port that is not a number, an unbalanced IPv6 bracket
        return False


def inspect(text: str, *, update: bool, max_depth: int, service_allow: Iterable[str] = (),
            load_allow: Iterable[str] = ()) -> QueryShape:
    """Check a query (or update) before pyoxigraph sees it.

    Raises QueryRefused (HTTP 400) for nesting deeper than ``max_depth``, for a SERVICE whose
    endpoint is not under one of ``service_allow`` (or is a variable), and for a LOAD whose source
    is not under one of ``load_allow``. The message says where (line:column).
    """
    tokens = tokenize(text)
    service_allow, load_allow = tuple(service_allow), tuple(load_allow)
    deepest = 0
    for token in tokens:
        if token.kind == "open" and token.depth + 1 > deepest:
            deepest = token.depth + 1
            if deepest > max_depth:
                line, column = _line_column(text, token.start)
                raise QueryRefused(
                    f"line {line}:{column}: the query is nested more than {max_depth} levels deep "
                    f"(brackets {{ ( [ counted); simplify it or raise INNOGRAPH_MAX_QUERY_DEPTH")
    shape = QueryShape(form="update" if update else "select", depth=deepest, tokens=tokens)
    prefixes: dict[str, str] = {}
    base: str | None = None
    form_found = update
    words = [(i, t) for i, t in enumerate(tokens)]
    for i, token in words:
        upper = token.text.upper() if token.kind == "word" else ""
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if upper == "PREFIX" and i + 2 < len(tokens) and tokens[i + 1].kind == "pname" \
                and tokens[i + 2].kind == "iri":
            iri = _resolve(tokens[i + 2], {}, base)
            prefixes[tokens[i + 1].text[:-1]] = iri
        elif upper == "BASE" and following is not None and following.kind == "iri":
            base = _resolve(following, {}, base)
        elif upper in _FORM_NAMES and not form_found:
            shape.form = _FORM_NAMES[upper]
            form_found = True
        elif upper == "FROM" and not update:
            shape.has_dataset = True
        elif upper in _VOLATILE_FUNCTIONS and following is not None and following.text == "(":
            shape.volatile = True
        elif upper in {"USING", "WITH"} and update:
            shape.has_using = True
        elif upper in {"SERVICE", "LOAD"}:
            if upper == "LOAD" and not update:
                continue
            j = i + 1
            if j < len(tokens) and tokens[j].kind == "word" and tokens[j].text.upper() == "SILENT":
                j += 1
            target = tokens[j] if j < len(tokens) else None
            line, column = _line_column(text, token.start)
            where = f"line {line}:{column}"
            allow, setting = (service_allow, "INNOGRAPH_SERVICE_ALLOW") if upper == "SERVICE" \
                else (load_allow, "INNOGRAPH_LOAD_ALLOW")
            if target is not None and target.kind == "var":
                raise QueryRefused(f"{where}: SERVICE {target.text} is refused: the endpoint of a "
                                   f"federated query must be a fixed IRI on the allow-list")
            iri = _resolve(target, prefixes, base) if target is not None else None
            if iri is None:
                # Fail closed: whatever this is, it is not an IRI we can check against the list.
                raise QueryRefused(f"{where}: {upper} is refused: its endpoint is not an IRI this "
                                   f"server can check against the allow-list ({setting})")
            if not any(_under(iri, prefix) for prefix in allow):
                if upper == "LOAD" and j == i + 2:
                    # LOAD SILENT: a LOAD that fails is a success that changes nothing (SPARQL 1.1
                    # Update 3.1.4), and refusing its source is such a failure.
                    end = j
                    if j + 3 < len(tokens) and [t.text.upper() for t in tokens[j + 1:j + 3]] == ["INTO", "GRAPH"]:
                        end = j + 3
                    shape.silenced_loads.append((token.start, tokens[end].start + len(tokens[end].text)))
                    continue
                allowed = ", ".join(allow) if allow else "none are allowed on this server"
                raise QueryRefused(f"{where}: {upper} <{iri}> is refused: it is not under an "
                                   f"allowed prefix ({allowed}; setting {setting})")
            if upper == "SERVICE":
                shape.services.append(iri)
    return shape



def silence_refused_loads(text: str, shape: QueryShape) -> str:
    """The update with each ``LOAD SILENT`` whose source the allow-list refused (``inspect`` noted
    them) replaced by ``INSERT DATA { }``, an operation that changes nothing: the source is never
    fetched, and the request succeeds as SILENT says it must."""
    for start, end in reversed(shape.silenced_loads):
        text = text[:start] + "INSERT DATA { }" + text[end:]
    return text

def _declared_prefixes(tokens: list[Token]) -> set[str]:
    return {tokens[i + 1].text[:-1] for i, t in enumerate(tokens[:-1])
            if t.kind == "word" and t.text.upper() == "PREFIX" and tokens[i + 1].kind == "pname"}


def used_prefixes(text: str, shape: QueryShape) -> list[tuple[str, Token]]:
    """Each prefix the text uses without declaring it, with the token of its first use
    (blank node labels such as ``_:b`` are not prefixed names)."""
    declared = _declared_prefixes(shape.tokens)
    seen: dict[str, Token] = {}
    for i, token in enumerate(shape.tokens):
        if token.kind != "pname":
            continue
        prefix = token.text.partition(":")[0]
        if prefix == "_" or prefix in declared or prefix in seen:
            continue
        if i > 0 and shape.tokens[i - 1].kind == "word" and shape.tokens[i - 1].text.upper() == "PREFIX":
            continue
        seen[prefix] = token
    return list(seen.items())


def declare_known_prefixes(text: str, shape: QueryShape, known: Mapping[str, str]) -> str:
    """The query with a PREFIX declaration for each prefix it uses without declaring and ``known``
    has (what the Python API and the CLI do: their users need no PREFIX lines for the project's
    prefixes). The declarations go on the query's first line, in front of it, so that every line
    number an error message gives still points at the user's text. A prefix neither declared nor
    known is a QuerySyntaxError (see ``undeclared_prefix_message``)."""
    missing = used_prefixes(text, shape)
    if not missing:
        return text
    unknown = [(prefix, token) for prefix, token in missing if prefix not in known]
    if unknown:
        raise QuerySyntaxError(_undeclared(text, *unknown[0], known))
    return " ".join(f"PREFIX {prefix}: <{known[prefix]}>" for prefix, _ in missing) + " " + text


def undeclared_prefix_message(text: str, shape: QueryShape, known: Mapping[str, str]) -> str | None:
    """One line for the first prefix the text uses without declaring it, naming where and the
    PREFIX line to add (with the namespace when ``known`` has it), or None when all are declared."""
    missing = used_prefixes(text, shape)
    return _undeclared(text, *missing[0], known) if missing else None


def _undeclared(text: str, prefix: str, token: Token, known: Mapping[str, str]) -> str:
    line, column = _line_column(text, token.start)
    namespace = known.get(prefix)
    add = f"PREFIX {prefix}: <{namespace}>" if namespace else f"PREFIX {prefix}: <…namespace IRI…>"
    return f"undeclared prefix '{prefix}:' at line {line}, column {column}: add '{add}' at the top of the query"


def add_using(text: str, shape: QueryShape, using: list[str], using_named: list[str]) -> str:
    """The update with ``USING <g>`` / ``USING NAMED <g>`` added to each DELETE/INSERT ... WHERE.

    This is what the protocol's ``using-graph-uri`` / ``using-named-graph-uri`` mean. An update
    that has its own USING or WITH cannot also take them (UsageError, HTTP 400).
    """
    if not using and not using_named:
        return text
    if shape.has_using:
        raise UsageError("the update has its own USING or WITH clause: it cannot also take "
                         "using-graph-uri or using-named-graph-uri parameters")
    clause = " ".join([f"USING <{g}>" for g in using] + [f"USING NAMED <{g}>" for g in using_named])
    tokens = shape.tokens
    edits: list[tuple[int, int, str]] = []   # (start, end, replacement)
    operation_start = 0
    for i, token in enumerate(tokens + [Token("other", ";", len(text), 0)]):
        if not (token.kind == "other" and token.text == ";" and token.depth == 0):
            continue
        op = tokens[operation_start:i]
        operation_start = i + 1
        top = [t for t in op if t.depth == 0 and t.kind == "word"]
        if not top or top[0].text.upper() not in {"DELETE", "INSERT"}:
            continue
        second = top[1].text.upper() if len(top) > 1 else ""
        if second == "DATA":
            continue
        if top[0].text.upper() == "DELETE" and second == "WHERE":
            # DELETE WHERE {P} is DELETE {P} WHERE {P}; only the long form can carry USING.
            pattern_start = next(t for t in op if t.kind == "open" and t.depth == 0)
            close = next((t for t in op if t.kind == "close" and t.depth == 1
                          and t.start > pattern_start.start), None)
            if close is None:
                continue
            pattern = text[pattern_start.start:close.start + 1]
            edits.append((top[1].start, close.start + 1, f"{pattern} {clause} WHERE {pattern}"))
            continue
        where = next((t for t in top[1:] if t.text.upper() == "WHERE"), None)
        if where is not None:
            edits.append((where.start, where.start, clause + " "))
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


# -- parameter binding -----------------------------------------------------------------------------

def inject_values(sparql: str, substitutions: Mapping[ox.Variable, object]) -> str:
    """The query with ``VALUES`` binding the substituted variables at the top of its WHERE group.

    That is what pyoxigraph's ``substitutions`` do for variables of the query pattern, and it works
    for any SPARQL 1.1 store and for variables the SELECT clause does not project. Raises
    UsageError for the short ``CONSTRUCT WHERE`` form, whose pattern cannot hold a VALUES block,
    and SyntaxError for a text with no WHERE group.
    """
    variables = " ".join(f"?{v.value}" for v in substitutions)
    values = " ".join(str(t) for t in substitutions.values())
    block = f" VALUES ({variables}) {{ ({values}) }} "
    form = None
    seen_where = False
    previous = None
    for token in tokenize(sparql):
        if token.depth != 0:
            continue
        if token.kind == "open":
            if token.text == "{" and form is not None and (form != "CONSTRUCT" or seen_where):
                end = token.start + 1
                return sparql[:end] + block + sparql[end:]
            previous = token.text
        elif token.kind == "word":
            word = token.text.upper()
            if form is None and word in _FORMS:
                form = word
            elif word == "WHERE":
                if form == "CONSTRUCT" and previous == "CONSTRUCT":
                    raise UsageError("parameters cannot be bound in the short form 'CONSTRUCT WHERE "
                                     "{ ... }'; write 'CONSTRUCT { ... } WHERE { ... }'")
                seen_where = True
            previous = word
    raise SyntaxError("the query has no WHERE group")


# -- .rq headers -----------------------------------------------------------------------------------

_HEADER_LINE = re.compile(r"^#\s*(?P<key>[a-zA-Z]+)\s*:\s*(?P<value>.*?)\s*$")


def parse_header(text: str) -> list[tuple[int, str, str]]:
    """The ``# key: value`` lines at the top of a ``.rq`` file as (line number, key, value), in
    order; an indented comment line continues the previous value (joined with a space). The header
    ends at the first line that is not a comment."""
    entries: list[list] = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        match = _HEADER_LINE.match(stripped)
        if match:
            entries.append([number, match.group("key").lower(), match.group("value")])
        elif entries:
            continuation = stripped.lstrip("#").strip()
            if continuation:
                entries[-1][2] = f"{entries[-1][2]} {continuation}".strip()
    return [tuple(entry) for entry in entries]
