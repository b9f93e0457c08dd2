"""Data fidelity (issue 16): what a researcher citing the graph relies on, checked over the shipped
data and, for each fact taken from a table or the reference notes, against that table or note.

- every entity (not vocabulary: concepts, schemes, roles; not the sources themselves) cites a source;
- no observation (same indicator, area, breakdown and period) is stated twice;
- one node per real-world thing (Wikidata, ROR or GeoNames identifier);
- no organisation carries coordinates its source does not give as its own;
- the corrected statements, the over-readings softened, and the tables and reference facts loaded.
"""

from __future__ import annotations

import csv
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox

from innograph.ingest.mapping_functions import source_slug

ROOT = Path(__file__).resolve().parents[1]
BREADTH = ROOT / "sources" / "breadth"
REFERENCE = ROOT / "sources" / "reference"
MAPPINGS = ROOT / "mappings"
ID = "https://w3id.org/innograph/id/"
PREFIXES = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX org: <http://www.w3.org/ns/org#> PREFIX schema: <https://schema.org/>
PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX geo: <http://www.opengis.net/ont/geosparql#> PREFIX ig: <https://w3id.org/innograph/ontology#>
PREFIX sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#>
PREFIX sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#>
"""
# Vocabulary and sources: what a statement cites or is classified by, not what it is about.
NOT_ENTITIES = ("skos:Concept", "skos:ConceptScheme", "org:Role", "prov:Entity")


def read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def select(store, sparql: str) -> list[dict]:
    """The solutions as dicts of variable name -> value (None when unbound)."""
    solutions = store.query(PREFIXES + sparql)
    names = [v.value for v in solutions.variables]
    return [{name: (None if row[name] is None else row[name].value) for name in names} for row in solutions]


def source_iri(reference: str) -> str:
    return ID + "source/" + source_slug(reference)


def number(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


# -- the invariants -----------------------------------------------------------------------------

def test_every_entity_cites_a_source(shipped_store):
    kinds = select(shipped_store, f"""
        SELECT ?type (COUNT(DISTINCT ?node) AS ?n) (COUNT(DISTINCT ?bare) AS ?without) WHERE {{
          ?node a ?type . FILTER(STRSTARTS(STR(?node), "{ID}"))
          FILTER NOT EXISTS {{ ?node a ?vocabulary VALUES ?vocabulary {{ {' '.join(NOT_ENTITIES)} }} }}
          OPTIONAL {{ FILTER NOT EXISTS {{ ?node prov:wasDerivedFrom ?source }} BIND(?node AS ?bare) }}
        }} GROUP BY ?type""")
    counts = {k["type"]: int(k["n"]) for k in kinds}
    missing = {k["type"]: int(k["without"]) for k in kinds if int(k["without"])}
    assert missing == {}
    # Not vacuous: every kind of entity the issue named is among those checked, the ROR
    # placeholders (organisations only named by a relationship) included.
    schema, org = "https://schema.org/", "http://www.w3.org/ns/org#"
    assert counts[schema + "Country"] >= 6 and counts[schema + "City"] >= 7 and counts[schema + "AdministrativeArea"] >= 2
    assert counts[org + "FormalOrganization"] > 1000
    placeholders = select(shipped_store, f"""
        SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ ?o rdfs:label ?l . FILTER(STRSTARTS(?l, "ROR organisation "))
          ?o prov:wasDerivedFrom ?record . FILTER(STRSTARTS(STR(?record), "{ID}source/ror-record-")) }}""")
    assert int(placeholders[0]["n"]) > 300


def test_every_source_cited_is_described(shipped_store):
    # A citation points at a source node with a label and a publisher, never at a bare IRI.
    bare = select(shipped_store, """
        SELECT DISTINCT ?source WHERE { ?s prov:wasDerivedFrom ?source
          FILTER NOT EXISTS { ?source a prov:Entity ; rdfs:label ?label ; dcterms:publisher ?publisher } }""")
    assert bare == []


def test_no_observation_is_stated_twice(shipped_store):
    keys = select(shipped_store, """
        SELECT ?indicator ?area ?period ?sector ?group (COUNT(DISTINCT ?o) AS ?n) WHERE {
          ?o a qb:Observation ; ig:indicator ?indicator ; sdmx-dimension:refArea ?area ; sdmx-dimension:refPeriod ?period .
          OPTIONAL { ?o ig:sector ?sector } OPTIONAL { ?o ig:populationGroup ?group }
        } GROUP BY ?indicator ?area ?period ?sector ?group HAVING (COUNT(DISTINCT ?o) > 1)""")
    assert keys == []


def test_a_sum_over_the_zones_counts_each_ministry_figure_once(shipped_store):
    # The ministry's all-zone figures are in the seed (korea.net) and in innopolis_statistics.csv
    # (korea.kr): one observation each, citing both, so a SUM gives the table's value.
    seed_of = {(r["zone"], r["metric"], r["reference_year"]): r["observation"]
               for r in read(MAPPINGS / "innopolis-seed-observations.csv")}
    rows = [r for r in read(BREADTH / "innopolis_statistics.csv")
            if (r["zone"], r["metric"], r["reference_year"]) in seed_of]
    assert len(rows) == 7
    for row in rows:
        node = seed_of[(row["zone"], row["metric"], row["reference_year"])]
        total = select(shipped_store, f"""
            SELECT (SUM(?v) AS ?total) WHERE {{
              <{node}> ig:indicator ?i ; sdmx-dimension:refArea ?a ; sdmx-dimension:refPeriod ?p .
              ?o ig:indicator ?i ; sdmx-dimension:refArea ?a ; sdmx-dimension:refPeriod ?p ; sdmx-measure:obsValue ?v }}""")
        sources = select(shipped_store, f"SELECT ?s WHERE {{ <{node}> prov:wasDerivedFrom ?s }}")
        got = {"total": total[0]["total"], "sources": " ".join(s["s"] for s in sources)}
        scale = {"trillion KRW": 10 ** 12}.get(row["unit"], 1)
        assert Decimal(got["total"]) == number(row["value"]) * scale, row
        assert set(got["sources"].split()) == {ID + "source/msit-rnd-special-zones-press-release",
                                               source_iri(row["source"])}


def test_one_node_per_wikidata_ror_or_geonames_identifier(shipped_store):
    shared = select(shipped_store, """
        SELECT ?id (COUNT(DISTINCT ?node) AS ?n) WHERE { ?node owl:sameAs ?id
          FILTER(STRSTARTS(STR(?id), "http://www.wikidata.org/entity/") || STRSTARTS(STR(?id), "https://ror.org/")
                 || STRSTARTS(STR(?id), "https://sws.geonames.org/")) } GROUP BY ?id HAVING (COUNT(DISTINCT ?node) > 1)""")
    assert shared == []
    # The University of Málaga is the seed's node, which carries ROR's record.
    malaga = [r for r in read(BREADTH / "ror_gini_places.csv") if r["name"] == "Universidad de Málaga"]
    assert len(malaga) == 1
    nodes = select(shipped_store, f"SELECT ?node WHERE {{ ?node owl:sameAs <{malaga[0]['ror_id']}> }}")
    assert nodes == [{"node": ID + "organization/university-of-malaga"}]
    minted = ID + "organization/ror-" + malaga[0]["ror_id"].rsplit("/", 1)[1]
    assert not list(shipped_store.quads_matching(ox.NamedNode(minted), None, None))
    assert not list(shipped_store.quads_matching(None, None, ox.NamedNode(minted)))


def test_no_organisation_has_coordinates_its_source_does_not_give(shipped_store):
    # entities.csv leaves organisation coordinates blank; ROR's are its GeoNames city's. So an
    # organisation may carry coordinates only if an entities.csv row with its identifier gives them.
    given = set()
    for row in read(REFERENCE / "entities.csv"):
        if row["lat"] and (row["ror"] or row["wikidata"]):
            given |= {f"https://ror.org/{row['ror']}", f"http://www.wikidata.org/entity/{row['wikidata']}"}
    placed = select(shipped_store, """
        SELECT DISTINCT ?org (GROUP_CONCAT(DISTINCT STR(?id); separator=" ") AS ?ids) WHERE {
          ?org a org:Organization . { ?org schema:latitude ?lat } UNION { ?org geo:hasGeometry ?g }
          OPTIONAL { ?org owl:sameAs ?id } } GROUP BY ?org""")
    assert [p["org"] for p in placed if not set((p["ids"] or "").split()) & given] == []
    # What ROR gives, the city, is linked as the city: KAIST's record names Daejeon's GeoNames feature.
    kaist = next(r for r in read(BREADTH / "ror_gini_places.csv") if r["ror_id"] == "https://ror.org/05apxxy63")
    located = select(shipped_store, f"SELECT ?where WHERE {{ <{ID}organization/kaist> schema:location ?where }}")
    assert located == [{"where": f"https://sws.geonames.org/{kaist['geonames_id']}/"}]


# -- the corrected statements -------------------------------------------------------------------

def test_an_organisation_outside_its_member_place_is_not_based_there(shipped_store):
    # The Lamarr Institute is listed for Dortmund, but ROR places it in Sankt Augustin.
    rows = [r for r in read(BREADTH / "ror_gini_places.csv") if r["gini_place"] == "Dortmund"]
    lamarr = [r for r in rows if r["ror_id"] == "https://ror.org/04s11ea33"]
    assert lamarr and lamarr[0]["city"] == "Sankt Augustin"
    for row in rows:
        node = ID + "organization/ror-" + row["ror_id"].rsplit("/", 1)[1]
        based = [r["place"] for r in select(shipped_store, f"SELECT ?place WHERE {{ <{node}> ig:basedIn ?place }}")]
        assert based == ([ID + "city/dortmund"] if row["city"] == "Dortmund" else []), row["name"]
        located = [r["where"] for r in select(shipped_store, f"SELECT ?where WHERE {{ <{node}> schema:location ?where }}")]
        assert located == [f"https://sws.geonames.org/{row['geonames_id']}/"]


def test_the_quebec_science_park_is_not_called_a_member_place(shipped_store):
    members = {r["member"] for r in select(shipped_store, f"""
        SELECT ?member WHERE {{ ?m org:organization <{ID}alliance/gini> ; org:member ?member ; org:role ?role
          VALUES ?role {{ <{ID}role/founding-member> <{ID}role/member-joined-later> }} }}""")}
    assert ID + "region/quebec" in members and ID + "city/quebec-city" not in members
    for row in read(BREADTH / "science_parks_gini_places.csv"):
        texts = select(shipped_store, f"""
            SELECT ?text WHERE {{ ?park rdfs:label "{row['park']}"@en ; rdfs:comment ?text }}""")
        assert texts, row["park"]
        for text in (t["text"] for t in texts):
            assert f"member place {row['place']}" not in text


def test_gii_results_say_which_ranking_they_belong_to(shipped_store):
    # The seed's 2022 ranks of Daejeon are the intensity ranking; the table gives both for 2022.
    table = next(r for r in read(BREADTH / "gii_st_clusters_from_press.csv")
                 if r["gii_edition"] == "2022" and r["cluster"] == "Daejeon")
    seed = select(shipped_store, f"""
        SELECT ?scope ?rank ?category WHERE {{ ?r ig:rankedEntity <{ID}city/daejeon> ; ig:editionYear "2022"^^<http://www.w3.org/2001/XMLSchema#gYear> ;
          ig:rank ?rank ; ig:rankingScope ?scope ; ig:rankingCategory ?category }}""")
    assert {r["category"] for r in seed} == {ID + "concept/ranking-category/st-cluster-intensity"}
    world = next(r for r in seed if r["scope"].endswith("/world"))
    assert world["rank"] == table["rank_by_intensity"] != table["rank_by_size"]
    # Every GII science-and-technology result names its measure, except one whose source does not.
    unmarked = select(shipped_store, f"""
        SELECT ?r WHERE {{ ?r ig:ranking <{ID}ranking/global-innovation-index>
          FILTER NOT EXISTS {{ ?r ig:rankingCategory ?c VALUES ?c {{ <{ID}concept/ranking-category/st-cluster-intensity>
                                                                   <{ID}concept/ranking-category/st-cluster-size> }} }} }}""")
    assert unmarked == [{"r": ID + "ranking-result/gii-2023-daejeon-asia"}]
    # ...and each is stated once: the table's 2022 intensity rank 3 is the seed's world rank 3,
    # which cites both (a city and the GII cluster lying in it count as one ranked place).
    twice = select(shipped_store, f"""
        SELECT ?edition ?place ?category ?scope (COUNT(DISTINCT ?r) AS ?n) WHERE {{
          ?r ig:ranking <{ID}ranking/global-innovation-index> ; ig:editionYear ?edition ; ig:rankedEntity ?entity ;
             ig:rankingCategory ?category ; ig:rankingScope ?scope .
          OPTIONAL {{ ?entity schema:containedInPlace ?city . ?city a schema:City }}
          BIND(COALESCE(?city, ?entity) AS ?place)
        }} GROUP BY ?edition ?place ?category ?scope HAVING (COUNT(DISTINCT ?r) > 1)""")
    assert twice == []
    sources = {r["s"] for r in select(shipped_store, f"SELECT ?s WHERE {{ <{ID}ranking-result/gii-2022-daejeon-world> prov:wasDerivedFrom ?s }}")}
    assert {source_iri(ref.strip()) for ref in table["source"].split(" ; ")} <= sources


def test_the_49_institutes_conflict_with_the_30_to_38_of_other_sources(shipped_store):
    stats = read(BREADTH / "innopolis_statistics.csv")
    others = {number(r["value"]) for r in stats if r["zone"] == "Daedeok" and r["metric"] in
              ("public research institutes incl. GRIs", "government-funded research institutes")
              and r["reference_year"] in ("2012", "2022")}
    rows = select(shipped_store, f"""
        SELECT ?claim ?label ?value ?back WHERE {{
          <{ID}observation/daedeok-national-research-institutes-2026> ig:conflictsWith ?claim ; sdmx-measure:obsValue ?seed .
          ?claim a ig:Claim ; rdfs:label ?label ; dcterms:references ?other .
          ?other sdmx-measure:obsValue ?value .
          OPTIONAL {{ ?claim ig:conflictsWith ?back }} }}""")
    assert {Decimal(r["value"]) for r in rows} == others == {Decimal(30), Decimal(38)}
    assert {r["back"] for r in rows} == {ID + "observation/daedeok-national-research-institutes-2026"}
    assert f"{min(others)} to {max(others)}" in rows[0]["label"] and "not 49" in rows[0]["label"]


def test_over_readings_are_softened(shipped_store):
    def ask(sparql: str) -> bool:
        return bool(shipped_store.query(PREFIXES + sparql))
    # Daejeon's participation in the visa programme is a stated goal, not a fact.
    assert not ask(f"ASK {{ <{ID}programme/moj-regional-visa-programme> ig:participant ?p }}")
    assert ask(f"ASK {{ ?c a ig:Claim ; ig:claimant <{ID}person/lee-jang-woo> ; dcterms:subject <{ID}programme/moj-regional-visa-programme> }}")
    # A name is given only in a spelling a cited source uses (the Korean press gives Hangul only).
    assert not ask('ASK { ?p rdfs:label|skos:altLabel ?l FILTER(CONTAINS(STR(?l), "Chiu Chen-yuan")) }')
    # The officers are not joined to the Leaders Assembly, whose source does not name them.
    assert not ask(f"ASK {{ <{ID}event/gini-leaders-assembly-2024> dcterms:description ?d FILTER(CONTAINS(?d, 'officers')) }}")
    # Who signed the charter and the joint declaration is an assumption, kept as a claim with its basis.
    for text in ("gini-charter", "gini-joint-declaration"):
        assert not ask(f"ASK {{ <{ID}agreement/{text}> ig:party ?p }}")
        assert ask(f"ASK {{ ?c a ig:Claim ; dcterms:subject <{ID}agreement/{text}> ; ig:basis ?b }}")
    # The bio revenue is not called annual; the quantum centre's 'largest' has no added scope.
    assert ask(f"ASK {{ <{ID}observation/bio-revenue-2026> ig:indicator <{ID}concept/indicator/revenue> }}")
    assert not ask(f"ASK {{ <{ID}facility/quantum-fabrication-centre> ?p ?t FILTER(CONTAINS(STR(?t), 'in Korea')) }}")
    # No provider is named where the source names none; the Quebec department is described, not named.
    for programme in ("daejeon-community-integration-events", "daejeon-international-student-sports-competitions"):
        assert not ask(f"ASK {{ <{ID}programme/{programme}> schema:provider ?p }}")
    assert not ask('ASK { ?o rdfs:label "Quebec Ministry of International Relations"@en }')


# -- the tables and reference facts loaded ------------------------------------------------------

def test_strategic_sectors_table(shipped_store):
    rows = read(BREADTH / "daejeon_strategic_sectors.csv")
    concept = {r["code"]: r["concept"] for r in read(MAPPINGS / "sector-codes.csv")}
    assert len(rows) == 6
    for row in rows:
        got = select(shipped_store, f"""
            SELECT ?notation (GROUP_CONCAT(?alt; separator="|") AS ?alts) WHERE {{
              <{concept[row['code']]}> skos:notation ?notation ; skos:altLabel ?alt }} GROUP BY ?notation""")
        assert got[0]["notation"] == row["code"]
        assert {row["sector_en"], row["sector_ko"]} <= set(got[0]["alts"].split("|"))

    def codes(policy: str) -> set[str]:
        return {r["n"] for r in select(shipped_store, f"""
            SELECT ?n WHERE {{ <{ID}policy/{policy}> ig:sector ?s . ?s skos:notation ?n }}""")}
    assert codes("daejeon-2023-four-core-industries") == {r["code"] for r in rows if r["in_2023_4core_plan"] == "yes"} \
        == set("ABCD")
    assert codes("daejeon-abcd-qr-strategic-sectors") == {r["code"] for r in rows}


def test_nature_index_2017_table(shipped_store):
    rows = read(BREADTH / "nature_index_2017_daejeon_top10.csv")
    got = {int(r["rank"]): r for r in select(shipped_store, f"""
        SELECT ?rank ?score ?entity ?ror ?name WHERE {{
          ?r ig:ranking <{ID}ranking/nature-index> ; ig:editionYear ?year ; ig:rank ?rank ; ig:score ?score ;
             ig:rankedEntity ?entity ; prov:wasDerivedFrom ?source .
          OPTIONAL {{ ?entity owl:sameAs ?ror FILTER(STRSTARTS(STR(?ror), "https://ror.org/")) }}
          OPTIONAL {{ ?entity rdfs:label ?name FILTER(LANG(?name) = "en") }}
          FILTER(STR(?year) = "2017") }}""")}
    assert sorted(got) == sorted(int(r["rank_2016"]) for r in rows) == list(range(1, 11))
    for row in rows:
        result = got[int(row["rank_2016"])]
        assert Decimal(result["score"]) == Decimal(row["wfc_2016"])
        matched = row["ror_id_matched"]
        if matched.startswith("https://ror.org/"):
            assert result["ror"] == matched, row["institution"]   # the registry's node, not a new one
        else:
            assert result["ror"] is None and result["name"] == row["institution"]


def test_gii_2023_cluster_volumes(shipped_store):
    expected = {}
    for row in read(BREADTH / "gii_st_clusters_from_press.csv"):
        for column, indicator in (("pct_applications_5yr", "pct-applications-five-year-total"),
                                  ("scientific_publications_5yr", "scientific-publications-five-year-total")):
            if row[column]:
                expected[(row["gii_edition"], row["cluster"], indicator)] = Decimal(row[column])
    assert len(expected) == 29
    got = {}
    for r in select(shipped_store, f"""
            SELECT ?period ?cluster ?indicator ?value WHERE {{
              ?o ig:indicator ?indicator ; sdmx-dimension:refArea ?area ; sdmx-dimension:refPeriod ?period ;
                 sdmx-measure:obsValue ?value ; prov:wasDerivedFrom ?s .
              ?area rdfs:label ?label . BIND(STRBEFORE(?label, " (GII science") AS ?cluster)
              VALUES ?indicator {{ <{ID}concept/indicator/pct-applications-five-year-total>
                                  <{ID}concept/indicator/scientific-publications-five-year-total> }} }}"""):
        got[(r["period"], r["cluster"], r["indicator"].rsplit("/", 1)[1])] = Decimal(r["value"])
    assert got == expected


def _notes_block(heading_url: str) -> str:
    text = (REFERENCE / "NOTES.md").read_text(encoding="utf-8")
    start = text.index(heading_url)
    return text[start:text.index("\n- ", start + 1)]


def test_daejeon_go_kr_figures(shipped_store):
    block = _notes_block("menuSeq=2727")
    institutes, universities, centres = re.search(
        r"(\d+) government-funded research institutes, (\d+) universities and (\d+) private R&D centres", block).groups()
    expected = {
        "government-funded-research-institutes": (institutes, "Exact"),
        "universities": (universities, "Exact"),
        "corporate-rnd-centres": (centres, "Exact"),
        "share-of-national-rnd-expenditure": (re.search(r"(\d+)% of national R&D investment", block).group(1), "Exact"),
        "share-of-national-se-doctorate-holders-employed":
            (re.search(r"(\d+)% of Korea's S&E doctorate holders", block).group(1), "Exact"),
        "graduates-per-year": (re.search(r"about ([\d,]+) graduates a year", block).group(1), "Approximate"),
    }
    got = {r["indicator"].rsplit("/", 1)[1]: (Decimal(r["value"]), r["qualifier"].rsplit("#", 1)[1])
           for r in select(shipped_store, f"""
               SELECT ?indicator ?value ?qualifier WHERE {{
                 ?o qb:dataSet <{ID}dataset/daejeon-go-kr-research-figures> ; ig:indicator ?indicator ;
                    sdmx-dimension:refArea <{ID}city/daejeon> ; sdmx-measure:obsValue ?value ; ig:valueQualifier ?qualifier ;
                    prov:wasDerivedFrom <{ID}source/daejeon-go-kr-daedeok-research-complex> , <{ID}source/reference-notes> }}""")}
    assert got == {k: (number(v), q) for k, (v, q) in expected.items()}


def test_ministry_of_justice_seat_and_founding(shipped_store):
    row = next(r for r in read(REFERENCE / "entities.csv") if r["key"] == "moj_korea")
    # "HQ Building 1 Gwacheon Government Complex (47 Gwanmun-ro, Gwacheon), est. 17 Jul 1948"
    building, complex_, street, day, month, year = re.search(
        r"HQ (Building \d+) (.+?) \((.+?)\), est\. (\d+) (\w+) (\d{4})", row["sources"]).groups()
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    got = select(shipped_store, f"""
        SELECT ?address ?founded WHERE {{ <{ID}organization/moj-korea> schema:address ?address ; schema:foundingDate ?founded ;
          prov:wasDerivedFrom <{ID}source/reference-entities> }}""")
    assert len(got) == 1
    assert date.fromisoformat(got[0]["founded"]) == date(int(year), months.index(month) + 1, int(day))
    for part in (building, complex_, street):
        assert part in got[0]["address"]


def test_gii_co_publishers_and_first_edition(shipped_store):
    row = next(r for r in read(REFERENCE / "entities.csv") if r["key"] == "global_innovation_index")
    year, publishers = re.search(r"GII created (\d{4}); co-published by ([^)]+)\)", row["sources"]).groups()
    names = set(re.split(r", | and ", publishers))
    got = select(shipped_store, f"""
        SELECT ?created (GROUP_CONCAT(DISTINCT ?name; separator="|") AS ?names) WHERE {{
          <{ID}ranking/global-innovation-index> dcterms:created ?created ; schema:publisher ?p .
          ?p rdfs:label|skos:altLabel ?name }} GROUP BY ?created""")
    assert got[0]["created"] == year
    assert names == {"Cornell University", "INSEAD", "WIPO"} and names <= set(got[0]["names"].split("|"))
