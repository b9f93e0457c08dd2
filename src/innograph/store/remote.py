"""A remote SPARQL 1.1 store (Oxigraph server, Fuseki, GraphDB, Virtuoso...) behind the ``Store`` interface.

Queries go to the query endpoint (SPARQL 1.1 Protocol), writes to the update endpoint, whole graphs
are read through the Graph Store Protocol when its endpoint is known. Answers are parsed by
pyoxigraph, so callers get the same result objects as from the embedded store.

Configuration (docs/stores.md): the spec ``http(s)://host:port/path`` names the query endpoint; for
Oxigraph server (``.../query``) the update (``.../update``) and Graph Store (``.../store``) endpoints
are derived, for Fuseki (``.../sparql``) ``.../update`` and ``.../data``. Environment variables
override: ``INNOGRAPH_REMOTE_UPDATE_URL``, ``INNOGRAPH_REMOTE_STORE_URL``, ``INNOGRAPH_REMOTE_UNION``
(``param`` | ``server``), ``INNOGRAPH_REMOTE_TIMEOUT``; credentials come only from
``INNOGRAPH_REMOTE_USER``/``INNOGRAPH_REMOTE_PASSWORD`` (HTTP Basic) or ``INNOGRAPH_REMOTE_TOKEN``
(Bearer), or from user:password in the spec; they are never logged nor shown in ``location``.
"""

from __future__ import annotations

import base64
import socket
import urllib.error
import urllib.parse
import urllib.request
from typing import Iterable, Iterator, Mapping

import pyoxigraph as ox

from ..errors import StoreError, StoreTimeout, UsageError
from ..rdf.formats import Format
from ..rdf.sparql import inject_values
from ..settings import REGISTRY_BY_NAME, setting_value
from .base import GraphName, Store

# The INNOGRAPH_REMOTE_* settings (settings.py), by the keyword they fill.
ENV = {key: REGISTRY_BY_NAME[f"remote_{key}"].env
       for key in ("update_url", "store_url", "user", "password", "token", "union", "timeout")}
DEFAULT_TIMEOUT = REGISTRY_BY_NAME["remote_timeout"].default
# How many nodes one lookup query names in its VALUES block (keeps GET/POST bodies modest).
BATCH = 400
# How deep a chain of blank nodes ``describe`` follows (interval -> instant is 2 in our data).
BLANK_DEPTH = 3

_RESULTS_JSON = "application/sparql-results+json"
_ACCEPT_QUERY = f"{_RESULTS_JSON}, application/n-triples;q=0.9"


# -- the store -----------------------------------------------------------------------------------

def _derive(query_url: str) -> tuple[str | None, str | None]:
    """Update and Graph Store endpoints for well-known layouts (Oxigraph server, Fuseki)."""
    parts = urllib.parse.urlsplit(query_url)
    path = parts.path.rstrip("/")
    for suffix, update, store in (("/query", "/update", "/store"), ("/sparql", "/update", "/data")):
        if path.endswith(suffix):
            base = path[: -len(suffix)]
            make = lambda p: urllib.parse.urlunsplit((parts.scheme, parts.netloc, base + p, "", ""))  # noqa: E731
            return make(update), make(store)
    return None, None


