"""Relationship views on the shipped data: exact nodes and edges, metrics, exports, the CLI.

What the data says (data/alliances.ttl, the seed article): GINI was founded in September 2024 by
Daejeon, Dortmund, Málaga, Montgomery County and Seattle; the Province of Quebec became the sixth
member in 2025; Quebec and Hsinchu were invited guests at the 2024 launch (memberships that ended);
Daejeon chaired GINI from 2024-09 to 2026-02-25 and again since. Daejeon and Montgomery County signed
an MOU on global commerce.
"""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET

import networkx as nx
import pytest
from click.testing import CliRunner

from innograph.views import networks, rendering
from innograph.cli import main
from innograph.errors import NotFound, UsageError
from innograph.store import OxigraphStore

ID = "https://w3id.org/innograph/id/"
GINI = ID + "alliance/gini"
FOUNDERS = {ID + "city/daejeon", ID + "city/dortmund", ID + "city/malaga", ID + "city/montgomery-county",
            ID + "city/seattle"}
QUEBEC = ID + "region/quebec"
MEMBERS = FOUNDERS | {QUEBEC}
SEED_TITLE = "Global Thinkers: Leadership Excellence"


def edge_set(graph):
    return {(u, v, k) for u, v, k in graph.edges(keys=True)}


def membership(slug, member):
    return (member, GINI, ID + "membership/" + slug)


FOUNDING_EDGES = {membership("gini-" + m.rsplit("/", 1)[1], m) for m in FOUNDERS}


# -- alliances -------------------------------------------------------------------------------------

def test_alliances_now_has_the_six_members_and_the_current_chair(shipped_store):
    graph = networks.alliances(shipped_store)
    assert set(graph.nodes) == MEMBERS | {GINI}
    assert edge_set(graph) == FOUNDING_EDGES | {
        membership("gini-quebec", QUEBEC), membership("gini-daejeon-chair-2026", ID + "city/daejeon")}
    quebec = graph.edges[QUEBEC, GINI, ID + "membership/gini-quebec"]
    assert quebec["role"] == "member (joined after founding)"
    assert quebec["role_iri"] == ID + "role/member-joined-later"
    assert quebec["start"] == "2025" and quebec["start_year"] == 2025
    assert quebec["label"] == "member since 2025"
    assert quebec["relation"] == "http://www.w3.org/ns/org#organization"
    assert SEED_TITLE in quebec["sources"].split("\n")
    assert "Málaga assembly" in quebec["conflicts"]
    assert "last year" in quebec["date_resolution"]
    founder = graph.edges[ID + "city/seattle", GINI, ID + "membership/gini-seattle"]
    assert (founder["label"], founder["start"], founder["role"]) == ("founding member", "2024-09", "founding member")


@pytest.mark.parametrize("year, members, extra", [
    (2024, FOUNDERS, set()),
    (2025, MEMBERS, {membership("gini-quebec", QUEBEC)}),
])
def test_alliances_as_of_a_year(shipped_store, year, members, extra):
    graph = networks.alliances(shipped_store, as_of=year)
    assert set(graph.nodes) == members | {GINI}
    chair = membership("gini-daejeon-chair-2024", ID + "city/daejeon")
    assert edge_set(graph) == FOUNDING_EDGES | {chair} | extra
    assert graph.graph["as_of"] == year


def test_alliances_before_the_founding_is_empty_and_2026_has_the_second_chair_term(shipped_store):
    assert networks.alliances(shipped_store, as_of=2023).number_of_nodes() == 0
    graph = networks.alliances(shipped_store, as_of=2026)
    assert membership("gini-daejeon-chair-2026", ID + "city/daejeon") in edge_set(graph)
    assert membership("gini-daejeon-chair-2024", ID + "city/daejeon") not in edge_set(graph)


def test_alliances_history_keeps_the_guests_of_the_launch(shipped_store):
    graph = networks.alliances(shipped_store, history=True)
    assert set(graph.nodes) == MEMBERS | {GINI, ID + "city/hsinchu"}
    assert graph.number_of_edges() == 10
    guest = graph.edges[ID + "city/hsinchu", GINI, ID + "membership/gini-hsinchu-invited-guest-2024"]
    assert (guest["start"], guest["end"], guest["end_year"]) == ("2024-09-03", "2024-09-04", 2024)
    assert guest["label"] == "special invited guest 2024-09-03 to 2024-09-04"
    assert networks.year_range(graph) == (2024, 2026)


