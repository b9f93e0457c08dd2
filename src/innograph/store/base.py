"""The one ``Store`` interface every backend implements (see ``innograph.store`` for the registry).

Queries run on Oxigraph's own engine and return pyoxigraph result objects; rdflib is never used to
evaluate SPARQL here (it was 12-57x slower per query on this machine, see README). Every write is
one transaction: it happens whole or not at all.

The default graph of a query is the union of all named graphs (like Fuseki's unionDefaultGraph),
because each data file lives in its own named graph; the store's own unnamed graph stays addressable
through the Graph Store Protocol's ``?default``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Iterable, Iterator, Mapping, Union

import pyoxigraph as ox

from ..rdf.formats import Format

GraphName = Union[ox.NamedNode, ox.DefaultGraph]
QueryResult = Union[ox.QuerySolutions, ox.QueryBoolean, ox.QueryTriples]


class Store(ABC):
    """What every backend offers. ``location`` says where the data lives, for messages."""

    location: str
    read_only: bool = False
    is_remote: bool = False   # True: queries are evaluated by another server over HTTP

    @abstractmethod
    def query(self, sparql: str, *, default_graphs: list[GraphName] | None = None,
              named_graphs: list[ox.NamedNode] | None = None,
              substitutions: Mapping[ox.Variable, object] | None = None) -> QueryResult:
        """Evaluate a SPARQL 1.1 query.

        The default graph is the union of all graphs unless ``default_graphs`` names it;
        ``named_graphs`` limits what GRAPH sees; ``substitutions`` bind variables to terms. Raises
        SyntaxError (pyoxigraph's) for a malformed query, StoreError when the store cannot answer.
        """

    @abstractmethod
    def update(self, sparql: str) -> None:
        """Apply a SPARQL 1.1 update in one transaction.

        Raises SyntaxError for a malformed update, StoreError when the store is read-only or the
        write fails (nothing is applied).
        """

    @abstractmethod
    def replace_graphs(self, graphs: Mapping[GraphName, Iterable[ox.Quad]]) -> None:
        """Replace each named graph with the given quads, all in one transaction.

        A named graph given no quads still exists afterwards, empty. Raises StoreError when the
        store is read-only or the write fails (nothing is changed).
        """

    @abstractmethod
    def add(self, quads: Iterable[ox.Quad]) -> None:
        """Add quads in one transaction. Raises StoreError when the store is read-only or the write
        fails (nothing is added)."""

    @abstractmethod
    def drop_graph(self, graph: GraphName) -> None:
        """Remove a graph and its triples (the default graph is emptied, not removed); a graph that
        does not exist is no error. Raises StoreError when the store is read-only or the write fails."""

    @abstractmethod
    def graph_names(self) -> list[ox.NamedNode]:
        """The named graphs, sorted by IRI."""

    @abstractmethod
    def quads(self, graph: GraphName | None = None) -> Iterator[ox.Quad]:
        """Every quad, or those of one graph."""

    @abstractmethod
    def quads_matching(self, subject=None, predicate=None, object=None,
                       graph: GraphName | None = None) -> Iterator[ox.Quad]:
        """The quads matching a pattern (None matches anything), from every graph."""

    def count(self, graph: GraphName | None = None) -> int:
        """How many quads the store holds, or one graph holds."""
        return sum(1 for _ in self.quads(graph))

    def describe(self, nodes: Iterable, *, predicate: ox.NamedNode | None = None) -> Iterator[ox.Quad]:
        """The quads whose subject is one of ``nodes``, from every graph.

        Without ``predicate``, also the quads of the blank nodes they reach through blank nodes
        (a bounded description), because a remote store cannot look a blank node up by itself.
        With ``predicate``, only the quads with that predicate. Backends may batch the lookups.
        """
        pending = list(dict.fromkeys(nodes))
        seen = set(pending)
        while pending:
            node = pending.pop()
            for quad in self.quads_matching(subject=node, predicate=predicate):
                yield quad
                if predicate is None and isinstance(quad.object, ox.BlankNode) and quad.object not in seen:
                    seen.add(quad.object)
                    pending.append(quad.object)

    def referrers(self, nodes: Iterable) -> Iterator[ox.Quad]:
        """The quads whose object is one of ``nodes``, from every graph (blank nodes may be skipped)."""
        for node in dict.fromkeys(nodes):
            yield from self.quads_matching(object=node)

    @abstractmethod
    def dump(self, fmt: Format, graph: GraphName | None = None, prefixes: dict[str, str] | None = None) -> bytes:
        """The whole dataset (quad formats) or one graph (any format) serialised; ``prefixes`` are
        declared in Turtle, TriG and RDF/XML. Raises UsageError for the whole dataset in a format
        that holds one graph."""

    def close(self) -> None:
        """Release files and locks."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


