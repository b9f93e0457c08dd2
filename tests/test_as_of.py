"""Validity time in the named queries: ``as_of=YEAR`` is the state of the world at the end of that
year (docs/versions.md). Each expected answer is derived from the same query without ``as_of``
(whose exact answer tests/test_competency_queries.py and tests/test_breadth_queries.py pin),
filtered by year here in Python, so a wrong filter in the query cannot agree with it by accident."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from innograph.errors import UsageError
from innograph.rdf.parsing import parse_term
from innograph.service.catalogue import read_query

ROOT = Path(__file__).resolve().parents[1]
ID = "https://w3id.org/innograph/id/"
# Observations of 2022 and 2024 (The Hankook Ilbo, 2024-11-30).
HANKOOK = ID + "dataset/innopolis-statistics-hankookilbo-com-news-read-a2024113021060003798"
# Observations of 2005 and 2022 of the same indicators (the Innopolis Foundation's page).
INNOPOLIS = ID + "dataset/innopolis-statistics-innopolis-or-kr-board-menuid-menu01074"


def rows(store, name: str, **params) -> list[dict]:
    """The named query's rows (variable -> lexical value or None), bound as the catalogue binds."""
    query = read_query(ROOT / "queries" / f"{name}.rq")
    text, substitutions = query.prepare({k: str(v) for k, v in params.items()})
    terms = {ox.Variable(k): parse_term(v) for k, v in (substitutions or {}).items()}
    result = store.query(text, substitutions=terms or None)
    return [{v.value: (r[v].value if r[v] is not None else None) for v in result.variables} for r in result]


def year_of(text: str) -> int:
    return int(text[:4])


def latest_by_then(all_rows: list[dict], year: int, time_key: str, group: tuple[str, ...]) -> list[dict]:
    """The rows dated by the end of ``year`` whose group has no later row dated by then, in order."""
    dated = [r for r in all_rows if r[time_key] is not None and year_of(r[time_key]) <= year]
    latest: dict[tuple, str] = {}
    for r in dated:
        key = tuple(r[k] for k in group)
        latest[key] = max(latest.get(key, ""), r[time_key])
    return [r for r in dated if r[time_key] == latest[tuple(r[k] for k in group)]]


# -- designations ----------------------------------------------------------------------------------

@pytest.mark.parametrize("year", [2024, 2025, 2011])
def test_zones_designated_by_the_end_of_the_year(shipped_store, year):
    everything = rows(shipped_store, "zones-by-designation-year")
    expected = [r for r in everything if int(r["year"]) <= year]
    assert expected, "the data designates zones before then"
    assert rows(shipped_store, "zones-by-designation-year", as_of=year) == expected


def test_zones_before_any_designation(shipped_store):
    first = min(int(r["year"]) for r in rows(shipped_store, "zones-by-designation-year"))
    assert rows(shipped_store, "zones-by-designation-year", as_of=first - 1) == []
    assert rows(shipped_store, "zones-by-designation-year", as_of=first)


# -- rankings --------------------------------------------------------------------------------------

RANKING_GROUP = ("entityLabel", "rankingLabel", "categoryLabel", "scopeLabel")


@pytest.mark.parametrize("year", [2024, 2025, 2022])
def test_latest_ranking_results_by_the_end_of_the_year(shipped_store, year):
    everything = rows(shipped_store, "ranking-results")
    expected = latest_by_then(everything, year, "edition", RANKING_GROUP)
    got = rows(shipped_store, "ranking-results", as_of=year)
    assert got == expected
    # Each entity keeps one edition per ranking, category and scope; results with no edition
    # (the QS ranks the seed article gives undated) cannot be placed in time.
    editions = {tuple(r[k] for k in RANKING_GROUP): r["edition"] for r in got}
    assert all(r["edition"] == editions[tuple(r[k] for k in RANKING_GROUP)] for r in got)
    assert all(r["edition"] is not None and int(r["edition"]) <= year for r in got)


def test_daejeon_gii_intensity_rank_follows_the_editions(shipped_store):
    def intensity(year):
        return {r["rank"] for r in rows(shipped_store, "ranking-results", as_of=year)
                if r["entityLabel"].startswith("Daejeon (GII") and r["categoryLabel"].endswith("intensity")}
    everything = rows(shipped_store, "ranking-results")
    by_edition = {r["edition"]: r["rank"] for r in everything
                  if r["entityLabel"].startswith("Daejeon (GII") and r["categoryLabel"].endswith("intensity")}
    assert intensity(2021) == {by_edition["2021"]} and intensity(2024) == {by_edition["2024"]}
    assert intensity(2025) == {by_edition["2024"]}     # no 2025 figure for Daejeon: the 2024 one stands


def test_rankings_before_any_edition(shipped_store):
    first = min(int(r["edition"]) for r in rows(shipped_store, "ranking-results") if r["edition"])
    assert rows(shipped_store, "ranking-results", as_of=first - 1) == []
    assert rows(shipped_store, "ranking-results", as_of=first)


# -- statistics ------------------------------------------------------------------------------------

INDICATOR_GROUP = ("areaLabel", "indicatorLabel", "unitLabel")


@pytest.mark.parametrize("dataset", [None, HANKOOK, INNOPOLIS])
@pytest.mark.parametrize("year", [2024, 2025, 2022])
def test_latest_indicator_figures_by_the_end_of_the_year(shipped_store, dataset, year):
    params = {"dataset": dataset} if dataset else {}
    everything = rows(shipped_store, "daedeok-indicators", **params)
    expected = latest_by_then(everything, year, "period", INDICATOR_GROUP)
    assert rows(shipped_store, "daedeok-indicators", as_of=year, **params) == expected


