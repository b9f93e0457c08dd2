"""Relationship views: NetworkX graphs built from SPARQL, and their network metrics.

Each view is one query in ``queries/views/<name>.rq`` plus a small builder that turns its rows into
a graph; node facts (label, type, country, coordinates) come from the shared
``queries/views/nodes.rq``. Nothing here walks the store triple by triple.

Node ids are IRIs. Every node carries ``iri``, ``label`` (English rdfs:label), ``short`` (the
shortest English name, e.g. "GINI"), ``type`` (a short class name such as ``City`` or ``Alliance``)
and, where known, ``country``, ``lat`` and ``lon``. Every edge carries ``relation`` (the IRI of
what it stands for), ``relation_label`` and ``label`` (a short caption such as "member since
2025"); dated edges carry ``start`` (and ``end``) as the source gives them in ISO 8601 ("2024-09",
"2025", "2024-09-03") with ``start_year``/``end_year`` as integers, and ``sources`` (titles, one a
line). Missing facts are left out rather than set to None, so every export can carry them.

Query parameters are inlined where the query says ``VALUES ?name { UNDEF }``: the shipped query
runs as it is (every parameter unbound) and the builder binds what the caller gives.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable

import networkx as nx
import pyoxigraph as ox

from ..errors import NotFound, UsageError, did_you_mean
from ..namespaces import ID_BASE, PREFIXES
from ..bundle import view_query_file
from ..rdf.sparql import parse_header

IG = PREFIXES["ig"]
SCHEMA = PREFIXES["schema"]
ORG = PREFIXES["org"]
SKOS = PREFIXES["skos"]
SDMX_DIMENSION = PREFIXES["sdmx-dimension"]

# The short type of a node is the first of its classes found in this list (most specific first).
TYPE_NAMES: tuple[tuple[str, str], ...] = (
    (IG + "CityAlliance", "Alliance"),
    (ORG + "OrganizationalCollaboration", "Alliance"),
    (IG + "InnovationCluster", "Cluster"),
    (SCHEMA + "City", "City"),
    (SCHEMA + "AdministrativeArea", "Region"),
    (SCHEMA + "Country", "Country"),
    (SCHEMA + "CollegeOrUniversity", "University"),
    (IG + "GovernmentFundedResearchInstitute", "Research institute"),
    (SCHEMA + "ResearchOrganization", "Research institute"),
    (IG + "LegislativeCouncil", "Council"),
    (SCHEMA + "GovernmentOrganization", "Government body"),
    (IG + "IntergovernmentalOrganization", "Intergovernmental organisation"),
    (SCHEMA + "Corporation", "Company"),
    (IG + "SupportCentre", "Facility"),
    (IG + "ResearchFacility", "Facility"),
    (IG + "Facility", "Facility"),
    (ORG + "FormalOrganization", "Organisation"),
    (ORG + "Organization", "Organisation"),
    (IG + "MemorandumOfUnderstanding", "MOU"),
    (IG + "Agreement", "Agreement"),
    (SCHEMA + "EducationalOccupationalProgram", "Programme"),
    (IG + "Programme", "Programme"),
    (IG + "Ranking", "Ranking"),
    (SCHEMA + "Event", "Event"),
    (PREFIXES["foaf"] + "Person", "Person"),
    (SCHEMA + "Person", "Person"),
    (SKOS + "Concept", "Sector"),
    (SCHEMA + "Place", "Place"),
)

RELATION_LABELS = {
    ORG + "organization": "member of",
    IG + "party": "party to",
    IG + "participant": "participant in",
    SCHEMA + "provider": "provider of",
    SCHEMA + "containedInPlace": "located in",
    IG + "basedIn": "based in",
    IG + "sector": "strategic sector",
    SKOS + "narrower": "includes",
    IG + "rankedEntity": "ranked in",
    SCHEMA + "attendee": "attended",
}

QUALIFIERS = {IG + "LowerBound": "more than ", IG + "UpperBound": "less than ", IG + "Approximate": "about ",
              IG + "ApproachingFromBelow": "nearly ", IG + "Exact": ""}

_NODE_CHUNK = 25000  # nodes described per query (VALUES block); each query also costs ~store size, so few, big ones


# -- queries ---------------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def view_query(name: str) -> str:
    """The text of ``queries/views/<name>.rq``."""
    return view_query_file(name).read_text(encoding="utf-8")


def query_header(name: str) -> dict[str, object]:
    """The ``# title:``, ``# description:`` and ``# param:`` lines of a view's query."""
    entries = parse_header(view_query(name))
    return {"title": next((v for _, k, v in entries if k == "title"), ""),
            "description": " ".join(v for _, k, v in entries if k == "description"),
            "params": [v for _, k, v in entries if k == "param"]}


