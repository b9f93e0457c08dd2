"""The change log: one version per committed change, with the quads it added and removed.

Layout of an on-disk store's log (a folder inside the store directory; Oxigraph's RocksDB keeps
only its own files there and leaves a sub-folder alone, and the log travels with the store when the
directory is copied)::

    <store>/innograph-versions/log.jsonl            one JSON object per version, oldest first
    <store>/innograph-versions/patches/000001.rdfp.gz  the version's change, RDF-Patch style
    <store>/innograph-versions/pending.json         present only while a write is in progress

A store in memory keeps its log in memory. A remote store (``http(s)://``) has no log: other
clients can change it behind this process's back, so a log kept here could not be trusted to agree
with it (docs/versions.md).

**Version ids.** The content hash of a state is the sum, modulo 2^256, of the SHA-256 of each
quad's canonical N-Quads line (blank nodes with the labels the store keeps; the log replays them
exactly). It depends on the content only, not on the history, and a change updates it in time
proportional to the change (add the hashes of the quads added, subtract those removed), where
hashing RDFC-1.0 canonical N-Quads of the whole store would cost time proportional to the store
on every write (``bench/versions.py`` measures both). The version id is the first 16 hex digits of
the SHA-256 of that sum: the same content always has the same id.

**Crash safety.** Before a write commits, ``pending.json`` is written (and fsynced); after it, the
patch and then the log line are written and fsynced, and ``pending.json`` removed. A process killed
in between leaves ``pending.json``: the next read-write open compares the store's content hash with
the last version's and either discards it (the write never landed) or records the change it finds
(the write landed, its log line did not). Either way the log and the store agree again.
"""

from __future__ import annotations

import contextvars
import datetime
import gzip
import hashlib
import json
import os
import sys
import threading
import weakref
import zlib
from collections import Counter
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from itertools import repeat
from operator import methodcaller
from pathlib import Path
from typing import Iterable, Iterator, Mapping

import pyoxigraph as ox

from ..errors import NotFound, StoreError
from ..store import Store

LOG_FOLDER = "innograph-versions"
_MODULUS = 1 << 256
_ID_DIGITS = 16
DEFAULT_GRAPH_KEY = "default"


# -- content hashing ---------------------------------------------------------------------------------

def quad_line(quad: ox.Quad) -> str:
    """The canonical N-Quads line of a quad, without the final ' .' (pyoxigraph's own form)."""
    return str(quad)


def _line_hash(line: str) -> int:
    return int.from_bytes(hashlib.sha256(line.encode("utf-8")).digest(), "big")


def content_sum(quads: Iterable[ox.Quad]) -> int:
    """The order-independent sum of the quads' hashes (modulo 2^256)."""
    return lines_sum(quad_line(quad) for quad in quads)


def lines_sum(lines: Iterable[str]) -> int:
    """``content_sum`` of quads given as their N-Quads lines."""
    total = 0
    for line in lines:
        total += _line_hash(line)
    return total % _MODULUS


def nquads_lines(data: bytes) -> list[bytes]:
    """The lines of an N-Quads document written by pyoxigraph's serializer (``Store.dump``), each
    as UTF-8 bytes without its final ' .': ``quad_line`` of each quad, encoded. (The serializer
    escapes line breaks inside literals, so every line ends with ' .' and a newline.)"""
    if not data:
        return []
    return data.replace(b" .\n", b"\n").split(b"\n")[:-1]


def encoded_lines_sum(lines: Iterable[bytes]) -> int:
    """``lines_sum`` of lines already encoded as UTF-8: the same number, computed in C (map over
    hashlib and int.from_bytes), about 0.7 s for a million lines against 2.5 s quad by quad."""
    digests = map(methodcaller("digest"), map(hashlib.sha256, lines))
    return sum(map(int.from_bytes, digests, repeat("big"))) % _MODULUS


def version_id(state: int) -> str:
    """The id of the state whose content sum is ``state``."""
    return hashlib.sha256(state.to_bytes(32, "big")).hexdigest()[:_ID_DIGITS]


def store_state(store: Store) -> int:
    """The content sum of everything ``store`` holds (reads every quad)."""
    return content_sum(store.quads())


# -- who and why -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Author:
    """Who makes the changes of the current context, and the message they gave."""

    who: str
    message: str | None = None


def _command_line() -> str:
    words, hide = [], False
    for word in sys.argv:
        if hide:
            words.append("***")
            hide = False
            continue
        if "token" in word.lower() and word.startswith("--"):
            if "=" in word:
                word = word.split("=", 1)[0] + "=***"
            else:
                hide = True
        words.append(word)
    name = Path(words[0]).name if words else "python"
    return " ".join(["innograph" if name in {"innograph", "__main__.py", "-m"} else name] + words[1:])