def test_indicator_figures_are_replaced_by_later_ones(shipped_store):
    everything = rows(shipped_store, "daedeok-indicators", dataset=INNOPOLIS)
    assert {year_of(r["period"]) for r in everything} == {2005, 2022}
    then = rows(shipped_store, "daedeok-indicators", dataset=INNOPOLIS, as_of=2021)
    now = rows(shipped_store, "daedeok-indicators", dataset=INNOPOLIS, as_of=2022)
    assert then == [r for r in everything if r["period"] == "2005"]
    # An indicator counted in both years shows only its 2022 figure from the end of 2022 on; one
    # counted only in 2022 joins it.
    assert now == [r for r in everything if r["period"] == "2022"]
    assert {r["indicatorLabel"] for r in then} < {r["indicatorLabel"] for r in now}


@pytest.mark.parametrize("dataset", [None, HANKOOK, INNOPOLIS])
def test_indicators_before_any_figure(shipped_store, dataset):
    params = {"dataset": dataset} if dataset else {}
    first = min(year_of(r["period"]) for r in rows(shipped_store, "daedeok-indicators", **params))
    assert rows(shipped_store, "daedeok-indicators", as_of=first - 1, **params) == []
    assert rows(shipped_store, "daedeok-indicators", as_of=first, **params)


@pytest.mark.parametrize("year", [2024, 2025])
def test_population_change_known_by_the_end_of_the_year(shipped_store, year):
    everything = rows(shipped_store, "population-change")
    expected = [r for r in everything if year_of(r["year"]) <= year]
    assert expected
    assert rows(shipped_store, "population-change", as_of=year) == expected


def test_population_change_before_the_year_ended(shipped_store):
    everything = rows(shipped_store, "population-change")
    year = year_of(everything[0]["year"])
    assert rows(shipped_store, "population-change", as_of=year - 1) == []


def test_as_of_must_be_a_year(shipped_store):
    with pytest.raises(UsageError, match="as_of"):
        rows(shipped_store, "ranking-results", as_of="last year")


# -- memberships -----------------------------------------------------------------------------------

@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_participants_at_the_end_of_the_year(shipped_store, year):
    everything = rows(shipped_store, "founding-and-later-members")
    expected = [r for r in everything if year_of(r["from"]) <= year
                and (r["until"] is None or year_of(r["until"]) > year)]
    assert rows(shipped_store, "founding-and-later-members", as_of=year) == expected
    # The two-day guests of the 2024 launch are gone by the end of 2024 (year granularity, as for
    # alliance-members); Quebec is a member from 2025; Daejeon's first chair term ends in 2026.
    roles = {(r["memberLabel"], r["roleLabel"], r["from"]) for r in expected}
    assert not any(role == "special invited guest" for _, role, _ in roles)
    assert (("Quebec", "member (joined after founding)", "2025") in roles) == (year >= 2025)
    assert (("Daejeon", "chair city", "2024-09") in roles) == (year < 2026)


def test_participants_before_the_alliance(shipped_store):
    first = min(year_of(r["from"]) for r in rows(shipped_store, "founding-and-later-members"))
    assert rows(shipped_store, "founding-and-later-members", as_of=first - 1) == []


# -- shares ----------------------------------------------------------------------------------------

SHARES = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#>
PREFIX sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#>
PREFIX ig: <https://w3id.org/innograph/ontology#>
SELECT ?areaLabel ?groupLabel ?share ?period WHERE {
  ?obs a ig:ShareObservation ; sdmx-dimension:refArea ?area ; ig:populationGroup ?group ;
       sdmx-measure:obsValue ?share ; sdmx-dimension:refPeriod ?period .
  ?area rdfs:label ?areaLabel . FILTER(LANG(?areaLabel) = "en")
  ?group skos:prefLabel ?groupLabel . FILTER(LANG(?groupLabel) = "en")
}"""


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_foreign_resident_shares_by_the_end_of_the_year(shipped_store, year):
    observed = [{v: r[v].value for v in ("areaLabel", "groupLabel", "share", "period")}
                for r in shipped_store.query(SHARES)]
    everything = {(r["areaLabel"], r["groupLabel"], r["share"]) for r in rows(shipped_store, "foreign-residents-composition")}
    expected = {(r["areaLabel"], r["groupLabel"], r["share"])
                for r in latest_by_then(observed, year, "period", ("areaLabel", "groupLabel"))} & everything
    got = rows(shipped_store, "foreign-residents-composition", as_of=year)
    assert {(r["areaLabel"], r["groupLabel"], r["share"]) for r in got} == expected and len(got) == len(expected)
    assert (got == []) == (year < min(year_of(r["period"]) for r in observed))


def test_foreign_resident_shares_before_any_figure(shipped_store):
    assert rows(shipped_store, "foreign-residents-composition", as_of=2000) == []


@pytest.mark.parametrize("year", [2024, 2025])
def test_alliance_growth_up_to_the_end_of_the_year(shipped_store, year):
    everything = rows(shipped_store, "alliance-growth-by-year")
    expected = [r for r in everything if int(r["year"]) <= year]
    got = rows(shipped_store, "alliance-growth-by-year", as_of=year)
    assert got == expected and got[-1]["year"] == str(year)
    # No GINI member has left: the count at the end of the year is alliance-members' answer then.
    assert int(got[-1]["members"]) == len({r["member"] for r in rows(shipped_store, "alliance-members", as_of=year)})


def test_alliance_growth_before_the_alliance(shipped_store):
    first = min(int(r["year"]) for r in rows(shipped_store, "alliance-growth-by-year"))
    assert rows(shipped_store, "alliance-growth-by-year", as_of=first - 1) == []