def bind(query: str, **values: Iterable[ox.NamedNode | ox.Literal] | ox.NamedNode | ox.Literal | None) -> str:
    """Inline parameter values where the query says ``VALUES ?name { UNDEF }``.

    A value may be one term or several (one row each); None leaves the parameter unbound.
    Raises ValueError when the query has no such placeholder (a programming error).
    """
    for name, value in values.items():
        placeholder = f"VALUES ?{name} {{ UNDEF }}"
        if placeholder not in query:
            raise ValueError(f"the query has no '{placeholder}' to bind ?{name}")
        if value is None:
            continue
        terms = [value] if isinstance(value, (ox.NamedNode, ox.Literal)) else list(value)
        query = query.replace(placeholder, f"VALUES ?{name} {{ {' '.join(str(t) for t in terms)} }}")
    return query


def _rows(store, name: str, **params) -> list[dict]:
    """The solutions of a view query as dicts of variable name -> term (unbound left out)."""
    result = store.query(bind(view_query(name), **params))
    names = [v.value for v in result.variables]
    return [{n: row[i] for i, n in enumerate(names) if row[i] is not None} for row in result]


def _text(row: dict, key: str) -> str | None:
    term = row.get(key)
    return None if term is None else term.value


def _lines(row: dict, key: str) -> list[str]:
    text = _text(row, key)
    return sorted(t for t in text.split("\n") if t) if text else []


def _iso_date(text: str) -> str:
    """A date or date-time literal reduced to what the views show: ISO date, year-month or year."""
    return text[:10] if len(text) > 10 and text[10] == "T" else text


def _year(text: str | None) -> int | None:
    if not text:
        return None
    match = re.match(r"-?\d{4}", text)
    return int(match.group()) if match else None


def _short_role(label: str) -> str:
    """'member (joined after founding)' -> 'member': the caption drops explanations in brackets."""
    return re.sub(r"\s*\([^)]*\)", "", label).strip() or label


def _tail(iri: str) -> str:
    return iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _set(attrs: dict, **values) -> None:
    """Set the attributes that have a value (exports cannot carry None)."""
    for key, value in values.items():
        if value is not None and value != "" and value != []:
            attrs[key] = "\n".join(value) if isinstance(value, list) else value


# -- node facts ------------------------------------------------------------------------------------

