"""What an entity page shows, read from the store: labels, properties, tables, sources, links out.

``entity_page`` returns plain data (dataclasses of strings and links); the web layer only renders it.
Links point at the server's own page for IRIs under the base (``href_for``) and at the IRI itself
otherwise. Every read is a pattern lookup or a small SPARQL SELECT over the union of the graphs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Callable, Iterable
from urllib.parse import urlsplit

import pyoxigraph as ox

from .describing import Description, describe, local_path
from ..namespaces import PREFIXES, compact_iri, sparql_prologue
from ..store import Store

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
OWL_SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"
FOAF_HOMEPAGE = "http://xmlns.com/foaf/0.1/homepage"
SCHEMA_URL = "https://schema.org/url"
PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"
DCTERMS = "http://purl.org/dc/terms/"
LABELS = (RDFS + "label", SKOS + "prefLabel", DCTERMS + "title")
IG = PREFIXES["ig"]
QUALIFIERS = {  # ig:valueQualifier -> (marker, what it means)
    IG + "Exact": ("", "exact"),
    IG + "Approximate": ("≈", "approximately"),
    IG + "LowerBound": (">", "more than"),
    IG + "UpperBound": ("<", "less than"),
    IG + "ApproachingFromBelow": ("≲", "approaching (nearly)"),
}
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def humanise(iri: str) -> str:
    """A readable name from an IRI's local part: schema:containedInPlace -> 'contained in place'."""
    local = re.split(r"[#/]", iri.rstrip("/#"))[-1]
    words = _CAMEL.sub(" ", local).replace("_", " ").replace("-", " ")
    return words.lower() if not words.isupper() else words


@dataclass
class Link:
    """An IRI as a page shows it: its label, and where it leads (this server's page for an IRI
    under the base, else the IRI itself)."""

    iri: str
    label: str
    href: str
    local: bool           # True when the page is on this server

    @property
    def curie(self) -> str:
        """The IRI as ``prefix:local`` when a known prefix fits, else the IRI itself."""
        return compact_iri(self.iri)


@dataclass
class Value:
    """One object of a property: a link, a literal (with language or datatype), or a nested node."""

    text: str = ""
    link: Link | None = None
    lang: str | None = None
    datatype: str | None = None
    nested: list["PropertyRow"] | None = None


@dataclass
class PropertyRow:
    """One predicate and its values: a row of a properties table."""

    predicate: Link
    values: list[Value]


@dataclass
class Source:
    """A source the data was derived from (``prov:wasDerivedFrom``): its title (dcterms:title,
    else its label), publisher, date (dcterms:issued, else dcterms:date) and web address (schema:url)."""

    link: Link
    title: str
    publisher: Link | None
    date: str | None
    url: str | None


@dataclass
class Statistic:
    """One observation whose area is the entity: the value as shown (thousands separated, ' %' for
    percentages), unit, period, the qualifier's marker and meaning, breakdown (sector, population
    group) and sources."""

    observation: Link
    indicator: Link | None
    value: str
    unit: Link | None
    period: str | None
    marker: str
    qualifier: str
    breakdown: list[Link]
    sources: list[Source]


@dataclass
class MembershipRow:
    """One membership in which the entity is the member or the organisation: role, start and end
    (as written: year, year-month or date) and sources."""

    membership: Link
    member: Link
    organization: Link
    role: Link | None
    start: str | None
    end: str | None
    sources: list[Source]


@dataclass
class RankingRow:
    """One ranking result in which the entity is the ranked entity or the ranking: rank, edition
    year, category, scope and sources."""

    result: Link
    ranking: Link | None
    entity: Link | None
    rank: str
    edition: str | None
    category: Link | None
    scope: Link | None
    sources: list[Source]


@dataclass
class OutboundLink:
    """A link off the site (an owl:sameAs target, foaf:homepage or schema:url) and the short text
    shown for it."""

    kind: str          # Wikidata, GeoNames, ROR, official website, web address, same as
    text: str
    href: str


@dataclass
class Neighbour:
    """An IRI next to the entity in the page's picture: ``outgoing`` when the entity links to it,
    ``predicate`` the link's name in words."""

    link: Link
    predicate: str
    outgoing: bool


