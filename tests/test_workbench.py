"""The workbench's server side, without a browser: the query page's configuration for the editor,
the vocabulary it completes, #defaultView in the named queries, the one-line error for an undeclared
prefix, cached and compressed static files and responses, a place's small map."""

from __future__ import annotations

import gzip
import json
import re
from urllib.parse import urlencode

import brotli
import pytest

from innograph.errors import UsageError
from innograph.rdf.formats import RDF_FORMATS, RESULT_FORMATS
from innograph.service.catalogue import read_query
from innograph.service.execution import syntax_error_message

SCHEMA = "https://schema.org/"
IG = "https://w3id.org/innograph/ontology#"


def config_of(page: str) -> dict:
    match = re.search(r'<script id="workbench-config" type="application/json">(.*?)</script>', page, re.S)
    return json.loads(match.group(1).replace("<\\/", "</"))


def test_the_query_page_configures_the_editor(client):
    page = client.get("/query?name=alliance-member-places").get_data(as_text=True)
    assert re.search(r'<script src="/static/build/query\.js\?v=\w{12}">', page), "run `make assets` first"
    config = config_of(page)
    assert config["prefixes"]["ig"] == IG and config["prefixes"]["schema"] == SCHEMA
    assert [f["name"] for f in config["resultFormats"]] == [f.name for f in RESULT_FORMATS]
    assert [f["name"] for f in config["graphFormats"]] == [f.name for f in RDF_FORMATS]
    examples = {q["name"]: q for q in config["examples"]}
    assert examples["alliance-events"]["defaultView"] == "timeline"
    assert examples["alliance-growth-by-year"]["defaultView"] == "chart"
    assert examples["alliance-events"]["title"] and examples["alliance-events"]["parameters"][0]["name"] == "alliance"
    named = config["named"]
    assert named["name"] == "alliance-member-places" and named["defaultView"] == "map" and named["ready"] is True
    # the page without JavaScript is still the whole form
    assert '<textarea id="query" name="query"' in page and 'id="run"' in page


def test_the_vocabulary_to_complete(client):
    terms = client.get("/query/terms").json
    classes = {t["iri"]: t for t in terms["classes"]}
    properties = {t["iri"]: t for t in terms["properties"]}
    assert SCHEMA + "City" in classes and classes[SCHEMA + "City"]["count"] >= 6      # from the VoID partitions
    assert classes[IG + "CityAlliance"]["label"] == "city alliance"                 # from the ontology
    assert classes[IG + "GovernmentFundedResearchInstitute"]["count"] == 0          # declared, not yet used
    assert IG + "country" in properties and SCHEMA + "latitude" in properties
    assert not set(classes) & set(properties)


def test_default_view_header(tmp_path):
    good = tmp_path / "places.rq"
    good.write_text("# title: Places\n# description: d\n#defaultView:Map\nSELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s\n")
    assert read_query(good).default_view == "map" and read_query(good).to_json()["defaultView"] == "map"
    bad = tmp_path / "bad.rq"
    bad.write_text("# title: Bad\n# defaultView: pie\nSELECT ?s WHERE { ?s ?p ?o }\n")
    with pytest.raises(UsageError, match=r"bad\.rq:2: '# defaultView:' is one of table, chart, map, graph, timeline"):
        read_query(bad)


@pytest.mark.parametrize("query, expected", [
    ("SELECT * WHERE { ?s a schema:City }",
     "undeclared prefix 'schema:' at line 1, column 23: add 'PREFIX schema: <https://schema.org/>' at the top of the query"),
    ("SELECT * WHERE {\n  ?s a ig:City ;\n     foo:bar ?o }", "undeclared prefix 'ig:' at line 2"),
    ("PREFIX ig: <https://w3id.org/innograph/ontology#>\nSELECT * WHERE { ?s foo:bar ?o }",
     "undeclared prefix 'foo:' at line 2, column 21: add 'PREFIX foo: <…namespace IRI…>'"),
])
def test_an_undeclared_prefix_is_one_line(client, query, expected):
    reply = client.get("/sparql?" + urlencode({"query": query}))
    assert reply.status_code == 400
    text = reply.get_data(as_text=True).strip()
    assert text.startswith(expected) and "\n" not in text


def test_other_syntax_errors_keep_the_parser_position():
    assert syntax_error_message("SELECT * WHERE {", "error at 1:17: expected one of ...") == \
        "syntax error in the query: error at 1:17: expected one of ..."


def test_pages_results_and_dumps_are_compressed(client):
    plain = client.get("/query").data
    reply = client.get("/query", headers={"Accept-Encoding": "br"})
    assert reply.headers["Content-Encoding"] == "br" and "Accept-Encoding" in reply.headers["Vary"]
    assert brotli.decompress(reply.data) == plain and len(reply.data) < len(plain) / 3
    csv = client.get("/sparql?" + urlencode({"query": "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 500",
                                              "format": "csv"}), headers={"Accept-Encoding": "gzip"})
    assert csv.headers["Content-Encoding"] == "gzip" and gzip.decompress(csv.data).startswith(b"s,p,o")
    dump = client.get("/dumps/innograph.nt", headers={"Accept-Encoding": "gzip"})
    assert dump.headers["Content-Encoding"] == "gzip" and b"<https://w3id.org/innograph/id/city/daejeon>" in \
        gzip.decompress(dump.data)
    json_reply = client.get("/queries", headers={"Accept": "application/json", "Accept-Encoding": "gzip"})
    assert json_reply.headers["Content-Encoding"] == "gzip"


def test_static_files_are_cached(client):
    page = client.get("/query").get_data(as_text=True)
    url = re.search(r'href="(/static/style\.css\?v=\w+)"', page).group(1)
    with client.get(url) as first:
        assert first.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        etag = first.headers["ETag"]
    with client.get(url, headers={"If-None-Match": etag}) as again:
        assert again.status_code == 304
    with client.get("/static/style.css") as unversioned:
        assert unversioned.headers["Cache-Control"] == "public, max-age=300" and unversioned.headers["ETag"]
    with client.get("/static/build/query.js", headers={"Accept-Encoding": "br"}) as bundle:
        assert bundle.headers["Content-Encoding"] == "br"
        assert brotli.decompress(bundle.data).endswith(b"see query.js.LEGAL.txt */\n")
    with client.get("/favicon.ico") as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"


def test_a_place_has_a_small_map(client):
    page = client.get("/doc/city/daejeon").get_data(as_text=True)
    assert re.search(r'<figure class="place-map" data-lat="36\.\d+" data-lon="127\.\d+" data-label="Daejeon">', page)
    assert "/static/build/maps.js" in page
    assert 'class="place-map"' not in client.get("/doc/alliance/gini").get_data(as_text=True)
