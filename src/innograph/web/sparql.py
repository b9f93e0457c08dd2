"""``/sparql``: the SPARQL 1.1 Protocol (query and update) and the Service Description.

Query: GET ``?query=``, POST form (``application/x-www-form-urlencoded``), POST direct
(``application/sparql-query``), each with ``default-graph-uri`` / ``named-graph-uri``.
Update: POST form (``update=``) or direct (``application/sparql-update``), with
``using-graph-uri`` / ``using-named-graph-uri``. GET without a query: the Service Description by
content negotiation, or the query page for a browser; GET with protocol parameters but no query is
a client error (400).

Relative IRIs in a query or update resolve against the service's base IRI, ``INNOGRAPH_BASE_IRI``
(setting ``base_iri``, default ``https://w3id.org/innograph/``), unless the text declares its own
``BASE``: the same IRI whichever address a client used to reach the server.
"""

from __future__ import annotations

from functools import lru_cache

import pyoxigraph as ox
from flask import Blueprint, Response, request, url_for

from ..errors import UnsupportedFormatError, UsageError
from ..service.execution import QueryRequest, QueryShape, add_using, inspect
from ..rdf.formats import RDF_FORMATS, RESULT_FORMATS
from ..namespaces import PREFIXES
from ..rdf.results import render_triples
from .responses import (body_text, choose_format, guard_write, parse_params, prefers_html, read_body,
                        services, single, url_params)

blueprint = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"
SD = "http://www.w3.org/ns/sparql-service-description#"
PROTOCOL_PARAMETERS = {"default-graph-uri", "named-graph-uri", "using-graph-uri", "using-named-graph-uri"}
FORMAT_IRIS = {
    "json": "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
    "xml": "http://www.w3.org/ns/formats/SPARQL_Results_XML",
    "csv": "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
    "tsv": "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
    "ttl": "http://www.w3.org/ns/formats/Turtle",
    "nt": "http://www.w3.org/ns/formats/N-Triples",
    "rdf": "http://www.w3.org/ns/formats/RDF_XML",
    "jsonld": "http://www.w3.org/ns/formats/JSON-LD",
    "nq": "http://www.w3.org/ns/formats/N-Quads",
    "trig": "http://www.w3.org/ns/formats/TriG",
}


@lru_cache(maxsize=512)
def _inspected(sparql: str, max_depth: int, service_allow: tuple, load_allow: tuple) -> QueryShape:
    """inspect() of a query, remembered (and shared: read it, never change it). The same named or
    client query comes again and again, and its lexical pass was 0.9 ms of the 5 ms a cheap query
    cost. A refusal raises and is not remembered."""
    return inspect(sparql, update=False, max_depth=max_depth, service_allow=service_allow,
                   load_allow=load_allow)


_REMEMBERED_TEXT = 16_384     # longer texts are inspected every time (the cache keeps its keys)


def run_query(sparql: str, *, format_override: str | list[str] | None = None, default_graphs=None,
              named_graphs=None, substitutions: dict[str, str] | None = None) -> Response:
    """Check, evaluate (in a worker, with the time limit) and serialise one query."""
    svc = services()
    settings = svc.settings
    check = _inspected if len(sparql) <= _REMEMBERED_TEXT else _inspected.__wrapped__
    shape = check(sparql, settings.max_query_depth, tuple(settings.service_allow), tuple(settings.load_allow))
    fmt = choose_format(shape.kind, format_override)

    def evaluate(format_name: str):
        return svc.pool.run(QueryRequest(
            sparql=sparql, format=format_name, max_rows=settings.max_rows,
            union_default=not shape.has_dataset,
            default_graphs=list(default_graphs) if default_graphs else None,
            named_graphs=list(named_graphs) if named_graphs else None,
            substitutions=substitutions, base_iri=settings.base_iri))

    outcome = evaluate(fmt.name)
    if outcome.format != fmt.name:       # the lexical guess of the query form was wrong: renegotiate
        fmt = choose_format(outcome.kind, format_override)
        if fmt.name != outcome.format:
            outcome = evaluate(fmt.name)
    response = Response(outcome.body, status=200, content_type=fmt.content_type)
    response.headers["Vary"] = "Accept"
    if outcome.truncated:
        response.headers["Innograph-Results-Truncated"] = "true"
        response.headers["Innograph-Results-Limit"] = str(settings.max_rows)
    return response


def _dataset(params: dict[str, list[str]], default_name: str, named_name: str):
    default_graphs = params.get(default_name) or []
    named_graphs = params.get(named_name) or []
    for iri in default_graphs + named_graphs:
        if not iri or any(c in iri for c in ' <>"{}|^`\\') or ":" not in iri:
            raise UsageError(f"graph IRI {iri!r} is not an absolute IRI")
    return default_graphs, named_graphs


