"""The Python API: :func:`open` a store and work with it through one :class:`KnowledgeGraph`.

This is the core every face calls. ``innograph`` on the command line and ``innograph serve`` over
HTTP translate their input into these calls and the results into their output; a notebook calls
them directly::

    import innograph
    kg = innograph.open("memory")
    kg.load(innograph.shipped_data())
    kg.query("alliance-members")                    # a named query -> pandas DataFrame
    kg.query("SELECT ?c WHERE { ?c a schema:City }") # the project's prefixes need no PREFIX lines
    kg.view("alliances", as_of=2024)                # a networkx graph

Queries take the same path as on the server: the same lexical safety check, a time limit that
really stops the query (it runs in a worker process that is killed at the deadline), a row cap.
Every error is an :class:`~innograph.errors.InnographError`.
"""

from __future__ import annotations

import datetime
import json
import threading
from collections import OrderedDict
from decimal import Decimal
from pathlib import Path
from typing import Iterable, Mapping

import pyoxigraph as ox
import rdflib

from .errors import UsageError, ValidationFailed
from .rdf.sparql import add_using, inject_values, inspect, silence_refused_loads
from .rdf.tabular import Rows, to_frame, to_rows
from .search import SearchHit, search as search_entities
from .service.catalogue import NamedQuery
from .service.execution import QueryOutcome
from .service.updates import UpdateRunner
from .service.exporting import export_dataset
from .service.loading import LoadResult, load_validated, validate_sources
from .service.querying import FormatChooser, QueryService, start_executor
from .service.statistics import store_statistics
from .settings import Settings
from .store import Store, open_store
from .validation.shacl import ValidationReport
from .views import networks
from .versions import Snapshot, Version, log_for
from .versions.sources import project_everything, row_sources

# Rows a notebook query may return before the cap (the server's default is 100,000 per request).
LOCAL_MAX_ROWS = 1_000_000
_SELECT_FORMAT = "json"
_GRAPH_FORMAT = "nt"


def open(store: str | Path | None = None, *, read_only: bool = False, settings: Settings | None = None,
         workers: int | None = None, **overrides) -> "KnowledgeGraph":  # noqa: A001 - innograph.open() reads well
    """Open a knowledge graph.

    ``store`` is ``"memory"`` (a throwaway store), a directory (Oxigraph on disk, created on the
    first load) or the ``http(s)://`` address of a SPARQL 1.1 endpoint; default: the ``store``
    setting (``INNOGRAPH_STORE``, else ``var/store``). ``overrides`` set any other setting by name
    (``query_timeout=5``, ``max_rows=1000``...; see ``innograph serve --help-settings``).
    ``workers`` is how many query worker processes to start (at the first query).
    Raises StoreError or UsageError with the reason.
    """
    overrides = {k: v for k, v in overrides.items() if v is not None}
    if store is not None:
        overrides["store"] = str(store)
    settings = (settings.replace(**overrides) if overrides else settings) if settings is not None \
        else Settings.load(overrides)
    opened = open_store(settings.store, read_only=read_only, shareable=not read_only)
    return KnowledgeGraph(opened, settings, owns_store=True, workers=workers)



class UpdateResult(tuple):
    """What :meth:`KnowledgeGraph.update` did: ``(added, removed)`` quads (it unpacks as that pair),
    and ``skipped_loads``, the text of each ``LOAD SILENT`` whose source the allow-list refused."""

    def __new__(cls, added: list, removed: list, skipped_loads: list[str] = ()):
        result = super().__new__(cls, (added, removed))
        result.skipped_loads = list(skipped_loads)
        return result

    @property
    def added(self) -> list:
        """Quads the update added."""
        return self[0]

    @property
    def removed(self) -> list:
        """Quads the update removed."""
        return self[1]

