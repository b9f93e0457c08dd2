// innograph relationship view: draws the graph with vis-network (bundled, no network access),
// colours nodes by type or country, sizes them by a centrality, and replays the view's growth
// with a year slider by hiding the nodes and edges that did not exist yet in the chosen year.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442",
                 "#999999", "#882255", "#44AA99", "#117733", "#332288", "#AA4499", "#DDCC77"];
  var typeColours = data.type_colours;
  var countries = Array.from(new Set(data.nodes.map(function (n) { return n.country || "unknown"; }))).sort();
  var countryColours = {};
  countries.forEach(function (c, i) { countryColours[c] = c === "unknown" ? "#BBBBBB" : PALETTE[i % PALETTE.length]; });

  function colourOf(node, mode) {
    return mode === "country" ? countryColours[node.country || "unknown"] : (typeColours[node.type] || "#999999");
  }

  var nodes = new vis.DataSet(data.nodes.map(function (n) {
    return Object.assign({}, n, {color: colourOf(n, "type"), value: n.metrics.degree});
  }));
  var edges = new vis.DataSet(data.edges);
  var container = document.getElementById("network");
  var network = new vis.Network(container, {nodes: nodes, edges: edges}, {
    nodes: {shape: "dot", scaling: {min: 8, max: 40}, font: {size: 14, strokeWidth: 3, strokeColor: "#ffffff"}},
    edges: {arrows: data.directed ? {to: {enabled: true, scaleFactor: 0.6}} : {},
            font: {size: 10, align: "middle", strokeWidth: 3, strokeColor: "#ffffff"},
            color: {color: "#8a8a8a", highlight: "#333333"}, smooth: {type: "dynamic"}},
    physics: {solver: "forceAtlas2Based", stabilization: {iterations: 300},
              forceAtlas2Based: {gravitationalConstant: -80, springLength: 120}},
    // keyboard bound to the canvas only: bound to the window it would swallow the slider's arrow keys
    interaction: {hover: true, tooltipDelay: 100, navigationButtons: false, keyboard: {enabled: true, bindToWindow: false}}
  });

  function legend(mode) {
    var box = document.getElementById("legend");
    var entries = mode === "country" ? countries.map(function (c) { return [c, countryColours[c]]; })
      : Array.from(new Set(data.nodes.map(function (n) { return n.type; }))).sort()
          .map(function (t) { return [t, typeColours[t] || "#999999"]; });
    box.innerHTML = "";
    entries.forEach(function (entry) {
      var item = document.createElement("span");
      item.className = "legend-item";
      var swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = entry[1];
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(entry[0]));
      box.appendChild(item);
    });
  }

  function recolour(mode) {
    nodes.update(nodes.get().map(function (n) { return {id: n.id, color: colourOf(n, mode)}; }));
    legend(mode);
  }

  function resize(metric) {
    nodes.update(nodes.get().map(function (n) { return {id: n.id, value: n.metrics[metric] || 0}; }));
  }

  function edgeVisible(edge, year, includeEnded) {
    if (year === null) { return true; }
    if (edge.start_year !== undefined && edge.start_year > year) { return false; }
    if (edge.end_year !== undefined && (includeEnded ? edge.end_year < year : edge.end_year <= year)) { return false; }
    return true;
  }

  // A node is drawn when one of its edges is (nodes without edges follow their own start year).
  function setYear(year, includeEnded) {
    var shown = {};
    var edgeUpdates = edges.get().map(function (e) {
      var visible = edgeVisible(e, year, includeEnded);
      if (visible) { shown[e.from] = true; shown[e.to] = true; }
      return {id: e.id, hidden: !visible};
    });
    edges.update(edgeUpdates);
    nodes.update(nodes.get().map(function (n) {
      var visible = n.degree === 0 ? (year === null || n.start_year === undefined || n.start_year <= year) : !!shown[n.id];
      return {id: n.id, hidden: !visible};
    }));
    var count = nodes.get({filter: function (n) { return !n.hidden; }}).length;
    document.getElementById("count").textContent = count + " of " + nodes.length + " nodes shown";
    var label = document.getElementById("year-label");
    if (label) { label.textContent = year === null ? "all" : String(year); }
  }

  var slider = document.getElementById("year");
  var ended = document.getElementById("include-ended");
  function fromControls() {
    setYear(slider ? parseInt(slider.value, 10) : null, ended ? ended.checked : false);
  }
  if (slider) {
    slider.addEventListener("input", fromControls);
    slider.addEventListener("change", fromControls);
    if (ended) { ended.addEventListener("change", fromControls); }
  }
  document.getElementById("colour-by").addEventListener("change", function (e) { recolour(e.target.value); });
  document.getElementById("size-by").addEventListener("change", function (e) { resize(e.target.value); });
  legend("type");
  fromControls();

  window.innographView = {
    network: network, nodes: nodes, edges: edges, setYear: setYear,
    visibleNodes: function () { return nodes.get({filter: function (n) { return !n.hidden; }}); },
    visibleEdges: function () { return edges.get({filter: function (e) { return !e.hidden; }}); }
  };
  network.once("stabilizationIterationsDone", function () { document.body.setAttribute("data-ready", "true"); });
  setTimeout(function () { document.body.setAttribute("data-ready", "true"); }, 5000);
})();
