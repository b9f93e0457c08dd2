"""HTTP helpers shared by the blueprints: the app's services, conneg, errors, the write guard, CORS.

Nothing here knows SPARQL or RDF beyond calling ``formats``/``execution``; each blueprint only
translates its requests into those calls.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from flask import Response, current_app, request
from werkzeug.exceptions import HTTPException

from ..errors import (Forbidden, InnographError, NotAcceptable, Unauthorized, UnsupportedFormatError,
                      UsageError, ValidationFailed)
from ..formats import RDF_FORMATS, RESULT_FORMATS, Format, negotiate, rdf_format, result_format

HTML = Format("html", "text/html", (".html",), ("htm",), ("application/xhtml+xml",))
JSON = Format("jsonapi", "application/json", (".json",))
TEXT = Format("text", "text/plain", (".txt",))
FORMAT_NAMES = "json, xml, csv, tsv (SELECT/ASK); ttl, nt, jsonld, rdf, nq, trig (CONSTRUCT/DESCRIBE)"


@dataclass
class Services:
    """What the blueprints share, kept on ``app.extensions['innograph']``."""

    settings: object
    store: object
    pool: object            # execution.QueryPool
    updates: object         # execution.UpdateRunner
    owns_store: bool = False


def services() -> Services:
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
    charset = (request.mimetype_params.get("charset") or "utf-8").lower()
    if charset not in {"utf-8", "utf8", "us-ascii", "ascii"}:
        raise UnsupportedFormatError(f"the {what} is declared as charset={charset}; send UTF-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"the {what} is not valid UTF-8 (byte {exc.start})") from None


def single(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name) or []
    if len(values) > 1:
        raise UsageError(f"the request has {len(values)} '{name}' parameters; send exactly one")
    return values[0] if values else None


# -- content negotiation ---------------------------------------------------------------------------

def offered_for(kind: str) -> tuple[Format, ...]:
    return RDF_FORMATS if kind == "graph" else RESULT_FORMATS


def choose_format(kind: str, override: str | list[str] | None, offered: tuple[Format, ...] | None = None,
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
            raise UsageError(f"format={overrides[0]!r} is not a format; use one of {FORMAT_NAMES}")
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
    return negotiate(accept, (HTML,) + tuple(alternatives), default=None) is HTML \
        and request.accept_mimetypes.quality("text/html") > 0 \
        and "text/html" in accept


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
    headers = {}
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = 'Bearer realm="innograph"'
    if isinstance(exc, ValidationFailed):
        return error_response(422, f"the write was refused and nothing changed: {exc.message}",
                              report=exc.report)
    return error_response(exc.http_status, exc.message, headers=headers)


def handle_http_error(exc: HTTPException) -> Response:
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
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given:
        raise Unauthorized(f"{what} needs 'Authorization: Bearer <token>'")
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise Unauthorized(f"{what} refused: the bearer token is wrong")


def add_cors(response: Response) -> Response:
    """Cross-origin reads are allowed (setting cors); write methods never get CORS headers."""
    if not services().settings.cors:
        return response
    if request.method in {"GET", "HEAD", "POST", "OPTIONS"} and not getattr(request, "innograph_write",
                                                                              False):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = "Innograph-Results-Truncated, Content-Type"
        if request.method == "OPTIONS":
            # Authorization is deliberately not allowed: a browser cannot send a token cross-origin.
            response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
            response.headers["Access-Control-Max-Age"] = "3600"
    return response
