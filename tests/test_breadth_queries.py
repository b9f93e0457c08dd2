"""Named queries over the breadth data (issue 8), each checked against the CSVs in sources/breadth."""

from __future__ import annotations

import csv
from pathlib import Path

import pyoxigraph as ox

from innograph.service.catalogue import read_query

ROOT = Path(__file__).resolve().parents[1]
BREADTH = ROOT / "sources" / "breadth"
ID = "https://w3id.org/innograph/id/"


def read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def run(store, name, **params):
    query = read_query(ROOT / "queries" / f"{name}.rq")
    subs = {ox.Variable(k): ox.NamedNode(ID + v) for k, v in params.items()}
    return list(store.query(query.text if hasattr(query, "text") else query.sparql, substitutions=subs or None))


def test_daejeon_cluster_rank_by_size_and_intensity_per_edition(shipped_store):
    rows = run(shipped_store, "daejeon-cluster-ranks", city="city/daejeon")
    got = [(r["measure"].value.rsplit(" ", 1)[-1], int(r["edition"].value), int(r["rank"].value)) for r in rows]
    # sources/README.md: size 22/20/18/17 (2021-2024), intensity 7/6/3/6/7 (2020-2024).
    assert got == [("intensity", 2020, 7), ("intensity", 2021, 6), ("intensity", 2022, 3), ("intensity", 2023, 6),
                   ("intensity", 2024, 7), ("size", 2021, 22), ("size", 2022, 20), ("size", 2023, 18),
                   ("size", 2024, 17)]
    assert all(r["sources"].value for r in rows)


