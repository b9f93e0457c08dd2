"""Entity search inside SPARQL: two functions evaluated by the query engine (pyoxigraph
``custom_functions``), documented in docs/search.md.

``ig:search(text [, rank [, type]])``
    The IRI of the ``rank``-th best entity for ``text`` (1 when omitted), unbound past the last.
    Enumerate hits with ``VALUES ?rank { 1 2 3 }``.
``ig:searchScore(?entity, text [, type])``
    The score of ``?entity`` for ``text`` (an ``xsd:double``; higher is better), unbound when it
    does not match: filter and rank any pattern's entities by a search.

``type`` is a class IRI or a string such as ``"City"`` or ``"ig:City"``. Each query evaluation
searches each text once (the answers are kept for the rest of that query). The functions exist
where innograph evaluates the query itself (an embedded store); a remote store's server does not
know them.
"""

from __future__ import annotations

from typing import Callable

import pyoxigraph as ox

from ..namespaces import ONTOLOGY
from .index import SearchHit, SearchIndex

SEARCH_FUNCTION = ox.NamedNode(ONTOLOGY + "search")
SCORE_FUNCTION = ox.NamedNode(ONTOLOGY + "searchScore")
_DOUBLE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#double")


def sparql_functions(open_index: Callable[[], SearchIndex | None], *, max_hits: int) -> dict:
    """The custom functions for one query evaluation; ``open_index`` is called at first use."""
    answers: dict[tuple, list[SearchHit]] = {}
    scores: dict[tuple, dict[str, float]] = {}

    def hits(text, type_term) -> list[SearchHit] | None:
        if not isinstance(text, ox.Literal):
            return None
        type_name = type_term.value if isinstance(type_term, (ox.Literal, ox.NamedNode)) else None
        key = (text.value, type_name)
        if key not in answers:
            index = open_index()
            answers[key] = index.search(text.value, type=type_name, limit=max_hits) if index else []
        return answers[key]

    def search(text, rank=None, type_term=None):
        found = hits(text, type_term)
        try:
            position = int(rank.value) if rank is not None else 1
        except ValueError:
            return None
        if not found or not 1 <= position <= len(found):
            return None
        return ox.NamedNode(found[position - 1].iri)

    def score(entity, text, type_term=None):
        if not isinstance(entity, ox.NamedNode):
            return None
        found = hits(text, type_term)
        if not found:
            return None
        key = (text.value, type_term.value if type_term is not None else None)
        if key not in scores:
            scores[key] = {hit.iri: hit.score for hit in found}
        value = scores[key].get(entity.value)
        return None if value is None else ox.Literal(repr(value), datatype=_DOUBLE)

    return {SEARCH_FUNCTION: search, SCORE_FUNCTION: score}
