"""Data versions (docs/versions.md): the change log, past versions, citations, the sources of rows."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import bibtexparser
import pyoxigraph as ox
import pytest
import rispy
from citeproc.source.json import CiteProcJSON

import innograph
from innograph.cli import main as cli
from innograph.errors import NotFound, StoreError
from innograph.service.loading import commit, load_validated
from innograph.store import OxigraphStore
from innograph.versions import LOG_FOLDER, forget, log_for, recording, store_state, version_id
from innograph.versions.log import VersionLog
from innograph.versions.sources import project_everything
from publishing_app import publishing_app

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "versions-t0ken"
IG = "https://w3id.org/innograph/"
ALLIANCES = f"<{IG}graph/alliances>"
GINI = f"<{IG}id/alliance/gini>"
COMMENT = "<http://www.w3.org/2000/01/rdf-schema#comment>"
KOREA_HERALD = f"{IG}id/source/korea-herald-global-thinkers-2026-02-08"
NEWSIS = f"{IG}id/source/newsis-nisx20250614-0003213113"
SMALL = """@prefix ex: <http://example.org/> .
ex:a ex:p "one" ; ex:q [ ex:r "blank" ] .
"""


def _head_agrees(store) -> bool:
    head = log_for(store).head
    return (head.state if head is not None else f"{0:064x}") == f"{store_state(store):064x}"


# -- the log ---------------------------------------------------------------------------------------

def _add(store, text: str) -> None:
    quads = [ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode("http://example.org/g"))
             for q in ox.parse(text.encode(), ox.RdfFormat.TURTLE)]
    with recording(store, added=quads):
        store.add(quads)


def test_version_ids_come_from_the_content_not_the_history(tmp_path):
    first, second = OxigraphStore(None), OxigraphStore(tmp_path / "s")
    try:
        _add(first, '<http://example.org/a> <http://example.org/p> "1" .')
        _add(first, '<http://example.org/b> <http://example.org/p> "2" .')
        _add(second, '<http://example.org/b> <http://example.org/p> "2" .\n'
                     '<http://example.org/a> <http://example.org/p> "1" .')
        assert [v.seq for v in log_for(first).versions()] == [1, 2]
        assert log_for(first).head.id == log_for(second).head.id        # same content, other history
        assert log_for(first).versions()[0].id != log_for(first).head.id
        before = log_for(first).head.id
        quad = ox.Quad(ox.NamedNode("http://example.org/c"), ox.NamedNode("http://example.org/p"),
                       ox.Literal("3"), ox.NamedNode("http://example.org/g"))
        _add(first, '<http://example.org/c> <http://example.org/p> "3" .')
        with recording(first, removed=[quad]):
            first.update("DELETE DATA { GRAPH <http://example.org/g> { <http://example.org/c> "
                         "<http://example.org/p> \"3\" } }")
        assert log_for(first).head.id == before                          # back to the same content
        assert log_for(first).head.removed == {"http://example.org/g": 1}
        # Adding what is already there changes nothing and records nothing.
        _add(first, '<http://example.org/a> <http://example.org/p> "1" .')
        assert len(log_for(first).versions()) == 4
        assert _head_agrees(first) and _head_agrees(second)
    finally:
        first.close()
        second.close()


def test_the_log_records_quads_as_the_store_holds_them(tmp_path):
    """Oxigraph keeps typed literals in canonical form ("82.50"^^xsd:decimal becomes "82.5"): the log
    must record what the store holds, whichever way the write came."""
    store = OxigraphStore(tmp_path / "store")
    try:
        _add(store, '<http://example.org/a> <http://example.org/p> "82.50"^^<http://www.w3.org/2001/XMLSchema#decimal> .')
        graph = ox.NamedNode("http://example.org/replaced")
        quads = [ox.Quad(ox.NamedNode("http://example.org/b"), ox.NamedNode("http://example.org/p"),
                         ox.Literal("079.000", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")),
                         graph)]
        commit(store, {graph: quads})
        assert _head_agrees(store)
        assert '"82.5"' in log_for(store).patch(log_for(store).versions()[0])
        with recording(store, removed=[ox.Quad(ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/p"),
                                               ox.Literal("82.500", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")),
                                               ox.NamedNode("http://example.org/g"))]):
            store.update('DELETE DATA { GRAPH <http://example.org/g> { <http://example.org/a> <http://example.org/p> 82.5 } }')
        assert _head_agrees(store) and log_for(store).head.removed == {"http://example.org/g": 1}
    finally:
        store.close()


def test_loads_record_exact_changes_with_blank_nodes_and_survive_reopening(tmp_path):
    source = tmp_path / "small.ttl"
    source.write_text(SMALL)
    store = OxigraphStore(tmp_path / "store")
    load_validated(store, [source], with_ontology=False)
    load_validated(store, [source], with_ontology=False)      # the blank node comes back relabelled
    versions = log_for(store).versions()
    assert len(versions) == 2 and versions[1].added == versions[1].removed == {f"{IG}graph/small": 2}
    assert _head_agrees(store)
    store.close()
    forget(store)
    reopened = OxigraphStore(tmp_path / "store", read_only=True)
    try:
        assert [v.id for v in log_for(reopened).versions()] == [v.id for v in versions]
        assert _head_agrees(reopened)
        patch = log_for(reopened).patch(versions[1])
        assert patch.startswith(f'H id "{versions[1].id}" .\nH prev "{versions[0].id}" .\nTX .\nD ')
        assert patch.rstrip().endswith("TC .")
    finally:
        reopened.close()


def test_a_store_with_data_before_its_log_gets_a_first_version(tmp_path):
    store = OxigraphStore(tmp_path / "store")
    store.add(ox.parse(SMALL.encode(), ox.RdfFormat.TURTLE))     # no hook: written before versioning
    try:
        (first,) = log_for(store).versions()
        assert first.message == "the store's content when versioning began" and first.quads == 3
        assert _head_agrees(store)
    finally:
        store.close()


def test_an_interrupted_write_is_reconciled_both_ways(tmp_path):
    """pending.json left by a crash: discarded if the store did not change, recorded if it did."""
    path = tmp_path / "store"
    store = OxigraphStore(path)
    _add(store, '<http://example.org/a> <http://example.org/p> "1" .')
    log = log_for(store)
    log.begin()                                     # crash before the commit: nothing landed
    store.close()
    forget(store)
    store = OxigraphStore(path)
    assert len(log_for(store).versions()) == 1 and not (path / LOG_FOLDER / "pending.json").exists()
    log_for(store).begin()                          # crash after the commit, before the log line
    store.add([ox.Quad(ox.NamedNode("http://example.org/z"), ox.NamedNode("http://example.org/p"),
                       ox.Literal("late"), ox.NamedNode("http://example.org/g"))])
    store.close()
    forget(store)
    with open(path / LOG_FOLDER / "log.jsonl", "ab") as handle:
        handle.write(b'{"seq": 2, "id": "torn')        # and a torn log line
    store = OxigraphStore(path)
    try:
        versions = log_for(store).versions()
        assert len(versions) == 2 and versions[1].message.startswith("recovered")
        assert versions[1].added == {"http://example.org/g": 1} and _head_agrees(store)
    finally:
        store.close()


def test_a_log_that_cannot_be_written_refuses_the_write_cleanly(tmp_path):
    store = OxigraphStore(tmp_path / "store")
    (tmp_path / "store" / LOG_FOLDER).write_text("a file where the log's folder should be")
    try:
        with pytest.raises(StoreError, match="cannot write the change log.*nothing was written"):
            _add(store, '<http://example.org/a> <http://example.org/p> "1" .')
        assert store.count() == 0
    finally:
        store.close()


_KILLED_LOAD = """
import sys
from pathlib import Path
from innograph.store import OxigraphStore
from innograph.service.loading import load_validated
store = OxigraphStore(sys.argv[1])
print("ready", flush=True)
load_validated(store, [Path(sys.argv[2])])
store.close()
"""


@pytest.mark.slow
def test_sigkill_mid_load_leaves_the_log_and_the_store_agreeing(tmp_path, report):
    data = ROOT / "data"
    path = tmp_path / "store"
    outcomes = []
    # Killed at several points of a load of data/ (a first load, then reloads: blank nodes relabelled).
    for delay in (1.5, 4.5):
        process = subprocess.Popen([sys.executable, "-c", _KILLED_LOAD, str(path), str(data)],
                                   stdout=subprocess.PIPE, env={**os.environ, "PYTHONWARNINGS": "ignore"})
        assert process.stdout.readline().strip() == b"ready"
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        process.stdout.close()
        store = OxigraphStore(path)
        try:
            assert _head_agrees(store)
            outcomes.append(f"{delay} s: {len(log_for(store).versions())} version(s), {store.count()} quads")
        finally:
            store.close()
            forget(store)
    report("versions crash test (SIGKILL during a load of data/): " + "; ".join(outcomes))


# -- over HTTP ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def app(shipped_store, tmp_path_factory):
    with publishing_app(shipped_store, tmp_path_factory.mktemp("versions"), update_token=TOKEN) as made:
        yield made


def _write(client, text: str, message: str | None = None):
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/sparql-update"}
    if message:
        headers["Innograph-Change-Message"] = message
    response = client.post("/sparql", data=text, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def _comment(text: str) -> str:
    return f'INSERT DATA {{ GRAPH {ALLIANCES} {{ {GINI} {COMMENT} "{text}"@en }} }}'


COMMENTS = f"SELECT ?c WHERE {{ {GINI} {COMMENT} ?c }} ORDER BY ?c"


def test_a_write_makes_a_version_and_the_earlier_one_still_answers(client):
    before = client.get("/sparql", query_string={"query": COMMENTS}, headers={"Accept": "text/csv"})
    old = before.headers["Innograph-Data-Version"]
    written = _write(client, _comment("a later remark"), message="a remark %C3%A0 propos")
    new = written.headers["Innograph-Data-Version"]
    assert new != old
    now = client.get("/sparql", query_string={"query": COMMENTS}, headers={"Accept": "text/csv"})
    assert now.headers["Innograph-Data-Version"] == new and "a later remark" in now.get_data(as_text=True)
    past = client.get("/sparql", query_string={"query": COMMENTS, "version": old}, headers={"Accept": "text/csv"})
    assert past.headers["Innograph-Data-Version"] == old
    assert past.get_data() == before.get_data()
    posted = client.post("/sparql", data={"query": COMMENTS, "version": old}, headers={"Accept": "text/csv"})
    assert posted.get_data() == before.get_data()
    named = client.get("/queries/founding-and-later-members", query_string={"version": old})
    assert named.status_code == 200 and named.headers["Innograph-Data-Version"] == old

    listing = client.get("/versions", headers={"Accept": "application/json"}).get_json()
    assert listing["current"] == new
    assert [v["id"] for v in listing["versions"][:2]] == [new, old]
    latest = listing["versions"][0]
    assert latest["message"] == "a remark à propos" and "update token" in latest["who"]
    assert latest["added"] == {f"{IG}graph/alliances": 1} and latest["removed"] == {}
    page = client.get("/versions", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "<nav" in page and page.index(new) < page.index(old) and "a remark à propos" in page

    # Graph Store writes make versions too (PUT a new graph, DELETE it: back to the same content).
    auth = {"Authorization": f"Bearer {TOKEN}"}
    put = client.put("/store", query_string={"graph": "http://example.org/versions-test"}, headers={
        **auth, "Content-Type": "text/turtle", "Innograph-Change-Message": "gsp"},
        data=b'<http://example.org/x> <http://example.org/p> "x" .')
    assert put.status_code in (200, 201) and put.headers["Innograph-Data-Version"] not in (old, new)
    gone = client.delete("/store", query_string={"graph": "http://example.org/versions-test"}, headers=auth)
    assert gone.headers["Innograph-Data-Version"] == new
    listed = client.get("/versions", headers={"Accept": "application/json"}).get_json()["versions"]
    assert listed[1]["message"] == "gsp" and listed[1]["added"] == {"http://example.org/versions-test": 1}
    assert listed[0]["id"] == new and listed[0]["removed"] == {"http://example.org/versions-test": 1}

    dump = client.get("/dumps/innograph.nq", query_string={"version": old})
    assert dump.status_code == 200 and b"a later remark" not in dump.get_data()
    assert b"a later remark" in client.get("/dumps/innograph.nq").get_data()
    assert client.get("/sparql", query_string={"query": COMMENTS, "version": "0000000000"}).status_code == 404


def test_the_dataset_description_gives_the_version_and_its_revisions(client):
    _write(client, _comment("for the description"))
    versions = client.get("/versions", headers={"Accept": "application/json"}).get_json()["versions"]
    body = client.get("/void.nt").get_data()
    triples = list(ox.parse(body, ox.RdfFormat.N_TRIPLES))
    dataset = ox.NamedNode(f"{IG}void#innograph")
    current = [t.object.value for t in triples if t.subject == dataset
               and t.predicate.value == "http://www.w3.org/ns/dcat#version"]
    assert current == [versions[0]["id"]]
    revision = {(t.subject.value, t.object.value) for t in triples
                if t.predicate.value == "http://www.w3.org/ns/prov#wasRevisionOf"}
    assert (f"{IG}void#version-{versions[0]['id']}", f"{IG}void#version-{versions[1]['id']}") in revision


def test_a_cited_url_gives_the_same_bytes_after_later_writes(client):
    for what in ({"name": "founding-and-later-members", "alliance": f"{IG}id/alliance/gini"},
                 {"query": COMMENTS}):
        cited = client.get("/cite", query_string={**what, "format": "json"}).get_json()
        parts = urlsplit(cited["url"])
        fetch = lambda: client.get(f"{parts.path}?{parts.query}", headers={"Accept": "text/csv"})  # noqa: E731
        first = fetch()
        assert first.status_code == 200 and first.headers["Innograph-Data-Version"] == cited["version"]
        _write(client, _comment(f"written after citing {len(what)}"))
        assert client.get("/versions", headers={"Accept": "application/json"}).get_json()["current"] \
            != cited["version"]
        assert fetch().get_data() == first.get_data()

        fixed = {**what, "version": cited["version"]}
        library = bibtexparser.parse_string(client.get("/cite", query_string={**fixed, "format": "bibtex"})
                                            .get_data(as_text=True))
        assert not library.failed_blocks and len(library.entries) == 1
        entry = library.entries[0]
        assert entry.fields_dict["version"].value == cited["version"]
        assert entry.fields_dict["url"].value.replace("\\%", "%") == cited["url"]
        csl = CiteProcJSON(json.loads(client.get("/cite", query_string={**fixed, "format": "csl"}).get_data()))
        (item,) = csl.values()
        assert str(item["version"]) == cited["version"] and str(item["URL"]) == cited["url"]
        assert item["type"] == "dataset" and item["issued"].year == int(cited["date"][:4])
        ris_text = client.get("/cite", query_string={**fixed, "format": "ris"}).get_data(as_text=True)
        # Strictly: every line a tag line ("XY  - value", CRLF), TY first, ER last; then rispy's reading.
        lines = ris_text.split("\r\n")
        assert lines[-1] == "" and all(re.fullmatch(r"[A-Z][A-Z0-9]  - .*", line) for line in lines[:-1])
        assert lines[0] == "TY  - DATA" and lines[-2] == "ER  - "
        (record,) = rispy.loads(ris_text)
        assert record["type_of_reference"] == "DATA" and record["urls"] == [cited["url"]]
        assert record["edition"] == cited["version"] and record["title"] == cited["title"]
    page = client.get("/query", query_string={"name": "founding-and-later-members"}).get_data(as_text=True)
    assert "Cite this" in page and "/cite?name=founding-and-later-members" in page
    assert "/queries/founding-and-later-members?sources=true" in page
    html = client.get("/cite", query_string={"name": "founding-and-later-members", "format": "html"})
    text = html.get_data(as_text=True)
    assert html.status_code == 200 and text.count("@misc{innograph-founding-and-later-members-") == 1
    assert text.count("Download:") == 1 and "TY  - DATA" in text and "version=" in text


def test_named_query_rows_name_their_sources(client):
    response = client.get("/queries/founding-and-later-members", query_string={"sources": "true"})
    assert response.status_code == 200 and response.headers["Innograph-Data-Version"]
    rows = response.get_json()["rows"]
    quebec = [r for r in rows if r["bindings"]["memberLabel"]["value"] == "Quebec"
              and "joined after" in r["bindings"]["roleLabel"]["value"]]
    assert len(quebec) == 1
    found = {(s["source"], s["relation"]) for s in quebec[0]["sources"]}
    assert (KOREA_HERALD, "wasDerivedFrom") in found and (NEWSIS, "conflictsWith") in found
    assert f"{IG}id/membership/gini-quebec" in quebec[0]["rests_on"]
    herald = next(s for s in quebec[0]["sources"] if s["source"] == KOREA_HERALD)
    assert herald["publisher"] == "The Korea Herald" and herald["date"] == "2026-02-08"
    assert f"{IG}id/membership/gini-quebec" in herald["via"]


# -- the Python API and the CLI ------------------------------------------------------------------------

def test_python_api_versions_and_sources(tmp_path):
    with innograph.open(tmp_path / "store", workers=1) as kg:
        kg.load(ROOT / "data")
        first = kg.version
        founding = "SELECT ?alliance ?founded WHERE { ?alliance schema:foundingDate ?founded }"
        rows = kg.query(founding, sources=True)
        gini = rows[rows["alliance"] == f"{IG}id/alliance/gini"].iloc[0]
        assert str(gini["founded"]).startswith("2024")
        assert KOREA_HERALD in {s["source"] for s in gini["sources"]}
        assert rows.attrs["version"] == first
        kg.update(_comment("from the API"))
        assert kg.version != first and [v.id for v in kg.versions()][-2] == first
        assert len(kg.query(COMMENTS)) == len(kg.query(COMMENTS, version=first)) + 1
        assert kg.query(COMMENTS, version=first).attrs["version"] == first
        with pytest.raises(NotFound):
            kg.query(COMMENTS, version="ffffffffffff")
        # Validity time (the world's, not the data's): GINI's members at the end of 2024 and 2025.
        founders = {"Daejeon", "Dortmund", "Montgomery County", "Málaga", "Seattle"}
        members = lambda year: {r["memberLabel"] for r in kg.rows("alliance-members", as_of=year)}  # noqa: E731
        assert members(2023) == set() and members(2024) == founders
        assert members(2025) == members(2026) == founders | {"Quebec"}
        assert {r["memberLabel"] for r in kg.rows("alliance-members")} == founders | {"Quebec"}


def test_cli_load_message_and_query_version(tmp_path, runner):
    store = str(tmp_path / "store")
    first_file, second_file = tmp_path / "one.ttl", tmp_path / "two.ttl"
    first_file.write_text(SMALL)
    second_file.write_text('@prefix ex: <http://example.org/> .\nex:b ex:p "two" .\n')
    assert runner.invoke(cli, ["--store", store, "load", str(first_file), "-m", "first"]).exit_code == 0
    log = VersionLog(Path(store) / LOG_FOLDER, writable=False)
    first = log.head
    assert first.message == "first" and "load" in first.who
    assert runner.invoke(cli, ["--store", store, "load", str(second_file)]).exit_code == 0
    query = "SELECT ?s WHERE { ?s <http://example.org/p> ?o } ORDER BY ?s"
    now = runner.invoke(cli, ["--store", store, "query", query, "--format", "csv", "--verbose"])
    past = runner.invoke(cli, ["--store", store, "query", query, "--format", "csv", "--version", first.id, "-v"])
    assert now.exit_code == 0 and past.exit_code == 0, past.output
    assert "http://example.org/b" in now.stdout and "http://example.org/b" not in past.stdout
    assert f"data version: {first.id}" in past.stderr and f"data version: {log.head.id}" in now.stderr
    assert version_id(int(log.head.state, 16)) == log.head.id
    listed = runner.invoke(cli, ["--store", store, "versions"]).stdout.splitlines()
    assert [line.split()[0] for line in listed] == [log.head.id, first.id] and listed[1].endswith("first")
    as_json = json.loads(runner.invoke(cli, ["--store", store, "versions", "--format", "json"]).stdout)
    assert as_json["current"] == log.head.id and as_json["versions"][1]["message"] == "first"
    checked = runner.invoke(cli, ["--store", store, "versions", "--check"])
    assert checked.exit_code == 0 and f"the store's content is version {log.head.id}" in checked.stderr
    bypass = OxigraphStore(store)       # a write without the hook
    bypass.add([ox.Quad(ox.NamedNode("http://example.org/c"), ox.NamedNode("http://example.org/p"), ox.Literal("3"))])
    bypass.close()
    checked = runner.invoke(cli, ["--store", store, "versions", "--check"])
    assert checked.exit_code == 1 and "without innograph" in checked.stderr


def test_select_star_rewrite_for_the_sources_of_rows():
    assert project_everything("SELECT DISTINCT ?a (STR(?b) AS ?c) WHERE { ?a ?p ?b } ORDER BY ?a LIMIT 5 OFFSET 2") \
        .split() == "SELECT DISTINCT * WHERE { ?a ?p ?b } ORDER BY ?a".split()
    assert project_everything("SELECT ?a (COUNT(*) AS ?n) WHERE { ?a ?p ?b } GROUP BY ?a") is None
    assert project_everything("ASK { ?a ?p ?b }") is None


def test_the_commit_hook_records_loads_through_commit(tmp_store):
    graph = ox.NamedNode("http://example.org/g")
    quads = [ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"), ox.Literal("x"), graph)]
    commit(tmp_store, {graph: quads})
    commit(tmp_store, {graph: []})
    versions = log_for(tmp_store).versions()
    assert [v.added for v in versions] == [{"http://example.org/g": 1}, {}]
    assert [v.removed for v in versions] == [{}, {"http://example.org/g": 1}]
    assert versions[1].id == version_id(0)     # the empty state again
