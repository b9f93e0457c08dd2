"""Exports and pictures of the relationship views (networks.py builds them).

Formats: GraphML, GEXF 1.2 (dynamic: ``start``/``end`` on nodes and edges for Gephi's timeline),
node-link JSON, Cytoscape.js JSON, DOT, static SVG and PNG (matplotlib), a self-contained interactive
HTML file (vis-network from the pyvis package, inlined: opens from disk with no network access) and
an alliance map (SVG, equirectangular). The web server's pages (web/graphs.py, templates
graph_view.html and graph_map.html) use the same data and scripts but load vis-network and the
world outlines as cached static files. Heavy imports (matplotlib) happen inside the functions that
need them.
"""

from __future__ import annotations

import html
import io
import json
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import networkx as nx

from ..errors import UsageError
from .networks import metrics as compute_metrics
from .networks import year_range


@dataclass(frozen=True)
class ExportFormat:
    """A format a view can be exported in: its name, media type and file extension."""

    name: str
    media_type: str
    extension: str
    binary: bool = False
    help: str = ""


EXPORT_FORMATS: dict[str, ExportFormat] = {f.name: f for f in (
    ExportFormat("html", "text/html", ".html", help="interactive page (vis-network, offline)"),
    ExportFormat("graphml", "application/graphml+xml", ".graphml", help="GraphML (Gephi, Cytoscape, yEd, NetworkX)"),
    ExportFormat("gexf", "application/gexf+xml", ".gexf", help="GEXF 1.2 with start/end dates for Gephi's timeline"),
    ExportFormat("json", "application/json", ".json", help="NetworkX node-link JSON"),
    ExportFormat("cyjs", "application/vnd.cytoscape+json", ".cyjs", help="Cytoscape.js elements JSON"),
    ExportFormat("dot", "text/vnd.graphviz", ".dot", help="Graphviz DOT"),
    ExportFormat("svg", "image/svg+xml", ".svg", help="static picture with legend (matplotlib)"),
    ExportFormat("png", "image/png", ".png", True, help="static picture, 200 dpi (matplotlib)"),
)}

# Okabe-Ito first (colour-blind safe), then Tol's muted palette.
TYPE_COLOURS = {
    "Alliance": "#D55E00", "City": "#0072B2", "Region": "#56B4E9", "Country": "#999999",
    "Cluster": "#009E73", "University": "#E69F00", "Research institute": "#CC79A7",
    "Government body": "#882255", "Council": "#AA4499", "Company": "#DDCC77",
    "Facility": "#44AA99", "Organisation": "#332288", "Intergovernmental organisation": "#117733",
    "Sector": "#F0E442", "Ranking": "#661100", "Event": "#6699CC", "Person": "#888888",
    "MOU": "#117733", "Agreement": "#117733", "Programme": "#44AA99", "Place": "#6699CC",
}
STATIC_NODE_LIMIT = 2000


def format_named(name: str) -> ExportFormat:
    """The export format called ``name``; UsageError listing the formats for an unknown one."""
    try:
        return EXPORT_FORMATS[name]
    except KeyError:
        raise UsageError(f"unknown format {name!r}; choose from {', '.join(EXPORT_FORMATS)}") from None


def format_for_path(path: str | Path) -> ExportFormat | None:
    """The export format a file name's extension says, or None when no format has it."""
    suffix = Path(path).suffix.lower()
    return next((f for f in EXPORT_FORMATS.values() if f.extension == suffix), None)


def render(graph: nx.Graph, fmt: str, **options) -> bytes:
    """``graph`` in export format ``fmt`` (a name from EXPORT_FORMATS) as bytes."""
    name = format_named(fmt).name
    if name == "graphml":
        return to_graphml(graph)
    if name == "gexf":
        return to_gexf(graph)
    if name == "json":
        return to_node_link_json(graph)
    if name == "cyjs":
        return to_cytoscape_json(graph)
    if name == "dot":
        return to_dot(graph).encode()
    if name in {"svg", "png"}:
        return to_picture(graph, name)
    return to_html(graph, **options).encode()


# -- interchange formats ----------------------------------------------------------------------------

