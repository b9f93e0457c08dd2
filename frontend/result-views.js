// Result views for Yasr, after Wikidata Query Service's: chart, map, graph and timeline (Yasr's
// own table stays the default). Each works offline: chart.js and the map are in the bundle,
// vis-network is this server's static file, loaded the first time a graph is drawn.
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement,
  PointElement, Tooltip } from "chart.js";
import { pointMap, svgElement } from "./world-map.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement,
  Legend, Tooltip);

const XSD = "http://www.w3.org/2001/XMLSchema#";
const NUMERIC = new Set(["integer", "decimal", "double", "float", "int", "long", "short", "nonNegativeInteger",
  "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong"].map((t) => XSD + t));
const DATES = new Set(["date", "dateTime", "gYear", "gYearMonth", "dateTimeStamp"].map((t) => XSD + t));
const WKT = "http://www.opengis.net/ont/geosparql#wktLiteral";
const POINT = /^\s*(?:<[^>]*>\s*)?POINT\s*\(\s*(-?[\d.]+(?:e-?\d+)?)\s+(-?[\d.]+(?:e-?\d+)?)\s*\)\s*$/i;

/** The page sets this: {prefixes, localIri(iri) -> href, visNetworkUrl}. */
export const context = { prefixes: {}, localIri: (iri) => iri, visNetworkUrl: "/static/build/vis-network.min.js" };

