"""RDF and SPARQL-results formats: names, media types, file extensions, content negotiation.

One table serves the CLI (``--format ttl``), file loading (by extension) and HTTP (by media type).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from ..errors import UnsupportedFormatError


@dataclass(frozen=True)
class Format:
    """One serialisation: its short name, media types and file extensions, and how it is written
    (pyoxigraph's RDF serialiser via ``ox_rdf``; SELECT results by the writer registered under the
    same name in ``results.py``)."""

    name: str                     # canonical short name: ttl, nt, nq, trig, jsonld, rdf, json, xml, csv, tsv
    media_type: str
    extensions: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    other_media_types: tuple[str, ...] = ()
    ox_rdf: ox.RdfFormat | None = None
    ox_results: ox.QueryResultsFormat | None = None
    quads: bool = False
    spec_iri: str = ""            # the W3C format IRI the service description names, if any

    @property
    def content_type(self) -> str:
        """The Content-Type header: the media type, with ``; charset=utf-8`` for a textual format."""
        text = self.media_type.startswith("text/") or self.name in {"json", "xml", "jsonld", "rdf"}
        return f"{self.media_type}; charset=utf-8" if text else self.media_type

    @property
    def all_media_types(self) -> tuple[str, ...]:
        """The media type, then the others it is also known by."""
        return (self.media_type,) + self.other_media_types

    @property
    def is_rdf(self) -> bool:
        """True for an RDF serialisation (it has ``ox_rdf``), False for a query-results format."""
        return self.ox_rdf is not None


# The registries: every face (CLI choices, HTTP negotiation, the service description, dumps, file
# loading) reads these lists, so a new format is one register_format call plus its writer.
RDF_FORMATS: list[Format] = []
RESULT_FORMATS: list[Format] = []
_W3C = "http://www.w3.org/ns/formats/"


def register_format(fmt: Format) -> Format:
    """Add ``fmt`` to the RDF registry (when it has ``ox_rdf``) or to the results registry (a SELECT
    results format also needs a writer: ``results.solutions_writer``)."""
    (RDF_FORMATS if fmt.is_rdf else RESULT_FORMATS).append(fmt)
    return fmt


for _fmt in (
    Format("ttl", "text/turtle", (".ttl",), ("turtle",), ("application/x-turtle",), ox.RdfFormat.TURTLE,
           spec_iri=_W3C + "Turtle"),
    Format("nt", "application/n-triples", (".nt",), ("ntriples", "n-triples"), ("text/plain",),
           ox.RdfFormat.N_TRIPLES, spec_iri=_W3C + "N-Triples"),
    Format("rdf", "application/rdf+xml", (".rdf", ".owl", ".xml"), ("xml", "rdfxml", "rdf-xml"), (),
           ox.RdfFormat.RDF_XML, spec_iri=_W3C + "RDF_XML"),
    Format("jsonld", "application/ld+json", (".jsonld",), ("json-ld",), (), ox.RdfFormat.JSON_LD,
           spec_iri=_W3C + "JSON-LD"),
    Format("nq", "application/n-quads", (".nq",), ("nquads", "n-quads"), ("text/x-nquads",),
           ox.RdfFormat.N_QUADS, quads=True, spec_iri=_W3C + "N-Quads"),
    Format("trig", "application/trig", (".trig",), (), ("application/x-trig",), ox.RdfFormat.TRIG,
           quads=True, spec_iri=_W3C + "TriG"),
    Format("json", "application/sparql-results+json", (".srj", ".json"), (), ("application/json",),
           ox_results=ox.QueryResultsFormat.JSON, spec_iri=_W3C + "SPARQL_Results_JSON"),
    Format("xml", "application/sparql-results+xml", (".srx",), (), ("application/xml", "text/xml"),
           ox_results=ox.QueryResultsFormat.XML, spec_iri=_W3C + "SPARQL_Results_XML"),
    Format("csv", "text/csv", (".csv",), (), (), ox_results=ox.QueryResultsFormat.CSV,
           spec_iri=_W3C + "SPARQL_Results_CSV"),
    Format("tsv", "text/tab-separated-values", (".tsv",), (), (), ox_results=ox.QueryResultsFormat.TSV,
           spec_iri=_W3C + "SPARQL_Results_TSV"),
):
    register_format(_fmt)


def format_names() -> str:
    """The registered format names for messages: results formats, then RDF formats."""
    return (f"{', '.join(f.name for f in RESULT_FORMATS)} (SELECT/ASK); "
            f"{', '.join(f.name for f in RDF_FORMATS)} (CONSTRUCT/DESCRIBE)")


def _lookup(table: list[Format], name: str) -> Format | None:
    key = name.strip().lower().lstrip(".")
    for fmt in table:
        if key == fmt.name or key in fmt.aliases or key in fmt.all_media_types \
                or "." + key in fmt.extensions:
            return fmt
    return None


def _named(table: list[Format], name: str, what: str) -> Format:
    fmt = _lookup(table, name)
    if fmt is None:
        raise UnsupportedFormatError(f"unknown {what} {name!r}; use one of: {', '.join(f.name for f in table)}")
    return fmt


def rdf_format(name: str) -> Format:
    """The RDF format called ``name`` (short name, alias, extension or media type).

    Raises UnsupportedFormatError listing the known names.
    """
    return _named(RDF_FORMATS, name, "RDF format")


def result_format(name: str) -> Format:
    """The results format called ``name`` (short name, alias, extension or media type).

    Raises UnsupportedFormatError listing the known names.
    """
    return _named(RESULT_FORMATS, name, "results format")


def rdf_format_for_path(path: Path) -> Format:
    """The RDF format of a file, by its extension (in any case).

    Raises UnsupportedFormatError naming the file and listing the known extensions.
    """
    suffix = path.suffix.lower()
    for fmt in RDF_FORMATS:
        if suffix in fmt.extensions:
            return fmt
    raise UnsupportedFormatError(
        f"{path}: cannot tell the RDF format from the extension {suffix or '(none)'!r}; "
        f"known: {', '.join(e for f in RDF_FORMATS for e in f.extensions)}")


def rdf_format_for_media_type(media_type: str) -> Format:
    """The RDF format of a Content-Type (its parameters ignored).

    Raises UnsupportedFormatError listing the media types that can be sent.
    """
    base = media_type.split(";", 1)[0].strip().lower()
    for fmt in RDF_FORMATS:
        if base in fmt.all_media_types:
            return fmt
    raise UnsupportedFormatError(
        f"unsupported RDF media type {base!r}; send one of: "
        f"{', '.join(f.media_type for f in RDF_FORMATS)}")


def without_media_type_parameters(accept: str) -> str:
    """``accept`` with every media-type parameter but ``q`` removed.

    Werkzeug matches ``text/turtle; charset=utf-8`` only against an offer with that very parameter;
    the formats here have none, so parameters must not decide the match (the weight ``q`` still does).
    """
    ranges = []
    for item in accept.split(","):
        media_type, *parameters = [part.strip() for part in item.split(";")]
        weights = [p for p in parameters if p.replace(" ", "").lower().startswith("q=")]
        ranges.append(";".join([media_type] + weights[:1]))
    return ", ".join(r for r in ranges if r)


def negotiate(accept: str | None, offered: tuple[Format, ...] | list[Format],
              default: Format | None = None) -> Format | None:
    """The offered format the Accept header prefers (q-values and wildcards honoured).

    No header, or one that is empty, gets ``default`` (or the first offered). None means nothing
    acceptable can be produced (HTTP 406).
    """
    if not accept or not accept.strip():
        return default or offered[0]
    accepted = parse_accept_header(without_media_type_parameters(accept), MIMEAccept)
    candidates: list[str] = []
    owner: dict[str, Format] = {}
    ordered = ([default] if default else []) + [f for f in offered if f is not default]
    # Primary media types first, so a wildcard such as text/* picks text/csv before an alias (text/xml).
    for media_type, fmt in [(f.media_type, f) for f in ordered] + \
            [(m, f) for f in ordered for m in f.other_media_types]:
        candidates.append(media_type)
        owner.setdefault(media_type, fmt)
    best = accepted.best_match(candidates)
    return owner.get(best) if best else None
