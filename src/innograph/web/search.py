"""Entity search: ``GET /search?q=…&type=…&limit=…&lang=…`` as JSON or an HTML results page.

The JSON contract (what the header box and the query editor's entity completion code against)::

    {"query": "대전",
     "results": [{"iri": "https://w3id.org/innograph/id/city/daejeon", "label": "대전광역시",
                  "lang": "ko", "type": "https://schema.org/City", "typeLabel": "City",
                  "score": 4.93, "matched": "대전", "match": "exact",
                  "href": "/doc/city/daejeon"}]}

``label``/``lang``: the entity's name in ``lang`` (fallback English, then any; without ``lang``,
in the language of the label that matched); ``score``: higher is better (4 typed exactly, 3 exact
but for accents or case, 2 a label starts with the query, 1 the query's words inside a label; the
fraction is how connected the entity is); ``href``: this server's page for it. HTML is sent to
browsers (Accept) or for ``format=html``; JSON otherwise or for ``format=json``.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request

from ..errors import UsageError
from ..linked_data.describing import local_path
from ..rdf.formats import negotiate
from ..search import index_for, search
from .responses import HTML, JSON, services, single, url_params

blueprint = Blueprint("search", __name__)

DEFAULT_LIMIT = 10


def _limit(text: str | None) -> int:
    if text is None or text == "":
        return DEFAULT_LIMIT
    maximum = services().settings.search_max_limit
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= maximum:
        raise UsageError(f"limit={text!r}: give a whole number from 1 to {maximum} "
                         f"(setting INNOGRAPH_SEARCH_MAX_LIMIT)")
    return value


@blueprint.get("/search")
def search_entities():
    """``/search?q=&type=&limit=&lang=``: the entities matching ``q``, best first, as JSON or an
    HTML page by Accept or ``format=``. No ``q``: no results; 400 for a ``q`` over 200 characters,
    a ``limit`` outside 1..search_max_limit or another ``format``."""
    params = url_params()
    query = (single(params, "q") or "").strip()
    type_name = single(params, "type") or None
    lang = single(params, "lang") or None
    limit = _limit(single(params, "limit"))
    wanted = (single(params, "format") or "").lower()
    if wanted not in {"", "json", "html"}:
        raise UsageError(f"format={wanted!r}: /search answers format=json or format=html")
    fmt = {"json": JSON, "html": HTML}.get(wanted) or negotiate(request.headers.get("Accept"),
                                                                 (JSON, HTML), default=JSON) or JSON
    svc = services()
    hits = search(svc.store, query, type=type_name, limit=limit, lang=lang,
                  settings=svc.settings) if query else []
    results = []
    for hit in hits:
        row = hit.as_json()
        row["href"] = local_path(hit.iri, svc.settings.base_iri) or hit.iri
        results.append(row)
    if fmt is HTML:
        return render_template("search.html", query=query, type=type_name or "", lang=lang or "",
                               results=results)
    response = jsonify({"query": query, "results": results})
    response.headers["Vary"] = "Accept"
    return response


@blueprint.before_app_request
def index_ready_for_sparql():
    """Build the index (once) before a query that may call ``ig:search``: the query workers read
    it from the file beside the store and cannot build it themselves (they open it read-only)."""
    svc = services()
    if request.path.startswith(("/sparql", "/queries")) and not getattr(svc.store, "is_remote", False):
        index_for(svc.store, cache_dir=svc.settings.search_cache_dir or None)
