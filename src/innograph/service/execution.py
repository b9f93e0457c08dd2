"""Query and update evaluation with the safety rules pyoxigraph does not have by itself.

Measured on pyoxigraph 0.5.13 (measured on this machine; docs/design.md): a query cannot be cancelled, SERVICE and
LOAD make real HTTP requests, and a query nested ~5,000 levels deep crashes the process. Hence:

* ``inspect`` reads the query text lexically (strings, IRIs and comments skipped) *before*
  pyoxigraph parses it: nesting deeper than ``max_query_depth`` is refused, and every SERVICE (and
  LOAD, in updates) whose endpoint is not under an allowed prefix is refused. ``SERVICE ?var`` is
  always refused, since its endpoint is only known while the query runs.
* ``QueryPool`` evaluates queries in worker processes ('spawn') that open the on-disk store
  read-only. The parent waits at most ``query_timeout`` seconds; past it the worker is killed
  (SIGKILL: the only sure stop) and replaced, and the caller gets ``QueryTimeout`` (HTTP 503).
  Workers render the results themselves (``results.render``) so a slow serialisation is bounded too.
* Updates are applied in the server process by ``updates.UpdateRunner`` (kept out of this module
  so that query workers, which import it, do not import the validation stack). The WHERE of an
  update is evaluated here, in a worker, as a SELECT (``SolutionsRequest``): on the committed store,
  or on a scratch checkpoint of it with the request's pending changes applied, under the same
  hard time limit as queries.
"""

from __future__ import annotations

import multiprocessing
import queue
import re
import threading
import time
from dataclasses import dataclass
from typing import Mapping

import pyoxigraph as ox

from ..errors import (InnographError, QueryRefused, QuerySyntaxError, QueryTimeout, ServerBusy,
                     StoreError, StoreTimeout)
from ..namespaces import PREFIXES
from ..search import worker_functions
from ..rdf.formats import rdf_format, result_format
from ..rdf.results import default_format, kind_of, render

# -- worker processes ------------------------------------------------------------------------------

@dataclass
class QueryRequest:
    """Everything a worker needs; only plain data crosses the process boundary."""

    sparql: str
    format: str                                   # format short name for this query's kind
    max_rows: int
    union_default: bool = True
    default_graphs: list[str] | None = None       # IRIs; "" is the store's default graph
    named_graphs: list[str] | None = None
    substitutions: dict[str, str] | None = None   # variable name -> term in N-Triples syntax
    base_iri: str | None = None


@dataclass
class QueryOutcome:
    """A query's rendered result, as a worker sends it back: ``body`` in the format named
    ``format`` (a short name), ``kind`` 'select', 'ask' or 'graph', ``truncated`` when the row cap
    cut it, ``count`` the rows or triples written (None for ASK). ``reusable``: the same request
    gets the same bytes until the next write (set by the query service; see result_cache.py)."""

    body: bytes
    format: str
    kind: str
    truncated: bool
    count: int | None
    reusable: bool = False


@dataclass
class ScratchChanges:
    """Changes a worker applies to a scratch store (a checkpoint of the store) before a WHERE:
    named graphs dropped, quads removed, quads inserted, named graphs created, in that order."""

    drop: list
    remove: list
    insert: list
    create: list


@dataclass
class SolutionsRequest:
    """An update's WHERE, written as a SELECT of the template variables, for a worker to evaluate.

    The answer is the solutions as SPARQL TSV results (``SOLUTIONS_FORMAT``: blank node labels
    kept, so a blank node of the store keeps its identity). The SELECT reads the store's own
    default graph (never the union), or ``default_graphs`` (``WITH``) with every named graph, or
    its own FROM/FROM NAMED (``USING``). With ``scratch`` (a checkpoint directory of the store)
    the worker opens that copy read-write, applies ``changes`` to it (the request's pending
    changes since the last request naming it) and evaluates there. ``release`` with ``scratch``:
    close that copy (it is about to be deleted) and evaluate nothing.
    """

    sparql: str
    base_iri: str | None = None
    default_graphs: list[str] | None = None
    scratch: str | None = None
    changes: ScratchChanges | None = None
    release: bool = False


SOLUTIONS_FORMAT = ox.QueryResultsFormat.TSV


def where_solutions(store: ox.Store, request: SolutionsRequest) -> bytes:
    """Evaluate ``request``'s SELECT on ``store``; its solutions as ``SOLUTIONS_FORMAT``."""
    kwargs: dict = {"base_iri": request.base_iri}
    if request.default_graphs is not None:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in request.default_graphs]
    return store.query(request.sparql, **kwargs).serialize(format=SOLUTIONS_FORMAT)


def parse_solutions(body: bytes) -> list:
    """The solutions ``where_solutions`` wrote: ``solution[name]`` is a term, or None if unbound."""
    return list(ox.parse_query_results(body, SOLUTIONS_FORMAT))


