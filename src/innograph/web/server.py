"""``innograph serve``: load (validated) and serve with waitress, or with gunicorn for ``--workers N``.

Queries already run in parallel in the worker processes (``query_workers``); the request threads
(``threads``) only wait on them. With ``workers`` > 1 the HTTP layer (Flask, result transfer) runs in
that many gunicorn processes too; an Oxigraph store on disk has one writer, so then every process
opens it read-only and writes are refused (403): load with ``innograph load``, then restart.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

from ..settings import Settings
from ..knowledge_graph import KnowledgeGraph
from ..store import open_store, OxigraphStore
from .app import close_app, create_app
from ..errors import UsageError


def serve(settings: Settings, data_dirs: list[Path], *, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Open the store, load and validate ``data_dirs`` into it, and serve until SIGINT/SIGTERM.

    Raises RdfSyntaxError/ValidationFailed (nothing served) when the data does not load.
    """
    if settings.workers > 1:
        return serve_processes(settings, data_dirs, host=host, port=port)
    import waitress

    store = open_store(settings.store, shareable=True)
    app = None
    try:
        app = create_app(settings, store)
        kg = app.extensions["innograph"].kg
        if data_dirs:
            result = kg.load(*data_dirs)
            print(f"loaded {result.triples} triples from {len(result.files)} file(s); valid", flush=True)
        kg.start()
        if settings.update_token and not settings.read_only:
            kg.updates.start()      # the WHERE worker: the first update with a WHERE need not wait for it

        def stop(signum, frame):
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        print(f"innograph serving {store.location} on http://{host}:{port}/ (SPARQL at /sparql)",
              flush=True)
        waitress.serve(app, host=host, port=port, threads=settings.threads,
                       max_request_body_size=settings.max_body_bytes,
                       max_request_header_size=settings.max_header_bytes, ident="innograph",
                       _quiet=True, clear_untrusted_proxy_headers=True)
    except KeyboardInterrupt:
        pass
    finally:
        if app is not None:
            close_app(app)
        store.close()
        sys.stdout.flush()


def serve_processes(settings: Settings, data_dirs: list[Path], *, host: str, port: int) -> None:
    """Serve with ``settings.workers`` gunicorn processes over one on-disk store, read-only.

    ``data_dirs`` are loaded (validated) by this process first, with the store open for writing;
    it is closed before the workers fork and open it read-only. Raises UsageError for a store that
    is not a directory.
    """
    from gunicorn.app.base import BaseApplication

    if settings.store == "memory" or settings.store.startswith(("http://", "https://")):
        raise UsageError("--workers above 1 needs a store directory (several processes open it by path)")
    if data_dirs:
        with KnowledgeGraph(OxigraphStore(settings.store), settings, owns_store=True) as kg:
            result = kg.load(*data_dirs)
        print(f"loaded {result.triples} triples from {len(result.files)} file(s); valid", flush=True)
    read_only = settings.replace(read_only=True)

    class Processes(BaseApplication):
        def load_config(self):
            # A worker waits at most for a queue slot and a query; past that gunicorn may recycle it.
            timeout = int(settings.query_timeout + settings.query_queue_wait) + 30
            for key, value in {"bind": f"{host}:{port}", "workers": settings.workers,
                               "worker_class": "gthread", "threads": settings.threads,
                               "timeout": timeout, "graceful_timeout": 10,
                               "accesslog": None, "errorlog": "-", "loglevel": "warning",
                               "worker_exit": lambda server, worker: close_app(worker.wsgi)
                               if hasattr(worker, "wsgi") and hasattr(worker.wsgi, "extensions") else None,
                               }.items():
                self.cfg.set(key, value)

        def load(self):
            # Called in each worker after the fork: every process has its own store handle and pool.
            app = create_app(read_only)
            app.extensions["innograph"].pool.warm_up()
            return app

    print(f"innograph serving {settings.store} read-only on http://{host}:{port}/ with "
          f"{settings.workers} processes (SPARQL at /sparql)", flush=True)
    Processes().run()
