"""The one query path every face takes: check the text, evaluate it with the time limit, render it.

The HTTP endpoint, the query page, the named-query API, ``innograph query`` and the Python API all
call :meth:`QueryService.run`, so each has the same safety rules (the lexical check of nesting,
SERVICE and LOAD before pyoxigraph parses the text), the same hard time limit (a worker process
killed at the deadline, or the remote server's HTTP timeout) and the same row cap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Mapping

from ..errors import QuerySyntaxError, UsageError
from ..namespaces import PREFIXES
from ..settings import Settings
from ..store import Store
from .catalogue import Catalogue, NamedQuery, load_catalogue
from ..rdf.sparql import QueryShape, declare_known_prefixes, inspect, undeclared_prefix_message
from .execution import QueryOutcome, QueryPool, QueryRequest, RemoteExecutor
from .result_cache import ResultCache

# Longer texts are inspected every time: the cache keeps its keys, and a big text is rarely repeated.
_REMEMBERED_TEXT = 16_384


@lru_cache(maxsize=512)
def _checked_text(sparql: str, predeclare: bool, max_depth: int, service_allow: tuple,
                  load_allow: tuple) -> tuple[str, QueryShape]:
    """The text to evaluate and its shape, remembered (and shared: read it, never change it). The
    same named or client query comes again and again, and its lexical passes were 0.9 ms of the
    5 ms a cheap query cost. A refusal raises and is not remembered."""
    shape = inspect(sparql, update=False, max_depth=max_depth, service_allow=service_allow,
                    load_allow=load_allow)
    if predeclare:
        return declare_known_prefixes(sparql, shape, PREFIXES), shape
    undeclared = undeclared_prefix_message(sparql, shape, PREFIXES)
    if undeclared:
        raise QuerySyntaxError(undeclared)
    return sparql, shape


def checked_text(sparql: str, settings: Settings, predeclare: bool) -> tuple[str, QueryShape]:
    """The lexical checks of a query, then its PREFIX lines: predeclared (``predeclare``) or an
    undeclared prefix refused (QuerySyntaxError naming the line to add)."""
    args = (sparql, predeclare, settings.max_query_depth, tuple(settings.service_allow),
            tuple(settings.load_allow))
    return _checked_text(*args) if len(sparql) <= _REMEMBERED_TEXT else _checked_text.__wrapped__(*args)


def start_executor(store: Store, settings: Settings, *, workers: int | None = None):
    """The evaluator of ``store``'s queries: worker processes over an on-disk store (killed at the
    time limit), or the remote server itself. UsageError for a store only this process can see."""
    path = getattr(store, "path", None)
    if path is not None:
        return QueryPool(str(path), size=workers or settings.query_workers, timeout=settings.query_timeout,
                         queue_wait=settings.query_queue_wait)
    if getattr(store, "is_remote", False):
        return RemoteExecutor(store, timeout=settings.query_timeout)
    raise UsageError("queries need a store on disk (a directory, or 'memory' opened shareable: they run "
                     "in worker processes that open the store by path) or a remote SPARQL store (http(s)://)")


FormatChooser = Callable[[str], str]
"""Given a result kind ('select', 'ask' or 'graph'), the name of the format to render it in."""


@dataclass
class QueryService:
    """Checked, time-limited, rendered queries over one store (see the module docstring)."""

    store: Store
    settings: Settings
    executor: object                    # QueryPool or RemoteExecutor
    # The project's prefixes need no PREFIX lines (the Python API and the CLI); the HTTP endpoint
    # follows SPARQL to the letter: an undeclared prefix is an error naming the line to add.
    predeclare_prefixes: bool = True
    # Rendered answers for the current data (service/result_cache.py); None: every query is
    # evaluated. Only for an executor that sees every write (a local worker pool).
    cache: ResultCache | None = field(default=None)

    def __post_init__(self):
        if self.cache is None and self.settings.result_cache_bytes > 0 \
                and isinstance(self.executor, QueryPool):
            self.cache = ResultCache(self.settings.result_cache_bytes)

    def run(self, sparql: str, format_for: FormatChooser, *, default_graphs=None, named_graphs=None,
            substitutions: Mapping[str, str] | None = None, max_rows: int | None = None,
            timeout: float | None = None) -> QueryOutcome:
        """Check, evaluate and render one query.

        ``format_for`` picks the output format once the result's kind is known (the lexical guess of
        the form is checked against the real result and the query rendered again if it was wrong).
        ``substitutions`` maps variable names to terms in N-Triples syntax. Raises QueryRefused,
        QuerySyntaxError (line:column, and the PREFIX line to add for an undeclared prefix),
        QueryTimeout, ServerBusy or StoreError.
        """
        sparql, shape = checked_text(sparql, self.settings, self.predeclare_prefixes)
        rows = max_rows or self.settings.max_rows
        cache = self.cache if not (shape.volatile or shape.services) else None

        def evaluate(format_name: str) -> QueryOutcome:
            if cache is not None:
                # Read before evaluating: an answer computed across a commit is filed under the
                # generation before it, which the commit has made unreachable.
                generation = self.executor.generation
                key = (sparql, format_name, rows, tuple(default_graphs or ()),
                       None if named_graphs is None else tuple(named_graphs),
                       tuple(sorted(substitutions.items())) if substitutions else (),
                       self.settings.base_iri)
                outcome = cache.get(generation, key)
                if outcome is not None:
                    return outcome
            outcome = self.executor.run(QueryRequest(
                sparql=sparql, format=format_name, max_rows=rows,
                union_default=not shape.has_dataset,
                default_graphs=list(default_graphs) if default_graphs else None,
                named_graphs=list(named_graphs) if named_graphs else None,
                substitutions=dict(substitutions) if substitutions else None,
                # Relative IRIs resolve against the service's base (the SPARQL Protocol lets it choose).
                base_iri=self.settings.base_iri), timeout)
            if cache is not None:
                outcome.reusable = True
                cache.put(generation, key, outcome, len(outcome.body))
            return outcome

        wanted = format_for(shape.kind)
        outcome = evaluate(wanted)
        if outcome.format != wanted:     # the lexical guess of the query form was wrong
            wanted = format_for(outcome.kind)
            if wanted != outcome.format:
                outcome = evaluate(wanted)
        return outcome

    def catalogue(self) -> Catalogue:
        """The named queries (from the ``queries_dir`` setting), re-read when their files change."""
        return load_catalogue(Path(self.settings.queries_dir))

    def named(self, name: str) -> NamedQuery:
        """The named query ``name``; NotFound suggests the closest names."""
        return self.catalogue().get(name)

    def run_named(self, name: str, values: Mapping[str, str], format_for: FormatChooser, *,
                  max_rows: int | None = None, timeout: float | None = None) -> QueryOutcome:
        """Run the named query ``name`` with its parameters bound from ``values`` (typed as its
        header declares; UsageError names a bad, unknown or missing parameter)."""
        text, substitutions = self.named(name).prepare(values)
        return self.run(text, format_for, substitutions=substitutions, max_rows=max_rows, timeout=timeout)
