"""The entity search index: SQLite (standard library) with an FTS5 table over our own tokens.

One row per (entity, label): the label's text, language, kind (primary, alternative, hidden), its
normalised form (``text.normalise``: folded, Hangul as jamo) and the entity's degree (how many
links, other than ``rdf:type``, it has in either direction). The normalised form has a B-tree
index, so exact and starts-with matches are range lookups; FTS5 finds the rest (a word inside a
label, a two-syllable piece of a Korean compound, a derived acronym) from the tokens of
``text.index_tokens``. See docs/search.md for the choice of library and the measurements.

The index is built by SPARQL queries against the store (so a remote store is indexed the same way
as an embedded one) and follows every write through :func:`following_change`: a change first marks
the index *pending* (committed to disk), the store commits, then the touched entities are read
again from the store and the mark is cleared in the same SQLite transaction. A process killed in
between leaves the mark, and the next open rebuilds the index. The index also records the store's
quad count when it was last brought up to date; a different count at open (a write made by a
program that does not keep the index) rebuilds it too.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import threading
import weakref
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Iterator, Mapping

import pyoxigraph as ox

from ..errors import UsageError
from ..namespaces import ONTOLOGY, PREFIXES
from .text import fold, index_tokens, jamo, match_expression, normalise

FORMAT_VERSION = "1"
INDEX_FILENAME = "innograph-search.sqlite3"

RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "https://schema.org/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

PRIMARY, ALTERNATIVE, HIDDEN = 0, 1, 2
# The properties whose literals name an entity, and how: a primary label is shown, an alternative
# one found (and shown when no primary label exists), a hidden one only found.
LABEL_PROPERTIES: dict[str, int] = {
    RDFS + "label": PRIMARY,
    SKOS + "prefLabel": PRIMARY,
    SCHEMA + "name": PRIMARY,
    "http://xmlns.com/foaf/0.1/name": PRIMARY,
    "http://purl.org/dc/terms/title": PRIMARY,
    SKOS + "altLabel": ALTERNATIVE,
    SCHEMA + "alternateName": ALTERNATIVE,
    "http://xmlns.com/foaf/0.1/nick": ALTERNATIVE,
    SKOS + "hiddenLabel": HIDDEN,
}
# Types not worth showing as "the" type of an entity when it has a more telling one.
_GENERIC_TYPES = ("http://www.w3.org/2002/07/owl#", RDFS, "http://www.w3.org/ns/prov#Entity")

# Match classes, best first: the label as typed (case aside), the label with accents folded, a
# label starting with the query, the query's words (or a Korean piece) inside a label.
AS_TYPED, EXACT, PREFIX, WORDS = 4, 3, 2, 1
MATCH_NAMES = {AS_TYPED: "exact", EXACT: "exact", PREFIX: "prefix", WORDS: "substring"}

BATCH = 400           # entities named in one VALUES block of a reindex query
MAX_QUERY_CHARS = 200  # longest search text: names are short, and work grows with the words
SCAN_LIMIT = 2000     # most prefix or word matches read per query before ranking by degree
_HIGHEST = "\U0010ffff"

_SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS label (
    id INTEGER PRIMARY KEY, iri TEXT NOT NULL, text TEXT NOT NULL, lang TEXT NOT NULL,
    kind INTEGER NOT NULL, norm TEXT NOT NULL, degree INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS entity_type (iri TEXT NOT NULL, type TEXT NOT NULL, PRIMARY KEY (iri, type));
CREATE VIRTUAL TABLE IF NOT EXISTS label_tokens USING fts5(tokens, tokenize='unicode61 remove_diacritics 0');
"""

# (norm, degree): a starts-with range is ranked by degree from the index alone, no table reads.
_SECONDARY_INDEXES = ("label_norm_degree ON label (norm, degree)", "label_iri ON label (iri)",
                      "entity_type_type ON entity_type (type, iri)")