@dataclass
class EntityPage:
    """Everything an entity page shows, as plain data for the templates."""

    iri: str
    label: str
    label_lang: str | None
    other_labels: list[tuple[str, str]]      # (language, text), the English label excluded
    types: list[Link]
    properties: list[PropertyRow]
    referenced_by: list[PropertyRow]
    statistics: list[Statistic] = field(default_factory=list)
    memberships: list[MembershipRow] = field(default_factory=list)
    rankings: list[RankingRow] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    outbound: list[OutboundLink] = field(default_factory=list)
    neighbours: list[Neighbour] = field(default_factory=list)
    triple_count: int = 0


class Labeller:
    """Labels of IRIs, looked up once each; English first, then untagged, then any language."""

    def __init__(self, store: Store, base_iri: str, href_for: Callable[[str], str | None]):
        self.store = store
        self.base_iri = base_iri
        self.href_for = href_for
        self._cache: dict[str, dict[str, list[str]]] = {}

    def all_labels(self, iri: str) -> dict[str, list[str]]:
        """The labels of ``iri`` by language tag ('' for none), from the first of rdfs:label,
        skos:prefLabel and dcterms:title it has; empty when it has none. Raises ValueError when
        ``iri`` is not a valid IRI."""
        if iri not in self._cache:
            found: dict[str, list[str]] = {}
            node = ox.NamedNode(iri)
            for predicate in LABELS:
                for quad in self.store.quads_matching(node, ox.NamedNode(predicate)):
                    if isinstance(quad.object, ox.Literal):
                        texts = found.setdefault(quad.object.language or "", [])
                        if quad.object.value not in texts:
                            texts.append(quad.object.value)
                if found:
                    break
            self._cache[iri] = found
        return self._cache[iri]

    def label(self, iri: str) -> tuple[str, str | None]:
        """(label, language or None): English first, then untagged, then the first language in
        alphabetical order. With no label: the last path segment of an IRI under the base, else
        the local name in words (``humanise``)."""
        labels = self.all_labels(iri)
        for lang in ("en", "") + tuple(sorted(labels)):
            if labels.get(lang):
                return labels[lang][0], lang or None
        return (humanise(iri) if not iri.startswith(self.base_iri) else iri.rsplit("/", 1)[-1]), None

    def link(self, iri: str) -> Link:
        """A ``Link`` to ``iri`` with its label, to this server's page when ``href_for`` has one."""
        href = self.href_for(iri)
        return Link(iri, self.label(iri)[0], href or iri, href is not None)


def _number(text: str) -> str:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return text
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value:,}"


def _literal_value(literal: ox.Literal) -> Value:
    datatype = literal.datatype.value
    if literal.language:
        return Value(text=literal.value, lang=literal.language)
    if datatype == PREFIXES["xsd"] + "string":
        return Value(text=literal.value)
    return Value(text=literal.value, datatype=compact_iri(datatype))


class _Reader:
    def __init__(self, store: Store, labeller: Labeller):
        self.store = store
        self.labeller = labeller

    def objects(self, node, predicate: str) -> list:
        return [q.object for q in self.store.quads_matching(node, ox.NamedNode(predicate))]

    def first(self, node, predicate: str):
        found = self.objects(node, predicate)
        return found[0] if found else None

    def link_or_none(self, term) -> Link | None:
        return self.labeller.link(term.value) if isinstance(term, ox.NamedNode) else None

    def source(self, iri: str) -> Source:
        node = ox.NamedNode(iri)
        title = self.first(node, DCTERMS + "title")
        publisher = self.first(node, DCTERMS + "publisher")
        issued = self.first(node, DCTERMS + "issued") or self.first(node, DCTERMS + "date")
        url = self.first(node, SCHEMA_URL)
        link = self.labeller.link(iri)
        return Source(link=link, title=title.value if isinstance(title, ox.Literal) else link.label,
                      publisher=self.link_or_none(publisher),
                      date=issued.value if isinstance(issued, ox.Literal) else None,
                      url=url.value if url is not None else None)

    def sources_of(self, node) -> list[Source]:
        seen: list[str] = []
        for term in self.objects(node, PROV_DERIVED):
            if isinstance(term, ox.NamedNode) and term.value not in seen:
                seen.append(term.value)
        return [self.source(iri) for iri in sorted(seen)]

    def rows(self, pairs: Iterable[tuple[ox.NamedNode, object]], *, depth: int = 0) -> list[PropertyRow]:
        """Property rows from (predicate, value) pairs, grouped by predicate, sorted by its label."""
        by_predicate: dict[str, list[Value]] = {}
        for predicate, obj in pairs:
            by_predicate.setdefault(predicate.value, []).append(self.value(obj, depth))
        rows = [PropertyRow(self.predicate_link(p), values) for p, values in by_predicate.items()]
        rows.sort(key=lambda r: r.predicate.label.lower())
        return rows

    def value(self, term, depth: int) -> Value:
        if isinstance(term, ox.NamedNode):
            return Value(text=self.labeller.label(term.value)[0], link=self.labeller.link(term.value))
        if isinstance(term, ox.Literal):
            return _literal_value(term)
        if isinstance(term, ox.BlankNode) and depth < 4:
            pairs = dict.fromkeys((q.predicate, q.object) for q in self.store.quads_matching(term))
            return Value(text="", nested=self.rows(pairs, depth=depth + 1))
        return Value(text=str(term))

    def predicate_link(self, iri: str) -> Link:
        link = self.labeller.link(iri)
        if not self.labeller.all_labels(iri):
            link.label = humanise(iri)
        return link


