"""The command line as a researcher uses it: exit codes, messages, and what reaches the store."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pyoxigraph
import rdflib

from innograph.cli import main

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
OBS_VALUE = rdflib.URIRef("http://purl.org/linked-data/sdmx/2009/measure#obsValue")


def invoke(runner, *args):
    return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)


def sorted_nquads(store_dir: Path) -> list[str]:
    """The store's content as sorted N-Quads lines, read through a separate process (read-only)."""
    out = subprocess.run([sys.executable, "-m", "innograph", "--store", str(store_dir), "export",
                          "--format", "nq"], capture_output=True, check=True)
    return sorted(out.stdout.decode().splitlines())


def test_validate_shipped_data_exits_0(runner):
    result = invoke(runner, "validate", DATA)
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


def test_one_wrong_datatype_exits_1_naming_node_and_property(runner, tmp_path):
    copy = tmp_path / "data"
    shutil.copytree(DATA, copy)
    stats = copy / "statistics.ttl"
    graph = rdflib.Graph().parse(stats)
    subject, _, value = next(iter(sorted(graph.triples((None, OBS_VALUE, None)))))
    graph.remove((subject, OBS_VALUE, value))
    graph.add((subject, OBS_VALUE, rdflib.Literal("many")))
    stats.write_text(graph.serialize(format="turtle"), encoding="utf-8")

    result = invoke(runner, "validate", copy)
    assert result.exit_code == 1
    slug = str(subject).rsplit("/", 1)[-1]
    violation_lines = [line for line in result.stderr.splitlines() if slug in line]
    assert violation_lines, result.stderr
    assert any("sdmx-measure:obsValue" in line for line in violation_lines)


def test_validate_json_report_lists_violations(runner, tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ig: <https://w3id.org/innograph/ontology#> .\n"
                   "<https://w3id.org/innograph/id/ranking-result/x> a ig:RankingResult .\n",
                   encoding="utf-8")
    result = invoke(runner, "validate", "--format", "json", bad)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["conforms"] is False
    focus = {v["focus_node"] for v in report["violations"]}
    assert focus == {"<https://w3id.org/innograph/id/ranking-result/x>"}
    assert all(v["message"] and v["severity"] == "Violation" for v in report["violations"])


def test_syntax_error_names_file_line_and_column(runner, tmp_path):
    broken = tmp_path / "broken.ttl"
    broken.write_text('@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b "open .\n',
                      encoding="utf-8")
    result = invoke(runner, "validate", broken)
    assert result.exit_code == 2
    assert f"{broken}:3:" in result.stderr
    assert "Traceback" not in result.stderr


def test_load_query_export_stats_round(runner, tmp_path):
    store = tmp_path / "store"
    result = invoke(runner, "--store", store, "load", DATA)
    assert result.exit_code == 0, result.output
    assert "valid" in result.output

    result = invoke(runner, "--store", store, "query", "--format", "csv",
                    "SELECT (COUNT(*) AS ?n) WHERE { ?s a <http://www.w3.org/ns/org#Membership> }")
    assert result.exit_code == 0
    count = int(result.stdout.splitlines()[1])
    assert count >= 6

    result = invoke(runner, "--store", store, "stats", "--format", "json")
    figures = json.loads(result.stdout)
    assert "https://w3id.org/innograph/graph/alliances" in figures["graphs"]
    assert "https://w3id.org/innograph/graph/ontology" in figures["graphs"]
    assert figures["classes"]["http://www.w3.org/ns/org#Membership"] == count

    out = tmp_path / "dump.trig"
    result = invoke(runner, "--store", store, "export", "--format", "trig", "-o", out)
    assert result.exit_code == 0
    quads = list(pyoxigraph.parse(path=str(out)))
    assert len(quads) == figures["quads"]
    assert {q.graph_name.value for q in quads} == set(figures["graphs"])


def test_failed_load_leaves_store_byte_for_byte_unchanged(runner, tmp_path):
    store = tmp_path / "store"
    assert invoke(runner, "--store", store, "load", DATA).exit_code == 0
    before = sorted_nquads(store)

    invalid = tmp_path / "alliances.ttl"   # same stem: would replace graph/alliances
    invalid.write_text("@prefix org: <http://www.w3.org/ns/org#> .\n"
                       "<https://w3id.org/innograph/id/membership/broken> a org:Membership .\n",
                       encoding="utf-8")
    result = invoke(runner, "--store", store, "load", invalid)
    assert result.exit_code == 1
    assert "nothing was written" in result.stderr
    assert sorted_nquads(store) == before

    broken = tmp_path / "places.ttl"
    broken.write_text("<a> <b> .\n", encoding="utf-8")
    result = invoke(runner, "--store", store, "load", broken)
    assert result.exit_code == 2
    assert sorted_nquads(store) == before


def test_query_wrong_format_for_result_kind_is_a_usage_error(runner, tmp_path):
    store = tmp_path / "store"
    invoke(runner, "--store", store, "load", DATA)
    result = invoke(runner, "--store", store, "query", "--format", "turtle", "SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    assert result.exit_code == 2
    assert "--format turtle" in result.stderr


def test_query_syntax_error_says_where(runner, tmp_path):
    store = tmp_path / "store"
    invoke(runner, "--store", store, "load", DATA)
    result = invoke(runner, "--store", store, "query", "SELECT * WHERE { ?s ?p }")
    assert result.exit_code == 2
    assert "1:" in result.stderr and "Traceback" not in result.stderr


def test_reading_a_missing_store_says_how_to_create_it(runner, tmp_path):
    result = invoke(runner, "--store", tmp_path / "nowhere", "stats")
    assert result.exit_code == 2
    assert "load data first" in result.stderr


def test_every_command_and_option_is_documented(runner):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, command in main.commands.items():
        assert command.help, f"{name} has no help text"
        assert f"innograph {name}" in readme, f"README does not show 'innograph {name}'"
        result = invoke(runner, name, "--help")
        assert result.exit_code == 0
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"{name} {param.opts} has no help text"
                assert param.opts[-1] in result.output


def test_named_query_parameters_are_bound_with_their_declared_type(runner, tmp_path):
    store = tmp_path / "store"
    invoke(runner, "--store", store, "load", DATA)
    result = invoke(runner, "--store", store, "query", "population-change", "--param", "year=2024",
                    "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = result.stdout.splitlines()[1:]
    assert rows and all(",2024," in row for row in rows)
    result = invoke(runner, "--store", store, "query", "population-change", "--param", "year=twenty")
    assert result.exit_code == 2 and "parameter 'year'" in result.stderr
    result = invoke(runner, "--store", store, "query", "population-change", "--param", "colour=red")
    assert result.exit_code == 2 and "no parameter 'colour'" in result.stderr