export function shortIri(iri) {
  let best = null;
  for (const [prefix, namespace] of Object.entries(context.prefixes)) {
    if (iri.startsWith(namespace) && (!best || namespace.length > best[1].length)) best = [prefix, namespace];
  }
  if (best && !/[/#]/.test(iri.slice(best[1].length))) return `${best[0]}:${iri.slice(best[1].length)}`;
  const id = context.idBase;
  if (id && iri.startsWith(id)) return iri.slice(id.length);
  return iri;
}

function bindings(yasr) {
  return (yasr.results && yasr.results.getBindings && yasr.results.getBindings()) || [];
}

function variables(yasr) {
  return (yasr.results && yasr.results.getVariables && yasr.results.getVariables()) || [];
}

function isNumber(term) {
  return term && (term.type === "literal" || term.type === "typed-literal") &&
    (NUMERIC.has(term.datatype) || (!term.datatype && /^-?\d+(\.\d+)?$/.test(term.value)));
}

/** A year (with fraction) for a date-like term, or null. */
export function yearOf(term) {
  if (!term || term.type === "uri" || term.type === "bnode") return null;
  const match = /^(-?\d{4})(?:-(\d{2}))?(?:-(\d{2}))?/.exec(term.value);
  if (!match) return null;
  if (!DATES.has(term.datatype) && !/^\d{4}(-\d{2}(-\d{2})?)?([T ].*)?$/.test(term.value)) return null;
  const year = parseInt(match[1], 10);
  const month = match[2] ? parseInt(match[2], 10) - 1 : 0;
  const day = match[3] ? parseInt(match[3], 10) - 1 : 0;
  return year + (month + day / 31) / 12;
}

/** The row's point as [lon, lat]: a WKT POINT, or columns named lat/latitude and long/lon/longitude. */
export function pointOf(row, names) {
  for (const name of names) {
    const term = row[name];
    if (term && (term.datatype === WKT || POINT.test(term.value || ""))) {
      const match = POINT.exec(term.value);
      if (match) return [parseFloat(match[1]), parseFloat(match[2])];
    }
  }
  const lat = names.find((n) => /^(lat|latitude)$/i.test(n));
  const lon = names.find((n) => /^(lon|long|lng|longitude)$/i.test(n));
  if (lat && lon && row[lat] && row[lon]) {
    const point = [parseFloat(row[lon].value), parseFloat(row[lat].value)];
    if (point.every(Number.isFinite) && Math.abs(point[1]) <= 90 && Math.abs(point[0]) <= 180) return point;
  }
  return null;
}

/** The text to show for a row: its first label-like literal, else the first IRI shortened. */
function rowLabel(row, names) {
  const labelled = names.find((n) => /label$|name$/i.test(n) && row[n] && row[n].type !== "uri");
  if (labelled) return row[labelled].value;
  const literal = names.find((n) => row[n] && row[n].type !== "uri" && row[n].type !== "bnode" &&
    !isNumber(row[n]) && yearOf(row[n]) === null && !POINT.test(row[n].value));
  if (literal) return row[literal].value;
  const iri = names.find((n) => row[n] && row[n].type === "uri");
  return iri ? shortIri(row[iri].value) : "";
}

function rowLink(row, names) {
  // The entity the label column names (?memberLabel -> ?member), else the first IRI in the row.
  const labelled = names.find((n) => /label$/i.test(n) && row[n] && row[n.slice(0, -5)] &&
    row[n.slice(0, -5)].type === "uri");
  if (labelled) return context.localIri(row[labelled.slice(0, -5)].value);
  const iri = names.find((n) => row[n] && row[n].type === "uri");
  return iri ? context.localIri(row[iri].value) : null;
}

// Small line icons (24x24 paths), drawn like Yasr's own.
const ICONS = {
  chart: "M4 20V10h3v10H4zm6 0V4h3v16h-3zm6 0v-7h3v7h-3z",
  map: "M9 4 3 6v14l6-2 6 2 6-2V4l-6 2-6-2zm0 2.2 6 2v11.6l-6-2V6.2z",
  graph: "M6 4a2.5 2.5 0 1 1 0 5 2.5 2.5 0 0 1 0-5zm12 3a2.5 2.5 0 1 1 0 5 2.5 2.5 0 0 1 0-5zM9 15a2.5 2.5 0 1 1 0 5 2.5 2.5 0 0 1 0-5zm-2.2-6.6 1.5-.6 1.5 5.6-1.5.4-1.5-5.4zm1.9-1.7 7.2 1.6-.3 1.5-7.2-1.6.3-1.5zm7.7 4.8 1.1 1-5.6 5-1.1-1 5.6-5z",
  timeline: "M3 11h18v2H3v-2zm3-5h2v12H6V6zm5 3h2v6h-2V9zm5-4h2v14h-2V5z",
};

function icon(kind) {
  const svg = svgElement("svg", { viewBox: "0 0 24 24", width: 15, height: 15, "aria-hidden": "true", class: "view-icon" });
  svgElement("path", { d: ICONS[kind], fill: "currentColor" }, svg);
  return svg;
}

function note(parent, text) {
  const p = document.createElement("p");
  p.className = "view-note";
  p.textContent = text;
  parent.appendChild(p);
  return p;
}

class View {
  constructor(yasr) {
    this.yasr = yasr;
  }

  container(kind) {
    const element = document.createElement("div");
    element.className = `result-view result-${kind}`;
    element.dataset.view = kind;
    this.yasr.resultsEl.appendChild(element);
    return element;
  }
}

export class ChartView extends View {
  priority = 5;
  label = "Chart";
  helpReference = undefined;

  columns() {
    const rows = bindings(this.yasr);
    const names = variables(this.yasr);
    // The x axis: a date or year column (?year, ?date, or typed as a date), else the first text
    // column, else the first IRI column; every other all-numeric column is a series.
    const dated = names.find((n) => rows.length && rows.every((r) => r[n] && yearOf(r[n]) !== null) &&
      (/year|date|period|edition/i.test(n) || rows.some((r) => DATES.has(r[n].datatype))));
    const text = names.find((n) => rows.some((r) => r[n] && r[n].type !== "uri" && !isNumber(r[n])));
    const iri = names.find((n) => rows.some((r) => r[n] && r[n].type === "uri"));
    const category = dated || text || iri;
    const numeric = names.filter((n) => n !== category && rows.length && rows.every((r) => !r[n] || isNumber(r[n])) &&
      rows.some((r) => isNumber(r[n])));
    return { rows, numeric, category, overTime: Boolean(dated) };
  }

  canHandleResults() {
    const { rows, numeric } = this.columns();
    return rows.length > 0 && numeric.length > 0;
  }

  draw() {
    const { rows, numeric, category, overTime } = this.columns();
    const element = this.container("chart");
    const canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", `chart of ${numeric.join(", ")}${category ? " by " + category : ""}`);
    element.appendChild(canvas);
    const labels = rows.map((r, i) => (category && r[category] ? (r[category].type === "uri" ?
      shortIri(r[category].value) : r[category].value) : String(i + 1)));
    const palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"];
    this.chart = new Chart(canvas, {
      type: overTime && rows.length > 6 ? "line" : "bar",
      data: { labels, datasets: numeric.map((n, i) => ({ label: n, data: rows.map((r) => (r[n] ? Number(r[n].value) : null)),
        backgroundColor: palette[i % palette.length], borderColor: palette[i % palette.length] })) },
      options: { animation: false, responsive: true, maintainAspectRatio: false,
        plugins: { legend: { display: numeric.length > 1 } }, scales: { y: { beginAtZero: true } } },
    });
    element.dataset.points = String(rows.length);
  }

  getIcon() { return icon("chart"); }

  destroy() { if (this.chart) this.chart.destroy(); }
}

export class MapView extends View {
  priority = 4;
  label = "Map";

  points() {
    const names = variables(this.yasr);
    const points = [];
    for (const row of bindings(this.yasr)) {
      const point = pointOf(row, names);
      if (point) points.push({ lon: point[0], lat: point[1], label: rowLabel(row, names), href: rowLink(row, names) });
    }
    return points;
  }

  canHandleResults() { return this.points().length > 0; }

  draw() {
    const points = this.points();
    const element = this.container("map");
    element.dataset.points = String(points.length);
    const canvas = document.createElement("div");
    canvas.className = "map-canvas";
    element.appendChild(canvas);
    this.drawn = pointMap(canvas, points, { label: `map of ${points.length} results`, maxZoom: 16 }).drawn;
    const skipped = bindings(this.yasr).length - points.length;
    if (skipped > 0) note(element, `${skipped} rows have no coordinates and are not on the map.`);
  }

  getIcon() { return icon("map"); }
}

let visLoading = null;
function loadVis() {
  if (window.vis && window.vis.Network) return Promise.resolve(window.vis);
  if (!visLoading) {
    visLoading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = context.visNetworkUrl;
      script.onload = () => resolve(window.vis);
      script.onerror = () => reject(new Error("could not load the network library"));
      document.head.appendChild(script);
    });
  }
  return visLoading;
}

