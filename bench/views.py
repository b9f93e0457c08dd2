"""Relationship views at scale: build each view and its metrics on synthetic graphs of 10k and 100k nodes.

The data is generated here, lean but ontology-conformant (docs/design.md): cities with labels,
countries and coordinates; city alliances (ig:CityAlliance) with dated org:Memberships (role,
org:memberDuring -> time:Interval -> time:hasBeginning -> time:Instant with time:inXSDgYear, some
ended, each prov:wasDerivedFrom a source); bilateral ig:MemorandumOfUnderstanding with two
ig:party and a dcterms:date; one institution based in each city. ``innograph synth`` writes richer
data (~1,000 triples a city), which would need ~90M triples for a 100k-node alliance view; the
views only read memberships, agreements and node facts, so this generator writes just those
(~20 triples a node). The target size is the number of nodes of the alliances view.

Per size it reports the time to build each view from SPARQL and to compute its metrics, and the
peak growth of the process's resident memory during each step (native store memory included);
and, as a named peer, the same alliances graph built by a naive Python walk over the store's
triples (quads_for_pattern per membership), with the ratio.
Quick: 10k nodes. Full: 10k and 100k.
"""

from __future__ import annotations

import random
import time

import pyoxigraph as ox

from innograph.views import networks
from innograph.namespaces import ID_BASE, PREFIXES
from innograph.store import OxigraphStore

RDF, RDFS, XSD, ORG, TIME, PROV, SCHEMA, IG, DCT = (PREFIXES[p] for p in (
    "rdf", "rdfs", "xsd", "org", "time", "prov", "schema", "ig", "dcterms"))
GRAPH = ox.NamedNode("https://w3id.org/innograph/graph/bench-views")


def synthetic_store(nodes: int, seed: int = 5) -> tuple[OxigraphStore, dict]:
    """An in-memory store whose alliances view has about ``nodes`` nodes (8 cities per alliance on
    average, 40% of cities in a second alliance)."""
    rng = random.Random(seed)
    cities = int(nodes / 1.125)
    alliances = max(1, cities // 8)
    lines: list[str] = []
    add = lines.append
    iri = lambda kind, i: f"<{ID_BASE}{kind}/bench-{i}>"  # noqa: E731
    source = f"<{ID_BASE}source/bench-source>"
    add(f'{source} <{RDF}type> <{PROV}Entity> .')
    add(f'{source} <{RDFS}label> "Synthetic benchmark source"@en .')
    for role in ("founding-member", "member-joined-later"):
        add(f'<{ID_BASE}role/{role}> <{RDF}type> <{ORG}Role> .')
        add(f'<{ID_BASE}role/{role}> <{RDFS}label> "{role.replace("-", " ")}"@en .')
    for c in range(40):
        add(f'{iri("country", c)} <{RDF}type> <{SCHEMA}Country> .')
        add(f'{iri("country", c)} <{RDFS}label> "Country {c}"@en .')
    for i in range(cities):
        city = iri("city", i)
        add(f'{city} <{RDF}type> <{SCHEMA}City> .')
        add(f'{city} <{RDFS}label> "City {i}"@en .')
        add(f'{city} <{IG}country> {iri("country", i % 40)} .')
        add(f'{city} <{SCHEMA}latitude> "{rng.uniform(-60, 70):.4f}"^^<{XSD}decimal> .')
        add(f'{city} <{SCHEMA}longitude> "{rng.uniform(-180, 180):.4f}"^^<{XSD}decimal> .')
        org = iri("organization", i)
        add(f'{org} <{RDF}type> <{ORG}FormalOrganization> .')
        add(f'{org} <{RDFS}label> "Institute {i}"@en .')
        add(f'{org} <{IG}basedIn> {city} .')
    for a in range(alliances):
        add(f'{iri("alliance", a)} <{RDF}type> <{IG}CityAlliance> .')
        add(f'{iri("alliance", a)} <{RDFS}label> "Alliance {a}"@en .')
    founded = {a: rng.randint(1990, 2020) for a in range(alliances)}
    memberships = 0
    for i in range(cities):
        chosen = {i % alliances} | ({rng.randrange(alliances)} if rng.random() < 0.4 else set())
        for a in chosen:
            m = iri("membership", memberships)
            memberships += 1
            start = founded[a] + (0 if rng.random() < 0.6 else rng.randint(1, 6))
            role = "founding-member" if start == founded[a] else "member-joined-later"
            add(f'{m} <{RDF}type> <{ORG}Membership> .')
            add(f'{m} <{RDFS}label> "membership {memberships}"@en .')
            add(f'{m} <{ORG}member> {iri("city", i)} .')
            add(f'{m} <{ORG}organization> {iri("alliance", a)} .')
            add(f'{m} <{ORG}role> <{ID_BASE}role/{role}> .')
            add(f'{m} <{ORG}memberDuring> _:i{memberships} .')
            add(f'_:i{memberships} <{RDF}type> <{TIME}Interval> .')
            add(f'_:i{memberships} <{TIME}hasBeginning> _:b{memberships} .')
            add(f'_:b{memberships} <{RDF}type> <{TIME}Instant> .')
            add(f'_:b{memberships} <{TIME}inXSDgYear> "{start}"^^<{XSD}gYear> .')
            if rng.random() < 0.1:
                add(f'_:i{memberships} <{TIME}hasEnd> _:e{memberships} .')
                add(f'_:e{memberships} <{RDF}type> <{TIME}Instant> .')
                add(f'_:e{memberships} <{TIME}inXSDgYear> "{start + rng.randint(1, 5)}"^^<{XSD}gYear> .')
            add(f'{m} <{PROV}wasDerivedFrom> {source} .')
    agreements = cities // 2
    for g in range(agreements):
        a, b = rng.sample(range(cities), 2)
        mou = iri("agreement", g)
        add(f'{mou} <{RDF}type> <{IG}MemorandumOfUnderstanding> .')
        add(f'{mou} <{RDFS}label> "MOU {g}"@en .')
        add(f'{mou} <{IG}party> {iri("city", a)} .')
        add(f'{mou} <{IG}party> {iri("city", b)} .')
        add(f'{mou} <{DCT}date> "{rng.randint(2000, 2025)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"^^<{XSD}date> .')
        add(f'{mou} <{PROV}wasDerivedFrom> {source} .')
    store = OxigraphStore(None)
    store.add(ox.Quad(t.subject, t.predicate, t.object, GRAPH)
              for t in ox.parse("\n".join(lines).encode(), format=ox.RdfFormat.N_TRIPLES))
    return store, {"cities": cities, "alliances": alliances, "memberships": memberships,
                   "agreements": agreements, "triples": len(lines)}


def naive_alliances(store) -> int:
    """The peer: the alliance graph by walking the store's triples from Python (no SPARQL)."""
    import networkx as nx
    rdf_type, membership = ox.NamedNode(RDF + "type"), ox.NamedNode(ORG + "Membership")
    member, organization = ox.NamedNode(ORG + "member"), ox.NamedNode(ORG + "organization")
    label = ox.NamedNode(RDFS + "label")
    graph = nx.MultiDiGraph()
    for quad in store.quads_matching(None, rdf_type, membership):
        m = quad.subject
        a = next(store.quads_matching(m, member, None)).object
        b = next(store.quads_matching(m, organization, None)).object
        graph.add_edge(a.value, b.value, key=m.value)
    for node in list(graph.nodes):
        first = next(store.quads_matching(ox.NamedNode(node), label, None), None)
        graph.nodes[node]["label"] = first.object.value if first else node
    return graph.number_of_nodes()


def measure(function):
    """(result, seconds, peak RSS growth in bytes): RSS sampled every 20 ms in a thread, so the
    store's native (Rust) allocations count too, not only the Python heap."""
    import threading

    import psutil
    process = psutil.Process()
    base = process.memory_info().rss
    peak = [base]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], process.memory_info().rss)
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    result = function()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    peak[0] = max(peak[0], process.memory_info().rss)
    return result, seconds, peak[0] - base


