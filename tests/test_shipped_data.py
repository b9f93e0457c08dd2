"""The shipped data files (data/*.ttl) as a whole: one home per triple, one node per organisation."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
BREADTH = ROOT / "sources" / "breadth"
ID = "https://w3id.org/innograph/id/"
SAME_AS = ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs")


@pytest.fixture(scope="module")
def files() -> dict[str, list[ox.Triple]]:
    return {path.stem: list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
            for path in sorted(DATA.glob("*.ttl"))}


def test_no_triple_is_stored_in_two_files(files):
    # Oxigraph's union default graph keeps a triple once per named graph: a triple in two files
    # would come back twice from every query and double researchers' COUNTs.
    homes: dict[ox.Triple, set[str]] = defaultdict(set)
    for name, triples in files.items():
        for triple in triples:
            if not isinstance(triple.subject, ox.BlankNode) and not isinstance(triple.object, ox.BlankNode):
                homes[triple].add(name)
    shared = {t: sorted(names) for t, names in homes.items() if len(names) > 1}
    assert not shared, f"{len(shared)} triples in two files, e.g. {next(iter(shared.items()))}"


def _ror_ids() -> set[str]:
    with (BREADTH / "ror_gini_places.csv").open(encoding="utf-8") as handle:
        return {row["ror_id"] for row in csv.DictReader(handle)}


def test_every_seed_organisation_with_a_ror_record_is_one_node(files):
    ror_ids = _ror_ids()
    holders: dict[str, set[str]] = defaultdict(set)
    for triples in files.values():
        for t in triples:
            if t.predicate == SAME_AS and t.object.value.startswith("https://ror.org/"):
                holders[t.object.value].add(t.subject.value)
    # Every ROR record of the member places is described by exactly one node.
    assert {ror: nodes for ror, nodes in holders.items() if ror in ror_ids and len(nodes) != 1} == {}
    seed = {t.subject.value for t in files["organisations"]
            if t.predicate.value.endswith("#type") and t.object.value == "http://www.w3.org/ns/org#FormalOrganization"}
    with (ROOT / "mappings" / "ror-seed-organisations.csv").open(encoding="utf-8") as handle:
        table = {row["ror_id"]: row["organisation"] for row in csv.DictReader(handle)}
    seed_ror = {t.object.value: t.subject.value for t in files["organisations"]
                if t.predicate == SAME_AS and t.object.value.startswith("https://ror.org/")}
    expected = {ror: node for ror, node in {**seed_ror, **table}.items() if ror in ror_ids}
    assert expected["https://ror.org/00x514t95"] == ID + "organization/hanbat-national-university"
    assert expected["https://ror.org/01az7b475"] == ID + "organization/kriss"
    for ror, node in expected.items():
        assert node in seed
        assert holders[ror] == {node}, f"{ror} should be described by the seed node {node} only"
    # No second node was minted for them under the ROR-based IRI.
    minted = {t.subject.value for triples in files.values() for t in triples}
    for ror in expected:
        assert ID + "organization/ror-" + ror.rsplit("/", 1)[1] not in minted