_AUTHOR: contextvars.ContextVar[Author | None] = contextvars.ContextVar("innograph_version_author",
                                                                        default=None)


def set_author(who: str, message: str | None = None) -> contextvars.Token:
    """Say who makes the writes of this context (a thread or request) and why; returns the token to
    reset with ``reset_author``."""
    return _AUTHOR.set(Author(who, message or None))


def reset_author(token: contextvars.Token) -> None:
    """Undo ``set_author``."""
    _AUTHOR.reset(token)


def current_author() -> Author:
    """The author set for this context, else the command line of this process."""
    return _AUTHOR.get() or Author(f"command line: {_command_line()}")


# -- versions ----------------------------------------------------------------------------------------

@dataclass
class Version:
    """One committed change and the state it led to."""

    seq: int
    id: str
    parent: str | None
    state: str                  # the content sum, 64 hex digits
    time: str                   # ISO 8601, UTC
    who: str
    message: str | None
    added: dict[str, int] = field(default_factory=dict)     # graph IRI ("default") -> quads
    removed: dict[str, int] = field(default_factory=dict)
    quads: int = 0              # quads in the state

    def to_json(self) -> dict:
        """The version as the JSON /versions gives (everything but the internal content sum)."""
        data = asdict(self)
        data.pop("state")
        return data


def _graph_key(quad: ox.Quad) -> str:
    return quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else DEFAULT_GRAPH_KEY


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def patch_text(added: Iterable[str], removed: Iterable[str], *, version: str, parent: str | None) -> str:
    """The change (N-Quads lines added and removed) as an RDF Patch: header, one transaction, D
    lines then A lines, sorted."""
    lines = [f'H id "{version}" .']
    if parent:
        lines.append(f'H prev "{parent}" .')
    lines.append("TX .")
    lines += sorted(f"D {line} ." for line in removed)
    lines += sorted(f"A {line} ." for line in added)
    lines.append("TC .")
    return "\n".join(lines) + "\n"