export class GraphView extends View {
  priority = 3;
  label = "Graph";

  network() {
    const names = variables(this.yasr);
    const nodes = new Map();
    const edges = new Map();
    for (const row of bindings(this.yasr)) {
      const iris = names.filter((n) => row[n] && row[n].type === "uri");
      for (const name of iris) {
        const iri = row[name].value;
        if (!nodes.has(iri)) {
          const label = row[`${name}Label`] ? row[`${name}Label`].value : shortIri(iri);
          nodes.set(iri, { id: iri, label, title: iri, group: name });
        }
      }
      for (let i = 0; i + 1 < iris.length; i += 1) {
        const from = row[iris[i]].value;
        const to = row[iris[i + 1]].value;
        const key = `${from} ${to}`;
        if (from !== to && !edges.has(key)) edges.set(key, { id: key, from, to, title: `${iris[i]} → ${iris[i + 1]}` });
      }
    }
    return { nodes: [...nodes.values()], edges: [...edges.values()] };
  }

  canHandleResults() { return this.network().edges.length > 0; }

  async draw() {
    const { nodes, edges } = this.network();
    const element = this.container("graph");
    element.dataset.nodes = String(nodes.length);
    element.dataset.edges = String(edges.length);
    const canvas = document.createElement("div");
    canvas.className = "graph-canvas";
    element.appendChild(canvas);
    note(element, "Each row links its IRI columns in order. Drag to move, scroll to zoom, double-click a node to open its page.");
    try {
      const vis = await loadVis();
      const network = new vis.Network(canvas, { nodes: new vis.DataSet(nodes), edges: new vis.DataSet(edges) }, {
        nodes: { shape: "dot", size: 12, font: { size: 13, face: "system-ui, sans-serif" } },
        edges: { arrows: { to: { enabled: true, scaleFactor: 0.5 } }, color: { color: "#8a99a8" }, smooth: false },
        physics: { stabilization: { iterations: 150 } },
        interaction: { hover: true },
      });
      network.on("doubleClick", (event) => {
        if (event.nodes.length) window.location.href = context.localIri(event.nodes[0]);
      });
      network.once("stabilizationIterationsDone", () => { network.fit(); element.dataset.stable = "true"; });
      element.dataset.drawn = "true";
      this.network_ = network;
    } catch (error) {
      note(element, String(error));
    }
  }

  getIcon() { return icon("graph"); }

