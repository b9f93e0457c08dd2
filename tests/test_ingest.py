"""innograph ingest: RML mappings of CSV tables, refused row by row (file:line:column) or committed whole."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from innograph.cli import main
from innograph.ingest.pipeline import IngestFailed, ingest
from innograph.service.loading import load_validated
from innograph.store import OxigraphStore

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
ID = "https://w3id.org/innograph/id/"
SEED = sorted(p for p in (ROOT / "data").glob("*.ttl") if not p.name.startswith("breadth-"))
GRAPH = "https://w3id.org/innograph/graph/sector-companies"


def seed_store(path: Path | None = None) -> OxigraphStore:
    store = OxigraphStore(path)
    load_validated(store, SEED)
    return store


def nquads(store) -> list[str]:
    return sorted(str(q) for q in store.quads())


@pytest.fixture(scope="module")
def seeded():
    store = seed_store()
    yield store
    store.close()


@pytest.fixture
def table(tmp_path):
    """A copy of the fixture mapping and CSV; tests append rows to the CSV."""
    for name in ("sector-companies.csv", "sector-companies.rml.ttl"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    return tmp_path


def test_good_table_is_committed_into_its_own_graph(seeded, table):
    store = seed_store()
    result = ingest(store, [table / "sector-companies.rml.ttl"])
    assert result.committed and [d.graph for d in result.datasets] == [GRAPH]
    rows = list(store.query(
        "PREFIX ig: <https://w3id.org/innograph/ontology#> "
        "PREFIX sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#> "
        "SELECT ?sector ?value WHERE { GRAPH <" + GRAPH + "> { ?o ig:sector ?sector ; sdmx-measure:obsValue ?value } } "
        "ORDER BY ?sector"))
    assert [(r["sector"].value.rsplit("/", 1)[-1], int(r["value"].value)) for r in rows] == [("bio", 310), ("space", 120)]
    store.close()


def test_bad_datatype_and_unknown_sector_are_refused_by_file_line_and_column(seeded, table):
    csv_path = table / "sector-companies.csv"
    with csv_path.open("a", encoding="utf-8") as handle:
        handle.write("daejeon,20x4,quantum,40,https://example.org/q\n")          # line 4: bad year
        handle.write("daejeon,2024,spaceships,7,https://example.org/s\n")        # line 5: unknown sector
    before = nquads(seeded)
    with pytest.raises(IngestFailed) as caught:
        ingest(seeded, [table / "sector-companies.rml.ttl"])
    text = str(caught.value)
    assert "sector-companies.csv:4:2 (column year): '20x4' is not xsd:gYear" in text
    assert "sector-companies.csv:5:3 (column sector):" in text
    assert "<https://w3id.org/innograph/id/concept/sector/spaceships>" in text
    lines = {(p.origin.line, p.origin.column) for p in caught.value.problems}
    assert lines == {(4, "year"), (5, "sector")}, caught.value.problems
    assert nquads(seeded) == before


def test_dry_run_writes_nothing(seeded, table):
    before = nquads(seeded)
    result = ingest(seeded, [table / "sector-companies.rml.ttl"], dry_run=True)
    assert not result.committed and result.triples > 0
    assert nquads(seeded) == before


def test_cli_refuses_bad_row_with_exit_1_and_leaves_the_store_as_it_was(tmp_path, table):
    seed_store(tmp_path / "store").close()
    with (table / "sector-companies.csv").open("a", encoding="utf-8") as handle:
        handle.write("daejeon,2024,spaceships,7,https://example.org/s\n")
    before = nquads_of(tmp_path / "store")
    runner = CliRunner()
    bad = runner.invoke(main, ["--store", str(tmp_path / "store"), "ingest", str(table / "sector-companies.rml.ttl")])
    assert bad.exit_code == 1, bad.output
    assert "sector-companies.csv:4:3 (column sector)" in bad.output
    assert "nothing was written" in bad.output
    assert nquads_of(tmp_path / "store") == before
    dry = runner.invoke(main, ["--store", str(tmp_path / "store"), "ingest", "--dry-run",
                               "--source", f"sector-companies.csv={FIXTURES / 'sector-companies.csv'}",
                               str(table / "sector-companies.rml.ttl")])
    assert dry.exit_code == 0, dry.output
    assert "would ingest 2 row(s)" in dry.output
    assert nquads_of(tmp_path / "store") == before


def nquads_of(path: Path) -> list[str]:
    store = OxigraphStore(path)
    try:
        return nquads(store)
    finally:
        store.close()


def test_ror_organisations_keep_the_seed_iris_of_kaist_and_kriss(shipped_store):
    # One node per ROR id over the union of graphs, and it is the seed's; the ROR record's own
    # facts (its provenance) are in the breadth graph, the seed's sameAs is not restated there.
    rows = list(shipped_store.query(
        "SELECT ?node (COUNT(*) AS ?n) WHERE { ?node <http://www.w3.org/2002/07/owl#sameAs> ?ror "
        "VALUES ?ror { <https://ror.org/05apxxy63> <https://ror.org/01az7b475> } } GROUP BY ?node ORDER BY ?node"))
    assert [(r["node"].value, int(r["n"].value)) for r in rows] == [
        ("https://w3id.org/innograph/id/organization/kaist", 1), ("https://w3id.org/innograph/id/organization/kriss", 1)]
    assert shipped_store.query(
        "ASK { GRAPH <https://w3id.org/innograph/graph/breadth-ror-organisations> "
        "{ <https://w3id.org/innograph/id/organization/kriss> <http://www.w3.org/ns/prov#wasDerivedFrom> ?s } }")
    # The seed's English label wins over ROR's display name.
    labels = [r["l"].value for r in shipped_store.query(
        "SELECT ?l WHERE { <https://w3id.org/innograph/id/organization/kaist> "
        "<http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER(LANG(?l) = 'en') }")]
    assert labels == ["KAIST"]


def test_every_breadth_statement_node_names_its_source(shipped_store):
    missing = list(shipped_store.query(
        "PREFIX ig: <https://w3id.org/innograph/ontology#> PREFIX prov: <http://www.w3.org/ns/prov#> "
        "SELECT ?n WHERE { GRAPH ?g { ?n a ig:RankingResult } "
        "FILTER(STRSTARTS(STR(?g), 'https://w3id.org/innograph/graph/breadth-')) "
        "FILTER NOT EXISTS { ?n prov:wasDerivedFrom ?s } }"))
    assert missing == []


def test_template_from_the_shapes_filled_and_ingested_shows_on_the_page_and_in_queries(shipped_store, tmp_path):
    from publishing_app import publishing_app

    store = OxigraphStore(tmp_path / "store")
    store.add(shipped_store.quads())
    store.close()
    runner = CliRunner()
    made = runner.invoke(main, ["--store", str(tmp_path / "store"), "template", "schema:ResearchOrganization",
                                "-o", str(tmp_path / "tpl")])
    assert made.exit_code == 0, made.output
    table = tmp_path / "tpl" / "researchorganization.csv"
    lines = table.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    # From OrganizationShape: labels per sh:languageIn, English required (sh:qualifiedMinCount),
    # IRI columns with the store's instances of their sh:class as allowed values.
    assert header[:3] == ["id", "label_en", "label_ko"]
    assert {"country", "basedIn", "subOrganizationOf", "homepage", "sameAs"} <= set(header)
    assert "# label_en (required): text in language 'en'" in lines
    assert "# label_ko (optional): text in language 'ko'" in lines
    country = next(line for line in lines if line.startswith("# country "))
    assert "country/south-korea" in country and "country/spain" in country
    assert any(line.startswith("# homepage (optional)") and "matching ^https://" in line for line in lines)
    assert lines[-1].startswith("# example: example-research-institute,Example Research Institute")
    # A researcher fills one row (the commented lines stay) and ingests it.
    row = {name: "" for name in header}
    row.update({"id": "Daejeon Quantum Lab", "label_en": "Daejeon Quantum Lab", "label_ko": "대전 양자 연구소",
                "country": "country/south-korea", "basedIn": "city/daejeon",
                "subOrganizationOf": "organization/kriss", "homepage": "https://quantum.example.org/",
                "source": "https://quantum.example.org/about (the lab's own page)"})
    with table.open("a", encoding="utf-8") as handle:
        handle.write(",".join(row[name] for name in header) + "\n")
    ingested = runner.invoke(main, ["--store", str(tmp_path / "store"), "ingest",
                                    str(tmp_path / "tpl" / "researchorganization.rml.ttl")])
    assert ingested.exit_code == 0, ingested.output
    assert "ingested 1 row(s)" in ingested.output
    filled = OxigraphStore(tmp_path / "store")
    try:
        rows = list(filled.query(
            "PREFIX schema: <https://schema.org/> PREFIX ig: <https://w3id.org/innograph/ontology#> "
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX org: <http://www.w3.org/ns/org#> "
            "SELECT ?o ?parent WHERE { ?o a schema:ResearchOrganization ; ig:basedIn <" + ID + "city/daejeon> ; "
            "rdfs:label 'Daejeon Quantum Lab'@en ; org:subOrganizationOf ?parent }"))
        assert [(r["o"].value, r["parent"].value) for r in rows] == [
            (ID + "organization/daejeon-quantum-lab", ID + "organization/kriss")]
        with publishing_app(filled, tmp_path / "app") as app:
            page = app.test_client().get("/doc/organization/daejeon-quantum-lab", headers={"Accept": "text/html"})
            assert page.status_code == 200
            html = page.get_data(as_text=True)
            assert "Daejeon Quantum Lab" in html and "대전 양자 연구소" in html
    finally:
        filled.close()


def test_template_for_a_class_without_a_shape_is_refused(tmp_path):
    result = CliRunner().invoke(main, ["--store", str(tmp_path / "store"), "template", "schema:Thing",
                                       "-o", str(tmp_path / "tpl")])
    assert result.exit_code == 2
    assert "no shape targets schema:Thing" in result.output
    assert "schema:ResearchOrganization" in result.output