def describe_nodes(store, graph: nx.Graph) -> None:
    """Attach label, short name, type, country and coordinates to every node, from nodes.rq."""
    nodes = list(graph.nodes)
    for i in range(0, len(nodes), _NODE_CHUNK):
        chunk = [ox.NamedNode(n) for n in nodes[i:i + _NODE_CHUNK] if not n.startswith("_:")]
        if not chunk:
            continue
        for row in _rows(store, "nodes", node=chunk):
            iri = row["node"].value
            attrs = graph.nodes[iri]
            label = _text(row, "label") or _text(row, "otherLabel") or _tail(iri)
            names = [label] + _lines(row, "altLabels")
            short = min(names, key=lambda n: (len(n), n != label))
            types = (_text(row, "types") or "").split()
            type_iri, type_name = next(((t, n) for t, n in TYPE_NAMES if t in types),
                                       (types[0] if types else "", _tail(types[0]) if types else "Thing"))
            _set(attrs, label=label, short=short, type=type_name, rdf_type=type_iri or None,
                 country=_text(row, "countryName"), country_iri=_text(row, "countryIri"))
            for key, column in (("lat", "latitude"), ("lon", "longitude"),
                                ("seat_lat", "seatLatitude"), ("seat_lon", "seatLongitude")):
                if column in row:
                    try:
                        attrs[key] = float(row[column].value)
                    except ValueError:
                        pass
    for iri, attrs in graph.nodes(data=True):
        attrs["iri"] = iri
        attrs.setdefault("label", _tail(iri))
        attrs.setdefault("short", attrs["label"])
        attrs.setdefault("type", "Thing")


def _date_nodes(graph: nx.Graph) -> None:
    """A node starts when its first dated edge starts (what Gephi's timeline and the slider use)."""
    for node in graph.nodes:
        starts = [d["start"] for _, _, d in _incident(graph, node) if d.get("start")]
        if starts:
            first = min(starts)
            graph.nodes[node]["start"] = first
            graph.nodes[node]["start_year"] = _year(first)


def _incident(graph: nx.Graph, node):
    if graph.is_directed():
        yield from graph.in_edges(node, data=True)
        yield from graph.out_edges(node, data=True)
    else:
        yield from graph.edges(node, data=True)


def _finish(store, graph: nx.Graph) -> nx.Graph:
    describe_nodes(store, graph)
    _date_nodes(graph)
    graph.graph["nodes"] = graph.number_of_nodes()
    graph.graph["edges"] = graph.number_of_edges()
    return graph


def _new(graph_class, view: str, **attrs) -> nx.Graph:
    graph = graph_class()
    graph.graph.update({"view": view, "title": VIEWS[view].title if view in VIEWS else view})
    _set(graph.graph, **attrs)
    return graph


# -- the views -------------------------------------------------------------------------------------

def alliances(store, as_of: int | None = None, history: bool = False) -> nx.MultiDiGraph:
    """Cities (and regions) and the alliances they belong to; one edge per org:Membership.

    Edges run member -> alliance, keyed by the membership IRI, with role, start/end, the date
    resolution note, conflicting claims and sources. Without ``as_of``: the memberships with no
    recorded end (the alliance as the data stands now). ``as_of=YEAR``: as it stood at the end of
    YEAR (began in or before YEAR and not ended by then; 2024 gives GINI's five founders, 2025 adds
    the Province of Quebec). ``history=True``: every membership ever recorded (for timelines).
    """
    if as_of is not None and not isinstance(as_of, int):
        raise UsageError(f"as_of must be a year (an integer), got {as_of!r}")
    graph = _new(nx.MultiDiGraph, "alliances", as_of=as_of, history=history or None)
    rows = _rows(store, "alliances",
                 as_of=ox.Literal(as_of) if as_of is not None else None,
                 history=ox.Literal(True) if history else None)
    for row in rows:
        member, alliance, key = row["member"].value, row["alliance"].value, row["membership"].value
        start = _iso_date(_text(row, "start") or "") or None
        end = _iso_date(_text(row, "end") or "") or None
        role_label = _text(row, "roleLabel") or (_tail(_text(row, "role")) if "role" in row else "member")
        role = _short_role(role_label)
        founded = _text(row, "founded")
        if end:
            caption = f"{role} {start or '?'} to {end}"
        elif start and start != founded:
            caption = f"{role} since {start}"
        else:
            caption = role
        graph.add_node(member)
        graph.add_node(alliance)
        attrs: dict = {}
        _set(attrs, relation=ORG + "organization", relation_label="member of", membership=key,
             role=role_label, role_iri=_text(row, "role"), label=caption, start=start, end=end,
             start_year=_year(start), end_year=_year(end), date_resolution=_text(row, "resolution"),
             conflicts=_lines(row, "conflicts"), sources=_lines(row, "sourceTitles"),
             source_iris=_lines(row, "sources"))
        graph.add_edge(member, alliance, key=key, **attrs)
    return _finish(store, graph)


