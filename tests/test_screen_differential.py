"""The SHACL screen of a first load (validation/screen.py) against a full validation, on random damage.

The screen decides which nodes a SHACL engine judges; a node it wrongly passes would let invalid
data in. ``test_load_first.py`` breaks each kind of constraint once; here hypothesis damages valid
synthetic data at random (dropped triples, objects swapped for literals, IRIs, other datatypes and
languages, extra values, extra types) and the screened first load must report exactly what a full
validation of the same files reports.
"""

from __future__ import annotations

import os
import re
import tempfile
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from hypothesis import event, given, strategies as st

from hardening import examples
from innograph.errors import ValidationFailed
from innograph.ingest import synth
from innograph.service.loading import load_validated
from innograph.store import OxigraphStore
from innograph.validation.shacl import shapes_graph

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
REPLACEMENTS = [
    ox.Literal("x"), ox.Literal("観測", language="ja"), ox.Literal("one", language="en"),
    ox.Literal("7", datatype=ox.NamedNode(XSD + "integer")),
    ox.Literal("-3.5", datatype=ox.NamedNode(XSD + "decimal")),
    ox.Literal("abc", datatype=ox.NamedNode(XSD + "decimal")),
    ox.Literal("1850", datatype=ox.NamedNode(XSD + "gYear")),
    ox.Literal("2020-02-30", datatype=ox.NamedNode(XSD + "date")),
    ox.Literal("http://example.org/", datatype=ox.NamedNode(XSD + "anyURI")),
    ox.NamedNode("https://w3id.org/innograph/id/nowhere"),
    ox.NamedNode("http://qudt.org/vocab/unit/M"),
]


# Module-level, not fixtures: hypothesis prints a failing example's arguments, and these are large.
@lru_cache(maxsize=1)
def valid_triples() -> tuple[ox.Triple, ...]:
    with tempfile.TemporaryDirectory() as folder:
        synth.write(Path(folder) / "synth.nt", cities=3, seed=11)
        return tuple(q.triple for q in ox.parse(path=str(Path(folder) / "synth.nt"),
                                                format=ox.RdfFormat.N_TRIPLES))


@lru_cache(maxsize=1)
def target_classes() -> list[ox.NamedNode]:
    sh = "http://www.w3.org/ns/shacl#targetClass"
    return sorted({ox.NamedNode(str(o)) for _, p, o in shapes_graph() if str(p) == sh}, key=str)


@contextmanager
def validator(name: str):
    before = os.environ.get("INNOGRAPH_VALIDATOR")
    os.environ["INNOGRAPH_VALIDATOR"] = name
    try:
        yield
    finally:
        if before is None:
            del os.environ["INNOGRAPH_VALIDATOR"]
        else:
            os.environ["INNOGRAPH_VALIDATOR"] = before


def first_load_report(path: Path, validator_name: str):
    with validator(validator_name):
        store = OxigraphStore(None)
        try:
            return load_validated(store, [path], dry_run=True).report
        except ValidationFailed as refused:
            return refused.report
        finally:
            store.close()


def report_key(report) -> list:
    # Blank node labels are fresh in each load.
    return sorted(tuple(re.sub(r"_:[0-9a-f]+", "_:b", field or "") for field in
                        (v.focus_node, v.path, v.value, v.message, v.severity, v.constraint))
                  for v in report.violations)


damage = st.lists(st.tuples(st.sampled_from(["drop", "replace", "add-value", "add-type"]),
                            st.integers(min_value=0), st.integers(min_value=0)), min_size=1, max_size=4)


@examples(ci=25)
@given(damage=damage)
def test_a_screened_first_load_reports_what_a_full_validation_reports(damage):
    triples, classes = list(valid_triples()), target_classes()
    for kind, at, pick in damage:
        triple = triples[at % len(triples)]
        if kind == "drop":
            triples.remove(triple)
        elif kind == "replace":
            triples[at % len(triples)] = ox.Triple(triple.subject, triple.predicate,
                                                   REPLACEMENTS[pick % len(REPLACEMENTS)])
        elif kind == "add-value":
            triples.append(ox.Triple(triple.subject, triple.predicate, REPLACEMENTS[pick % len(REPLACEMENTS)]))
        else:
            triples.append(ox.Triple(triple.subject, RDF_TYPE, classes[pick % len(classes)]))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "damaged.nt"
        path.write_bytes(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
        screened, full = first_load_report(path, "auto"), first_load_report(path, "turbo")
    missed = set(report_key(full)) - set(report_key(screened))
    assert not missed, f"the screen passed what a full validation refuses: {sorted(missed)[:3]}"
    assert report_key(screened) == report_key(full)
    assert screened.conforms == full.conforms
    event(f"{'refused' if full.violations else 'valid'} after damage")

