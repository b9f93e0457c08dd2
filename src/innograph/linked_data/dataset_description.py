"""The dataset describing itself: VoID and DCAT, computed from what the store holds.

The dataset is ``<base>void#innograph``: a ``void:Dataset`` and ``dcat:Dataset`` whose
``void:triples`` is the number of distinct triples in the union of the named graphs (what a query
sees), with one ``void:subset`` per named graph (the graph IRI itself, carrying that graph's own
count), class and property partitions, a ``void:Linkset`` per external target (Wikidata, GeoNames,
ROR) counting the ``owl:sameAs`` links, a ``dcat:Distribution`` per dump and the SPARQL endpoint as a
``dcat:DataService``. Server addresses (endpoint, dumps) come from ``server_url``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pyoxigraph as ox

from ..rdf.formats import RDF_FORMATS, rdf_format
from ..namespaces import split_iri
from ..namespaces import PREFIXES
from ..store import Store
from ..versions import log_for

VOID = PREFIXES["void"]
DCAT = PREFIXES["dcat"]
DCTERMS = PREFIXES["dcterms"]
RDF = PREFIXES["rdf"]
RDFS = PREFIXES["rdfs"]
FOAF = PREFIXES["foaf"]
XSD = PREFIXES["xsd"]
SD = "http://www.w3.org/ns/sparql-service-description#"
PROV = "http://www.w3.org/ns/prov#"
OWL_SAME_AS = PREFIXES["owl"] + "sameAs"
LICENCE = "https://creativecommons.org/licenses/by/4.0/"
# Every registered RDF format is offered as a dump (read at use: a format registered later counts).
DUMP_FORMATS = RDF_FORMATS
EXAMPLE_KINDS = ("city", "alliance", "organization", "observation")
# External datasets our owl:sameAs links point into: (slug, title, home page, IRI namespace).
LINK_TARGETS = (
    ("wikidata", "Wikidata", "https://www.wikidata.org/", "http://www.wikidata.org/entity/"),
    ("geonames", "GeoNames", "https://www.geonames.org/", "https://sws.geonames.org/"),
    ("ror", "Research Organization Registry (ROR)", "https://ror.org/", "https://ror.org/"),
)


@dataclass(frozen=True)
class Figures:
    """The counts VoID publishes; also what tests compare against the store."""

    triples: int                      # distinct triples over all graphs
    graphs: dict[str, int]            # named graph -> triples
    classes: dict[str, int]           # class -> distinct instances
    properties: dict[str, int]        # property -> distinct triples
    links: dict[str, int]             # link target slug -> owl:sameAs triples into it
    subjects: int
    namespaces: list[str]


def dataset_iri(base_iri: str) -> str:
    """The IRI of the dataset's own description: ``<base_iri>void#innograph``."""
    return base_iri + "void#innograph"


def figures(store: Store) -> Figures:
    """The ``Figures`` of the store, read from every quad: a triple stated in several graphs counts
    once (except in its graphs' own counts); the namespaces are those of ``PREFIXES`` that
    predicates and classes come from. Raises StoreError when the store cannot be read."""
    triples: set = set()
    graphs: Counter = Counter()
    for quad in store.quads():
        triples.add((quad.subject, quad.predicate, quad.object))
        if isinstance(quad.graph_name, ox.NamedNode):
            graphs[quad.graph_name.value] += 1
    instances: dict[str, set] = {}
    properties: Counter = Counter()
    links: Counter = Counter()
    subjects: set = set()
    namespaces: set[str] = set()
    for s, p, o in triples:
        subjects.add(s)
        properties[p.value] += 1
        if p.value == RDF + "type" and isinstance(o, ox.NamedNode):
            instances.setdefault(o.value, set()).add(s)
        if p.value == OWL_SAME_AS and isinstance(o, ox.NamedNode):
            for slug, _, _, namespace in LINK_TARGETS:
                if o.value.startswith(namespace):
                    links[slug] += 1
        # Vocabularies are what predicates and classes come from, not where linked things live.
        for term in (p, o) if p.value == RDF + "type" else (p,):
            if isinstance(term, ox.NamedNode):
                parts = split_iri(term.value)
                if parts:
                    namespaces.add(PREFIXES[parts[0]])
    return Figures(triples=len(triples), graphs=dict(sorted(graphs.items())),
                   classes={c: len(s) for c, s in sorted(instances.items())},
                   properties=dict(sorted(properties.items())), links=dict(links),
                   subjects=len(subjects), namespaces=sorted(namespaces))


