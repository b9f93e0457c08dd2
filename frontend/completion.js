// Completion for the editor, from this graph only (no prefix.cc, no LOV):
//  - prefixes: the graph's namespace list; typing a known prefix (`schema:`) adds its PREFIX line;
//  - terms: the ontology's classes and properties (from the ontology and the VoID partitions) and
//    entities by label through /search, after a prefix (`ig:Daej`) or inside <…> (`<Daej`).

const ENTITY_LIMIT = 8;
const TERM_LIMIT = 40;

/** The IRI ``iri`` written with a prefix the query declares, else in angle brackets. */
export function writeIri(yasqe, iri) {
  const declared = yasqe.getPrefixesFromQuery();
  let best = null;
  for (const [prefix, namespace] of Object.entries(declared)) {
    if (namespace && iri.startsWith(namespace) && (!best || namespace.length > best[1].length)) {
      const local = iri.slice(namespace.length);
      if (/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(local) && !local.endsWith(".")) best = [prefix, namespace];
    }
  }
  return best ? `${best[0]}:${iri.slice(best[1].length)}` : `<${iri}>`;
}

/** What the user typed: {text, prefix, namespace, bracket} from the token under the cursor. */
export function typedTerm(yasqe, token) {
  let text = token.string || "";
  const bracket = text.startsWith("<");
  if (bracket) text = text.slice(1).replace(/>$/, "");
  let prefix = null;
  let namespace = null;
  if (!bracket) {
    const colon = text.indexOf(":");
    if (colon < 0) return null;
    prefix = text.slice(0, colon);
    namespace = yasqe.getPrefixesFromQuery()[prefix] || null;
    text = text.slice(colon + 1);
  }
  return { text, prefix, namespace, bracket };
}

function termPosition(yasqe, token) {
  const cursor = yasqe.getDoc().getCursor();
  const previous = yasqe.getPreviousNonWsToken(cursor.line, token);
  const last = previous && previous.state ? previous.state.lastProperty : "";
  if (["a", "rdf:type", "rdfs:domain", "rdfs:range", "rdfs:subClassOf"].includes(last)) return "class";
  if (token.state && token.state.possibleCurrent && token.state.possibleCurrent.indexOf("a") >= 0) return "property";
  return "entity";
}

function localName(iri) {
  const cut = Math.max(iri.lastIndexOf("#"), iri.lastIndexOf("/"));
  return iri.slice(cut + 1);
}

/** Registers the completers on Yasqe; ``config`` is the page's workbench configuration. */
export function registerCompleters(Yasqe, config) {
  const prefixLines = Object.entries(config.prefixes).map(([p, ns]) => `${p}: <${ns}>`).sort();
  Yasqe.forkAutocompleter("prefixes", {
    name: "graphPrefixes",
    persistenceId: null,
    get: () => Promise.resolve(prefixLines),
  }, false);

  const labels = new Map();        // suggestion text -> what the list shows
  const terms = fetch(config.termsUrl, { headers: { Accept: "application/json" } })
    .then((r) => (r.ok ? r.json() : { classes: [], properties: [] }))
    .catch(() => ({ classes: [], properties: [] }));

  function matchTerms(list, typed) {
    const needle = typed.text.toLowerCase();
    const scored = [];
    for (const term of list) {
      if (typed.namespace && !term.iri.startsWith(typed.namespace)) continue;
      const local = (typed.namespace ? term.iri.slice(typed.namespace.length) : localName(term.iri)).toLowerCase();
      const label = (term.label || "").toLowerCase();
      let score = -1;
      if (local.startsWith(needle)) score = 3;
      else if (label.startsWith(needle)) score = 2;
      else if (needle.length >= 2 && (local.includes(needle) || label.includes(needle))) score = 1;
      if (score >= 0) scored.push([score, term.count || 0, term]);
    }
    scored.sort((a, b) => b[0] - a[0] || b[1] - a[1] || a[2].iri.localeCompare(b[2].iri));
    return scored.slice(0, TERM_LIMIT).map((s) => s[2]);
  }

  async function entities(typed) {
    if (typed.text.length < 2) return [];
    const url = `${config.searchUrl}?${new URLSearchParams({ q: typed.text, limit: String(ENTITY_LIMIT) })}`;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok) return [];
      const body = await response.json();
      return body.results || [];
    } catch (error) {
      return [];
    }
  }

  Yasqe.registerAutocompleter({
    name: "graphTerms",
    bulk: false,
    autoShow: true,
    persistenceId: null,
    isValidCompletionPosition(yasqe) {
      const token = yasqe.getCompleteToken();
      const string = token.string || "";
      if (!string || string[0] === "?" || string[0] === "$" || /^\s/.test(string)) return false;
      const previous = yasqe.getPreviousNonWsToken(yasqe.getDoc().getCursor().line, token);
      if (previous && /^(PREFIX|BASE)$/i.test(previous.string)) return false;
      if (string.startsWith("<")) return string.length >= 3 && !/^<[a-z][a-z0-9+.-]*:/i.test(string);
      const colon = string.indexOf(":");
      return colon > 0 && string.length - colon - 1 >= 1;
    },
    async get(yasqe, token) {
      const typed = typedTerm(yasqe, token);
      if (!typed) return [];
      const position = termPosition(yasqe, token);
      const vocabulary = await terms;
      const suggestions = [];
      const lists = position === "class" ? [vocabulary.classes]
        : position === "property" ? [vocabulary.properties] : [vocabulary.classes, vocabulary.properties];
      if (position === "entity") {
        for (const hit of await entities(typed)) {
          const text = writeIri(yasqe, hit.iri);
          const shown = hit.iri.startsWith(config.idBase) ? hit.iri.slice(config.idBase.length) : text;
          labels.set(text, `${hit.label}${hit.typeLabel ? " · " + hit.typeLabel : ""} — ${shown}`);
          suggestions.push(text);
        }
      }
      if (!typed.bracket || typed.text.length >= 2) {
        for (const list of lists) {
          for (const term of matchTerms(list, typed)) {
            const text = writeIri(yasqe, term.iri);
            labels.set(text, term.label && term.label !== localName(term.iri) ? `${text} — ${term.label}` : text);
            suggestions.push(text);
          }
        }
      }
      return [...new Set(suggestions)];
    },
    preProcessToken(yasqe, token) {
      return token;
    },
    postProcessSuggestion(yasqe, token, suggestion) {
      return suggestion;
    },
    postprocessHints(yasqe, hints) {
      for (const hint of hints) hint.displayText = labels.get(hint.text) || hint.text;
      return hints;
    },
  }, false);
}
