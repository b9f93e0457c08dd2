"""Each named query in queries/ against the shipped data: its exact answer, written by hand from
the seed article (The Korea Herald, 2026-02-08) and shared/reference/NOTES.md."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

ROOT = Path(__file__).resolve().parents[1]
QUERIES = sorted(p for p in (ROOT / "queries").glob("*.rq"))
XSD = "http://www.w3.org/2001/XMLSchema#"
ID = "https://w3id.org/innograph/id/"
KH = ID + "source/korea-herald-global-thinkers-2026-02-08"
GINI = ID + "alliance/gini"
DAEJEON = ID + "city/daejeon"
KH_LABEL = "The Korea Herald, Global Thinkers: Leadership Excellence (2026-02-08)"
AS_OF = "No reference year given; recorded as of the article date."

TYPES = {
    "iri": lambda v: ox.NamedNode(v),
    "string": lambda v: ox.Literal(v),
    "integer": lambda v: ox.Literal(v, datatype=ox.NamedNode(XSD + "integer")),
    "decimal": lambda v: ox.Literal(v, datatype=ox.NamedNode(XSD + "decimal")),
    "year": lambda v: ox.Literal(v, datatype=ox.NamedNode(XSD + "gYear")),
    "date": lambda v: ox.Literal(v, datatype=ox.NamedNode(XSD + "date")),
    "boolean": lambda v: ox.Literal(v, datatype=ox.NamedNode(XSD + "boolean")),
}


def header(text: str) -> dict:
    fields = {"param": []}
    for line in text.splitlines():
        match = re.match(r"^#\s*(\w+)\s*:\s*(.*?)\s*$", line)
        if not match:
            break
        key, value = match.groups()
        if key == "param":
            fields["param"].append(value.split(None, 2))
        else:
            fields[key] = value
    return fields


def run(store, name: str, **overrides) -> list[tuple]:
    text = (ROOT / "queries" / f"{name}.rq").read_text(encoding="utf-8")
    substitutions = {}
    for param in header(text)["param"]:
        pname, ptype = param[0], param[1]
        value = overrides.get(pname, param[2] if len(param) > 2 else None)
        if value is not None:
            substitutions[ox.Variable(pname)] = TYPES[ptype](value)
    result = store.query(text, substitutions=substitutions)
    return [tuple(None if solution[v] is None else solution[v].value for v in result.variables)
            for solution in result]


# ---------------------------------------------------------------------------------------------
# Expected answers, by hand.

MEMBER_SOURCES = [ID + "source/gini-about", ID + "source/kmib-0020482920", KH]
FOUNDERS = [  # seed paragraph 13 + NOTES 4 (Daejeon founded it in September 2024)
    ("city/daejeon", "Daejeon", "South Korea"),
    ("city/dortmund", "Dortmund", "Germany"),
    ("city/montgomery-county", "Montgomery County", "United States"),
    ("city/malaga", "Málaga", "Spain"),
    ("city/seattle", "Seattle", "United States"),
]
EXPECTED = {
    "alliance-members": [
        (GINI, ID + slug, label, country, "founding member", "2024-09", source)
        for slug, label, country in FOUNDERS for source in MEMBER_SOURCES
    ] + [(GINI, ID + "region/quebec", "Quebec", "Canada", "member (joined after founding)", "2025", KH)],
    "alliance-growth-by-year": [(GINI, "2024", "5"), (GINI, "2025", "6")],
    "founding-and-later-members": [
        (GINI, "Daejeon", "chair city", "2024-09", "2026-02-25"),
        (GINI, "Daejeon", "chair city", "2026-02-25", None),
        (GINI, "Daejeon", "founding member", "2024-09", None),
        (GINI, "Dortmund", "founding member", "2024-09", None),
        (GINI, "Montgomery County", "founding member", "2024-09", None),
        (GINI, "Málaga", "founding member", "2024-09", None),
        (GINI, "Seattle", "founding member", "2024-09", None),
        (GINI, "Quebec", "member (joined after founding)", "2025", None),
        (GINI, "Hsinchu", "special invited guest", "2024-09-03", "2024-09-04"),
        (GINI, "Quebec", "special invited guest", "2024-09-03", "2024-09-04"),
    ],
    "alliance-officers": [
        (GINI, "President of GINI", "Lee Jang-woo", "Mayor of Daejeon", "2024-09"),
        (GINI, "Vice-president of GINI", "Marc Elrich", "Montgomery County Executive", "2024-09"),
    ],
    "alliance-events": [
        (GINI, ID + "event/gini-launch-forum-2024", "Global Innopolis Forum 2024 (GINI launch)", "2024-09-03",
         "Daejeon Convention Center", ID + "source/gini-about"),
        (GINI, ID + "event/gini-inaugural-ceremony-2024", "GINI inaugural ceremony", "2024-09-04T09:30:00+09:00",
         "Daejeon Convention Center", ID + "source/gini-about"),
        (GINI, ID + "event/gini-inaugural-ceremony-2024", "GINI inaugural ceremony", "2024-09-04T09:30:00+09:00",
         "Daejeon Convention Center", ID + "source/kmib-0020482920"),
        (GINI, ID + "event/gini-leaders-assembly-2024", "GINI Leaders Assembly 2024", "2024-09-04T10:00:00+09:00",
         "Daejeon Convention Center", ID + "source/breaknews-241821"),
        (GINI, ID + "event/gini-leaders-assembly-2024", "GINI Leaders Assembly 2024", "2024-09-04T10:00:00+09:00",
         "Daejeon Convention Center", ID + "source/gini-about"),
        (GINI, ID + "event/malaga-assembly-announcement-2025", "Announcement in Málaga of the second GINI general assembly",
         "2025-04-01", "Málaga", ID + "source/news1-5739970"),
        (GINI, ID + "event/quebec-letter-of-intent-2025", "Quebec hands Daejeon a letter of intent to join GINI",
         "2025-06-13", "Quebec City", ID + "source/inews24-1854560"),
        (GINI, ID + "event/quebec-letter-of-intent-2025", "Quebec hands Daejeon a letter of intent to join GINI",
         "2025-06-13", "Quebec City", ID + "source/newsis-nisx20250614-0003213113"),
        (GINI, ID + "event/gini-forum-malaga-2026", "Global Innopolis Forum 2026 (Málaga)", "2026-02-24",
         "FYCMA (Málaga trade fair and congress centre)", ID + "source/laopiniondemalaga-2026-02-21"),
    ] + [
        (GINI, ID + "event/gini-representatives-meeting-2026", "GINI high-level representatives' meeting 2026 (Málaga)",
         "2026-02-25", "FYCMA (Málaga trade fair and congress centre)", ID + "source/" + s)
        for s in ["khan-202602261525001", "kmib-0029445868", "newspim-20260226000648", "seoul-shinmun-20260226500134"]
    ],
    "daedeok-indicators": [  # seed paragraph 9
        (ID + "dataset/daedeok-innopolis-indicators", "Daedeok Innopolis", "PhD-level researchers", "18000", "number", "lower bound", "2026-02-08"),
        (ID + "dataset/daedeok-innopolis-indicators", "Daedeok Innopolis", "national research institutes", "49", "number", "exact", "2026-02-08"),
        (ID + "dataset/daedeok-innopolis-indicators", "Daedeok Innopolis", "workforce", "100000", "number", "approaching from below", "2026-02-08"),
        (ID + "dataset/daedeok-innopolis-indicators", "Daejeon", "research institutions, startups and high-tech firms", "3000", "number", "approaching from below", "2026-02-08"),
    ],
    "sector-figures": [  # seed paragraphs 18-20
        ("bio", "annual revenue", "2270000000000", "South Korean won", "exact"),
        ("bio", "companies", "302", "number", "exact"),
        ("bio", "technology exports", "13000000000000", "South Korean won", "exact"),
        ("six strategic sectors (combined)", "annual revenue", "35000000000000", "South Korean won", "exact"),
        ("six strategic sectors (combined)", "annual revenue, US-dollar equivalent given by the source", "24000000000", "US dollar", "exact"),
        ("six strategic sectors (combined)", "companies", "925", "number", "exact"),
        ("six strategic sectors (combined)", "employees", "35000", "number", "exact"),
        ("space", "annual growth of local companies", "40", "percent", "lower bound"),
    ],
    "ranking-results": [  # seed paragraphs 10 and 28; NOTES (Korea Times, IFA Berlin)
        ("Daejeon", "Global Innovation Index", "science and technology cluster", "Asia", "1", "2022", KH),
        ("Daejeon", "Global Innovation Index", "science and technology cluster", "Asia", "1", "2022", ID + "source/korea-times-375166"),
        ("Daejeon", "Global Innovation Index", "science and technology cluster", "world", "3", "2022", KH),
        ("Daejeon", "Global Innovation Index", "science and technology cluster", "world", "3", "2022", ID + "source/korea-times-375166"),
        ("Daejeon", "Global Innovation Index", None, "Asia", "1", "2023", ID + "source/ifa-berlin-daejeon-interview"),
        ("KAIST", "QS World University Rankings", "Engineering & Technology", "national", "1", None, KH),
        ("KAIST", "QS World University Rankings", "Engineering & Technology", "world", "24", None, KH),
    ],
    "foreign-residents-composition": [  # seed paragraphs 29-30
        (DAEJEON, "Daejeon", "international students", "35.4"),
        (DAEJEON, "Daejeon", "general trainees", "17.1"),
        (DAEJEON, "Daejeon", "marriage migrants", "11.4"),
        (DAEJEON, "South Korea", "overseas Koreans", "21"),
        (DAEJEON, "South Korea", "non-professional employment", "12.7"),
        (DAEJEON, "South Korea", "visa-waiver entry", "7.8"),
    ],
    "population-change": [  # seed paragraph 32
        (DAEJEON, "2024", "Korean nationals", "-3000", "upper bound"),
        (DAEJEON, "2024", "foreign residents", "2865", "exact"),
    ],
    "sector-collaborations": [  # seed paragraph 21
        (ID + "concept/sector/quantum", "KAIST", "Korea Research Institute of Standards and Science",
         "KAIST-KRISS joint graduate programme in quantum"),
    ],
    "sector-assets": [
        (ID + "concept/sector/quantum", "KAIST-KRISS joint graduate programme in quantum", "programme"),
        (ID + "concept/sector/quantum", "Open-access quantum fabrication centre in Daejeon", "research facility"),
        (ID + "concept/sector/quantum", "South Korea's first commercial quantum computer", "research facility"),
    ],
    "agreements": [
        (f"Charter of the Global Innopolis Network Initiative", "agreement", p, "alliance governance", "2024-09-04")
        for p in ["Daejeon", "Dortmund", "Montgomery County", "Málaga", "Seattle"]
    ] + [
        ("Daejeon-Montgomery County memorandum of understanding on global commerce", "memorandum of understanding", "Daejeon", "global commerce", None),
        ("Daejeon-Montgomery County memorandum of understanding on global commerce", "memorandum of understanding", "Montgomery County", "global commerce", None),
    ] + [
        ("GINI Joint Declaration", "agreement", p, "alliance governance", "2024-09-04")
        for p in ["Daejeon", "Dortmund", "Montgomery County", "Málaga", "Seattle"]
    ] + [
        ("Hanbat National University-University of Málaga memorandum of understanding", "memorandum of understanding", "Hanbat National University", None, "2025-04-01"),
        ("Hanbat National University-University of Málaga memorandum of understanding", "memorandum of understanding", "University of Málaga", None, "2025-04-01"),
    ],
    "foreign-talent-policies": [  # seed paragraphs 34-41
        (ID + "concept/population-group/foreign-residents", "Daejeon goal: one system linking visas, jobs and long-term settlement", "policy", "Daejeon Metropolitan City Government"),
        (ID + "concept/population-group/foreign-residents", "Daejeon ordinance on the environment for foreign national students", "policy", "Daejeon City Council"),
        (ID + "concept/population-group/foreign-residents", "Proposed public platform for foreign students' education, jobs and settlement in Daejeon", "policy", "Lee Jang-woo"),
        (ID + "concept/population-group/foreign-residents", "Daejeon community integration events", "programme", "Daejeon Metropolitan City Government"),
        (ID + "concept/population-group/foreign-residents", "Daejeon international student sports competitions", "programme", "Daejeon Metropolitan City Government"),
        (ID + "concept/population-group/foreign-residents", "Daejeon support services for foreign residents", "programme", "Daejeon Metropolitan City Government"),
        (ID + "concept/population-group/foreign-residents", "Regional visa programme of the Ministry of Justice", "programme", "Ministry of Justice (South Korea)"),
        (ID + "concept/population-group/foreign-residents", "Daejeon foreign residents' integration support centre", "support centre", None),
    ],
    "facility-services": [
        (DAEJEON, "Daejeon Convention Center", "facility", None),
        (DAEJEON, "Daejeon foreign residents' integration support centre", "support centre", "employment consulting"),
        (DAEJEON, "Daejeon foreign residents' integration support centre", "support centre", "entrepreneurship consulting"),
        (DAEJEON, "Daejeon foreign residents' integration support centre", "support centre", "language training"),
        (DAEJEON, "Open-access quantum fabrication centre in Daejeon", "research facility", "quantum"),
        (DAEJEON, "South Korea's first commercial quantum computer", "research facility", "quantum"),
    ],
    "framework-assessments": [  # seed paragraphs 6, 43-44
        (ID + "framework/global-thinkers", "Daejeon", "Global Economic Connector", "2026-02-08",
         "Particularly ready: Daejeon turns R&D and new deep-tech sectors into economic momentum, links research to "
         "international cooperation, city diplomacy and new markets, and is building the capacity to grow world-class "
         "industries from its research."),
        (ID + "framework/global-thinkers", "Daejeon", "Global Talent Hub", "2026-02-08",
         "Particularly ready: Daejeon concentrates world-class universities and mobile researchers, has an unusually "
         "large share of international students and professionals, and is growing a self-sustaining base where "
         "researchers, engineers and students can build long careers."),
    ],
    "concept-scheme-hierarchy": [  # seed paragraph 17, drones under robotics (paragraph 22)
        (ID + "scheme/daejeon-strategic-sectors", "six strategic sectors (combined)", None, "6대 전략 산업"),
        (ID + "scheme/daejeon-strategic-sectors", "drones", "robotics", "드론"),
    ] + [
        (ID + "scheme/daejeon-strategic-sectors", en, "six strategic sectors (combined)", ko)
        for en, ko in [("bio", "바이오"), ("defense", "국방"), ("quantum", "양자"), ("robotics", "로봇"),
                       ("semiconductors", "반도체"), ("space", "우주")]
    ],
    "strategic-plans": [
        ("RISE five-year plan for regional universities", "2025", "2029",
         "The source says 2026 is the plan's second year; a five-year plan whose second year is 2026 runs 2025-2029."),
    ],
    "source-conflicts": [  # NOTES section 10 and section "Quebec"
        ("Korea Daily dates the GINI founding ceremony and charter signing to 3 September 2024",
         "Korea Daily report on the GINI founding ceremony (2024-09-03)", "GINI inaugural ceremony", "GINI official website, About page"),
        ("Korea Daily dates the GINI founding ceremony and charter signing to 3 September 2024",
         "Korea Daily report on the GINI founding ceremony (2024-09-03)", "GINI inaugural ceremony", "Kukmin Ilbo preview of the GINI launch (2024-09-02)"),
        ("Quebec's formal admission to GINI was to be decided at the Málaga assembly of February 2026",
         "Newsis report on Quebec's letter of intent to join GINI (2025-06-14)",
         "Quebec, sixth member of GINI (joined 2025 per the seed article)", KH_LABEL),
        ("Quebec's formal admission to GINI was to be decided at the Málaga assembly of February 2026",
         "inews24 report on Quebec joining GINI as a provincial government (June 2025)",
         "Quebec, sixth member of GINI (joined 2025 per the seed article)", KH_LABEL),
        ("YTN names Calgary among the GINI founders", "YTN report naming Calgary among the GINI founders (2025-04-13)",
         "GINI had five founders (Daejeon, Montgomery County, Dortmund, Málaga, Seattle) with Hsinchu and Quebec as invited guests",
         "Kukmin Ilbo preview of the GINI launch (2024-09-02)"),
    ],
    "entity-search": [
        ("quantum", ID + "claim/daejeon-leads-korea-in-quantum", "Daejeon leads South Korea in quantum technologies"),
        ("quantum", ID + "claim/global-race-for-future-industries",
         "Governments worldwide are competing for future industries such as aerospace, quantum, bio-health and advanced materials"),
        ("quantum", ID + "programme/kaist-kriss-quantum-graduate-programme", "KAIST-KRISS joint graduate programme in quantum"),
        ("quantum", ID + "facility/quantum-fabrication-centre", "Open-access quantum fabrication centre in Daejeon"),
        ("quantum", ID + "facility/first-commercial-quantum-computer", "South Korea's first commercial quantum computer"),
        ("quantum", ID + "concept/sector/quantum", "quantum"),
    ],
    "claims-by-person": [
        (ID + "person/lee-jang-woo", ID + "claim/" + slug, label) for slug, label in [
            ("global-innopolis-alliance-proposal", "Daejeon proposed a Global Innopolis Alliance (GIA), the forerunner of GINI, at the World Innovation Forum"),
            ("lee-barriers-for-foreign-talent", "Mayor Lee: employment-visa rules, the cost to firms of hiring foreign professionals and poor access to information are real barriers, and urgent ones for Daejeon"),
            ("lee-expand-talent-pipelines", "Mayor Lee: Daejeon should strategically widen its global talent pipelines instead of copying other cities' policies"),
            ("lee-highest-international-student-ratio", "Mayor Lee: Daejeon has the highest ratio of international students in South Korea (among major cities), showing its pull as an education and research hub"),
            ("lee-mou-market-access", "Mayor Lee: the Montgomery County MOU shows Daejeon means to turn scientific leadership into market access for companies"),
            ("lee-research-industry-talent-impact", "Mayor Lee: Daejeon is more than a science city and is entering a stage where research, industry and global talent combine for measurable impact"),
            ("lee-startups-market-pathways", "Mayor Lee: local deep-tech startups see these initiatives as routes into North American and European markets"),
        ]
    ],
}

# entity-links: the identifiers of shared/reference/entities.csv (empty cells left out).
WD, GN = "http://www.wikidata.org/entity/", "https://sws.geonames.org/"
LINKS = {
    "alliance/gini": ("Global Innopolis Network Initiative", {"homepage": "https://gini.or.kr/"}),
    "city/daejeon": ("Daejeon", {"geonames": GN + "1835235/", "homepage": "https://daejeon.go.kr/", "wikidata": WD + "Q20921"}),
    "city/dortmund": ("Dortmund", {"geonames": GN + "2935517/", "homepage": "https://dortmund.de/", "wikidata": WD + "Q1295"}),
    "city/malaga": ("Málaga", {"geonames": GN + "2514256/", "homepage": "https://malaga.eu/", "wikidata": WD + "Q8851"}),
    "city/montgomery-county": ("Montgomery County", {"geonames": GN + "4362716/", "homepage": "https://montgomerycountymd.gov/", "wikidata": WD + "Q488659"}),
    "city/quebec-city": ("Quebec City", {"geonames": GN + "6325494/", "homepage": "https://ville.quebec.qc.ca/", "wikidata": WD + "Q2145"}),
    "city/seattle": ("Seattle", {"geonames": GN + "5809844/", "homepage": "https://seattle.gov/", "wikidata": WD + "Q5083"}),
    "country/canada": ("Canada", {"geonames": GN + "6251999/", "wikidata": WD + "Q16"}),
    "country/germany": ("Germany", {"geonames": GN + "2921044/", "wikidata": WD + "Q183"}),
    "country/south-korea": ("South Korea", {"geonames": GN + "1835841/", "wikidata": WD + "Q884"}),
    "country/spain": ("Spain", {"geonames": GN + "2510769/", "wikidata": WD + "Q29"}),
    "country/united-states": ("United States", {"geonames": GN + "6252001/", "wikidata": WD + "Q30"}),
    "organization/kaist": ("KAIST", {"homepage": "https://kaist.ac.kr/", "ror": "https://ror.org/05apxxy63", "wikidata": WD + "Q39949"}),
    "organization/kriss": ("Korea Research Institute of Standards and Science", {"homepage": "https://kriss.re.kr/", "ror": "https://ror.org/01az7b475", "wikidata": WD + "Q6431706"}),
    "organization/moj-korea": ("Ministry of Justice (South Korea)", {"homepage": "https://moj.go.kr/"}),
    "organization/wipo": ("World Intellectual Property Organization", {"homepage": "https://wipo.int/", "wikidata": WD + "Q177773"}),
    "ranking/global-innovation-index": ("Global Innovation Index", {"homepage": "https://wipo.int/global_innovation_index"}),
    "ranking/qs-world-university-rankings": ("QS World University Rankings", {"homepage": "https://topuniversities.com/", "wikidata": WD + "Q1790510"}),
    "region/quebec": ("Quebec", {"geonames": GN + "6115047/", "homepage": "https://quebec.ca/", "wikidata": WD + "Q176"}),
}
EXPECTED["entity-links"] = [(ID + slug, label, kind, link)
                            for slug, (label, links) in sorted(LINKS.items()) for kind, link in sorted(links.items())]

# observation-provenance: 20 observations from the seed article, 7 from the science ministry.
SEED_OBSERVATIONS = [
    "bio-companies-2026", "bio-revenue-2026", "bio-technology-exports-2026", "daedeok-national-research-institutes-2026",
    "daedeok-phd-researchers-2026", "daedeok-workforce-2026", "daejeon-foreign-population-change-2024",
    "daejeon-foreign-share-general-trainees", "daejeon-foreign-share-international-students",
    "daejeon-foreign-share-marriage-migrants", "daejeon-korean-population-change-2024",
    "daejeon-research-and-technology-organisations-2026", "korea-foreign-share-non-professional-workers",
    "korea-foreign-share-overseas-koreans", "korea-foreign-share-visa-waiver-entrants", "space-companies-growth-2026",
    "strategic-sectors-companies-2026", "strategic-sectors-employees-2026", "strategic-sectors-revenue-krw-2026",
    "strategic-sectors-revenue-usd-2026",
]
MSIT_OBSERVATIONS = ["rnd-zones-companies-2005", "rnd-zones-companies-2019", "rnd-zones-gris-2019", "rnd-zones-kosdaq-2005",
                     "rnd-zones-kosdaq-2019", "rnd-zones-revenue-2005", "rnd-zones-revenue-2019"]
EXPECTED["observation-provenance"] = sorted(
    [(ID + "observation/" + o, KH_LABEL, "The Korea Herald", "2026-02-08") for o in SEED_OBSERVATIONS]
    + [(ID + "observation/" + o, "Ministry of Science and ICT press release on the R&D Special Zones (2019 data), on korea.net",
        "Ministry of Science and ICT (South Korea)", None) for o in MSIT_OBSERVATIONS])

# resolved-dates: relative or missing dates, resolved against 2026-02-08.
QS_NOTE = "The source does not name the edition; the rank was current on 2026-02-08."
RESOLUTIONS = {
    "agreement/daejeon-montgomery-county-global-commerce-mou": "The source gives no signing date.",
    "agreement/gini-charter": "gini.or.kr schedules the adoption for the Leaders Assembly of 4 September 2024; Korea Daily reports the signing on 3 September (see the conflicting claim).",
    "claim/global-innopolis-alliance-proposal": 'The interview says "last October" but its year is not visible, so no date is recorded.',
    "membership/gini-daejeon-chair-2024": "First term from the launch (September 2024) to the re-election of 25 February 2026.",
    "membership/gini-daejeon-chair-2026": "Re-elected unanimously on 25 February 2026 for the next two years; no end date is given.",
    "membership/gini-quebec": 'The seed article (2026-02-08) says Quebec became the sixth member "last year", resolved to 2025.',
    "observation/bio-technology-exports-2026": "No reference year given (the source does not say whether the exports are cumulative); recorded as of the article date.",
    "observation/daejeon-research-and-technology-organisations-2026": "Accumulated since 1973; no reference year given, recorded as of the article date.",
    "observation/space-companies-growth-2026": "Growth over the period since the 2022 aerospace-cluster designation, as reported on the article date.",
    "policy/daejeon-foreign-student-ordinance": 'Passed "recently" before 2026-02-08; the source gives no date, so none is recorded.',
    "policy/rise-five-year-plan": "The source says 2026 is the plan's second year; a five-year plan whose second year is 2026 runs 2025-2029.",
    "ranking-result/qs-kaist-engineering-national": QS_NOTE,
    "ranking-result/qs-kaist-engineering-world": QS_NOTE,
}
for _obs in SEED_OBSERVATIONS:
    if "population-change" not in _obs:
        RESOLUTIONS.setdefault("observation/" + _obs, AS_OF)


def test_every_query_has_an_expected_answer_and_a_header():
    names = {p.stem for p in QUERIES}
    assert len(names) >= 18
    assert names == set(EXPECTED) | {"resolved-dates"}
    for path in QUERIES:
        text = path.read_text(encoding="utf-8")
        fields = header(text)
        assert fields.get("title") and fields.get("description"), path.name
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", path.stem)
        assert "ORDER BY" in text and "PREFIX" in text
        for param in fields["param"]:
            assert param[1] in TYPES and f"?{param[0]}" in text


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_query_answer(shipped_store, name):
    assert run(shipped_store, name) == EXPECTED[name]


def test_resolved_dates(shipped_store):
    rows = run(shipped_store, "resolved-dates")
    assert {(node, resolution) for node, _, resolution in rows} == {(ID + k, v) for k, v in RESOLUTIONS.items()}
    assert [r[0] for r in rows] == sorted(ID + k for k in RESOLUTIONS)


def test_parameters_change_the_answer(shipped_store):
    rows = run(shipped_store, "population-change", year="2023")
    assert rows == []
    rows = run(shipped_store, "entity-search", text="MÁLAGA")
    assert (ID + "city/malaga") in {r[1] for r in rows}
    rows = run(shipped_store, "sector-assets", sector=ID + "concept/sector/robotics")
    assert rows == [(ID + "concept/sector/robotics", "Daejeon drone-testing and deep-tech scale-up ecosystem", "programme")]
    rows = run(shipped_store, "concept-scheme-hierarchy", scheme=ID + "scheme/ranking-scopes")
    assert [r[1:3] for r in rows] == [("world", None), ("national", "Asia"), ("Asia", "world")]


def test_seed_facts_checklist_points_at_real_queries_and_nodes(shipped_store):
    """docs/seed-facts.md names, for each fact, the node holding it and the query retrieving it."""
    text = (ROOT / "docs" / "seed-facts.md").read_text(encoding="utf-8")
    names = {p.stem for p in QUERIES}
    rows = [line for line in text.splitlines() if line.startswith("| ") and "`" in line]
    assert len(rows) > 90
    for line in rows:
        query_cell = [cell for cell in line.split("|") if cell.strip()][-1]
        queries = re.findall(r"`([a-z-]+)`", query_cell)
        assert queries and set(queries) <= names, line
        search = re.search(r'`entity-search` \(text "([^"]+)"\)', line)
        if search:
            found = {r[1] for r in run(shipped_store, "entity-search", text=search.group(1))}
            nodes = re.findall(r"`((?:claim|city|cluster|alliance)/[a-z0-9-]+)", line)
            assert nodes and all(ID + n in found for n in nodes), line
