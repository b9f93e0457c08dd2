// innograph alliance map: replays the alliance's growth on the map with the year slider.
(function () {
  "use strict";
  var slider = document.getElementById("year");
  if (!slider) { return; }
  function apply() {
    var year = parseInt(slider.value, 10);
    document.getElementById("year-label").textContent = String(year);
    var shown = {};
    document.querySelectorAll("[data-edge]").forEach(function (el) {
      var start = el.dataset.startYear ? parseInt(el.dataset.startYear, 10) : null;
      var end = el.dataset.endYear ? parseInt(el.dataset.endYear, 10) : null;
      var visible = (start === null || start <= year) && (end === null || end > year);
      el.style.display = visible ? "" : "none";
      if (visible) { shown[el.dataset.from] = true; shown[el.dataset.to] = true; }
    });
    document.querySelectorAll("[data-node]").forEach(function (el) {
      el.style.display = shown[el.dataset.iri] ? "" : "none";
    });
  }
  slider.addEventListener("input", apply);
  slider.addEventListener("change", apply);
  apply();
})();