def _gzipped_patch(added: list[bytes], *, version: str, parent: str | None) -> bytes:
    """``patch_text`` of a change that only adds (UTF-8 lines), gzipped, built on bytes and
    compressed in chunks (the whole text of a 1M-quad load is 220 MB more in memory). Byte order
    of UTF-8 is code point order, so the A lines come out exactly as ``patch_text`` sorts them."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, 31)       # 31: the gzip container
    head = [f'H id "{version}" .'.encode()]
    if parent:
        head.append(f'H prev "{parent}" .'.encode())
    head.append(b"TX .")
    parts = [compressor.compress(b"\n".join(head) + b"\n")]
    ordered = sorted(added)
    for start in range(0, len(ordered), _PATCH_CHUNK):
        parts.append(compressor.compress(b"A " + b" .\nA ".join(ordered[start:start + _PATCH_CHUNK]) + b" .\n"))
    parts.append(compressor.compress(b"TC .\n"))
    parts.append(compressor.flush())
    return b"".join(parts)


_PATCH_CHUNK = 20_000


def parse_patch(text: str) -> tuple[list[str], list[str]]:
    """(added lines, removed lines) of a patch, each an N-Quads line without its final ' .'."""
    added, removed = [], []
    for line in text.splitlines():
        if line.startswith("A "):
            added.append(line[2:-2])
        elif line.startswith("D "):
            removed.append(line[2:-2])
    return added, removed


def quads_of_lines(lines: Iterable[str]) -> Iterator[ox.Quad]:
    """Parse N-Quads lines (without ' .') back into quads, blank node labels kept."""
    data = "".join(f"{line} .\n" for line in lines).encode("utf-8")
    return iter(ox.parse(data, ox.RdfFormat.N_QUADS)) if data else iter(())


class VersionLog:
    """The versions of one store (see the module docstring). ``folder`` None: kept in memory."""

    def __init__(self, folder: Path | None, *, writable: bool):
        self.folder = folder
        self.writable = writable
        self.lock = threading.RLock()          # one write at a time (held across the commit)
        self._state = threading.RLock()        # the list of versions: held briefly, so readers
                                               # (every response's version header) never wait for a write
        self._versions: list[Version] = []
        self._patches: dict[int, bytes] = {}      # in memory only
        self._read_size = 0
        if folder is not None:
            self._refresh()

    # -- reading
    @property
    def log_file(self) -> Path:
        """The file of the versions, one JSON line each."""
        return self.folder / "log.jsonl"

    @property
    def pending_file(self) -> Path:
        """The mark of a write in progress."""
        return self.folder / "pending.json"

    def _refresh(self) -> None:
        """Read log lines another process appended since the last read (a torn last line, left by
        a crash, is ignored until a writer cuts it)."""
        if self.folder is None or not self.log_file.exists():
            return
        size = self.log_file.stat().st_size
        if size == self._read_size:
            return
        with open(self.log_file, "rb") as handle:
            handle.seek(self._read_size)
            chunk = handle.read(size - self._read_size)
        consumed = 0
        for raw in chunk.splitlines(keepends=True):
            if not raw.endswith(b"\n"):
                break
            try:
                data = json.loads(raw)
            except ValueError:
                break
            consumed += len(raw)
            self._versions.append(Version(**data))
        self._read_size += consumed

    def versions(self) -> list[Version]:
        """Every version, oldest first."""
        with self._state:
            self._refresh()
            return list(self._versions)

    @property
    def head(self) -> Version | None:
        """The newest version (None before the first change)."""
        with self._state:
            self._refresh()
            return self._versions[-1] if self._versions else None

    def get(self, version: str) -> Version:
        """The version with id (or a unique prefix of at least 6 digits) ``version``; the newest of
        equal ids (the same content). NotFound otherwise."""
        key = (version or "").strip().lower()
        matches = [v for v in self.versions() if v.id == key or (len(key) >= 6 and v.id.startswith(key))]
        if not matches or len({v.id for v in matches}) > 1:
            known = ", ".join(v.id for v in self.versions()[-5:][::-1]) or "none yet"
            raise NotFound(f"version={version!r} is not a version of this store "
                           f"(the newest: {known}; see /versions)")
        return matches[-1]

    def patch(self, version: Version) -> str:
        """The RDF Patch text of ``version``."""
        if self.folder is None:
            data = self._patches[version.seq]
        else:
            data = (self.folder / "patches" / f"{version.seq:06d}.rdfp.gz").read_bytes()
        return gzip.decompress(data).decode("utf-8")

    def state_lines(self, version: Version, graphs: set[str] | None = None) -> set[str]:
        """The N-Quads lines of the state ``version`` led to, replayed from the first version
        (only the quads of ``graphs`` when given)."""
        lines: set[str] = set()
        for each in self.versions():
            if each.seq > version.seq:
                break
            added, removed = parse_patch(self.patch(each))
            if graphs is not None:
                added = [line for line in added if _line_graph(line) in graphs]
                removed = [line for line in removed if _line_graph(line) in graphs]
            lines.difference_update(removed)
            lines.update(added)
        return lines

    # -- writing
    @contextmanager
    def _disk(self, consequence: str):
        """OSError (disk full, read-only folder) as a StoreError naming the log and what it means."""
        try:
            yield
        except OSError as exc:
            raise StoreError(f"{self.folder}: cannot write the change log of data versions "
                             f"({exc.strerror or exc}); {consequence}") from None

    def begin(self) -> None:
        """Mark a write in progress (before the store commits it). StoreError if the mark cannot be
        written (then the write must not happen)."""
        if self.folder is not None:
            with self._disk("nothing was written"):
                self.folder.mkdir(parents=True, exist_ok=True)
                head = self.head
                _write_synced(self.pending_file, json.dumps({"parent": head.id if head else None}).encode())

    def abandon(self) -> None:
        """The write did not happen: forget the mark (a mark that cannot be removed is dropped by
        the next read-write open, which finds the store unchanged)."""
        if self.folder is not None:
            try:
                self.pending_file.unlink(missing_ok=True)
            except OSError:
                pass

    def append(self, added: list[ox.Quad], removed: list[ox.Quad], *, author: Author | None = None,
               committed: bool = True) -> Version | None:
        """Record a committed change; None (and nothing recorded) when it changed nothing.
        StoreError if the log cannot be written (the next read-write open records the change)."""
        if not added and not removed:
            with self.lock:
                self.abandon()
            return None
        added_lines, removed_lines = [quad_line(q) for q in added], [quad_line(q) for q in removed]
        return self._record(
            lines_sum(added_lines) - lines_sum(removed_lines),
            dict(sorted(Counter(_graph_key(q) for q in added).items())),
            dict(sorted(Counter(_graph_key(q) for q in removed).items())),
            lambda version, parent: gzip.compress(patch_text(added_lines, removed_lines, version=version,
                                                             parent=parent).encode("utf-8"), compresslevel=1),
            author=author, committed=committed)

    def _record(self, change: int, added: dict[str, int], removed: dict[str, int], patch_of, *,
                author: Author | None, committed: bool) -> Version:
        consequence = ("the change was committed, and the next read-write open of the store records its "
                       "version" if committed else "nothing was written")
        with self.lock, self._disk(consequence):
            version, patch = self._prepare(change, added, removed, patch_of, author=author)
            return self._write(version, patch)

    def _prepare(self, change: int, added: dict[str, int], removed: dict[str, int], patch_of, *,
                 author: Author | None) -> tuple[Version, bytes]:
        """The next version after the head (``change``: the sum of the change) and its gzipped
        patch (``patch_of(version id, parent id)`` gives it). Hold ``lock`` until it is written."""
        author = author or current_author()
        head = self.head
        before = int(head.state, 16) if head else 0
        state = (before + change) % _MODULUS
        version = Version(
            seq=(head.seq + 1) if head else 1, id=version_id(state), parent=head.id if head else None,
            state=f"{state:064x}",
            time=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds"),
            who=author.who, message=author.message, added=added, removed=removed,
            quads=(head.quads if head else 0) + sum(added.values()) - sum(removed.values()))
        return version, patch_of(version.id, version.parent)

    def _write(self, version: Version, patch: bytes) -> Version:
        if self.folder is None:
            with self._state:
                self._patches[version.seq] = patch
                self._versions.append(version)
            return version
        (self.folder / "patches").mkdir(parents=True, exist_ok=True)
        _write_synced(self.folder / "patches" / f"{version.seq:06d}.rdfp.gz", patch)
        line = (json.dumps(asdict(version), ensure_ascii=False) + "\n").encode("utf-8")
        with self._state:
            self._cut_torn_tail()
            with open(self.log_file, "ab") as handle:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())
            self._refresh()
        self.pending_file.unlink(missing_ok=True)
        return version

    def _cut_torn_tail(self) -> None:
        if self.log_file.exists() and self.log_file.stat().st_size != self._read_size:
            with open(self.log_file, "r+b") as handle:
                handle.truncate(self._read_size)

    def reconcile(self, store: Store) -> Version | None:
        """Make the log agree with ``store`` after an interrupted write, or with a store that had
        data before it had a log (recorded as one first version). Returns the version recorded."""
        with self.lock:
            head = self.head
            interrupted = self.folder is not None and self.pending_file.exists()
            if head is None and not interrupted:
                if next(iter(store.quads()), None) is None:
                    return None
                return self.append(list(store.quads()), [], author=Author(
                    "innograph", "the store's content when versioning began"), committed=False)
            if not interrupted:
                return None
            state = store_state(store)
            if head is not None and state == int(head.state, 16) or head is None and state == 0:
                self.abandon()
                return None
            recorded = self.state_lines(head) if head is not None else set()
            current = {quad_line(q) for q in store.quads()}
            added = list(quads_of_lines(sorted(current - recorded)))
            removed = list(quads_of_lines(sorted(recorded - current)))
            return self.append(added, removed, author=Author(
                "innograph", "recovered: a write was interrupted after its commit, before its log line"),
                committed=False)


def _line_graph(line: str) -> str:
    """The graph key of an N-Quads line (without ' .')."""
    quad = next(iter(ox.parse((line + " .\n").encode("utf-8"), ox.RdfFormat.N_QUADS)))
    return _graph_key(quad)


# -- the log of a store, and the hook around every commit -------------------------------------------

_LOGS: "weakref.WeakKeyDictionary[Store, VersionLog | None]" = weakref.WeakKeyDictionary()
_LOGS_LOCK = threading.Lock()


def log_for(store: Store) -> VersionLog | None:
    """The version log of ``store`` (opened, and reconciled when writable, at first use); None for a
    remote store, which keeps no log."""
    with _LOGS_LOCK:
        if store in _LOGS:
            return _LOGS[store]
        if getattr(store, "is_remote", False):
            log = None
        else:
            path = getattr(store, "path", None)
            writable = not getattr(store, "read_only", False)
            log = VersionLog(Path(path) / LOG_FOLDER if path is not None else None, writable=writable)
            if writable:
                log.reconcile(store)
        _LOGS[store] = log
        return log


def current_version(store: Store) -> str | None:
    """The id of ``store``'s current version (None for a remote store or an empty new store)."""
    log = log_for(store)
    head = log.head if log is not None else None
    return head.id if head is not None else None


