"""The /graphs face: relationship views as pages, exports and metrics.

    GET /graphs                     the views (HTML or JSON by Accept, or ?format=json|html)
    GET /graphs/<view>              the interactive page for browsers; GraphML, GEXF, node-link JSON,
                                    Cytoscape.js JSON, DOT, SVG or PNG by Accept or ?format=
                                    (parameters: ?as_of=YEAR, ?history=true, ?city=IRI)
    GET /graphs/<view>/metrics      centralities, communities, bridges as JSON (?from=A&to=B adds
                                    the shortest connection, explained)
    GET /graphs/alliances/map       members placed by their coordinates, with a year slider

    GET /graphs/assets/<script>     the pages' own scripts (graph-view.js, map-view.js), cached

Only translates HTTP to networks/rendering calls; the view queries are fixed and small, so they run
on the store directly rather than through the user-query worker pool. The pages extend the site
layout; vis-network and the world outlines are static files built by ``make assets``.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from flask import Blueprint, Response, render_template, request, url_for

from ..errors import NotAcceptable, NotFound, UsageError
from ..views.networks import VIEWS, build, explain_path, metrics, view_named
from ..views.rendering import (EXPORT_FORMATS, asset_text, format_named, map_svg, page_data, render,
                               script_json, unplaced_names, year_slider)
from .assets import FINGERPRINTED_MAX_AGE
from .responses import services

blueprint = Blueprint("graphs", __name__)

_BY_MEDIA_TYPE = {f.media_type: f.name for f in EXPORT_FORMATS.values()}
# What each view shows, for the pages; the query headers (in the JSON listing) describe the rows.
SUMMARIES = {
    "alliances": "Who belongs to which city alliance: when each member joined, in which role, and who has "
                 "left. Replay the alliance's growth with the year slider.",
    "partnerships": "Ties between exactly two partners: agreements, memoranda of understanding and joint "
                    "programmes between organisations and places.",
    "city_projection": "Places linked by what they share: membership of the same alliance, or the same "
                       "agreement or programme. The more ties two places share, the thicker the line.",
    "ecosystem": "One city's innovation ecosystem: its clusters, the institutions, bodies and facilities in "
                 "them, its strategic sectors and the figures about them.",
    "rankings": "Who is ranked where: universities, clusters and cities in international rankings, with "
                "the rank, the edition and the scope (world, Asia, national).",
    "events": "Who attended which event, and when: co-attendance shows who met whom.",
}
_FORMAT_LABELS = {"graphml": "GraphML", "gexf": "GEXF", "json": "JSON", "cyjs": "Cytoscape.js", "dot": "DOT",
                  "svg": "SVG", "png": "PNG"}
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def _view_params(view) -> dict:
    """as_of, history and city from the query string, checked; a parameter the view does not
    take is a 400 naming it."""
    args = request.args
    params: dict = {}
    if "as_of" in args:
        text = args["as_of"].strip()
        if not text.lstrip("-").isdigit() or len(text.lstrip("-")) > 4:
            raise UsageError(f"as_of: expected a year such as 2024, got {args['as_of']!r}")
        params["as_of"] = int(text)
    if "history" in args:
        value = args["history"].strip().lower()
        if value not in _TRUE | _FALSE:
            raise UsageError(f"history: expected true or false, got {args['history']!r}")
        params["history"] = value in _TRUE
    if "city" in args:
        params["city"] = args["city"]
    return params


def _chosen_format(offered: list[str], default: str) -> str:
    """The format named by ?format=, else the best match for Accept among ``offered`` names."""
    if "format" in request.args:
        name = request.args["format"].strip().lower()
        if name not in offered:
            raise UsageError(f"format: {name!r} is not offered here; choose from {', '.join(offered)}")
        return name
    header = request.headers.get("Accept")
    if not header:
        return default
    types = [EXPORT_FORMATS[name].media_type for name in offered]
    best = request.accept_mimetypes.best_match(types, default=None)
    if best is None:
        raise NotAcceptable(f"none of the offered media types matches Accept: {header}; offered: {', '.join(types)}")
    return _BY_MEDIA_TYPE[best]


def _links(view: str, args: dict) -> list[tuple[str, str]]:
    query = {k: v for k, v in args.items() if k != "format"}
    links = [(f"{name}", url_for("graphs.view", view=view, format=name, **query))
             for name in EXPORT_FORMATS if name != "html"]
    links.append(("metrics (JSON)", url_for("graphs.view_metrics", view=view, **query)))
    if view == "alliances":
        links.append(("map", url_for("graphs.alliance_map", **query)))
    links.append(("all views", url_for("graphs.listing")))
    return links


@blueprint.get("/graphs")
def listing():
    """``/graphs``: the views with their titles, descriptions and parameters (HTML or JSON)."""
    views = [{"name": v.name, "title": v.title, "description": v.description, "params": list(v.params),
              "url": url_for("graphs.view", view=v.name, _external=False),
              "metrics": url_for("graphs.view_metrics", view=v.name),
              "formats": {name: f.media_type for name, f in EXPORT_FORMATS.items()}} for v in VIEWS.values()]
    fmt = _listing_format()
    if fmt == "json":
        return Response(json.dumps({"views": views, "map": url_for("graphs.alliance_map")}, ensure_ascii=False,
                                   indent=1), mimetype="application/json")
    formats = [(name, _FORMAT_LABELS.get(name, name)) for name in EXPORT_FORMATS if name != "html"]
    for entry in views:
        entry["summary"] = SUMMARIES.get(entry["name"], entry["description"])
    page = render_template("graphs.html", views=views, formats=formats, map_url=url_for("graphs.alliance_map"))
    return Response(page, mimetype="text/html")


def _listing_format() -> str:
    if "format" in request.args:
        name = request.args["format"].strip().lower()
        if name not in {"json", "html"}:
            raise UsageError(f"format: {name!r} is not offered here; choose from html, json")
        return name
    header = request.headers.get("Accept")
    if not header:
        return "html"
    best = request.accept_mimetypes.best_match(["text/html", "application/json"], default=None)
    if best is None:
        raise NotAcceptable(f"none of text/html, application/json matches Accept: {header}")
    return "json" if best == "application/json" else "html"


_SCRIPTS = ("graph-view.js", "map-view.js")


@lru_cache(maxsize=None)
def _script(name: str) -> tuple[bytes, str]:
    body = asset_text(name).encode()
    return body, hashlib.sha256(body).hexdigest()[:12]


@blueprint.app_template_global()
def view_script(name: str) -> str:
    """The URL of one of the views' scripts, fingerprinted so it can be cached for good."""
    return url_for("graphs.script", name=name, v=_script(name)[1])


