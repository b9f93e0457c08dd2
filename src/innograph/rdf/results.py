"""Serialising query results in every format, with the row cap applied.

SELECT results are written here rather than by pyoxigraph's serialiser because the cap must cut the
stream after ``max_rows`` solutions and say so; graphs (CONSTRUCT/DESCRIBE) go through pyoxigraph's
serialisers after the same cut. The SPARQL 1.1 Query Results JSON, XML, CSV and TSV specs are
followed to the letter (CSV: CRLF, plain values; TSV: terms in SPARQL syntax).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from itertools import islice
from typing import Callable
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from .formats import Format, rdf_format, result_format

_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = _XSD + "string"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@dataclass
class Rendered:
    """A serialised result: the bytes, their format, whether the row cap cut it, and how much it holds."""

    body: bytes
    format: Format
    truncated: bool = False
    count: int | None = None      # rows or triples written (None for ASK)

    @property
    def content_type(self) -> str:
        """The Content-Type header of ``body``."""
        return self.format.content_type


def kind_of(result) -> str:
    """'select', 'ask' or 'graph'."""
    if isinstance(result, ox.QuerySolutions):
        return "select"
    if isinstance(result, ox.QueryBoolean):
        return "ask"
    return "graph"


# -- SELECT --------------------------------------------------------------------------------------

def _json_term(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != _XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": _json_term(term.subject),
                                            "predicate": _json_term(term.predicate),
                                            "object": _json_term(term.object)}}
    raise TypeError(term)


def _xml_term(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != _XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    if isinstance(term, ox.Triple):
        return (f"<triple><subject>{_xml_term(term.subject)}</subject><predicate>"
                f"{_xml_term(term.predicate)}</predicate><object>{_xml_term(term.object)}</object></triple>")
    raise TypeError(term)


def _csv_field(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        text = "_:" + term.value
    elif isinstance(term, (ox.NamedNode, ox.Literal)):
        text = term.value
    else:
        text = str(term)
    if any(c in text for c in ',"\r\n'):
        text = '"' + text.replace('"', '""') + '"'
    return text


def _tsv_field(term) -> str:
    return "" if term is None else str(term)


SolutionsWriter = Callable[[list[str], list[list]], bytes]
SOLUTION_WRITERS: dict[str, SolutionsWriter] = {}


def solutions_writer(name: str) -> Callable[[SolutionsWriter], SolutionsWriter]:
    """Register the writer of SELECT results for the results format ``name`` (see
    ``formats.register_format``): it gets the variable names and the rows of terms (None unbound)."""
    def register(writer: SolutionsWriter) -> SolutionsWriter:
        SOLUTION_WRITERS[name] = writer
        return writer
    return register


@solutions_writer("json")
def _write_json(variables: list[str], rows: list[list]) -> bytes:
    bindings = [{v: _json_term(t) for v, t in zip(variables, row) if t is not None} for row in rows]
    return json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}},
                      ensure_ascii=False, separators=(",", ":")).encode()


@solutions_writer("xml")
def _write_xml(variables: list[str], rows: list[list]) -> bytes:
    out = io.StringIO()
    out.write('<?xml version="1.0" encoding="utf-8"?>\n'
              '<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>')
    out.write("".join(f"<variable name={quoteattr(v)}/>" for v in variables))
    out.write("</head><results>")
    for row in rows:
        out.write("<result>")
        out.write("".join(f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                          for v, t in zip(variables, row) if t is not None))
        out.write("</result>")
    out.write("</results></sparql>\n")
    return out.getvalue().encode()


@solutions_writer("csv")
def _write_csv(variables: list[str], rows: list[list]) -> bytes:
    lines = [",".join(_csv_field(ox.Literal(v)) for v in variables)]
    lines += [",".join(_csv_field(t) for t in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode()


@solutions_writer("tsv")
def _write_tsv(variables: list[str], rows: list[list]) -> bytes:
    lines = ["\t".join("?" + v for v in variables)]
    lines += ["\t".join(_tsv_field(t) for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def render_solutions(solutions: ox.QuerySolutions, fmt: Format, max_rows: int) -> Rendered:
    """SELECT results in ``fmt``, cut after ``max_rows`` rows (``truncated`` says so).

    Raises ValueError when ``fmt`` has no SELECT writer (an RDF format).
    """
    variables = [v.value for v in solutions.variables]
    rows = list(islice(solutions, max_rows + 1))
    truncated = len(rows) > max_rows
    rows = rows[:max_rows]
    values = [[row[i] for i in range(len(variables))] for row in rows]
    writer = SOLUTION_WRITERS.get(fmt.name)
    if writer is None:
        raise ValueError(f"{fmt.name} is not a SELECT results format")
    return Rendered(writer(variables, values), fmt, truncated, len(values))


def render_boolean(value: ox.QueryBoolean | bool, fmt: Format) -> Rendered:
    """An ASK result: the JSON or XML results document, in any other format ``true`` or ``false`` on
    one line (ended by CRLF in CSV)."""
    flag = bool(value)
    if fmt.name == "json":
        body = json.dumps({"head": {}, "boolean": flag}).encode()
    elif fmt.name == "xml":
        body = ('<?xml version="1.0" encoding="utf-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-'
                f'results#"><head/><boolean>{"true" if flag else "false"}</boolean></sparql>\n').encode()
    else:  # CSV/TSV have no boolean form in the spec; this is what Jena and Oxigraph write
        body = ("true" if flag else "false").encode() + (b"\r\n" if fmt.name == "csv" else b"\n")
    return Rendered(body, fmt, False, None)


def render_triples(triples, fmt: Format, max_rows: int, prefixes: dict[str, str] | None = None) -> Rendered:
    """A graph result in the RDF format ``fmt``, cut after ``max_rows`` triples (``truncated`` says so).

    A quad format puts every triple in the default graph; ``prefixes`` are declared in Turtle, TriG
    and RDF/XML. Raises ValueError when ``fmt`` is not an RDF format.
    """
    items = list(islice(triples, max_rows + 1))
    truncated = len(items) > max_rows
    items = items[:max_rows]
    kwargs = {}
    if prefixes and fmt.name in {"ttl", "trig", "rdf"}:
        kwargs["prefixes"] = prefixes
    if fmt.quads:  # a graph result written as quads: every triple in the default graph
        items = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in items]
    body = ox.serialize(items, None, fmt.ox_rdf, **kwargs)
    return Rendered(body, fmt, truncated, len(items))


def render(result, fmt: Format, max_rows: int, prefixes: dict[str, str] | None = None) -> Rendered:
    """Any query result (SELECT, ASK or graph) in ``fmt``, cut after ``max_rows`` rows or triples.

    Raises ValueError for a SELECT or graph result in a format that cannot hold it.
    """
    kind = kind_of(result)
    if kind == "select":
        return render_solutions(result, fmt, max_rows)
    if kind == "ask":
        return render_boolean(result, fmt)
    return render_triples(result, fmt, max_rows, prefixes)


def default_format(kind: str) -> Format:
    """The format a result of ``kind`` gets when none is asked for: Turtle for 'graph', else SPARQL JSON."""
    return rdf_format("ttl") if kind == "graph" else result_format("json")


def text_table(result, max_rows: int) -> tuple[str, bool]:
    """A plain-text table for the terminal (IRIs and literals shown by value)."""
    kind = kind_of(result)
    if kind == "ask":
        return ("true" if bool(result) else "false"), False
    if kind == "graph":
        rendered = render_triples(result, rdf_format("nt"), max_rows)
        return rendered.body.decode(), rendered.truncated
    variables = [v.value for v in result.variables]
    rows = list(islice(result, max_rows + 1))
    truncated = len(rows) > max_rows
    cells = [[("" if row[i] is None else (row[i].value if not isinstance(row[i], ox.Triple) else str(row[i])))
              for i in range(len(variables))] for row in rows[:max_rows]]
    widths = [max([len(v)] + [len(r[i]) for r in cells]) for i, v in enumerate(variables)]
    fmt_row = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    lines = [fmt_row(variables), fmt_row(["-" * w for w in widths])] + [fmt_row(r) for r in cells]
    lines.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(lines), truncated