def _update(sparql: str, params: dict[str, list[str]]) -> Response:
    request.innograph_write = True
    guard_write("SPARQL Update")
    svc = services()
    settings = svc.settings
    shape = inspect(sparql, update=True, max_depth=settings.max_query_depth,
                    service_allow=settings.service_allow, load_allow=settings.load_allow)
    using, using_named = _dataset(params, "using-graph-uri", "using-named-graph-uri")
    sparql = add_using(sparql, shape, using, using_named)
    added, removed = svc.updates.update(sparql, base_iri=settings.base_iri)
    return Response(f"update applied: {len(added)} quads added, {len(removed)} removed\n",
                    status=200, mimetype="text/plain")


def _service_description() -> Response:
    svc = services()
    sd = lambda name: ox.NamedNode(SD + name)  # noqa: E731
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    base = svc.settings.public_url.rstrip("/") if svc.settings.public_url else request.host_url.rstrip("/")
    service = ox.NamedNode(base + url_for("sparql.endpoint"))
    triples = [ox.Triple(service, rdf_type, sd("Service")),
               ox.Triple(service, sd("endpoint"), service),
               ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
               ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Update")),
               ox.Triple(service, sd("feature"), sd("UnionDefaultGraph"))]
    if svc.settings.service_allow:
        triples.append(ox.Triple(service, sd("feature"), sd("BasicFederatedQuery")))
    for fmt in RESULT_FORMATS + RDF_FORMATS:
        triples.append(ox.Triple(service, sd("resultFormat"), ox.NamedNode(FORMAT_IRIS[fmt.name])))
    for fmt in RDF_FORMATS:
        triples.append(ox.Triple(service, sd("inputFormat"), ox.NamedNode(FORMAT_IRIS[fmt.name])))
    # The default dataset is the one /void describes (VoID + DCAT: counts, licence, dumps).
    dataset = ox.NamedNode(svc.settings.base_iri + "void#innograph")
    default_graph = ox.BlankNode("default")
    triples += [ox.Triple(service, sd("defaultDataset"), dataset),
                ox.Triple(dataset, rdf_type, sd("Dataset")),
                ox.Triple(dataset, sd("defaultGraph"), default_graph),
                ox.Triple(default_graph, rdf_type, sd("Graph"))]
    for number, graph in enumerate(svc.store.graph_names()):
        # Fixed labels: the same description (and length, for HEAD) on every request.
        node = ox.BlankNode(f"graph{number}")
        triples += [ox.Triple(dataset, sd("namedGraph"), node),
                    ox.Triple(node, rdf_type, sd("NamedGraph")),
                    ox.Triple(node, sd("name"), graph)]
    fmt = choose_format("graph", url_params().get("format"))
    rendered = render_triples(iter(triples), fmt, len(triples), {**PREFIXES, "sd": SD})
    response = Response(rendered.body, content_type=fmt.content_type)
    response.headers["Vary"] = "Accept"
    return response


@blueprint.route("/sparql", methods=["GET", "POST"], endpoint="endpoint")
def endpoint() -> Response:
    if request.method in {"GET", "HEAD"}:
        params = url_params()
        if "update" in params:
            raise UsageError("an update cannot be sent with GET: the SPARQL Protocol requires POST "
                             "(form field 'update' or Content-Type application/sparql-update)")
        query = single(params, "query")
        if query is None:
            protocol = sorted(set(params) & PROTOCOL_PARAMETERS)
            if protocol:
                raise UsageError(f"the request has {', '.join(protocol)} but no 'query': protocol "
                                 f"parameters need a query (GET) or an update (POST)")
            if prefers_html(RDF_FORMATS):
                from .query_page import render_page
                return render_page()
            return _service_description()
        default_graphs, named_graphs = _dataset(params, "default-graph-uri", "named-graph-uri")
        return run_query(query, format_override=params.get("format"),
                         default_graphs=default_graphs, named_graphs=named_graphs)

    mimetype = request.mimetype
    if mimetype == FORM:
        params = parse_params(read_body(), "form body")
        for key, values in url_params().items():
            params.setdefault(key, values)
    elif mimetype in {QUERY, UPDATE}:
        params = url_params()
        if "query" in params or "update" in params:
            raise UsageError(f"a {mimetype} request carries the {'query' if mimetype == QUERY else 'update'} "
                             f"in its body; it cannot also have a 'query' or 'update' URL parameter")
        text = body_text(read_body(), "request body")
        params[("query" if mimetype == QUERY else "update")] = [text]
    elif not mimetype:
        raise UnsupportedFormatError(f"a POST to /sparql needs a Content-Type: {FORM}, {QUERY} or {UPDATE}")
    else:
        raise UnsupportedFormatError(f"Content-Type {mimetype} is not accepted here; use {FORM}, "
                                     f"{QUERY} or {UPDATE}")
    if "query" in params and "update" in params:
        raise UsageError("the request has both 'query' and 'update'; send one operation per request")
    if "update" in params:
        return _update(single(params, "update") or "", params)
    query = single(params, "query")
    if query is None:
        raise UsageError("the request has neither 'query' nor 'update'")
    default_graphs, named_graphs = _dataset(params, "default-graph-uri", "named-graph-uri")
    return run_query(query, format_override=params.get("format"),
                     default_graphs=default_graphs, named_graphs=named_graphs)

