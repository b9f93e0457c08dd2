"""A remote SPARQL 1.1 store (Oxigraph server, Virtuoso, Fuseki, GraphDB...) behind the ``Store`` interface.

Queries go to the query endpoint (SPARQL 1.1 Protocol), writes to the update endpoint, whole graphs
are read through the Graph Store Protocol when its endpoint is known. Answers are parsed by
pyoxigraph, so callers get the same result objects as from the embedded store. What differs
between servers lives in ``dialects.py``.

Configuration (docs/stores.md): the spec ``http(s)://host:port/path`` names the query endpoint; the
update and Graph Store endpoints are derived for the dialect's layouts (Oxigraph ``/query``,
Fuseki ``/sparql``, Virtuoso ``/sparql``). Every other tunable is an ``INNOGRAPH_REMOTE_*`` setting
of ``innograph.settings`` (dialect, endpoints, union, timeout, credentials, chunk size, hidden
graphs, journal folder). Credentials are never logged nor shown in ``location``.

Large writes are sent in chunks (``INNOGRAPH_REMOTE_CHUNK_TRIPLES``) with a progress bar on a
terminal (rich) and a record of the committed chunks, so a write that stops can be resumed by running it
again; a write that fits one request is one transaction where the server makes it one.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Iterable, Iterator, Mapping

import pyoxigraph as ox
import requests
from requests.auth import HTTPDigestAuth
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ..errors import StoreError, StoreTimeout, UsageError
from ..rdf.formats import Format
from ..rdf.sparql import _FORMS, inject_values, tokenize
from ..settings import setting_value
from .base import GraphName, Store
from .dialects import DIALECTS, GENERIC, OXIGRAPH, Dialect, dialect_from_server_header

# How many nodes one lookup query names in its VALUES block (keeps request bodies modest).
BATCH = 400
# How deep a chain of blank nodes ``describe`` follows (interval -> instant is 2 in our data).
BLANK_DEPTH = 3
# How long the list of graphs that makes a query's dataset (Virtuoso) is reused between queries.
GRAPH_LIST_SECONDS = 2.0

_RESULTS_JSON = "application/sparql-results+json"
_ACCEPT_QUERY = f"{_RESULTS_JSON}, application/n-triples;q=0.9"


def query_form(sparql: str) -> str | None:
    """SELECT, CONSTRUCT, ASK or DESCRIBE: the form of a query (its first such word outside strings)."""
    for token in tokenize(sparql):
        if token.kind == "word" and token.text.upper() in _FORMS:
            return token.text.upper()
    return None


# -- the store -----------------------------------------------------------------------------------

class RemoteStore(Store):
    """A SPARQL 1.1 store over HTTP. Every call has a timeout; credentials never leave the headers.

    ``union``: 'param' sends Oxigraph's ``union-default-graph`` query parameter so the default
    graph of a query is the union of all graphs; 'server' means the server already does this
    (Fuseki with tdb2:unionDefaultGraph, GraphDB, Virtuoso), see docs/stores.md.
    """

    is_remote = True

    def __init__(self, query_url: str, *, update_url: str | None = None, store_url: str | None = None,
                 user: str | None = None, password: str | None = None, token: str | None = None,
                 union: str | None = None, timeout: float = 60.0, read_only: bool = False,
                 dialect: Dialect = GENERIC, chunk_triples: int | None = None,
                 hidden_graphs: Iterable[str] = (), journal_dir: str | Path | None = None):
        union = union or dialect.union
        if union not in ("param", "server"):
            raise UsageError(f"INNOGRAPH_REMOTE_UNION: expected 'param' or 'server', got {union!r}")
        self.query_url = query_url
        self.update_url = update_url
        self.store_url = store_url
        self.union = union
        self.timeout = timeout
        self.read_only = read_only
        self.location = query_url
        self.dialect = dialect
        self.chunk_triples = chunk_triples or dialect.chunk_triples
        self.hidden = tuple(dict.fromkeys((*dialect.hidden_graphs, *hidden_graphs,
                                           *([dialect.default_graph_iri] if dialect.default_graph_iri else []))))
        self.journal_dir = Path(journal_dir) if journal_dir else Path.home() / ".cache" / "innograph" / "remote-loads"
        self._headers: dict[str, str] = {}
        self._digest = None
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        elif user is not None and dialect.digest:
            # Digest answers the server's challenge; anonymous endpoints never see the password.
            self._digest = (user, password or "")
        elif user is not None:
            pair = f"{user}:{password or ''}".encode()
            self._headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        self._local = threading.local()
        self._graph_list: tuple[float, list[ox.NamedNode]] | None = None

    def __repr__(self) -> str:
        return f"RemoteStore({self.location!r}, read_only={self.read_only}, dialect={self.dialect.name!r})"

    @classmethod
    def from_spec(cls, spec: str, *, read_only: bool = False,
                  environ: Mapping[str, str] | None = None) -> "RemoteStore":
        """A store for ``spec`` (the query endpoint URL), configured by the ``INNOGRAPH_REMOTE_*`` settings.

        With the dialect 'auto', a URL ending in ``/query`` is Oxigraph's server; any other is asked
        once (its ``Server`` header). Raises UsageError for a malformed URL or setting.
        """
        settings = _RemoteSettings(environ)
        parts = _split(spec)
        user = _unquote(parts.username)
        password = _unquote(parts.password)
        netloc = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
        if parts.port:
            netloc += f":{parts.port}"
        path = parts.path if parts.path not in ("", "/") else "/query"
        query_url = _unsplit((parts.scheme, netloc, path, parts.query, ""))
        if settings.remote_dialect != "auto":
            dialect = DIALECTS[settings.remote_dialect]
        elif path.rstrip("/").endswith("/query"):
            dialect = OXIGRAPH
        else:
            dialect = _probe(query_url, min(settings.remote_timeout, 5.0))
        if settings.remote_server_geometry:
            dialect = dataclasses.replace(dialect, stand_ins=())
        update_url, store_url = dialect.derive(query_url)
        if settings.remote_user is not None:
            user, password = settings.remote_user, settings.remote_password
        if dialect.digest and user is not None and store_url:
            # Virtuoso's Graph Store endpoint for a user is the Digest-protected one.
            store_url += "-auth"
        return cls(query_url,
                   update_url=settings.remote_update_url or update_url or query_url,
                   store_url=settings.remote_store_url or store_url,
                   user=user, password=password,
                   token=settings.remote_token or None, union=settings.remote_union,
                   timeout=settings.remote_timeout, read_only=read_only, dialect=dialect,
                   chunk_triples=settings.remote_chunk_triples, hidden_graphs=settings.remote_hidden_graphs,
                   journal_dir=settings.remote_journal_dir or None)

    # -- HTTP
    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.trust_env = False   # no proxies or netrc from the environment: only what is configured
            if self._digest:
                session.auth = HTTPDigestAuth(*self._digest)
        return session

    def _request(self, method: str, url: str, *, params: list[tuple[str, str]] | None = None,
                 body: bytes | None = None, content_type: str | None = None,
                 accept: str | None = None, allow_404: bool = False, form: list[tuple[str, str]] | None = None):
        """One HTTP exchange, read whole; returns the response (None for an allowed 404).
        Errors become StoreError, StoreTimeout or SyntaxError (400)."""
        headers = dict(self._headers)
        if content_type:
            headers["Content-Type"] = content_type
        if accept:
            headers["Accept"] = accept
        try:
            response = self._session().request(method, url, params=params, data=form if form is not None else body,
                                               headers=headers, timeout=self.timeout, allow_redirects=False)
        except requests.Timeout:
            raise StoreTimeout(f"{self.location}: no answer within {self.timeout:g} s "
                               f"(set INNOGRAPH_REMOTE_TIMEOUT)") from None
        except requests.RequestException as exc:
            reason = getattr(exc, "args", [""])[0]
            reason = getattr(reason, "reason", reason)
            raise StoreError(f"{self.location}: cannot reach the SPARQL endpoint: "
                             f"{str(reason)[:300]}") from None
        if response.status_code >= 300:
            if response.status_code == 404 and allow_404:
                return None
            detail = response.content[:600].decode("utf-8", "replace").strip()
            if response.status_code == 400 or (self.dialect.name == "virtuoso" and "SPARQL compiler" in detail):
                raise SyntaxError(f"{self.location}: {detail or 'bad request'}")
            if response.status_code in (401, 403):
                raise StoreError(f"{self.location}: the server refused the credentials ({response.status_code}); "
                                 f"set INNOGRAPH_REMOTE_USER/INNOGRAPH_REMOTE_PASSWORD or INNOGRAPH_REMOTE_TOKEN")
            raise StoreError(f"{self.location}: the server answered {response.status_code}: {detail[:300]}")
        return response

    def _post_query(self, sparql: str, params: list[tuple[str, str]], accept: str):
        sparql = self.dialect.rewrite_query(sparql)
        if self.dialect.form_requests:
            return self._request("POST", self.query_url, form=[("query", sparql), *params], accept=accept)
        return self._request("POST", self.query_url, params=params, body=sparql.encode("utf-8"),
                             content_type="application/sparql-query; charset=utf-8", accept=accept)

    def _union_params(self) -> list[tuple[str, str]]:
        return [("union-default-graph", "")] if self.union == "param" else []

    def _results(self, response) -> ox.QuerySolutions:
        self._check_row_limit(response)
        return ox.parse_query_results(self.dialect.fix_results(response.content), ox.QueryResultsFormat.JSON)

    def _check_row_limit(self, response) -> None:
        """Virtuoso cuts answers at ResultSetMaxRows and says so only in a header: refuse a cut answer."""
        limit = response.headers.get("X-SPARQL-MaxRows")
        if limit:
            raise StoreError(f"{self.location}: the server cut the answer at {limit} rows (Virtuoso's "
                             f"[SPARQL] ResultSetMaxRows); raise it above INNOGRAPH_MAX_ROWS (docs/stores.md)")

    def _select(self, sparql: str) -> ox.QuerySolutions:
        return self._results(self._post_query(sparql, [], _RESULTS_JSON))

    # -- terms of the default graph
    def _graph_term(self, graph: GraphName) -> str:
        """How a graph is named in a query or update (the stand-in IRI for the default graph)."""
        if isinstance(graph, ox.DefaultGraph):
            return f"<{self.dialect.default_graph_iri}>" if self.dialect.default_graph_iri else "DEFAULT"
        return str(graph)

    def _from_server(self, graph) -> GraphName:
        if graph is None or (self.dialect.default_graph_iri and isinstance(graph, ox.NamedNode)
                             and graph.value == self.dialect.default_graph_iri):
            return ox.DefaultGraph()
        return graph

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
                if self.dialect.default_graph_iri:
                    named = [ox.NamedNode(self.dialect.default_graph_iri)]
            params += [("default-graph-uri", g.value) for g in named]
        elif named_graphs is not None:
            # Oxigraph server refuses union-default-graph with named-graph-uri: name every graph.
            params += [("default-graph-uri", g.value) for g in self.graph_names()]
        elif self.hidden and self.union == "server":
            # The server's union holds its own graphs too: name the dataset's graphs instead.
            # (Virtuoso's define input:default-graph-exclude pragma gave wrong counts, measured.)
            params += [("default-graph-uri", g.value) for g in self._visible_graphs()]
        else:
            params += self._union_params()
        if named_graphs is not None:
            params += [("named-graph-uri", g.value) for g in named_graphs]
        elif self.hidden and self.union == "server":
            params += [("named-graph-uri", g.value) for g in self._visible_graphs()]
        form = query_form(sparql)
        accept = "application/n-triples" if form in ("CONSTRUCT", "DESCRIBE") else \
            _RESULTS_JSON if form in ("SELECT", "ASK") else _ACCEPT_QUERY
        response = self._post_query(sparql, params, accept)
        content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        body = response.content
        if content_type in ("application/sparql-results+json", "application/json"):
            self._check_row_limit(response)
            return ox.parse_query_results(self.dialect.fix_results(body), ox.QueryResultsFormat.JSON)
        if content_type in ("application/sparql-results+xml", "application/xml", "text/xml"):
            return ox.parse_query_results(body, ox.QueryResultsFormat.XML)
        for fmt in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML, ox.RdfFormat.JSON_LD):
            if content_type == fmt.media_type or (fmt is ox.RdfFormat.N_TRIPLES and content_type == "text/plain"):
                # A real QueryTriples, so the layers above see what the embedded store returns.
                scratch = ox.Store()
                scratch.extend(self.dialect.quads_from_server(list(ox.parse(body, fmt, rename_blank_nodes=False)), body))
                return scratch.query("CONSTRUCT WHERE { ?s ?p ?o }")
        raise StoreError(f"{self.location}: unexpected answer of type {content_type or '(none)'}")

    def _visible_graphs(self) -> list[ox.NamedNode]:
        """graph_names(), remembered for GRAPH_LIST_SECONDS and forgotten at each write of this store."""
        cached = self._graph_list
        if cached is None or time.monotonic() - cached[0] > GRAPH_LIST_SECONDS:
            cached = self._graph_list = (time.monotonic(), self.graph_names())
        # An empty dataset: name a graph that holds nothing, or the server would use all of its own.
        return cached[1] or [ox.NamedNode("urn:x-innograph:no-graph")]

    def graph_names(self):
        # GROUP BY, not DISTINCT: Virtuoso 7.2 took 34 s for DISTINCT ?g over 125k quads, 6 ms for this.
        rows = self._select("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        hidden = set(self.hidden)
        return sorted((row["g"] for row in rows if isinstance(row["g"], ox.NamedNode) and row["g"].value not in hidden),
                      key=lambda g: g.value)

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
        if isinstance(graph, ox.DefaultGraph) and not self.dialect.default_graph_iri:
            params = [("default", "")]
        else:
            params = [("graph", self._graph_term(graph)[1:-1])]
        response = self._request("GET", self.store_url, params=params, accept="application/n-triples",
                                 allow_404=True)
        if response is None:
            return iter(())
        quads = [ox.Quad(q.subject, q.predicate, q.object, graph) for q in self.dialect.quads_from_server(
            list(ox.parse(response.content, ox.RdfFormat.N_TRIPLES, rename_blank_nodes=False)), response.content)]
        if self.dialect.cuts_graph_reads and quads:
            # Virtuoso cuts a Graph Store read at ResultSetMaxRows without a word: count to know.
            expected = self.count(graph)
            if len(quads) < expected:
                raise StoreError(f"{self.location}: the server sent {len(quads):,} of the {expected:,} triples "
                                 f"of {_short(graph)} (Virtuoso's [SPARQL] ResultSetMaxRows cuts Graph Store "
                                 f"reads); raise ResultSetMaxRows above the largest graph (docs/stores.md)")
        return iter(quads)

    def quads_matching(self, subject=None, predicate=None, object=None, graph=None):
        self._check_pattern(subject, predicate, object, graph)
        pattern = " ".join(str(t) if t is not None else v
                           for t, v in ((subject, "?s"), (predicate, "?p"), (object, "?o")))
        fixed = {"s": subject, "p": predicate, "o": object}
        if graph is None:
            where = self._every_graph(pattern)
        elif isinstance(graph, ox.DefaultGraph) and not self.dialect.default_graph_iri:
            where = f"{{ {pattern} }}"
        else:
            where = f"{{ GRAPH {self._graph_term(graph)} {{ {pattern} }} }}"
        rows = self._select(f"SELECT * WHERE {{ {where} }}")
        return self._rows_to_quads(rows, fixed, graph)

    def _every_graph(self, pattern: str, values: str = "") -> str:
        """A group matching ``pattern`` in every named graph (and the unnamed one, on Oxigraph)."""
        hidden = ""
        if self.hidden:
            hidden = " FILTER(?g NOT IN (" + ", ".join(f"<{g}>" for g in self.hidden) + "))"
        where = f"{{ {values} GRAPH ?g {{ {pattern} }}{hidden} }}"
        if self.union == "param":
            where += f" UNION {{ {values} {pattern} }}"
        elif self.dialect.default_graph_iri:
            where = (f"{where} UNION {{ {values} GRAPH <{self.dialect.default_graph_iri}> "
                     f"{{ {pattern} }} BIND(<{self.dialect.default_graph_iri}> AS ?g) }}")
        return where

    def _rows_to_quads(self, rows, fixed, graph) -> Iterator[ox.Quad]:
        for row in rows:
            terms = [fixed[k] if fixed[k] is not None else row[k] for k in ("s", "p", "o")]
            g = graph if graph is not None else self._from_server(row["g"])
            yield ox.Quad(terms[0], terms[1], terms[2], g)

    def describe(self, nodes, *, predicate=None):
        """The quads about ``nodes`` (and their blank nodes, up to BLANK_DEPTH deep), batched."""
        named = [n for n in dict.fromkeys(nodes) if isinstance(n, ox.NamedNode)]
        for start in range(0, len(named), BATCH):
            values = "VALUES ?root { " + " ".join(str(n) for n in named[start:start + BATCH]) + " }"
            if predicate is not None:
                branches = [f"?root {predicate} ?o BIND(?root AS ?s) BIND({predicate} AS ?p)"]
            else:
                branches = ["?root ?p ?o BIND(?root AS ?s)"]
                chain = "?root ?p0 ?b0 FILTER(isBlank(?b0))"
                for depth in range(1, BLANK_DEPTH + 1):
                    last = f"?b{depth - 1}"
                    branches.append(f"{chain} {last} ?p ?o BIND({last} AS ?s)")
                    chain += f" {last} ?p{depth} ?b{depth} FILTER(isBlank(?b{depth}))"
            if self.dialect.describe_in_one_query:
                union = " UNION ".join(f"{{ {b} }}" for b in branches)
                queries = [f"SELECT ?s ?p ?o ?g WHERE {{ {self._every_graph(union, values)} }}"]
            else:
                queries = [self._describe_at_depth(values, depth, predicate)
                           for depth in range(len(branches))]
            for sparql in queries:
                yield from self._rows_to_quads(self._select(sparql), {"s": None, "p": None, "o": None}, None)

    def _describe_at_depth(self, values: str, depth: int, predicate) -> str:
        """One query per depth of blank nodes, with no BIND inside UNION (Virtuoso 7.2's SPARQL
        compiler fails on the one-query form with 'sparp_gp_deprecate(): equiv replaces filter')."""
        if depth == 0:
            pattern = f"?root {predicate if predicate is not None else '?p'} ?o"
            head = "(?root AS ?s) " + (f"({predicate} AS ?p)" if predicate is not None else "?p")
        else:
            steps = [f"{'?root' if k == 0 else f'?b{k - 1}'} ?p{k} ?b{k} ." for k in range(depth)]
            blank = " && ".join(f"isBlank(?b{k})" for k in range(depth))
            pattern = " ".join(steps) + f" ?b{depth - 1} ?p ?o FILTER({blank})"
            head = f"(?b{depth - 1} AS ?s) ?p"
        return f"SELECT {head} ?o ?g WHERE {{ {self._every_graph(pattern, values)} }}"

    def referrers(self, nodes):
        named = [n for n in dict.fromkeys(nodes) if isinstance(n, ox.NamedNode)]
        for start in range(0, len(named), BATCH):
            values = "VALUES ?o { " + " ".join(str(n) for n in named[start:start + BATCH]) + " }"
            yield from self._rows_to_quads(self._select(f"SELECT ?s ?p ?o ?g WHERE {{ {self._every_graph('?s ?p ?o', values)} }}"),
                                           {"s": None, "p": None, "o": None}, None)

    def count(self, graph=None) -> int:
        if graph is None:
            where = self._every_graph("?s ?p ?o")
        elif isinstance(graph, ox.DefaultGraph) and not self.dialect.default_graph_iri:
            where = "?s ?p ?o"
        else:
            where = f"GRAPH {self._graph_term(graph)} {{ ?s ?p ?o }}"
        rows = list(self._select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}"))
        return int(rows[0]["n"].value)

    def dump(self, fmt: Format, graph=None, prefixes=None) -> bytes:
        if graph is None and not fmt.quads:
            raise UsageError(f"{fmt.name} holds a single graph: choose a graph, or a quad format "
                             f"(nq, trig) for the whole dataset")
        # Serialised locally by pyoxigraph, so the bytes match what the embedded store writes. A
        # whole dataset is read graph by graph through the Graph Store Protocol when there is one.
        scratch = ox.Store()
        if graph is None and self.store_url:
            for name in [*self.graph_names(), ox.DefaultGraph()]:
                scratch.extend(self.quads(name))
        else:
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
        self._graph_list = None
        sparql = self.dialect.text_to_server(sparql)
        if self.dialect.form_requests:
            self._request("POST", self.update_url, form=[("update", sparql)])
        else:
            self._request("POST", self.update_url, body=sparql.encode("utf-8"),
                          content_type="application/sparql-update; charset=utf-8")

    def _insert(self, quads: Iterable[ox.Quad]) -> str:
        """An update inserting ``quads`` ('' when there are none): INSERT DATA, or where blank
        nodes may not appear in it, the same data as the template of ``INSERT { } WHERE { }``."""
        default, named, blank = [], {}, False
        for q in quads:
            line = f"{q.subject} {q.predicate} {self.dialect.object_in_update(q.object)} .\n"
            blank = blank or isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)
            if isinstance(q.graph_name, ox.DefaultGraph) and not self.dialect.default_graph_iri:
                default.append(line)
            else:
                named.setdefault(self._graph_term(q.graph_name), []).append(line)
        if not default and not named:
            return ""
        data = "".join(default) + "".join(f"GRAPH {g} {{\n{''.join(lines)}}}\n" for g, lines in named.items())
        if blank and not self.dialect.blank_nodes_in_insert_data:
            return "INSERT {\n" + data + "} WHERE { }"
        return "INSERT DATA {\n" + data + "}"

    def _clear(self, graph: GraphName) -> str:
        if isinstance(graph, ox.DefaultGraph) and not self.dialect.default_graph_iri:
            return "CLEAR SILENT DEFAULT"
        return f"DROP SILENT GRAPH {self._graph_term(graph)}"

    def replace_graphs(self, graphs) -> None:
        """Replace graphs: one request when the change fits one chunk (one transaction on servers
        that make a request one), else chunked writes with a resumable record (docs/stores.md)."""
        self._check_writable()
        # Read the sources whole first: a source that fails changes nothing on the server.
        graphs = {g: list(quads) for g, quads in graphs.items()}
        total = sum(len(q) for q in graphs.values())
        parts = [self._clear(g) for g in graphs]
        # An empty graph still exists afterwards (Graph Store PUT of an empty body).
        parts += [f"CREATE SILENT GRAPH {g}" for g, quads in graphs.items()
                  if isinstance(g, ox.NamedNode) and not quads]
        if total <= self._one_request_triples():
            insert = self._insert(ox.Quad(q.subject, q.predicate, q.object, g)
                                  for g, quads in graphs.items() for q in quads)
            self.update(" ;\n".join(parts + ([insert] if insert else [])))
            return
        # Parsed quads already carry their graph (1M new Quad objects cost seconds): rebuild only
        # the ones that do not.
        quads = [q if q.graph_name == g else ox.Quad(q.subject, q.predicate, q.object, g)
                 for g, qs in graphs.items() for q in qs]
        self._write_chunked(" ;\n".join(parts), quads, what=", ".join(_short(g) for g in graphs))

    def add(self, quads) -> None:
        self._check_writable()
        quads = list(quads)
        if len(quads) <= self._one_request_triples():
            insert = self._insert(quads)
            if insert:
                self.update(insert)
            return
        self._write_chunked("", quads, what="added quads")

    def drop_graph(self, graph) -> None:
        self.update(self._clear(graph))

    # -- chunked writes
    def _posts_to_graph_store(self) -> bool:
        return bool(self.dialect.graph_store_writes and self.store_url
                    and (not self.dialect.digest or self._digest or self._headers))

    def _one_request_triples(self) -> int:
        return min(self.chunk_triples, self.dialect.max_update_triples or self.chunk_triples)

    def _send_chunk(self, chunk: list[ox.Quad]) -> None:
        if not self._posts_to_graph_store():
            self.update(self._insert(chunk))
            return
        # Triples the Graph Store endpoint would change the datatype of go as SPARQL Updates.
        as_updates = [q for q in chunk if self.dialect.graph_store_would_rewrite(q)]
        if as_updates:
            chunk = [q for q in chunk if not self.dialect.graph_store_would_rewrite(q)]
            size = self._one_request_triples()
            for start in range(0, len(as_updates), size):
                self.update(self._insert(as_updates[start:start + size]))
        # Triples without a blank node first, through the server's bulk loader where it has one
        # (resending them after a failure writes the same triples again); then each graph's
        # triples with blank nodes in one transactional POST, so a blank node is never half
        # written and a chunk that failed there can be resent whole.
        posts: dict = {}
        for q in chunk:
            with_blank = isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)
            posts.setdefault((with_blank, q.graph_name), []).append(q)
        for (with_blank, graph), group in sorted(posts.items(), key=lambda item: item[0][0]):
            if isinstance(graph, ox.DefaultGraph) and not self.dialect.default_graph_iri:
                params = [("default", "")]
            else:
                params = [("graph", self._graph_term(graph)[1:-1])]
            bulk = [] if with_blank else list(self.dialect.bulk_chunk_params)
            if self.dialect.stand_ins:
                body = "".join(map(self.dialect.triple_line, group)).encode("utf-8")
            else:
                # pyoxigraph's own N-Triples writer: the same lines, without a Python call per triple.
                body = ox.serialize([q.triple for q in group], format=ox.RdfFormat.N_TRIPLES)
            self._request("POST", self.store_url, params=params + bulk, body=body,
                          content_type="application/n-triples")
        self._graph_list = None

    def _write_chunked(self, first: str, quads: list[ox.Quad], *, what: str) -> None:
        """Send ``first`` (the drops), then ``quads`` in chunks, keeping a record of the chunks
        committed. A failure says how far the write got; the same write run again resumes there.

        A chunk never splits the quads that share a blank node, so a blank node is the same node
        in all its triples (each request makes its own blank nodes). No chunk asks the server
        anything whose cost grows with the store: each is one INSERT of its own triples.
        """
        chunks = _chunks(quads, self.chunk_triples if self._posts_to_graph_store() else self._one_request_triples())
        digest = hashlib.sha256(self.location.encode() + first.encode())
        for chunk in chunks:
            digest.update("\n".join(map(str, chunk)).encode())
        record_path = self.journal_dir / f"{digest.hexdigest()[:32]}.json"
        record = {"store": self.location, "graphs": what, "chunks": len(chunks), "triples": len(quads),
                  "cleared": False, "committed": 0, "committed_triples": 0}
        if record_path.exists():
            try:
                previous = json.loads(record_path.read_text())
                if previous.get("chunks") == len(chunks) and previous.get("store") == self.location:
                    record = previous
                    print(f"innograph: resuming an unfinished write to {self.location} at chunk "
                          f"{record['committed'] + 1} of {len(chunks)} (record {record_path})", file=sys.stderr)
            except (OSError, ValueError):
                pass
        record_path.parent.mkdir(parents=True, exist_ok=True)

        def save() -> None:
            record["updated"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            temporary = record_path.with_suffix(".tmp")
            temporary.write_text(json.dumps(record, indent=1))
            os.replace(temporary, record_path)

        # A progress bar on a terminal only (rich draws nothing when stderr is not one).
        console = Console(stderr=True)
        bar = Progress(TextColumn("writing to {task.fields[where]}"), BarColumn(), MofNCompleteColumn(),
                       TextColumn("triples"), TimeRemainingColumn(), console=console, transient=True,
                       disable=not console.is_terminal)
        task = bar.add_task("write", total=len(quads), completed=record["committed_triples"], where=self.location)
        bar.start()
        try:
            if not record["cleared"]:
                if first:
                    self.update(first)
                record["cleared"] = True
                save()
            for index in range(record["committed"], len(chunks)):
                self._send_chunk(chunks[index])
                record["committed"] = index + 1
                record["committed_triples"] += len(chunks[index])
                save()
                bar.advance(task, len(chunks[index]))
        except (StoreError, SyntaxError) as exc:
            save()
            raise StoreError(
                f"{self.location}: the write of {what} stopped after {record['committed']} of {len(chunks)} "
                f"chunks ({record['committed_triples']:,} of {len(quads):,} triples committed; "
                f"{'the graphs were cleared first' if record['cleared'] else 'nothing was changed'}). "
                f"Run the same command again to resume (record: {record_path}). Cause: {exc}") from None
        finally:
            bar.stop()
        record_path.unlink(missing_ok=True)


def _chunks(quads: list[ox.Quad], size: int) -> list[list[ox.Quad]]:
    """``quads`` in chunks of about ``size``, the quads sharing a blank node always together."""
    with_blank = [isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode) for q in quads]
    if not any(with_blank):
        return [quads[start:start + size] for start in range(0, len(quads), size)]
    parent: dict = {}

    def find(node):
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node
    for q, blank in zip(quads, with_blank):
        if blank and isinstance(q.subject, ox.BlankNode) and isinstance(q.object, ox.BlankNode):
            parent[find(q.object)] = find(q.subject)
    units: dict = {}
    for index, (q, blank) in enumerate(zip(quads, with_blank)):
        key = find(q.subject if isinstance(q.subject, ox.BlankNode) else q.object) if blank else index
        units.setdefault(key, []).append(q)
    chunks: list[list[ox.Quad]] = [[]]
    for unit in units.values():
        if chunks[-1] and len(chunks[-1]) + len(unit) > size:
            chunks.append([])
        chunks[-1].extend(unit)
    return [c for c in chunks if c]


class _RemoteSettings:
    """The INNOGRAPH_REMOTE_* settings (settings.py) as attributes, read from ``environ``."""

    def __init__(self, environ: Mapping[str, str] | None):
        self._environ = environ

    def __getattr__(self, name: str):
        return setting_value(name, self._environ)


def _short(graph: GraphName) -> str:
    return f"<{graph.value}>" if isinstance(graph, ox.NamedNode) else "the default graph"


def _split(spec: str):
    parts = urllib.parse.urlsplit(spec)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--store {spec!r}: expected http(s)://host[:port]/path of a SPARQL endpoint")
    return parts


def _unsplit(parts) -> str:
    return urllib.parse.urlunsplit(parts)


def _unquote(text: str | None) -> str | None:
    return urllib.parse.unquote(text) if text else None


def _probe(query_url: str, timeout: float) -> Dialect:
    """The dialect of the server at ``query_url``, from the Server header of one ASK (generic when
    it cannot be asked: the first real request then says why)."""
    session = requests.Session()
    session.trust_env = False
    try:
        with session.get(query_url, params={"query": "ASK {}"}, timeout=timeout, stream=True,
                         headers={"Accept": _RESULTS_JSON}, allow_redirects=False) as response:
            return dialect_from_server_header(response.headers.get("Server"))
    except requests.RequestException:
        return GENERIC
    finally:
        session.close()