def _exportable(graph: nx.Graph) -> nx.Graph:
    """A copy whose graph-level attributes are all strings or numbers (GraphML/GEXF need that)."""
    copy = graph.copy()
    copy.graph = {k: v for k, v in graph.graph.items() if isinstance(v, (str, int, float, bool))}
    return copy


def to_graphml(graph: nx.Graph) -> bytes:
    """GraphML, node ids = IRIs, multigraph edge ids = the keys (membership or agreement IRIs)."""
    out = io.BytesIO()
    nx.write_graphml(_exportable(graph), out, encoding="utf-8", prettyprint=True, named_key_ids=True)
    return out.getvalue()


def gexf_date(text: str) -> str:
    """An ISO date Gephi accepts from a year, year-month or date: the first day of the period."""
    if len(text) == 4:
        return f"{text}-01-01"
    if len(text) == 7:
        return f"{text}-01"
    return text[:10]


def _rgb(hex_colour: str) -> dict:
    return {"r": int(hex_colour[1:3], 16), "g": int(hex_colour[3:5], 16), "b": int(hex_colour[5:7], 16), "a": 1.0}


def to_gexf(graph: nx.Graph) -> bytes:
    """GEXF 1.2draft, dynamic: ``start``/``end`` (first day of the stated period) on the dated
    nodes and edges, so Gephi's timeline replays the view; the date as the source states it stays
    in ``start_as_stated``/``end_as_stated``. Nodes carry viz colours by type and sizes by degree."""
    copy = _exportable(graph)
    degree = dict(copy.degree())
    dated = False
    for node, attrs in copy.nodes(data=True):
        if "start" in attrs:
            attrs["start_as_stated"] = attrs["start"]
            attrs["start"] = gexf_date(attrs["start"])
            dated = True
        attrs["viz"] = {"color": _rgb(TYPE_COLOURS.get(attrs.get("type"), "#999999")),
                        "size": 5.0 + 3.0 * math.sqrt(degree.get(node, 0))}
        attrs.pop("type_", None)
    edge_iter = copy.edges(keys=True, data=True) if copy.is_multigraph() else (
        (u, v, None, d) for u, v, d in copy.edges(data=True))
    for _, _, key, attrs in edge_iter:
        if key is not None:
            attrs["id"] = str(key)
        for end in ("start", "end"):
            if end in attrs:
                attrs[f"{end}_as_stated"] = attrs[end]
                attrs[end] = gexf_date(attrs[end])
                dated = True
    if dated:
        copy.graph["mode"] = "dynamic"
    out = io.BytesIO()
    nx.write_gexf(copy, out, encoding="utf-8", prettyprint=True, version="1.2draft")
    return out.getvalue()


def to_node_link_json(graph: nx.Graph) -> bytes:
    """The view as NetworkX node-link JSON (``nodes`` and ``edges``), UTF-8; values JSON cannot
    hold are written as text."""
    data = nx.node_link_data(graph, edges="edges")
    return json.dumps(data, ensure_ascii=False, indent=1, default=str).encode()


def to_cytoscape_json(graph: nx.Graph) -> bytes:
    """Cytoscape.js ``elements`` JSON (what cy.json() and Cytoscape desktop's .cyjs import read)."""
    nodes = [{"data": {**{k: v for k, v in attrs.items()}, "id": node, "name": attrs.get("label", node)}}
             for node, attrs in graph.nodes(data=True)]
    edges = []
    edge_iter = graph.edges(keys=True, data=True) if graph.is_multigraph() else (
        (u, v, None, d) for u, v, d in graph.edges(data=True))
    for i, (u, v, key, attrs) in enumerate(edge_iter):
        data = {**attrs, "id": str(key) if key is not None else f"e{i}", "source": u, "target": v}
        if key is not None:
            data["key"] = str(key)
        edges.append({"data": data})
    body = {"format_version": "1.0", "generated_by": "innograph", "target_cytoscapejs_version": "~3",
            "data": {k: v for k, v in graph.graph.items() if isinstance(v, (str, int, float, bool))},
            "directed": graph.is_directed(), "multigraph": graph.is_multigraph(),
            "elements": {"nodes": nodes, "edges": edges}}
    return json.dumps(body, ensure_ascii=False, indent=1, default=str).encode()


