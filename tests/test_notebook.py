"""The example notebook (docs/notebooks/tour.ipynb) runs from top to bottom on a real kernel, so it
cannot rot; and the Python API answers what the notebook shows, checked against the data."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient

import innograph

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "docs" / "notebooks" / "tour.ipynb"
GINI = "https://w3id.org/innograph/id/alliance/gini"
FOUNDERS = {"Daejeon", "Dortmund", "Málaga", "Montgomery County", "Seattle"}


@pytest.mark.slow
def test_the_tour_notebook_runs_and_shows_the_alliance_growing(tmp_path):
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = "\n".join(output.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
                        for output in cell.get("outputs", []) if output.get("output_type") == "stream")
    assert "joined in 2025: ['Quebec']" in outputs
    assert any(output.get("output_type") in {"display_data", "execute_result"}
               and "image/png" in output.get("data", {})
               for cell in notebook.cells for output in cell.get("outputs", [])), "the network is not drawn"


@pytest.fixture(scope="module")
def kg():
    with innograph.open("memory") as graph:
        graph.load(innograph.shipped_data())
        yield graph


def test_the_alliance_as_of_2024_is_gini_and_its_five_founders(kg):
    net = kg.view("alliances", as_of=2024)
    assert {net.nodes[m]["label"] for m in net.predecessors(GINI)} == FOUNDERS
    later = kg.view("alliances", as_of=2025)
    assert {later.nodes[m]["label"] for m in later.predecessors(GINI)} == FOUNDERS | {"Quebec"}


def test_query_gives_dataframes_with_typed_columns(kg):
    change = kg.query("population-change", year=2024)
    assert isinstance(change, pd.DataFrame) and len(change) > 0
    assert str(change["year"].dtype) == "Int64" and set(change["year"]) == {2024}
    assert str(change["change"].dtype) == "Int64"
    figures = kg.query("SELECT ?v WHERE { ?o sdmx-measure:obsValue ?v . FILTER(datatype(?v) = xsd:decimal) } LIMIT 5")
    assert str(figures["v"].dtype) == "float64" and len(figures) == 5
    dated = kg.query("SELECT ?d WHERE { ?s schema:startDate ?d . FILTER(datatype(?d) = xsd:date) } LIMIT 3")
    assert str(dated["d"].dtype).startswith("datetime64") and len(dated) == 3


def test_query_of_other_forms_and_python_parameters(kg):
    assert kg.query("ASK { ?c a schema:City }") is True
    graph = kg.query("CONSTRUCT { ?c a schema:City } WHERE { ?c a schema:City }")
    cities = kg.query("SELECT ?c WHERE { ?c a schema:City }")
    assert len(graph) == len(cities) > 5
    one = kg.query("SELECT ?label WHERE { ?c rdfs:label ?label FILTER(lang(?label) = 'en') }",
                   c="<https://w3id.org/innograph/id/city/daejeon>")
    assert list(one["label"]) == ["Daejeon"]


def test_query_errors_are_innograph_errors_with_a_hint(kg):
    with pytest.raises(innograph.NotFound, match="did you mean 'alliance-members'"):
        kg.query("aliance-members")
    with pytest.raises(innograph.QuerySyntaxError, match="undeclared prefix 'nope:'"):
        kg.query("SELECT * WHERE { ?s nope:p ?o }")
    with pytest.raises(innograph.UsageError, match="parameter 'year'"):
        kg.query("population-change", year="soon")


def test_the_time_limit_stops_a_query_in_the_python_api(kg):
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    with pytest.raises(innograph.QueryTimeout):
        kg.query(slow, timeout=0.5)
    assert kg.query("ASK { ?c a schema:City }") is True      # the pool replaced its worker


def test_rows_without_pandas_are_dicts_of_python_values(kg):
    rows = kg.rows("population-change", year=2024)
    assert rows and all(row["year"] == 2024 and isinstance(row["change"], int) for row in rows)
    assert "innograph[notebook]" in repr(rows)


def test_validate_and_failed_load_leave_the_store_unchanged(kg, tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix org: <http://www.w3.org/ns/org#> .\n"
                   "<https://w3id.org/innograph/id/membership/broken> a org:Membership .\n", encoding="utf-8")
    assert kg.validate(bad).conforms is False
    before = kg.stats()["quads"]
    with pytest.raises(innograph.ValidationFailed) as failure:
        kg.load(bad)
    assert failure.value.report.violations
    assert kg.stats()["quads"] == before


def test_export_writes_the_dataset_and_refuses_an_unknown_graph(kg, tmp_path):
    body = kg.export(tmp_path / "all.nq")
    assert (tmp_path / "all.nq").read_bytes() == body and body.count(b"\n") == kg.stats()["quads"]
    with pytest.raises(innograph.NotFound, match="no such named graph"):
        kg.export(format="ttl", graph="https://w3id.org/innograph/graph/nope")