@dataclass
class SearchHit:
    """One entity found. ``label``/``lang``: its name in the asked language (with fallback);
    ``matched``: the label the query matched; ``match``: exact, prefix or substring."""

    iri: str
    label: str
    lang: str
    type: str | None
    typeLabel: str | None   # noqa: N815 - the JSON contract's name
    score: float
    matched: str
    match: str

    def as_json(self) -> dict:
        """The hit as the JSON object ``GET /search`` answers with (every field by name)."""
        return asdict(self)


class _TooMany(Exception):
    pass


def _values(terms: Iterable[str]) -> str:
    return " ".join(f"<{iri}>" for iri in terms)


def _label_values() -> str:
    return _values(LABEL_PROPERTIES)


def resolve_type(name: str) -> list[str]:
    """The class IRIs a ``type`` parameter names: an IRI, a prefixed name (``schema:City``), or a
    bare name (``City``), which means that name in any of the known namespaces (ig:, schema:, ...).
    Raises UsageError for an unknown prefix."""
    name = name.strip().strip("<>")
    if name.startswith(("http://", "https://", "urn:")):
        return [name]
    prefix, colon, local = name.partition(":")
    if colon:
        if prefix not in PREFIXES:
            raise UsageError(f"type={name!r}: unknown prefix {prefix!r} (known: {', '.join(PREFIXES)})")
        return [PREFIXES[prefix] + local]
    return [ONTOLOGY + name] + [namespace + name for namespace in PREFIXES.values() if namespace != ONTOLOGY]


