"""UpdateRunner on an on-disk store: what is written is exactly the validated delta, all or nothing,
and no write reads the whole store."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from innograph.errors import QuerySyntaxError, ValidationFailed
from innograph.service import updates
from innograph.service.updates import UpdateFailed, UpdateRunner
from innograph.store.oxigraph import OxigraphStore
from innograph.versions.log import log_for

EX = "http://example.org/"
SCHEMA_CITY = "https://schema.org/City"


class NoFullScans(OxigraphStore):
    """A store that fails the test if anything iterates over all of it (what a copy does), once
    its setup (the data, and the version log's baseline of it) is done."""

    scans_allowed = True

    def quads(self, graph=None):
        assert graph is not None or self.scans_allowed, "the whole store was read to learn an update's effect"
        return super().quads(graph)


@pytest.fixture
def store(tmp_path):
    store = NoFullScans(tmp_path / "store")
    store.add([ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p"), ox.Literal(str(i)),
                       ox.NamedNode(f"{EX}g")) for i in range(50)])
    log_for(store)                  # the version log's first version is the store's content: read once
    store.scans_allowed = False
    yield store
    store.close()


def state(store):
    return sorted(map(str, store.quads_matching())), sorted(map(str, store.graph_names()))


def test_each_operation_sees_the_ones_before_and_nothing_is_copied(store):
    runner = UpdateRunner(store)
    added, removed = runner.update(
        f"PREFIX ex: <{EX}> "
        "INSERT DATA { GRAPH ex:h { ex:new ex:p 'fresh' } } ; "
        "DELETE { GRAPH ex:h { ?s ex:p ?o } } INSERT { GRAPH ex:h { ?s ex:q ?o } } "
        "WHERE { GRAPH ex:h { ?s ex:p ?o } } ; "
        "DELETE WHERE { GRAPH ex:g { ex:s1 ?p ?o } }")
    assert [str(q) for q in added] == [f'<{EX}new> <{EX}q> "fresh" <{EX}h>']
    assert [str(q) for q in removed] == [f'<{EX}s1> <{EX}p> "1" <{EX}g>']
    assert ox.Quad(ox.NamedNode(f"{EX}new"), ox.NamedNode(f"{EX}q"), ox.Literal("fresh"),
                   ox.NamedNode(f"{EX}h")) in list(store.quads_matching())
    assert store.count() == 50


def test_a_failing_operation_leaves_the_store_as_it_was(store):
    before = state(store)
    with pytest.raises(UpdateFailed, match="does not exist"):
        UpdateRunner(store).update(f"INSERT DATA {{ <{EX}x> <{EX}p> 1 }} ; "
                                   f"DELETE WHERE {{ GRAPH <{EX}g> {{ ?s ?p ?o }} }} ; "
                                   f"DROP GRAPH <{EX}missing>")
    assert state(store) == before


def test_a_syntax_error_names_the_place(store):
    with pytest.raises(QuerySyntaxError, match=r"1:\d+"):
        UpdateRunner(store).update("INSERT DATA { <urn:a> <urn:b> }")


def test_what_is_written_is_what_was_validated(store, monkeypatch):
    """UUID(), NOW() and template blank nodes: the committed quads are the validated ones."""
    validated = []

    def spy(store, *, add=(), remove=(), **kwargs):
        validated.append((set(add), set(remove)))
        return real(store, add=add, remove=remove, **kwargs)

    real = updates.check_change
    monkeypatch.setattr(updates, "check_change", spy)
    added, _ = UpdateRunner(store).update(
        f"INSERT {{ GRAPH <{EX}h> {{ ?s <{EX}id> ?id ; <{EX}at> ?now ; <{EX}node> [ <{EX}n> ?o ] }} }} "
        f"WHERE {{ GRAPH <{EX}g> {{ ?s <{EX}p> ?o FILTER(?o IN ('1', '2')) }} "
        f"BIND(UUID() AS ?id) BIND(NOW() AS ?now) }}")
    assert len(added) == 8 and validated and validated[0][0] == set(added)
    written = set(store.quads(ox.NamedNode(f"{EX}h")))
    assert written == set(added)
    assert len({q.object for q in added if q.predicate.value == f"{EX}node"}) == 2   # fresh per solution