@blueprint.get("/graphs/assets/<name>")
def script(name: str):
    """A view page's own script, cached; 404 for a name that is not one of them."""
    if name not in _SCRIPTS:
        raise NotFound(f"no script {name!r} here; the views' scripts are {', '.join(_SCRIPTS)}")
    body, digest = _script(name)
    response = Response(body, mimetype="text/javascript")
    response.set_etag(digest)
    fingerprinted = request.args.get("v") == digest
    response.headers["Cache-Control"] = (f"public, max-age={FINGERPRINTED_MAX_AGE}, immutable" if fingerprinted
                                         else "public, max-age=300")
    return response.make_conditional(request)


@blueprint.get("/graphs/<view>")
def view(view: str):
    """``/graphs/<view>``: the interactive page (HTML) or an export (``format=`` or Accept); 404
    for an unknown view, 400 for a parameter it does not take."""
    spec = view_named(view)
    params = _view_params(spec)
    fmt = _chosen_format(list(EXPORT_FORMATS), "html")
    store = services().store
    if fmt == "html":
        # The page replays the whole history with its slider; as_of only sets where it starts.
        year = params.pop("as_of", None)
        if "history" in spec.params:
            params["history"] = True
        graph = build(store, spec.name, **params)
        body = render_template("graph_view.html", title=spec.title,
                               description=SUMMARIES.get(spec.name, spec.description),
                               slider=year_slider(graph, year), data=script_json(page_data(graph)),
                               links=_links(spec.name, request.args.to_dict()))
        return Response(body, mimetype="text/html")
    graph = build(store, spec.name, **params)
    export = format_named(fmt)
    response = Response(render(graph, fmt), mimetype=export.media_type)
    suffix = f"-{params['as_of']}" if "as_of" in params else ""
    response.headers["Content-Disposition"] = f'inline; filename="{spec.name}{suffix}{export.extension}"'
    response.headers["Vary"] = "Accept"
    return response


@blueprint.get("/graphs/<view>/metrics")
def view_metrics(view: str):
    """``/graphs/<view>/metrics``: centralities, communities and bridges of the view as JSON."""
    spec = view_named(view)
    params = _view_params(spec)
    graph = build(services().store, spec.name, **params)
    result = metrics(graph)
    source, target = request.args.get("from"), request.args.get("to")
    if (source is None) != (target is None):
        raise UsageError("from and to: give both to explain the connection between two nodes")
    if source is not None:
        result["path"] = explain_path(graph, source, target)
    return Response(json.dumps(result, ensure_ascii=False, indent=1), mimetype="application/json")


@blueprint.get("/graphs/alliances/map")
def alliance_map():
    """``/graphs/alliances/map``: the alliance's members on a map with land (HTML)."""
    params = _view_params(VIEWS["alliances"])
    year = params.pop("as_of", None)
    graph = build(services().store, "alliances", history=True)
    body = render_template("graph_map.html", title=f"Map: {graph.graph.get('title', 'alliances')}",
                           svg=map_svg(graph), slider=year_slider(graph, year), unplaced=unplaced_names(graph),
                           links=[("interactive network", url_for("graphs.view", view="alliances")),
                                  ("all views", url_for("graphs.listing"))])
    return Response(body, mimetype="text/html")