def test_node_facts(shipped_store):
    graph = networks.alliances(shipped_store)
    daejeon = graph.nodes[ID + "city/daejeon"]
    assert (daejeon["label"], daejeon["type"], daejeon["country"]) == ("Daejeon", "City", "South Korea")
    assert (daejeon["lat"], daejeon["lon"]) == (36.34913, 127.38493)
    assert daejeon["iri"] == ID + "city/daejeon"
    gini = graph.nodes[GINI]
    assert (gini["label"], gini["short"], gini["type"]) == ("Global Innopolis Network Initiative", "GINI", "Alliance")
    assert (gini["seat_lat"], gini["seat_lon"]) == (36.34913, 127.38493)
    assert "lat" not in gini
    assert graph.nodes[QUEBEC]["type"] == "Region" and graph.nodes[QUEBEC]["country"] == "Canada"
    assert graph.nodes[QUEBEC]["start"] == "2025"
    assert graph.nodes[ID + "city/malaga"]["label"] == "Málaga"


# -- the other views -------------------------------------------------------------------------------

def test_partnerships(shipped_store):
    graph = networks.partnerships(shipped_store)
    d, m = ID + "city/daejeon", ID + "city/montgomery-county"
    assert {(frozenset((u, v)), k) for u, v, k in graph.edges(keys=True)} == {
        (frozenset((d, m)), ID + "agreement/daejeon-montgomery-county-global-commerce-mou"),
        (frozenset((d, m)), ID + "programme/gini-pilot-montgomery-staff-exchange"),
        (frozenset((d, ID + "city/dortmund")), ID + "programme/gini-pilot-dortmund-university-exchange"),
        (frozenset((d, ID + "city/seattle")), ID + "programme/gini-pilot-seattle-deep-tech-startups"),
        (frozenset((ID + "organization/hanbat-national-university", ID + "organization/university-of-malaga")),
         ID + "agreement/hanbat-malaga-university-mou-2025"),
        (frozenset((ID + "organization/kaist", ID + "organization/kriss")),
         ID + "programme/kaist-kriss-quantum-graduate-programme"),
    }
    mou = graph.edges[d, m, ID + "agreement/daejeon-montgomery-county-global-commerce-mou"]
    assert (mou["kind"], mou["subject"], mou["label"]) == ("MOU", "global commerce", "MOU: global commerce")
    assert mou["relation"] == "https://w3id.org/innograph/ontology#party"
    assert SEED_TITLE in mou["sources"]
    hanbat = graph.edges[ID + "organization/hanbat-national-university", ID + "organization/university-of-malaga",
                         ID + "agreement/hanbat-malaga-university-mou-2025"]
    assert hanbat["start"] == "2025-04-01"
    assert graph.nodes[ID + "organization/kaist"]["type"] == "University"


def test_city_projection_weights(shipped_store):
    graph = networks.city_projection(shipped_store)
    assert set(graph.nodes) == MEMBERS
    assert graph.number_of_edges() == 15  # every pair of the six members shares GINI
    weight = lambda a, b: graph.edges[ID + a, ID + b]["weight"]  # noqa: E731
    # GINI, the commerce MOU and the staff-exchange pilot (no source names the parties of GINI's
    # charter and joint declaration, so they link no pair of cities)
    assert weight("city/daejeon", "city/montgomery-county") == 3
    assert weight("city/daejeon", "city/dortmund") == 2
    assert weight("city/daejeon", "city/seattle") == 2
    assert weight("city/daejeon", "city/malaga") == 1
    assert weight("city/dortmund", "city/seattle") == 1
    assert all(graph.edges[QUEBEC, other]["weight"] == 1 for other in FOUNDERS)
    tie = graph.edges[ID + "city/daejeon", ID + "city/montgomery-county"]
    assert tie["alliances"] == "Global Innopolis Network Initiative"
    assert tie["agreements"].split("\n") == [
        "Daejeon-Montgomery County memorandum of understanding on global commerce"]


