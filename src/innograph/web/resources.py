"""Dereferencing: ``/id/...`` (303 to ``/doc/...``), entity documents by content negotiation, the
ontology at ``/ontology``, and the home page ``/``.

``/id/<kind>/<slug>`` names the thing; ``/doc/<kind>/<slug>`` is the document about it (HTML for
browsers, Turtle, JSON-LD, N-Triples or RDF/XML by Accept or ``?format=``), and
``/doc/<kind>/<slug>.<ext>`` is one fixed representation (what Content-Location names). A request
path maps to an IRI under ``settings.base_iri``: ``/id/city/daejeon`` <-> ``<base>id/city/daejeon``.
docs/linked-data.md explains the choices.
"""

from __future__ import annotations

from urllib.parse import quote

import pyoxigraph as ox
from flask import Blueprint, Response, redirect, render_template, request, url_for

from ..linked_data.describing import describe, iri_for_path
from ..linked_data.entities import entity_page, kinds_summary
from ..rdf.formats import Format, negotiate
from ..linked_data.ontology_docs import ontology_model, term_description
from .neighbourhood import neighbourhood_svg
from .publishing import document_context, rdf_body
from .responses import EXTENSIONS, HTML, TEXT, choose_page_format, negotiated, services

blueprint = Blueprint("resources", __name__)



def base_iri() -> str:
    """The base of the IRIs this server answers for (setting base_iri)."""
    return services().settings.base_iri


def split_extension(path: str) -> tuple[str, str | None]:
    """``city/daejeon.ttl`` -> (``city/daejeon``, ``ttl``); slugs never contain dots."""
    stem, dot, extension = path.rpartition(".")
    if dot and extension in EXTENSIONS and "/" not in extension:
        return stem, extension
    return path, None


def not_found(iri: str, fmt: Format | None = None) -> Response:
    """404 for an IRI the store says nothing about: an HTML page or plain text, by Accept."""
    wants_html = (fmt is HTML) if fmt is not None else \
        negotiate(request.headers.get("Accept"), (HTML, TEXT), default=HTML) is HTML
    if wants_html:
        body = render_template("not_found.html", iri=iri, home=url_for("resources.home"))
        response = Response(body, status=404, mimetype="text/html")
    else:
        response = Response(f"404 Not Found: this server has no triples about <{iri}>.\n"
                            f"Browse the entity kinds at / or query /sparql.\n", status=404,
                            mimetype="text/plain")
    response.headers["Vary"] = "Accept"
    return response


def query_link(iri: str) -> str:
    """The query page with a DESCRIBE of ``iri`` filled in."""
    return "/sparql?query=" + quote(f"DESCRIBE <{iri}>", safe="")


_ALLIANCE = "https://w3id.org/innograph/ontology#CityAlliance"
_PLACES = {"https://schema.org/City", "https://schema.org/AdministrativeArea"}


def view_links(page) -> list[tuple[str, str]]:
    """(text, href) of the network views that show this entity: alliances for an alliance or a
    member, the ecosystem for a city or region."""
    types = {t.iri for t in page.types}
    links = []
    if _ALLIANCE in types or page.memberships:
        links.append(("alliance network", "/graphs/alliances"))
        links.append(("alliance map", "/graphs/alliances/map"))
    if types & _PLACES:
        links.append(("ecosystem network", "/graphs/ecosystem?city=" + quote(page.iri, safe="")))
    return links


# -- instance IRIs -----------------------------------------------------------------------------

@blueprint.route("/id/<path:path>", methods=["GET"])
def identifier(path: str) -> Response:
    """The thing itself cannot be sent: 303 See Other to the document about it (httpRange-14)."""
    target = "/doc/" + quote(path)
    if request.query_string:
        target += "?" + request.query_string.decode("ascii", "replace")
    response = redirect(target, code=303)
    response.headers["Vary"] = "Accept"
    return response


