// Maps outside the query page: land, zoom and pan on the alliance map (/graphs/alliances/map,
// whose places the server draws) and the small map on a place's page (.place-map).
import { WorldMap, pointMap } from "./world-map.js";

function allianceMap(svg) {
  const [, , width, height] = svg.getAttribute("viewBox").split(/\s+/).map(Number);
  // The server's layers: the graticule scales with the zoom; ties and places move over it.
  const overlay = document.createElementNS("http://www.w3.org/2000/svg", "g");
  overlay.setAttribute("class", "overlay");
  for (const layer of svg.querySelectorAll(":scope > g.edges, :scope > g.nodes")) overlay.appendChild(layer);
  svg.appendChild(overlay);
  for (const line of overlay.querySelectorAll("line")) {
    for (const key of ["x1", "y1", "x2", "y2"]) line.dataset[key] = line.getAttribute(key);
  }
  const labels = svg.querySelector(":scope > g.graticule-labels");
  const map = new WorldMap(svg, {
    width, height, overlay,
    onZoom: (transform) => { if (labels) labels.style.display = transform.k > 1.01 ? "none" : ""; },
  });
  const graticule = svg.querySelector(":scope > g.graticule");
  if (graticule) map.zoomLayer.insertBefore(graticule, map.landLayer);   // the grid under the land
  map.addControls(svg.parentNode);
  map.drawLand().catch((error) => { svg.dataset.error = String(error); });
}

function placeMap(figure) {
  const lat = parseFloat(figure.dataset.lat);
  const lon = parseFloat(figure.dataset.lon);
  if (!Number.isFinite(lat) || !Number.isFinite(lon)) return;
  const canvas = figure.querySelector(".map-canvas") || figure;
  pointMap(canvas, [{ lat, lon, label: figure.dataset.label, title: `${figure.dataset.label} (${lat}, ${lon})` }],
    { width: 640, height: 320, maxZoom: 24, label: `map of ${figure.dataset.label}` });
}

document.querySelectorAll("svg#map[data-world-map]").forEach(allianceMap);
document.querySelectorAll("figure.place-map").forEach(placeMap);
