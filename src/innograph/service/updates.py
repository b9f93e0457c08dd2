"""The effect of a SPARQL 1.1 Update computed from the change, never from a copy of the store.

A request is split into its operations (lexically: top-level ``;``), and each operation's effect is
computed against the store *as the operations before it left it* (an ``Overlay``: the store plus
the pending ``Delta``):

* ``INSERT DATA`` / ``DELETE DATA`` / ``LOAD``: the quads themselves, parsed by pyoxigraph on an
  empty in-memory store (``DELETE DATA`` is parsed as the same block inserted there). LOAD reaches
  this module only when ``execution.inspect`` found its source on the allow-list.
* ``DELETE/INSERT ... WHERE`` (with ``WITH``, ``USING``, ``USING NAMED``, ``GRAPH``) and
  ``DELETE WHERE``: the ``WHERE`` is evaluated once, as a SELECT of the template variables
  (``USING`` as ``FROM``), by a ``WorkerWhere``: in a worker process killed at the query time
  limit (503, nothing written), on the committed store, or, when earlier operations of the request
  changed something, on a scratch checkpoint of the store (``Store.backup``) that the worker brings
  up to date with the pending change. (Without a worker pool, in this process: the SELECT on the
  store; after a change, the pending change written and the WHERE evaluated in one transaction
  that is always rolled back.) The templates are then instantiated per solution on an empty
  in-memory store (``VALUES`` row numbers, each binding supplied by a function, so blank nodes
  from the store keep their identity and template blank nodes are fresh per solution, as SPARQL
  1.1 Update says); deletions are the instantiated quads present, applied before insertions.
* ``CLEAR``, ``DROP``, ``CREATE``, ``ADD``, ``MOVE``, ``COPY``: from the graphs' contents, with
  Oxigraph's own semantics (an empty named graph exists until dropped; ``COPY``/``MOVE`` drop the
  target first; ``MOVE`` of a missing source fails unless SILENT).

The request's delta is then validated once and committed with ``commit``: one pyoxigraph update
(one transaction) writing exactly those quads, blank nodes included, or nothing at all.
``UpdateRunner`` does this for SPARQL Update and the Graph Store Protocol's PUT/POST/DELETE, one
write at a time; queries never take its lock (they run in worker processes on read-only views).
"""

from __future__ import annotations

import copy
import re
import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import pyoxigraph as ox

from ..errors import (InnographError, QuerySyntaxError, QueryTimeout, ServerBusy, StoreError,
                      StoreTimeout, ValidationFailed)
from ..search import following_change
from ..versions import recording
from ..rdf.sparql import tokenize
from .execution import (QueryPool, ScratchChanges, SolutionsRequest, effect_on_copy, parse_solutions,
                        where_solutions)
from .loading import check_change

# Function IRIs only this module calls; custom functions are passed per call, never registered.
_RECORD = ox.NamedNode("urn:innograph:update:record")
_SOLUTION = ox.NamedNode("urn:innograph:update:solution")
_SLOT = ox.NamedNode("urn:innograph:update:slot:")
_BINDING = ox.NamedNode("urn:innograph:update:binding")
_DELTA_TERM = ox.NamedNode("urn:innograph:update:delta-term")
_ROW = "?innograph__row"


class UpdateFailed(InnographError):
    """The update is well formed but cannot be applied (e.g. DROP of a missing graph): HTTP 400."""

    http_status = 400


# -- the pending change ----------------------------------------------------------------------------

@dataclass
class Delta:
    """A change to a store: quads added and removed, named graphs created and dropped.

    ``removed`` holds only quads the store has; ``added`` only quads it lacks; ``created`` graphs the
    store lacks (empty ones included); ``dropped`` graphs it has (their quads are in ``removed``).
    """

    added: set = field(default_factory=set)
    removed: set = field(default_factory=set)
    created: set = field(default_factory=set)
    dropped: set = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.created or self.dropped)


class Overlay:
    """A pyoxigraph store as it would be after ``delta``; reads are pattern lookups on the store."""

    def __init__(self, store: ox.Store):
        self.store = store
        self.delta = Delta()

    # reading
    def contains(self, quad: ox.Quad) -> bool:
        """True when the store would hold ``quad`` after ``delta``."""
        if quad in self.delta.added:
            return True
        return quad not in self.delta.removed and quad in self.store

    def exists(self, graph) -> bool:
        """True when ``graph`` would exist after ``delta``: the default graph always does; a named
        graph when ``delta`` created it, or the store has it and ``delta`` did not drop it (empty
        named graphs included)."""
        if isinstance(graph, ox.DefaultGraph) or graph in self.delta.created:
            return True
        return graph not in self.delta.dropped and self.store.contains_named_graph(graph)

    def quads(self, graph) -> list[ox.Quad]:
        """The quads of ``graph`` after ``delta``: the store's that are not removed, then the added
        ones. An empty list for a graph that does not exist."""
        kept = [q for q in self.store.quads_for_pattern(None, None, None, graph)
                if q not in self.delta.removed]
        return kept + [q for q in self.delta.added if q.graph_name == graph]

    def named_graphs(self) -> list:
        """The named graphs that would exist after ``delta`` (empty ones included), sorted by their
        text; never the default graph."""
        graphs = {g for g in self.store.named_graphs() if g not in self.delta.dropped}
        return sorted(graphs | self.delta.created, key=str)

    # writing
    def insert(self, quad: ox.Quad) -> None:
        """Add ``quad`` to ``delta`` (cancelling its pending removal; nothing when the store already
        has it), and make its graph exist."""
        if quad in self.delta.removed:
            self.delta.removed.discard(quad)
        elif quad not in self.store:
            self.delta.added.add(quad)
        self.create(quad.graph_name)

    def delete(self, quad: ox.Quad) -> None:
        """Remove ``quad`` (cancelling its pending addition; nothing when the store lacks it). Its
        graph keeps existing, even if left empty."""
        if quad in self.delta.added:
            self.delta.added.discard(quad)
        elif quad in self.store:
            self.delta.removed.add(quad)

    def create(self, graph) -> None:
        """Make ``graph`` exist (no error if it does: callers check when they must)."""
        if isinstance(graph, ox.DefaultGraph):
            return
        if graph in self.delta.dropped:
            self.delta.dropped.discard(graph)
        elif graph not in self.delta.created and not self.store.contains_named_graph(graph):
            self.delta.created.add(graph)

    def clear(self, graph) -> None:
        """Remove every quad of ``graph``; a named graph keeps existing. No error if it does not."""
        for quad in self.quads(graph):
            self.delete(quad)

    def drop(self, graph) -> None:
        """Remove every quad of ``graph`` and, for a named graph, the graph itself (the default
        graph is only emptied). No error if it does not exist: callers check when they must."""
        self.clear(graph)
        if isinstance(graph, ox.DefaultGraph):
            return
        if graph in self.delta.created:
            self.delta.created.discard(graph)
        elif self.store.contains_named_graph(graph):
            self.delta.dropped.add(graph)


