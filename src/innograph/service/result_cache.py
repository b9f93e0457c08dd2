"""Rendered query answers kept for the data version they were computed on.

The same named query with the same parameters comes again and again (a dashboard, a notebook
re-run, a page of the workbench): re-evaluating it costs a hop to a worker process and the
engine's time, where the answer cannot have changed. An entry is keyed by everything that decides
the bytes of the answer (the query text after checks, the dataset, the bindings, the format, the
row cap, the base IRI) and by the executor's write generation, so a commit makes every entry
unreachable at once: a cached answer is always the answer the current data gives.

Not cached: queries whose answer changes from one evaluation to the next on the same data
(``RAND``, ``NOW``, ``UUID``, ``STRUUID``, ``BNODE``: ``QueryShape.volatile``), federated queries
(``SERVICE``: another server's data), and anything on a remote store (other clients write to it
without telling us). Memory is bounded by ``result_cache_bytes`` (LRU by bytes); an answer larger
than an eighth of it is never kept, so one big dump cannot flush the small answers.

The HTTP face keeps whole responses the same way (``web/response_cache.py``), so a repeated GET
of a query answer never enters Flask; the core marks an outcome ``reusable`` to allow it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Hashable

from typing import Any

# Bookkeeping of one entry (key, node, tuple), counted with its body so that many tiny answers
# are bounded too.
_ENTRY_OVERHEAD = 256


class ResultCache:
    """A thread-safe LRU of answers (a ``QueryOutcome``, or a whole HTTP response in the web face)
    bounded by the bytes they hold, each filed under the write generation it was computed at."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.largest_entry = max_bytes // 8
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._generation: int | None = None
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def _forget_other_generations(self, generation: int) -> None:
        # Every key carries its generation, so stale entries are unreachable anyway; dropping them
        # at the first look after a commit gives their memory back at once.
        if generation != self._generation:
            self._entries.clear()
            self._bytes = 0
            self._generation = generation

    def get(self, generation: int, key: Hashable) -> Any | None:
        """The answer stored for ``key`` at ``generation``, or None."""
        with self._lock:
            self._forget_other_generations(generation)
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[0]

    def put(self, generation: int, key: Hashable, value: Any, body_bytes: int) -> None:
        """Keep ``value`` (holding ``body_bytes`` of answer) for ``key`` if it was computed at the
        current ``generation`` and fits."""
        size = body_bytes + _ENTRY_OVERHEAD
        if size > self.largest_entry:
            return
        with self._lock:
            if self._generation is not None and generation < self._generation:
                return                           # computed before a commit we already saw
            self._forget_other_generations(generation)
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._bytes -= previous[1]
            self._entries[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes and self._entries:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    @property
    def size_bytes(self) -> int:
        """Bytes held now (bodies plus a fixed overhead per entry)."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)