def _outbound(description: Description) -> list[OutboundLink]:
    out: list[OutboundLink] = []
    for triple in description.outgoing:
        if triple.subject.value != description.iri:
            continue
        predicate, obj = triple.predicate.value, triple.object
        target = obj.value if isinstance(obj, (ox.NamedNode, ox.Literal)) else None
        if not target or not target.startswith(("http://", "https://")):
            continue
        host = urlsplit(target).netloc
        if predicate == OWL_SAME_AS:
            if host.endswith("wikidata.org"):
                out.append(OutboundLink("Wikidata", target.rstrip("/").rsplit("/", 1)[-1], target))
            elif host.endswith("geonames.org"):
                out.append(OutboundLink("GeoNames", target.rstrip("/").rsplit("/", 1)[-1], target))
            elif host == "ror.org":
                out.append(OutboundLink("ROR", target.rsplit("/", 1)[-1], target))
            else:
                out.append(OutboundLink("same as", host or target, target))
        elif predicate == FOAF_HOMEPAGE:
            out.append(OutboundLink("official website", host or target, target))
        elif predicate == SCHEMA_URL:
            out.append(OutboundLink("web address", host or target, target))
    order = {"Wikidata": 0, "GeoNames": 1, "ROR": 2, "official website": 3}
    out.sort(key=lambda o: (order.get(o.kind, 9), o.text))
    return out


_STATISTICS = """
SELECT ?obs ?value ?unit ?period ?qualifier ?indicator WHERE {
  ?obs sdmx-dimension:refArea ?entity ; sdmx-measure:obsValue ?value .
  OPTIONAL { ?obs sdmx-attribute:unitMeasure ?unit }
  OPTIONAL { ?obs sdmx-dimension:refPeriod ?period }
  OPTIONAL { ?obs ig:valueQualifier ?qualifier }
  OPTIONAL { ?obs ig:indicator ?indicator }
} ORDER BY ?indicator ?period ?obs
"""

_MEMBERSHIPS = """
SELECT ?m ?member ?org ?role ?start ?end WHERE {
  { ?m org:member ?entity } UNION { ?m org:organization ?entity }
  ?m org:member ?member ; org:organization ?org .
  OPTIONAL { ?m org:role ?role }
  OPTIONAL { ?m org:memberDuring/time:hasBeginning/(time:inXSDgYearMonth|time:inXSDgYear|time:inXSDDate|time:inXSDDateTimeStamp) ?start }
  OPTIONAL { ?m org:memberDuring/time:hasEnd/(time:inXSDgYearMonth|time:inXSDgYear|time:inXSDDate|time:inXSDDateTimeStamp) ?end }
} ORDER BY ?org ?start ?member ?m
"""

