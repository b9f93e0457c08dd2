"""Whole query responses kept for the current data, answered without entering Flask.

A cheap query's answer costs the server less than the web framework around it: measured with 8
clients on the shipped data, a named query answered from the core's result cache still spent
~0.5 ms per request in Flask (request context, routing, negotiation, after-request hooks), a
third of Oxigraph's whole server. This WSGI middleware sits in front of the Flask app and keeps,
for ``GET``/``HEAD`` of ``/sparql`` and ``/queries/NAME``, the exact response (status, headers and
body, compressed as it was sent) that the app gave for the same request, as long as no write has
happened since.

What may be kept is decided by the app, not here: only a 200 whose answer the core marked
``reusable`` (``QueryOutcome.reusable``: not volatile, not federated, not from a remote store).
The key is every part of the request the response depends on: method, path, query string (the
query, its parameters, ``format=``, ``version=``), ``Accept``, ``Accept-Encoding`` and ``Host``.
Requests carrying credentials or cookies, conditional or range requests (the app answers
``If-None-Match`` with 304 from the ETag it sets), and requests that say ``Cache-Control:
no-cache`` (or ``no-store``), always go to the app. Memory is bounded like the core's cache (``ResultCache``).
"""

from __future__ import annotations

from typing import Callable, Iterable

from ..service.result_cache import ResultCache

# What the app sets in the WSGI environ when its response may be kept (see query_response).
REUSABLE = "innograph.reusable"
_KEPT_PATHS = ("/sparql", "/queries/")
_KEY_HEADERS = ("QUERY_STRING", "HTTP_ACCEPT", "HTTP_ACCEPT_ENCODING", "HTTP_HOST")


class ResponseCache:
    """WSGI middleware: ``wsgi_app`` behind a cache of its reusable query responses.

    ``generation`` returns the store's write generation (it changes at every commit: every kept
    response becomes unreachable at once).
    """

    def __init__(self, wsgi_app, generation: Callable[[], int], max_bytes: int):
        self.wsgi_app = wsgi_app
        self.generation = generation
        self.cache = ResultCache(max_bytes)

    @staticmethod
    def key(environ) -> tuple | None:
        """The cache key of a request, or None when its response must come from the app."""
        method = environ.get("REQUEST_METHOD")
        path = environ.get("PATH_INFO", "")
        if method not in ("GET", "HEAD") or not (path == _KEPT_PATHS[0] or path.startswith(_KEPT_PATHS[1])):
            return None
        if "HTTP_AUTHORIZATION" in environ or "HTTP_COOKIE" in environ:
            return None
        if "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ or "HTTP_RANGE" in environ:
            return None                     # the app answers conditional and partial requests
        control = environ.get("HTTP_CACHE_CONTROL", "").lower()
        if "no-cache" in control or "no-store" in control:
            return None
        return (method, path) + tuple(environ.get(name, "") for name in _KEY_HEADERS)

    def __call__(self, environ, start_response) -> Iterable[bytes]:
        key = self.key(environ)
        if key is None:
            return self.wsgi_app(environ, start_response)
        generation = self.generation()     # before the app runs: see ResultCache
        kept = self.cache.get(generation, key)
        if kept is not None:
            status, headers, body = kept
            start_response(status, list(headers))
            return [body]
        sent: list = []

        def remember_start(status, headers, exc_info=None):
            sent[:] = [status, headers]
            return start_response(status, headers, exc_info)

        result = self.wsgi_app(environ, remember_start)
        if not (environ.get(REUSABLE) and sent and sent[0].startswith("200 ")):
            return result
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        self.cache.put(generation, key, (sent[0], tuple(sent[1]), body), len(body))
        return [body]
