"""The IRIs innograph mints and the prefix table every module shares."""

from __future__ import annotations

import re

ONTOLOGY_IRI = "https://w3id.org/innograph/ontology"
ONTOLOGY = ONTOLOGY_IRI + "#"
SHAPES = "https://w3id.org/innograph/shapes#"
ID_BASE = "https://w3id.org/innograph/id/"
GRAPH_BASE = "https://w3id.org/innograph/graph/"
DEFAULT_BASE_IRI = "https://w3id.org/innograph/"

ONTOLOGY_GRAPH = GRAPH_BASE + "ontology"

# Prefixes used by the query page, Turtle output, JSON-LD context and named queries.
# Order matters only for display.
PREFIXES: dict[str, str] = {
    "ig": ONTOLOGY,
    "ig-sh": SHAPES,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "time": "http://www.w3.org/2006/time#",
    "schema": "https://schema.org/",
    "geo": "http://www.opengis.net/ont/geosparql#",
    "qb": "http://purl.org/linked-data/cube#",
    "sdmx-dimension": "http://purl.org/linked-data/sdmx/2009/dimension#",
    "sdmx-measure": "http://purl.org/linked-data/sdmx/2009/measure#",
    "sdmx-attribute": "http://purl.org/linked-data/sdmx/2009/attribute#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "void": "http://rdfs.org/ns/void#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "sh": "http://www.w3.org/ns/shacl#",
    "vann": "http://purl.org/vocab/vann/",
    "wd": "http://www.wikidata.org/entity/",
    "unit": "http://qudt.org/vocab/unit/",
    "cur": "http://qudt.org/vocab/currency/",
}

_SLUG = re.compile(r"[^a-z0-9]+")
# Longest namespace first, so that ig-sh: wins over a shorter namespace that is its prefix.
_BY_LENGTH = sorted(PREFIXES.items(), key=lambda item: -len(item[1]))
_PLAIN_LOCAL = re.compile(r"^[\w][\w.-]*$")


def split_iri(iri: str) -> tuple[str, str] | None:
    """(prefix, local name) for an IRI in one of ``PREFIXES``' namespaces, else None. The longest
    namespace wins; a local name must not be empty or start with '//'."""
    for prefix, namespace in _BY_LENGTH:
        if iri.startswith(namespace) and len(iri) > len(namespace):
            local = iri[len(namespace):]
            if not local.startswith("//"):
                return prefix, local
    return None


def compact_iri(iri: str, *, strict: bool = False) -> str:
    """``prefix:local`` for an IRI in a known namespace, else the IRI itself. With ``strict``, only
    when the local name is a plain word (no '/', '#' or other characters a CURIE cannot hold
    unescaped), so that the result pastes back into SPARQL."""
    split = split_iri(iri)
    if split is None or (strict and not _PLAIN_LOCAL.match(split[1])):
        return iri
    return f"{split[0]}:{split[1]}"


def display_iri(iri: str) -> str:
    """How tables show an IRI: a strict CURIE, else an instance path (``city/daejeon``), else the IRI."""
    short = compact_iri(iri, strict=True)
    if short is not iri:
        return short
    return iri[len(ID_BASE):] if iri.startswith(ID_BASE) and len(iri) > len(ID_BASE) else iri


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by '-', as used in instance IRIs."""
    return _SLUG.sub("-", text.lower()).strip("-")


def graph_iri(name: str) -> str:
    """The named graph for a data file or dataset called ``name`` (a file stem)."""
    return GRAPH_BASE + slugify(name)


def sparql_prologue(prefixes: dict[str, str] | None = None) -> str:
    """A ``PREFIX p: <iri>`` line for each of ``prefixes`` (by default ``PREFIXES``), in order."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in (prefixes or PREFIXES).items())