def _based_in_daejeon(store) -> set[str]:
    """Oracle without SPARQL: every organisation, alliance or facility with ig:basedIn Daejeon."""
    import pyoxigraph as ox
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    kinds = {"http://www.w3.org/ns/org#FormalOrganization", "http://www.w3.org/ns/org#Organization",
             "http://www.w3.org/ns/org#OrganizationalCollaboration", networks.IG + "CityAlliance",
             networks.IG + "Facility", networks.IG + "SupportCentre", networks.IG + "ResearchFacility"}
    return {q.subject.value for q in store.quads_matching(None, ox.NamedNode(networks.IG + "basedIn"),
                                                           ox.NamedNode(ID + "city/daejeon"))
            if {t.object.value for t in store.quads_matching(q.subject, rdf_type, None)} & kinds}


def test_ecosystem_of_daejeon(shipped_store):
    graph = networks.ecosystem(shipped_store, city="city/daejeon")
    daejeon = ID + "city/daejeon"
    sector = lambda s: ID + "concept/sector/" + s  # noqa: E731
    based_in = _based_in_daejeon(shipped_store)
    assert based_in >= {ID + p for p in (  # the curated ones; the ROR ingest adds more
        "alliance/gini", "organization/gini-secretariat", "organization/kaist", "organization/kriss",
        "organization/hanbat-national-university", "organization/daejeon-city-government",
        "organization/daejeon-city-council", "facility/daejeon-convention-center",
        "facility/daejeon-foreign-residents-integration-support-centre",
        "facility/first-commercial-quantum-computer", "facility/quantum-fabrication-centre")}
    expected = ({(b, daejeon, networks.IG + "basedIn") for b in based_in}
                | {(ID + "cluster/daedeok-innopolis", daejeon, networks.SCHEMA + "containedInPlace")}
                | {(daejeon, sector(s), networks.IG + "sector")
                   for s in ("six-strategic-sectors", "space", "bio", "quantum")}
                | {(sector("six-strategic-sectors"), sector(s), networks.SKOS + "narrower")
                   for s in ("space", "bio", "semiconductors", "defense", "quantum", "robotics")}
                | {(sector("robotics"), sector("drones"), networks.SKOS + "narrower")})
    assert edge_set(graph) == expected
    assert graph.number_of_nodes() == 1 + len(based_in) + 1 + 8
    assert "PhD-level researchers: more than 18,000" in graph.nodes[ID + "cluster/daedeok-innopolis"]["figures"]
    assert "companies: 302" in graph.nodes[sector("bio")]["figures"]
    assert graph.nodes[sector("bio")]["type"] == "Sector"
    assert graph.nodes[ID + "organization/kaist"]["type"] == "University"


def test_ecosystem_needs_a_known_city(shipped_store):
    with pytest.raises(UsageError, match="needs a city"):
        networks.ecosystem(shipped_store)
    with pytest.raises(NotFound, match="city/atlantis"):
        networks.ecosystem(shipped_store, city="city/atlantis")


def test_rankings_and_events(shipped_store):
    import pyoxigraph as ox
    ranks = networks.rankings(shipped_store)
    results = {q.subject.value for q in shipped_store.quads_matching(
        None, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(networks.IG + "RankingResult"))}
    assert {k for _, _, k in ranks.edges(keys=True)} == results  # one edge per ranking result
    labelled = {(ranks.nodes[u]["short"], ranks.nodes[v]["short"], d["label"]) for u, v, d in ranks.edges(data=True)}
    assert labelled >= {
        ("Daejeon", "GII", "#1 Asia 2022"), ("Daejeon", "GII", "#3 world 2022"), ("Daejeon", "GII", "#1 Asia 2023"),
        ("KAIST", "QS World University Rankings", "#24 world"),
        ("KAIST", "QS World University Rankings", "#1 national")}
    met = networks.events(shipped_store)
    launch = ID + "event/gini-inaugural-ceremony-2024"
    assert {u for u, _ in met.in_edges(launch)} >= MEMBERS | {ID + "city/hsinchu"}
    assert met.edges[ID + "city/seattle", launch, launch]["start"] == "2024-09-04"