class KnowledgeGraph:
    """A store with everything innograph does to it: validated loads and writes, checked and
    time-limited queries, views, exports, figures.

    Use it as a context manager (or call :meth:`close`) so that the query workers stop and the
    store is closed.
    """

    def __init__(self, store: Store, settings: Settings | None = None, *, owns_store: bool = False,
                 workers: int | None = None, predeclare_prefixes: bool = True):
        self.store = store
        self.predeclare_prefixes = predeclare_prefixes
        self.settings = settings or Settings.load()
        self.owns_store = owns_store
        self._workers = workers
        self._queries: QueryService | None = None
        self._updates: UpdateRunner | None = None
        self._past: OrderedDict[str, KnowledgeGraph] = OrderedDict()   # version id -> rebuilt state
        self._past_lock = threading.Lock()

    # -- the parts the faces share ------------------------------------------------------------------

    @property
    def queries(self) -> QueryService:
        """The query path (started at first use: it spawns the worker processes)."""
        if self._queries is None:
            executor = start_executor(self.store, self.settings, workers=self._workers)
            self._queries = QueryService(self.store, self.settings, executor, self.predeclare_prefixes)
        return self._queries

    @property
    def updates(self) -> UpdateRunner:
        """Validated writes (SPARQL Update, Graph Store), one at a time under one lock."""
        if self._updates is None:
            self._updates = UpdateRunner(self.store, self.queries.executor, base_iri=self.settings.base_iri)
        return self._updates

    def start(self) -> "KnowledgeGraph":
        """Start the query workers now rather than at the first query (a server does this before it
        takes requests). UsageError for a store that worker processes cannot open."""
        self.queries.executor.warm_up()
        return self

    def _written(self) -> None:
        if self._queries is not None:
            self._queries.executor.written()

    # -- versions -----------------------------------------------------------------------------------

    @property
    def version(self) -> str | None:
        """The id of the data's current version (None for a remote store, which keeps no log,
        and for a store that was never written to)."""
        if isinstance(self.store, Snapshot):
            return self.store.version.id
        log = log_for(self.store)
        head = log.head if log is not None else None
        return head.id if head is not None else None

    def versions(self) -> list[Version]:
        """Every version of the data, oldest first (empty for a remote store)."""
        log = log_for(self.store)
        return log.versions() if log is not None else []

    def at_version(self, version: str | None) -> "KnowledgeGraph":
        """The data as it was at ``version`` (an id from :meth:`versions`), rebuilt from the change
        log into a scratch store and checked against its content hash; queried through the same
        path (same limits). The current version (or None) is this object itself. The last
        ``versions_cached`` rebuilt versions are kept. NotFound for an unknown id, UsageError for a
        remote store."""
        if version is None:
            return self
        log = log_for(self.store)
        if log is None:
            raise UsageError("version=: a remote store keeps no change log; past versions are "
                             "available on an embedded store only (docs/versions.md)")
        wanted = log.get(version)
        if log.head is not None and wanted.id == log.head.id:
            return self
        with self._past_lock:
            past = self._past.get(wanted.id)
            if past is None:
                past = KnowledgeGraph(Snapshot(log, wanted), self.settings, owns_store=True, workers=1)
                past.queries        # its worker now, under the lock: two requests must not start two
                self._past[wanted.id] = past
                while len(self._past) > self.settings.versions_cached:
                    self._past.popitem(last=False)[1].close()
            self._past.move_to_end(wanted.id)
            return past

    # -- loading and validating ---------------------------------------------------------------------

    def load(self, *paths: str | Path, dry_run: bool = False) -> LoadResult:
        """Load RDF files or folders of them, validated, in one transaction.

        Each file replaces its own named graph (``graph/<file stem>``); TriG and N-Quads keep their
        graphs; the ontology comes along. Raises ValidationFailed (``.report`` says what and where;
        the store is unchanged), RdfSyntaxError (file:line:column) or UsageError.
        """
        result = load_validated(self.store, _paths(paths), dry_run=dry_run)
        if result.committed:
            self._written()
        return result

    def validate(self, *paths: str | Path, against_store: bool = False) -> ValidationReport:
        """The SHACL report of RDF files, alone (default) or as the store would be after loading
        them; nothing is written. ``report.conforms`` says whether they pass."""
        return validate_sources(_paths(paths), store=self.store if against_store else None)

    @staticmethod
    def validate_files(*paths: str | Path) -> ValidationReport:
        """The SHACL report of RDF files judged alone (with the ontology); no store is needed."""
        return validate_sources(_paths(paths))

    def update(self, sparql: str, *, timeout: float | None = None, using: Iterable[str] = (),
               using_named: Iterable[str] = ()) -> "UpdateResult":
        """Apply a SPARQL 1.1 Update, validated: (quads added, quads removed). Its WHEREs run in a
        worker process killed after ``timeout`` seconds (default: the ``query_timeout`` setting).
        ``using``/``using_named``: graph IRIs for the dataset of every operation that names none
        (the protocol's ``using-graph-uri``/``using-named-graph-uri``). The text is checked first as
        every face's is (nesting depth; SERVICE and LOAD only to allow-listed IRIs; a refused
        ``LOAD SILENT`` changes nothing, as SILENT says a failing LOAD must, and is named in the
        result's ``skipped_loads``). Raises
        ValidationFailed, QueryTimeout (nothing written either), QuerySyntaxError or QueryRefused."""
        settings = self.settings
        check = dict(update=True, max_depth=settings.max_query_depth, service_allow=settings.service_allow,
                     load_allow=settings.load_allow)
        shape = inspect(sparql, **check)
        skipped = [sparql[start:end] for start, end in shape.silenced_loads]
        if skipped:
            sparql = silence_refused_loads(sparql, shape)
            shape = inspect(sparql, **check)
        using, using_named = list(using), list(using_named)
        if using or using_named:
            sparql = add_using(sparql, shape, using, using_named)
        added, removed = self.updates.update(sparql, timeout=timeout)
        return UpdateResult(added, removed, skipped)

    # -- queries ------------------------------------------------------------------------------------

    def named_queries(self) -> list[NamedQuery]:
        """The named queries, with their titles, descriptions and typed parameters."""
        return [self.queries.catalogue().queries[name] for name in sorted(self.queries.catalogue().queries)]

    def run(self, text_or_name: str, format_for: FormatChooser, *, params: Mapping[str, object] | None = None,
            default_graphs=None, named_graphs=None, max_rows: int | None = None,
            timeout: float | None = None, version: str | None = None) -> QueryOutcome:
        """Run a named query or SPARQL text and return it rendered (what the faces serialise).

        A named query binds ``params`` by its declared types; SPARQL text binds them as
        :func:`term_for` says. ``format_for`` picks the format from the result's kind.
        ``version`` runs it on that past version of the data (:meth:`at_version`).
        """
        if version is not None and self.at_version(version) is not self:
            return self.at_version(version).run(text_or_name, format_for, params=params,
                                                default_graphs=default_graphs, named_graphs=named_graphs,
                                                max_rows=max_rows, timeout=timeout)
        params = dict(params or {})
        catalogue = self.queries.catalogue()
        if text_or_name in catalogue.queries or _looks_like_name(text_or_name):
            return self.queries.run_named(text_or_name, {k: _param_text(v) for k, v in params.items()},
                                          format_for, max_rows=max_rows, timeout=timeout)
        if params:
            # VALUES rather than pyoxigraph's substitutions: those bind only projected variables.
            text_or_name = inject_values(text_or_name, {ox.Variable(name.lstrip("?$")): term_for(value)
                                                        for name, value in params.items()})
        return self.queries.run(text_or_name, format_for,
                                default_graphs=default_graphs, named_graphs=named_graphs,
                                max_rows=max_rows, timeout=timeout)

    def query(self, text_or_name: str, *, max_rows: int | None = None, timeout: float | None = None,
              version: str | None = None, sources: bool = False, **params):
        """Run a named query (``"alliance-members"``) or SPARQL text and return Python objects.

        SELECT: a pandas DataFrame with typed columns (install ``innograph[notebook]``; without
        pandas, :class:`~innograph.rdf.tabular.Rows`, a list of dicts). ASK: a bool.
        CONSTRUCT/DESCRIBE: an rdflib Graph. ``params`` bind the query's variables (a named query
        types them as its header declares: ``year=2024``). The project's prefixes (``ig:``,
        ``schema:``, ``org:``...) are predeclared. ``max_rows`` defaults to 1,000,000; ``timeout``
        to the ``query_timeout`` setting. Raises QuerySyntaxError, QueryRefused, QueryTimeout,
        UsageError (a bad parameter) or NotFound (an unknown named query, with suggestions).

        ``version``: answer on that past version of the data (see :meth:`versions`); the result's
        ``attrs["version"]`` (a DataFrame) or ``.version`` (Rows) says which version answered.
        ``sources=True`` (SELECT): add a ``sources`` column, for each row the list of its sources
        (docs/versions.md says exactly which).
        """
        graph = self.at_version(version)
        if graph is not self:
            return graph.query(text_or_name, max_rows=max_rows, timeout=timeout, sources=sources, **params)
        answered_on = self.version
        outcome = self.run(text_or_name, _python_formats, params=params,
                           max_rows=max_rows or LOCAL_MAX_ROWS, timeout=timeout)
        per_row = None
        if sources and outcome.kind == "select":
            per_row = row_sources(self.store, self.full_solutions(text_or_name, params, timeout),
                                  json.loads(outcome.body))
        if outcome.kind == "ask":
            return bool(json.loads(outcome.body)["boolean"])
        if outcome.kind == "graph":
            return rdflib.Graph().parse(data=outcome.body.decode("utf-8"), format="nt")
        try:
            result = to_frame(outcome.body)
            result.attrs["version"] = answered_on
            if per_row is not None:
                result["sources"] = [row["sources"] for row in per_row]
        except ImportError:
            result = to_rows(outcome.body)
            result.version = answered_on
            for row, found in zip(result, per_row or ()):
                row["sources"] = found["sources"]
        return result

    def full_solutions(self, text_or_name: str, params: Mapping[str, object], timeout: float | None):
        """The solutions of the query with every variable projected (None when it aggregates or
        cannot be so rewritten): what :func:`row_sources` matches the rows against."""
        catalogue = self.queries.catalogue()
        if text_or_name in catalogue.queries:
            text, substitutions = catalogue.get(text_or_name).prepare(
                {k: _param_text(v) for k, v in params.items()})
        else:
            text, substitutions = text_or_name, None
            if params:
                text = inject_values(text, {ox.Variable(name.lstrip("?$")): term_for(value)
                                            for name, value in params.items()})
        every = project_everything(text)
        if every is None:
            return None
        outcome = self.queries.run(every, _python_formats, substitutions=substitutions,
                                   max_rows=LOCAL_MAX_ROWS, timeout=timeout)
        return json.loads(outcome.body)

    def rows(self, text_or_name: str, *, max_rows: int | None = None, timeout: float | None = None,
             **params) -> Rows:
        """Like :meth:`query` for SELECT, but always a list of dicts of Python values."""
        outcome = self.run(text_or_name, _python_formats, params=params,
                           max_rows=max_rows or LOCAL_MAX_ROWS, timeout=timeout)
        if outcome.kind != "select":
            raise UsageError(f"rows() needs a SELECT query; this one is {outcome.kind.upper()}")
        return to_rows(outcome.body)

    def search(self, text: str, *, type: str | None = None, limit: int = 10,  # noqa: A002
               lang: str | None = None) -> list[SearchHit]:
        """Entities whose labels match ``text`` (any language, acronyms, accents and case folded,
        Korean by syllables), best first; ``type`` keeps one class (``City``, ``schema:City`` or an
        IRI). The index is built on first use and follows every write (docs/search.md)."""
        return search_entities(self.store, text, type=type, limit=limit, lang=lang, settings=self.settings)

    # -- views, exports, figures --------------------------------------------------------------------

    def view(self, name: str, *, as_of: int | None = None, history: bool = False, city: str | None = None):
        """The relationship view ``name`` as a networkx graph (the builder /graphs uses):
        alliances (``as_of=YEAR``, ``history=True``), partnerships, city-projection, ecosystem
        (``city=``), rankings, events. UsageError for an unknown view or parameter."""
        return networks.build(self.store, name, as_of=as_of, history=history, city=city)

    def metrics(self, network) -> dict:
        """Degree, betweenness and eigenvector centrality, Louvain communities and bridges of a view."""
        return networks.metrics(network)

    def export(self, destination: str | Path | None = None, *, format: str | None = None,  # noqa: A002
               graph: str | None = None) -> bytes:
        """The dataset (or one named graph) serialised; also written to ``destination`` when given.

        ``format`` defaults to the destination's extension, else TriG. NotFound for a graph the
        store does not have; UsageError for a folder that does not exist.
        """
        if format is None:
            format = Path(destination).suffix.lstrip(".") if destination is not None else "trig"  # noqa: A001
        body = export_dataset(self.store, format or "trig", graph=graph)
        if destination is not None:
            target = Path(destination)
            if not target.parent.is_dir():
                raise UsageError(f"{target}: the folder {target.parent} does not exist")
            target.write_bytes(body)
        return body

    def stats(self) -> dict:
        """Triples in all, per named graph, and instances per class."""
        return store_statistics(self.store)

    # -- lifetime -----------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop the query workers and close the store (if this object opened it)."""
        if self._updates is not None:
            self._updates.close()
            self._updates = None
        if self._queries is not None:
            self._queries.executor.close()
            self._queries = None
        with self._past_lock:
            while self._past:
                self._past.popitem()[1].close()
        if self.owns_store:
            self.store.close()

    def __enter__(self) -> "KnowledgeGraph":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<KnowledgeGraph {self.store.location}>"


