// A world map in SVG with Natural Earth land and borders (npm world-atlas, public domain), zoom
// and pan (d3-zoom). The outlines come from this server (static/build/countries-50m.json); the
// projection is equirectangular, so a point's place matches the server-drawn alliance map.
import { geoEquirectangular, geoPath } from "d3-geo";
import { select } from "d3-selection";
import { zoom, zoomIdentity } from "d3-zoom";
import { feature, mesh } from "topojson-client";

const SVG = "http://www.w3.org/2000/svg";
let atlas = null;

/** The world-atlas topology, fetched once per page from this server. */
export function loadAtlas(url) {
  if (!atlas) {
    atlas = fetch(url, { credentials: "same-origin" }).then((response) => {
      if (!response.ok) throw new Error(`world outlines: HTTP ${response.status}`);
      return response.json();
    });
  }
  return atlas;
}

/** The URL of the outlines, from the page's <meta name="innograph-atlas">. */
export function atlasUrl() {
  const meta = document.querySelector('meta[name="innograph-atlas"]');
  return meta ? meta.content : "/static/build/countries-50m.json";
}

export function svgElement(name, attributes = {}, parent = null) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (parent) parent.appendChild(element);
  return element;
}

/**
 * Land, borders and zoom on an <svg> whose viewBox is 0 0 width height. Everything inside
 * ``zoomLayer`` scales with the zoom; overlay elements with data-x/data-y (their place at zoom 1)
 * are moved, not scaled, so markers and labels keep their size.
 */
export class WorldMap {
  constructor(svg, { width, height, overlay, onZoom } = {}) {
    this.svg = svg;
    this.width = width;
    this.height = height;
    this.projection = geoEquirectangular().scale(width / (2 * Math.PI)).translate([width / 2, height / 2]);
    this.zoomLayer = svgElement("g", { class: "zoom-layer" });
    svg.insertBefore(this.zoomLayer, svg.firstChild);
    this.landLayer = svgElement("g", { class: "land-layer" }, this.zoomLayer);
    this.overlay = overlay || svgElement("g", { class: "overlay" }, svg);
    this.onZoom = onZoom;
    this.transform = zoomIdentity;
    this.behaviour = zoom()
      .scaleExtent([1, 80])
      .translateExtent([[0, 0], [width, height]])
      .on("zoom", (event) => this.applyZoom(event.transform));
    select(svg).call(this.behaviour);
  }

  /** [x, y] on the map at zoom 1 for a longitude and latitude. */
  project(lon, lat) {
    return this.projection([lon, lat]);
  }

  /** Draws the land and country borders; resolves when they are in the page. */
  async drawLand(url = atlasUrl()) {
    const topology = await loadAtlas(url);
    const path = geoPath(this.projection);
    const land = feature(topology, topology.objects.land);
    const borders = mesh(topology, topology.objects.countries, (a, b) => a !== b);
    svgElement("path", { class: "land", d: path(land), "vector-effect": "non-scaling-stroke" }, this.landLayer);
    svgElement("path", { class: "borders", d: path(borders), fill: "none", "vector-effect": "non-scaling-stroke" },
      this.landLayer);
    this.svg.dataset.land = "drawn";
  }

  applyZoom(transform) {
    this.transform = transform;
    this.zoomLayer.setAttribute("transform", transform.toString());
    this.svg.dataset.zoom = transform.k.toFixed(2);
    for (const element of this.overlay.querySelectorAll("[data-x][data-y]")) {
      const x = parseFloat(element.dataset.x);
      const y = parseFloat(element.dataset.y);
      element.setAttribute("transform", `translate(${transform.applyX(x) - x},${transform.applyY(y) - y})`);
    }
    for (const line of this.overlay.querySelectorAll("line[data-x1]")) {
      line.setAttribute("x1", transform.applyX(parseFloat(line.dataset.x1)));
      line.setAttribute("y1", transform.applyY(parseFloat(line.dataset.y1)));
      line.setAttribute("x2", transform.applyX(parseFloat(line.dataset.x2)));
      line.setAttribute("y2", transform.applyY(parseFloat(line.dataset.y2)));
    }
    if (this.onZoom) this.onZoom(transform);
  }

  /** Zooms so that the given [lon, lat] points fill the map (at most ``maxZoom``). */
  focus(points, { maxZoom = 12, padding = 0.15 } = {}) {
    if (!points.length) return;
    const projected = points.map(([lon, lat]) => this.project(lon, lat));
    const xs = projected.map((p) => p[0]);
    const ys = projected.map((p) => p[1]);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const span = Math.max((x1 - x0) / this.width, (y1 - y0) / this.height, 1e-6);
    const k = Math.max(1, Math.min(maxZoom, (1 - 2 * padding) / span));
    const cx = (x0 + x1) / 2;
    const cy = (y0 + y1) / 2;
    const transform = zoomIdentity.translate(this.width / 2 - k * cx, this.height / 2 - k * cy).scale(k);
    select(this.svg).call(this.behaviour.transform, transform);
  }

  /** Zoom controls (+, −, reset) drawn in a corner of the map's container. */
  addControls(container) {
    const bar = document.createElement("div");
    bar.className = "map-controls";
    const buttons = [["+", "Zoom in", () => select(this.svg).call(this.behaviour.scaleBy, 2)],
      ["−", "Zoom out", () => select(this.svg).call(this.behaviour.scaleBy, 0.5)],
      ["⤢", "Whole world", () => select(this.svg).call(this.behaviour.transform, zoomIdentity)]];
    for (const [text, title, action] of buttons) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = text;
      button.title = title;
      button.setAttribute("aria-label", title);
      button.addEventListener("click", action);
      bar.appendChild(button);
    }
    container.appendChild(bar);
  }
}

/** A map of points ({lon, lat, label, href, title}) in a new <svg> inside ``container``. */
export function pointMap(container, points, { width = 1000, height = 500, maxZoom = 12, label = "map" } = {}) {
  container.classList.add("world-map");
  const svg = svgElement("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label,
    class: "world-map-svg" }, container);
  svgElement("rect", { class: "sea", x: 0, y: 0, width, height }, svg);
  const overlay = svgElement("g", { class: "overlay" }, svg);
  const map = new WorldMap(svg, { width, height, overlay });
  svg.insertBefore(svg.querySelector("rect.sea"), svg.firstChild);
  for (const point of points) {
    const [x, y] = map.project(point.lon, point.lat);
    const group = svgElement("g", { class: "marker", "data-x": x.toFixed(2), "data-y": y.toFixed(2) }, overlay);
    const target = point.href ? svgElement("a", { href: point.href }, group) : group;
    svgElement("circle", { cx: x.toFixed(2), cy: y.toFixed(2), r: 5.5 }, target);
    if (point.label) {
      const text = svgElement("text", { x: (x + 8).toFixed(2), y: (y + 4).toFixed(2) }, target);
      text.textContent = point.label;
    }
    const title = svgElement("title", {}, target);
    title.textContent = point.title || point.label || `${point.lat}, ${point.lon}`;
  }
  map.addControls(container);
  map.applyZoom(zoomIdentity);
  map.focus(points.map((p) => [p.lon, p.lat]), { maxZoom });
  const drawn = map.drawLand().catch((error) => {
    container.dataset.error = String(error);
  });
  return { map, drawn };
}