@blueprint.route("/doc/<path:path>", methods=["GET"])
def document(path: str) -> Response:
    """The document about ``<base>id/<path>``: the entity page, or its description in RDF (JSON-LD
    against the published context), by extension, ``format=`` or Accept. 404 when the store says
    nothing about it, 400 for an unknown ``format``, 406 when Accept rules out everything or
    ``format`` names a whole-dataset format."""
    stem, extension = split_extension(path)
    fmt = choose_page_format(extension)
    iri = iri_for_path(stem, base_iri())
    try:
        ox.NamedNode(iri)
    except ValueError:
        return not_found(iri, fmt if fmt is HTML else None)
    store = services().store
    description = describe(store, iri)
    if not description.exists:
        return not_found(iri, fmt if fmt is HTML else None)
    document_path = "/doc/" + quote(stem)
    if fmt is HTML:
        page = entity_page(store, iri, base_iri(), description)
        body = render_template(
            "entity.html", page=page, svg=neighbourhood_svg(page.label, page.neighbours),
            query_link=query_link(iri), document_path=document_path, views=view_links(page),
            alternates=[(name, f.media_type) for name, f in EXTENSIONS.items() if f is not HTML])
        response = Response(body, mimetype="text/html")
    else:
        body = rdf_body(description.triples, fmt, first=iri, context=document_context())
        response = Response(body, content_type=fmt.content_type)
    return negotiated(response, document_path, fmt)


# -- the ontology --------------------------------------------------------------------------------

def _ontology_iri() -> str:
    return base_iri() + "ontology"


@blueprint.route("/ontology", methods=["GET"])
@blueprint.route("/ontology.<any(html, ttl, jsonld, nt, rdf):extension>", methods=["GET"])
def ontology(extension: str | None = None) -> Response:
    """The ontology: its documentation page, or its triples (the ontology graph and every triple
    about a term in its namespace) in RDF, by extension, ``format=`` or Accept; 400 and 406 as for
    documents."""
    fmt = choose_page_format(extension)
    model = ontology_model(services().store, _ontology_iri())
    if fmt is HTML:
        body = render_template("ontology.html", model=model)
        response = Response(body, mimetype="text/html")
    else:
        response = Response(rdf_body(model.triples, fmt, first=_ontology_iri()),
                            content_type=fmt.content_type)
    return negotiated(response, "/ontology", fmt)


@blueprint.route("/ontology/<term>", methods=["GET"])
def ontology_term(term: str) -> Response:
    """A term of the ontology: browsers go to its section of /ontology, RDF clients get its triples."""
    stem, extension = split_extension(term)
    fmt = choose_page_format(extension)
    iri = _ontology_iri() + "#" + stem
    description = term_description(services().store, iri)
    if description is None:
        return not_found(iri, fmt if fmt is HTML else None)
    if fmt is HTML:
        response = redirect(f"/ontology#{quote(stem)}", code=303)
        response.headers["Vary"] = "Accept"
        return response
    response = Response(rdf_body(description.triples, fmt, first=iri), content_type=fmt.content_type)
    return negotiated(response, "/ontology/" + quote(stem), fmt)


# -- named graphs ------------------------------------------------------------------------------------

@blueprint.route("/graph/<path:name>", methods=["GET"])
def named_graph(name: str) -> Response:
    """A named graph IRI (``<base>graph/<name>``): its triples by conneg, or a short HTML page."""
    stem, extension = split_extension(name)
    fmt = choose_page_format(extension)
    iri = base_iri() + "graph/" + stem
    store = services().store
    graph = next((g for g in store.graph_names() if g.value == iri), None)
    if graph is None:
        return not_found(iri, fmt if fmt is HTML else None)
    if fmt is HTML:
        body = render_template("named_graph.html", iri=iri, name=stem, triples=store.count(graph),
                               subjects=kinds_in_graph(store, graph))
        response = Response(body, mimetype="text/html")
    else:
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in store.quads(graph)]
        response = Response(rdf_body(triples, fmt), content_type=fmt.content_type)
    return negotiated(response, "/graph/" + quote(stem), fmt)


def kinds_in_graph(store, graph) -> list[tuple[str, str]]:
    """(page path, IRI) of the instance IRIs described in ``graph``, sorted."""
    prefix = base_iri() + "id/"
    subjects = sorted({q.subject.value for q in store.quads(graph)
                       if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(prefix)})
    return [("/doc/" + iri[len(prefix):], iri) for iri in subjects]


# -- the home page -------------------------------------------------------------------------------

@blueprint.route("/", methods=["GET"])
def home() -> Response:
    """The home page: each kind of instance with its count and first few instances, the number of
    quads and of named graphs."""
    store = services().store
    kinds = kinds_summary(store, base_iri())
    body = render_template("home.html", kinds=kinds, triples=store.count(), base=base_iri(),
                           graphs=len(store.graph_names()))
    response = Response(body, mimetype="text/html")
    return response

