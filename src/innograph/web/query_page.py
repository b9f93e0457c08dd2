"""The query page (HTML) at ``/query``, ``/`` and ``/sparql`` for browsers.

Works without JavaScript and without internet access: the editor is a form that submits with GET, so
the query is always in the URL and can be shared; the server runs it (through the same worker pool
and limits as ``/sparql``) and renders the results as a table. With JavaScript, the bundle that
``make assets`` builds (frontend/query-page.js: YASGUI's editor and result viewer, served from this
server) takes over the form: completion from this graph (``/query/terms`` for the ontology's classes
and properties, ``/search`` for entities), result views, downloads in every format.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, url_for

from ..errors import InnographError
from ..rdf.formats import RDF_FORMATS, RESULT_FORMATS
from ..namespaces import ID_BASE, PREFIXES, display_iri, sparql_prologue
from .assets import asset_url
from .catalogue import current_catalogue
from .publishing import cached
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
    """One result cell as the page shows it: text, an optional link and a tooltip."""

    text: str
    href: str | None = None     # entity link (DESCRIBE on this page)
    title: str | None = None    # the full IRI or datatype
    kind: str = "literal"


@dataclass
class Results:
    """A query's results as the page shows them, with the download links."""

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
    config = workbench_config(catalogue, named, values)
    html = render_template("query.html", query=editor_text, catalogue=catalogue, named=named,
                           values=values, results=results, error=error, status=status,
                           workbench=_script_json(config))
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Vary"] = "Accept"
    return response


@blueprint.route("/query", methods=["GET"])
def page() -> Response:
    """``/query``: the query page (see ``render_page``)."""
    return render_page()



# -- the workbench (the JavaScript editor's configuration and vocabulary) ---------------------------

def _script_json(value) -> str:
    """JSON safe inside <script>: no '</' or '<!--' can end the element early."""
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/").replace("<!--", "<\\!--")


def workbench_config(catalogue, named, values: dict[str, str]) -> dict:
    """What the editor script needs: endpoints, the graph's prefixes, the download formats, the
    named queries as examples and the open one (its parameters and default result view)."""
    base = services().settings.base_iri
    local_bases = [[base + "id/", "/id/"], [ID_BASE, "/id/"]] if base else [[ID_BASE, "/id/"]]
    open_query = None
    if named is not None:
        open_query = dict(named.to_json(), ready=all(values.get(p.name) or not p.required
                                                      for p in named.parameters))
        open_query.pop("query", None)
    return {
        "pageUrl": url_for("query_page.page"), "sparqlUrl": "/sparql", "queriesUrl": "/queries",
        "searchUrl": "/search", "termsUrl": url_for("query_page.terms"),
        "visNetworkUrl": asset_url("build/vis-network.min.js"), "idBase": ID_BASE,
        "localBases": local_bases, "prefixes": PREFIXES,
        "resultFormats": [{"name": f.name, "mediaType": f.media_type} for f in RESULT_FORMATS],
        "graphFormats": [{"name": f.name, "mediaType": f.media_type} for f in RDF_FORMATS],
        "examples": [{k: v for k, v in q.to_json().items() if k != "query"} for q in catalogue.queries.values()],
        "named": open_query,
    }


_TERMS_QUERY = """
SELECT ?term ?kind (SAMPLE(?text) AS ?label) WHERE {
  VALUES (?type ?kind) {
    (<http://www.w3.org/2002/07/owl#Class> "class") (<http://www.w3.org/2000/01/rdf-schema#Class> "class")
    (<http://www.w3.org/2002/07/owl#ObjectProperty> "property")
    (<http://www.w3.org/2002/07/owl#DatatypeProperty> "property")
    (<http://www.w3.org/2002/07/owl#AnnotationProperty> "property")
    (<http://www.w3.org/1999/02/22-rdf-syntax-ns#Property> "property")
  }
  ?term a ?type .
  FILTER(isIRI(?term))
  OPTIONAL { ?term <http://www.w3.org/2000/01/rdf-schema#label> ?text
             FILTER(LANG(?text) = "en" || LANG(?text) = "") }
}
GROUP BY ?term ?kind
"""


# The class and property partitions of the VoID description, counted by the store (a Python pass
# over every quad, as /void's figures do, would take seconds at a million triples).
_CLASS_PARTITIONS = "SELECT ?term (COUNT(DISTINCT ?s) AS ?count) WHERE { ?s a ?term FILTER(isIRI(?term)) } GROUP BY ?term"
_PROPERTY_PARTITIONS = "SELECT ?term (COUNT(*) AS ?count) WHERE { ?s ?term ?o } GROUP BY ?term"


def vocabulary() -> dict:
    """The classes and properties to complete: those the ontology declares (with their English
    labels) and those the data uses, as VoID's class and property partitions count them (the
    counts rank the suggestions)."""
    store = services().store
    found: dict[str, dict[str, dict]] = {"class": {}, "property": {}}
    for row in store.query(_TERMS_QUERY):
        iri, kind = row["term"].value, row["kind"].value
        found[kind][iri] = {"iri": iri, "label": row["label"].value if row["label"] else "", "count": 0}
    for kind, query in (("class", _CLASS_PARTITIONS), ("property", _PROPERTY_PARTITIONS)):
        for row in store.query(query):
            iri = row["term"].value
            found[kind].setdefault(iri, {"iri": iri, "label": "", "count": 0})["count"] = int(row["count"].value)
    return {"classes": sorted(found["class"].values(), key=lambda t: t["iri"]),
            "properties": sorted(found["property"].values(), key=lambda t: t["iri"])}


@blueprint.route("/query/terms", methods=["GET"])
def terms() -> Response:
    """The ontology's classes and properties as JSON, for the editor's completion."""
    body, _ = cached("query-terms", lambda: json.dumps(vocabulary(), ensure_ascii=False).encode())
    response = Response(body, mimetype="application/json")
    response.headers["Cache-Control"] = "no-cache"
    return response