_RANKINGS = """
SELECT ?r ?ranking ?ranked ?rank ?edition ?category ?scope WHERE {
  { ?r ig:rankedEntity ?entity } UNION { ?r ig:ranking ?entity }
  ?r ig:rank ?rank .
  OPTIONAL { ?r ig:ranking ?ranking }
  OPTIONAL { ?r ig:rankedEntity ?ranked }
  OPTIONAL { ?r ig:editionYear ?edition }
  OPTIONAL { ?r ig:rankingCategory ?category }
  OPTIONAL { ?r ig:rankingScope ?scope }
} ORDER BY DESC(?edition) ?ranking ?rank ?r
"""


def _select(store: Store, query: str, iri: str) -> list:
    prologue = sparql_prologue({p: PREFIXES[p] for p in (
        "ig", "org", "time", "sdmx-dimension", "sdmx-measure", "sdmx-attribute")})
    # A VALUES block, not substitutions: pyoxigraph only substitutes projected variables. The
    # IRI went through ox.NamedNode, so it is a valid IRI and prints safely escaped.
    where = query.index("WHERE {") + len("WHERE {")
    bound = f"\n  VALUES ?entity {{ {ox.NamedNode(iri)} }}"
    return list(store.query(prologue + query[:where] + bound + query[where:]))


def _text(term) -> str | None:
    return term.value if term is not None else None


def _statistics(reader: _Reader, iri: str) -> list[Statistic]:
    out: list[Statistic] = []
    seen: set = set()
    breakdown_predicates = (IG + "sector", IG + "populationGroup")
    for row in _select(reader.store, _STATISTICS, iri):
        obs = row["obs"]
        if obs in seen:
            continue
        seen.add(obs)
        qualifier = row["qualifier"]
        marker, meaning = QUALIFIERS.get(qualifier.value, ("", humanise(qualifier.value))) \
            if qualifier is not None else ("", "")
        unit = reader.link_or_none(row["unit"])
        value = _number(row["value"].value)
        if unit is not None and unit.iri == PREFIXES["unit"] + "PERCENT":
            value += " %"
        breakdown = [reader.labeller.link(t.value) for p in breakdown_predicates
                     for t in reader.objects(obs, p) if isinstance(t, ox.NamedNode)]
        out.append(Statistic(
            observation=reader.labeller.link(obs.value), indicator=reader.link_or_none(row["indicator"]),
            value=value, unit=unit, period=_text(row["period"]), marker=marker, qualifier=meaning,
            breakdown=breakdown, sources=reader.sources_of(obs)))
    return out


def _memberships(reader: _Reader, iri: str) -> list[MembershipRow]:
    out: list[MembershipRow] = []
    seen: set = set()
    for row in _select(reader.store, _MEMBERSHIPS, iri):
        if row["m"] in seen:
            continue
        seen.add(row["m"])
        out.append(MembershipRow(
            membership=reader.labeller.link(row["m"].value), member=reader.labeller.link(row["member"].value),
            organization=reader.labeller.link(row["org"].value), role=reader.link_or_none(row["role"]),
            start=_text(row["start"]), end=_text(row["end"]), sources=reader.sources_of(row["m"])))
    return out


def _rankings(reader: _Reader, iri: str) -> list[RankingRow]:
    out: list[RankingRow] = []
    seen: set = set()
    for row in _select(reader.store, _RANKINGS, iri):
        if row["r"] in seen:
            continue
        seen.add(row["r"])
        out.append(RankingRow(
            result=reader.labeller.link(row["r"].value), ranking=reader.link_or_none(row["ranking"]),
            entity=reader.link_or_none(row["ranked"]), rank=row["rank"].value, edition=_text(row["edition"]),
            category=reader.link_or_none(row["category"]), scope=reader.link_or_none(row["scope"]),
            sources=reader.sources_of(row["r"])))
    return out


def _neighbours(description: Description, labeller: Labeller, limit: int = 14) -> list[Neighbour]:
    """The entity's IRI neighbours for the picture: what it links to first, then what links to it."""
    out: list[Neighbour] = []
    seen: set[str] = {description.iri}
    skipped = {RDF_TYPE, OWL_SAME_AS, FOAF_HOMEPAGE}
    for triple in description.outgoing:
        if triple.subject.value == description.iri and isinstance(triple.object, ox.NamedNode) \
                and triple.predicate.value not in skipped and triple.object.value not in seen:
            seen.add(triple.object.value)
            out.append(Neighbour(labeller.link(triple.object.value), humanise(triple.predicate.value), True))
    for triple in description.incoming:
        if isinstance(triple.subject, ox.NamedNode) and triple.subject.value not in seen:
            seen.add(triple.subject.value)
            out.append(Neighbour(labeller.link(triple.subject.value), humanise(triple.predicate.value), False))
    return out[:limit]