# -- writing a delta -------------------------------------------------------------------------------

def delta_operations(delta: Delta) -> tuple[list[str], Callable]:
    """Update operations that apply ``delta`` exactly, and the custom function they call.

    Quads are not written as text: ``INSERT DATA`` gives blank nodes fresh labels, and ``DELETE
    DATA`` cannot name them. Each quad is a ``VALUES`` row whose terms a Python function returns,
    so the quads written are the very objects validated.
    """
    rows: list[ox.Quad] = []
    operations: list[str] = []

    def block(keyword: str, quads: Iterable[ox.Quad]) -> None:
        default, named = [], []
        for quad in quads:
            (default if isinstance(quad.graph_name, ox.DefaultGraph) else named).append(len(rows))
            rows.append(quad)
        for indexes, template in ((default, "?s ?p ?o"), (named, "GRAPH ?g { ?s ?p ?o }")):
            if indexes:
                binds = " ".join(f"BIND(<{_DELTA_TERM.value}>({_ROW}, {k}) AS ?{v})"
                                 for k, v in enumerate("spog") if v != "g" or template.startswith("GRAPH"))
                operations.append(f"{keyword} {{ {template} }} WHERE {{ VALUES {_ROW} {{ "
                                  f"{' '.join(map(str, indexes))} }} {binds} }}")

    block("DELETE", delta.removed)
    operations += [f"DROP SILENT GRAPH {graph}" for graph in sorted(delta.dropped, key=str)]
    block("INSERT", delta.added)
    operations += [f"CREATE SILENT GRAPH {graph}" for graph in sorted(delta.created, key=str)]

    def term(row, position):
        quad = rows[int(row.value)]
        return (quad.subject, quad.predicate, quad.object, quad.graph_name)[int(position.value)]

    return operations, term


def commit(store: ox.Store, delta: Delta) -> None:
    """Write ``delta`` to ``store`` in one transaction (one pyoxigraph update)."""
    if not delta:
        return
    # A graph that receives quads exists by that alone.
    created = delta.created - {quad.graph_name for quad in delta.added}
    if not delta.removed and not delta.dropped and not created:
        store.extend(delta.added)     # one transaction as well, and no SPARQL to evaluate
        return
    operations, term = delta_operations(Delta(delta.added, delta.removed, created, delta.dropped))
    store.update(" ;\n".join(operations), custom_functions={_DELTA_TERM: term})


# -- reading an update lexically -------------------------------------------------------------------

@dataclass
class Operation:
    """One operation of an update request, as text the parser will read again."""

    keyword: str                    # INSERT DATA, DELETE DATA, DELETE WHERE, MODIFY, CLEAR, ...
    prologue: str                   # every PREFIX/BASE declared up to here
    text: str                       # the operation without its prologue
    tokens: list = field(repr=False, default_factory=list)


def split_operations(text: str, tokens: list) -> list[Operation]:
    """The operations of an update, each with the prologue in force for it.

    ``tokens`` are ``execution.tokenize(text)``; a ``;`` at nesting depth 0 ends an operation.
    """
    operations: list[Operation] = []
    prologue: list[str] = []
    current: list = []

    def finish() -> None:
        body = current[:]
        current.clear()
        while body:
            first = body[0].text.upper() if body[0].kind == "word" else ""
            if first == "PREFIX" and len(body) >= 3:
                prologue.append(text[body[0].start:body[2].start + len(body[2].text)])
                body = body[3:]
            elif first == "BASE" and len(body) >= 2:
                prologue.append(text[body[0].start:body[1].start + len(body[1].text)])
                body = body[2:]
            else:
                break
        if not body:
            return
        words = [t.text.upper() for t in body if t.kind == "word" and t.depth == 0]
        first = words[0] if words else ""
        second = words[1] if len(words) > 1 else ""
        if first in {"INSERT", "DELETE"} and second in {"DATA", "WHERE"} and body[1].kind == "word":
            keyword = f"{first} {second}"
        elif first in {"INSERT", "DELETE", "WITH"}:
            keyword = "MODIFY"
        else:
            keyword = first
        end = body[-1].start + len(body[-1].text)
        operations.append(Operation(keyword, "\n".join(prologue), text[body[0].start:end], body))

    for token in tokens:
        if token.kind == "other" and token.text == ";" and token.depth == 0:
            finish()
        else:
            current.append(token)
    finish()
    return operations


def _group(tokens: list, open_index: int) -> tuple[int, int]:
    """(index of the '{' at ``open_index``, index of its matching '}')."""
    depth = tokens[open_index].depth
    for j in range(open_index + 1, len(tokens)):
        if tokens[j].kind == "close" and tokens[j].depth == depth + 1:
            return open_index, j
    raise QuerySyntaxError("syntax error in the update: a '{' is never closed")


@dataclass
class _Modify:
    with_graph: str = ""            # "WITH <g>" as written, or ""
    with_iri: str = ""              # the IRI of WITH as written (prefixed or relative maybe)
    dataset: list = field(default_factory=list)     # (named?, IRI as written) of each USING
    delete: str | None = None       # template text inside the braces
    insert: str | None = None
    using: str = ""                 # the USING clauses as written
    where: str = ""                 # the group pattern, braces included
    variables: list = field(default_factory=list)


