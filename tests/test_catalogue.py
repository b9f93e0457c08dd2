"""Named queries: header parsing, typed binding (never text pasting), and /queries over HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest

from innograph.service.catalogue import load_catalogue, read_query
from innograph.errors import NotFound, UsageError
from innograph.service.execution import _term_from_ntriples
from live_server import http

ROOT = Path(__file__).resolve().parents[1]
XSD = "http://www.w3.org/2001/XMLSchema#"



def write(directory: Path, name: str, text: str) -> Path:
    path = directory / f"{name}.rq"
    path.write_text(text, encoding="utf-8")
    return path


# -- header parsing ----------------------------------------------------------------------------------

def test_header_fields(tmp_path):
    path = write(tmp_path, "members", "# title: Members\n# description: Who is in it,\n#   and since when.\n"
                 "# param: alliance iri alliance/gini (the alliance)\n# param: year year\n"
                 "# param: label string \"two words\"\nSELECT ?alliance ?year ?label {}\n")
    query = read_query(path)
    assert query.title == "Members" and query.description == "Who is in it, and since when."
    alliance, year, label = query.parameters
    assert (alliance.type, alliance.default, alliance.help, alliance.required) == \
        ("iri", "alliance/gini", "the alliance", False)
    assert year.required and label.default == "two words"


@pytest.mark.parametrize("line, message", [
    ("# binding: inline", "'substitute' or 'values'"),
    ("# param: x colour", "unknown type 'colour'"),
    ("# param: x", "NAME TYPE"),
    ("# param: 1x string", "not a SPARQL variable name"),
    ("# param: n integer ten", "default of parameter 'n'"),
])
def test_malformed_headers_name_file_and_line(tmp_path, line, message):
    path = write(tmp_path, "bad", f"# title: Bad\n{line}\nSELECT * {{}}\n")
    with pytest.raises(UsageError, match=message) as info:
        read_query(path)
    assert f"{path}:2" in str(info.value)
    catalogue = load_catalogue(tmp_path)
    assert "bad" not in catalogue.queries and len(catalogue.problems) == 1


def test_parameter_missing_from_the_select_clause_is_a_problem(tmp_path):
    path = write(tmp_path, "unprojected", "# param: city iri city/daejeon\nSELECT ?o WHERE { ?city ?p ?o }\n")
    with pytest.raises(UsageError, match=r"\?city cannot be bound: the SELECT clause must list"):
        read_query(path)


def test_files_are_looked_at_again_after_the_recheck_interval(tmp_path, monkeypatch):
    from innograph.service import catalogue
    write(tmp_path, "first", "SELECT * {}\n")
    assert set(load_catalogue(tmp_path).queries) == {"first"}
    write(tmp_path, "second", "SELECT * {}\n")
    monkeypatch.setattr(catalogue, "RECHECK_SECONDS", 3600.0)
    assert set(load_catalogue(tmp_path).queries) == {"first"}          # trusted, not stat-ed
    monkeypatch.setattr(catalogue, "RECHECK_SECONDS", 0.0)
    assert set(load_catalogue(tmp_path).queries) == {"first", "second"}


def test_missing_directory_is_an_empty_catalogue(tmp_path):
    catalogue = load_catalogue(tmp_path / "absent")
    assert catalogue.queries == {} and catalogue.problems == []
    with pytest.raises(NotFound, match="unknown named query .anything.; known: none"):
        catalogue.get("anything")


# -- binding ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, value, expected", [
    ("iri", "https://w3id.org/innograph/id/city/daejeon", "<https://w3id.org/innograph/id/city/daejeon>"),
    ("iri", "<urn:x:y>", "<urn:x:y>"),
    ("iri", "schema:City", "<https://schema.org/City>"),
    ("iri", "city/daejeon", "<https://w3id.org/innograph/id/city/daejeon>"),
    ("string", 'a "quoted" } value', '"a \\"quoted\\" } value"'),
    ("integer", "042", f'"42"^^<{XSD}integer>'),
    ("decimal", "2.50", f'"2.50"^^<{XSD}decimal>'),
    ("year", "2024", f'"2024"^^<{XSD}gYear>'),
    ("date", "2024-09-01", f'"2024-09-01"^^<{XSD}date>'),
    ("boolean", "TRUE", f'"true"^^<{XSD}boolean>'),
])
def test_typed_binding(tmp_path, kind, value, expected):
    query = read_query(write(tmp_path, "q", f"# param: v {kind}\nSELECT ?v {{}}\n"))
    assert query.bind({"v": value}) == {"v": expected}


@pytest.mark.parametrize("kind, value", [
    ("iri", "not an iri"), ("iri", "http://x/<script>"), ("integer", "1.5"), ("integer", "1; DROP"),
    ("decimal", "1e5"), ("year", "24"), ("date", "2024-13-01"), ("date", "tomorrow"), ("boolean", "maybe")])
def test_wrong_values_name_the_parameter(tmp_path, kind, value):
    query = read_query(write(tmp_path, "q", f"# param: v {kind}\nSELECT ?v {{}}\n"))
    with pytest.raises(UsageError, match=f"parameter 'v'.*not a valid {kind}"):
        query.bind({"v": value})


def test_required_unknown_and_optional(tmp_path):
    query = read_query(write(tmp_path, "q", "# param: needed string\n# param: open year\n"
                             "SELECT ?needed ?open { VALUES ?open { UNDEF } }\n"))
    with pytest.raises(UsageError, match="'needed'.*required"):
        query.bind({})
    with pytest.raises(UsageError, match="no parameter 'other'"):
        query.bind({"needed": "x", "other": "y"})
    assert query.bind({"needed": "x"}) == {"needed": '"x"'}


def test_bound_values_cannot_change_the_query(tmp_path):
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.Literal("x")))
    query = read_query(write(tmp_path, "q", "# param: text string\nSELECT ?s ?text WHERE { ?s ?p ?text }\n"))
    hostile = 'x" } UNION { ?s ?p ?o } #'
    bound = query.bind({"text": hostile})
    rows = list(store.query(query.text, substitutions={ox.Variable(k): _term_from_ntriples(v)
                                                       for k, v in bound.items()}))
    assert rows == []
    assert len(list(store.query(query.text, substitutions={ox.Variable("text"): ox.Literal("x")}))) == 1


def test_a_values_binding_puts_the_values_at_the_top_of_the_where_group(tmp_path):
    query = read_query(write(tmp_path, "q", "# param: text string\n# binding: values\n"
                                            "SELECT ?s ?text WHERE { ?s ?p ?text }\n"))
    text, substitutions = query.prepare({"text": 'x" } UNION { ?s ?p ?o } #'})
    assert substitutions is None
    assert text.endswith('WHERE { VALUES (?text) { ("x\\" } UNION { ?s ?p ?o } #") }  ?s ?p ?text }\n')
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.Literal("x")))
    assert list(store.query(text)) == []
    assert query.prepare({"text": "x"}) == (query.text.replace("{ ?s", '{ VALUES (?text) { ("x") }  ?s'), None)
    assert len(list(store.query(query.prepare({"text": "x"})[0]))) == 1


# -- the real queries/ directory ------------------------------------------------------------------------

def test_shipped_queries_bound_by_values_answer_as_substitution_does(shipped_store):
    # '# binding: values' is a plan choice (measured at 1M triples), never a change of answer.
    catalogue = load_catalogue(ROOT / "queries")
    chosen = [q for q in catalogue.queries.values() if q.binding == "values"]
    assert len(chosen) >= 5
    for query in chosen:
        text, none = query.prepare({})
        bound = query.bind({})
        by_values = {tuple(map(str, row)) for row in shipped_store.query(text)}
        by_substitution = {tuple(map(str, row)) for row in shipped_store.query(query.text, substitutions={
            ox.Variable(k): _term_from_ntriples(v) for k, v in bound.items()})}
        assert none is None and by_values == by_substitution and by_values, query.name


def test_every_shipped_query_parses_and_runs_with_its_defaults(shipped_store):
    catalogue = load_catalogue(ROOT / "queries")
    assert catalogue.problems == []
    for name, query in catalogue.queries.items():
        required = [p.name for p in query.parameters if p.required]
        if required:
            continue
        bound = query.bind({})
        result = shipped_store.query(query.text, substitutions={
            ox.Variable(k): _term_from_ntriples(v) for k, v in bound.items()})
        list(result) if not isinstance(result, ox.QueryBoolean) else bool(result)


# -- over HTTP ------------------------------------------------------------------------------------------

def test_listing_json_and_html(server):
    reply = http(server, "GET", "/queries")
    assert reply.status == 200 and reply.header("content-type").startswith("application/json")
    listing = {q["name"]: q for q in reply.json()["queries"]}
    assert {"city-label", "echo", "city-graph", "optional-year"} <= set(listing)
    assert listing["city-label"]["parameters"][0] == {"name": "city", "type": "iri", "default": None,
                                                      "required": True, "help": ""}
    html = http(server, "GET", "/queries", headers={"Accept": "text/html"})
    assert html.header("content-type").startswith("text/html") and b"Labels of a city" in html.body


def test_run_named_query_with_typed_parameters(server):
    reply = http(server, "GET", "/queries/echo?" + urlencode({"number": "12", "year": "1999", "text": "hi"}))
    row = reply.json()["results"]["bindings"][0]
    assert row["number"] == {"type": "literal", "value": "12", "datatype": XSD + "integer"}
    assert row["yearType"]["value"] == XSD + "gYear" and row["text"]["value"] == "hi"
    assert row["thing"]["value"] == "https://w3id.org/innograph/id/city/daejeon"


def test_named_query_conneg_and_format(server):
    path = "/queries/city-label?" + urlencode({"city": "city/daejeon"})
    csv_reply = http(server, "GET", path, headers={"Accept": "text/csv"})
    assert csv_reply.header("content-type").startswith("text/csv") and "Daejeon" in csv_reply.text
    xml = http(server, "GET", path + "&format=xml")
    assert xml.header("content-type").startswith("application/sparql-results+xml")
    graph = http(server, "GET", "/queries/city-graph", headers={"Accept": "application/n-triples"})
    assert graph.status == 200 and b"city/daejeon>" in graph.body
    assert http(server, "GET", path, headers={"Accept": "image/png"}).status == 406


def test_named_query_errors(server):
    reply = http(server, "GET", "/queries/city-label")
    assert reply.status == 400 and "'city'" in reply.text and "required" in reply.text
    reply = http(server, "GET", "/queries/echo?number=ten")
    assert reply.status == 400 and "'number'" in reply.text
    reply = http(server, "GET", "/queries/echo?colour=red")
    assert reply.status == 400 and "colour" in reply.text
    assert http(server, "GET", "/queries/no-such-query").status == 404


def test_optional_parameter_left_unbound(server):
    row = http(server, "GET", "/queries/optional-year").json()["results"]["bindings"][0]
    assert "as_of" not in row
    row = http(server, "GET", "/queries/optional-year?as_of=2020").json()["results"]["bindings"][0]
    assert row["as_of"] == {"type": "literal", "value": "2020", "datatype": XSD + "gYear"}


def test_head_on_named_query(server):
    reply = http(server, "HEAD", "/queries/echo")
    assert reply.status == 200 and reply.body == b""
    assert json.loads(http(server, "GET", "/queries/echo").body)["head"]["vars"][0] == "text"