def apply_changes(store: ox.Store, changes: ScratchChanges) -> None:
    """Apply ``changes`` to a scratch store (not atomically: nobody else reads it)."""
    for graph in changes.drop:
        store.remove_graph(graph)
    for quad in changes.remove:
        store.remove(quad)
    store.extend(changes.insert)
    for graph in changes.create:
        store.add_graph(graph)


class _ScratchCopy:  # pragma: no cover - runs in a child process
    """The scratch checkpoint a worker has open (at most one)."""

    def __init__(self):
        self.path: str | None = None
        self.store: ox.Store | None = None

    def serve(self, request: SolutionsRequest) -> bytes | None:
        if request.release:
            if self.path == request.scratch:
                self.path = self.store = None
            return None
        if self.path != request.scratch:
            self.path = self.store = None
            self.store = ox.Store(request.scratch)
            self.path = request.scratch
        if request.changes is not None:
            apply_changes(self.store, request.changes)
        return where_solutions(self.store, request)


def _effect_main(conn) -> None:  # pragma: no cover - runs in a child process
    """``effect_on_copy``'s child: load the quads, apply the update, send what changed."""
    conn.send("ready")
    try:
        nquads, sparql, base_iri = conn.recv()
    except (EOFError, OSError):
        return
    store = ox.Store()
    try:
        store.load(nquads, format=ox.RdfFormat.N_QUADS)
        before = set(store)
        store.update(sparql, base_iri=base_iri)
        after = set(store)
        conn.send(("ok", ox.serialize(after - before, format=ox.RdfFormat.N_QUADS),
                   ox.serialize(before - after, format=ox.RdfFormat.N_QUADS)))
    except SyntaxError as exc:
        conn.send(("syntax", str(exc.args[0] if exc.args else exc)))
    except (OSError, RuntimeError) as exc:
        conn.send(("failed", str(exc)))


def effect_on_copy(quads, sparql: str, base_iri: str | None, timeout: float) -> tuple:
    """What ``sparql`` changes in a dataset of ``quads``, computed in a child process that is
    killed after ``timeout`` seconds (its start-up not counted): ("ok", added, removed) as lists
    of quads, or ("syntax" | "failed", message). Raises QueryTimeout past the limit. (How the
    effect of an update on a remote store is learnt: pyoxigraph evaluates it on a copy.)"""
    context = multiprocessing.get_context("spawn")
    conn, child = context.Pipe(duplex=True)
    process = context.Process(target=_effect_main, args=(child,), daemon=True, name="innograph-update-effect")
    process.start()
    child.close()
    try:
        if not conn.poll(60) or conn.recv() != "ready":
            raise StoreError("the process computing the update's effect did not start within 60 s")
        conn.send((ox.serialize(quads, format=ox.RdfFormat.N_QUADS), sparql, base_iri))
        if not conn.poll(timeout):
            raise QueryTimeout(f"the update was stopped after the time limit of {timeout:g} s "
                               f"(setting INNOGRAPH_QUERY_TIMEOUT) while its effect was computed; "
                               f"nothing was written. Narrow its WHERE, or split the update")
        reply = conn.recv()
    except (EOFError, OSError):
        raise StoreError("the process computing the update's effect stopped unexpectedly") from None
    finally:
        process.kill()
        process.join(timeout=5)
        conn.close()
    if reply[0] != "ok":
        return reply
    return ("ok", list(ox.parse(reply[1], ox.RdfFormat.N_QUADS)), list(ox.parse(reply[2], ox.RdfFormat.N_QUADS)))


def _term_from_ntriples(text: str):
    quad = next(iter(ox.parse(f"<urn:x:s> <urn:x:p> {text} .", ox.RdfFormat.N_TRIPLES)))
    return quad.object


def _graph_term(iri: str):
    return ox.DefaultGraph() if iri == "" else ox.NamedNode(iri)


def evaluate(store: ox.Store, request: QueryRequest, functions: Mapping | None = None) -> QueryOutcome:
    """Run and render one query on a pyoxigraph store (in the worker process). ``functions``: the
    custom SPARQL functions the query may call (``ig:search``, see innograph.search.sparql)."""

    kwargs: dict = {"base_iri": request.base_iri, "custom_functions": functions}
    if request.default_graphs is not None or request.named_graphs is not None:
        kwargs["default_graph"] = [_graph_term(g) for g in request.default_graphs or []]
        if request.named_graphs is not None:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in request.named_graphs]
    elif request.union_default:
        kwargs["use_default_graph_as_union"] = True
    if request.substitutions:
        kwargs["substitutions"] = {ox.Variable(name): _term_from_ntriples(value)
                                   for name, value in request.substitutions.items()}
    return rendered_outcome(store.query(request.sparql, **kwargs), request)


