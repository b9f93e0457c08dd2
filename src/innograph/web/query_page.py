"""The query page (HTML) at ``/query``, ``/`` and ``/sparql`` for browsers.

Works without JavaScript and without internet access: the editor is a form that submits with GET, so
the query is always in the URL and can be shared; the server runs it (through the same worker pool
and limits as ``/sparql``) and renders the results as a table. A little local JavaScript adds
Ctrl+Enter and opens a named query when it is picked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, render_template

from ..errors import InnographError
from ..rdf.formats import RDF_FORMATS, RESULT_FORMATS
from ..namespaces import display_iri, sparql_prologue
from .catalogue import current_catalogue
from .responses import services, single, url_params

blueprint = Blueprint("query_page", __name__)

PAGE_ROWS = 1000
EXAMPLE = """SELECT ?city ?label WHERE {
  ?city a schema:City ;
        rdfs:label ?label .
  FILTER (lang(?label) = "en")
}
ORDER BY ?label
LIMIT 100
"""


@dataclass
class Cell:
    text: str
    href: str | None = None     # entity link (DESCRIBE on this page)
    title: str | None = None    # the full IRI or datatype
    kind: str = "literal"


@dataclass
class Results:
    kind: str                              # select | ask | graph
    columns: list[str] = field(default_factory=list)
    rows: list[list[Cell | None]] = field(default_factory=list)
    boolean: bool | None = None
    truncated: bool = False
    downloads: list[tuple[str, str]] = field(default_factory=list)   # (format name, URL)


def _describe_link(iri: str) -> str:
    return "/query?" + urlencode({"query": f"DESCRIBE <{iri}>"})


def _cell_from_json(term: dict | None) -> Cell | None:
    if term is None:
        return None
    if term["type"] == "uri":
        return Cell(display_iri(term["value"]), _describe_link(term["value"]), term["value"], "iri")
    if term["type"] == "bnode":
        return Cell("_:" + term["value"], kind="bnode")
    title = term.get("datatype") or (f"@{term['xml:lang']}" if "xml:lang" in term else None)
    text = term["value"] + (f" @{term['xml:lang']}" if "xml:lang" in term else "")
    return Cell(text, title=title, kind="literal")


def _cell_from_term(term) -> Cell:
    if isinstance(term, ox.NamedNode):
        return Cell(display_iri(term.value), _describe_link(term.value), term.value, "iri")
    if isinstance(term, ox.BlankNode):
        return Cell("_:" + term.value, kind="bnode")
    if isinstance(term, ox.Literal):
        lang = f" @{term.language}" if term.language else ""
        return Cell(term.value + lang, title=term.datatype.value, kind="literal")
    return Cell(str(term))


def _results(sparql: str, substitutions, download_base: str, download_params: dict) -> Results:
    svc = services()
    outcome = svc.kg.queries.run(sparql, lambda kind: "nt" if kind == "graph" else "json",
                                 substitutions=substitutions, max_rows=min(svc.settings.max_rows, PAGE_ROWS))
    results = Results(outcome.kind, truncated=outcome.truncated)
    if outcome.kind == "graph":
        results.columns = ["subject", "predicate", "object"]
        fmt = next(f for f in RDF_FORMATS if f.name == outcome.format)
        results.rows = [[_cell_from_term(t.subject), _cell_from_term(t.predicate), _cell_from_term(t.object)]
                        for t in ox.parse(outcome.body, fmt.ox_rdf)]
        names = [f.name for f in RDF_FORMATS]
    else:
        data = json.loads(outcome.body)
        if outcome.kind == "ask":
            results.boolean = bool(data["boolean"])
        else:
            results.columns = data["head"]["vars"]
            results.rows = [[_cell_from_json(b.get(v)) for v in results.columns]
                            for b in data["results"]["bindings"]]
        names = [f.name for f in RESULT_FORMATS]
    results.downloads = [(name, download_base + "?" + urlencode({**download_params, "format": name}))
                         for name in names]
    return results


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


def render_page() -> Response:
    """The page for the current request: editor, picker, and the results of ``query`` or ``name``."""
    params = url_params()
    catalogue = current_catalogue()
    query = single(params, "query")
    name = single(params, "name")
    named = None
    values: dict[str, str] = {}
    error, status, results = None, 200, None
    try:
        if name:
            named = catalogue.get(name)
            if query is not None and _normalise(query) != _normalise(named.text):
                named = None            # the text was edited: it is an ad-hoc query now
            else:
                query = named.text
                values = {p.name: single(params, p.name) or "" for p in named.parameters}
        if named is not None:
            missing = [p.name for p in named.parameters if p.required and not values.get(p.name)]
            if not missing:
                given = {k: v for k, v in values.items() if v}
                results = _results(*named.prepare(given), f"/queries/{named.name}", given)
        elif query:
            results = _results(query, None, "/sparql", {"query": query})
    except InnographError as exc:
        error, status = exc.message, exc.http_status
    editor_text = query if query is not None else sparql_prologue() + "\n" + EXAMPLE
    html = render_template("query.html", query=editor_text, catalogue=catalogue, named=named,
                           values=values, results=results, error=error, status=status)
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Vary"] = "Accept"
    return response


@blueprint.route("/query", methods=["GET"])
def page() -> Response:
    return render_page()