def test_registry_and_build_checks_parameters(shipped_store):
    assert set(networks.VIEWS) == {"alliances", "partnerships", "city_projection", "ecosystem", "rankings", "events"}
    assert networks.view_named("city-projection").name == "city_projection"
    with pytest.raises(NotFound, match="unknown view 'nope'"):
        networks.build(shipped_store, "nope")
    with pytest.raises(UsageError, match="takes no as_of"):
        networks.build(shipped_store, "partnerships", as_of=2024)
    for view in networks.VIEWS.values():
        assert networks.query_header(view.name)["title"], view.name


# -- metrics and paths -----------------------------------------------------------------------------

def test_metrics_of_the_alliance(shipped_store):
    result = networks.metrics(networks.alliances(shipped_store))
    top = result["centrality"][0]
    assert (top["label"], top["degree"], top["betweenness"]) == ("GINI", 6, 1.0)
    assert {row["degree"] for row in result["centrality"][1:]} == {1}
    assert result["components"] == 1 and result["edges"] == 7 and result["nodes"] == 7
    assert len(result["bridges"]) == 6
    assert len(result["communities"]) == 1
    assert result == networks.metrics(networks.alliances(shipped_store))  # seeded: reproducible


def test_eigenvector_centrality_on_a_disconnected_view(shipped_store):
    graph = networks.partnerships(shipped_store)
    result = networks.metrics(graph)
    assert result["components"] == 3
    scores = {row["iri"]: row["eigenvector"] for row in result["centrality"]}
    assert all(score > 0 for score in scores.values())
    assert scores[ID + "city/daejeon"] == max(scores.values())
    assert len(result["communities"]) >= 3


def test_explain_path(shipped_store):
    graph = networks.alliances(shipped_store)
    assert networks.explain_path(graph, QUEBEC, "Daejeon") == \
        "Quebec -[member since 2025]-> GINI <-[founding member]- Daejeon"
    assert networks.explain_path(graph, "malaga", "city/seattle") == \
        "Málaga -[founding member]-> GINI <-[founding member]- Seattle"
    projection = networks.city_projection(shipped_store)
    assert networks.explain_path(projection, "Quebec", "Seattle") == "Quebec -[1 shared tie]- Seattle"
    with pytest.raises(NotFound, match="not connected"):
        networks.explain_path(networks.partnerships(shipped_store), "KAIST", "Daejeon")
    with pytest.raises(NotFound, match="no node 'Atlantis'"):
        networks.explain_path(graph, "Atlantis", "Daejeon")


# -- exports ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def alliance_history(shipped_store):
    return networks.alliances(shipped_store, history=True)


KEY_NODE_ATTRS = ("label", "short", "type", "country", "lat", "lon", "start")
KEY_EDGE_ATTRS = ("role", "label", "start", "end", "start_year", "relation", "sources")


def test_graphml_reads_back_as_the_view(alliance_history):
    back = nx.read_graphml(io.BytesIO(rendering.to_graphml(alliance_history)), force_multigraph=True)
    assert back.is_directed()
    assert set(back.nodes) == set(alliance_history.nodes)
    assert edge_set(back) == edge_set(alliance_history)
    for node, attrs in alliance_history.nodes(data=True):
        assert {k: back.nodes[node].get(k) for k in KEY_NODE_ATTRS} == {k: attrs.get(k) for k in KEY_NODE_ATTRS}
    for u, v, k, attrs in alliance_history.edges(keys=True, data=True):
        assert {a: back.edges[u, v, k].get(a) for a in KEY_EDGE_ATTRS} == {a: attrs.get(a) for a in KEY_EDGE_ATTRS}


