"""Static files and compression for every page.

- ``asset_url(name)`` (a template global) is the URL of a file under ``web/static/`` with a
  fingerprint of its content (``?v=``): such a URL is cached for a year (``immutable``); the same
  file without the fingerprint is cached for five minutes, and both carry an ETag, so a browser
  revalidates with a 304 instead of downloading again. The front-end bundle that ``make assets``
  builds (YASGUI, the result views, the maps, vis-network, the world outlines) lives in
  ``web/static/build/``.
- Responses are compressed with brotli, zstd or gzip (flask-compress, by the client's
  Accept-Encoding) when they are HTML, CSS, JavaScript, JSON, CSV/TSV, SVG or any RDF or SPARQL
  results format: pages, query results and dumps alike.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources

from flask import Blueprint, current_app, request, url_for
from flask_compress import Compress

from ..rdf.formats import RDF_FORMATS, RESULT_FORMATS

blueprint = Blueprint("assets", __name__)

FINGERPRINTED_MAX_AGE = 365 * 24 * 3600
PLAIN_MAX_AGE = 300
_TEXT_TYPES = ["text/html", "text/css", "text/plain", "text/csv", "text/tab-separated-values", "text/xml",
               "text/javascript", "application/javascript", "application/json", "application/xml",
               "image/svg+xml", "application/geo+json", "application/graphml+xml", "application/gexf+xml",
               "application/vnd.cytoscape+json", "text/vnd.graphviz"]


def compressed_media_types() -> list[str]:
    """Every media type the server compresses: text, JSON and every RDF and results format."""
    types = list(_TEXT_TYPES)
    for fmt in list(RDF_FORMATS) + list(RESULT_FORMATS):
        for media_type in (fmt.media_type, *fmt.other_media_types):
            if media_type not in types:
                types.append(media_type)
    return types


@lru_cache(maxsize=256)
def _fingerprint(name: str, size: int, mtime: float) -> str:
    data = resources.files("innograph").joinpath("web", "static", *name.split("/")).read_bytes()
    return hashlib.sha256(data).hexdigest()[:12]


def asset_url(name: str) -> str:
    """The URL of static file ``name`` with a content fingerprint (no fingerprint if it is missing)."""
    path = resources.files("innograph").joinpath("web", "static", *name.split("/"))
    try:
        stat = path.stat()          # type: ignore[attr-defined]
    except (OSError, AttributeError):
        return url_for("static", filename=name)
    return url_for("static", filename=name, v=_fingerprint(name, stat.st_size, stat.st_mtime))


def assets_built() -> bool:
    """True when ``make assets`` has built the front-end bundle."""
    return resources.files("innograph").joinpath("web", "static", "build", "query.js").is_file()


def _cache_static(response):
    if request.endpoint == "static" and response.status_code in (200, 304):
        if request.args.get("v"):
            response.headers["Cache-Control"] = f"public, max-age={FINGERPRINTED_MAX_AGE}, immutable"
        else:
            response.headers["Cache-Control"] = f"public, max-age={PLAIN_MAX_AGE}"
    return response


def _buffer_static(response):
    """Reads a static file into the response (the largest is about 1.3 MB) so flask-compress
    compresses it whole, with its strong ETag and conditional handling, and the file is closed
    when the response is (a compressed stream would leave it open)."""
    if request.endpoint == "static" and response.is_streamed and response.status_code == 200:
        response.direct_passthrough = False
        response.make_sequence()
    return response


@blueprint.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says: the site's SVG icon."""
    return current_app.send_static_file("favicon.svg")


@blueprint.record_once
def _configure(state) -> None:
    app = state.app
    app.config.setdefault("COMPRESS_MIMETYPES", compressed_media_types())
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "zstd", "gzip"])
    app.after_request(_cache_static)
    Compress(app)
    app.after_request(_buffer_static)     # registered last, so it runs before flask-compress
    app.add_template_global(asset_url, "asset_url")
    app.add_template_global(assets_built, "assets_built")


__all__ = ["blueprint", "asset_url", "assets_built", "compressed_media_types"]
