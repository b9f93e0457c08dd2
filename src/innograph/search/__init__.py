"""Multilingual entity search over every label of the graph (docs/search.md).

``search(store, q)`` is the core call every face uses (HTTP ``/search``, ``innograph search``, the
header box, ``ig:search`` in SPARQL). ``following_change`` is the one hook the write paths wrap
around their commit so the index follows every load and update.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterable

import pyoxigraph as ox

from ..settings import Settings
from .index import (INDEX_FILENAME, LABEL_PROPERTIES, SearchHit, SearchIndex, index_for, index_location,
                    resolve_type, touched_entities)
from .sparql import SCORE_FUNCTION, SEARCH_FUNCTION, sparql_functions

__all__ = ["INDEX_FILENAME", "LABEL_PROPERTIES", "SCORE_FUNCTION", "SEARCH_FUNCTION", "SearchHit",
           "SearchIndex", "following_change", "index_for", "index_location", "resolve_type", "search",
           "sparql_functions", "worker_functions"]


def _settings() -> Settings:
    return Settings.load()


def search(store, q: str, *, type: str | None = None, limit: int = 10, lang: str | None = None,
           settings: Settings | None = None) -> list[SearchHit]:
    """The entities of ``store`` whose labels best match ``q``, best first.

    Exact labels (accents and case aside) rank before labels starting with ``q``, which rank before
    labels containing its words (or, in Korean, its syllables); then the more connected entity
    first. ``type`` keeps one class (IRI, ``ig:City`` or ``City``); ``lang`` picks the language of
    the label shown (fallback English, then any). Raises UsageError for an unknown type prefix.
    """
    settings = settings or _settings()
    limit = max(0, min(int(limit), settings.search_max_limit))
    index = index_for(store, cache_dir=settings.search_cache_dir or None)
    return index.search(q, type=type, limit=limit, lang=lang)


@contextlib.contextmanager
def following_change(store, *, added: Iterable[ox.Quad] = (), removed: Iterable[ox.Quad] = (),
                     replaced: Iterable = (), exact_effect: bool = False, whole_store: bool = False):
    """Wrap a store commit so the search index follows it::

        with following_change(store, added=added, removed=removed):
            store.update(sparql)

    ``replaced`` names graphs the commit replaces (their current quads are read now, before they
    are gone). Before the commit the index is marked pending (durably); after it, the touched
    entities are read again and the mark is cleared. If the process dies in between, the next open
    of the index rebuilds it. A store whose index was never built is left alone (it is built on
    first search). Whether the commit succeeds or fails, the index ends up matching the store.
    ``exact_effect``: ``added`` are exactly the quads the commit adds (absent before) and
    ``removed`` those it removes (present before), as an update's computed effect is; the store's
    quad count then follows from them instead of being counted again. ``whole_store``: the commit
    fills an empty store (a first load), so the index is rebuilt rather than told every quad.
    """
    settings = _settings()
    index = index_for(store, cache_dir=settings.search_cache_dir or None, build=False)
    if index is None or index.read_only:
        yield
        return
    added, removed = list(added), list(removed)
    touched = None if whole_store else touched_entities(store, added, removed, replaced,
                                                        limit=settings.search_reindex_limit)
    before = index.recorded_quads() if exact_effect and not replaced else None
    index.mark_pending()
    try:
        yield
    except BaseException:
        index.reindex(store, touched)
        raise
    index.reindex(store, touched, quads=None if before is None else before + len(added) - len(removed))


def worker_functions(store_path: str):
    """For a query worker process over the store at ``store_path``: a function giving each query
    its ``ig:search`` functions, reading the index file beside the store (read-only)."""
    location = Path(store_path) / INDEX_FILENAME
    opened: list[SearchIndex] = []
    max_hits = _settings().search_max_limit

    def open_index() -> SearchIndex | None:
        if not opened:
            if not location.exists():
                return None
            opened.append(SearchIndex(location, read_only=True))
        return opened[0]

    return lambda: sparql_functions(open_index, max_hits=max_hits)