def _modify_parts(op: Operation) -> _Modify:
    text, tokens = op.text, op.tokens
    base = tokens[0].start

    def span(a, b) -> str:
        return text[tokens[a].start - base:tokens[b].start - base + len(tokens[b].text)]

    parts = _Modify()
    template_tokens = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        word = token.text.upper() if token.kind == "word" and token.depth == 0 else ""
        if word == "WITH":
            parts.with_graph = span(i, i + 1)
            parts.with_iri = tokens[i + 1].text
            i += 2
        elif word in {"DELETE", "INSERT"} and op.keyword == "DELETE WHERE":
            start, end = _group(tokens, i + 2)
            parts.delete = span(start + 1, end - 1) if end > start + 1 else ""
            parts.where = span(start, end)
            template_tokens += tokens[start:end]
            i = end + 1
        elif word in {"DELETE", "INSERT"}:
            start, end = _group(tokens, i + 1)
            inner = span(start + 1, end - 1) if end > start + 1 else ""
            setattr(parts, word.lower(), inner)
            template_tokens += tokens[start:end]
            i = end + 1
        elif word == "USING":
            j = i + 2 if tokens[i + 1].kind == "word" and tokens[i + 1].text.upper() == "NAMED" else i + 1
            parts.using += " " + span(i, j)
            parts.dataset.append((j == i + 2, tokens[j].text))
            i = j + 1
        elif word == "WHERE":
            start, end = _group(tokens, i + 1)
            parts.where = span(start, end)
            i = end + 1
        else:
            i += 1
    parts.variables = list(dict.fromkeys(t.text[1:] for t in template_tokens if t.kind == "var"))
    return parts


# -- evaluation ------------------------------------------------------------------------------------

def _syntax(exc: SyntaxError) -> QuerySyntaxError:
    return QuerySyntaxError(f"syntax error in the update: {exc.args[0] if exc.args else exc}")


_NEVER = ox.NamedNode("urn:innograph:update:never")
_POSITION = re.compile(r"\b(\d+):(\d+)\b")


def check_syntax(text: str, tokens: list, base_iri: str | None) -> None:
    """Parse an update request and evaluate none of it; QuerySyntaxError with the client's own
    line:column. (pyoxigraph cannot only parse: the request runs on an empty store, after a first
    operation that always fails, ``DROP GRAPH`` of a graph that cannot exist, written after the
    opening PREFIX/BASE lines since Oxigraph reads a prologue only at the start. A WHERE of
    VALUES alone would otherwise run here, without a time limit.)"""
    i = 0
    while i < len(tokens) and tokens[i].kind == "word" and tokens[i].text.upper() in {"PREFIX", "BASE"}:
        i += 3 if tokens[i].text.upper() == "PREFIX" else 2
    if i >= len(tokens):
        at, guard = len(text), ""           # a prologue alone: nothing to evaluate
    else:
        at, guard = tokens[i].start, f"DROP GRAPH {_NEVER} ; "
    try:
        ox.Store().update(text[:at] + guard + text[at:], base_iri=base_iri)
    except SyntaxError as exc:
        line = text.count("\n", 0, at) + 1
        column = at - (text.rfind("\n", 0, at) + 1) + 1

        def unshifted(match: re.Match) -> str:
            row, col = int(match.group(1)), int(match.group(2))
            return f"{row}:{col - len(guard) if row == line and col > column + len(guard) - 1 else col}"

        raise QuerySyntaxError("syntax error in the update: "
                               + _POSITION.sub(unshifted, str(exc.args[0] if exc.args else exc), count=1)) from None
    except (OSError, RuntimeError):
        pass                    # the guard's own failure: only syntax counts here


def _scratch(update: str, base_iri: str | None, functions=None) -> ox.Store:
    """An empty in-memory store after ``update`` (how this module parses data and templates)."""
    scratch = ox.Store()
    try:
        scratch.update(update, base_iri=base_iri, custom_functions=functions)
    except SyntaxError as exc:
        raise _syntax(exc) from None
    except (OSError, RuntimeError) as exc:
        raise UpdateFailed(f"the update failed: {exc}") from None
    return scratch


def _inserted(scratch: ox.Store, overlay: Overlay) -> None:
    for graph in scratch.named_graphs():
        overlay.create(graph)
    for quad in scratch:
        overlay.insert(quad)