def test_a_refused_write_changes_nothing(store):
    before = state(store)
    city = ox.NamedNode(f"{EX}city")
    with pytest.raises(ValidationFailed):
        # A city must have a name (shapes): one without is refused, and so is the whole request.
        UpdateRunner(store).update(f"INSERT DATA {{ GRAPH <{EX}h> {{ {city} a <{SCHEMA_CITY}> }} }} ; "
                                   f"CLEAR GRAPH <{EX}g>")
    assert state(store) == before


def test_graph_store_writes_take_the_same_path(store):
    runner = UpdateRunner(store)
    graph = ox.NamedNode(f"{EX}g")
    replacement = [ox.Quad(ox.NamedNode(f"{EX}s1"), ox.NamedNode(f"{EX}p"), ox.Literal("1"), graph),
                   ox.Quad(ox.BlankNode("kept"), ox.NamedNode(f"{EX}p"), ox.Literal("new"), graph)]
    assert runner.replace_graph(graph, replacement) is False
    assert set(store.quads(graph)) == set(replacement)          # the blank node keeps its label
    assert runner.merge_graph(ox.NamedNode(f"{EX}n"), replacement[:1]) is True
    assert runner.delete_graph(ox.NamedNode(f"{EX}n")) is True
    assert runner.delete_graph(ox.NamedNode(f"{EX}n")) is False
    empty = ox.NamedNode(f"{EX}empty")
    assert runner.replace_graph(empty, []) is True and empty in store.graph_names()


# -- the incremental check judges what the change can alter, no less -------------------------------

@pytest.fixture
def shipped_copy(shipped_store):
    store = OxigraphStore(None)
    store.add(shipped_store.quads())
    return store


def _member_city(store):
    row = next(iter(store.query(
        "SELECT ?m ?c WHERE { ?m a <http://www.w3.org/ns/org#Membership> ; "
        "<http://www.w3.org/ns/org#member> ?c . ?c a <https://schema.org/City> } LIMIT 1")))
    return row["m"], row["c"]


def test_a_property_of_a_node_is_judged_on_that_node_alone(shipped_copy):
    from innograph.service.loading import check_change
    _, city = _member_city(shipped_copy)
    report = check_change(shipped_copy, add=[ox.Quad(city, ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs"),
                                                      ox.NamedNode("http://www.wikidata.org/entity/Q1"),
                                                      ox.NamedNode(f"{EX}g"))])
    assert report.conforms and report.focus_count == 1


def test_a_type_change_is_judged_on_the_nodes_that_point_at_it(shipped_copy):
    """The shapes read a value's rdf:type (sh:class): removing a city's types breaks the memberships
    that name it as member, and the check must find that."""
    from innograph.service.loading import check_change
    membership, city = _member_city(shipped_copy)
    types = list(shipped_copy.quads_matching(subject=city, predicate=ox.NamedNode(
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#type")))
    report = check_change(shipped_copy, remove=types)
    assert not report.conforms
    assert any(v.focus_node == f"<{membership.value}>" and v.path == "org:member" for v in report.violations)


def test_restating_what_another_graph_states_changes_nothing_but_is_warned(shipped_copy):
    from innograph.service.loading import check_change
    _, city = _member_city(shipped_copy)
    restated = [ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(f"{EX}copy"))
                for q in shipped_copy.quads_matching(subject=city)]
    report = check_change(shipped_copy, add=restated)
    assert report.conforms and report.focus_count == 0
    assert any("stated in two graphs" in v.message for v in report.violations)
