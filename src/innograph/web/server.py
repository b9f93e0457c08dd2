"""``innograph serve``: load (validated) and serve with waitress.

Queries already run in parallel in the worker processes (``query_workers``); the request threads
(``threads``) only wait on them. Under gunicorn use one process (``-w 1 --threads N``) with
``create_app()``: an Oxigraph store on disk has one writer process.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

from ..settings import Settings


def serve(settings: Settings, data_dirs: list[Path], *, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Open the store, load and validate ``data_dirs`` into it, and serve until SIGINT/SIGTERM.

    Raises RdfSyntaxError/ValidationFailed (nothing served) when the data does not load.
    """
    import waitress

    from ..loading import load_validated
    from ..store import open_store
    from .app import close_app, create_app

    store = open_store(settings.store, shareable=True)
    app = None
    try:
        if data_dirs:
            result = load_validated(store, data_dirs)
            print(f"loaded {result.triples} triples from {len(result.files)} file(s); valid", flush=True)
        app = create_app(settings, store)
        app.extensions["innograph"].pool.warm_up()

        def stop(signum, frame):
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        print(f"innograph serving {store.location} on http://{host}:{port}/ (SPARQL at /sparql)",
              flush=True)
        waitress.serve(app, host=host, port=port, threads=settings.threads,
                       max_request_body_size=settings.max_body_bytes, ident="innograph",
                       _quiet=True, clear_untrusted_proxy_headers=True)
    except KeyboardInterrupt:
        pass
    finally:
        if app is not None:
            close_app(app)
        store.close()
        sys.stdout.flush()