@contextmanager
def recording(store: Store, *, replace: Mapping | None = None, added: Iterable[ox.Quad] | None = None,
              removed: Iterable[ox.Quad] | None = None):
    """Record the write done inside the ``with`` block as a version.

    ``replace``: the graphs the write replaces (their content before and after is compared, so the
    change is exact whatever blank node labels the store gives). ``added``/``removed``: the change
    the caller computed; it is checked against the store after the commit, and if the store holds
    something else (an update with UUID() or BNODE(), blank nodes relabelled) the touched graphs are
    compared with their recorded state instead.
    """
    log = log_for(store)
    if log is None or not log.writable:
        yield
        return
    with log.lock:
        graphs = list(replace) if replace is not None else None
        before = {g: set(store.quads(g)) for g in graphs} if graphs is not None else None
        if graphs is None:   # only what the write really changes: a quad added twice counts once
            added = [q for q in dict.fromkeys(added or ()) if _stored(store, q) is None]
            # as the store holds them (canonical literals)
            removed = [s for s in dict.fromkeys(_stored(store, q) for q in removed or ()) if s is not None]
        log.begin()
        try:
            yield
        except BaseException:
            log.abandon()
            raise
        if graphs is not None:
            # Read back, never taken from ``replace``: the store keeps typed literals in canonical
            # form ("82.50"^^xsd:decimal is stored as "82.5") and may relabel blank nodes.
            after = {g: set(store.quads(g)) for g in graphs}
            plus = [q for g in graphs for q in after[g] - before[g]]
            minus = [q for g in graphs for q in before[g] - after[g]]
        else:
            stored = [_stored(store, q) for q in added]
            minus = removed
            plus = list(dict.fromkeys(q for q in stored if q is not None))
            if None in stored or any(_stored(store, q) is not None for q in minus):
                plus, minus = _diff_touched(log, store, list(added) + list(removed))
        log.append(plus, minus)