class _DescribedBlankNodes:
    """A remote store, with lookups of blank nodes answered from the entity's description.

    A remote SPARQL store cannot look a blank node up by its label (labels are not stable across
    requests), but the description already holds the blank nodes the entity owns (its geometry,
    its intervals); everything else goes to the store.
    """

    def __init__(self, store: Store, triples):
        self._store = store
        self._blank: dict[ox.BlankNode, list[ox.Quad]] = {}
        for t in triples:
            if isinstance(t.subject, ox.BlankNode):
                self._blank.setdefault(t.subject, []).append(ox.Quad(t.subject, t.predicate, t.object))

    def quads_matching(self, subject=None, predicate=None, object=None, graph=None):
        if isinstance(subject, ox.BlankNode) or isinstance(object, ox.BlankNode):
            found = self._blank.get(subject, []) if subject is not None else \
                [q for quads in self._blank.values() for q in quads if q.object == object]
            return [q for q in found if predicate is None or q.predicate == predicate]
        return self._store.quads_matching(subject, predicate, object, graph)

    def __getattr__(self, name):
        return getattr(self._store, name)


def entity_page(store: Store, iri: str, base_iri: str,
                description: Description | None = None) -> EntityPage | None:
    """Everything the page for ``iri`` shows, or None when the store knows nothing about it."""
    description = description or describe(store, iri)
    if not description.exists:
        return None
    if store.is_remote:
        store = _DescribedBlankNodes(store, description.outgoing)
    labeller = Labeller(store, base_iri, lambda target: local_path(target, base_iri))
    reader = _Reader(store, labeller)
    node = ox.NamedNode(iri)
    own = [t for t in description.outgoing if t.subject == node]
    labels = labeller.all_labels(iri)
    label, label_lang = labeller.label(iri)
    other_labels = [(lang or "", text) for lang, texts in sorted(labels.items()) for text in texts
                    if not (text == label and (lang or None) == label_lang)]
    types = [labeller.link(t.object.value) for t in own
             if t.predicate.value == RDF_TYPE and isinstance(t.object, ox.NamedNode)]
    shown = [t for t in own if t.predicate.value != RDF_TYPE]
    incoming = description.incoming
    return EntityPage(
        iri=iri, label=label, label_lang=label_lang, other_labels=other_labels,
        types=sorted(types, key=lambda link: link.label.lower()),
        properties=reader.rows((t.predicate, t.object) for t in shown),
        referenced_by=reader.rows((t.predicate, t.subject) for t in incoming),
        statistics=_statistics(reader, iri), memberships=_memberships(reader, iri),
        rankings=_rankings(reader, iri), sources=reader.sources_of(node),
        outbound=_outbound(description), neighbours=_neighbours(description, labeller),
        triple_count=len(description.triples))


# -- the home page -------------------------------------------------------------------------------

@dataclass
class KindSummary:
    """One kind of instance on the home page: its name (the path segment after ``<base>id/``), how
    many there are, and the first few by label."""

    kind: str
    count: int
    examples: list[Link]


def kinds_summary(store: Store, base_iri: str, examples: int = 5) -> list[KindSummary]:
    """Instance IRIs under ``<base>id/`` grouped by kind (the first path segment), with counts and
    the first few (by label) as entry points."""
    prefix = base_iri + "id/"
    query = f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), {ox.Literal(prefix)})) }}"
    subjects = [row["s"].value for row in store.query(query)]
    by_kind: dict[str, list[str]] = {}
    for iri in subjects:
        kind = iri[len(prefix):].split("/", 1)[0]
        by_kind.setdefault(kind, []).append(iri)
    labeller = Labeller(store, base_iri, lambda target: local_path(target, base_iri))
    out = []
    for kind in sorted(by_kind):
        links = sorted((labeller.link(iri) for iri in by_kind[kind]), key=lambda link: link.label.lower())
        out.append(KindSummary(kind, len(links), links[:examples]))
    return out
