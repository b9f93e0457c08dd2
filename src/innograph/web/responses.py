"""HTTP helpers shared by the blueprints: the app's services, conneg, errors, the write guard, CORS.

Nothing here knows SPARQL or RDF beyond calling ``formats``/``execution``; each blueprint only
translates its requests into those calls.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from flask import Response, current_app, request
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header
from werkzeug.exceptions import HTTPException

from ..errors import (Forbidden, InnographError, NotAcceptable, TooManyRequests, Unauthorized,
                      UnsupportedFormatError, UsageError, ValidationFailed)
from ..knowledge_graph import KnowledgeGraph
from ..rdf.formats import (RDF_FORMATS, RESULT_FORMATS, Format, format_names, negotiate, rdf_format,
                           result_format, without_media_type_parameters)
from ..service.updates import UpdateRunner
from .response_cache import REUSABLE
from ..settings import Settings
from ..store import Store

HTML = Format("html", "text/html", (".html",), ("htm",), ("application/xhtml+xml",))
JSON = Format("jsonapi", "application/json", (".json",))
TEXT = Format("text", "text/plain", (".txt",))
RDF_OFFERED: tuple[Format, ...] = tuple(rdf_format(name) for name in ("ttl", "jsonld", "nt", "rdf"))
PAGE_FORMATS: tuple[Format, ...] = (HTML,) + RDF_OFFERED
EXTENSIONS = {"html": HTML, **{f.name: f for f in RDF_OFFERED}}


class AuthFailures:
    """Failed write authentications per client address over a sliding minute.

    Bounded memory: at most ``max_clients`` addresses are tracked (the stalest are forgotten first).
    """

    WINDOW = 60.0

    def __init__(self, per_minute: int, *, max_clients: int = 10_000, clock=time.monotonic):
        self.per_minute = per_minute
        self.max_clients = max_clients
        self.clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        failures = self._failures.get(client)
        if failures is None:
            return deque()
        while failures and failures[0] <= now - self.WINDOW:
            failures.popleft()
        if not failures:
            del self._failures[client]
        return failures

    def retry_after(self, client: str) -> int | None:
        """Seconds until ``client`` may try again, or None when it is under the limit."""
        with self._lock:
            now = self.clock()
            failures = self._recent(client, now)
            if len(failures) < self.per_minute:
                return None
            return max(1, math.ceil(failures[-self.per_minute] + self.WINDOW - now))

    def failed(self, client: str) -> None:
        """Count a failed authentication from ``client`` now (the stalest address is forgotten
        beyond ``max_clients``)."""
        with self._lock:
            now = self.clock()
            failures = self._recent(client, now)
            failures.append(now)
            self._failures[client] = failures
            self._failures.move_to_end(client)
            while len(self._failures) > self.max_clients:
                self._failures.popitem(last=False)


@dataclass
class Services:
    """What the blueprints share, kept on ``app.extensions['innograph']``: the core
    (a ``KnowledgeGraph``) and what only HTTP needs (the failed-authentication counter)."""

    kg: KnowledgeGraph
    auth_failures: AuthFailures | None = None

    def __post_init__(self):
        if self.auth_failures is None:
            self.auth_failures = AuthFailures(self.settings.auth_failures_per_minute)

    @property
    def settings(self) -> Settings:
        """The core's settings."""
        return self.kg.settings

    @property
    def store(self) -> Store:
        """The core's store."""
        return self.kg.store

    @property
    def pool(self):
        """The query executor (worker pool or remote server) of the core's query path."""
        return self.kg.queries.executor

    @property
    def updates(self) -> UpdateRunner:
        """The core's update runner: every write goes through it, one at a time."""
        return self.kg.updates

    @property
    def owns_store(self) -> bool:
        """True when the core opened the store itself (and so closes it)."""
        return self.kg.owns_store


def services() -> Services:
    """The current app's Services (call it inside a request or app context)."""
    return current_app.extensions["innograph"]


# -- request parameters ----------------------------------------------------------------------------

def parse_params(raw: bytes, where: str) -> dict[str, list[str]]:
    """URL-encoded parameters, decoded strictly as UTF-8 (bad bytes are a 400, never replaced)."""
    try:
        text = raw.decode("ascii") if isinstance(raw, bytes) else raw
        return parse_qs(text, keep_blank_values=True, strict_parsing=False, encoding="utf-8",
                        errors="strict")
    except UnicodeDecodeError:
        raise UsageError(f"the {where} is not valid UTF-8 (percent-encode UTF-8 bytes)") from None


