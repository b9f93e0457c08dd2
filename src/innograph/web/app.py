"""The Flask application factory.

``create_app(settings, store)`` wires the services every blueprint shares (settings, the store, the
query worker pool, the update runner) into ``app.extensions['innograph']`` and registers the
blueprints. Other faces (linked-data pages /id /doc /ontology /void /dumps, /graphs) register their
own blueprints in ``BLUEPRINTS`` below; nothing else needs to change.
"""

from __future__ import annotations

import importlib

from flask import Flask, request
from werkzeug.exceptions import HTTPException

from ..errors import InnographError
from ..knowledge_graph import KnowledgeGraph
from ..settings import Settings
from ..store import open_store
from .responses import Services, add_cors, handle_http_error, handle_innograph_error, services
from .response_cache import ResponseCache

# Module names under innograph.web, each with a ``blueprint``. Order matters only for "/".
BLUEPRINTS = ["assets", "sparql", "graph_store", "catalogue", "query_page", "resources", "publishing", "graphs",
              "search", "versions"]


def create_app(settings: Settings | None = None, store=None) -> Flask:
    """A ready app. Without ``store``, opens ``settings.store`` on disk ('memory': a scratch dir).

    An on-disk store has its queries run in worker processes that open it read-only by path; a
    remote store has them evaluated by its server (RemoteExecutor). Raises UsageError for a store
    in memory, which worker processes cannot share.
    """
    settings = settings or Settings.load()
    owns_store = store is None
    if store is None:
        store = open_store(settings.store, shareable=not settings.read_only, read_only=settings.read_only)
    # SPARQL to the letter over HTTP: no predeclared prefixes (the workbench adds PREFIX lines).
    kg = KnowledgeGraph(store, settings, owns_store=owns_store, predeclare_prefixes=False)
    kg.queries          # the query path: UsageError now for a store its worker processes cannot open
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.config["JSON_SORT_KEYS"] = False
    app.extensions["innograph"] = Services(kg)

    for name in BLUEPRINTS:
        module = importlib.import_module(f"{__package__}.{name}")
        app.register_blueprint(module.blueprint)

    app.register_error_handler(InnographError, handle_innograph_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.after_request(add_cors)

    @app.before_request
    def refuse_oversized_body():
        limit = settings.max_body_bytes
        if request.content_length is not None and request.content_length > limit:
            from werkzeug.exceptions import RequestEntityTooLarge
            raise RequestEntityTooLarge(f"the request body is {request.content_length} bytes; the "
                                        f"limit is {limit} (setting INNOGRAPH_MAX_BODY_BYTES)")

    if kg.queries.cache is not None:
        # Only where the core keeps answers too (a local store that sees every write).
        executor = kg.queries.executor
        app.wsgi_app = ResponseCache(app.wsgi_app, lambda: executor.generation, settings.result_cache_bytes)
    return app


def close_app(app: Flask) -> None:
    """Stop the workers and close the store if the app opened it."""
    app.extensions["innograph"].kg.close()


__all__ = ["create_app", "close_app", "services", "BLUEPRINTS"]