def rendered_outcome(result, request: QueryRequest) -> QueryOutcome:
    """``result`` serialised in the format ``request`` asks for (its kind's default if that format
    does not fit), with the row cap applied."""
    kind = kind_of(result)
    try:
        fmt = rdf_format(request.format) if kind == "graph" else result_format(request.format)
    except InnographError:
        fmt = default_format(kind)
    rendered = render(result, fmt, request.max_rows, PREFIXES)
    return QueryOutcome(rendered.body, fmt.name, kind, rendered.truncated, rendered.count)


_OPEN_ATTEMPTS = 5
_STALE_FILES = re.compile(r"Corruption|No such file|IO error", re.IGNORECASE)


def _worker_main(conn, path: str) -> None:  # pragma: no cover - runs in a child process
    """Serve requests from the parent until it says stop (None) or goes away."""
    store = None
    generation = None
    search_functions = worker_functions(path)
    scratch = _ScratchCopy()
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if message is None:
            return
        wanted, request = message
        try:
            if isinstance(request, SolutionsRequest) and request.scratch is not None:
                conn.send(("ok", scratch.serve(request)))
                continue
            for attempt in range(_OPEN_ATTEMPTS):
                try:
                    if wanted != generation or store is None:
                        store = None
                        store = ox.Store.read_only(path)
                        generation = wanted
                    if isinstance(request, SolutionsRequest):
                        outcome = where_solutions(store, request)
                    else:
                        outcome = evaluate(store, request, search_functions()) if request is not None else None
                    break
                except (OSError, RuntimeError) as exc:
                    # A read-only open is a snapshot of the primary's files; a compaction in the
                    # primary can delete one under it. Reopening sees the current files.
                    if attempt + 1 == _OPEN_ATTEMPTS or not _STALE_FILES.search(str(exc)):
                        raise
                    store = None
                    time.sleep(0.02 * (attempt + 1))
            conn.send(("ok", outcome))
        except SyntaxError as exc:
            conn.send(("syntax", str(exc.args[0] if exc.args else exc)))
        except InnographError as exc:
            conn.send(("error", type(exc).__name__, exc.message))
        except Exception as exc:  # noqa: BLE001 - a query error must reach the client, not kill the worker
            conn.send(("failure", type(exc).__name__, f"the query failed: {type(exc).__name__}: {exc}"))


class _Worker:
    def __init__(self, context, path: str):
        self.conn, child = context.Pipe(duplex=True)
        self.process = context.Process(target=_worker_main, args=(child, path), daemon=True,
                                       name="innograph-query-worker")
        self.process.start()
        child.close()

    def kill(self) -> None:
        try:
            self.process.kill()
        except (OSError, ValueError):
            pass
        self.process.join(timeout=5)
        self.conn.close()


