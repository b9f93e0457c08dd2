"""``/queries``: the named-query catalogue (JSON or HTML) and ``/queries/<name>`` to run one.

Parameters arrive as URL parameters named after the query's ``# param:`` lines and are bound as
typed RDF terms (``catalogue.NamedQuery.bind``); ``format=`` overrides content negotiation as on
``/sparql``.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, render_template, request

from ..service.catalogue import Catalogue
from .versions import sources_response
from .responses import (JSON, parse_params, prefers_html, query_response, read_body, services, single,
                        url_params)

blueprint = Blueprint("catalogue", __name__)
RESERVED = {"format", "version", "sources"}


def current_catalogue() -> Catalogue:
    """The named queries the core serves (re-read when their files change)."""
    return services().kg.queries.catalogue()


@blueprint.route("/queries", methods=["GET"])
def listing() -> Response:
    """The named queries: an HTML page when the client prefers HTML (or asks ``format=html``), else
    JSON (each query with its parameters and URL, and ``problems``, the files left out)."""
    catalogue = current_catalogue()
    if prefers_html((JSON,)) or single(url_params(), "format") == "html":
        response = Response(render_template("queries.html", catalogue=catalogue))
    else:
        payload = {"queries": [dict(q.to_json(), url=request.host_url.rstrip("/") + f"/queries/{q.name}")
                               for q in catalogue.queries.values()],
                   "problems": catalogue.problems}
        response = Response(json.dumps(payload, ensure_ascii=False, indent=1), mimetype=JSON.media_type)
    response.headers["Vary"] = "Accept"
    return response


@blueprint.route("/queries/<name>", methods=["GET", "POST"])
def run(name: str) -> Response:
    """Run the named query with its parameters from the URL (and, for POST, a form body), typed as
    its header declares; ``format=`` overrides Accept. 404 naming the closest queries for an
    unknown name, 400 for a bad, unknown, missing or repeated parameter; otherwise answers as
    /sparql does."""
    named = current_catalogue().get(name)
    params = url_params()
    if request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded":
        params.update(parse_params(read_body(), "form body"))
    values = {key: single(params, key) for key in params if key not in RESERVED}
    version = single(params, "version")
    if (single(params, "sources") or "false").lower() in {"true", "1", "yes"}:
        return sources_response(name, values, version)
    text, substitutions = named.prepare(values)
    return query_response(text, format_override=params.get("format"), substitutions=substitutions,
                          version=version)