def test_gexf_reads_back_with_dynamic_dates(alliance_history):
    data = rendering.to_gexf(alliance_history)
    root = ET.fromstring(data)
    graph_element = root.find("{http://www.gexf.net/1.2draft}graph")
    assert graph_element.get("mode") == "dynamic" and graph_element.get("timeformat") == "date"
    back = nx.read_gexf(io.BytesIO(data))
    assert set(back.nodes) == set(alliance_history.nodes)
    assert {(u, v, d["id"]) for u, v, d in back.edges(data=True)} == edge_set(alliance_history)
    for u, v, k, attrs in alliance_history.edges(keys=True, data=True):
        edge = next(d for _, _, d in back.edges(data=True) if d["id"] == k)
        assert edge["start_as_stated"] == attrs["start"]
        assert edge["start"] == rendering.gexf_date(attrs["start"])
        assert (edge["label"], edge["role"]) == (attrs["label"], attrs["role"])
        assert edge.get("end") == (rendering.gexf_date(attrs["end"]) if "end" in attrs else None)
    assert back.nodes[QUEBEC]["start"] == "2024-09-03"  # first seen as a guest of the launch
    assert back.nodes[ID + "city/seattle"]["start"] == "2024-09-01"
    assert back.nodes[GINI]["label"] == "Global Innopolis Network Initiative"


def test_node_link_and_cytoscape_json(alliance_history):
    data = json.loads(rendering.to_node_link_json(alliance_history))
    back = nx.node_link_graph(data, edges="edges")
    assert set(back.nodes) == set(alliance_history.nodes) and edge_set(back) == edge_set(alliance_history)
    cy = json.loads(rendering.to_cytoscape_json(alliance_history))
    nodes, edges = cy["elements"]["nodes"], cy["elements"]["edges"]
    assert {n["data"]["id"] for n in nodes} == set(alliance_history.nodes)
    assert {(e["data"]["source"], e["data"]["target"], e["data"]["id"]) for e in edges} == edge_set(alliance_history)
    assert cy["directed"] is True and cy["multigraph"] is True


def _dot_statements(text: str) -> tuple[list, list]:
    """A small DOT reader: splits statements outside quoted strings, checks braces and quotes."""
    assert re.match(r'^(strict )?(di)?graph "[^"]*" \{', text)
    statements, current, in_quote, escaped, depth = [], [], False, False, 0
    for char in text[text.index("{") + 1:]:
        if in_quote:
            current.append(char)
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_quote = False
            continue
        if char == '"':
            in_quote = True
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif char == ";" and depth == 0:
            statements.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    assert not in_quote and depth == 0 and "".join(current).strip() == "}"
    quoted = r'"(?:[^"\\]|\\.)*"'
    nodes = [s for s in statements if re.fullmatch(rf"{quoted} \[.*\]", s, re.S)]
    edges = [s for s in statements if re.fullmatch(rf"{quoted} (->|--) {quoted} \[.*\]", s, re.S)]
    return nodes, edges


def test_dot_parses_structurally(alliance_history, shipped_store):
    nodes, edges = _dot_statements(rendering.to_dot(alliance_history))
    assert len(nodes) == alliance_history.number_of_nodes() and len(edges) == alliance_history.number_of_edges()
    assert any('"label"="Málaga"' in n for n in nodes)
    undirected = rendering.to_dot(networks.city_projection(shipped_store))
    assert undirected.startswith('strict graph "city_projection"')
    assert len(_dot_statements(undirected)[1]) == 15
    assert rendering.dot_id('a "quoted"\nline\\') == '"a \\"quoted\\"\\nline\\\\"'


