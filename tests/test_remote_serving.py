"""``innograph serve --store http://...``: the endpoint, pages and views over a remote SPARQL store.

A real Oxigraph server on 127.0.0.1 holds the data; innograph loads into it (validated) and serves
it. Queries are evaluated by the remote server (no local worker processes), results rendered here.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest

from conftest import running_oxigraph_server
from live_server import TOKEN, http, start_server

ROOT = Path(__file__).resolve().parents[1]
ROOT_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?m a <http://www.w3.org/ns/org#Membership> }"


@pytest.fixture(scope="module")
def remote_server(tmp_path_factory):
    with running_oxigraph_server(tmp_path_factory.mktemp("remote-serving")) as url:
        server = start_server(store=url, env={"INNOGRAPH_QUERIES_DIR": str(ROOT / "queries")})
        yield server
        server.stop()


def test_queries_are_answered_from_the_remote_store(remote_server):
    reply = http(remote_server, "GET", "/sparql?query=" + quote(ROOT_QUERY),
                 headers={"Accept": "application/sparql-results+json"})
    assert reply.status == 200, reply.text
    assert int(json.loads(reply.body)["results"]["bindings"][0]["n"]["value"]) >= 6
    reply = http(remote_server, "GET", "/queries/alliance-members", headers={"Accept": "text/csv"})
    assert reply.status == 200 and "quebec" in reply.text.lower()


def test_syntax_errors_are_400(remote_server):
    reply = http(remote_server, "GET", "/sparql?query=" + quote("SELECT * WHERE { ?s ?p }"))
    assert reply.status == 400 and "syntax" in reply.text.lower()


def test_linked_data_pages_and_views_work(remote_server):
    page = http(remote_server, "GET", "/doc/city/daejeon", headers={"Accept": "text/html"})
    assert page.status == 200 and "Daejeon" in page.text
    turtle = http(remote_server, "GET", "/doc/city/daejeon", headers={"Accept": "text/turtle"})
    assert turtle.status == 200 and "Q20921" in turtle.text
    view = http(remote_server, "GET", "/graphs/alliances?format=json")
    labels = {node.get("label") for node in json.loads(view.body)["nodes"]}
    assert {"Daejeon", "Dortmund", "Seattle"} <= labels


def test_writes_are_validated_before_they_reach_the_remote_store(remote_server):
    bad = "<urn:test:city> a <https://schema.org/City> ."          # a city needs a label
    reply = http(remote_server, "PUT", "/store?graph=urn%3Atest%3Aremote", bad,
                 {"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"})
    assert reply.status == 422
    good = "<urn:test:s> <urn:test:p> \"o\" ."
    reply = http(remote_server, "PUT", "/store?graph=urn%3Atest%3Aremote", good,
                 {"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"})
    assert reply.status == 201, reply.text
    got = http(remote_server, "GET", "/store?graph=urn%3Atest%3Aremote", headers={"Accept": "application/n-triples"})
    assert got.status == 200 and '<urn:test:s> <urn:test:p> "o"' in got.text