  destroy() { if (this.network_) this.network_.destroy(); }
}

export class TimelineView extends View {
  priority = 2;
  label = "Timeline";

  events() {
    const names = variables(this.yasr);
    const out = [];
    for (const row of bindings(this.yasr)) {
      const dates = names.filter((n) => yearOf(row[n]) !== null);
      if (!dates.length) continue;
      const start = yearOf(row[dates[0]]);
      const end = dates.length > 1 ? yearOf(row[dates[1]]) : null;
      out.push({ start, end: end !== null && end > start ? end : null, when: row[dates[0]].value,
        label: rowLabel(row, names), href: rowLink(row, names) });
    }
    // One mark per event: rows that differ only in other columns (say, one per source) are merged.
    const seen = new Set();
    return out.filter((e) => { const key = `${e.label}\u0000${e.when}`; return !seen.has(key) && seen.add(key); })
      .sort((a, b) => a.start - b.start);
  }

  canHandleResults() { return this.events().length > 0; }

  draw() {
    const events = this.events();
    const element = this.container("timeline");
    element.dataset.points = String(events.length);
    const first = Math.floor(Math.min(...events.map((e) => e.start)));
    const last = Math.ceil(Math.max(...events.map((e) => e.end || e.start))) + 1;
    const width = 1000;
    const laneHeight = 22;
    const lanes = [];          // the x where each lane is free again
    const placed = events.map((event) => {
      const x = 40 + ((event.start - first) / Math.max(last - first, 1)) * (width - 80);
      const x2 = event.end ? 40 + ((event.end - first) / Math.max(last - first, 1)) * (width - 80) : x;
      const textEnd = Math.max(x2, x + 12 + Math.min(event.label.length, 48) * 6.6);
      let lane = lanes.findIndex((free) => free < x);
      if (lane < 0) { lane = lanes.length; lanes.push(0); }
      lanes[lane] = textEnd + 8;
      return { ...event, x, x2, lane };
    });
    const height = 40 + lanes.length * laneHeight + 10;
    const svg = svgElement("svg", { viewBox: `0 0 ${width} ${height}`, class: "timeline-svg", role: "img",
      "aria-label": `timeline of ${events.length} results from ${first} to ${last - 1}` }, element);
    const axis = svgElement("g", { class: "axis" }, svg);
    const step = Math.max(1, Math.ceil((last - first) / 12));
    for (let year = first; year <= last; year += step) {
      const x = 40 + ((year - first) / Math.max(last - first, 1)) * (width - 80);
      svgElement("line", { x1: x, x2: x, y1: 24, y2: height - 6 }, axis);
      const text = svgElement("text", { x, y: 16, "text-anchor": "middle" }, axis);
      text.textContent = String(year);
    }
    for (const event of placed) {
      const y = 40 + event.lane * laneHeight;
      const group = svgElement("g", { class: "event" }, svg);
      const target = event.href ? svgElement("a", { href: event.href }, group) : group;
      if (event.end) svgElement("rect", { x: event.x, y: y - 5, width: Math.max(event.x2 - event.x, 2), height: 10, rx: 3 }, target);
      else svgElement("circle", { cx: event.x, cy: y, r: 5 }, target);
      const text = svgElement("text", { x: (event.end ? event.x2 : event.x) + 8, y: y + 4 }, target);
      text.textContent = event.label.length > 48 ? event.label.slice(0, 47) + "…" : event.label;
      const title = svgElement("title", {}, target);
      title.textContent = `${event.when}: ${event.label}`;
    }
  }

  getIcon() { return icon("timeline"); }
}

export const VIEWS = { chart: ChartView, map: MapView, graph: GraphView, timeline: TimelineView };

/** Yasr's plugin name for a view name from ``#defaultView:`` or the catalogue (table -> table). */
export function pluginName(view) {
  const name = (view || "").toLowerCase();
  if (name === "table") return "table";
  if (name === "linechart" || name === "barchart" || name === "bubblechart" || name === "scatterchart") return "chart";
  return VIEWS[name] ? name : null;
}

/** The view a query asks for with a ``#defaultView:Name`` comment (as on Wikidata), or null. */
export function defaultViewIn(queryText) {
  const match = /^\s*#\s*defaultView\s*:\s*([A-Za-z]+)/im.exec(queryText || "");
  return match ? pluginName(match[1]) : null;
}