def _examples(store: Store, base_iri: str) -> list[str]:
    """The best-described instance of a few kinds (most triples as subject)."""
    out = []
    for kind in EXAMPLE_KINDS:
        prefix = ox.Literal(f"{base_iri}id/{kind}/")
        rows = list(store.query(
            f"SELECT ?s (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), {prefix})) }} "
            f"GROUP BY ?s ORDER BY DESC(?n) ?s LIMIT 1"))
        if rows:
            out.append(rows[0]["s"].value)
    return out


def void_description(store: Store, *, base_iri: str, server_url: str,
                     measured: Figures | None = None) -> list[ox.Triple]:
    """The VoID + DCAT triples for the store (``server_url`` ends with '/')."""
    measured = measured or figures(store)
    out: list[ox.Triple] = []
    dataset = ox.NamedNode(dataset_iri(base_iri))
    blank_count = 0

    def iri(text: str) -> ox.NamedNode:
        return ox.NamedNode(text)

    def add(subject, predicate: str, obj) -> None:
        out.append(ox.Triple(subject, iri(predicate), obj))

    def integer(value: int) -> ox.Literal:
        return ox.Literal(str(value), datatype=iri(XSD + "integer"))

    def text(value: str) -> ox.Literal:
        return ox.Literal(value, language="en")

    def blank(name: str) -> ox.BlankNode:
        nonlocal blank_count
        blank_count += 1
        return ox.BlankNode(f"{name}{blank_count}")

    add(dataset, RDF + "type", iri(VOID + "Dataset"))
    add(dataset, RDF + "type", iri(DCAT + "Dataset"))
    add(dataset, DCTERMS + "title", text("innograph: a knowledge graph of science cities"))
    add(dataset, DCTERMS + "description", text(
        "Science cities, their institutions, sectors, statistics, rankings and alliances (such as the "
        "Global Innopolis Network Initiative), with the source of every statement."))
    add(dataset, DCTERMS + "license", iri(LICENCE))
    publisher = blank("publisher")
    add(dataset, DCTERMS + "publisher", publisher)
    add(publisher, RDF + "type", iri(FOAF + "Organization"))
    add(publisher, FOAF + "name", text("The innograph project"))
    add(dataset, FOAF + "homepage", iri(server_url))
    add(dataset, VOID + "uriSpace", ox.Literal(base_iri + "id/"))
    add(dataset, VOID + "uriRegexPattern", ox.Literal("^" + (base_iri + "id/").replace(".", "\\.") + ".+"))
    add(dataset, VOID + "triples", integer(measured.triples))
    add(dataset, VOID + "distinctSubjects", integer(measured.subjects))
    add(dataset, VOID + "classes", integer(len(measured.classes)))
    add(dataset, VOID + "properties", integer(len(measured.properties)))
    add(dataset, VOID + "sparqlEndpoint", iri(server_url + "sparql"))
    add(dataset, VOID + "rootResource", iri(base_iri + "ontology"))
    for namespace in measured.namespaces:
        add(dataset, VOID + "vocabulary", iri(namespace))
    for example in _examples(store, base_iri):
        add(dataset, VOID + "exampleResource", iri(example))
    for feature in ("Turtle", "N-Triples", "N-Quads", "TriG", "JSON-LD", "RDF_XML"):
        add(dataset, VOID + "feature", iri("http://www.w3.org/ns/formats/" + feature))

    for graph, count in measured.graphs.items():
        subset = iri(graph)
        add(dataset, VOID + "subset", subset)
        add(subset, RDF + "type", iri(VOID + "Dataset"))
        add(subset, RDF + "type", iri(SD + "NamedGraph"))
        add(subset, SD + "name", subset)
        add(subset, VOID + "triples", integer(count))
        add(subset, DCTERMS + "title", text(f"named graph {graph.rsplit('/', 1)[-1]}"))

    for cls, count in measured.classes.items():
        partition = blank("class")
        add(dataset, VOID + "classPartition", partition)
        add(partition, VOID + "class", iri(cls))
        add(partition, VOID + "entities", integer(count))
    for prop, count in measured.properties.items():
        partition = blank("property")
        add(dataset, VOID + "propertyPartition", partition)
        add(partition, VOID + "property", iri(prop))
        add(partition, VOID + "triples", integer(count))

    for slug, title, homepage, namespace in LINK_TARGETS:
        count = measured.links.get(slug, 0)
        if not count:
            continue
        target = iri(f"{base_iri}void#{slug}")
        add(target, RDF + "type", iri(VOID + "Dataset"))
        add(target, DCTERMS + "title", text(title))
        add(target, FOAF + "homepage", iri(homepage))
        add(target, VOID + "uriSpace", ox.Literal(namespace))
        linkset = iri(f"{base_iri}void#links-{slug}")
        add(dataset, VOID + "subset", linkset)
        add(linkset, RDF + "type", iri(VOID + "Linkset"))
        add(linkset, DCTERMS + "title", text(f"owl:sameAs links to {title}"))
        add(linkset, VOID + "subjectsTarget", dataset)
        add(linkset, VOID + "objectsTarget", target)
        add(linkset, VOID + "linkPredicate", iri(OWL_SAME_AS))
        add(linkset, VOID + "triples", integer(count))

    _versions(dataset, store, base_iri, server_url, add, iri)

    service = iri(server_url + "sparql")
    add(dataset, DCAT + "accessService", service)
    add(service, RDF + "type", iri(DCAT + "DataService"))
    add(service, DCAT + "endpointURL", service)
    add(service, DCTERMS + "conformsTo", iri("https://www.w3.org/TR/sparql11-protocol/"))
    add(service, DCAT + "servesDataset", dataset)
    add(service, DCTERMS + "title", text("innograph SPARQL 1.1 endpoint"))

    for name in [f.name for f in DUMP_FORMATS]:
        fmt = rdf_format(name)
        url = iri(f"{server_url}dumps/innograph.{name}")
        distribution = iri(f"{base_iri}void#dump-{name}")
        add(dataset, VOID + "dataDump", url)
        add(dataset, DCAT + "distribution", distribution)
        add(distribution, RDF + "type", iri(DCAT + "Distribution"))
        add(distribution, DCAT + "downloadURL", url)
        add(distribution, DCAT + "accessURL", url)
        add(distribution, DCAT + "mediaType",
            iri("https://www.iana.org/assignments/media-types/" + fmt.media_type))
        add(distribution, DCTERMS + "license", iri(LICENCE))
        add(distribution, DCTERMS + "title", text(
            f"the whole dataset as {fmt.media_type}" + (" (named graphs kept)"
                                                        if fmt.quads or name == "jsonld" else
                                                        " (named graphs merged)")))
    return out