class DeltaEvaluator:
    """Computes the delta of an update request against a pyoxigraph store.

    ``where``: how a WHERE is evaluated. None: in this process (not time-limited; for a store no
    worker can open, and tests). A ``WorkerWhere``: in a killable worker, within its time limit.
    """

    def __init__(self, store: ox.Store, *, base_iri: str | None = None, where: "WorkerWhere | None" = None):
        self.store = store
        self.base_iri = base_iri
        self.where = where

    def resolve(self, prologue: str, iri_text: str) -> ox.NamedNode:
        """An IRI as written in the update (prefixed, relative) made absolute by pyoxigraph."""
        try:
            solutions = ox.Store().query(f"{prologue}\nSELECT ({iri_text} AS ?iri) {{}}",
                                         base_iri=self.base_iri)
        except SyntaxError as exc:
            raise _syntax(exc) from None
        return next(iter(solutions))["iri"]

    def delta(self, text: str, tokens: list) -> Delta:
        """The request's whole change. Raises QuerySyntaxError or UpdateFailed (nothing changed)."""
        # The whole request parsed once, for errors that name line:column of the client's text.
        check_syntax(text, tokens, self.base_iri)
        overlay = Overlay(self.store)
        for op in split_operations(text, tokens):
            self.apply(op, overlay)
        return overlay.delta

    def apply(self, op: Operation, overlay: Overlay) -> None:
        """Add the effect of one operation, on the store as ``overlay`` has it, to ``overlay``.

        ``INSERT DATA`` and ``LOAD`` are run on an empty in-memory store (LOAD fetches its source
        there), ``DELETE DATA`` is parsed as the same block inserted; the other operations go to
        ``modify``, ``graph_management`` and ``transfer``. Raises QuerySyntaxError (also for text
        that is not an update operation) or UpdateFailed.
        """
        keyword, prologue = op.keyword, op.prologue
        if keyword in {"INSERT DATA", "LOAD"}:
            _inserted(_scratch(f"{prologue}\n{op.text}", self.base_iri), overlay)
        elif keyword == "DELETE DATA":
            as_insert = "INSERT" + op.text[len(op.tokens[0].text):]
            for quad in _scratch(f"{prologue}\n{as_insert}", self.base_iri):
                overlay.delete(quad)
        elif keyword in {"MODIFY", "DELETE WHERE"}:
            self.modify(op, overlay)
        elif keyword in {"CLEAR", "DROP", "CREATE"}:
            self.graph_management(op, overlay)
        elif keyword in {"ADD", "MOVE", "COPY"}:
            self.transfer(op, overlay)
        else:
            raise QuerySyntaxError(f"syntax error in the update: {op.text[:40]!r} is not an "
                                   f"update operation")

    # DELETE/INSERT ... WHERE
    def where_query(self, op: Operation, parts: _Modify) -> SolutionsRequest:
        """The operation's WHERE as a SELECT of its template variables (every solution kept, in
        its multiplicity: an INSERT template's blank nodes are fresh per solution). ``USING``
        becomes ``FROM`` (the same dataset rules); ``WITH`` without ``USING`` makes its graph the
        default graph, every named graph still readable; otherwise the default graph is the
        store's own (as in any update), not the union."""
        names = parts.variables
        projection = " ".join(f"?{name}" for name in names) or "(1 AS ?innograph__solution)"
        dataset = " ".join(f"FROM {'NAMED ' if named else ''}{iri}" for named, iri in parts.dataset)
        default_graphs = None
        if parts.with_iri and not parts.dataset:
            default_graphs = [self.resolve(op.prologue, parts.with_iri).value]
        return SolutionsRequest(f"{op.prologue}\nSELECT {projection} {dataset} WHERE {parts.where}",
                                base_iri=self.base_iri, default_graphs=default_graphs)

    def solutions(self, op: Operation, parts: _Modify, overlay: Overlay) -> list:
        """The WHERE's solutions on the store as ``overlay`` has it; ``solution[name]`` is the
        term bound to a template variable, or None.

        With a ``WorkerWhere``: in its worker (time-limited). Otherwise in this process: the
        SELECT of ``where_query`` on the store when nothing is pending, else ``captured``.
        """
        request = self.where_query(op, parts)
        if self.where is not None:
            return self.where.solutions(request, overlay)
        if overlay.delta:
            return self.captured(op, parts, overlay)
        try:
            return parse_solutions(where_solutions(self.store, request))
        except SyntaxError as exc:
            raise _syntax(exc) from None
        except (OSError, RuntimeError) as exc:
            raise UpdateFailed(f"the update failed: {exc}") from None

    def captured(self, op: Operation, parts: _Modify, overlay: Overlay) -> list[dict]:
        """The WHERE's solutions (template variables only) on the store as ``overlay`` has it,
        evaluated in this process.

        Within one transaction that is always rolled back: the pending change is written, the WHERE
        is evaluated once by an INSERT that records each solution in a scratch graph (a fresh
        blank node per solution, one triple per bound variable), and a FILTER with a Python
        function reads that graph out. A side-effect function placed in the WHERE itself is not
        safe: the optimiser may evaluate it before the pattern's own FILTERs have rejected a row.
        """
        names = parts.variables
        scratch_graph = ox.NamedNode(f"urn:innograph:update:scratch:{uuid.uuid4().hex}")
        rows: dict = {}

        def record(row, slot, value):
            bindings = rows.setdefault(row, {})
            if slot != _SOLUTION:
                bindings[names[int(slot.value.rsplit(":", 1)[1])]] = value
            return ox.Literal(True)

        template = " ".join([f"?innograph__solution <{_SOLUTION.value}> true ."] + [
            f"?innograph__solution <{_SLOT.value}{k}> ?{name} ." for k, name in enumerate(names)])
        capture = (f"{parts.with_graph} INSERT {{ GRAPH {scratch_graph} {{ {template} }} }} "
                   f"{parts.using} WHERE {{ {parts.where} BIND(BNODE() AS ?innograph__solution) }}")
        read_out = (f"INSERT {{ }} WHERE {{ GRAPH {scratch_graph} {{ ?r ?slot ?v }} "
                    f"FILTER(<{_RECORD.value}>(?r, ?slot, ?v)) }}")
        operations, term = delta_operations(overlay.delta)
        rollback = ox.NamedNode(f"urn:innograph:update:rollback:{uuid.uuid4().hex}")
        # Oxigraph reads a prologue only at the start of a request (not after ';'); the pending
        # change's operations use absolute IRIs, so the capture's prologue can lead.
        text = f"{op.prologue}\n" + " ;\n".join(
            operations + [capture, read_out, f"DROP GRAPH {rollback}"])
        try:
            self.store.update(text, base_iri=self.base_iri,
                              custom_functions={_RECORD: record, _DELTA_TERM: term})
        except SyntaxError as exc:
            raise _syntax(exc) from None
        except (OSError, RuntimeError) as exc:
            if rollback.value not in str(exc):
                raise UpdateFailed(f"the update failed: {exc}") from None
        else:
            raise AssertionError("the capture transaction was not rolled back")
        return [{name: bindings.get(name) for name in names} for bindings in rows.values()]

    def instantiate(self, op: Operation, parts: _Modify, template: str, solutions: list) -> ox.Store:
        """The template's quads for every solution (fresh blank nodes per solution)."""
        if not solutions or not template.strip():
            return ox.Store()
        names = parts.variables

        def binding(row, index):
            solution, name = solutions[int(row.value)], names[int(index.value)]
            # A QuerySolution gives None for an unbound variable; a dict may lack it.
            return solution.get(name) if isinstance(solution, dict) else solution[name]

        binds = " ".join(f"BIND(<{_BINDING.value}>({_ROW}, {k}) AS ?{n})" for k, n in enumerate(names))
        rows = " ".join(str(i) for i in range(len(solutions)))
        return _scratch(f"{op.prologue}\n{parts.with_graph} INSERT {{ {template} }} "
                        f"WHERE {{ VALUES {_ROW} {{ {rows} }} {binds} }}", self.base_iri,
                        {_BINDING: binding})

    def modify(self, op: Operation, overlay: Overlay) -> None:
        """``DELETE/INSERT ... WHERE`` and ``DELETE WHERE``: the WHERE is evaluated once on the store
        as ``overlay`` has it (``solutions``), the templates instantiated per solution; the deleted
        quads present are removed first, then the inserted ones added. Raises QuerySyntaxError or
        UpdateFailed."""
        parts = _modify_parts(op)
        solutions = self.solutions(op, parts, overlay)
        deleted = [q for q in self.instantiate(op, parts, parts.delete or "", solutions)
                   if overlay.contains(q)]
        inserted = self.instantiate(op, parts, parts.insert or "", solutions)
        for quad in deleted:            # deletions first, then insertions (SPARQL 1.1 Update 3.1.3)
            overlay.delete(quad)
        _inserted(inserted, overlay)

    # graph management
    def _target(self, op: Operation) -> tuple[bool, object]:
        """(silent, target) of CLEAR/DROP/CREATE: target is a NamedNode, or DEFAULT/NAMED/ALL."""
        tokens = op.tokens[1:]
        silent = bool(tokens) and tokens[0].kind == "word" and tokens[0].text.upper() == "SILENT"
        tokens = tokens[1:] if silent else tokens
        if tokens and tokens[0].kind == "word" and tokens[0].text.upper() in {"DEFAULT", "NAMED", "ALL"}:
            return silent, tokens[0].text.upper()
        if tokens and tokens[0].kind == "word" and tokens[0].text.upper() == "GRAPH":
            tokens = tokens[1:]
        return silent, self.resolve(op.prologue, tokens[0].text)

    def graph_management(self, op: Operation, overlay: Overlay) -> None:
        """``CLEAR``, ``DROP`` and ``CREATE``, as Oxigraph evaluates them: ``DEFAULT`` is the default
        graph, ``NAMED`` every named graph, ``ALL`` both; dropping the default graph empties it.

        Raises UpdateFailed for ``CREATE`` of a graph that exists, or ``CLEAR``/``DROP`` of a named
        graph that does not, unless SILENT (then nothing happens); QuerySyntaxError for a graph IRI
        that cannot be resolved.
        """
        silent, target = self._target(op)
        if op.keyword == "CREATE":
            if overlay.exists(target):
                if not silent:
                    raise UpdateFailed(f"the update failed: The graph {target} already exists")
                return
            overlay.create(target)
            return
        if isinstance(target, ox.NamedNode):
            if not overlay.exists(target):
                if not silent:
                    raise UpdateFailed(f"the update failed: The graph {target} does not exist")
                return
            graphs = [target]
        elif target == "DEFAULT":
            graphs = [ox.DefaultGraph()]
        elif target == "NAMED":
            graphs = overlay.named_graphs()
        else:
            graphs = [ox.DefaultGraph()] + overlay.named_graphs()
        for graph in graphs:
            (overlay.drop if op.keyword == "DROP" else overlay.clear)(graph)

    def transfer(self, op: Operation, overlay: Overlay) -> None:
        """ADD / COPY / MOVE, as Oxigraph evaluates them (INSERT, preceded by DROP SILENT of the
        target for COPY and MOVE, followed by DROP of the source for MOVE)."""
        tokens = op.tokens[1:]
        silent = bool(tokens) and tokens[0].kind == "word" and tokens[0].text.upper() == "SILENT"
        tokens = tokens[1:] if silent else tokens
        ends = []
        for token in tokens:
            if token.kind == "word" and token.text.upper() in {"GRAPH", "TO"}:
                continue
            if token.kind == "word" and token.text.upper() == "DEFAULT":
                ends.append(ox.DefaultGraph())
            else:
                ends.append(self.resolve(op.prologue, token.text))
        source, target = ends
        if source == target:
            return
        if op.keyword == "MOVE" and not silent and not overlay.exists(source):
            raise UpdateFailed(f"the update failed: The graph {source} does not exist")
        moved = overlay.quads(source)
        if op.keyword in {"COPY", "MOVE"}:
            overlay.drop(target)
        for quad in moved:
            overlay.insert(ox.Quad(quad.subject, quad.predicate, quad.object, target))
        if op.keyword == "MOVE":
            overlay.drop(source)


