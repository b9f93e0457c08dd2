// The header search box: suggestions from GET /search as the user types; Enter or a click on a
// suggestion opens that entity's page. Without JavaScript the box is a plain GET form to /search.
(function () {
  "use strict";
  var form = document.querySelector("form.site-search");
  if (!form) { return; }
  var input = form.querySelector("input[name=q]");
  var list = form.querySelector("[role=listbox]");
  var results = [];
  var active = -1;
  var pending = null;
  var asked = "";

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    var items = list.querySelectorAll("li");
    for (var i = 0; i < items.length; i++) {
      items[i].setAttribute("aria-selected", i === index ? "true" : "false");
    }
    active = index;
    if (index >= 0) { input.setAttribute("aria-activedescendant", items[index].id); }
  }

  function show(found) {
    results = found;
    list.textContent = "";
    found.forEach(function (hit, i) {
      var item = document.createElement("li");
      item.id = "site-search-option-" + i;
      item.setAttribute("role", "option");
      var name = document.createElement("span");
      name.className = "suggestion-label";
      name.textContent = hit.label;
      if (hit.lang) { name.lang = hit.lang; }
      item.appendChild(name);
      if (hit.typeLabel) {
        var kind = document.createElement("span");
        kind.className = "suggestion-type";
        kind.textContent = hit.typeLabel;
        item.appendChild(kind);
      }
      item.addEventListener("mousedown", function (event) {
        event.preventDefault();   // keep the focus; navigate instead
        window.location.href = hit.href;
      });
      list.appendChild(item);
    });
    list.hidden = found.length === 0;
    input.setAttribute("aria-expanded", found.length ? "true" : "false");
    highlight(-1);   // Enter submits the form unless a suggestion was chosen with the arrows
  }

  function ask() {
    var text = input.value.trim();
    if (text === asked) { return; }
    asked = text;
    if (!text) { show([]); return; }
    var url = "/search?format=json&limit=8&q=" + encodeURIComponent(text);
    fetch(url, { headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (body) { if (input.value.trim() === text) { show(body.results || []); } })
      .catch(function () { show([]); });
  }

  input.addEventListener("input", function () {
    clearTimeout(pending);
    pending = setTimeout(ask, 120);
  });
  input.addEventListener("keydown", function (event) {
    if (list.hidden) { return; }
    if (event.key === "ArrowDown") {
      event.preventDefault();
      highlight(Math.min(active + 1, results.length - 1));
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      highlight(Math.max(active - 1, -1));
    } else if (event.key === "Enter" && active >= 0 && results[active]) {
      event.preventDefault();
      window.location.href = results[active].href;
    } else if (event.key === "Escape") {
      close();
    }
  });
  input.addEventListener("blur", function () { setTimeout(close, 150); });
}());
