"""Data versions over HTTP: ``/versions``, ``/cite``, and the version every answer carries.

* ``GET /versions``: the versions, newest first (JSON, or HTML in the site layout).
* ``GET /cite?name=NAME&PARAM=...`` or ``/cite?query=TEXT`` (``&version=ID``, default the current
  one; ``&format=bibtex|csl|ris|json|html``): a permanent URL fixing the query, its parameters and
  the data version, and its citation.
* Every successful response carries ``Innograph-Data-Version`` (query responses set the version
  that answered; other pages get the current one). A write's author is the update token's holder
; its message comes from the ``Innograph-Change-Message`` header (percent-encoded
  UTF-8, at most 500 characters).
"""

from __future__ import annotations

import json
from urllib.parse import unquote, urlencode

from flask import Blueprint, Response, g, render_template, request

from ..errors import InnographError, UsageError
from ..versions import reset_author, set_author
from ..versions.citation import Citation, FORMATS as CITATION_FORMATS
from ..versions.sources import row_sources
from ..rdf.formats import negotiate
from .responses import HTML, JSON, services, single, url_params

blueprint = Blueprint("versions", __name__)

MESSAGE_HEADER = "Innograph-Change-Message"
VERSION_HEADER = "Innograph-Data-Version"
MAX_MESSAGE = 500
LISTED = 1000          # versions /versions lists unless ?limit= says otherwise


@blueprint.before_app_request
def remember_author() -> None:
    """Writes in this request are by the update-token holder, with the header's message."""
    raw = request.headers.get(MESSAGE_HEADER)
    message = unquote(raw, errors="strict").strip() if raw else None
    if message and len(message) > MAX_MESSAGE:
        raise UsageError(f"the {MESSAGE_HEADER} header has {len(message)} characters; the limit is {MAX_MESSAGE}")
    # Not the client's address: /versions is public.
    g.innograph_author = set_author(f"HTTP {request.method} {request.path} with the update token", message)


@blueprint.teardown_app_request
def forget_author(_exc=None) -> None:
    """Undo ``remember_author``."""
    token = g.pop("innograph_author", None)
    if token is not None:
        try:
            reset_author(token)
        except ValueError:      # set in another context (a streamed response): nothing to undo
            pass


@blueprint.after_app_request
def add_version_header(response: Response) -> Response:
    """The current data version on every successful response that does not name one already."""
    if response.status_code < 400 and VERSION_HEADER not in response.headers:
        try:
            version = services().kg.version
        except InnographError:     # a log that cannot be read or reconciled: the page still goes out
            version = None
        if version is not None:
            response.headers[VERSION_HEADER] = version
    return response


def _wants_html() -> bool:
    override = single(url_params(), "format")
    if override is not None:
        return override.lower() == "html"
    return negotiate(request.headers.get("Accept"), (JSON, HTML), default=JSON) is HTML


@blueprint.route("/versions", methods=["GET"])
def listing() -> Response:
    """The data versions, newest first (the last 1,000 unless ``limit=``): id, time, who, message,
    quads added and removed per graph, quads in all. JSON unless the client prefers HTML (or asks
    ``format=html``)."""
    kg = services().kg
    limit = single(url_params(), "limit") or str(LISTED)
    if not limit.isdigit() or int(limit) < 1:
        raise UsageError(f"limit={limit!r}: give a positive whole number of versions")
    versions = [v.to_json() for v in reversed(kg.versions()[-int(limit):])]
    if _wants_html():
        response = Response(render_template("versions.html", versions=versions,
                                            remote=getattr(kg.store, "is_remote", False)))
    else:
        response = Response(json.dumps({"current": kg.version, "versions": versions}, ensure_ascii=False,
                                       indent=1), mimetype=JSON.media_type)
    response.headers["Vary"] = "Accept"
    return response


@blueprint.route("/cite", methods=["GET"])
def cite() -> Response:
    """The citation of a named query (``name=``, with its parameters) or of a query text
    (``query=``) at a data version (``version=``, default the current): ``format=`` bibtex, csl
    (CSL-JSON), ris, json (the permanent URL and all three) or html (default for browsers)."""
    svc = services()
    params = url_params()
    name, text = single(params, "name"), single(params, "query")
    if (name is None) == (text is None):
        raise UsageError("cite needs either name=NAMED-QUERY (with its parameters) or query=SPARQL")
    graph = svc.kg.at_version(single(params, "version"))
    version = next((v for v in reversed(svc.kg.versions()) if v.id == graph.version), None)
    if version is None:
        raise UsageError("this store has no data version to cite yet (load data first; a remote store "
                         "keeps no versions)")
    base = (svc.settings.public_url.rstrip("/") + "/") if svc.settings.public_url else request.host_url
    reserved = {"name", "query", "version", "format"}
    if name is not None:
        named = svc.kg.queries.named(name)
        values = {key: single(params, key) for key in sorted(params) if key not in reserved}
        named.prepare(values)           # a bad or missing parameter is refused now, not at the reader's
        url = f"{base}queries/{named.name}?" + urlencode([*values.items(), ("version", version.id)])
        title = named.title
    else:
        url = f"{base}sparql?" + urlencode([("query", text), ("version", version.id)])
        title = "SPARQL query on innograph"
    citation = Citation(title=title, url=url, version=version.id, version_time=version.time, name=name)
    wanted = (single(params, "format") or ("html" if _wants_html() else "json")).lower()
    if wanted == "html":
        fixed = [(k, v) for k in sorted(params) if k != "format" and k != "version" for v in params[k]]
        links = {fmt: "/cite?" + urlencode(fixed + [("version", version.id), ("format", fmt)])
                 for fmt in CITATION_FORMATS}
        return Response(render_template("cite.html", citation=citation, links=links), mimetype="text/html")
    if wanted == "json":
        return Response(json.dumps(citation.to_json(), ensure_ascii=False, indent=1), mimetype=JSON.media_type)
    if wanted not in CITATION_FORMATS:
        raise UsageError(f"format={wanted!r}: a citation comes as {', '.join(CITATION_FORMATS)}, json or html")
    media_type, render = CITATION_FORMATS[wanted]
    response = Response(render(citation), content_type=media_type)
    response.headers["Content-Disposition"] = f'inline; filename="{citation.key}.{wanted}"'
    return response


def sources_response(name: str, values: dict, version: str | None) -> Response:
    """A named query's rows with what each rests on and its sources (``?sources=true``), as JSON:
    ``{"version", "head", "rows": [{"bindings", "rests_on", "sources"}]}``."""
    graph = services().kg.at_version(version)
    outcome = graph.run(name, lambda kind: "json", params=values)
    if outcome.kind != "select":
        raise UsageError(f"sources=true needs a SELECT query; {name} is {outcome.kind.upper()}")
    document = json.loads(outcome.body)
    per_row = row_sources(graph.store, graph.full_solutions(name, values, None), document)
    payload = {"version": graph.version, "head": document["head"],
               "rows": [dict(bindings=b, **found) for b, found in zip(document["results"]["bindings"], per_row)]}
    response = Response(json.dumps(payload, ensure_ascii=False, indent=1), mimetype=JSON.media_type)
    if graph.version is not None:
        response.headers[VERSION_HEADER] = graph.version
    if outcome.truncated:
        response.headers["Innograph-Results-Truncated"] = "true"
    return response
