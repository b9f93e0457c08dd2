"""The incremental check of a write (``loading.check_change``) finds every constraint a change breaks.

check_change judges only what a change can alter (the union's change, the subjects it touches,
their referrers only when the shapes can see the change, one hop out plus types). This runs every
mutation of tests/test_shapes.py (one per constraint of every property shape) as a *change to the
shipped store*, and requires the incremental check to report the broken constraint on that node,
as a full pySHACL validation of the neighbourhood does there.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import rdflib
from rdflib import BNode, URIRef

from innograph.service.loading import check_change
from innograph.store.oxigraph import OxigraphStore
from innograph.validation.shacl import shorten
from test_shapes import CASES, FOCUS, SHAPES, MIXED, mutate, neighbourhood, targets

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
CHANGES = ox.NamedNode("urn:test:mutation")


@pytest.fixture(scope="module")
def store(shipped_store):
    copy = OxigraphStore(None)
    copy.add(shipped_store.quads())
    return copy


def _term(term, node, fresh):
    if term == FOCUS:
        term = node
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return fresh.setdefault(term, ox.BlankNode())
    if term.language:
        return ox.Literal(str(term), language=term.language)
    return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or
                                                         "http://www.w3.org/2001/XMLSchema#string")))


def _as_change(store, node, before: rdflib.Graph, after: rdflib.Graph):
    """(added, removed) quads turning the store's ``node`` into the mutated example, or None when
    the change involves a blank node of the data files (their labels differ from the store's)."""
    gone, new = set(before) - set(after), set(after) - set(before)
    if any(isinstance(t, BNode) for triple in gone for t in triple):
        return None
    if any(isinstance(t, BNode) and t in {x for tr in before for x in tr} for triple in new for t in triple):
        return None
    fresh: dict = {}
    removed = [quad for s, p, o in gone
               for quad in store.quads_matching(_term(s, node, fresh), _term(p, node, fresh), _term(o, node, fresh))]
    added = [ox.Quad(_term(s, node, fresh), _term(p, node, fresh), _term(o, node, fresh), CHANGES)
             for s, p, o in new]
    return added, removed


# A deterministic sample, weighted to the constraints that read other nodes (their types: sh:or of
# classes, sh:class, qualified value shapes), where judging less than the whole neighbourhood could
# go wrong; about 115 of the 516 cases, to keep this module near 15 s.
_EVERY = {SH["or"]: 1, SH["class"]: 2, SH.qualifiedMinCount: 2}
SELECTED = [case for i, case in enumerate(CASES) if i % _EVERY.get(case.values[2], 10) == 0]
def _first_example(store, node_shape, prop_shape, param):
    """The change that breaks ``prop_shape`` on the first node it can be broken on without touching
    a blank node of the data files (whose labels the store does not keep), or None."""
    path = SHAPES.value(prop_shape, SH.path)
    candidates = [n for n in targets(node_shape) if isinstance(n, URIRef)]
    candidates.sort(key=lambda n: not list(MIXED.objects(n, path)))
    for node in candidates:
        before = neighbourhood(node)
        after = rdflib.Graph()
        for triple in before:
            after.add(triple)
        if not mutate(after, prop_shape, param, path):
            continue
        change = _as_change(store, node, before, after)
        if change is not None:
            return node, change
    return None


def test_the_incremental_check_reports_each_broken_constraint(store):
    """Every sampled constraint, broken on one node of the shipped store, is reported by the
    incremental check with its node and message; the few whose every example involves a blank node
    of the data files cannot be written as a change and are counted, and must stay a small minority."""
    exercised = 0
    for case in SELECTED:
        node_shape, prop_shape, param = case.values
        example = _first_example(store, node_shape, prop_shape, param)
        if example is None:
            continue
        node, (added, removed) = example
        report = check_change(store, add=added, remove=removed)
        found = [(v.focus_node, v.message) for v in report.violations]
        message = str(SHAPES.value(prop_shape, SH.message))
        assert (shorten(node), message) in found, (node, param, found)
        exercised += 1
    assert exercised >= 0.8 * len(SELECTED), f"only {exercised} of {len(SELECTED)} constraints exercised"
