"""Validation that scales: pySHACL (in-memory rdflib graph) against pyshacl-turbo (on a pyoxigraph
Store), and incremental ``check_change`` against a full validation.

1. Full validation of synthetic data with planted violations at 10k and 100k triples (full mode:
   also 1M for pyshacl-turbo): time of each engine and whether their reports are identical
   (focus node, path, value, message, severity, constraint of every result).
2. 1,000 new triples (observations pointing at existing nodes, one planted violation) into a
   store of 100k (quick) or 1M (full) triples: ``check_change`` (what ``innograph load`` runs) with
   each engine, against a full validation of the store after the change (pyshacl-turbo; pySHACL
   too up to 100k, where it still fits in minutes), and whether all find the same violations.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

TRIPLES_PER_CITY = 520
XSD = "http://www.w3.org/2001/XMLSchema#"
ID = "https://w3id.org/innograph/id/"


def _planted(quads: list[ox.Quad]) -> list[ox.Quad]:
    """The data with three kinds of planted violations: a city without labels, shares over 100,
    a membership whose organisation is a city (wrong class)."""
    label = "http://www.w3.org/2000/01/rdf-schema#label"
    out = []
    for q in quads:
        subject = q.subject.value if isinstance(q.subject, ox.NamedNode) else ""
        if q.predicate.value == label and subject.endswith("city/synth-000003"):
            continue
        if q.predicate.value.endswith("#obsValue") and "foreign-resident-share" in subject \
                and subject.endswith("0"):
            q = ox.Quad(q.subject, q.predicate, ox.Literal("150.5", datatype=ox.NamedNode(XSD + "decimal")),
                        q.graph_name)
        if q.predicate.value.endswith("org#organization") and subject.endswith("membership/synth-00001-1"):
            q = ox.Quad(q.subject, q.predicate, ox.NamedNode(ID + "city/synth-000004"), q.graph_name)
        out.append(q)
    return out


def _key(report) -> set:
    return {(v.focus_node, v.path, v.value, v.message, v.severity, v.constraint) for v in report.violations}


def _dataset(path: Path) -> list[ox.Quad]:
    from innograph.service.loading import ontology_graph_quads, parse_sources
    graphs, _ = parse_sources([path])
    graphs.update(ontology_graph_quads())
    return [q for quads in graphs.values() for q in quads]


def _new_triples(cities: int, count: int = 1000) -> list[ox.Quad]:
    """About ``count`` new triples: observations of existing cities, one of them a share over 100."""
    graph = ox.NamedNode("https://w3id.org/innograph/graph/incoming")
    text = ["@base <https://w3id.org/innograph/id/> .",
            "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
            "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
            "@prefix qb: <http://purl.org/linked-data/cube#> .",
            "@prefix prov: <http://www.w3.org/ns/prov#> .",
            "@prefix ig: <https://w3id.org/innograph/ontology#> ."]
    n = count // 12
    for i in range(n):
        city = i * 7 % cities
        value = "150.5" if i == n // 2 else "12.5"
        text.append(f"""<observation/incoming-{i}> a qb:Observation , ig:ShareObservation ;
  rdfs:label "incoming {i}"@en ; qb:dataSet <dataset/synth-city-indicators> ;
  <http://purl.org/linked-data/sdmx/2009/dimension#refArea> <city/synth-{city:06d}> ;
  <http://purl.org/linked-data/sdmx/2009/dimension#refPeriod> "2026"^^xsd:gYear ;
  ig:indicator <concept/synth-indicator-foreign-resident-share> ;
  ig:populationGroup <concept/synth-population-group-foreign-researchers> ;
  <http://purl.org/linked-data/sdmx/2009/measure#obsValue> {value} ;
  <http://purl.org/linked-data/sdmx/2009/attribute#unitMeasure> <http://qudt.org/vocab/unit/PERCENT> ;
  ig:valueQualifier ig:Exact ; prov:wasDerivedFrom <source/synth-report-0> .""")
    return [ox.Quad(q.subject, q.predicate, q.object, graph)
            for q in ox.parse("\n".join(text), ox.RdfFormat.TURTLE)]


def _turbo(quads: list[ox.Quad]):
    import pyshacl_turbo

    from innograph.validation.shacl import _report_from_graph, ontology_graph, shapes_graph
    store = ox.Store()
    store.extend(ox.Quad(q.subject, q.predicate, q.object) for q in quads)
    start = time.perf_counter()
    _, results, _ = pyshacl_turbo.validate(store, shacl_graph=shapes_graph(), ont_graph=ontology_graph(),
                                           inference="none", advanced=False, allow_warnings=True,
                                           allow_infos=True)
    return _report_from_graph(results), time.perf_counter() - start


def _pyshacl(quads: list[ox.Quad]):
    from innograph.validation.shacl import graph_from_quads, validate
    start = time.perf_counter()
    graph = graph_from_quads(quads)
    converted = time.perf_counter() - start
    report = validate(graph, engine="pyshacl")
    return report, time.perf_counter() - start - converted, converted


def run(quick: bool) -> None:
    from innograph.ingest import synth
    from innograph.service.loading import check_change
    from innograph.store import OxigraphStore
    from innograph.validation.shacl import shapes_graph
    shapes_graph()
    rows = []
    with tempfile.TemporaryDirectory(prefix="innograph-bench-") as tmp:
        print("\n## Full validation, synthetic data with planted violations")
        print("| triples | pySHACL (rdflib, in memory) | rdflib copy | pyshacl-turbo (pyoxigraph Store) | ratio | "
              "results | identical |")
        print("|---|---|---|---|---|---|---|")
        for size in ([10_000, 100_000] if quick else [10_000, 100_000, 1_000_000]):
            path = Path(tmp) / f"synth-{size}.nt"
            synth.write(path, cities=max(5, round(size / TRIPLES_PER_CITY)), seed=1)
            quads = _planted(_dataset(path))
            turbo, turbo_s = _turbo(quads)
            if size <= 100_000:
                reference, pyshacl_s, copy_s = _pyshacl(quads)
                same = _key(reference) == _key(turbo)
                rows.append((size, pyshacl_s, turbo_s, same))
                print(f"| {len(quads):,} | {pyshacl_s:.2f} s | {copy_s:.2f} s | {turbo_s:.2f} s | "
                      f"{pyshacl_s / turbo_s:.1f}x | {len(reference.violations)} / {len(turbo.violations)} | "
                      f"{'yes' if same else 'NO'} |", flush=True)
                if not same:
                    only_p, only_t = _key(reference) - _key(turbo), _key(turbo) - _key(reference)
                    print(f"  only pySHACL: {sorted(only_p)[:3]}\n  only turbo: {sorted(only_t)[:3]}")
            else:
                print(f"| {len(quads):,} | (not run) | - | {turbo_s:.2f} s | - | - / {len(turbo.violations)} | - |",
                      flush=True)

        big = 100_000 if quick else 1_000_000
        cities = max(5, round(big / TRIPLES_PER_CITY))
        path = Path(tmp) / f"store-{big}.nt"
        synth.write(path, cities=cities, seed=2)
        quads = _dataset(path)
        store = OxigraphStore(None)
        store.add(quads)
        change = _new_triples(cities)
        graph = change[0].graph_name
        print(f"\n## Incremental: {len(change):,} new triples (one planted violation) into a store of {len(quads):,}")
        print("| check | time | violations |")
        print("|---|---|---|")
        keys = {}
        for engine in ("pyshacl", "turbo"):
            os.environ["INNOGRAPH_VALIDATOR"] = engine
            try:
                start = time.perf_counter()
                incremental = check_change(store, replace={graph: change})
                elapsed = time.perf_counter() - start
            finally:
                del os.environ["INNOGRAPH_VALIDATOR"]
            keys[f"incremental {engine}"] = _key(incremental)
            print(f"| check_change with {engine} ({incremental.focus_count} focus nodes) | {elapsed:.2f} s | "
                  f"{len(incremental.violations)} |", flush=True)
        turbo, turbo_s = _turbo(quads + change)
        keys["full turbo"] = _key(turbo)
        print(f"| full validation, pyshacl-turbo | {turbo_s:.1f} s | {len(turbo.violations)} |", flush=True)
        if big <= 100_000:
            reference, full_s, copy_s = _pyshacl(quads + change)
            keys["full pySHACL"] = _key(reference)
            print(f"| full validation, pySHACL | {full_s:.1f} s (+{copy_s:.1f} s copy to rdflib) | "
                  f"{len(reference.violations)} |")
        agree = len({frozenset(k) for k in keys.values()}) == 1
        print(f"same violations in all {len(keys)} checks: {'yes' if agree else 'NO'}")
        if not agree:
            for name, key in keys.items():
                print(f"  {name}: {sorted(key)[:3]}")