def url_params() -> dict[str, list[str]]:
    """The request's URL query parameters, each name with all its values. Raises UsageError (400)
    for bytes that are not UTF-8."""
    return parse_params(request.query_string, "URL query string")


def read_body() -> bytes:
    """The request body, refusing one larger than the configured cap before reading it."""
    limit = services().settings.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        from werkzeug.exceptions import RequestEntityTooLarge
        raise RequestEntityTooLarge(f"the request body is {request.content_length} bytes; the limit "
                                    f"is {limit} (setting INNOGRAPH_MAX_BODY_BYTES)")
    return request.get_data(cache=True)


def body_text(data: bytes, what: str) -> str:
    """``data`` (the request body, called ``what`` in errors) decoded as UTF-8.

    Raises UnsupportedFormatError (415) when the Content-Type declares a charset other than UTF-8
    or ASCII, UsageError (400) for bytes that are not UTF-8.
    """
    charset = (request.mimetype_params.get("charset") or "utf-8").lower()
    if charset not in {"utf-8", "utf8", "us-ascii", "ascii"}:
        raise UnsupportedFormatError(f"the {what} is declared as charset={charset}; send UTF-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"the {what} is not valid UTF-8 (byte {exc.start})") from None


def single(params: dict[str, list[str]], name: str) -> str | None:
    """The one value of parameter ``name``, or None when it is absent. Raises UsageError (400) when
    it is given more than once."""
    values = params.get(name) or []
    if len(values) > 1:
        raise UsageError(f"the request has {len(values)} '{name}' parameters; send exactly one")
    return values[0] if values else None


# -- content negotiation ---------------------------------------------------------------------------

def offered_for(kind: str) -> tuple[Format, ...]:
    """The formats a result of ``kind`` can be sent in: the RDF formats for 'graph', the result
    formats otherwise."""
    return RDF_FORMATS if kind == "graph" else RESULT_FORMATS


def choose_format(kind: str, override: str | list[str] | None, offered: list[Format] | tuple[Format, ...] | None = None,
                  what: str | None = None) -> Format:
    """The format for a result of ``kind`` ('select', 'ask', 'graph'): ``format=`` wins over Accept.

    Raises UsageError for an unknown format name, NotAcceptable (406) when nothing fits.
    """
    offered = offered or offered_for(kind)
    what = what or ("a graph (CONSTRUCT/DESCRIBE)" if kind == "graph" else f"a {kind.upper()} result")
    overrides = [override] if isinstance(override, str) else [o for o in override or [] if o]
    if overrides:
        # Some clients (SPARQLWrapper) repeat format= with a short name and a media type: the
        # first value that fits wins.
        known = []
        for value in overrides:
            for lookup in (result_format, rdf_format):
                try:
                    known.append(lookup(value))
                    break
                except UnsupportedFormatError:
                    continue
        if not known:
            raise UsageError(f"format={overrides[0]!r} is not a format; use one of {format_names()}")
        for fmt in known:
            if fmt in offered:
                return fmt
        raise NotAcceptable(f"format={overrides[0]!r} cannot hold {what}; choose one of "
                            f"{', '.join(f.name for f in offered)}")
    fmt = negotiate(request.headers.get("Accept"), offered)
    if fmt is None:
        raise NotAcceptable(f"none of the media types in Accept: {request.headers.get('Accept')} can "
                            f"hold {what}; this server can produce: "
                            f"{', '.join(f.media_type for f in offered)}")
    return fmt


def prefers_html(alternatives: tuple[Format, ...]) -> bool:
    """True when the client (a browser) ranks text/html above every alternative."""
    accept = request.headers.get("Accept")
    if not accept:
        return False
    html_weight = parse_accept_header(without_media_type_parameters(accept), MIMEAccept).quality("text/html")
    return negotiate(accept, (HTML,) + tuple(alternatives), default=None) is HTML \
        and html_weight > 0 and "text/html" in accept


# -- errors ----------------------------------------------------------------------------------------

def error_response(status: int, message: str, *, report=None, headers=None) -> Response:
    """A JSON body when the client prefers JSON, plain text otherwise; both say what is wrong."""
    accept = request.headers.get("Accept", "")
    wants_json = "json" in accept and negotiate(accept, (JSON, TEXT), default=TEXT) is JSON
    if wants_json:
        payload = {"status": status, "error": message}
        if report is not None:
            payload["report"] = json.loads(report.to_json())
        body, mimetype = json.dumps(payload, ensure_ascii=False, indent=1), "application/json"
    else:
        body, mimetype = message + ("\n" if not message.endswith("\n") else ""), "text/plain"
    response = Response(body, status=status, mimetype=mimetype)
    response.headers["Vary"] = "Accept"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def handle_innograph_error(exc: InnographError) -> Response:
    """The error response for ``exc`` (the app's handler for InnographError): its ``http_status``
    and message, with WWW-Authenticate for a 401 and Retry-After for a 429; ValidationFailed is a
    422 that says nothing changed and carries the report."""
    headers = {}
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = 'Bearer realm="innograph"'
    if isinstance(exc, TooManyRequests):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, ValidationFailed):
        return error_response(422, f"the write was refused and nothing changed: {exc.message}",
                              report=exc.report)
    return error_response(exc.http_status, exc.message, headers=headers)