def run(quick: bool) -> None:
    sizes = [10_000] if quick else [10_000, 100_000]
    print(f"{'size':>8}  {'step':<34} {'nodes':>8} {'edges':>8} {'seconds':>9} {'+RSS MiB':>9}")
    for size in sizes:
        start = time.perf_counter()
        store, shape = synthetic_store(size)
        print(f"{size:>8}  generated {shape['triples']:,} triples ({shape['cities']:,} cities, "
              f"{shape['alliances']:,} alliances, {shape['memberships']:,} memberships, "
              f"{shape['agreements']:,} MOUs) in {time.perf_counter() - start:.1f} s")
        city = f"{ID_BASE}city/bench-0"
        builds = [("alliances", {}), ("alliances as_of=2010", {"as_of": 2010}), ("partnerships", {}),
                  ("city_projection", {}), ("ecosystem city=bench-0", {"city": city})]
        built = {}
        for name, params in builds:
            view = name.split()[0]
            graph, seconds, peak = measure(lambda: networks.build(store, view, **params))
            built[name] = (graph, seconds)
            print(f"{size:>8}  build {name:<28} {graph.number_of_nodes():>8,} {graph.number_of_edges():>8,} "
                  f"{seconds:>9.2f} {peak / 2**20:>9.1f}")
        for name in ("alliances", "partnerships", "city_projection"):
            graph = built[name][0]
            result, seconds, peak = measure(lambda: networks.metrics(graph))
            sampled = f" (betweenness from {result['betweenness_sampled']} pivots)" if result["betweenness_sampled"] else ""
            print(f"{size:>8}  metrics {name:<26} {graph.number_of_nodes():>8,} {graph.number_of_edges():>8,} "
                  f"{seconds:>9.2f} {peak / 2**20:>9.1f}{sampled}")
        nodes, seconds, peak = measure(lambda: naive_alliances(store))
        ours = built["alliances"][1]
        print(f"{size:>8}  peer: naive Python triple walk      {nodes:>8,} {'':>8} {seconds:>9.2f} {peak / 2**20:>9.1f}"
              f"  (the SPARQL builder takes {ours / seconds:.1f}x as long; the walk fetches only members and "
              f"labels, not roles, dates, sources, countries or coordinates)")
        store.close()
