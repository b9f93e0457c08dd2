"""The one registry of tunables: each setting has a name, a type, a safe default and a help line.

Precedence: command-line flag > environment variable ``INNOGRAPH_<NAME>`` > default.
``innograph serve --help-settings`` prints this table; a test checks each entry is documented.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from .errors import UsageError
from .bundle import QUERIES_DIR
from .namespaces import DEFAULT_BASE_IRI

ENV_PREFIX = "INNOGRAPH_"


def _bool(text: str) -> bool:
    value = text.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true or false, got {text!r}")


def _list(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.replace("\n", ",").split(",") if item.strip())


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = text.strip().lower()
        if value not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}, got {text!r}")
        return value
    return parse


def _positive(kind: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse(text: str):
        value = kind(text)
        if value <= 0:
            raise ValueError(f"must be greater than 0, got {text}")
        return value
    return parse


@dataclass(frozen=True)
class Setting:
    """One tunable: its name, default, help line and ``parse``, which turns the text of an
    environment variable or option into the value or raises ValueError. ``secret`` marks a credential."""

    name: str
    default: Any
    parse: Callable[[str], Any]
    help: str
    secret: bool = False

    @property
    def env(self) -> str:
        """The environment variable that sets it: ``INNOGRAPH_`` and the name in capitals."""
        return ENV_PREFIX + self.name.upper()


REGISTRY: tuple[Setting, ...] = (
    Setting("store", "var/store", str,
            "Where the graph lives: a directory (Oxigraph on disk), 'memory' (a throwaway store), "
            "or an http(s):// SPARQL 1.1 endpoint."),
    Setting("base_iri", DEFAULT_BASE_IRI, str,
            "Base of the IRIs the server answers for (instances under <base>id/, ontology under "
            "<base>ontology). The data keeps its w3id IRIs; this only changes what is dereferenced. "
            "Also the base IRI against which relative IRIs in SPARQL queries and updates resolve."),
    Setting("public_url", "", str,
            "The server's public address (e.g. https://innograph.example.org/), used in the service "
            "description and VoID. Empty: taken from each request."),
    Setting("update_token", None, str,
            "Bearer token that allows writes (SPARQL Update, Graph Store PUT/POST/DELETE). "
            "Unset: the endpoint is read-only and every write is refused with 403.", secret=True),
    Setting("query_timeout", 30.0, _positive(float),
            "Seconds a query may run before it is stopped (its worker process is killed) and the "
            "client gets 503. Also the limit of the WHEREs of each update request, together (503, "
            "nothing written)."),
    Setting("max_rows", 100_000, _positive(int),
            "Most result rows (SELECT) or triples (CONSTRUCT/DESCRIBE) returned; the response header "
            "'Innograph-Results-Truncated: true' says when the cap applied."),
    Setting("max_body_bytes", 16 * 1024 * 1024, _positive(int),
            "Largest request body accepted (query, update or RDF upload); larger bodies get 413."),
    Setting("max_header_bytes", 64 * 1024, _positive(int),
            "Largest total size of a request's line and headers; larger requests get 431 from the "
            "HTTP server before the application sees them."),
    Setting("auth_failures_per_minute", 10, _positive(int),
            "Failed write authentications (wrong or missing bearer token) one client address may make "
            "in 60 seconds; past that its writes get 429 with Retry-After until the minute has passed, "
            "so a token cannot be guessed at speed."),
    Setting("max_query_depth", 64, _positive(int),
            "Deepest nesting of { } ( ) [ ] a query may have; deeper ones get 400 before they are "
            "parsed (Oxigraph crashes on very deep queries)."),
    Setting("service_allow", (), _list,
            "Comma-separated endpoint IRI prefixes a SERVICE clause may call. Empty (default): every "
            "SERVICE is refused with 400 and no connection is made."),
    Setting("load_allow", (), _list,
            "Comma-separated IRI prefixes a SPARQL LOAD may fetch. Empty (default): LOAD is refused."),
    Setting("query_workers", 2, _positive(int),
            "Worker processes that evaluate queries; a query over its time limit is stopped by "
            "killing its worker. More workers serve more slow queries at once."),
    Setting("result_cache_bytes", 64 * 1024 * 1024, int,
            "Bytes of rendered query answers kept for the current data (an on-disk store; each "
            "write makes them unreachable; queries calling RAND/NOW/UUID/STRUUID/BNODE or SERVICE "
            "are never kept). 0 turns the cache off."),
    Setting("queries_dir", str(QUERIES_DIR), str,
            "Directory of the named queries (*.rq) served under /queries and offered on the query page."),
    Setting("query_queue_wait", 10.0, _positive(float),
            "Seconds a query waits for a free worker process when all are busy; after that the "
            "client gets 503 (server busy) instead of queueing without bound."),
    Setting("threads", 8, _positive(int),
            "Request threads of the waitress server (of each gunicorn worker with --workers)."),
    Setting("workers", 1, _positive(int),
            "HTTP server processes. 1: waitress, reads and writes. More: gunicorn with that many "
            "processes over the same on-disk store, each with its own query workers; an Oxigraph "
            "store has one writer, so the store is then served read-only (load with 'innograph load' "
            "and restart to change the data)."),
    Setting("read_only", False, _bool,
            "Refuse every write (SPARQL Update, Graph Store PUT/POST/DELETE) with 403, even with a "
            "token. Implied by workers > 1."),
    Setting("validator", "auto", _choice("auto", "pyshacl", "turbo"),
            "SHACL engine: 'pyshacl', 'turbo' (pyshacl-turbo, Rust, same reports), or 'auto': turbo "
            "for whole datasets (6-18x faster), pySHACL for the small neighbourhoods of incremental "
            "checks (where turbo was not faster)."),
    Setting("versions_cached", 2, _positive(int),
            "Past data versions (?version=) kept rebuilt, each a scratch store with one query worker."),
    Setting("cors", True, _bool,
            "Answer cross-origin reads (GET/HEAD/POST of queries) with Access-Control-Allow-Origin: *. "
            "Writes are never allowed cross-origin."),
    # A remote store (--store http(s)://...): docs/stores.md has one recipe per server.
    Setting("remote_update_url", None, str,
            "SPARQL 1.1 Update endpoint of a remote store. Unset: derived from the query URL and "
            "dialect (.../update for Oxigraph's .../query and Fuseki's .../sparql, Virtuoso's "
            ".../sparql itself), else the query URL itself."),
    Setting("remote_store_url", None, str,
            "Graph Store Protocol endpoint of a remote store (reads whole graphs fast). Unset: derived "
            "(.../store for Oxigraph, .../data for Fuseki, .../sparql-graph-crud(-auth) for Virtuoso), "
            "else graphs are read with SELECT. Large writes are POSTed there on Oxigraph and Virtuoso."),
    Setting("remote_union", None, _choice("param", "server"),
            "'param': send Oxigraph's union-default-graph parameter; 'server': the remote server "
            "already answers queries over the union of its graphs (Fuseki, GraphDB, Virtuoso). "
            "Unset: the dialect's (param for Oxigraph and generic, server for Virtuoso)."),
    Setting("remote_timeout", 60.0, _positive(float),
            "Seconds every HTTP call to a remote store may take (connect and each read)."),
    Setting("remote_user", None, str,
            "HTTP Basic user name for a remote store (or user:password@ in the store URL)."),
    Setting("remote_password", None, str,
            "HTTP Basic password for a remote store.", secret=True),
    Setting("remote_token", None, str,
            "Bearer token sent to a remote store (wins over Basic credentials).", secret=True),
    Setting("remote_dialect", "auto", _choice("auto", "generic", "oxigraph", "virtuoso"),
            "How to talk to an http(s):// --store (docs/stores.md): 'oxigraph' (Oxigraph server), "
            "'virtuoso' (form-encoded requests, system graphs hidden, Digest Graph Store), 'generic' "
            "(plain SPARQL 1.1 Protocol: Fuseki, GraphDB), or 'auto': from the URL (/query is "
            "Oxigraph) or the server's Server header."),
    Setting("remote_chunk_triples", None, _positive(int),
            "Triples per request when a load is written to a remote store. A change that fits one "
            "request is one transaction; a larger one is written in chunks with a resumable record "
            "(docs/stores.md). Unset: the dialect's (100000 Oxigraph, 50000 Virtuoso, 50000 generic; "
            "at most 1000 per SPARQL Update on Virtuoso)."),
    Setting("remote_hidden_graphs", (), _list,
            "Comma-separated graph IRIs of a remote store that innograph neither lists nor queries "
            "(the Virtuoso dialect always hides Virtuoso's own system graphs)."),
    Setting("remote_server_geometry", False, _bool,
            "On Virtuoso, store geo:wktLiteral as the server's own geometry (virtrdf:Geometry, "
            "coordinates rounded to 32-bit floats), so its geof:/bif:st_* functions and spatial index "
            "see them. Off: each WKT literal is kept exactly as written under a stand-in datatype "
            "(docs/stores.md)."),
    Setting("remote_journal_dir", "", str,
            "Where chunked remote loads keep their record of committed chunks. Empty: "
            "~/.cache/innograph/remote-loads."),
    Setting("search_max_limit", 100, _positive(int),
            "Most results one entity search (/search, innograph search, ig:search) returns."),
    Setting("search_reindex_limit", 10_000, _positive(int),
            "A write touching more entities than this rebuilds the whole search index instead of "
            "re-reading the touched entities (a rebuild reads every label in a few queries)."),
    Setting("search_cache_dir", "", str,
            "Directory of the search indexes of remote stores (one SQLite file per endpoint). "
            "Empty: $XDG_CACHE_HOME/innograph/search (~/.cache/innograph/search). The index of a "
            "store directory lives inside it; that of a memory store in memory."),
)

_BY_NAME = {s.name: s for s in REGISTRY}
REGISTRY_BY_NAME: Mapping[str, Setting] = _BY_NAME


@dataclass
class Settings:
    """Resolved settings. Build with ``Settings.load(overrides, environ)``."""

    values: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None,
             environ: Mapping[str, str] | None = None) -> "Settings":
        """Defaults, then ``INNOGRAPH_*`` variables, then ``overrides`` (None values are ignored).

        Raises UsageError naming the variable or setting whose value does not parse.
        """
        environ = os.environ if environ is None else environ
        values = {s.name: s.default for s in REGISTRY}
        for setting in REGISTRY:
            if setting.env in environ:
                try:
                    values[setting.name] = setting.parse(environ[setting.env])
                except ValueError as exc:
                    raise UsageError(f"{setting.env}: {exc}") from None
        for name, value in (overrides or {}).items():
            if name not in _BY_NAME:
                raise UsageError(f"unknown setting {name!r}")
            if value is None:
                continue
            if isinstance(value, str) and not isinstance(_BY_NAME[name].default, str) \
                    and _BY_NAME[name].default is not None:
                try:
                    value = _BY_NAME[name].parse(value)
                except ValueError as exc:
                    raise UsageError(f"--{name.replace('_', '-')}: {exc}") from None
            values[name] = value
        return cls(values)

    def replace(self, **changes: Any) -> "Settings":
        """A copy with ``changes`` applied as overrides, the environment not read again; a change to
        None restores the default. Raises UsageError as ``load`` does."""
        return Settings.load({**self.values, **changes}, environ={})


def setting_value(name: str, environ: Mapping[str, str] | None = None) -> Any:
    """One setting from ``INNOGRAPH_<NAME>`` in ``environ`` (default: the process environment), else
    its default. For tunables read where no ``Settings`` is passed (a store opened by spec, the
    validator). Raises UsageError naming the variable when its value does not parse."""
    setting = _BY_NAME[name]
    environ = os.environ if environ is None else environ
    if setting.env not in environ:
        return setting.default
    try:
        return setting.parse(environ[setting.env])
    except ValueError as exc:
        raise UsageError(f"{setting.env}: {exc}") from None


def describe() -> str:
    """The settings table printed by ``innograph serve --help-settings``."""
    lines = []
    for s in REGISTRY:
        default = "(unset)" if s.default is None else (",".join(s.default) or "(empty)") \
            if isinstance(s.default, tuple) else str(s.default)
        lines.append(f"{s.env}  (default: {default})\n    {s.help}")
    return "\n".join(lines)