class QueryPool:
    """Worker processes that evaluate queries on the store at ``path`` with a hard time limit.

    ``generation`` must be bumped (``written()``) after every commit in the parent: a worker reopens
    the store read-only when its generation is stale, since a read-only open is a snapshot. A pool
    made with ``follows=`` another (the update WHERE worker beside the query workers) takes that
    pool's generation, so a commit counted there is seen here too.
    """

    def __init__(self, path: str, *, size: int, timeout: float, queue_wait: float,
                 follows: "QueryPool | None" = None):
        self.path = path
        self.size = size
        self.timeout = timeout
        self.queue_wait = queue_wait
        self._follows = follows
        self._generation = 0
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(size):
            self._add_worker()

    def _add_worker(self, started: bool = False) -> None:
        worker = _Worker(self._context, self.path)
        if started:
            # Offered only once it has started and opened the store: its start-up (a second or
            # more on a busy machine) must not count against the next request's time limit.
            try:
                worker.conn.send((self.generation, None))
                if worker.conn.poll(60):
                    worker.conn.recv()      # "ok", or the error the next request will meet too
            except (OSError, EOFError):
                pass
        with self._lock:
            if self._closed:
                worker.kill()
                return
            self._all.add(worker)
        self._idle.put(worker)

    def _replace(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.kill()
        if not self._closed:
            # Spawning takes a few hundred ms; the client is answered without waiting for it.
            threading.Thread(target=self._add_worker, args=(True,), daemon=True).start()

    @property
    def generation(self) -> int:
        """How many commits this pool (or the pool it follows) has been told of."""
        return self._follows.generation if self._follows is not None else self._generation

    def written(self) -> None:
        """Say that the store changed: workers reopen it before their next query."""
        with self._lock:
            self._generation += 1

    def warm_up(self) -> None:
        """Wait until every worker has started and opened the store (raises on failure)."""
        workers = [self._idle.get(timeout=60) for _ in range(self.size)]
        try:
            for worker in workers:
                worker.conn.send((self.generation, None))
            for worker in workers:
                if not worker.conn.poll(60):
                    raise StoreError("a query worker did not start within 60 s")
                status = worker.conn.recv()
                if status[0] != "ok":
                    raise StoreError(f"a query worker could not open {self.path}: {status[-1]}")
        finally:
            for worker in workers:
                self._idle.put(worker)

    def run(self, request: QueryRequest, timeout: float | None = None) -> QueryOutcome:
        """Evaluate ``request`` in a worker.

        Raises QuerySyntaxError (with pyoxigraph's line:column), QueryTimeout when the limit
        passes (the worker is killed), ServerBusy when no worker frees up within ``queue_wait``,
        StoreError if the worker died.
        """
        limit = self.timeout if timeout is None else timeout
        try:
            worker = self._idle.get(timeout=self.queue_wait)
        except queue.Empty:
            raise ServerBusy(f"every query worker is busy ({self.size} running); try again shortly "
                             f"(waited {self.queue_wait:g} s)") from None
        try:
            worker.conn.send((self.generation, request))
            ready = worker.conn.poll(limit)
            if not ready:
                self._replace(worker)
                raise QueryTimeout(f"the query was stopped after the time limit of {limit:g} s "
                                   f"(setting INNOGRAPH_QUERY_TIMEOUT); narrow it, add a LIMIT, "
                                   f"or run it on a local copy of the data")
            reply = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            self._replace(worker)
            raise StoreError("the query worker stopped unexpectedly while evaluating this query") from None
        except BaseException:
            if worker.process.is_alive() and worker in self._all and not worker.conn.closed:
                self._idle.put(worker)
            raise
        self._idle.put(worker)
        if reply[0] == "ok":
            return reply[1]
        if reply[0] == "syntax":
            raise QuerySyntaxError(syntax_error_message(request.sparql, reply[1]))
        name, message = reply[1], reply[2]
        if reply[0] == "failure":
            raise StoreError(message)
        raise QueryRefused(message) if name == "QueryRefused" else InnographError(message)

    def close(self) -> None:
        """Stop every worker: each is asked to stop, given 2 s, then killed. No worker is started
        after this (a replacement still spawning is killed at once). Never raises for a worker that
        has already gone."""
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            try:
                worker.conn.send(None)
            except (OSError, ValueError):
                pass
        for worker in workers:
            worker.process.join(timeout=2)
            worker.kill()


class RemoteExecutor:
    """Evaluates queries on a remote SPARQL store, with the same interface as QueryPool.

    The remote server evaluates the query; this process waits at most the time limit for its answer
    (the HTTP timeout) and renders the result with the row cap. There is no local worker to kill:
    what a remote server does with a query it no longer waits for is that server's business
    (Oxigraph server, Fuseki and others have their own timeouts).
    """

    def __init__(self, store, *, timeout: float):
        import copy

        # A copy of the store handle whose HTTP timeout is the query limit, so writes through the
        # original keep their own (longer) timeout.
        self.store = copy.copy(store)
        self.store.timeout = timeout
        self.timeout = timeout
        self.generation = 0

    def written(self) -> None:
        """Count a commit in ``generation``, as QueryPool does. Nothing else: the remote server
        always answers on its current data."""
        self.generation += 1

    def warm_up(self) -> None:
        """Nothing to start."""

    def close(self) -> None:
        """Nothing to stop."""

    def run(self, request: QueryRequest, timeout: float | None = None) -> QueryOutcome:
        """Evaluate ``request`` remotely. Raises QuerySyntaxError, QueryTimeout or StoreError."""

        kwargs: dict = {}
        if request.default_graphs is not None or request.named_graphs is not None:
            kwargs["default_graphs"] = [_graph_term(g) for g in request.default_graphs or []]
            if request.named_graphs is not None:
                kwargs["named_graphs"] = [ox.NamedNode(g) for g in request.named_graphs]
        if request.substitutions:
            kwargs["substitutions"] = {ox.Variable(name): _term_from_ntriples(value)
                                       for name, value in request.substitutions.items()}
        try:
            result = self.store.query(request.sparql, **kwargs)
        except SyntaxError as exc:
            raise QuerySyntaxError(syntax_error_message(request.sparql, str(exc))) from None
        except StoreTimeout:
            raise QueryTimeout(f"the remote store did not answer within the time limit of "
                               f"{self.timeout:g} s (setting INNOGRAPH_QUERY_TIMEOUT)") from None
        return rendered_outcome(result, request)


# -- syntax errors ---------------------------------------------------------------------------------



def syntax_error_message(sparql: str, detail: str) -> str:
    """The error for a query pyoxigraph could not parse, with the parser's line:column. (An
    undeclared prefix never gets here: the query path names it before, ``rdf.sparql``.)"""
    return f"syntax error in the query: {detail}"
