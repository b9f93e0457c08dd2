"""The embedded backend: Oxigraph in memory or in a directory, one transaction per write."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import pyoxigraph as ox

from ..errors import StoreError, UsageError
from .base import Store

def _open_read_only(path: Path, attempts: int = 50) -> ox.Store:
    """Open a read-only view of an on-disk store another process (or this one) may be writing.

    RocksDB's read-only open races with the writer's compactions: right after a write it failed
    28 times in 30 with "Corruption: ... No such file" (an .sst file deleted while being listed).
    Retrying a moment later succeeds (measured: at most one retry after 10 ms).
    """
    for attempt in range(attempts):
        try:
            return ox.Store.read_only(str(path))
        except RuntimeError as exc:
            if attempt == attempts - 1 or "No such file" not in str(exc):
                raise StoreError(f"{path}: cannot open the store read-only: {exc}") from None
            time.sleep(0.01)
    raise AssertionError("unreachable")


def split_lines_with_blank_nodes(data: bytes) -> tuple[bytes, bytes]:
    """(lines without "_:", lines with it) of a document of lines (a line with "_:" in a literal
    among the second: harmless). Found with bytes.find (a regex
    over the lines took 4 s at 1M quads, this 0.5 s). (Handing the bulk loader the pieces through
    a Python reader instead of a copy saved 190 MB but took minutes: every read waits for the GIL,
    which the version's hashing holds meanwhile.)"""
    plain, labelled = [], []
    done = 0
    found = data.find(b"_:")
    while found != -1:
        start = data.rfind(b"\n", 0, found) + 1
        end = data.find(b"\n", found)
        end = len(data) if end == -1 else end + 1
        plain.append(data[done:start])
        labelled.append(data[start:end])
        done = end
        found = data.find(b"_:", end)
    if not labelled:
        return data, b""
    plain.append(data[done:])
    return b"".join(plain), b"".join(labelled)


# Present in a store directory while a first load is bulk-written (not one transaction).
FIRST_LOAD_MARKER = "innograph-first-load-in-progress"


class OxigraphStore(Store):
    """Oxigraph embedded: on disk under ``path``, or in memory when ``path`` is None.

    Opening raises StoreError when another process holds the store, when a read-only open finds no
    store or a first load still being written, or when the directory cannot be opened. A read-write
    open first empties a store whose first load was interrupted.
    """

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False):
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        self.location = str(self.path) if self.path else "memory"
        # Writes from threads of one process go one at a time, so a replace's "is the graph
        # empty?" check still holds when its insert lands (other processes cannot open it to write).
        self._write_lock = threading.RLock()
        try:
            if self.path is None:
                self._store = ox.Store()
            elif read_only:
                if not (self.path / "CURRENT").exists():
                    raise StoreError(f"{self.path}: no store here yet; load data first "
                                     f"(innograph --store {self.path} load data/)")
                if (self.path / FIRST_LOAD_MARKER).exists():
                    # Interrupted if no writer holds the store any more: roll it back first.
                    try:
                        OxigraphStore(self.path).close()
                    except StoreError:
                        raise StoreError(f"{self.path}: a first load into this store is still being "
                                         f"written; try again when it has finished") from None
                self._store = _open_read_only(self.path)
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(self.path))
                self._roll_back_interrupted_first_load()
        except OSError as exc:
            text = str(exc)
            if "lock" in text.lower():
                raise StoreError(
                    f"{self.path}: the store is in use by another process (a running 'innograph "
                    f"serve'?). Stop it, or read with a command that opens the store read-only.") from None
            raise StoreError(f"{self.path}: cannot open the store: {text}") from None

    @property
    def native(self) -> ox.Store:
        """The pyoxigraph store itself, for bulk work (the service layer's first load)."""
        return self._store

    # -- reading
    def query(self, sparql, *, default_graphs=None, named_graphs=None, substitutions=None):
        kwargs: dict = {"substitutions": dict(substitutions) if substitutions else None}
        if default_graphs is not None:
            kwargs["default_graph"] = list(default_graphs)
        else:
            kwargs["use_default_graph_as_union"] = True
        if named_graphs is not None:
            kwargs["named_graphs"] = list(named_graphs)
        try:
            return self._store.query(sparql, **kwargs)
        except OSError as exc:
            raise StoreError(f"{self.location}: {exc}") from None

    def graph_names(self):
        return sorted(self._store.named_graphs(), key=lambda g: g.value)

    def quads(self, graph=None):
        return self._store.quads_for_pattern(None, None, None, graph)

    def quads_matching(self, subject=None, predicate=None, object=None, graph=None):
        return self._store.quads_for_pattern(subject, predicate, object, graph)

    def count(self, graph=None) -> int:
        if graph is None:
            return len(self._store)
        return super().count(graph)

    def dump(self, fmt, graph=None, prefixes=None) -> bytes:
        if graph is None and not fmt.quads:
            raise UsageError(f"{fmt.name} holds a single graph: choose a graph, or a quad format "
                             f"(nq, trig) for the whole dataset")
        kwargs = {"from_graph": graph} if graph is not None else {}
        if prefixes and fmt.name in {"ttl", "trig", "rdf"}:
            kwargs["prefixes"] = prefixes
        return self._store.dump(None, fmt.ox_rdf, **kwargs)

    # -- writing
    def _check_writable(self):
        if self.read_only:
            raise StoreError(f"{self.location}: the store is open read-only")

    def update(self, sparql: str) -> None:
        self._check_writable()
        try:
            with self._write_lock:
                self._store.update(sparql)
        except OSError as exc:
            raise StoreError(f"{self.location}: the update was not applied: {exc}") from None

    def replace_graphs(self, graphs) -> None:
        """As ``Store.replace_graphs``. Into an empty store the quads go in by the bulk loader, which
        is not one transaction: a failure empties the store again (the state it was in), and so
        does the next read-write open after a process killed midway."""
        self._check_writable()
        with self._write_lock:
            if all(quads for quads in graphs.values()) and not any(self._has_quads(g) for g in graphs):
                # Nothing to drop: Store.extend is one transaction too, and took 50 s for 1M
                # triples where parsing an INSERT DATA of the same quads took about two minutes.
                quads = (ox.Quad(q.subject, q.predicate, q.object, graph)
                         for graph, quads in graphs.items() for q in quads)
                if len(self._store) == 0:
                    self._first_load(quads)
                else:
                    self.add(quads)
                return
            self._replace_by_update(graphs)

    def load_into_empty(self, nquads: bytes, labelled: bytes = b"") -> None:
        """Load N-Quads (pyoxigraph's own serialization: one quad a line) into this store, which
        must be empty, by the bulk loader (the way ``oxigraph load`` writes), keeping the blank
        node labels of ``labelled`` (which the bulk loader would rename; split them off with
        ``split_lines_with_blank_nodes``). As ``replace_graphs`` into an empty store: a failure, or
        a process killed midway, leaves the store empty again. Raises StoreError if the store is
        not empty or the write fails."""
        self._check_writable()
        with self._write_lock:
            if self._has_quads(None):
                raise StoreError(f"{self.location}: a load into an empty store found it not empty")

            def load() -> None:
                self._store.bulk_load(nquads, ox.RdfFormat.N_QUADS)
                if labelled:
                    self._store.bulk_extend(ox.parse(labelled, ox.RdfFormat.N_QUADS, rename_blank_nodes=False))
            self._bulk_write(load)

    def _first_load(self, quads) -> None:
        self._bulk_write(lambda: self._store.bulk_extend(quads))

    def _bulk_write(self, write) -> None:
        # Into an empty store the bulk loader is 4x faster again (13 s against 50 s at 1M). It is
        # not one transaction, so a failure empties the store, exactly the state it was in; a
        # marker file does the same for a process killed midway, the next time the store is opened.
        marker = self.path / FIRST_LOAD_MARKER if self.path is not None else None
        try:
            if marker is not None:
                with marker.open("w") as handle:
                    handle.write("innograph: a first load is being written; if this file is left, "
                                 "the next read-write open empties the store\n")
                    handle.flush()
                    os.fsync(handle.fileno())
            write()
            self._store.flush()
        except BaseException as exc:
            self._store.clear()  # if this fails too, the marker stays and the next open rolls back
            if marker is not None:
                marker.unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise StoreError(f"{self.location}: nothing was added: {exc}") from None
            raise
        if marker is not None:
            marker.unlink()

    def _roll_back_interrupted_first_load(self) -> None:
        marker = self.path / FIRST_LOAD_MARKER
        if marker.exists():
            self._store.clear()
            self._store.flush()
            marker.unlink()

    def _has_quads(self, graph) -> bool:
        return next(iter(self._store.quads_for_pattern(None, None, None, graph)), None) is not None

    def _replace_by_update(self, graphs) -> None:
        # One SPARQL update is one Oxigraph transaction: the drops and inserts land together or
        # not at all, and concurrent readers never see a half-replaced graph.
        parts = []
        inserts = []
        for graph, quads in graphs.items():
            if isinstance(graph, ox.DefaultGraph):
                parts.append("CLEAR SILENT DEFAULT")
                block = "".join(f"{q.subject} {q.predicate} {q.object} .\n" for q in quads)
                inserts.append(block)
            else:
                parts.append(f"DROP SILENT GRAPH {graph}")
                body = "".join(f"{q.subject} {q.predicate} {q.object} .\n" for q in quads)
                if body:
                    inserts.append(f"GRAPH {graph} {{\n{body}}}\n")
                else:  # an empty graph still exists afterwards (Graph Store PUT of an empty body)
                    parts.append(f"CREATE SILENT GRAPH {graph}")
        if any(block.strip() for block in inserts):
            parts.append("INSERT DATA {\n" + "".join(inserts) + "}")
        self.update(" ;\n".join(parts))

    def add(self, quads) -> None:
        self._check_writable()
        try:
            with self._write_lock:
                self._store.extend(quads)
        except OSError as exc:
            raise StoreError(f"{self.location}: nothing was added: {exc}") from None

    def drop_graph(self, graph) -> None:
        if isinstance(graph, ox.DefaultGraph):
            self.update("CLEAR SILENT DEFAULT")
        else:
            self.update(f"DROP SILENT GRAPH {graph}")

    def flush(self) -> None:
        """Write buffered data to disk. Raises StoreError (disk full, read-only...) with the reason."""
        if not self.read_only and self.path is not None:
            try:
                self._store.flush()
            except OSError as exc:
                # What was committed is in the write-ahead log and survives; say what failed.
                raise StoreError(f"{self.location}: cannot write to disk: {exc}") from None

    def close(self) -> None:
        """Flush (raising StoreError as ``flush`` does) and release the store; closing again does
        nothing."""
        if getattr(self, "_store", None) is not None:
            self.flush()
            del self._store
            self._store = None


class ScratchStore(OxigraphStore):
    """An on-disk Oxigraph store in a temporary directory, removed on close.

    Used for ``--store memory`` when queries must run in worker processes (which open the store
    read-only by path; a truly in-memory store cannot be shared between processes).
    """

    def __init__(self):
        self._tmp = tempfile.mkdtemp(prefix="innograph-store-")
        super().__init__(self._tmp)
        self.location = "memory"

    def close(self) -> None:
        """Close the store, then delete its temporary directory."""
        super().close()
        shutil.rmtree(self._tmp, ignore_errors=True)