def partnerships(store) -> nx.MultiGraph:
    """Partners tied by bilateral agreements and joint programmes (exactly two partners each).

    One undirected edge per agreement or programme, keyed by its IRI, with its kind (MOU,
    agreement, programme), subject, date and sources. Partners are cities, regions or institutions.
    """
    graph = _new(nx.MultiGraph, "partnerships")
    for row in _rows(store, "partnerships"):
        a, b, link = row["a"].value, row["b"].value, row["link"].value
        types = (_text(row, "linkTypes") or "").split()
        kind = next((n for t, n in TYPE_NAMES if t in types), "Agreement")
        subjects = _lines(row, "subjects")
        start = _iso_date(_text(row, "date") or _text(row, "start") or "") or None
        caption = kind + (": " + ", ".join(subjects) if subjects else "") + (f" ({start})" if start else "")
        relation = row["relation"].value
        graph.add_node(a)
        graph.add_node(b)
        attrs: dict = {}
        _set(attrs, relation=relation, relation_label=RELATION_LABELS.get(relation, _tail(relation)),
             link=link, link_label=_text(row, "linkLabel"), kind=kind, label=caption, subject=subjects,
             start=start, start_year=_year(start), sources=_lines(row, "sourceTitles"),
             source_iris=_lines(row, "sources"))
        graph.add_edge(a, b, key=link, **attrs)
    return _finish(store, graph)


def city_projection(store) -> nx.Graph:
    """Places tied to places, weighted by what they share: alliances, agreements, programmes.

    One undirected edge per pair of places; ``weight`` counts the shared alliances (open
    memberships), agreements (any number of parties) and programmes, listed in ``alliances``,
    ``agreements`` and ``programmes``; ``relation`` lists their IRIs.
    """
    graph = _new(nx.Graph, "city_projection")
    places_of: dict[str, set[str]] = {}
    tie_kind: dict[str, tuple[str, str]] = {}
    for row in _rows(store, "city_projection"):
        via = row["via"].value
        places_of.setdefault(via, set()).add(row["place"].value)
        tie_kind[via] = (row["kind"].value, _text(row, "viaLabel") or _tail(via))
    ties: dict[tuple[str, str], dict[str, dict[str, str]]] = {}
    for via, places in places_of.items():
        kind, label = tie_kind[via]
        ordered = sorted(places)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1:]:
                ties.setdefault((a, b), {}).setdefault(kind, {})[via] = label
    for (a, b), kinds in ties.items():
        vias = sorted(iri for group in kinds.values() for iri in group)
        weight = len(vias)
        attrs: dict = {}
        _set(attrs, relation=vias, relation_label="shares", weight=weight,
             label=f"{weight} shared tie{'s' if weight != 1 else ''}",
             alliances=sorted(kinds.get("alliance", {}).values()),
             agreements=sorted(kinds.get("agreement", {}).values()),
             programmes=sorted(kinds.get("programme", {}).values()))
        graph.add_edge(a, b, **attrs)
    return _finish(store, graph)


def _figure_text(row: dict) -> str:
    value = row["value"].value
    try:
        number = float(value)
        value = f"{int(number):,}" if number.is_integer() and abs(number) >= 1000 else (
            str(int(number)) if number.is_integer() else f"{number:g}")
    except ValueError:
        pass
    qualifier = QUALIFIERS.get(_text(row, "qualifier") or "", "")
    unit = _text(row, "unit")
    unit_text = "%" if unit == "percent" else (f" {unit}" if unit and unit != "number" else "")
    what = _text(row, "indicator") or "value"
    if "group" in row:
        what += f" ({row['group'].value})"
    period = _text(row, "period")
    return f"{what}: {qualifier}{value}{unit_text}" + (f" ({period})" if period else "")