class RemoteStore(Store):
    """A SPARQL 1.1 store over HTTP. Every call has a timeout; credentials never leave the headers.

    ``union``: 'param' sends Oxigraph's ``union-default-graph`` query parameter so the default
    graph of a query is the union of all graphs; 'server' means the server already does this
    (Fuseki with tdb2:unionDefaultGraph, GraphDB, Virtuoso), see docs/stores.md.
    """

    is_remote = True

    def __init__(self, query_url: str, *, update_url: str | None = None, store_url: str | None = None,
                 user: str | None = None, password: str | None = None, token: str | None = None,
                 union: str = "param", timeout: float = DEFAULT_TIMEOUT, read_only: bool = False):
        if union not in ("param", "server"):
            raise UsageError(f"{ENV['union']}: expected 'param' or 'server', got {union!r}")
        self.query_url = query_url
        self.update_url = update_url
        self.store_url = store_url
        self.union = union
        self.timeout = timeout
        self.read_only = read_only
        self.location = query_url
        self._headers: dict[str, str] = {}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        elif user is not None:
            pair = f"{user}:{password or ''}".encode()
            self._headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()

    def __repr__(self) -> str:
        return f"RemoteStore({self.location!r}, read_only={self.read_only})"

    @classmethod
    def from_spec(cls, spec: str, *, read_only: bool = False,
                  environ: Mapping[str, str] | None = None) -> "RemoteStore":
        """A store for ``spec`` (the query endpoint URL), configured from ``INNOGRAPH_REMOTE_*``.

        Raises UsageError for a malformed URL or setting.
        """
        parts = urllib.parse.urlsplit(spec)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"--store {spec!r}: expected http(s)://host[:port]/path of a SPARQL endpoint")
        user = urllib.parse.unquote(parts.username) if parts.username else None
        password = urllib.parse.unquote(parts.password) if parts.password else None
        netloc = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
        if parts.port:
            netloc += f":{parts.port}"
        path = parts.path if parts.path not in ("", "/") else "/query"
        query_url = urllib.parse.urlunsplit((parts.scheme, netloc, path, parts.query, ""))
        update_url, store_url = _derive(query_url)
        remote = {key: setting_value(f"remote_{key}", environ) for key in ENV}
        return cls(query_url,
                   update_url=remote["update_url"] or update_url or query_url,
                   store_url=remote["store_url"] or store_url,
                   user=user if remote["user"] is None else remote["user"],
                   password=password if remote["password"] is None else remote["password"],
                   token=remote["token"] or None,
                   union=remote["union"], timeout=remote["timeout"], read_only=read_only)

    # -- HTTP
    def _request(self, method: str, url: str, *, params: list[tuple[str, str]] | None = None,
                 body: bytes | None = None, content_type: str | None = None,
                 accept: str | None = None, allow_404: bool = False):
        """Open one HTTP exchange (the caller closes the response). Errors become StoreError."""
        if params:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
        headers = dict(self._headers)
        if content_type:
            headers["Content-Type"] = content_type
        if accept:
            headers["Accept"] = accept
        request = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            return urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            with exc:
                detail = exc.read(600).decode("utf-8", "replace").strip()
            if exc.code == 404 and allow_404:
                return None
            if exc.code == 400:
                raise SyntaxError(f"{self.location}: {detail or 'bad request'}") from None
            if exc.code in (401, 403):
                raise StoreError(f"{self.location}: the server refused the credentials ({exc.code}); "
                                 f"set {ENV['user']}/{ENV['password']} or {ENV['token']}") from None
            raise StoreError(f"{self.location}: the server answered {exc.code}: {detail[:300]}") from None
        except (socket.timeout, TimeoutError):
            raise StoreTimeout(f"{self.location}: no answer within {self.timeout:g} s "
                             f"(set {ENV['timeout']})") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, (socket.timeout, TimeoutError)):
                raise StoreTimeout(f"{self.location}: no answer within {self.timeout:g} s "
                                 f"(set {ENV['timeout']})") from None
            raise StoreError(f"{self.location}: cannot reach the SPARQL endpoint: {reason}") from None

    def _read(self, response) -> bytes:
        with response:
            try:
                return response.read()
            except (socket.timeout, TimeoutError):
                raise StoreTimeout(f"{self.location}: the answer did not arrive within "
                                 f"{self.timeout:g} s") from None

    def _post_query(self, sparql: str, params: list[tuple[str, str]], accept: str):
        return self._request("POST", self.query_url, params=params, body=sparql.encode("utf-8"),
                             content_type="application/sparql-query; charset=utf-8", accept=accept)

    def _union_params(self) -> list[tuple[str, str]]:
        return [("union-default-graph", "")] if self.union == "param" else []

    def _select(self, sparql: str, *, union: bool = False) -> ox.QuerySolutions:
        response = self._post_query(sparql, self._union_params() if union else [], _RESULTS_JSON)
        return ox.parse_query_results(self._read(response), ox.QueryResultsFormat.JSON)

    # -- reading
    def query(self, sparql, *, default_graphs=None, named_graphs=None, substitutions=None):
        if substitutions:
            sparql = inject_values(sparql, substitutions)
        params: list[tuple[str, str]] = []
        if default_graphs is not None:
            named = [g for g in default_graphs if isinstance(g, ox.NamedNode)]
            if len(named) != len(default_graphs):
                if named:
                    raise UsageError(f"{self.location}: a remote store cannot mix the unnamed default "
                                     f"graph with named graphs in the default graph of a query")
            params += [("default-graph-uri", g.value) for g in named]
        elif named_graphs is not None:
            # Oxigraph server refuses union-default-graph with named-graph-uri: name every graph.
            params += [("default-graph-uri", g.value) for g in self.graph_names()]
        else:
            params += self._union_params()
        if named_graphs is not None:
            params += [("named-graph-uri", g.value) for g in named_graphs]
        response = self._post_query(sparql, params, _ACCEPT_QUERY)
        content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        body = self._read(response)
        if content_type in ("application/sparql-results+json", "application/json"):
            return ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
        if content_type in ("application/sparql-results+xml", "application/xml", "text/xml"):
            return ox.parse_query_results(body, ox.QueryResultsFormat.XML)
        for fmt in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML, ox.RdfFormat.JSON_LD):
            if content_type == fmt.media_type or (fmt is ox.RdfFormat.N_TRIPLES and content_type == "text/plain"):
                # A real QueryTriples, so the layers above see what the embedded store returns.
                scratch = ox.Store()
                scratch.extend(ox.parse(body, fmt, rename_blank_nodes=False))
                return scratch.query("CONSTRUCT WHERE { ?s ?p ?o }")
        raise StoreError(f"{self.location}: unexpected answer of type {content_type or '(none)'}")

    def graph_names(self):
        rows = self._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
        return sorted((row["g"] for row in rows if isinstance(row["g"], ox.NamedNode)), key=lambda g: g.value)

    @staticmethod
    def _check_pattern(*terms) -> None:
        if any(isinstance(t, ox.BlankNode) for t in terms):
            raise UsageError("a remote SPARQL store cannot look a blank node up by its label; "
                             "blank nodes come with the node that owns them (Store.describe)")

    def quads(self, graph=None):
        if graph is not None and self.store_url:
            return self._graph_via_gsp(graph)
        return self.quads_matching(graph=graph)

    def _graph_via_gsp(self, graph: GraphName) -> Iterator[ox.Quad]:
        params = [("default", "")] if isinstance(graph, ox.DefaultGraph) else [("graph", graph.value)]
        response = self._request("GET", self.store_url, params=params, accept="application/n-triples",
                                 allow_404=True)
        if response is None:
            return iter(())
        body = self._read(response)
        return (ox.Quad(q.subject, q.predicate, q.object, graph)
                for q in ox.parse(body, ox.RdfFormat.N_TRIPLES, rename_blank_nodes=False))

    def quads_matching(self, subject=None, predicate=None, object=None, graph=None):
        self._check_pattern(subject, predicate, object, graph)
        pattern = " ".join(str(t) if t is not None else v
                           for t, v in ((subject, "?s"), (predicate, "?p"), (object, "?o")))
        fixed = {"s": subject, "p": predicate, "o": object}
        if graph is None:
            where = f"{{ GRAPH ?g {{ {pattern} }} }}"
            if self.union == "param":
                where += f" UNION {{ {pattern} }}"
        elif isinstance(graph, ox.DefaultGraph):
            where = f"{{ {pattern} }}"
        else:
            where = f"{{ GRAPH {graph} {{ {pattern} }} }}"
        rows = self._select(f"SELECT * WHERE {{ {where} }}")
        return self._rows_to_quads(rows, fixed, graph)

    @staticmethod
    def _rows_to_quads(rows, fixed, graph) -> Iterator[ox.Quad]:
        for row in rows:
            terms = [fixed[k] if fixed[k] is not None else row[k] for k in ("s", "p", "o")]
            g = graph if graph is not None else (row["g"] if row["g"] is not None else ox.DefaultGraph())
            yield ox.Quad(terms[0], terms[1], terms[2], g)

    def describe(self, nodes, *, predicate=None):
        """The quads about ``nodes`` (and their blank nodes, up to BLANK_DEPTH deep), batched."""
        named = [n for n in dict.fromkeys(nodes) if isinstance(n, ox.NamedNode)]
        for start in range(0, len(named), BATCH):
            values = " ".join(str(n) for n in named[start:start + BATCH])
            if predicate is not None:
                branches = [f"?root {predicate} ?o BIND(?root AS ?s) BIND({predicate} AS ?p)"]
            else:
                branches = ["?root ?p ?o BIND(?root AS ?s)"]
                chain = "?root ?p0 ?b0 FILTER(isBlank(?b0))"
                for depth in range(1, BLANK_DEPTH + 1):
                    last = f"?b{depth - 1}"
                    branches.append(f"{chain} {last} ?p ?o BIND({last} AS ?s)")
                    chain += f" {last} ?p{depth} ?b{depth} FILTER(isBlank(?b{depth}))"
            union = " UNION ".join(f"{{ {b} }}" for b in branches)
            where = f"VALUES ?root {{ {values} }} GRAPH ?g {{ {union} }}"
            if self.union == "param":
                where = f"{{ {where} }} UNION {{ VALUES ?root {{ {values} }} {union} }}"
            yield from self._rows_to_quads(
                self._select(f"SELECT ?s ?p ?o ?g WHERE {{ {where} }}"),
                {"s": None, "p": None, "o": None}, None)

    def referrers(self, nodes):
        named = [n for n in dict.fromkeys(nodes) if isinstance(n, ox.NamedNode)]
        for start in range(0, len(named), BATCH):
            values = " ".join(str(n) for n in named[start:start + BATCH])
            where = f"VALUES ?o {{ {values} }} GRAPH ?g {{ ?s ?p ?o }}"
            if self.union == "param":
                where = f"{{ {where} }} UNION {{ VALUES ?o {{ {values} }} ?s ?p ?o }}"
            yield from self._rows_to_quads(self._select(f"SELECT ?s ?p ?o ?g WHERE {{ {where} }}"),
                                           {"s": None, "p": None, "o": None}, None)

    def count(self, graph=None) -> int:
        if graph is None:
            where = "{ GRAPH ?g { ?s ?p ?o } }" + (" UNION { ?s ?p ?o }" if self.union == "param" else "")
        elif isinstance(graph, ox.DefaultGraph):
            where = "?s ?p ?o"
        else:
            where = f"GRAPH {graph} {{ ?s ?p ?o }}"
        rows = list(self._select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}"))
        return int(rows[0]["n"].value)

    def dump(self, fmt: Format, graph=None, prefixes=None) -> bytes:
        if graph is None and not fmt.quads:
            raise UsageError(f"{fmt.name} holds a single graph: choose a graph, or a quad format "
                             f"(nq, trig) for the whole dataset")
        # Serialised locally by pyoxigraph, so the bytes match what the embedded store writes.
        scratch = ox.Store()
        scratch.extend(self.quads(graph))
        kwargs = {"from_graph": graph} if graph is not None else {}
        if prefixes and fmt.name in {"ttl", "trig", "rdf"}:
            kwargs["prefixes"] = prefixes
        return scratch.dump(None, fmt.ox_rdf, **kwargs)

    # -- writing
    def _check_writable(self):
        if self.read_only:
            raise StoreError(f"{self.location}: the store is open read-only")

    def update(self, sparql: str) -> None:
        self._check_writable()
        response = self._request("POST", self.update_url, body=sparql.encode("utf-8"),
                                 content_type="application/sparql-update; charset=utf-8")
        self._read(response)

    @staticmethod
    def _quad_data(quads: Iterable[ox.Quad]) -> str:
        default, named = [], {}
        for q in quads:
            line = f"{q.subject} {q.predicate} {q.object} .\n"
            if isinstance(q.graph_name, ox.DefaultGraph):
                default.append(line)
            else:
                named.setdefault(q.graph_name, []).append(line)
        return "".join(default) + "".join(f"GRAPH {g} {{\n{''.join(lines)}}}\n" for g, lines in named.items())

    def replace_graphs(self, graphs) -> None:
        self._check_writable()
        # One request is one transaction on every server we document: drops and inserts together.
        parts = [("CLEAR SILENT DEFAULT" if isinstance(g, ox.DefaultGraph) else f"DROP SILENT GRAPH {g}")
                 for g in graphs]
        # An empty graph still exists afterwards (Graph Store PUT of an empty body).
        parts += [f"CREATE SILENT GRAPH {g}" for g, quads in graphs.items()
                  if isinstance(g, ox.NamedNode) and not quads]
        data = self._quad_data(ox.Quad(q.subject, q.predicate, q.object, g)
                               for g, quads in graphs.items() for q in quads)
        if data:
            parts.append("INSERT DATA {\n" + data + "}")
        self.update(" ;\n".join(parts))

    def add(self, quads) -> None:
        self._check_writable()
        data = self._quad_data(quads)
        if data:
            self.update("INSERT DATA {\n" + data + "}")

    def drop_graph(self, graph) -> None:
        self.update("CLEAR SILENT DEFAULT" if isinstance(graph, ox.DefaultGraph)
                    else f"DROP SILENT GRAPH {graph}")
