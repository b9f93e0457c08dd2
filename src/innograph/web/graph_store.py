"""``/store``: the SPARQL 1.1 Graph Store HTTP Protocol (indirect identification).

``?default`` is the store's own default graph; ``?graph=IRI`` a named graph. GET/HEAD read (404 for
a graph that does not exist), PUT replaces (201 when it created the graph, 204 otherwise), POST
merges (201 / 204; POST to ``/store`` itself makes a new graph and answers 201 with its Location),
DELETE removes (204, or 404). A POST may be ``multipart/form-data`` with one RDF file per part.
Every write is guarded (token) and SHACL-validated before it commits (422, nothing changes).
"""

from __future__ import annotations

import uuid

import pyoxigraph as ox
from flask import Blueprint, Response, request

from ..errors import NotFound, UnsupportedFormatError, UsageError
from ..rdf.formats import RDF_FORMATS, rdf_format_for_media_type, rdf_format_for_path
from ..namespaces import GRAPH_BASE, PREFIXES
from ..rdf.parsing import parse_bytes
from .responses import choose_format, guard_write, read_body, services, single, url_params

blueprint = Blueprint("graph_store", __name__)


def _target(required: bool):
    """The graph the request names: DefaultGraph, a NamedNode, or None for the whole store."""
    params = url_params()
    has_default = "default" in params
    graph = single(params, "graph")
    if has_default and graph is not None:
        raise UsageError("use either ?default or ?graph=IRI, not both")
    if has_default:
        return ox.DefaultGraph()
    if graph is not None:
        if not graph or ":" not in graph or any(c in graph for c in ' <>"{}|^`\\'):
            raise UsageError(f"?graph={graph!r} is not an absolute IRI")
        return ox.NamedNode(graph)
    if required:
        raise UsageError("name the graph: ?default for the default graph or ?graph=IRI for a named graph")
    return None


def _name(graph) -> str:
    return "the default graph" if isinstance(graph, ox.DefaultGraph) else f"graph <{graph.value}>"


def _parse_payload(graph) -> list[ox.Quad]:
    """The request's RDF (one document, or one per multipart part) as quads in ``graph``."""
    base = graph.value if isinstance(graph, ox.NamedNode) else request.base_url
    if request.mimetype == "multipart/form-data":
        read_body_limit = read_body  # the cap applies to the whole multipart body
        read_body_limit()
        quads: list[ox.Quad] = []
        parts = [f for name in request.files for f in request.files.getlist(name)]
        if not parts:
            raise UsageError("the multipart request has no file parts")
        for part in parts:
            if part.mimetype and part.mimetype not in {"application/octet-stream", "text/plain"} \
                    or not part.filename:
                fmt = rdf_format_for_media_type(part.mimetype or "")
            else:
                from pathlib import Path
                fmt = rdf_format_for_path(Path(part.filename))
            quads += _quads_in(parse_bytes(part.read(), fmt, source=part.filename or part.name,
                                           base_iri=base, graph=graph), graph)
        return quads
    if not request.mimetype:
        raise UnsupportedFormatError("the request has no Content-Type; send RDF as one of: "
                                     + ", ".join(f.media_type for f in RDF_FORMATS))
    fmt = rdf_format_for_media_type(request.mimetype)
    return _quads_in(parse_bytes(read_body(), fmt, source="request body", base_iri=base, graph=graph),
                     graph)


def _quads_in(quads: list[ox.Quad], graph) -> list[ox.Quad]:
    for quad in quads:
        if quad.graph_name != graph:
            raise UsageError(f"the payload has triples in graph {quad.graph_name}; a Graph Store "
                             f"request carries one graph: {_name(graph)}")
    return quads


@blueprint.route("/store", methods=["GET"])
def read() -> Response:
    """GET (and HEAD) ``/store``: the named graph (``?graph=IRI``), the default graph (``?default``)
    or, with neither, the whole store in a quad format, as negotiated (``?format=`` wins over Accept).

    200 with the graph; 404 for a named graph that does not exist; 400 for ``?default`` with
    ``?graph=`` or a graph that is not an absolute IRI; 406 when no offered format fits.
    """
    svc = services()
    graph = _target(required=False)
    override = url_params().get("format")
    if graph is None:
        fmt = choose_format("graph", override, tuple(f for f in RDF_FORMATS if f.quads),
                            "the whole store (several graphs; ask for ?default or ?graph=IRI for one)")
        body = svc.store.dump(fmt, None, PREFIXES)
    else:
        fmt = choose_format("graph", override)
        if isinstance(graph, ox.NamedNode) and graph not in svc.store.graph_names():
            raise NotFound(f"{_name(graph)} does not exist in this store")
        body = svc.store.dump(fmt, graph, PREFIXES)
    response = Response(body, content_type=fmt.content_type)
    response.headers["Vary"] = "Accept"
    return response


@blueprint.route("/store", methods=["PUT"])
def replace() -> Response:
    """PUT ``/store?default`` or ``?graph=IRI``: replace the graph with the request's RDF.

    201 when the graph is new, 204 otherwise. 400 when no graph is named, or the payload does not
    parse or states triples in another graph; 415 for a missing or unknown Content-Type; 401, 403 or
    429 from the write guard; 422 when validation fails (nothing changes).
    """
    request.innograph_write = True
    guard_write("Graph Store PUT")
    graph = _target(required=True)
    quads = _parse_payload(graph)
    created = services().updates.replace_graph(graph, quads)
    return Response(status=201 if created else 204)


@blueprint.route("/store", methods=["POST"])
def merge() -> Response:
    """POST ``/store?default`` or ``?graph=IRI``: add the request's RDF to the graph. Without either,
    a new graph is made (``upload-...`` under the graph base) and named in the Location header.

    201 when the graph is new (always for a new graph made here), 204 otherwise. 400 when the payload
    does not parse or states triples in another graph; 415 for a missing or unknown Content-Type;
    401, 403 or 429 from the write guard; 422 when validation fails (nothing changes).
    """
    request.innograph_write = True
    guard_write("Graph Store POST")
    graph = _target(required=False)
    minted = graph is None
    if minted:
        graph = ox.NamedNode(f"{GRAPH_BASE}upload-{uuid.uuid4().hex[:12]}")
    quads = _parse_payload(graph)
    created = services().updates.merge_graph(graph, quads)
    response = Response(status=201 if created or minted else 204)
    if minted:
        response.headers["Location"] = request.base_url + "?graph=" + graph.value
    return response


@blueprint.route("/store", methods=["DELETE"])
def delete() -> Response:
    """DELETE ``/store?default`` or ``?graph=IRI``: remove the graph.

    204 when done; 404 for a named graph that does not exist; 400 when no graph is named; 401, 403
    or 429 from the write guard; 422 when the store without it fails validation (nothing changes).
    """
    request.innograph_write = True
    guard_write("Graph Store DELETE")
    graph = _target(required=True)
    if not services().updates.delete_graph(graph):
        raise NotFound(f"{_name(graph)} does not exist in this store")
    return Response(status=204)