def ecosystem(store, city: str | None = None) -> nx.MultiDiGraph:
    """A city, its innovation clusters, the institutions and facilities based there, its strategic
    sectors (and their sub-sectors), with the figures about each attached as ``figures``.

    ``city`` is an IRI or a path under the instance base (``city/daejeon``). Raises UsageError
    without a city and NotFound when the store does not know it.
    """
    if not city:
        raise UsageError("the ecosystem view needs a city: --city IRI (e.g. city/daejeon)")
    iri = resolve_iri(city)
    graph = _new(nx.MultiDiGraph, "ecosystem", city=iri)
    graph.add_node(iri)
    figures: dict[str, list[str]] = {}
    figure_sources: dict[str, set[str]] = {}
    for row in _rows(store, "ecosystem", city=ox.NamedNode(iri)):
        subject = row["s"].value
        if row["kind"].value == "figure":
            figures.setdefault(subject, []).append(_figure_text(row))
            figure_sources.setdefault(subject, set()).update(_lines(row, "sourceTitles"))
            continue
        relation, obj = row["relation"].value, row["o"].value
        attrs: dict = {}
        _set(attrs, relation=relation, relation_label=RELATION_LABELS.get(relation, _tail(relation)),
             label=RELATION_LABELS.get(relation, _tail(relation)))
        graph.add_edge(subject, obj, key=relation, **attrs)
    for node, texts in figures.items():
        if node in graph:
            graph.nodes[node]["figures"] = "\n".join(sorted(set(texts)))
            graph.nodes[node]["figure_sources"] = "\n".join(sorted(figure_sources[node]))
    _finish(store, graph)
    if graph.nodes[iri].get("label") == _tail(iri) and graph.degree(iri) == 0:
        raise NotFound(f"no place <{iri}> in the store (city must be an IRI such as {ID_BASE}city/daejeon)")
    return graph


def rankings(store) -> nx.MultiDiGraph:
    """Ranked entities and the rankings that rank them; one edge per ig:RankingResult with rank,
    edition year, category and scope."""
    graph = _new(nx.MultiDiGraph, "rankings")
    for row in _rows(store, "rankings"):
        entity, ranking, key = row["entity"].value, row["ranking"].value, row["result"].value
        rank = _text(row, "rank")
        edition = _text(row, "edition")
        scope = _text(row, "scopeLabel")
        caption = " ".join(p for p in (f"#{rank}" if rank else None, scope, edition) if p)
        attrs: dict = {}
        _set(attrs, relation=IG + "rankedEntity", relation_label="ranked in", result=key,
             label=caption or "ranked", rank=int(rank) if rank else None, edition=edition,
             category=_text(row, "categoryLabel"), scope=scope, start=edition,
             start_year=_year(edition), sources=_lines(row, "sourceTitles"),
             source_iris=_lines(row, "sources"))
        graph.add_edge(entity, ranking, key=key, **attrs)
    return _finish(store, graph)


def events(store) -> nx.MultiDiGraph:
    """Who attended which event (schema:attendee), dated by the event's start: who met whom, when."""
    graph = _new(nx.MultiDiGraph, "events")
    for row in _rows(store, "events"):
        attendee, event = row["attendee"].value, row["event"].value
        start = _iso_date(_text(row, "start") or "") or None
        attrs: dict = {}
        _set(attrs, relation=SCHEMA + "attendee", relation_label="attended",
             label="attended" + (f" {start}" if start else ""), start=start, start_year=_year(start),
             sources=_lines(row, "sourceTitles"), source_iris=_lines(row, "sources"))
        graph.add_edge(attendee, event, key=event, **attrs)
    return _finish(store, graph)