# -- a remote store: the same delta from queries whose cost follows the change ----------------------

class NeedsCopy(Exception):
    """This request's effect cannot be learnt from queries to the remote store (see
    ``RemoteDeltaEvaluator``): the runner falls back to a copy."""


class RemoteReads:
    """The reads an ``Overlay`` makes, answered by a remote SPARQL store (``store.base.Store``) with
    lookups of the quads and graphs the change names: never the whole store."""

    def __init__(self, store):
        self.remote = store
        self._looked_up: dict = {}          # (subject, graph) -> the quads the server has
        self._read: set = set()             # quads read from the server (graph contents)
        self._graphs: set | None = None
        self._graph_exists: dict = {}

    def __contains__(self, quad: ox.Quad) -> bool:
        if quad in self._read:
            return True
        if isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode):
            # The server gives its blank nodes no label that lasts across requests, so one not
            # read from it in this request is the request's own: new.
            return False
        key = (quad.subject, quad.graph_name)
        if key not in self._looked_up:
            # One lookup per subject and graph the change names, however many of its triples.
            self._looked_up[key] = set(self.remote.quads_matching(quad.subject, None, None, quad.graph_name))
        return quad in self._looked_up[key]

    def contains_named_graph(self, graph) -> bool:
        """True when the server has a triple in ``graph`` (a server keeps no empty graph we can see)."""
        if self._graphs is not None:
            return graph in self._graphs
        if graph not in self._graph_exists:
            # One graph asked about (not the list of all: its cost grows with the store).
            self._graph_exists[graph] = bool(self.remote.query(f"ASK {{ GRAPH {graph} {{ ?s ?p ?o }} }}"))
        return self._graph_exists[graph]

    def named_graphs(self):
        """Every named graph of the server (for CLEAR/DROP NAMED and ALL only)."""
        return iter(sorted(self._graph_set(), key=str))

    def _graph_set(self) -> set:
        if self._graphs is None:
            self._graphs = set(self.remote.graph_names())
        return self._graphs

    def quads_for_pattern(self, subject, predicate, object, graph):
        """The quads of ``graph`` (the one pattern an ``Overlay`` asks for), remembered as present."""
        if (subject, predicate, object) != (None, None, None) or graph is None:
            raise NeedsCopy
        quads = list(self.remote.quads(graph))
        self._read.update(quads)
        return iter(quads)