def handle_http_error(exc: HTTPException) -> Response:
    """The error response for werkzeug's ``exc`` (404, 405, 413...; the app's handler for
    HTTPException), in the same form as ours; a 405 keeps its Allow header."""
    response = error_response(exc.code or 500, f"{exc.code} {exc.name}: {exc.description}")
    if exc.code == 405:
        allowed = exc.get_headers()
        for key, value in allowed:
            if key.lower() == "allow":
                response.headers["Allow"] = value
    return response


# -- writes ----------------------------------------------------------------------------------------

def _cross_origin() -> bool:
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return bool(origin)
    return urlsplit(origin).netloc.lower() != (request.host or "").lower()


def guard_write(what: str) -> None:
    """Allow the write only with the configured bearer token, and never from another origin.

    Raises Forbidden (no token configured, or a cross-origin request) or Unauthorized (401).
    """
    svc = services()
    if svc.settings.read_only or svc.store.read_only:
        raise Forbidden(f"{what} refused: this server serves its store read-only (INNOGRAPH_READ_ONLY, "
                        f"or several --workers processes sharing one on-disk store, which has one "
                        f"writer); load data with 'innograph load' and restart")
    token = svc.settings.update_token
    if not token:
        raise Forbidden(f"{what} refused: this server is read-only (no update token is configured; "
                        f"set INNOGRAPH_UPDATE_TOKEN or --update-token to allow writes)")
    if _cross_origin():
        raise Forbidden(f"{what} refused: writes are never accepted from another origin "
                        f"({request.headers.get('Origin')})")
    failures = services().auth_failures
    client = request.remote_addr or "unknown"
    # Checked before the token is looked at: while an address is over the limit, its guesses are
    # not even compared, so guessing cannot go faster than the limit allows.
    wait = failures.retry_after(client)
    if wait is not None:
        raise TooManyRequests(f"{what} refused: too many failed authentications from {client} "
                              f"(limit {failures.per_minute} a minute, setting "
                              f"INNOGRAPH_AUTH_FAILURES_PER_MINUTE); retry in {wait} s",
                              retry_after=wait)
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given:
        failures.failed(client)
        raise Unauthorized(f"{what} needs 'Authorization: Bearer <token>'")
    # compare_digest takes the same time wherever the first difference is (no early return on a
    # wrong prefix); comparing digests of equal length hides the token's length as well.
    if not hmac.compare_digest(hashlib.sha256(given.strip().encode()).digest(),
                               hashlib.sha256(token.encode()).digest()):
        failures.failed(client)
        raise Unauthorized(f"{what} refused: the bearer token is wrong")


_READ_METHODS = {"GET", "HEAD", "POST"}
_READ_HEADERS = {"accept", "content-type"}


def _read_preflight() -> bool:
    """True for a CORS preflight of a read: GET/HEAD/POST carrying no header beyond Accept and
    Content-Type (so never Authorization). Preflights of writes get no CORS headers at all."""
    method = request.headers.get("Access-Control-Request-Method", "").strip().upper()
    if method and method not in _READ_METHODS:
        return False
    asked = {h.strip().lower() for h in request.headers.get("Access-Control-Request-Headers", "").split(",")
             if h.strip()}
    return asked <= _READ_HEADERS