@dataclass(frozen=True)
class View:
    """A named view: how to build it and which parameters it takes."""

    name: str
    title: str
    build: Callable[..., nx.Graph]
    params: tuple[str, ...] = ()
    query: str = ""

    @property
    def description(self) -> str:
        """The ``# description:`` of the view's query (``queries/views/<query or name>.rq``)."""
        return query_header(self.query or self.name)["description"]

    @property
    def doc(self) -> str:
        """The first paragraph of the builder's docstring, on one line."""
        return (self.build.__doc__ or "").strip().split("\n\n")[0].replace("\n   ", "").replace("  ", " ")


VIEWS: dict[str, View] = {
    "alliances": View("alliances", "City alliances and their members", alliances, ("as_of", "history")),
    "partnerships": View("partnerships", "Bilateral agreements and joint programmes", partnerships),
    "city_projection": View("city_projection", "Places tied by shared alliances, agreements and programmes",
                            city_projection),
    "ecosystem": View("ecosystem", "A city's clusters, institutions and strategic sectors", ecosystem,
                      ("city",)),
    "rankings": View("rankings", "Who is ranked where", rankings),
    "events": View("events", "Who attended which event", events),
}
ALIASES = {"city-projection": "city_projection"}


def view_named(name: str) -> View:
    """The view called ``name`` (``city-projection`` is accepted for ``city_projection``)."""
    view = VIEWS.get(ALIASES.get(name, name))
    if view is None:
        raise NotFound(did_you_mean(name, [*VIEWS, *ALIASES], "view"))
    return view


def build(store, name: str, **params) -> nx.Graph:
    """Build view ``name`` with the parameters it takes; a parameter it does not take is a
    UsageError naming it (None values are ignored)."""
    view = view_named(name)
    given = {k: v for k, v in params.items() if v is not None and v is not False}
    extra = sorted(set(given) - set(view.params))
    if extra:
        raise UsageError(f"the {view.name} view takes no {', '.join(extra)} parameter"
                         + (f" (it takes: {', '.join(view.params)})" if view.params else ""))
    return view.build(store, **given)


def resolve_iri(text: str) -> str:
    """An IRI from a full IRI, ``<IRI>``, or a path under the instance base (``city/daejeon``)."""
    text = text.strip().strip("<>")
    if re.match(r"^[a-z][a-z0-9+.-]*:", text, re.I):
        return text
    return ID_BASE + text.lstrip("/")


# -- metrics ---------------------------------------------------------------------------------------

def simple_undirected(graph: nx.Graph) -> nx.Graph:
    """The graph as simple and undirected: parallel edges merged (weights summed), loops dropped."""
    simple = nx.Graph()
    simple.add_nodes_from(graph.nodes)
    for u, v, data in graph.edges(data=True):
        if u == v:
            continue
        weight = data.get("weight", 1)
        if simple.has_edge(u, v):
            simple[u][v]["weight"] += weight
        else:
            simple.add_edge(u, v, weight=weight)
    return simple


def eigenvector_by_component(simple: nx.Graph, *, max_iter: int = 1000, tol: float = 1e-9) -> dict[str, float]:
    """Eigenvector centrality computed in each connected component (across components the power
    iteration converges to the largest one and zeroes the rest), scaled by the component's share
    of the nodes so values compare across components. Isolated nodes score 0.

    The same power iteration on (A + I) as ``nx.eigenvector_centrality``, vectorised with NumPy
    over all components at once and normalised per component (the pure-Python loop took minutes
    at 10k nodes).
    """
    import numpy as np

    nodes = list(simple.nodes)
    n = len(nodes)
    if n == 0:
        return {}
    index = {node: i for i, node in enumerate(nodes)}
    component = np.empty(n, dtype=np.int64)
    for c, members in enumerate(nx.connected_components(simple)):
        component[[index[m] for m in members]] = c
    sizes = np.bincount(component)
    edges = np.array([(index[u], index[v]) for u, v in simple.edges()], dtype=np.int64).reshape(-1, 2)
    sources = np.concatenate([edges[:, 0], edges[:, 1]])
    targets = np.concatenate([edges[:, 1], edges[:, 0]])
    x = np.where(sizes[component] > 1, 1.0, 0.0)
    for _ in range(max_iter):
        last = x
        x = last.copy()
        np.add.at(x, targets, last[sources])
        norms = np.sqrt(np.bincount(component, weights=x * x, minlength=len(sizes)))
        norms[norms == 0] = 1.0
        x = x / norms[component]
        if np.abs(x - last).sum() < n * tol:
            break
    x = x * (sizes[component] / n)
    return {node: float(x[i]) for i, node in enumerate(nodes)}