class RemoteDeltaEvaluator(DeltaEvaluator):
    """The delta of an update request against a remote SPARQL store, from queries whose cost
    follows the change: the data's quads looked up by subject, a WHERE sent as one SELECT of the
    template variables (``USING``/``WITH`` as the query's dataset), graph contents read graph by
    graph. Raises ``NeedsCopy`` where that cannot be exact: a WHERE after an earlier operation of
    the same request changed something (the server cannot see a pending change), or a solution
    binding a blank node (the server gives it no label that lasts across requests)."""

    def __init__(self, store, *, base_iri: str | None = None):
        super().__init__(RemoteReads(store), base_iri=base_iri)

    def solutions(self, op: Operation, parts: _Modify, overlay: Overlay) -> list[dict]:
        if overlay.delta:
            raise NeedsCopy
        # USING/WITH as the query's dataset, from the parts _modify_parts already read.
        default = [self.resolve(op.prologue, iri) for is_named, iri in parts.dataset if not is_named]
        named = [self.resolve(op.prologue, iri) for is_named, iri in parts.dataset if is_named]
        if not parts.dataset:
            default = [self.resolve(op.prologue, parts.with_iri)] if parts.with_iri else [ox.DefaultGraph()]
        names = parts.variables
        projection = " ".join(f"?{name}" for name in names) if names else "*"
        limit = "" if names else " LIMIT 1"          # a ground template needs one solution at most
        try:
            result = self.store.remote.query(f"{op.prologue}\nSELECT {projection} WHERE {parts.where}{limit}",
                                             default_graphs=default, named_graphs=named or None)
        except SyntaxError as exc:
            raise _syntax(exc) from None
        rows = []
        for solution in result:
            row = {name: solution[name] for name in names if solution[name] is not None}
            if any(isinstance(term, ox.BlankNode) for term in row.values()):
                raise NeedsCopy
            rows.append(row)
        return rows


# -- WHEREs in a killable worker -------------------------------------------------------------------

SCRATCH_PREFIX = "innograph-where-scratch-"


def _changes(synced: Delta, pending: Delta) -> ScratchChanges:
    """What turns a scratch copy holding the store plus ``synced`` into the store plus ``pending``
    (both deltas of the same store: ``removed`` quads are in it, ``added`` ones are not)."""
    return ScratchChanges(
        drop=sorted((pending.dropped - synced.dropped) | (synced.created - pending.created), key=str),
        remove=list((pending.removed - synced.removed) | (synced.added - pending.added)),
        insert=list((pending.added - synced.added) | (synced.removed - pending.removed)),
        create=sorted((pending.created - synced.created) | (synced.dropped - pending.dropped), key=str))


def remove_stale_scratches(store_dir: Path) -> None:
    """Delete scratch checkpoints a stopped server left in ``store_dir`` (only its one writer
    makes them, so any found before it starts are stale)."""
    for stale in store_dir.glob(SCRATCH_PREFIX + "*"):
        shutil.rmtree(stale, ignore_errors=True)


class WorkerWhere:
    """The WHEREs of one update request, evaluated in a worker that is killed at the time limit.

    Every WHERE of the request shares one limit (``limit`` seconds from construction). A WHERE that
    must see changes of earlier operations of the request runs on a scratch checkpoint of the store
    (``Store.backup`` into ``scratch_dir``: hard links, made once per request, deleted by ``close``)
    that the worker opens read-write and brings up to date with the pending changes; any other
    WHERE runs on the committed store, which the worker's read-only snapshot shows (writes are one
    at a time, and the pool's generation is bumped after each commit, before the next begins).
    """

    def __init__(self, pool: QueryPool, engine: ox.Store, scratch_dir: Path, limit: float):
        self.pool, self.engine, self.scratch_dir, self.limit = pool, engine, scratch_dir, limit
        self.deadline = time.monotonic() + limit
        self.scratch: str | None = None
        self.synced = Delta()
        self.worker_has_scratch = False

    def _stopped(self) -> QueryTimeout:
        return QueryTimeout(f"the update was stopped after the time limit of {self.limit:g} s for its "
                            f"WHERE (setting INNOGRAPH_QUERY_TIMEOUT); nothing was written. Narrow "
                            f"the WHERE, or split the update")

    def solutions(self, request: SolutionsRequest, overlay: Overlay) -> list:
        """The solutions of ``request`` on the store as ``overlay`` has it. Raises QueryTimeout
        (the worker was killed), ServerBusy, UpdateFailed, QuerySyntaxError or StoreError."""
        if overlay.delta:
            if self.scratch is None:
                scratch = self.scratch_dir / f"{SCRATCH_PREFIX}{uuid.uuid4().hex}"
                try:
                    self.engine.backup(str(scratch))
                except OSError as exc:
                    shutil.rmtree(scratch, ignore_errors=True)
                    raise StoreError(f"{self.scratch_dir}: cannot make a scratch copy for the "
                                     f"update's WHERE; nothing was written: {exc}") from None
                self.scratch = str(scratch)
            request.scratch = self.scratch
            request.changes = _changes(self.synced, overlay.delta)
            self.synced = Delta(set(overlay.delta.added), set(overlay.delta.removed),
                                set(overlay.delta.created), set(overlay.delta.dropped))
            self.worker_has_scratch = True
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise self._stopped()
        try:
            return parse_solutions(self.pool.run(request, timeout=remaining))
        except QueryTimeout:
            self.worker_has_scratch = False         # the worker was killed with it
            raise self._stopped() from None
        except StoreError as exc:
            if exc.message.startswith(_WORKER_FAILURE):     # the worker is alive and answered
                raise UpdateFailed(f"the update failed: {exc.message[len(_WORKER_FAILURE):]}") from None
            self.worker_has_scratch = False                 # the worker died
            raise
        except QuerySyntaxError as exc:
            raise QuerySyntaxError(exc.message.replace("in the query", "in the update", 1)) from None
        except ServerBusy:
            raise ServerBusy("the worker that evaluates update WHEREs is not ready (it is replaced "
                             "after an update stopped at the time limit); nothing was written, try "
                             "again shortly") from None

    def close(self) -> None:
        """Delete the scratch copy, if one was made (the worker closes it first)."""
        if self.scratch is None:
            return
        if self.worker_has_scratch:
            try:
                self.pool.run(SolutionsRequest("", scratch=self.scratch, release=True), timeout=30)
            except InnographError:
                pass                    # a killed worker took its handle with it
        shutil.rmtree(self.scratch, ignore_errors=True)
        self.scratch = None