def dot_id(text) -> str:
    """A DOT double-quoted ID: backslashes, quotes and line breaks escaped."""
    value = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\r\n", "\\n").replace("\n", "\\n")
    return f'"{value}"'


def to_dot(graph: nx.Graph) -> str:
    """Graphviz DOT written directly (no pydot/pygraphviz): node ids are IRIs, every attribute
    quoted; nodes filled by type colour, edges captioned."""
    kind, arrow = ("digraph", "->") if graph.is_directed() else ("graph", "--")
    lines = [f"{'strict ' if not graph.is_multigraph() else ''}{kind} {dot_id(graph.graph.get('view', 'view'))} {{",
             f"  graph [label={dot_id(graph.graph.get('title', ''))}, labelloc=t, overlap=false, splines=true];",
             '  node [shape=ellipse, style=filled, fontname="Helvetica", fontsize=11];',
             '  edge [fontname="Helvetica", fontsize=9, color="#666666"];']
    for node, attrs in graph.nodes(data=True):
        extra = {"label": attrs.get("short", node), "fillcolor": TYPE_COLOURS.get(attrs.get("type"), "#cccccc"),
                 "tooltip": attrs.get("label", node)}
        extra.update({k: v for k, v in attrs.items() if k not in extra and k != "short"})
        body = ", ".join(f"{dot_id(k)}={dot_id(v)}" for k, v in extra.items())
        lines.append(f"  {dot_id(node)} [{body}];")
    for u, v, attrs in graph.edges(data=True):
        body = ", ".join(f"{dot_id(k)}={dot_id(val)}" for k, val in attrs.items())
        lines.append(f"  {dot_id(u)} {arrow} {dot_id(v)} [{body}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


# -- static pictures --------------------------------------------------------------------------------

def layout(graph: nx.Graph, seed: int = 7) -> dict:
    """Seeded force-directed positions (spring layout) for up to 500 nodes; a circle beyond that
    (the force layouts need SciPy or take minutes at that size). Raises UsageError past
    STATIC_NODE_LIMIT nodes: export GraphML or GEXF and lay it out in Gephi instead."""
    n = graph.number_of_nodes()
    if n > STATIC_NODE_LIMIT:
        raise UsageError(f"the view has {n} nodes, too many to draw as a static picture (limit "
                         f"{STATIC_NODE_LIMIT}); export graphml or gexf and lay it out in Gephi")
    simple = nx.Graph(graph.to_undirected(as_view=True))
    if n >= 500:
        return nx.circular_layout(simple)
    return nx.spring_layout(simple, seed=seed, k=2.2 / math.sqrt(max(n, 1)), iterations=200)


def to_picture(graph: nx.Graph, fmt: str = "svg", *, width: float = 10.0, height: float = 7.5) -> bytes:
    """A publication-quality picture: nodes coloured by type (legend), sized by degree, labelled
    with their short names, edges captioned when the graph is small. SVG text stays text
    (searchable, editable); PNG is 200 dpi."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    positions = layout(graph)
    simple_degree = dict(nx.Graph(graph.to_undirected(as_view=True)).degree())
    figure = Figure(figsize=(width, height), layout="constrained")
    axes = figure.add_subplot()
    axes.set_axis_off()
    small = graph.number_of_nodes() <= 60
    for u, v, attrs in graph.edges(data=True):
        (x1, y1), (x2, y2) = positions[u], positions[v]
        axes.annotate("", xy=(x2, y2), xytext=(x1, y1),
                      arrowprops={"arrowstyle": "-|>" if graph.is_directed() else "-", "color": "#8a8a8a",
                                  "lw": 0.6 + 0.4 * min(attrs.get("weight", 1), 6), "shrinkA": 9, "shrinkB": 9,
                                  "connectionstyle": "arc3,rad=0.08"}, zorder=1)
    if small and graph.number_of_edges() <= 40:
        seen: dict[tuple, int] = {}
        for u, v, attrs in graph.edges(data=True):
            pair = tuple(sorted((u, v)))
            offset = seen.get(pair, 0)
            seen[pair] = offset + 1
            (x1, y1), (x2, y2) = positions[u], positions[v]
            axes.text((x1 + x2) / 2, (y1 + y2) / 2 - 0.045 * offset, attrs.get("label", ""), fontsize=6.5,
                      color="#444444", ha="center", va="center", zorder=2,
                      bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8})
    types = sorted({attrs.get("type", "Thing") for _, attrs in graph.nodes(data=True)})
    for node_type in types:
        members = [n for n, a in graph.nodes(data=True) if a.get("type", "Thing") == node_type]
        axes.scatter([positions[n][0] for n in members], [positions[n][1] for n in members],
                     s=[60 + 45 * simple_degree.get(n, 0) for n in members],
                     c=TYPE_COLOURS.get(node_type, "#999999"), edgecolors="white", linewidths=1.0, zorder=3)
    if small or graph.number_of_nodes() <= 200:
        for node, attrs in graph.nodes(data=True):
            x, y = positions[node]
            axes.text(x, y + 0.055, attrs.get("short", node), fontsize=8.5 if small else 6, ha="center",
                      va="bottom", zorder=4, color="#111111",
                      bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7})
    handles = [Line2D([0], [0], marker="o", linestyle="", markersize=8, markerfacecolor=TYPE_COLOURS.get(t, "#999999"),
                      markeredgecolor="white", label=t) for t in types]
    axes.legend(handles=handles, title="type", loc="lower left", frameon=False, fontsize=8, title_fontsize=8)
    title = graph.graph.get("title", graph.graph.get("view", ""))
    if graph.graph.get("as_of"):
        title += f" (as of {graph.graph['as_of']})"
    axes.set_title(title, fontsize=12)
    xs = [p[0] for p in positions.values()] or [0]
    ys = [p[1] for p in positions.values()] or [0]
    axes.set_xlim(min(xs) - 0.25, max(xs) + 0.25)
    axes.set_ylim(min(ys) - 0.2, max(ys) + 0.2)
    figure.text(0.99, 0.005, "innograph · node size: degree", fontsize=6, ha="right", color="#777777")
    out = io.BytesIO()
    import matplotlib
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "innograph"}):
        figure.savefig(out, format=fmt, dpi=200 if fmt == "png" else 72,
                       metadata={"Date": None} if fmt == "svg" else None)
    return out.getvalue()


# -- interactive page -------------------------------------------------------------------------------

def _asset(name: str) -> str:
    return resources.files("innograph").joinpath("views", "assets", name).read_text(encoding="utf-8")


def _vis_bundle() -> tuple[str, str]:
    """vis-network's JavaScript and CSS as shipped inside the pyvis package (no CDN)."""
    import pyvis
    base = Path(pyvis.__file__).parent / "lib" / "vis-9.1.2"
    return ((base / "vis-network.min.js").read_text(encoding="utf-8"),
            (base / "vis-network.css").read_text(encoding="utf-8"))


def asset_text(name: str) -> str:
    """The text of a script in views/assets (graph-view.js, map-view.js)."""
    return _asset(name)


def year_slider(graph: nx.Graph, year: int | None = None) -> tuple[int, int, int] | None:
    """(first, last, start) years for the view's year slider, or None when the view is undated;
    the slider starts at ``year`` (clamped) or the last year."""
    years = year_range(graph)
    if not years:
        return None
    first, last = years
    return first, last, min(max(year or last, first), last)


def unplaced_names(graph: nx.Graph) -> list[str]:
    """Short names of the nodes the map cannot place (no coordinates in the data)."""
    return sorted(a.get("short", n) for n, a in graph.nodes(data=True) if _coordinates(a) is None)


def script_json(value) -> str:
    """JSON safe inside <script>: no '</' or '<!--' can end the element early."""
    return _script_json(value)


def _script_json(value) -> str:
    """JSON safe inside <script>: no '</' or '<!--' can end the element early."""
    return json.dumps(value, ensure_ascii=False, default=str).replace("</", "<\\/").replace("<!--", "<\\!--")


def _tooltip(attrs: dict, keys: tuple[str, ...]) -> str:
    lines = []
    for key in keys:
        if key in attrs and attrs[key] not in ("", None):
            value = str(attrs[key])
            lines.append(f"{key.replace('_', ' ')}: " + (value.replace("\n", "\n  ") if "\n" in value else value))
    return "\n".join(lines)


def page_data(graph: nx.Graph, metrics: dict | None = None) -> dict:
    """The nodes and edges as the page's script reads them (vis-network DataSet items)."""
    metrics = metrics or compute_metrics(graph)
    by_node = {row["iri"]: row for row in metrics["centrality"]}
    simple_degree = {row["iri"]: row["degree"] for row in metrics["centrality"]}
    nodes = []
    for node, attrs in graph.nodes(data=True):
        row = by_node.get(node, {})
        facts = _tooltip(attrs, ("type", "country", "lat", "lon", "start", "figures", "figure_sources"))
        item = {"id": node, "label": attrs.get("short", node), "type": attrs.get("type", "Thing"),
                "title": f"{attrs.get('label', node)}\n{node}\n{facts}".strip(),
                "degree": simple_degree.get(node, 0),
                "metrics": {"degree": row.get("degree", 0), "betweenness": row.get("betweenness", 0),
                            "eigenvector": row.get("eigenvector", 0)}}
        for key in ("country", "start_year", "lat", "lon"):
            if key in attrs:
                item[key] = attrs[key]
        nodes.append(item)
    edges = []
    edge_iter = graph.edges(keys=True, data=True) if graph.is_multigraph() else (
        (u, v, None, d) for u, v, d in graph.edges(data=True))
    for i, (u, v, key, attrs) in enumerate(edge_iter):
        facts = _tooltip(attrs, ("relation_label", "role", "start", "end", "subject", "weight", "alliances",
                                 "agreements", "programmes", "date_resolution", "conflicts", "sources"))
        item = {"id": f"e{i}", "from": u, "to": v, "label": attrs.get("label", ""),
                "title": ((attrs.get("link_label") or str(key or "")) + "\n" + facts).strip(),
                "width": 1 + min(attrs.get("weight", 1), 8) * 0.6}
        for field in ("start_year", "end_year"):
            if field in attrs:
                item[field] = attrs[field]
        edges.append(item)
    return {"view": graph.graph.get("view"), "directed": graph.is_directed(), "nodes": nodes, "edges": edges,
            "type_colours": TYPE_COLOURS}


_PAGE_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans CJK KR", "Apple SD Gothic Neo", "Malgun Gothic", sans-serif; margin: 0; color: #1b1b1b; }
header { padding: .6rem 1rem; border-bottom: 1px solid #ddd; }
h1 { font-size: 1.25rem; margin: 0 0 .2rem; }
header p { margin: .2rem 0; font-size: .9rem; color: #444; max-width: 70rem; }
#controls { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; font-size: .9rem; margin-top: .4rem; }
#legend { display: flex; flex-wrap: wrap; gap: .8rem; font-size: .85rem; margin-top: .4rem; }
.legend-item { display: inline-flex; align-items: center; gap: .3rem; }
.swatch { width: .9rem; height: .9rem; border-radius: 50%; display: inline-block; border: 1px solid #fff; box-shadow: 0 0 0 1px #ccc; }
#network { width: 100%; height: calc(100vh - 11rem); min-height: 420px; }
.vis-tooltip { white-space: pre-wrap !important; max-width: 32rem; font-size: .8rem !important; }
footer { font-size: .8rem; color: #555; padding: .3rem 1rem; border-top: 1px solid #ddd; }
footer a { margin-right: .8rem; }
"""


def to_html(graph: nx.Graph, *, title: str | None = None, description: str = "",
            links: list[tuple[str, str]] | None = None, year: int | None = None,
            metrics: dict | None = None) -> str:
    """The interactive page: force-directed, drag and zoom, colour by type or country, size by
    degree/betweenness/eigenvector, captioned edges, tooltips with facts and sources, and a year
    slider when the view is dated (starting at ``year`` or the last year). Self-contained: the
    vis-network bundle is inlined from the pyvis package."""
    vis_js, vis_css = _vis_bundle()
    title = title or graph.graph.get("title", "innograph view")
    years = year_range(graph)
    slider = ""
    if years:
        first, last = years
        start = min(max(year or last, first), last)
        slider = (f'<label>year <input type="range" id="year" name="year" min="{first}" max="{last}" step="1" '
                  f'value="{start}"> <output id="year-label">{start}</output></label>'
                  '<label><input type="checkbox" id="include-ended"> also show ties that ended during the year'
                  '</label>')
    footer_links = "".join(f'<a href="{html.escape(href)}">{html.escape(label)}</a>' for label, href in (links or []))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} · innograph</title>
<style>{vis_css}</style>
<style>{_PAGE_CSS}</style>
</head>
<body data-view="{html.escape(str(graph.graph.get('view', '')))}">
<header>
<h1>{html.escape(title)}</h1>
<p>{html.escape(description)}</p>
<form id="controls" onsubmit="return false">
<label>colour by <select id="colour-by"><option value="type">type</option><option value="country">country</option></select></label>
<label>size by <select id="size-by"><option value="degree">degree</option><option value="betweenness">betweenness</option><option value="eigenvector">eigenvector centrality</option></select></label>
{slider}
<span id="count" aria-live="polite"></span>
</form>
<div id="legend"></div>
</header>
<main id="network" aria-label="network of {html.escape(title)}"></main>
<footer>{footer_links}<span>Drag to move, scroll to zoom, hover for facts and sources. Works offline.</span></footer>
<script>{vis_js}</script>
<script id="graph-data" type="application/json">{_script_json(page_data(graph, metrics))}</script>
<script>{_asset("graph-view.js")}</script>
</body>
</html>
"""


# -- alliance map -----------------------------------------------------------------------------------

MAP_WIDTH, MAP_HEIGHT = 1000, 500


def project(lon: float, lat: float) -> tuple[float, float]:
    """Equirectangular projection onto the map's pixel grid (x east, y south)."""
    return (lon + 180.0) / 360.0 * MAP_WIDTH, (90.0 - lat) / 180.0 * MAP_HEIGHT


def _coordinates(attrs: dict) -> tuple[float, float] | None:
    if "lat" in attrs and "lon" in attrs:
        return attrs["lon"], attrs["lat"]
    if "seat_lat" in attrs and "seat_lon" in attrs:
        return attrs["seat_lon"], attrs["seat_lat"]
    return None


def map_svg(graph: nx.Graph) -> str:
    """An SVG map of the view's places (equirectangular) with the edges between them; an alliance
    is drawn at its seat (ig:basedIn), over a labelled 30° graticule. On the server's map page a
    script (frontend/maps.js) adds Natural Earth land and borders under them, and zoom and pan."""
    esc = html.escape
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" id="map" viewBox="0 0 {MAP_WIDTH} {MAP_HEIGHT}" '
             f'data-world-map="" role="img" aria-label="map of {esc(graph.graph.get("title", ""))}" '
             'style="background:#f4f8fb;max-width:100%;height:auto">',
             '<g class="graticule" stroke="#c9d6e2" stroke-width="0.6" fill="none">']
    for lon in range(-180, 181, 30):
        x, _ = project(lon, 0)
        parts.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{MAP_HEIGHT}"/>')
    for lat in range(-90, 91, 30):
        _, y = project(0, lat)
        parts.append(f'<line x1="0" y1="{y:.1f}" x2="{MAP_WIDTH}" y2="{y:.1f}"/>')
    parts.append('</g><g class="graticule-labels" font-size="10" fill="#7a8a99" font-family="sans-serif">')
    for lon in range(-150, 181, 30):
        x, _ = project(lon, 0)
        parts.append(f'<text x="{x + 2:.1f}" y="{MAP_HEIGHT - 4}">{abs(lon)}°{"E" if lon > 0 else "W" if lon < 0 else ""}</text>')
    for lat in range(-60, 91, 30):
        _, y = project(0, lat)
        parts.append(f'<text x="3" y="{y - 2:.1f}">{abs(lat)}°{"N" if lat > 0 else "S" if lat < 0 else ""}</text>')
    parts.append("</g>")
    placed = {n: _coordinates(a) for n, a in graph.nodes(data=True)}
    placed = {n: c for n, c in placed.items() if c is not None}
    parts.append('<g class="edges" stroke="#d55e00" stroke-opacity="0.7" fill="none">')
    for u, v, attrs in graph.edges(data=True):
        if u not in placed or v not in placed:
            continue
        (x1, y1), (x2, y2) = project(*placed[u]), project(*placed[v])
        data = "".join(f' data-{k.replace("_", "-")}="{attrs[k]}"' for k in ("start_year", "end_year") if k in attrs)
        dash = ' stroke-dasharray="4 3"' if "end" in attrs else ""
        parts.append(f'<line data-edge="" data-from="{esc(u)}" data-to="{esc(v)}"{data}{dash} '
                     f'x1="{x1:.2f}" y1="{y1:.2f}" x2="{x2:.2f}" y2="{y2:.2f}" stroke-width="1.6">'
                     f'<title>{esc(graph.nodes[u].get("short", u))} – {esc(attrs.get("label", ""))} – '
                     f'{esc(graph.nodes[v].get("short", v))}</title></line>')
    parts.append('</g><g class="nodes" font-family="sans-serif" font-size="12">')
    for node, (lon, lat) in sorted(placed.items(), key=lambda item: item[1][1]):
        attrs = graph.nodes[node]
        x, y = project(lon, lat)
        colour = TYPE_COLOURS.get(attrs.get("type"), "#999999")
        seat = "lat" not in attrs
        shape = (f'<rect x="{x - 7:.2f}" y="{y - 7:.2f}" width="14" height="14" fill="none" stroke="{colour}" '
                 f'stroke-width="2.5" transform="rotate(45 {x:.2f} {y:.2f})"/>' if seat else
                 f'<circle cx="{x:.2f}" cy="{y:.2f}" r="5.5" fill="{colour}" stroke="white" stroke-width="1.2"/>')
        name = attrs.get("short", node) + (" (seat)" if seat else "")
        dy = 20 if seat else -9
        parts.append(f'<g data-node="" class="place" data-iri="{esc(node)}" data-type="{esc(attrs.get("type", ""))}" '
                     f'data-lon="{lon}" data-lat="{lat}" data-x="{x:.2f}" data-y="{y:.2f}">{shape}'
                     f'<text x="{x + 7:.2f}" y="{y + dy:.2f}" paint-order="stroke" stroke="#f4f8fb" stroke-width="3">'
                     f'{esc(name)}</text><title>{esc(attrs.get("label", node))} ({lat:.3f}, {lon:.3f})</title></g>')
    parts.append("</g></svg>")
    return "\n".join(parts)


def to_map_html(graph: nx.Graph, *, title: str | None = None, links: list[tuple[str, str]] | None = None,
                year: int | None = None) -> str:
    """The alliance map page: the SVG map plus a year slider; no script or data from elsewhere."""
    title = title or f"Map: {graph.graph.get('title', '')}"
    years = year_range(graph)
    slider = ""
    if years:
        first, last = years
        start = min(max(year or last, first), last)
        slider = (f'<p><label>year <input type="range" id="year" min="{first}" max="{last}" step="1" value="{start}">'
                  f' <output id="year-label">{start}</output></label> (the alliance as it stood at the end of '
                  f'that year)</p>')
    unplaced = [a.get("short", n) for n, a in graph.nodes(data=True) if _coordinates(a) is None]
    note = (f"<p>Not placed (no coordinates in the data): {html.escape(', '.join(sorted(unplaced)))}.</p>"
            if unplaced else "")
    footer_links = "".join(f'<a href="{html.escape(href)}">{html.escape(label)}</a> ' for label, href in (links or []))
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} · innograph</title>
<style>body {{ font-family: system-ui, "Noto Sans CJK KR", "Apple SD Gothic Neo", "Malgun Gothic", sans-serif; margin: 1rem; color: #1b1b1b; }} h1 {{ font-size: 1.25rem; }}
p {{ font-size: .9rem; max-width: 60rem; }} svg text {{ pointer-events: none; }}</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
<p>Members placed by their coordinates (schema:latitude/longitude) on an equirectangular projection,
with lines for the membership ties; an alliance (diamond) is drawn at its seat. Dashed lines are ties
that have ended. The background is a 30° latitude/longitude grid; the map on an innograph server
(/graphs/alliances/map) also draws the land and country borders.</p>
{slider}
{map_svg(graph)}
{note}
<p>{footer_links}</p>
<script>{_asset("map-view.js")}</script>
</body>
</html>
"""