def test_parent_bodies_of_daejeon_institutes(shipped_store):
    rows = run(shipped_store, "parent-bodies-of-institutes", place="city/daejeon")
    names = {(r["instituteName"].value, r["parent"].value.rsplit("/", 1)[-1]) for r in rows}
    # The 35 ROR links below, the seed's GINI secretariat (part of GINI) and the Nature Index's
    # IBS Center for Theoretical Physics of the Universe (a unit of IBS, no ROR record of its own).
    assert len(rows) == 37
    assert ("GINI permanent secretariat", "gini") in names
    assert ("Center for Theoretical Physics of the Universe, IBS", "ror-00y0zf565") in names
    assert ("Agency for Defense Development", "ror-04bjg9m96") in names          # DAPA
    assert ("Korea Research Institute of Standards and Science", "ror-058rymf81") in names  # NST
    assert ("National NanoFab Center", "kaist") in names                        # from KAIST's 'child' link
    # The same 35 pairs, derived from the two ROR tables directly.
    places = {r["ror_id"]: r for r in read(BREADTH / "ror_gini_places.csv")}
    daejeon = {k for k, r in places.items() if r["gini_place"] == "Daejeon"}
    expected = set()
    for r in read(BREADTH / "ror_gini_relationships.csv"):
        if r["relation"] == "parent" and r["ror_id"] in daejeon:
            expected.add((r["ror_id"], r["target_ror"]))
        if r["relation"] == "child" and r["target_ror"] in daejeon:
            expected.add((r["target_ror"], r["ror_id"]))
    assert len(expected) == 35

    def ror(node):
        found = [q.object.value for q in shipped_store.quads_matching(
            node, ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs"), None)
            if q.object.value.startswith("https://ror.org/")]
        return found[0] if found else None
    got = {(ror(r["institute"]), ror(r["parent"])) for r in rows} - {(None, None)}
    assert got == expected | {(None, "https://ror.org/00y0zf565")}
    parent_names = {r["parentName"].value for r in rows if r["parentName"] is not None}
    assert "Defense Acquisition Program Administration" in parent_names


def test_research_organisations_per_member_place_by_type(shipped_store):
    rows = run(shipped_store, "research-organisations-by-place-and-type")
    daejeon = {r["type"].value.rsplit("/", 1)[-1]: int(r["organisations"].value)
               for r in rows if r["place"].value == ID + "city/daejeon"}
    # ror_gini_places.csv, Daejeon rows: facility 28, government 10, education 6, healthcare 6,
    # company 5, nonprofit 3; plus the city government. The seed's Hanbat National University is
    # one of the 6 universities (ROR 00x514t95 merged into the seed node), not a seventh.
    assert daejeon == {"ResearchOrganization": 28, "GovernmentOrganization": 11, "CollegeOrUniversity": 6,
                       "MedicalOrganization": 6, "Corporation": 5, "NGO": 3}
    places = {r["placeName"].value for r in rows}
    assert places == {"Daejeon", "Dortmund", "Málaga", "Montgomery County", "Quebec", "Seattle"}


def test_daedeok_2005_vs_2022_by_indicator(shipped_store):
    rows = run(shipped_store, "daedeok-2005-vs-2022", area="cluster/daedeok-innopolis")
    got = {r["indicator"].value.rsplit("/", 1)[-1]: (r["unit"].value.rsplit("/", 1)[-1],
                                                       r["value2005"].value, r["value2022"].value) for r in rows}
    # innopolis_statistics.csv, Innopolis Foundation page, Daedeok 2005 and 2022 (million KRW x 1e6).
    assert got == {"resident-institutions": ("NUM", "752", "2454"),
                   "annual-revenue": ("KRW", "2563893000000", "25080749000000"),
                   "employees": ("NUM", "23558", "91886"),
                   "phd-researchers": ("NUM", "6236", "17604"),
                   "patents": ("NUM", "28560", "119683")}
    innopolis = ID + "source/innopolis-or-kr-board-menuid-menu01074"
    sources = {r["indicator"].value.rsplit("/", 1)[-1]: set(r["sources"].value.split()) for r in rows}
    assert all(innopolis in found for found in sources.values())
    # The Hankook Ilbo's rounded 2022 PhD count (about 17,000) is a second source of the same
    # observation, not a second observation.
    assert {k: found - {innopolis} for k, found in sources.items() if found != {innopolis}} == {
        "phd-researchers": {ID + "source/hankookilbo-com-news-read-a2024113021060003798"}}


def test_zones_by_designation_year(shipped_store):
    rows = run(shipped_store, "zones-by-designation-year")
    by_year: dict[str, list[str]] = {}
    for r in rows:
        by_year.setdefault(r["year"].value, []).append(r["zoneName"].value.split()[0])
    # korea_rnd_special_zones.csv: 17 zones; Daedeok's designation is the seed's (2005-07).
    assert by_year == {"2005": ["Daedeok"], "2011": ["Daegu", "Gwangju"], "2012": ["Busan"], "2015": ["Jeonbuk"],
                       "2019": ["Ansan", "Changwon", "Cheongju", "Gimhae", "Jinju", "Pohang"],
                       "2020": ["Cheonan-Asan", "Gumi", "Gunsan", "Hongneung", "Naju", "Ulju"]}
    dates = {r["zoneName"].value.split()[0]: r["date"].value for r in rows}
    assert dates["Daedeok"] == "2005-07" and dates["Jeonbuk"] == "2015-07-13" and dates["Gumi"] == "2020-07-27"
    daedeok = next(r["sources"].value.split() for r in rows if r["zone"].value == ID + "cluster/daedeok-innopolis")
    # The seed's source and the table's two sources, side by side.
    assert ID + "source/daejeon-innopolis-daedeok-page" in daedeok and len(daedeok) == 3


def test_science_parks_of_member_places(shipped_store):
    rows = run(shipped_store, "science-parks-of-members", alliance="alliance/gini")
    got = {r["memberName"].value: (r["park"].value.removeprefix(ID + "cluster/"),
                                   r["founded"].value if r["founded"] is not None else None) for r in rows}
    # science_parks_gini_places.csv; a founding date only where the cell names one (Málaga 1992-12-09,
    # Quebec 1988), Daedeok keeps the seed's 1973; Dortmund's '1984; 1985 (some sources 1988)' stays a claim.
    assert got == {"Daejeon": ("daedeok-innopolis", "1973"),
                   "Dortmund": ("technologiepark-dortmund-technologiezentrumdortmund-tzdo", None),
                   "Montgomery County": ("i-270-corridor-great-seneca-science-corridor-shady-grove-life-sciences-center", None),
                   "Málaga": ("malaga-techpark-parque-tecnologico-de-andalucia-pta", "1992-12-09"),
                   "Quebec": ("parc-technologique-du-quebec-metropolitain-ptqm", "1988"),
                   "Seattle": ("south-lake-union-life-sciences-district", None)}
    reported = {r["memberName"].value: r["foundingAsReported"].value for r in rows if r["foundingAsReported"] is not None}
    assert "TZDO 1984; park 1985 (some sources 1988)" in reported["Dortmund"]
    assert set(reported) == {"Daejeon", "Dortmund", "Málaga", "Quebec"}
    malaga = next(r["sources"].value.split() for r in rows if r["memberName"].value == "Málaga")
    assert len(malaga) == 3


def test_membership_evidence_conflicts_are_recorded_not_resolved(shipped_store):
    rows = list(shipped_store.query(
        "PREFIX ig: <https://w3id.org/innograph/ontology#> PREFIX prov: <http://www.w3.org/ns/prov#> "
        "SELECT ?claim ?other ?source WHERE { GRAPH <https://w3id.org/innograph/graph/breadth-gini-membership> "
        "{ ?claim a ig:Claim ; ig:conflictsWith ?other ; prov:wasDerivedFrom ?source } }"))
    conflicts = {(r["claim"].value.removeprefix(ID + "claim/"), r["other"].value.removeprefix(ID)) for r in rows}
    # gini_membership.csv: Quebec (2 sources) listed as a member in 2026-02, the seed says it joined in
    # 2025; Hsinchu (1 source) a participating city of the launch, the seed an invited guest.
    assert conflicts == {("gini-membership-evidence-province-of-quebec-1", "membership/gini-quebec"),
                         ("gini-membership-evidence-province-of-quebec-2", "membership/gini-quebec"),
                         ("gini-membership-evidence-hsinchu-1", "membership/gini-hsinchu-invited-guest-2024")}
    # One claim per source of each row (7 rows, 13 references); no membership is created.
    claims = shipped_store.query(
        "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { GRAPH <https://w3id.org/innograph/graph/breadth-gini-membership> "
        "{ ?c a <https://w3id.org/innograph/ontology#Claim> } }")
    assert int(next(iter(claims))["n"].value) == sum(len(r["source"].split(";")) for r in read(BREADTH / "gini_membership.csv"))
    assert not shipped_store.query("ASK { GRAPH <https://w3id.org/innograph/graph/breadth-gini-membership> "
                                   "{ ?m a <http://www.w3.org/ns/org#Membership> } }")