def _python_formats(kind: str) -> str:
    return _GRAPH_FORMAT if kind == "graph" else _SELECT_FORMAT


def _paths(paths: Iterable[str | Path]) -> list[Path]:
    if not paths:
        raise UsageError("give at least one file or folder to load")
    return [Path(p) for p in paths]


def _looks_like_name(text: str) -> bool:
    """A short word such as ``alliance-member`` (a misspelt name gets 'did you mean'), not SPARQL."""
    return len(text) < 80 and all(c.isalnum() or c in "-_" for c in text) and "-" in text


def _param_text(value: object) -> str:
    return value if isinstance(value, str) else str(value)


def term_for(value: object):
    """A Python value as an RDF term: bool, int, float, Decimal, date and datetime as typed
    literals; ``<...>`` strings and rdflib URIRefs as IRIs; other strings as plain literals;
    pyoxigraph terms as they are."""
    xsd = "http://www.w3.org/2001/XMLSchema#"
    if isinstance(value, (ox.NamedNode, ox.Literal, ox.BlankNode)):
        return value
    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=ox.NamedNode(xsd + "boolean"))
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=ox.NamedNode(xsd + "integer"))
    if isinstance(value, float):
        return ox.Literal(repr(value), datatype=ox.NamedNode(xsd + "double"))
    if isinstance(value, Decimal):
        return ox.Literal(str(value), datatype=ox.NamedNode(xsd + "decimal"))
    if isinstance(value, datetime.datetime):
        return ox.Literal(value.isoformat(), datatype=ox.NamedNode(xsd + "dateTime"))
    if isinstance(value, datetime.date):
        return ox.Literal(value.isoformat(), datatype=ox.NamedNode(xsd + "date"))
    text = str(value)
    if type(value).__name__ == "URIRef" or (text.startswith("<") and text.endswith(">")):
        try:
            return ox.NamedNode(text.strip("<>"))
        except ValueError:
            raise UsageError(f"parameter value {text!r} is not a valid IRI") from None
    return ox.Literal(text)


__all__ = ["KnowledgeGraph", "open", "term_for", "LOCAL_MAX_ROWS", "ValidationFailed"]
