"""Synthetic, ontology-conformant data of any size, for benchmarks and scale tests.

``write(path, cities=N, seed=S)`` streams N-Triples (``.nt``) or Turtle (``.ttl``, written as
N-Triples lines after the prefix declarations, which is valid Turtle) so millions of triples never
sit in memory. The same seed gives the same bytes. Roughly 1,000 triples per city.

What is generated follows docs/design.md and the shipped data: countries and cities with
coordinates (GeoSPARQL WKT and schema:latitude/longitude), innovation clusters, institutions
(Zipf-distributed per city), a SKOS sector scheme with narrower concepts, alliances of 5-12
cities with dated org:Memberships and roles, MOUs between cities or institutions, RDF Data Cube
observations with units and value qualifiers, ranking results, and provenance sources that every
statement-bearing node is derived from. Years fall in 1990-2026. Every IRI carries a ``synth-``
slug, so synthetic data can sit beside the shipped data without merging into it, except the
membership roles, which are the shipped ``role/founding-member`` ... with the shipped labels, and
the units' labels: ``beside_shipped=True`` leaves those out (data/ states them).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Callable, Iterator

from ..namespaces import ID_BASE, PREFIXES
from ..errors import UsageError

RDF = PREFIXES["rdf"]
RDFS = PREFIXES["rdfs"]
XSD = PREFIXES["xsd"]
SKOS = PREFIXES["skos"]
DCT = PREFIXES["dcterms"]
PROV = PREFIXES["prov"]
ORG = PREFIXES["org"]
TIME = PREFIXES["time"]
SCHEMA = PREFIXES["schema"]
GEO = PREFIXES["geo"]
QB = PREFIXES["qb"]
IG = PREFIXES["ig"]
OWL = PREFIXES["owl"]
SDMX_DIM = PREFIXES["sdmx-dimension"]
SDMX_MEASURE = PREFIXES["sdmx-measure"]
SDMX_ATTR = PREFIXES["sdmx-attribute"]
UNIT = PREFIXES["unit"]
CUR = PREFIXES["cur"]

FIRST_YEAR, LAST_YEAR = 1990, 2026

# (code, English name, own language, latitude, longitude) of a few real countries; more are made up.
COUNTRIES = [
    ("KR", "South Korea", "ko", 37.0, 127.5), ("DE", "Germany", "de", 51.0, 9.0),
    ("ES", "Spain", "es", 40.0, -4.0), ("US", "United States", "en", 38.0, -97.0),
    ("CA", "Canada", "fr", 60.0, -95.0), ("FR", "France", "fr", 46.0, 2.0),
    ("JP", "Japan", "ja", 36.0, 138.0), ("IT", "Italy", "it", 42.8, 12.8),
    ("NL", "Netherlands", "nl", 52.5, 5.75), ("SE", "Sweden", "sv", 62.0, 15.0),
    ("FI", "Finland", "fi", 64.0, 26.0), ("CN", "China", "zh", 35.0, 105.0),
    ("IN", "India", "hi", 22.0, 79.0), ("BR", "Brazil", "pt", -10.0, -55.0),
    ("AU", "Australia", "en", -25.0, 135.0), ("SG", "Singapore", "en", 1.37, 103.8),
    ("IL", "Israel", "he", 31.5, 34.75), ("CH", "Switzerland", "de", 47.0, 8.0),
    ("GB", "United Kingdom", "en", 54.0, -2.0), ("VN", "Vietnam", "vi", 16.0, 106.0),
]
SECTORS = {
    "space": ["satellites", "launch-vehicles"], "bio": ["biopharma", "medical-devices", "genomics"],
    "semiconductors": ["memory", "foundry"], "defense": ["defense-electronics"],
    "quantum": ["quantum-computing", "quantum-sensing"], "robotics": ["drones", "industrial-robots"],
    "energy": ["hydrogen", "batteries"], "ai": ["machine-learning", "computer-vision"],
}
INDICATORS = [  # slug, unit, integer values?, typical magnitude
    ("research-institutes", UNIT + "NUM", True, 40), ("researchers", UNIT + "NUM", True, 15000),
    ("companies", UNIT + "NUM", True, 2500), ("annual-revenue", CUR + "KRW", True, 4 * 10**12),
    ("rd-spending", CUR + "USD", True, 8 * 10**8), ("employees", UNIT + "NUM", True, 60000),
    ("foreign-resident-share", UNIT + "PERCENT", False, 100), ("patents-filed", UNIT + "NUM", True, 3000),
]
QUALIFIERS = [("Exact", 70), ("Approximate", 15), ("LowerBound", 10), ("ApproachingFromBelow", 5)]
KINDS = [  # institution kind, schema.org class, share
    ("university", SCHEMA + "CollegeOrUniversity", 25), ("institute", SCHEMA + "ResearchOrganization", 25),
    ("company", SCHEMA + "Corporation", 40), ("agency", SCHEMA + "GovernmentOrganization", 10),
]
RANKINGS = ["global-innovation-index", "science-city-index", "university-impact-ranking"]
SCOPES = ["world", "continent", "national"]
ROLES = [("founding-member", "founding member", "창립 회원"),
         ("member-joined-later", "member (joined after founding)", "신규 회원"),
         ("chair-city", "chair city", "의장 도시")]
SYLLABLES = ["ka", "ri", "to", "men", "sa", "lo", "dan", "vi", "ber", "nor", "hai", "jeon",
             "mar", "el", "os", "un", "ta", "qui", "zen", "fa", "gor", "li", "an", "be"]


def _iri(value: str) -> str:
    return f"<{value}>"


def _id(kind: str, slug: str) -> str:
    return f"<{ID_BASE}{kind}/synth-{slug}>"


def _lit(text: str, lang: str | None = None) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


def _typed(value, datatype: str) -> str:
    return f'"{value}"^^<{XSD}{datatype}>'


class _Writer:
    """Emits N-Triples lines through ``emit`` and counts them; blank nodes get fresh labels."""

    def __init__(self, emit: Callable[[str], None]):
        self.emit = emit
        self.count = 0
        self._blank = 0

    def t(self, s: str, p: str, o: str) -> None:
        self.emit(f"{s} {p} {o} .\n")
        self.count += 1

    def blank(self) -> str:
        self._blank += 1
        return f"_:b{self._blank}"


A = _iri(RDF + "type")
LABEL = _iri(RDFS + "label")
DERIVED = _iri(PROV + "wasDerivedFrom")


def _generate(w: _Writer, cities: int, seed: int, beside_shipped: bool = False) -> None:
    rnd = random.Random(seed)
    t = w.t
    # The shipped data states the roles and unit labels already. Stated again in another graph,
    # Oxigraph's union default graph returns them twice (and a role's label doubles every
    # membership row), so data meant to sit beside data/ leaves them out.
    shared = (lambda s, p, o: None) if beside_shipped else t

    def name(parts: int = 2) -> str:
        return "".join(rnd.choice(SYLLABLES) for _ in range(parts)).capitalize()

    def hangul(n: int = 2) -> str:
        return "".join(chr(0xAC00 + rnd.randrange(11172)) for _ in range(n))

    def place_geometry(node: str, lat: float, lon: float) -> None:
        geom = w.blank()
        t(node, _iri(GEO + "hasGeometry"), geom)
        t(geom, A, _iri(GEO + "Geometry"))
        t(geom, _iri(GEO + "asWKT"), f'"POINT({lon:.5f} {lat:.5f})"^^<{GEO}wktLiteral>')
        t(node, _iri(SCHEMA + "latitude"), _typed(f"{lat:.5f}", "decimal"))
        t(node, _iri(SCHEMA + "longitude"), _typed(f"{lon:.5f}", "decimal"))

    def concept(node: str, scheme: str, label_en: str, label_ko: str | None = None,
                broader: str | None = None) -> None:
        t(node, A, _iri(SKOS + "Concept"))
        t(node, LABEL, _lit(label_en, "en"))
        if label_ko:
            t(node, LABEL, _lit(label_ko, "ko"))
        t(node, _iri(SKOS + "prefLabel"), _lit(label_en, "en"))
        t(node, _iri(SKOS + "inScheme"), scheme)
        if broader:
            t(node, _iri(SKOS + "broader"), broader)
            t(broader, _iri(SKOS + "narrower"), node)
        else:
            t(node, _iri(SKOS + "topConceptOf"), scheme)
            t(scheme, _iri(SKOS + "hasTopConcept"), node)

    def scheme(slug: str, label: str) -> str:
        node = _id("scheme", slug)
        t(node, A, _iri(SKOS + "ConceptScheme"))
        t(node, LABEL, _lit(label, "en"))
        t(node, _iri(SKOS + "prefLabel"), _lit(label, "en"))
        return node

    # -- publishers and sources
    n_publishers = max(2, cities // 50)
    publishers = []
    for i in range(n_publishers):
        node = _id("organization", f"publisher-{i}")
        t(node, A, _iri(ORG + "FormalOrganization"))
        t(node, A, _iri(SCHEMA + "Corporation"))
        t(node, LABEL, _lit(f"{name()} Daily News", "en"))
        publishers.append(node)
    sources = []
    published: dict[str, str] = {}
    for i in range(max(3, cities // 10)):
        node = _id("source", f"report-{i}")
        year = rnd.randint(FIRST_YEAR, LAST_YEAR)
        title = f"{name()} {rnd.choice(['innovation', 'science', 'research', 'industry'])} report {year}"
        t(node, A, _iri(PROV + "Entity"))
        t(node, A, _iri(SCHEMA + "NewsArticle"))
        t(node, LABEL, _lit(title, "en"))
        t(node, _iri(DCT + "title"), _lit(title, "en"))
        publisher = rnd.choice(publishers)
        published.setdefault(publisher, node)
        t(node, _iri(DCT + "publisher"), publisher)
        t(node, _iri(DCT + "issued"), _typed(f"{year}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}", "date"))
        t(node, _iri(SCHEMA + "url"), _typed(f"https://news.example.org/synth/{i}", "anyURI"))
        sources.append(node)

    def cite(node: str) -> None:
        t(node, DERIVED, rnd.choice(sources))

    # Every entity cites a source (the shapes require it). Publishers, countries and institutions
    # take theirs in turn rather than at random, so the random stream, and with it every other
    # generated value, stays what it was.
    for i, node in enumerate(publishers):   # a publisher is known from a source it published
        t(node, DERIVED, published.get(node, sources[i % len(sources)]))

    # -- vocabularies
    sector_scheme = scheme("sectors", "Synthetic strategic sectors")
    sectors = []
    for top, narrower in SECTORS.items():
        node = _id("concept", f"sector-{top}")
        concept(node, sector_scheme, top.replace("-", " "), hangul())
        sectors.append(node)
        for sub in narrower:
            child = _id("concept", f"sector-{sub}")
            concept(child, sector_scheme, sub.replace("-", " "), None, broader=node)
            sectors.append(child)
    indicator_scheme = scheme("indicators", "Synthetic indicators")
    indicators = []
    for slug, unit, integer, magnitude in INDICATORS:
        node = _id("concept", f"indicator-{slug}")
        concept(node, indicator_scheme, slug.replace("-", " "), hangul())
        indicators.append((node, unit, integer, magnitude, slug))
    group_scheme = scheme("population-groups", "Synthetic population groups")
    groups = []
    for slug in ("all-foreign-residents", "foreign-researchers", "international-students"):
        node = _id("concept", f"population-group-{slug}")
        concept(node, group_scheme, slug.replace("-", " "))
        groups.append(node)
    subject_scheme = scheme("agreement-subjects", "Synthetic agreement subjects")
    subjects = []
    for slug in ("joint-research", "technology-transfer", "global-commerce", "talent-exchange"):
        node = _id("concept", f"agreement-subject-{slug}")
        concept(node, subject_scheme, slug.replace("-", " "))
        subjects.append(node)
    scope_scheme = scheme("ranking-scopes", "Synthetic ranking scopes")
    scopes = []
    for slug in SCOPES:
        node = _id("concept", f"ranking-scope-{slug}")
        concept(node, scope_scheme, slug)
        scopes.append(node)
    category_scheme = scheme("ranking-categories", "Synthetic ranking categories")
    category = _id("concept", "ranking-category-science-and-technology-cluster")
    concept(category, category_scheme, "science and technology cluster")
    for unit, label in ((UNIT + "NUM", "number"), (UNIT + "PERCENT", "percent"),
                        (CUR + "KRW", "South Korean won"), (CUR + "USD", "US dollar")):
        shared(_iri(unit), LABEL, _lit(label, "en"))
    roles = {}
    for slug, en, ko in ROLES:
        node = f"<{ID_BASE}role/{slug}>"  # the shipped roles (same labels), so named queries apply
        shared(node, A, _iri(ORG + "Role"))
        shared(node, LABEL, _lit(en, "en"))
        shared(node, LABEL, _lit(ko, "ko"))
        roles[slug] = node
    datasets = []
    for slug in ("city-indicators", "cluster-indicators", "sector-figures"):
        node = _id("dataset", slug)
        t(node, A, _iri(QB + "DataSet"))
        t(node, LABEL, _lit(slug.replace("-", " "), "en"))
        t(node, _iri(QB + "structure"), _iri(IG + "ObservationStructure"))
        cite(node)
        datasets.append(node)

    # -- countries
    countries = []
    for i in range(max(2, min(60, cities // 15 + 2))):
        if i < len(COUNTRIES):
            code, label, lang, lat, lon = COUNTRIES[i]
        else:
            # Made-up countries take the user-assigned ISO codes XA..XZ, YA..YZ (two letters, as
            # the country shape asks, and never a real country's).
            extra = i - len(COUNTRIES)
            code, label, lang = f"{'XY'[extra // 26]}{chr(65 + extra % 26)}", f"{name(3)}ia", "en"
            lat, lon = rnd.uniform(-50, 65), rnd.uniform(-170, 170)
        node = _id("country", code.lower())
        t(node, A, _iri(SCHEMA + "Country"))
        t(node, LABEL, _lit(label, "en"))
        t(node, LABEL, _lit(hangul(), "ko"))
        t(node, _iri(SCHEMA + "identifier"), _lit(code))
        place_geometry(node, lat, lon)
        t(node, DERIVED, sources[i % len(sources)])
        countries.append((node, lang, lat, lon))

    # -- cities, clusters, institutions
    city_nodes = []
    institutions = []
    sizes = list(range(1, cities + 1))
    rnd.shuffle(sizes)   # a city's size rank; institution counts fall off as a Zipf law
    for i in range(cities):
        country, lang, clat, clon = countries[min(int(rnd.paretovariate(1.2)) - 1, len(countries) - 1)] \
            if rnd.random() < 0.7 else rnd.choice(countries)
        label = name(rnd.choice((2, 3)))
        node = _id("city", f"{i:06d}")
        lat = max(-89.0, min(89.0, clat + rnd.uniform(-4, 4)))
        lon = max(-179.0, min(179.0, clon + rnd.uniform(-6, 6)))
        t(node, A, _iri(SCHEMA + "City"))
        t(node, LABEL, _lit(label, "en"))
        t(node, LABEL, _lit(hangul(), "ko"))
        if lang in ("de", "es", "fr"):  # the city shape allows labels in en, ko, de, es and fr
            t(node, LABEL, _lit(label, lang))
        t(node, _iri(SKOS + "altLabel"), _lit(f"{label} science city", "en"))
        t(node, _iri(SCHEMA + "containedInPlace"), country)
        t(node, _iri(IG + "country"), country)
        place_geometry(node, lat, lon)
        cite(node)
        areas = [node]
        for k in range(rnd.choice((0, 0, 1, 1, 2))):
            cluster = _id("cluster", f"{i:06d}-{k}")
            t(cluster, A, _iri(IG + "InnovationCluster"))
            t(cluster, LABEL, _lit(f"{label} {rnd.choice(['Innopolis', 'Science Park', 'Tech Valley'])}", "en"))
            t(cluster, LABEL, _lit(hangul(3), "ko"))
            t(cluster, _iri(SCHEMA + "containedInPlace"), node)
            t(cluster, _iri(IG + "country"), country)
            t(cluster, _iri(SCHEMA + "foundingDate"), _typed(rnd.randint(FIRST_YEAR, 2020), "gYear"))
            place_geometry(cluster, lat + rnd.uniform(-0.1, 0.1), lon + rnd.uniform(-0.1, 0.1))
            cite(cluster)
            areas.append(cluster)
        count = max(1, round(60 / sizes[i] ** 0.7)) + rnd.randint(0, 8)
        for k in range(count):
            kind = rnd.choices(KINDS, weights=[w_ for _, _, w_ in KINDS])[0]
            inst = _id("organization", f"{i:06d}-{kind[0]}-{k}")
            t(inst, A, _iri(ORG + "FormalOrganization"))
            t(inst, A, _iri(kind[1]))
            if kind[0] == "institute" and rnd.random() < 0.3:
                t(inst, A, _iri(IG + "GovernmentFundedResearchInstitute"))
            t(inst, LABEL, _lit(f"{label} {name()} {kind[0].capitalize()}", "en"))
            if rnd.random() < 0.5:
                t(inst, LABEL, _lit(hangul(4), "ko"))
            t(inst, _iri(IG + "basedIn"), node)
            t(inst, _iri(IG + "country"), country)
            t(inst, _iri(SCHEMA + "foundingDate"), _typed(rnd.randint(FIRST_YEAR, LAST_YEAR), "gYear"))
            if kind[0] == "university" and rnd.random() < 0.6:
                t(inst, _iri(OWL + "sameAs"), _iri(f"https://ror.org/0{rnd.getrandbits(32):08x}"))
            t(inst, DERIVED, sources[k % len(sources)])
            institutions.append(inst)
        city_nodes.append((node, country, areas))

        # -- observations: a few indicators over a run of years
        for ind, unit, integer, magnitude, ind_slug in rnd.sample(indicators, rnd.randint(3, 6)):
            first = rnd.randint(FIRST_YEAR, 2020)
            value = rnd.uniform(0.1, 1.0) * magnitude
            area = rnd.choice(areas)
            for year in range(first, min(LAST_YEAR, first + rnd.randint(3, 12)) + 1):
                value *= rnd.uniform(0.95, 1.12)
                obs = _id("observation", f"{i:06d}-{ind_slug}-{year}")
                t(obs, A, _iri(QB + "Observation"))
                if unit.endswith("PERCENT"):
                    t(obs, A, _iri(IG + "ShareObservation"))
                    value = min(value, 99.0)
                t(obs, LABEL, _lit(f"{label}: indicator value {year}", "en"))
                t(obs, _iri(QB + "dataSet"), datasets[0 if area == node else 1])
                t(obs, _iri(SDMX_DIM + "refArea"), area)
                t(obs, _iri(SDMX_DIM + "refPeriod"), _typed(year, "gYear"))
                t(obs, _iri(IG + "indicator"), ind)
                if rnd.random() < 0.3:
                    t(obs, _iri(IG + "sector"), rnd.choice(sectors))
                if unit.endswith("PERCENT"):
                    t(obs, _iri(IG + "populationGroup"), rnd.choice(groups))
                measure = _typed(round(value), "integer") if integer else _typed(f"{value:.2f}", "decimal")
                t(obs, _iri(SDMX_MEASURE + "obsValue"), measure)
                t(obs, _iri(SDMX_ATTR + "unitMeasure"), _iri(unit))
                qualifier = rnd.choices(QUALIFIERS, weights=[w_ for _, w_ in QUALIFIERS])[0][0]
                t(obs, _iri(IG + "valueQualifier"), _iri(IG + qualifier))
                cite(obs)

    # -- rankings: each edition ranks a sample of cities
    for r, slug in enumerate(RANKINGS):
        ranking = _id("ranking", slug)
        t(ranking, A, _iri(IG + "Ranking"))
        t(ranking, LABEL, _lit(slug.replace("-", " ").title(), "en"))
        t(ranking, _iri(DCT + "publisher"), publishers[r % len(publishers)])
        cite(ranking)
        for year in range(2011 + r * 2, LAST_YEAR):
            ranked = rnd.sample(city_nodes, min(len(city_nodes), 10 + cities // 25))
            scope_slug = rnd.choice(SCOPES)
            scope = scopes[SCOPES.index(scope_slug)]
            for rank, (city, _, _) in enumerate(ranked, start=1):
                result = _id("ranking-result", f"{slug}-{year}-{scope_slug}-{rank}")
                t(result, A, _iri(IG + "RankingResult"))
                t(result, LABEL, _lit(f"rank {rank}, {slug} {year}", "en"))
                t(result, _iri(IG + "ranking"), ranking)
                t(result, _iri(IG + "rankedEntity"), city)
                t(result, _iri(IG + "rank"), _typed(rank, "integer"))  # Oxigraph keeps no integer subtypes
                t(result, _iri(IG + "editionYear"), _typed(year, "gYear"))
                t(result, _iri(IG + "rankingCategory"), category)
                t(result, _iri(IG + "rankingScope"), scope)
                cite(result)

    # -- alliances of 5-12 cities with dated memberships
    for a in range(max(1, cities // 8)):
        members = rnd.sample(city_nodes, min(len(city_nodes), rnd.randint(5, 12)))
        founded = rnd.randint(FIRST_YEAR, 2024)
        alliance = _id("alliance", f"{a:05d}")
        founder, founder_country, _ = members[0]
        t(alliance, A, _iri(IG + "CityAlliance"))
        t(alliance, LABEL, _lit(f"{name()} Science Cities Alliance", "en"))
        t(alliance, LABEL, _lit(hangul(4), "ko"))
        t(alliance, _iri(SCHEMA + "founder"), founder)
        t(alliance, _iri(SCHEMA + "foundingDate"), _typed(founded, "gYear"))
        t(alliance, _iri(IG + "basedIn"), founder)
        t(alliance, _iri(IG + "country"), founder_country)
        cite(alliance)
        n_founders = max(2, len(members) // 2)
        for m, (city, _, _) in enumerate(members):
            membership = _id("membership", f"{a:05d}-{m}")
            joined = founded if m < n_founders else rnd.randint(founded, LAST_YEAR)
            t(membership, A, _iri(ORG + "Membership"))
            t(membership, LABEL, _lit(f"member {m} of alliance {a}", "en"))
            t(membership, _iri(ORG + "member"), city)
            t(membership, _iri(ORG + "organization"), alliance)
            t(membership, _iri(ORG + "role"),
              roles["founding-member" if m < n_founders else "member-joined-later"])
            interval, start = w.blank(), w.blank()
            t(membership, _iri(ORG + "memberDuring"), interval)
            t(interval, A, _iri(TIME + "Interval"))
            t(interval, _iri(TIME + "hasBeginning"), start)
            t(start, A, _iri(TIME + "Instant"))
            t(start, _iri(TIME + "inXSDgYear"), _typed(joined, "gYear"))
            cite(membership)

    # -- agreements between two cities or two institutions
    for g in range(max(1, cities // 2)):
        pool = institutions if rnd.random() < 0.5 and len(institutions) > 1 else [c for c, _, _ in city_nodes]
        if len(pool) < 2:
            break
        first, second = rnd.sample(pool, 2)
        agreement = _id("agreement", f"{g:06d}")
        t(agreement, A, _iri(IG + "MemorandumOfUnderstanding"))
        t(agreement, LABEL, _lit(f"memorandum of understanding {g}", "en"))
        t(agreement, _iri(IG + "party"), first)
        t(agreement, _iri(IG + "party"), second)
        t(agreement, _iri(DCT + "subject"), rnd.choice(subjects))
        t(agreement, _iri(DCT + "date"), _typed(
            f"{rnd.randint(FIRST_YEAR, LAST_YEAR)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}", "date"))
        cite(agreement)


def generate(cities: int, seed: int = 0) -> Iterator[str]:
    """The N-Triples lines of a dataset with ``cities`` cities (buffered, not lazy per triple)."""
    lines: list[str] = []
    _generate(_Writer(lines.append), cities, seed)
    return iter(lines)


def write(path: Path | str, *, cities: int, seed: int = 0, beside_shipped: bool = False) -> int:
    """Stream the dataset to ``path`` (.nt or .ttl); return the number of triples written.

    ``beside_shipped``: leave out what data/ states already (membership roles, unit labels), for
    data loaded into a store that holds the shipped data; alone it would not pass the shapes.
    Raises UsageError for another extension or fewer than one city.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".nt", ".ttl"):
        raise UsageError(f"{path}: synthetic data is written as .nt or .ttl, not {suffix or '(none)'}")
    if cities < 1:
        raise UsageError("--cities must be at least 1")
    with path.open("w", encoding="utf-8", buffering=1 << 20) as out:
        if suffix == ".ttl":
            out.write("# Synthetic innograph data (innograph synth): N-Triples lines, valid Turtle.\n")
        writer = _Writer(out.write)
        _generate(writer, cities, seed, beside_shipped)
    return writer.count
