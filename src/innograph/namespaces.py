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


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by '-', as used in instance IRIs."""
    return _SLUG.sub("-", text.lower()).strip("-")


def instance_iri(kind: str, slug: str) -> str:
    return f"{ID_BASE}{kind}/{slug}"


def graph_iri(name: str) -> str:
    """The named graph for a data file or dataset called ``name`` (a file stem)."""
    return GRAPH_BASE + slugify(name)


def sparql_prologue(prefixes: dict[str, str] | None = None) -> str:
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in (prefixes or PREFIXES).items())