def betweenness_pivots(n: int) -> int | None:
    """How many pivots estimate betweenness: None (exact) up to 2,000 nodes, then about
    2 million node-visits' worth (256 pivots at 8k nodes, 32 at 60k and beyond)."""
    if n <= 2000:
        return None
    return min(n, 256, max(32, 2_000_000 // n))


def metrics(graph: nx.Graph, *, seed: int = 42) -> dict:
    """Degree, betweenness and eigenvector centrality, Louvain communities and bridges.

    All computed on the simple undirected version of the view. Betweenness is exact up to 2,000
    nodes and estimated from seeded pivots beyond (``betweenness_sampled`` says how many, see
    betweenness_pivots). Louvain is seeded, so communities are reproducible. Returns plain
    JSON-ready data.
    """
    simple = simple_undirected(graph)
    n = simple.number_of_nodes()
    degree = dict(simple.degree())
    sample = betweenness_pivots(n)
    betweenness = nx.betweenness_centrality(simple, k=sample, seed=seed if sample else None)
    eigenvector = eigenvector_by_component(simple)
    communities = sorted(nx.community.louvain_communities(simple, weight="weight", seed=seed),
                         key=lambda c: (-len(c), min(c))) if n else []
    community_of = {node: i for i, members in enumerate(communities) for node in members}
    label = lambda node: graph.nodes[node].get("short", node)  # noqa: E731
    nodes = [{"iri": node, "label": label(node), "type": graph.nodes[node].get("type", "Thing"),
              "degree": degree[node], "betweenness": round(betweenness[node], 6),
              "eigenvector": round(eigenvector[node], 6), "community": community_of.get(node)}
             for node in simple.nodes]
    nodes.sort(key=lambda r: (-r["degree"], -r["betweenness"], r["label"]))
    bridges = sorted((tuple(sorted((u, v))) for u, v in nx.bridges(simple)), key=lambda e: e)
    return {
        "view": graph.graph.get("view"),
        "nodes": n,
        "edges": graph.number_of_edges(),
        "density": round(nx.density(simple), 6) if n > 1 else 0.0,
        "components": nx.number_connected_components(simple) if n else 0,
        "betweenness_sampled": sample,
        "centrality": nodes,
        "communities": [{"id": i, "size": len(c), "members": sorted(c, key=label),
                         "labels": sorted(label(m) for m in c)} for i, c in enumerate(communities)],
        "bridges": [{"source": u, "target": v, "source_label": label(u), "target_label": label(v)}
                    for u, v in bridges],
    }


def metrics_table(result: dict, limit: int | None = None) -> str:
    """The metrics as plain-text tables for the terminal."""
    rows = result["centrality"][:limit] if limit else result["centrality"]
    head = ["node", "type", "degree", "betweenness", "eigenvector", "community"]
    cells = [[r["label"], r["type"], str(r["degree"]), f"{r['betweenness']:.4f}",
              f"{r['eigenvector']:.4f}", "" if r["community"] is None else str(r["community"])] for r in rows]
    widths = [max([len(h)] + [len(c[i]) for c in cells]) for i, h in enumerate(head)]
    line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    out = [f"{result['view']}: {result['nodes']} nodes, {result['edges']} edges, "
           f"{result['components']} component(s), density {result['density']:.4f}"
           + (f", betweenness estimated from {result['betweenness_sampled']} pivots"
              if result["betweenness_sampled"] else ""),
           "", line(head), line(["-" * w for w in widths])] + [line(c) for c in cells]
    if limit and len(result["centrality"]) > limit:
        out.append(f"... {len(result['centrality']) - limit} more")
    out += ["", f"communities (Louvain, seeded): {len(result['communities'])}"]
    out += [f"  {c['id']}: {', '.join(c['labels'])}" for c in result["communities"][:limit or None]]
    out += ["", f"bridges: {len(result['bridges'])}"]
    out += [f"  {b['source_label']} -- {b['target_label']}" for b in result["bridges"][:limit or None]]
    return "\n".join(out)


# -- explaining a connection ------------------------------------------------------------------------

def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


def find_node(graph: nx.Graph, text: str) -> str:
    """The node named by an IRI, an IRI path (``city/daejeon``), a label or a short name.

    Matching ignores case and accents ('Malaga' finds Málaga). Raises NotFound naming the text.
    """
    if text in graph:
        return text
    iri = resolve_iri(text) if "/" in text or ":" in text else None
    if iri in graph:
        return iri
    wanted = _fold(text.strip())
    matches = [node for node, data in graph.nodes(data=True)
               if wanted in {_fold(data.get("label", "")), _fold(data.get("short", "")), _fold(_tail(node))}]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise UsageError(f"{text!r} names several nodes: {', '.join(sorted(matches))}; give an IRI")
    raise NotFound(f"no node {text!r} in the {graph.graph.get('view', '')} view")


def _best_edge(graph: nx.Graph, u: str, v: str) -> tuple[dict, bool]:
    """The edge between u and v to show (the earliest-starting one) and whether it runs u -> v."""
    candidates = []
    for a, b in ((u, v), (v, u)) if graph.is_directed() else ((u, v),):
        data = graph.get_edge_data(a, b)
        if not data:
            continue
        for attrs in (data.values() if graph.is_multigraph() else [data]):
            candidates.append((attrs.get("start") or "9999", attrs.get("label", ""), attrs, a == u))
    _, _, attrs, forward = min(candidates, key=lambda c: (c[0], c[1]))
    return attrs, forward


def explain_path(graph: nx.Graph, a: str, b: str) -> str:
    """The shortest connection between two nodes, edge by edge, e.g.
    ``Quebec -[member since 2025]-> GINI <-[founding member]- Daejeon``.

    Direction is ignored for finding the path and shown in the arrows. Raises NotFound when a node
    is missing or the two are not connected.
    """
    source, target = find_node(graph, a), find_node(graph, b)
    name = lambda node: graph.nodes[node].get("short", node)  # noqa: E731
    try:
        path = nx.shortest_path(graph.to_undirected(as_view=True), source, target)
    except nx.NetworkXNoPath:
        raise NotFound(f"{name(source)} and {name(target)} are not connected in the "
                       f"{graph.graph.get('view', '')} view") from None
    parts = [name(path[0])]
    for u, v in zip(path, path[1:]):
        attrs, forward = _best_edge(graph, u, v)
        caption = attrs.get("label") or attrs.get("relation_label", "")
        if not graph.is_directed():
            parts.append(f"-[{caption}]-")
        else:
            parts.append(f"-[{caption}]->" if forward else f"<-[{caption}]-")
        parts.append(name(v))
    return " ".join(parts)


def year_range(graph: nx.Graph) -> tuple[int, int] | None:
    """The first and last year the view's dated edges start or end in, or None if undated."""
    years = [y for _, _, d in graph.edges(data=True) for y in (d.get("start_year"), d.get("end_year")) if y]
    return (min(years), max(years)) if years else None

