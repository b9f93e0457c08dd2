"""Whole-dataset publishing: ``/dumps/innograph.<ext>``, ``/context.jsonld``, and the VoID/DCAT
self-description at ``/void`` and ``/.well-known/void``.

Dumps, the context and the VoID figures are computed once per store generation (the query pool's
counter, bumped after every write) and served from memory with an ETag and Last-Modified, so a
conditional GET costs nothing.
"""

from __future__ import annotations

import hashlib
import threading
import time
from email.utils import formatdate
from typing import Callable, Iterable

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, render_template, request

from ..linked_data.dataset_description import DUMP_FORMATS, dataset_iri, figures, void_description
from ..service.exporting import export_dataset
from ..rdf.formats import Format, rdf_format
from ..rdf.jsonld import build_context, compact_triples, dataset_context, to_bytes
from ..namespaces import split_iri
from ..namespaces import PREFIXES
from .responses import HTML, choose_page_format, negotiated, services

blueprint = Blueprint("publishing", __name__)

RDF_TYPE = PREFIXES["rdf"] + "type"
_cache_lock = threading.Lock()


def cached(key: str, build: Callable[[], object]):
    """``build()`` once per store generation; returns (value, built-at Unix time).

    The cache lives on the app (two apps never share entries); the generation is the query pool's
    counter, which every committed write bumps.
    """
    svc = services()
    generation = getattr(svc.pool, "generation", 0)
    cache = current_app.extensions.setdefault("innograph-publishing", {})
    with _cache_lock:
        entry = cache.get(key)
        if entry and entry[0] == generation:
            return entry[1], entry[2]
    value = build()
    built = time.time()
    with _cache_lock:
        cache[key] = (generation, value, built)
    return value, built


def document_context() -> dict:
    """The published JSON-LD context (see jsonld.py), cached per store generation."""
    return cached("context", lambda: dataset_context(services().store))[0]


def used_prefixes(terms: Iterable[ox.Triple]) -> dict[str, str]:
    """The entries of ``PREFIXES`` whose namespaces hold an IRI or a datatype of the triples, in
    the table's order."""
    used: set[str] = set()
    for triple in terms:
        for term in (triple.subject, triple.predicate, triple.object):
            iri = term.value if isinstance(term, ox.NamedNode) else \
                term.datatype.value if isinstance(term, ox.Literal) else None
            parts = split_iri(iri) if iri else None
            if parts:
                used.add(parts[0])
    return {p: ns for p, ns in PREFIXES.items() if p in used}


def rdf_body(triples: list[ox.Triple], fmt: Format, *, first: str | None = None,
             context: dict | None = None) -> bytes:
    """One graph in ``fmt``: JSON-LD compacted (against ``context``, else one built from the
    triples), Turtle and RDF/XML with only the prefixes they use."""
    # Grouped by subject (the document's own subject first) so Turtle reads as one block per thing.
    triples = sorted(triples, key=lambda t: (t.subject.value != first, isinstance(t.subject, ox.BlankNode),
                                             t.subject.value, t.predicate.value != RDF_TYPE))
    if fmt.name == "jsonld":
        return to_bytes(compact_triples(triples, context or build_context(triples), first=first))
    kwargs = {}
    if fmt.name in {"ttl", "rdf"}:
        kwargs["prefixes"] = used_prefixes(triples)
    return ox.serialize(triples, None, fmt.ox_rdf, **kwargs)


def server_url() -> str:
    """The server's public address ending in '/': the public_url setting, else this request's."""
    configured = services().settings.public_url
    return (configured.rstrip("/") + "/") if configured else request.host_url


def _send_bytes(body: bytes, content_type: str, built: float, *, filename: str | None = None) -> Response:
    response = Response(body, content_type=content_type)
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.headers["Last-Modified"] = formatdate(built, usegmt=True)
    response.headers["Cache-Control"] = "no-cache"
    if filename:
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response.make_conditional(request)


# -- dumps -----------------------------------------------------------------------------------------

@blueprint.route("/dumps", methods=["GET"])
@blueprint.route("/dumps/", methods=["GET"])
def dumps_index() -> Response:
    """An HTML page linking a dump per RDF format, with the number of quads and the named graphs."""
    store = services().store
    entries = [(fmt.name, fmt) for fmt in DUMP_FORMATS]
    return Response(render_template("dumps.html", entries=entries, triples=store.count(),
                                    graphs=store.graph_names()), mimetype="text/html")


@blueprint.route("/dumps/innograph.<any(ttl, nt, nq, trig, jsonld, rdf):extension>", methods=["GET"])
def dump(extension: str) -> Response:
    """The whole dataset in one format (the bytes of ``innograph export``), built once per store
    generation, with an ETag and Last-Modified (304 for a conditional GET that matches)."""
    fmt = rdf_format(extension)
    store = services().store
    version = request.args.get("version")
    if version:   # a past version, rebuilt from the change log (docs/versions.md)
        graph = services().kg.at_version(version)
        body, built = cached(f"dump-{fmt.name}-{graph.version}", lambda: export_dataset(graph.store, fmt.name))
        response = _send_bytes(body, fmt.content_type, built, filename=f"innograph-{graph.version}.{extension}")
        response.headers["Innograph-Data-Version"] = graph.version
        return response
    # The same bytes as `innograph export --format <ext>`: one code path for CLI and HTTP.
    body, built = cached("dump-" + fmt.name, lambda: export_dataset(store, fmt.name))
    return _send_bytes(body, fmt.content_type, built, filename=f"innograph.{extension}")


@blueprint.route("/context.jsonld", methods=["GET"])
def context() -> Response:
    """The published JSON-LD context, built and sent as the dumps are."""
    context_value, built = cached("context", lambda: dataset_context(services().store))
    body = to_bytes({"@context": context_value})
    return _send_bytes(body, "application/ld+json; charset=utf-8", built)


# -- VoID / DCAT -----------------------------------------------------------------------------------

@blueprint.route("/void", methods=["GET"])
@blueprint.route("/void.<any(html, ttl, jsonld, nt, rdf):extension>", methods=["GET"])
@blueprint.route("/.well-known/void", methods=["GET"])
def void(extension: str | None = None) -> Response:
    """The dataset's VoID and DCAT description: an HTML page (the figures and the Turtle) or RDF, by
    extension, ``format=`` or Accept. 400 for an unknown ``format``, 406 when Accept rules out
    everything or ``format`` names a whole-dataset format."""
    fmt = choose_page_format(extension)
    store = services().store
    base = services().settings.base_iri
    measured, _ = cached("figures", lambda: figures(store))
    url = server_url()
    triples, built = cached("void@" + url, lambda: void_description(
        store, base_iri=base, server_url=url, measured=measured))
    if fmt is HTML:
        body = render_template("void.html", figures=measured, dataset=dataset_iri(base), server_url=url,
                               turtle=rdf_body(triples, rdf_format("ttl")).decode())
        response = Response(body, mimetype="text/html")
    else:
        body = rdf_body(triples, fmt, first=dataset_iri(base))
        response = _send_bytes(body, fmt.content_type, built)
    return negotiated(response, "/void", fmt)
