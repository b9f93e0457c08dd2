"""Shared pieces of the hardening suites: an app over an on-disk copy of the shipped data, the store
fingerprint that proves a refused write changed nothing, a listening socket that proves no
connection was made, and the statuses a deliberate answer may have.
"""

from __future__ import annotations

import hashlib
import socket
from contextlib import contextmanager

from innograph.rdf.formats import rdf_format
from innograph.settings import Settings
from innograph.store import OxigraphStore
from innograph.web.app import close_app, create_app

TOKEN = "hardening-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
# What a deliberate answer may be: success, redirect, a client error with a reason, or 503 (time
# limit / busy); 301/308 are Werkzeug's redirects to a normalised path. 500 never: it means an input reached code that did not expect it.
DELIBERATE = {200, 201, 204, 301, 303, 304, 308, 400, 401, 403, 404, 405, 406, 413, 415, 422, 429, 503}


@contextmanager
def hardened_app(shipped_store, directory, **overrides):
    """``create_app`` over an on-disk copy of the shipped data, with a write token; workers warmed up."""
    store = OxigraphStore(directory / "store")
    store.add(shipped_store.quads())
    settings = Settings.load({"store": str(directory / "store"), "query_workers": 2,
                              "update_token": TOKEN, "query_timeout": 5.0, "max_rows": 2000,
                              "max_body_bytes": 200_000, "auth_failures_per_minute": 100_000,
                              **overrides}, environ={})
    app = create_app(settings, store=store)
    app.extensions["innograph"].pool.warm_up()
    try:
        yield app
    finally:
        close_app(app)
        store.close()


def fingerprint(store) -> str:
    """SHA-256 of the store's sorted N-Quads dump (blank node labels are stable in one store)."""
    dump = store.dump(rdf_format("nq"))
    return hashlib.sha256(b"\n".join(sorted(dump.split(b"\n")))).hexdigest()


class Listener:
    """A socket listening on 127.0.0.1 that records whether anything connected to it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]

    def connections(self) -> int:
        count = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except BlockingIOError:
                return count
            conn.close()
            count += 1

    def close(self) -> None:
        self.sock.close()


def has_message(response) -> bool:
    """A refusal says why: a non-empty body (text or JSON)."""
    return response.status_code < 400 or len(response.get_data().strip()) > 0


def examples(ci: int):
    """Hypothesis settings for a heavy property: ``ci`` examples in make test, the profile's count in make fuzz."""
    import os

    from hypothesis import settings
    if os.environ.get("HYPOTHESIS_PROFILE", "ci") == "ci":
        return settings(max_examples=ci)
    return settings()