def version_iri(base_iri: str, version: str) -> str:
    """The IRI of one data version's description: ``<base_iri>void#version-<id>``."""
    return f"{base_iri}void#version-{version}"


def _versions(dataset, store: Store, base_iri: str, server_url: str, add, iri) -> None:
    """The data versions (docs/versions.md): the dataset's ``dcat:version`` is the current id;
    each version is a ``dcat:Dataset`` with its id, time and dump, ``prov:wasRevisionOf`` the one
    before it."""
    log = log_for(store)
    versions = log.versions() if log is not None else []
    if not versions:
        return
    head = versions[-1]
    add(dataset, DCAT + "version", ox.Literal(head.id))
    add(dataset, DCAT + "hasCurrentVersion", iri(version_iri(base_iri, head.id)))
    seen: set[str] = set()
    for version in versions:
        node = iri(version_iri(base_iri, version.id))
        add(dataset, DCAT + "hasVersion", node)
        if version.id in seen:     # the same content again: one description, a revision link more
            if version.parent:
                add(node, PROV + "wasRevisionOf", iri(version_iri(base_iri, version.parent)))
            continue
        seen.add(version.id)
        add(node, RDF + "type", iri(DCAT + "Dataset"))
        add(node, DCAT + "version", ox.Literal(version.id))
        add(node, DCAT + "isVersionOf", dataset)
        add(node, DCTERMS + "issued", ox.Literal(version.time, datatype=iri(XSD + "dateTime")))
        add(node, VOID + "dataDump", iri(f"{server_url}dumps/innograph.nq?version={version.id}"))
        if version.message:
            add(node, DCTERMS + "description", ox.Literal(version.message))
        if version.parent:
            add(node, PROV + "wasRevisionOf", iri(version_iri(base_iri, version.parent)))
            add(node, DCAT + "previousVersion", iri(version_iri(base_iri, version.parent)))
