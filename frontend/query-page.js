// The query page's workbench: YASGUI's editor (Yasqe) and result viewer (Yasr) over the form the
// server renders. Without this script the form still works (it submits with GET and the server
// draws a table). With it: highlighting, completion from this graph, Ctrl+Enter, the query kept in
// the address bar, results as table, chart, map, graph or timeline, downloads in every format.
// Nothing is fetched from elsewhere: no prefix.cc, no LOV, no CDN, no web fonts.
import "@zazuko/yasgui/build/yasgui.min.css";
import Yasgui from "@zazuko/yasgui";
import { registerCompleters } from "./completion.js";
import { VIEWS, context, defaultViewIn, pluginName, shortIri } from "./result-views.js";

const Yasqe = Yasgui.Yasqe;
const Yasr = Yasgui.Yasr;

function readConfig() {
  const element = document.getElementById("workbench-config");
  return element ? JSON.parse(element.textContent) : null;
}

function localIri(config) {
  return (iri) => {
    for (const [base, local] of config.localBases) {
      if (iri.startsWith(base)) return local + iri.slice(base.length);
    }
    return `/query?${new URLSearchParams({ query: `DESCRIBE <${iri}>` })}`;
  };
}

function start() {
  const config = readConfig();
  const form = document.getElementById("query-form");
  const textarea = document.getElementById("query");
  if (!config || !form || !textarea) return;
  context.prefixes = config.prefixes;
  context.idBase = config.idBase;
  context.localIri = localIri(config);
  context.visNetworkUrl = config.visNetworkUrl;

  for (const [name, View] of Object.entries(VIEWS)) Yasr.registerPlugin(name, View);
  Yasr.registerPlugin("table", localTable(Yasr.plugins.table));
  registerCompleters(Yasqe, config);
  // Only this graph's completers: the stock class and property completers ask a vocabulary service
  // on the web (LOV), and the stock prefix list is not this graph's.
  Yasqe.defaults.autocompleters = ["variables", "graphPrefixes", "graphTerms"];

  // The editor takes the textarea's place; the textarea stays (hidden) as the form's field.
  const editorHost = document.createElement("div");
  editorHost.id = "editor";
  textarea.parentNode.insertBefore(editorHost, textarea);
  textarea.hidden = true;
  document.body.classList.add("workbench");

  const named = config.named;
  const originalText = textarea.value;
  const yasqe = new Yasqe(editorHost, {
    value: textarea.value,
    persistenceId: null,
    consumeShareLink: null,
    createShareableLink: null,
    showQueryButton: false,
    resizeable: true,
    editorHeight: "360px",
    collapsePrefixesOnLoad: false,
    autocompleters: ["variables", "graphPrefixes", "graphTerms"],
    requestConfig: { endpoint: config.sparqlUrl, method: "GET" },
    extraKeys: {
      "Ctrl-Enter": () => run(),
      "Cmd-Enter": () => run(),
      "Ctrl-Space": (editor) => editor.autocomplete(),
      Tab: (editor) => editor.execCommand("indentMore"),
    },
  });
  window.yasqe = yasqe;
  collapseLongPrologue(yasqe);

  const resultsHost = document.createElement("div");
  resultsHost.id = "yasr";
  const downloads = document.createElement("div");
  downloads.id = "downloads";
  downloads.className = "downloads";
  downloads.hidden = true;
  const status = document.createElement("p");
  status.id = "run-status";
  status.className = "run-status";
  status.setAttribute("aria-live", "polite");
  const actions = form.querySelector(".actions");
  form.parentNode.insertBefore(resultsHost, form.nextSibling);
  form.parentNode.insertBefore(downloads, resultsHost);
  actions.appendChild(status);
  const yasr = new Yasr(resultsHost, {
    persistenceId: null,
    prefixes: config.prefixes,
    pluginOrder: ["table", "chart", "map", "graph", "timeline", "response"],
    defaultPlugin: "table",
    getPlainQueryLinkToEndpoint: () => endpointUrl(yasqe.getValue(), null),
  });
  window.yasr = yasr;
  yasr.on("drawn", () => { resultsHost.dataset.plugin = yasr.getSelectedPluginName(); });

  // The server's own rendering of the same results is replaced by Yasr's.
  for (const id of ["results", "error"]) {
    const element = document.getElementById(id);
    if (element) element.remove();
  }

  yasqe.on("change", () => {
    textarea.value = yasqe.getValue();
    const nameField = document.getElementById("query-name");
    if (nameField && named && normalise(yasqe.getValue()) !== normalise(originalText)) nameField.remove();
  });

  function isNamedUnedited() {
    return named && document.getElementById("query-name") && normalise(yasqe.getValue()) === normalise(originalText);
  }

  function parameterValues() {
    const values = {};
    if (!named) return values;
    for (const p of named.parameters) {
      const input = document.getElementById(`param-${p.name}`);
      if (input && input.value.trim()) values[p.name] = input.value.trim();
    }
    return values;
  }

  function endpointUrl(text, format) {
    const extra = format ? { format } : {};
    if (isNamedUnedited()) {
      return `${config.queriesUrl}/${encodeURIComponent(named.name)}?${new URLSearchParams({ ...parameterValues(), ...extra })}`;
    }
    return `${config.sparqlUrl}?${new URLSearchParams({ query: text, ...extra })}`;
  }

  function pageUrl(text) {
    if (isNamedUnedited()) return `${config.pageUrl}?${new URLSearchParams({ name: named.name, ...parameterValues() })}`;
    return `${config.pageUrl}?${new URLSearchParams({ query: text })}`;
  }

  function drawDownloads(text, graphShaped) {
    const formats = graphShaped ? config.graphFormats : config.resultFormats;
    downloads.replaceChildren(document.createTextNode("Download: "));
    for (const format of formats) {
      const link = document.createElement("a");
      link.className = "download";
      link.href = endpointUrl(text, format.name);
      link.textContent = format.name;
      link.title = format.mediaType;
      link.setAttribute("download", "");
      downloads.appendChild(link);
    }
    downloads.hidden = false;
  }

  let running = null;
  async function run({ push = true } = {}) {
    const text = yasqe.getValue();
    if (running) running.abort();
    const controller = new AbortController();
    running = controller;
    const kind = yasqe.getQueryType ? String(yasqe.getQueryType() || "").toUpperCase() : "SELECT";
    const graphShaped = kind === "CONSTRUCT" || kind === "DESCRIBE";
    const accept = graphShaped ? "text/turtle,*/*;q=0.8" : "application/sparql-results+json,*/*;q=0.8";
    if (push) window.history.replaceState(null, "", pageUrl(text));
    status.textContent = "Running…";
    resultsHost.dataset.state = "running";
    const started = performance.now();
    try {
      const response = await fetch(endpointUrl(text, null), { headers: { Accept: accept }, signal: controller.signal });
      const body = await response.text();
      const took = Math.round(performance.now() - started);
      const contentType = response.headers.get("Content-Type") || "";
      if (!response.ok) {
        yasr.setResponse({ error: { status: response.status, statusText: response.statusText, text: body } }, took);
        status.textContent = `Error ${response.status}`;
        resultsHost.dataset.state = "error";
        downloads.hidden = true;
        return;
      }
      yasr.setResponse({ data: body, contentType, status: response.status, executionTime: took }, took);
      const wanted = defaultViewIn(text) || (isNamedUnedited() ? pluginName(named.defaultView) : null);
      if (wanted && yasr.plugins[wanted] && yasr.plugins[wanted].canHandleResults()) yasr.selectPlugin(wanted);
      else if (yasr.getSelectedPluginName() !== "table" && yasr.plugins.table.canHandleResults() && !wanted) {
        yasr.selectPlugin("table");
      }
      drawDownloads(text, graphShaped);
      status.textContent = `Done in ${took} ms`;
      resultsHost.dataset.state = "done";
    } catch (error) {
      if (error.name === "AbortError") return;
      yasr.setResponse({ error: { text: String(error) } });
      status.textContent = "Failed";
      resultsHost.dataset.state = "error";
    } finally {
      if (running === controller) running = null;
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run();
  });
  for (const input of form.querySelectorAll(".params input")) {
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") { event.preventDefault(); run(); }
    });
  }
  const picker = document.getElementById("named-query");
  if (picker) picker.addEventListener("change", () => document.getElementById("picker").submit());
  describeExamples(config, picker);

  // A query in the address bar (or a named query whose parameters are all given) runs on load.
  const params = new URLSearchParams(window.location.search);
  if (params.get("query") || (named && named.ready)) run({ push: false });
  document.body.dataset.workbench = "ready";
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