class SearchIndex:
    """An index in one SQLite database (a file, or ``:memory:``). Thread-safe (one lock)."""

    def __init__(self, location: str | Path | None = None, *, read_only: bool = False):
        self.location = str(location) if location is not None else ":memory:"
        self.read_only = read_only
        self._lock = threading.RLock()
        if read_only:
            uri = Path(self.location).resolve().as_uri() + "?mode=ro"
            self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        else:
            self._db = sqlite3.connect(self.location, check_same_thread=False, isolation_level=None)
            if self.location != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
            # A pending mark must be on disk before the store commits (see following_change).
            self._db.execute("PRAGMA synchronous=FULL")
            # Room for a rebuild's pages: with SQLite's default 2 MB, inserting 120k types into
            # their two B-trees took 10 s at 1M triples (cache thrashing), against 1 s sorted.
            self._db.execute("PRAGMA cache_size=-65536")
            self._db.executescript(_SCHEMA_SQL + "".join(
                f"CREATE INDEX IF NOT EXISTS {index};\n" for index in _SECONDARY_INDEXES))

    # -- state ---------------------------------------------------------------------------------
    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _set_meta(self, **values: str) -> None:
        self._db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                             [(k, str(v)) for k, v in values.items()])

    @property
    def state(self) -> str:
        """'clean', 'pending' (a change was interrupted) or 'empty' (never built)."""
        with self._lock:
            return self._meta("state") or "empty"

    def is_current(self, store) -> bool:
        """True when the index reflects ``store``: built, no interrupted change, same quad count."""
        with self._lock:
            return (self._meta("state") == "clean" and self._meta("version") == FORMAT_VERSION
                    and self._meta("quads") == str(store.count()))

    def ensure_current(self, store) -> bool:
        """Rebuild from ``store`` unless the index reflects it; True when it rebuilt."""
        if self.is_current(store):
            return False
        self.rebuild(store)
        return True

    def mark_pending(self) -> None:
        """Record, durably, that the store is about to change (cleared by ``reindex``/``rebuild``)."""
        with self._lock:
            self._set_meta(state="pending")

    # -- building ------------------------------------------------------------------------------
    def rebuild(self, store) -> None:
        """Read every label, type and degree from ``store`` and replace the whole index, in one
        SQLite transaction (a crash midway leaves the previous index and its mark)."""
        labels = _query_labels(store, None)
        entities = {iri for iri, *_ in labels}
        all_types = _query_types(store, None)
        degrees = _query_degrees(store, None, Counter(t for _, t in all_types))
        types = [(iri, t) for iri, t in all_types if iri in entities]
        count = store.count()
        with self._lock, self._transaction():
            # Emptied and refilled with the B-tree indexes dropped: building them once at the end
            # is faster than keeping them sorted row by row.
            for index in _SECONDARY_INDEXES:
                self._db.execute(f"DROP INDEX IF EXISTS {index.split()[0]}")
            for table in ("label", "entity_type", "label_tokens"):
                self._db.execute(f"DELETE FROM {table}")
            self._insert(labels, sorted(types), degrees)
            for index in _SECONDARY_INDEXES:
                self._db.execute(f"CREATE INDEX {index}")
            self._set_meta(state="clean", version=FORMAT_VERSION, quads=str(count))
        if self.location != ":memory:":
            # Move the rebuilt pages from the write-ahead log into the file now, not in the middle
            # of the next write.
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def recorded_quads(self) -> int | None:
        """The store's quad count when the index was last brought up to date."""
        with self._lock:
            value = self._meta("quads")
        return int(value) if value and value.isdigit() else None

    def reindex(self, store, entities: set[str] | None, *, quads: int | None = None) -> None:
        """Read ``entities`` again from ``store`` (None: everything) and clear the pending mark.
        ``quads``: the store's quad count now, when the caller knows it (counting a large store
        takes a while); otherwise it is counted."""
        if entities is None:
            self.rebuild(store)
            return
        entities = sorted(entities)
        labels: list = []
        types: list = []
        degrees: dict[str, int] = {}
        for start in range(0, len(entities), BATCH):
            batch = entities[start:start + BATCH]
            labels += _query_labels(store, batch)
            types += _query_types(store, batch)
            degrees.update(_query_degrees(store, batch, _class_links(store, batch)))
        labelled = {iri for iri, *_ in labels}
        count = store.count() if quads is None else quads
        with self._lock, self._transaction():
            for start in range(0, len(entities), BATCH):
                batch = entities[start:start + BATCH]
                marks = ",".join("?" * len(batch))
                self._db.execute(f"DELETE FROM label_tokens WHERE rowid IN "
                                 f"(SELECT id FROM label WHERE iri IN ({marks}))", batch)
                self._db.execute(f"DELETE FROM label WHERE iri IN ({marks})", batch)
                self._db.execute(f"DELETE FROM entity_type WHERE iri IN ({marks})", batch)
            self._insert(labels, [(i, t) for i, t in types if i in labelled], degrees)
            self._set_meta(state="clean", version=FORMAT_VERSION, quads=str(count))

    def _insert(self, labels, types, degrees) -> None:
        rows = []
        tokens = []
        next_id = (self._db.execute("SELECT COALESCE(MAX(id), 0) FROM label").fetchone()[0]) + 1
        # Row ids follow the degree, most connected first: FTS5 returns matches in row id order,
        # so the first few thousand matches of a very common word are the best connected ones.
        ordered = sorted(labels, key=lambda label: (-degrees.get(label[0], 0), label))
        for offset, (iri, text, lang, kind) in enumerate(ordered):
            folded = fold(text)
            rows.append((next_id + offset, iri, text, lang, kind, jamo(folded), degrees.get(iri, 0)))
            tokens.append((next_id + offset, index_tokens(text, folded)))
        self._db.executemany("INSERT INTO label VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        self._db.executemany("INSERT INTO label_tokens (rowid, tokens) VALUES (?, ?)", tokens)
        self._db.executemany("INSERT OR IGNORE INTO entity_type VALUES (?, ?)", types)

    @contextlib.contextmanager
    def _transaction(self):
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- searching -----------------------------------------------------------------------------
    def search(self, query: str, *, type: str | None = None, limit: int = 10,
               lang: str | None = None) -> list[SearchHit]:
        """The entities best matching ``query``, best first (see docs/search.md for the ranking).

        ``type`` keeps entities of that class (IRI, ``ig:City`` or ``City``); ``lang`` picks the
        language of the label shown (fallback: English, then any).
        """
        if len(query) > MAX_QUERY_CHARS:
            raise UsageError(f"q: the search text is {len(query)} characters long; the limit is "
                             f"{MAX_QUERY_CHARS} (a name, not a document)")
        needle = normalise(query)
        if not needle or limit <= 0:
            return []
        extra = tuple(resolve_type(type)) if type else ()
        typed = (f" AND iri IN (SELECT iri FROM entity_type WHERE type IN ({','.join('?' * len(extra))}))"
                 if extra else "")
        cap = max(4 * limit, 40)
        columns = "id, iri, text, lang, kind, norm, degree"
        with self._lock:
            rows = self._db.execute(f"SELECT {columns} FROM label WHERE norm = ?{typed} LIMIT 1000",
                                    (needle, *extra)).fetchall()
            # A query of a letter or two starts thousands of labels: the best connected among the
            # first SCAN_LIMIT are taken (exact for any query that narrows the labels down).
            rows += self._db.execute(
                f"SELECT {columns} FROM label WHERE id IN (SELECT id FROM (SELECT id, degree FROM label "
                f"WHERE norm > ? AND norm < ?{typed} LIMIT {SCAN_LIMIT}) ORDER BY degree DESC LIMIT ?)",
                (needle, needle + _HIGHEST, *extra, cap)).fetchall()
            expression = match_expression(query)
            # One or two Latin letters: labels starting with them are what the user wants; the
            # words inside every label that start with them are thousands of rows of noise.
            if expression is not None and not (needle.isascii() and len(needle) < 3):
                rows += self._db.execute(
                    f"SELECT * FROM (SELECT {columns} FROM label JOIN "
                    f"(SELECT rowid AS hit FROM label_tokens WHERE label_tokens MATCH ?) ON id = hit"
                    f"{typed.replace(' AND', ' WHERE', 1)} LIMIT {SCAN_LIMIT}) ORDER BY degree DESC LIMIT ?",
                    (expression, *extra, cap)).fetchall()
            best: dict[str, tuple] = {}
            typed_text = " ".join(query.split()).casefold()
            for _, iri, text, label_lang, kind, norm, degree in rows:
                if norm == needle:
                    match = AS_TYPED if " ".join(text.split()).casefold() == typed_text else EXACT
                elif norm.startswith(needle):
                    match = PREFIX
                else:
                    match = WORDS
                key = (match, degree, kind != HIDDEN, -kind, -len(text))
                if iri not in best or key > best[iri][0]:
                    best[iri] = (key, text, label_lang)
            # Best key first; equal keys in IRI order (sorted is stable), so answers are repeatable.
            ranked = sorted(sorted(best.items()), key=lambda item: item[1][0], reverse=True)[:limit]
            return [self._hit(iri, key, text, label_lang, lang) for iri, (key, text, label_lang) in ranked]

    def _hit(self, iri: str, key: tuple, matched: str, matched_lang: str, lang: str | None) -> SearchHit:
        match, degree = key[0], key[1]
        label, label_lang = self.label_of(iri, lang or matched_lang) or (matched, matched_lang)
        type_iri = self._type_of(iri)
        type_label = None
        if type_iri is not None:
            found = self.label_of(type_iri, lang or matched_lang)
            type_label = found[0] if found else type_iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        return SearchHit(iri=iri, label=label, lang=label_lang, type=type_iri, typeLabel=type_label,
                         score=round(match + degree / (degree + 10.0), 4), matched=matched,
                         match=MATCH_NAMES[match])

    def label_of(self, iri: str, lang: str | None = None) -> tuple[str, str] | None:
        """(label, language) of ``iri`` to show: in ``lang`` if it has one, else English, else
        without a language, else any; primary labels before alternative ones."""
        with self._lock:
            rows = self._db.execute("SELECT text, lang, kind FROM label WHERE iri = ? AND kind < ?",
                                    (iri, HIDDEN)).fetchall()
        if not rows:
            return None
        wanted = (lang or "en").lower()

        def preference(row):
            text, row_lang, kind = row
            row_lang = row_lang.lower()
            language = 0 if row_lang == wanted else 1 if row_lang.split("-")[0] == wanted.split("-")[0] \
                else 2 if row_lang == "en" else 3 if row_lang == "" else 4
            return (language, kind, len(text), text)

        text, row_lang, _ = min(rows, key=preference)
        return text, row_lang

    def _type_of(self, iri: str) -> str | None:
        types = [row[0] for row in self._db.execute(
            "SELECT type FROM entity_type WHERE iri = ? ORDER BY type", (iri,))]
        if not types:
            return None
        return min(types, key=lambda t: (not t.startswith(ONTOLOGY), t.startswith(_GENERIC_TYPES), t))

    def entity_count(self) -> int:
        """How many entities have at least one label in the index."""
        with self._lock:
            return self._db.execute("SELECT COUNT(DISTINCT iri) FROM label").fetchone()[0]

    def close(self) -> None:
        """Close the index's SQLite connection (the index file stays)."""
        with self._lock:
            self._db.close()


# -- reading the store (SPARQL, so a remote store is read the same way) ------------------------------

def _rows(store, sparql: str) -> Iterator:
    return iter(store.query(sparql))


def _query_labels(store, entities: list[str] | None) -> list[tuple[str, str, str, int]]:
    values = f"VALUES ?e {{ {_values(entities)} }}" if entities is not None else ""
    strongest: dict = {}
    # Filters are applied here, not in SPARQL: a FILTER doubled the engine's time at 1M triples.
    for row in _rows(store, f"SELECT ?e ?p ?l WHERE {{ {values} VALUES ?p {{ {_label_values()} }} ?e ?p ?l }}"):
        entity, prop, literal = row[0], row[1], row[2]
        if not isinstance(entity, ox.NamedNode) or not isinstance(literal, ox.Literal):
            continue
        text = literal.value
        if not text.strip():
            continue
        # The same text under two properties (a label that is also the prefLabel): keep the stronger.
        key = (entity.value, text, literal.language or "")
        kind = LABEL_PROPERTIES[prop.value]
        if kind < strongest.get(key, HIDDEN + 1):
            strongest[key] = kind
    return [(iri, text, lang, kind) for (iri, text, lang), kind in strongest.items()]


def _query_types(store, entities: list[str] | None) -> list[tuple[str, str]]:
    values = f"VALUES ?e {{ {_values(entities)} }}" if entities is not None else ""
    found = set()
    # Read as TSV text (an IRI is "<...>"), as fast again as a Python object per term.
    for line in _tsv_lines(store, f"SELECT ?e ?t WHERE {{ {values} ?e a ?t }}"):
        entity, _, class_iri = line.partition("\t")
        if entity.startswith("<") and class_iri.startswith("<"):
            found.add((entity[1:-1], class_iri[1:-1]))
    return list(found)


def _tsv_lines(store, sparql: str) -> list[str]:
    """The rows of a SELECT as SPARQL TSV lines (header left out)."""
    body = store.query(sparql).serialize(format=ox.QueryResultsFormat.TSV).decode("utf-8")
    return body.split("\n")[1:]


def _query_degrees(store, entities: list[str] | None, type_links: Mapping[str, int]) -> dict[str, int]:
    """How many statements point at each entity, ``rdf:type`` aside (so a class is not the most
    connected thing there is). ``type_links``: how many ``rdf:type`` statements point at each
    class, subtracted here rather than filtered in SPARQL (a FILTER made this query 3x slower)."""
    values = f"VALUES ?e {{ {_values(entities)} }}" if entities is not None else ""
    degrees: dict[str, int] = {}
    # Most groups are literals (140k of 150k at 1M triples): read as TSV text, where an IRI row
    # starts with "<", instead of making a Python object of every term.
    for line in _tsv_lines(store, f"SELECT ?e (COUNT(*) AS ?n) WHERE {{ {values} ?s ?p ?e }} GROUP BY ?e"):
        if line.startswith("<"):
            iri, _, count = line.rpartition("\t")
            degrees[iri[1:-1]] = int(count.split("^^")[0].strip('"'))
    for class_iri, links in type_links.items():
        if class_iri in degrees:
            degrees[class_iri] -= links
    return degrees


def _class_links(store, classes: list[str]) -> dict[str, int]:
    """How many ``rdf:type`` statements point at each of ``classes`` that is a class."""
    return {row[0].value: int(row[1].value) for row in _rows(
        store, f"SELECT ?t (COUNT(*) AS ?n) WHERE {{ VALUES ?t {{ {_values(classes)} }} ?e a ?t }} GROUP BY ?t")}


# -- which index belongs to which store -------------------------------------------------------------

_INDEXES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_INDEXES_LOCK = threading.Lock()


def default_cache_dir() -> Path:
    """Where indexes of remote stores live unless the search_cache_dir setting says otherwise."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "innograph" / "search"


def index_location(store, cache_dir: str | Path | None = None) -> Path | None:
    """The index file of ``store``: inside an on-disk store's directory; under ``cache_dir`` (named
    by a hash of the endpoint) for a remote store; None (SQLite in memory) for a memory store."""
    path = getattr(store, "path", None)
    if path is not None:
        return Path(path) / INDEX_FILENAME
    if getattr(store, "is_remote", False):
        key = hashlib.sha256(store.location.encode()).hexdigest()[:24]
        return Path(cache_dir or os.environ.get("INNOGRAPH_SEARCH_CACHE_DIR") or default_cache_dir()) \
            / f"{key}.sqlite3"
    return None


def index_for(store, *, cache_dir: str | Path | None = None, build: bool = True) -> SearchIndex | None:
    """The search index of ``store``, opened once per store object and brought up to date
    (rebuilt when it does not reflect the store). With ``build=False``, None when ``store`` has no
    index yet (nothing is created)."""
    with _INDEXES_LOCK:
        index = _INDEXES.get(store)
        if index is None:
            location = index_location(store, cache_dir)
            if not build and (location is None or not location.exists()):
                return None
            index = _open(location)
            _INDEXES[store] = index
            weakref.finalize(store, index.close)
    # Checked once per process and store: a missing, interrupted or out-of-date index is rebuilt.
    if not getattr(index, "_checked", False):
        with index._lock:
            if not getattr(index, "_checked", False):
                if not index.read_only:
                    index.ensure_current(store)
                index._checked = True
    return index


def _open(location: Path | None) -> SearchIndex:
    if location is None:
        return SearchIndex(None)
    try:
        location.parent.mkdir(parents=True, exist_ok=True)
        return SearchIndex(location)
    except (OSError, sqlite3.Error):
        # A store directory we may not write to (read-only mount): keep the index in memory.
        return SearchIndex(None)


def touched_entities(store, added: Iterable[ox.Quad] = (), removed: Iterable[ox.Quad] = (),
                     replaced: Iterable = (), *, limit: int) -> set[str] | None:
    """The IRIs whose labels, types or degree a change can alter: every IRI subject or object of
    an added or removed quad, and of the quads of graphs about to be replaced (read before the
    commit). None when there are more than ``limit`` (then the whole index is rebuilt)."""
    nodes: set[str] = set()

    def take(quads: Iterable[ox.Quad]) -> None:
        for quad in quads:
            for term in (quad.subject, quad.object):
                if isinstance(term, ox.NamedNode):
                    nodes.add(term.value)
            if len(nodes) > limit:
                raise _TooMany

    try:
        take(added)
        take(removed)
        for graph in replaced:
            take(store.quads(graph))
    except _TooMany:
        return None
    return nodes


__all__ = ["SearchHit", "SearchIndex", "index_for", "index_location", "resolve_type",
           "touched_entities", "LABEL_PROPERTIES", "INDEX_FILENAME"]