_WORKER_FAILURE = "the query failed: "


def _has_where(tokens: list) -> bool:
    return any(t.kind == "word" and t.text.upper() == "WHERE" for t in tokens)


# -- the runner: delta, validation, commit ---------------------------------------------------------


class UpdateRunner:
    """SPARQL Update and Graph Store writes, validated, one at a time, in the server process.

    On the embedded store an update's effect is computed from the change (``updates.DeltaEvaluator``:
    the data itself, the WHERE evaluated once, graph contents), the whole request's delta is
    validated once (``loading.check_change``) and exactly that delta is committed in one
    transaction. With a ``QueryPool`` (every store a KnowledgeGraph writes to on disk or in
    'memory'), each WHERE is evaluated in a worker of a pool of its own (one process beside the
    query workers, so a write never waits for readers' workers), killed at the query time limit
    (``WorkerWhere``). A remote store evaluates updates itself: its effect is learnt from queries
    whose cost follows the change (``RemoteDeltaEvaluator``; each within the remote store's HTTP
    timeout), on an in-memory copy only for what those cannot answer exactly (``NeedsCopy``; in a
    child process killed at the query time limit), and the update text is sent to it.
    """

    def __init__(self, store, pool: QueryPool | None = None, *, base_iri: str | None = None):
        self.store = store
        self.pool = pool
        self.base_iri = base_iri
        self.lock = threading.Lock()
        engine = getattr(store, "_store", None)     # the pyoxigraph Store of an OxigraphStore
        self.engine: ox.Store | None = engine if isinstance(engine, ox.Store) else None
        self._where_pool: QueryPool | None = None

    def start(self) -> None:
        """Start the WHERE worker now rather than at the first update with a WHERE (a server that
        takes writes does this before it takes requests). Nothing for a store without a pool."""
        with self.lock:
            self._started_where_pool()

    def _where(self, timeout: float | None) -> WorkerWhere | None:
        """The WHERE evaluator of one request (caller holds the lock): a worker of the runner's own
        one-process pool (started at the first call), or None with no QueryPool."""
        pool = self._started_where_pool()
        if pool is None:
            return None
        return WorkerWhere(pool, self.engine, Path(pool.path), pool.timeout if timeout is None else timeout)

    def _started_where_pool(self) -> QueryPool | None:
        if self.engine is None or not isinstance(self.pool, QueryPool):
            return None
        if self._where_pool is None:
            remove_stale_scratches(Path(self.pool.path))
            pool = QueryPool(self.pool.path, size=1, timeout=self.pool.timeout,
                             queue_wait=self.pool.queue_wait, follows=self.pool)
            try:
                pool.warm_up()
            except BaseException:
                pool.close()
                raise
            self._where_pool = pool
        return self._where_pool

    def close(self) -> None:
        """Stop the WHERE worker (if one was started)."""
        with self.lock:
            if self._where_pool is not None:
                self._where_pool.close()
                self._where_pool = None

    def _committed(self) -> None:
        # No flush here: a read-only open also reads the write-ahead log, and fewer flushes mean
        # fewer compactions deleting files under the workers' snapshots.
        if self.pool is not None:
            self.pool.written()

    def effect(self, sparql: str, *, base_iri: str | None = None, timeout: float | None = None) -> Delta:
        """The change ``sparql`` would make to the store now (nothing is written).

        ``timeout``: seconds the request's WHEREs may take together (default: the pool's, i.e.
        the query_timeout setting). Raises QuerySyntaxError, QueryTimeout, ServerBusy, or
        UpdateFailed for an update that cannot apply (DROP of a missing graph...).
        """
        base_iri = base_iri or self.base_iri
        if self.engine is None:
            limit = timeout if timeout is not None else getattr(self.pool, "timeout", None)
            remote = self.store
            if limit is not None:
                # The questions about the change (its WHEREs among them) wait at most the query
                # time limit each; the handle's own timeout stays for the write itself.
                remote = copy.copy(self.store)
                remote.timeout = limit
            try:
                return RemoteDeltaEvaluator(remote, base_iri=base_iri).delta(sparql, tokenize(sparql))
            except NeedsCopy:
                added, removed = self._effect_by_copy(sparql, base_iri, timeout)
                return Delta(set(added), set(removed))
            except StoreTimeout:
                raise QueryTimeout(f"the update was stopped: the remote store did not answer a question "
                                   f"about its effect (its WHERE) within the time limit of {limit:g} s "
                                   f"(setting INNOGRAPH_QUERY_TIMEOUT); nothing was written") from None
        tokens = tokenize(sparql)
        where = self._where(timeout) if _has_where(tokens) else None
        try:
            return DeltaEvaluator(self.engine, base_iri=base_iri, where=where).delta(sparql, tokens)
        finally:
            if where is not None:
                where.close()

    def _effect_by_copy(self, sparql: str, base_iri: str | None,
                        timeout: float | None = None) -> tuple[list[ox.Quad], list[ox.Quad]]:
        """The effect of ``sparql`` on a remote store, learnt on a copy of its quads: for a request
        with a WHERE, in a child process killed at the time limit when the runner has an executor
        with one (the query time limit); else here (the rest costs what the request holds)."""
        tokens = tokenize(sparql)
        check_syntax(sparql, tokens, base_iri)
        limit = timeout if timeout is not None else getattr(self.pool, "timeout", None)
        if limit is not None and _has_where(tokens):
            reply = effect_on_copy(self.store.quads(), sparql, base_iri, limit)
            if reply[0] == "syntax":
                raise QuerySyntaxError(f"syntax error in the update: {reply[1]}")
            if reply[0] == "failed":
                raise UpdateFailed(f"the update failed: {reply[1]}")
            return sorted(reply[1], key=str), sorted(reply[2], key=str)
        copy = ox.Store()
        copy.extend(self.store.quads())
        before = set(copy.quads_for_pattern(None, None, None, None))
        try:
            copy.update(sparql, base_iri=base_iri)
        except SyntaxError as exc:
            raise QuerySyntaxError(f"syntax error in the update: {exc.args[0] if exc.args else exc}") \
                from None
        except (OSError, RuntimeError) as exc:
            raise UpdateFailed(f"the update failed: {exc}") from None
        after = set(copy.quads_for_pattern(None, None, None, None))
        return sorted(after - before, key=str), sorted(before - after, key=str)

    def _validate(self, delta: Delta) -> None:
        if delta.added or delta.removed:
            report = check_change(self.store, add=delta.added, remove=delta.removed)
            if not report.conforms:
                raise ValidationFailed(report)

    def _write(self, delta: Delta) -> None:
        """Validate ``delta`` and commit exactly it (caller holds the lock)."""
        self._validate(delta)
        if delta:
            try:
                with recording(self.store, added=delta.added, removed=delta.removed), \
                        following_change(self.store, added=delta.added, removed=delta.removed, exact_effect=True):
                    commit(self.engine, delta)
            except OSError as exc:
                raise StoreError(f"{self.store.location}: nothing was written: {exc}") from None
            self._committed()

    def update(self, sparql: str, *, base_iri: str | None = None, timeout: float | None = None):
        """Validate and apply an update request: all of it or nothing.

        ``base_iri`` resolves relative IRIs (default: the runner's); ``timeout`` bounds its WHEREs
        (see ``effect``). Returns (added, removed) quads. Raises ValidationFailed,
        QuerySyntaxError, UpdateFailed, QueryTimeout (nothing written).
        """
        with self.lock:
            delta = self.effect(sparql, base_iri=base_iri, timeout=timeout)
            if self.engine is None:
                self._validate(delta)
                # The remote server resolves relative IRIs against this service's base as well.
                with recording(self.store, added=delta.added, removed=delta.removed), \
                        following_change(self.store, added=delta.added, removed=delta.removed, exact_effect=True):
                    self.store.update(f"BASE <{base_iri or self.base_iri}>\n{sparql}"
                                      if base_iri or self.base_iri else sparql)
                self._committed()
            else:
                self._write(delta)
            return sorted(delta.added, key=str), sorted(delta.removed, key=str)

    def replace_graph(self, graph, quads: list[ox.Quad]) -> bool:
        """Replace a graph (GSP PUT); True if the graph is new."""
        with self.lock:
            if self.engine is None:
                existed = self.graph_exists(graph)
                report = check_change(self.store, replace={graph: quads})
                if not report.conforms:
                    raise ValidationFailed(report)
                with recording(self.store, replace={graph: quads}), \
                        following_change(self.store, added=quads, replaced=[graph]):
                    self.store.replace_graphs({graph: quads})
                self._committed()
                return not existed
            overlay = Overlay(self.engine)
            existed = overlay.exists(graph)
            overlay.clear(graph)
            overlay.create(graph)
            for quad in quads:
                overlay.insert(quad)
            self._write(overlay.delta)
            return not existed

    def merge_graph(self, graph, quads: list[ox.Quad]) -> bool:
        """Add quads to a graph (GSP POST); True if the graph is new."""
        with self.lock:
            if self.engine is None:
                existed = self.graph_exists(graph)
                report = check_change(self.store, add=quads)
                if not report.conforms:
                    raise ValidationFailed(report)
                with recording(self.store, added=quads), following_change(self.store, added=quads):
                    self.store.add(quads)
                self._committed()
                return not existed
            overlay = Overlay(self.engine)
            existed = overlay.exists(graph)
            overlay.create(graph)
            for quad in quads:
                overlay.insert(quad)
            self._write(overlay.delta)
            return not existed

    def delete_graph(self, graph) -> bool:
        """Remove a graph (GSP DELETE); False if there was no such graph (nothing done)."""
        with self.lock:
            if not self.graph_exists(graph):
                return False
            if self.engine is None:
                report = check_change(self.store, replace={graph: []})
                if not report.conforms:
                    raise ValidationFailed(report)
                with recording(self.store, replace={graph: []}), following_change(self.store, replaced=[graph]):
                    self.store.drop_graph(graph)
                self._committed()
                return True
            overlay = Overlay(self.engine)
            overlay.drop(graph)
            self._write(overlay.delta)
            return True

    def graph_exists(self, graph) -> bool:
        """True when the store has ``graph`` now (the default graph always; a named graph, empty
        ones included on the embedded store, when the store lists it)."""
        if isinstance(graph, ox.DefaultGraph):
            return True
        if self.engine is not None:
            return self.engine.contains_named_graph(graph)
        return graph in self.store.graph_names()