def record_first_load(store: Store, lines: list[bytes], graphs: Mapping[str, int], commit) -> None:
    """Run ``commit()``, a load into an empty store of exactly the quads whose N-Quads lines are
    ``lines`` (``nquads_lines`` of a dump by pyoxigraph, blank node labels as the store will keep
    them), and record it as a version; ``graphs`` counts the quads per graph key. The caller
    guarantees all that. The version is the one ``recording`` would record, computed from the
    lines before the commit, never by reading the store back (which took 12 s at 1M quads, and
    their patch 8 s more). ``lines`` is emptied once used (the commit's peak of memory comes
    after). Raises what ``commit`` raises (nothing is recorded) or StoreError when the log
    cannot be written."""
    log = log_for(store)
    if log is None or not log.writable:
        lines.clear()
        commit()
        return
    with log.lock:
        prepared = log._prepare(encoded_lines_sum(lines), dict(sorted(graphs.items())), {},
                                lambda version, parent: _gzipped_patch(lines, version=version, parent=parent),
                                author=None) if lines else None
        lines.clear()
        log.begin()
        try:
            commit()
        except BaseException:
            log.abandon()
            raise
        if prepared is None:
            log.abandon()
            return
        with log._disk("the change was committed, and the next read-write open of the store records its "
                       "version"):
            log._write(*prepared)


def _stored(store: Store, quad: ox.Quad) -> ox.Quad | None:
    """The quad as the store holds it (a typed literal in canonical form), or None if absent."""
    return next(iter(store.quads_matching(quad.subject, quad.predicate, quad.object, quad.graph_name)), None)


def _diff_touched(log: VersionLog, store: Store, quads: list[ox.Quad]) -> tuple[list, list]:
    graphs = {_graph_key(q) for q in quads}
    head = log.head
    recorded = log.state_lines(head, graphs) if head is not None else set()
    current = {quad_line(q) for key in graphs
               for q in store.quads(ox.DefaultGraph() if key == DEFAULT_GRAPH_KEY else ox.NamedNode(key))}
    return (list(quads_of_lines(sorted(current - recorded))),
            list(quads_of_lines(sorted(recorded - current))))


def forget(store: Store) -> None:
    """Drop the cached log of ``store`` (tests reopen stores)."""
    with _LOGS_LOCK:
        _LOGS.pop(store, None)


__all__ = ["Author", "LOG_FOLDER", "Version", "VersionLog", "content_sum", "current_author",
           "current_version", "encoded_lines_sum", "forget", "log_for", "nquads_lines", "parse_patch",
           "patch_text", "quad_line", "quads_of_lines", "record_first_load", "recording", "reset_author", "set_author", "store_state", "version_id"]