/** Yasr's table, with IRIs shortened by the graph's prefixes and linked to this server's pages. */
function localTable(Table) {
  return class LocalTable extends Table {
    getUriLinkFromBinding(binding) {
      const iri = binding.value;
      return `<a class="iri" href="${escapeHtml(context.localIri(iri))}" title="${escapeHtml(iri)}">` +
        `${escapeHtml(shortIri(iri))}</a>`;
    }
  };
}

function normalise(text) {
  return (text || "").replace(/\r\n/g, "\n").trim();
}

/** Folds a long block of PREFIX lines so the query itself is on the first screen. */
function collapseLongPrologue(yasqe) {
  const lines = yasqe.getValue().split("\n");
  let count = 0;
  for (const line of lines) {
    if (/^\s*PREFIX\s/i.test(line)) count += 1;
    else if (line.trim() && !line.trim().startsWith("#")) break;
  }
  if (count > 4) yasqe.collapsePrefixes(true);
}

/** Shows each named query's description beside the picker (the catalogue's title, description, parameters). */
function describeExamples(config, picker) {
  if (!picker) return;
  const info = document.createElement("p");
  info.id = "example-description";
  info.className = "hint";
  picker.parentNode.appendChild(info);
  const byName = new Map(config.examples.map((q) => [q.name, q]));
  for (const option of picker.options) {
    const example = byName.get(option.value);
    if (example) option.title = example.description;
  }
  const show = () => {
    const example = byName.get(picker.value);
    if (!example) { info.textContent = "Pick an example, or write your own query below."; return; }
    const params = example.parameters.map((p) => `${p.name} (${p.type}${p.required ? ", required" : ""})`);
    info.textContent = example.description + (params.length ? ` Parameters: ${params.join(", ")}.` : "") +
      (example.defaultView ? ` Shown as: ${example.defaultView}.` : "");
  };
  picker.addEventListener("input", show);
  show();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
