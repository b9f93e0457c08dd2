"""Every command against a battery of bad inputs: exit 1 or 2 with a one-line message on stderr,
never a Python traceback, and nothing written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from innograph.cli import main
from innograph.store import OxigraphStore

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("cli-errors") / "store"
    result = CliRunner().invoke(main, ["--store", str(path), "load", str(DATA / "alliances.ttl"),
                                       str(DATA / "places.ttl"), str(DATA / "organisations.ttl"),
                                       str(DATA / "sources.ttl")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return str(path)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bad-inputs")
    broken = folder / "broken.ttl"
    broken.write_text("<a> <b> .\n", encoding="utf-8")
    unknown_extension = folder / "table.xlsx"
    unknown_extension.write_text("not rdf", encoding="utf-8")
    bad_mapping = folder / "bad.rml.ttl"
    bad_mapping.write_text("@prefix rr: <http://www.w3.org/ns/r2rml#> . <#m> a rr:TriplesMap ; rr:logicalTable [ .",
                           encoding="utf-8")
    query_file = folder / "broken.rq"
    query_file.write_text("SELECT * WHERE { ?s ?p }", encoding="utf-8")
    a_folder_named_like_a_file = folder / "folder.ttl"
    a_folder_named_like_a_file.mkdir()
    return {"broken": broken, "xlsx": unknown_extension, "mapping": bad_mapping, "rq": query_file,
            "missing": folder / "absent.ttl", "nofolder": folder / "no" / "such" / "out.trig",
            "dirfile": a_folder_named_like_a_file, "folder": folder}


CASES = [
    # (id, arguments with {store} and {file} placeholders, expected exit code, text the message holds)
    ("load a missing path", ["load", "{missing}"], 2, "absent.ttl"),
    ("load broken RDF", ["load", "{broken}"], 2, "broken.ttl:1:"),
    ("load an unknown format", ["load", "{xlsx}"], 2, "table.xlsx"),
    ("load a folder with no RDF", ["load", "{dirfile}"], 2, "folder.ttl"),
    ("validate a missing path", ["validate", "{missing}"], 2, "absent.ttl"),
    ("validate broken RDF", ["validate", "{broken}"], 2, "broken.ttl:1:"),
    ("query an unknown name", ["query", "aliance-members"], 2, "did you mean 'alliance-members'"),
    ("query a bad parameter value", ["query", "population-change", "--param", "year=soon"], 2, "parameter 'year'"),
    ("query an unknown parameter", ["query", "population-change", "--param", "colour=red"], 2, "no parameter 'colour'"),
    ("query a malformed --param", ["query", "population-change", "--param", "year"], 2, "expected NAME=VALUE"),
    ("query a bad IRI parameter", ["query", "alliance-members", "--param", "alliance=not an iri"], 2, "parameter 'alliance'"),
    ("query a syntax error", ["query", "SELECT * WHERE { ?s ?p }"], 2, "1:"),
    ("query an undeclared prefix", ["query", "SELECT * WHERE { ?s nope:p ?o }"], 2, "undeclared prefix 'nope:'"),
    ("query a broken .rq file", ["query", "{rq}"], 2, "1:"),
    ("query a missing .rq file", ["query", "{folder}/absent.rq"], 2, "absent.rq"),
    ("query a missing store", ["--store", "{folder}/nostore", "query", "alliance-members"], 2, "load data first"),
    ("export into a missing folder", ["export", "-o", "{nofolder}"], 2, "does not exist"),
    ("export an unknown graph", ["export", "--graph", "https://w3id.org/innograph/graph/nope"], 2, "no such named graph"),
    ("export a graph that is not an IRI", ["export", "--graph", "not an iri"], 2, "not an IRI"),
    ("stats of a missing store", ["stats", "--store", "{folder}/nostore"], 2, "load data first"),
    ("graph an unknown view", ["graph", "aliances"], 2, "did you mean 'alliances'"),
    ("graph into a missing folder", ["graph", "alliances", "-o", "{folder}/no/such/g.graphml"], 2, "does not exist"),
    ("graph a bad city", ["graph", "ecosystem", "--city", "city/atlantis"], 2, "no place"),
    ("graph an unknown node", ["graph", "alliances", "--explain", "Atlantis", "Daejeon"], 2, "no node 'Atlantis'"),
    ("ingest a broken mapping", ["ingest", "{mapping}"], 2, "bad.rml.ttl"),
    ("ingest a missing mapping", ["ingest", "{folder}/absent.rml.ttl"], 2, "absent.rml.ttl"),
    ("template of an unknown class", ["template", "ig:NoSuchClass"], 2, "NoSuchClass"),
    ("synth into a missing folder", ["synth", "--cities", "1", "-o", "{folder}/no/such/s.nt"], 2, "does not exist"),
    ("synth with a bad extension", ["synth", "--cities", "1", "-o", "{folder}/s.csv"], 2, ".nt or .ttl"),
    ("serve data that is missing", ["serve", "--data", "{missing}"], 2, "absent.ttl"),
    ("an unknown command", ["quer"], 2, "No such command"),
]


@pytest.mark.parametrize("arguments, code, text", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_gets_one_line_and_an_exit_code(store, files, arguments, code, text):
    values = {key: str(value) for key, value in files.items()}
    args = [re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), a) for a in arguments]
    if "--store" not in args:
        args = ["--store", store, *args]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    message = [line for line in result.stderr.splitlines() if line.startswith(("error:", "Error:"))]
    assert message, result.stderr
    assert text in result.stderr, result.stderr
    assert len(message) == 1


def test_a_store_held_by_another_process_is_a_clear_error(store):
    holder = OxigraphStore(store)       # this process holds the store open for writing
    try:
        result = subprocess.run([sys.executable, "-m", "innograph", "--store", store, "load",
                                 str(DATA / "alliances.ttl")], capture_output=True, text=True, timeout=120)
    finally:
        holder.close()
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and store in lines[0], result.stderr


def test_nothing_is_written_by_a_rejected_load(store, files):
    before = CliRunner().invoke(main, ["--store", store, "export", "--format", "nq"]).stdout_bytes
    for bad in (files["broken"], files["xlsx"], files["missing"]):
        CliRunner().invoke(main, ["--store", store, "load", str(DATA / "rankings.ttl"), str(bad)])
    after = CliRunner().invoke(main, ["--store", store, "export", "--format", "nq"]).stdout_bytes
    assert sorted(after.splitlines()) == sorted(before.splitlines())


def test_an_ill_typed_literal_is_a_violation_not_a_traceback(tmp_path):
    data = tmp_path / "ill-typed.ttl"
    data.write_text('<https://w3id.org/innograph/id/observation/x> a <http://purl.org/linked-data/cube#Observation> ; '
                    '<http://purl.org/linked-data/sdmx/2009/measure#obsValue> '
                    '"abc"^^<http://www.w3.org/2001/XMLSchema#decimal> .\n', encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "innograph", "--store", str(tmp_path / "store"), "load",
                             str(data)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert '"abc"^^<http://www.w3.org/2001/XMLSchema#decimal>' in result.stdout + result.stderr
