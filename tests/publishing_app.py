"""The app the linked-data tests share: ``create_app`` over an on-disk copy of ``shipped_store``.

create_app needs a store on disk (its query workers open it by path), so the quads of the
in-memory ``shipped_store`` are copied into a temporary directory once per test module.
"""

from __future__ import annotations

from contextlib import contextmanager

from innograph.settings import Settings
from innograph.store import OxigraphStore
from innograph.web.app import close_app, create_app


@contextmanager
def publishing_app(shipped_store, directory, **overrides):
    store = OxigraphStore(directory / "store")
    store.add(shipped_store.quads())
    settings = Settings.load({"store": str(directory / "store"), "query_workers": 1, **overrides},
                             environ={})
    app = create_app(settings, store=store)
    try:
        yield app
    finally:
        close_app(app)
        store.close()