def add_cors(response: Response) -> Response:
    """Cross-origin reads are allowed (setting cors); write methods never get CORS headers."""
    if not services().settings.cors:
        return response
    if request.method == "OPTIONS" and not _read_preflight():
        return response
    if request.method in {"GET", "HEAD", "POST", "OPTIONS"} and not getattr(request, "innograph_write",
                                                                              False):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = "Innograph-Results-Truncated, Innograph-Data-Version, Content-Type"
        if request.method == "OPTIONS":
            # Authorization is deliberately not allowed: a browser cannot send a token cross-origin.
            response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
            response.headers["Access-Control-Max-Age"] = "3600"
    return response


# -- documents (entity pages, ontology, VoID) -----------------------------------------------------

def choose_page_format(extension: str | None = None) -> Format:
    """The representation to send: a path extension wins, then ``?format=``, then Accept.

    No Accept header (or ``*/*``) gets HTML. Raises UsageError for an unknown format name and
    NotAcceptable (406) when Accept rules out everything offered.
    """
    if extension:
        return EXTENSIONS[extension]
    override = request.args.get("format")
    if override:
        key = override.strip().lower()
        if key in {"html", "htm", "text/html"}:
            return HTML
        try:
            fmt = rdf_format(key)
        except UnsupportedFormatError:
            raise UsageError(f"format={override!r} is not offered here; use one of: "
                             f"{', '.join(EXTENSIONS)}") from None
        if fmt not in RDF_OFFERED:
            raise NotAcceptable(f"format={override!r} holds datasets, not one document; use one of: "
                                f"{', '.join(EXTENSIONS)} (whole-dataset dumps are under /dumps/)")
        return fmt
    fmt = negotiate(request.headers.get("Accept"), PAGE_FORMATS, default=HTML)
    if fmt is None:
        raise NotAcceptable(f"none of Accept: {request.headers.get('Accept')} can be produced here; "
                            f"offered: {', '.join(f.media_type for f in PAGE_FORMATS)}")
    return fmt


def negotiated(response: Response, document_path: str, fmt: Format) -> Response:
    """Add the headers every negotiated document carries: Vary, Link alternates, Content-Location."""
    response.headers["Vary"] = "Accept"
    response.headers["Content-Location"] = f"{document_path}.{fmt.name}"
    links = [f'<{document_path}.{name}>; rel="alternate"; type="{alt.media_type}"'
             for name, alt in EXTENSIONS.items()]
    response.headers["Link"] = ", ".join(links)
    return response


# -- query results -----------------------------------------------------------------------------------

def query_response(sparql: str, *, format_override: str | list[str] | None = None, default_graphs=None,
                   named_graphs=None, substitutions: dict[str, str] | None = None,
                   version: str | None = None) -> Response:
    """A query run by the core (checked, time-limited, rendered in the negotiated format) as a
    response, with the headers that say when the row cap cut it and which data version answered
    (``version``: a past version, rebuilt from the change log)."""
    svc = services()
    graph = svc.kg.at_version(version)
    answered_on = graph.version
    outcome = graph.queries.run(sparql, lambda kind: choose_format(kind, format_override).name,
                                 default_graphs=default_graphs, named_graphs=named_graphs,
                                 substitutions=substitutions)
    fmt = rdf_format(outcome.format) if outcome.kind == "graph" else result_format(outcome.format)
    response = Response(outcome.body, status=200, content_type=fmt.content_type)
    response.headers["Vary"] = "Accept"
    if outcome.reusable:
        request.environ[REUSABLE] = True    # the same request may get this response until a write
    if answered_on is not None:
        response.headers["Innograph-Data-Version"] = answered_on
    if outcome.truncated:
        response.headers["Innograph-Results-Truncated"] = "true"
        response.headers["Innograph-Results-Limit"] = str(svc.settings.max_rows)
    if outcome.reusable:
        # The same request gets the same bytes until a write: a client or an HTTP cache may
        # revalidate (If-None-Match -> 304) instead of fetching the answer again.
        response.set_etag(hashlib.sha256(outcome.body).hexdigest()[:32])
        return response.make_conditional(request)
    return response
