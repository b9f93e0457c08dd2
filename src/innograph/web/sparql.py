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


import pyoxigraph as ox
from flask import Blueprint, Response, request, url_for

from ..errors import UnsupportedFormatError, UsageError
from ..rdf.formats import RDF_FORMATS, RESULT_FORMATS
from ..namespaces import PREFIXES
from ..rdf.results import render_triples
from .query_page import render_page
from .responses import (body_text, choose_format, guard_write, parse_params, prefers_html, query_response,
                        read_body, services, single, url_params)

blueprint = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"
SD = "http://www.w3.org/ns/sparql-service-description#"
PROTOCOL_PARAMETERS = {"default-graph-uri", "named-graph-uri", "using-graph-uri", "using-named-graph-uri"}


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
    using, using_named = _dataset(params, "using-graph-uri", "using-named-graph-uri")
    result = services().kg.update(sparql, using=using, using_named=using_named)
    skipped = "".join(f"skipped (SILENT; its source is not on the allow-list, INNOGRAPH_LOAD_ALLOW): "
                      f"{load}\n" for load in result.skipped_loads)
    return Response(f"update applied: {len(result.added)} quads added, {len(result.removed)} removed\n"
                    + skipped, status=200, mimetype="text/plain")


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
        if fmt.spec_iri:
            triples.append(ox.Triple(service, sd("resultFormat"), ox.NamedNode(fmt.spec_iri)))
    for fmt in RDF_FORMATS:
        if fmt.spec_iri:
            triples.append(ox.Triple(service, sd("inputFormat"), ox.NamedNode(fmt.spec_iri)))
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
    """GET and POST ``/sparql``: the SPARQL 1.1 Protocol.

    A query (GET ``?query=``, POST form or direct) answers 200 with its result in the negotiated
    format; an update (POST form ``update=`` or direct) 200 with a line counting the quads added
    and removed. GET with no query: the Service Description, or the query page for a browser.
    400 for an update sent with GET, protocol parameters without a query, a query or update both
    in the body and in the URL, both or neither of query and update, a repeated parameter or a
    graph IRI that is not absolute; 415 for a POST whose Content-Type is missing or not one of
    the three accepted; 401, 403 or 429 from the write guard; the query and update paths add
    their own (406, 422, 503...).
    """
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
                return render_page()
            return _service_description()
        default_graphs, named_graphs = _dataset(params, "default-graph-uri", "named-graph-uri")
        return query_response(query, format_override=params.get("format"),
                         default_graphs=default_graphs, named_graphs=named_graphs,
                         version=single(params, "version"))

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
    return query_response(query, format_override=params.get("format"),
                     default_graphs=default_graphs, named_graphs=named_graphs,
                     version=single(params, "version"))