def test_svg_names_every_member_and_png_is_a_png(shipped_store):
    graph = networks.alliances(shipped_store)
    svg = ET.fromstring(rendering.to_picture(graph, "svg"))
    texts = {"".join(t.itertext()).strip() for t in svg.iter("{http://www.w3.org/2000/svg}text")}
    assert {"Daejeon", "Dortmund", "Málaga", "Montgomery County", "Seattle", "Quebec", "GINI"} <= texts
    assert {"Alliance", "City", "Region"} <= texts  # the legend
    png = rendering.to_picture(graph, "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_interactive_page_and_map_are_self_contained(alliance_history):
    page = rendering.to_html(alliance_history)
    assert "vis.Network" in page and 'id="year"' in page and 'min="2024"' in page and 'max="2026"' in page
    assert not re.search(r'<(script|link)[^>]+(src|href)="https?://', page)
    data = json.loads(re.search(r'<script id="graph-data" type="application/json">(.*?)</script>', page, re.S)
                      .group(1).replace("<\\/", "</"))
    assert len(data["nodes"]) == 8 and len(data["edges"]) == 10
    svg = ET.fromstring(rendering.map_svg(alliance_history))
    places = {g.get("data-iri") for g in svg.iter("{http://www.w3.org/2000/svg}g") if g.get("data-node") is not None}
    assert places == MEMBERS | {GINI}  # Hsinchu has no coordinates in the data
    assert "Hsinchu" in rendering.to_map_html(alliance_history)  # ...and the page says so


# -- CLI -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def disk_store_path(shipped_store, tmp_path_factory):
    path = tmp_path_factory.mktemp("views") / "store"
    store = OxigraphStore(path)
    store.add(shipped_store.quads())
    store.close()
    return str(path)


def run(path, *args):
    return CliRunner().invoke(main, ["--store", path, "graph", *args], catch_exceptions=False)


def test_cli_graphml_with_and_without_as_of(disk_store_path, tmp_path):
    out = tmp_path / "a.graphml"
    result = run(disk_store_path, "alliances", "--format", "graphml", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "wrote the alliances view (7 nodes, 7 edges) as graphml" in result.stderr
    graph = nx.read_graphml(out)
    assert {n for n in graph if n != GINI} == MEMBERS and all(graph.has_edge(m, GINI) for m in MEMBERS)
    result = run(disk_store_path, "alliances", "--as-of", "2024", "-o", str(out))
    assert result.exit_code == 0
    assert set(nx.read_graphml(out).nodes) == FOUNDERS | {GINI}


def test_cli_metrics_explain_and_stdout_formats(disk_store_path):
    result = run(disk_store_path, "alliances", "--metrics", "--explain", "region/quebec", "Daejeon")
    assert result.exit_code == 0
    assert re.search(r"^GINI\s+Alliance\s+6\s+1\.0000", result.stdout, re.M)
    assert "bridges: 6" in result.stdout
    assert result.stdout.rstrip().endswith("Quebec -[member since 2025]-> GINI <-[founding member]- Daejeon")
    result = run(disk_store_path, "partnerships")
    assert result.exit_code == 0 and json.loads(result.stdout)["directed"] is False
    result = run(disk_store_path, "ecosystem", "--city", "city/daejeon", "--format", "dot")
    assert result.exit_code == 0 and result.stdout.startswith('digraph "ecosystem"')


@pytest.mark.parametrize("args, message", [
    (["nope"], "error: unknown view 'nope'; known: alliances"),
    (["aliances"], "error: unknown view 'aliances'; did you mean 'alliances'?"),
    (["ecosystem"], "error: the ecosystem view needs a city"),
    (["ecosystem", "--city", "city/atlantis"], "error: no place <https://w3id.org/innograph/id/city/atlantis>"),
    (["partnerships", "--as-of", "2024"], "error: the partnerships view takes no as_of parameter"),
    (["alliances", "--as-of", "soon"], "Invalid value for '--as-of'"),
    (["alliances", "--format", "pdf"], "Invalid value for '--format'"),
    (["alliances", "--format", "png"], "error: png is binary: write it to a file with -o FILE.png"),
    (["alliances", "-o", "x.pdf"], "cannot tell the format from the extension"),
    (["alliances", "--explain", "Atlantis", "Daejeon"], "error: no node 'Atlantis' in the alliances view"),
])
def test_cli_errors_exit_2_with_a_message(disk_store_path, tmp_path, args, message):
    result = CliRunner().invoke(main, ["--store", disk_store_path, "graph", *args], catch_exceptions=False)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_cli_help_documents_views_formats_and_exit_codes():
    result = CliRunner().invoke(main, ["graph", "--help"])
    assert result.exit_code == 0
    for word in ("alliances", "partnerships", "city_projection", "ecosystem", "graphml", "gexf", "cyjs",
                 "--as-of", "--metrics", "--explain", "Exit codes"):
        assert word in result.output
