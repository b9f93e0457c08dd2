"""Entity search in every face: the core function, GET /search (JSON and HTML), the CLI, SPARQL
(ig:search, ig:searchScore through /sparql), the header box in Chromium; the index following
validated writes, surviving a SIGKILL between the store's commit and its own, and over a remote store.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from innograph.cli import main
from innograph.namespaces import ID_BASE, ONTOLOGY
from innograph.search import INDEX_FILENAME, SearchIndex, index_for, search
from innograph.service.updates import UpdateRunner
from innograph.service.loading import load_validated
from innograph.store import OxigraphStore
from innograph.store.remote import RemoteStore
from publishing_app import publishing_app

TOKEN = "search-test-token"
SKOS_ALT = "http://www.w3.org/2004/02/skos/core#altLabel"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SCHEMA_CITY = "https://schema.org/City"
TOWN = "https://example.org/Town"   # a class no shape constrains, for the data the tests write

# What a researcher types, and the entity that must come first.
EXPECTED_FIRST = {
    "대전": "city/daejeon",                     # a two-syllable Hangul word (an altLabel)
    "KRISS": "organization/kriss",              # an acronym
    "Malaga": "city/malaga",                    # the data says Málaga
    "kaist": "organization/kaist",              # case folded
    "대덕": "cluster/daedeok-innopolis",         # the start of the compound 대덕연구단지
    "Quebec": "region/quebec",                  # the province (Quebec City is Québec in French)
}
CASES = list(EXPECTED_FIRST.items())


@pytest.fixture(scope="module")
def store_dir(shipped_store, tmp_path_factory):
    """An on-disk copy of the shipped data, closed (for the CLI, which opens it itself)."""
    path = tmp_path_factory.mktemp("search-cli") / "store"
    with OxigraphStore(path) as store:
        store.add(shipped_store.quads())
    return path


def ask_sparql(client, query: str) -> list[dict]:
    response = client.get("/sparql", query_string={"query": query},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["results"]["bindings"]


# -- the expected entity first, in every face ---------------------------------------------------------

@pytest.mark.parametrize("text,expected", CASES)
def test_core_function_puts_the_expected_entity_first(shipped_store, text, expected):
    hits = search(shipped_store, text, limit=5)
    assert hits and hits[0].iri == ID_BASE + expected
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


@pytest.mark.parametrize("text,expected", CASES)
def test_http_json_puts_the_expected_entity_first(client, text, expected):
    response = client.get("/search", query_string={"q": text, "limit": 3})
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert body["query"] == text
    first = body["results"][0]
    assert first["iri"] == ID_BASE + expected
    assert first["href"] == "/doc/" + expected
    assert {"iri", "label", "lang", "type", "typeLabel", "score"} <= set(first)


@pytest.mark.parametrize("text,expected", CASES)
def test_html_page_lists_the_expected_entity_first(client, text, expected):
    response = client.get("/search", query_string={"q": text},
                          headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    results = page[page.index('<ol class="search-results">'):]
    assert results.index(f'href="/doc/{expected}"') == results.index('href="')
    assert '<form class="site-search"' in page      # the header box, on this page like every other


@pytest.mark.parametrize("text,expected", CASES)
def test_cli_puts_the_expected_entity_first(store_dir, text, expected):
    result = CliRunner().invoke(main, ["--store", str(store_dir), "search", text, "--limit", "3",
                                       "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["results"][0]["iri"] == ID_BASE + expected
    text_output = CliRunner().invoke(main, ["--store", str(store_dir), "search", text])
    assert text_output.output.splitlines()[0].endswith(f"<{ID_BASE}{expected}>")


def test_sparql_search_function_puts_the_expected_entity_first(client):
    # One query for every case: ig:search(text) is the best entity for the text.
    values = " ".join(f'"{text}"' for text, _ in CASES)
    rows = ask_sparql(client, f"PREFIX ig: <{ONTOLOGY}> SELECT ?text ?entity WHERE {{ "
                              f"VALUES ?text {{ {values} }} BIND(ig:search(?text) AS ?entity) }}")
    assert {row["text"]["value"]: row["entity"]["value"] for row in rows} == \
        {text: ID_BASE + expected for text, expected in CASES}


def test_sparql_ranks_and_scores_inside_a_query(client):
    ranked = ask_sparql(client, f'PREFIX ig: <{ONTOLOGY}> SELECT ?rank ?e WHERE {{ VALUES ?rank {{ 1 2 3 }} '
                                f'BIND(ig:search("Daejeon", ?rank, "City") AS ?e) }} ORDER BY ?rank')
    assert ranked[0]["e"]["value"] == ID_BASE + "city/daejeon"
    assert all("e" not in row for row in ranked[1:])     # one city is called Daejeon: the rest unbound
    scored = ask_sparql(client, f'PREFIX ig: <{ONTOLOGY}> PREFIX schema: <https://schema.org/> '
                                f'SELECT ?city ?score WHERE {{ ?city a schema:City . '
                                f'BIND(ig:searchScore(?city, "Qu") AS ?score) FILTER(BOUND(?score)) }} '
                                f'ORDER BY DESC(?score)')
    assert [row["city"]["value"] for row in scored] == [ID_BASE + "city/quebec-city"]
    assert float(scored[0]["score"]["value"]) > 2


# -- typing, types, languages, ranking ----------------------------------------------------------------

@pytest.mark.parametrize("typed,expected", [
    ("Daej", "city/daejeon"), ("daejeon metro", "city/daejeon"), ("대저", "city/daejeon"),
    ("Daedeok Inno", "cluster/daedeok-innopolis"), ("말라", "city/malaga"), ("Québ", "region/quebec"),
])
def test_prefixes_while_typing(shipped_store, typed, expected):
    # 대저 is what a Korean keyboard shows on the way to 대전 (the last consonant not typed yet).
    assert search(shipped_store, typed, limit=3)[0].iri == ID_BASE + expected


def test_a_word_inside_a_label_and_an_acronym_nobody_stated(shipped_store):
    hits = search(shipped_store, "Innopolis", limit=20)
    assert ID_BASE + "cluster/daedeok-innopolis" in [h.iri for h in hits]
    assert {h.match for h in hits} <= {"exact", "prefix", "substring"}
    # KRIBB is nowhere in the data: the initials of "Korea Research Institute of Bioscience and
    # Biotechnology" are.
    assert search(shipped_store, "KRIBB", limit=1)[0].label == \
        "Korea Research Institute of Bioscience and Biotechnology"


def test_exact_before_prefix_before_substring(shipped_store):
    hits = search(shipped_store, "Malaga", limit=15)
    order = {"exact": 3, "prefix": 2, "substring": 1}
    assert [order[h.match] for h in hits] == sorted((order[h.match] for h in hits), reverse=True)
    assert {"exact", "prefix", "substring"} <= {h.match for h in hits}


def test_type_filter(shipped_store, client):
    cities = search(shipped_store, "Dae", type="City", limit=10)
    assert cities and all(h.type == SCHEMA_CITY for h in cities)
    assert [h.iri for h in search(shipped_store, "Dae", type=SCHEMA_CITY)] == [h.iri for h in cities]
    clusters = client.get("/search", query_string={"q": "대덕", "type": "ig:InnovationCluster"}).get_json()
    assert clusters["results"] and all(r["type"] == ONTOLOGY + "InnovationCluster" for r in clusters["results"])
    assert search(shipped_store, "KAIST", type="City") == []


def test_label_in_the_requested_language_with_fallback(client):
    def first(**params):
        return client.get("/search", query_string={"q": "Daejeon", "limit": 1, **params}).get_json()["results"][0]
    assert (first(lang="ko")["label"], first(lang="ko")["lang"]) == ("대전광역시", "ko")
    assert (first(lang="fr")["label"], first(lang="fr")["lang"]) == ("Daejeon", "en")   # no French label
    assert first(lang="ko")["matched"] == "Daejeon"


def test_bad_parameters_are_one_line_errors(client):
    response = client.get("/search?q=x&limit=0")
    assert response.status_code == 400 and "limit" in response.get_data(as_text=True)
    response = client.get("/search?q=x&type=nope:Thing")
    assert response.status_code == 400 and "unknown prefix 'nope'" in response.get_data(as_text=True)
    assert client.get("/search?q=").get_json() == {"query": "", "results": []}
    response = client.get("/search", query_string={"q": "대전" * 150})
    assert response.status_code == 400 and "the limit is 200" in response.get_data(as_text=True)


# -- the index follows writes --------------------------------------------------------------------------

def test_index_follows_a_validated_write_and_ignores_a_rejected_one(shipped_store, tmp_path):
    with publishing_app(shipped_store, tmp_path, update_token=TOKEN) as app:
        client = app.test_client()
        auth = {"Authorization": f"Bearer {TOKEN}"}

        def names(text):
            return [r["iri"] for r in client.get("/search", query_string={"q": text}).get_json()["results"]]

        assert names("Hanbat Science City") == []
        graph = "https://w3id.org/innograph/graph/search-test"
        accepted = client.post("/sparql", headers=auth, data={"update": (
            f'INSERT DATA {{ GRAPH <{graph}> {{ <{ID_BASE}city/daejeon> <{SKOS_ALT}> "Hanbat Science City"@en }} }}')})
        assert accepted.status_code == 200, accepted.get_data(as_text=True)
        assert names("Hanbat Science City")[0] == ID_BASE + "city/daejeon"
        assert names("hanbat sci")[0] == ID_BASE + "city/daejeon"

        before = client.get("/search", query_string={"q": "Seoul Tech Valley"}).get_json()
        # A city has one rdfs:label per language: a second English one is refused (422).
        rejected = client.post("/sparql", headers=auth, data={"update": (
            f'INSERT DATA {{ GRAPH <{graph}> {{ <{ID_BASE}city/daejeon> <{RDFS_LABEL}> "Seoul Tech Valley"@en }} }}')})
        assert rejected.status_code == 422
        assert client.get("/search", query_string={"q": "Seoul Tech Valley"}).get_json() == before
        refused = client.post("/sparql", data={"update": (   # no token
            f'INSERT DATA {{ GRAPH <{graph}> {{ <{ID_BASE}city/daejeon> <{SKOS_ALT}> "Nowhere Town"@en }} }}')})
        assert refused.status_code in {401, 403} and names("Nowhere Town") == []

        removed = client.post("/sparql", headers=auth, data={"update": f"DROP GRAPH <{graph}>"})
        assert removed.status_code == 200
        assert names("Hanbat Science City") == []


def test_index_follows_loads_into_a_store_directory(tmp_path):
    store = OxigraphStore(tmp_path / "store")
    first = tmp_path / "first.ttl"
    first.write_text(f'<{ID_BASE}city/testville> a <{TOWN}> ; <{RDFS_LABEL}> "테스트시"@ko .\n')
    load_validated(store, [first], with_ontology=False)
    assert search(store, "테스")[0].iri == ID_BASE + "city/testville"
    first.write_text(f'<{ID_BASE}city/testville> a <{TOWN}> ; <{RDFS_LABEL}> "Otherburg"@en .\n')
    load_validated(store, [first], with_ontology=False)      # the graph is replaced
    assert search(store, "테스") == [] and search(store, "otherb")[0].iri == ID_BASE + "city/testville"
    store.close()


# -- crash recovery ------------------------------------------------------------------------------------

CRASHING_WRITER = """
import os, signal, sys
import pyoxigraph as ox
from innograph.search import following_change, index_for
from innograph.store import OxigraphStore
store = OxigraphStore(sys.argv[1])
index_for(store)                       # built and current
quad = ox.Quad(ox.NamedNode(sys.argv[2]), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
               ox.Literal("Crashton", language="en"), ox.NamedNode("https://w3id.org/innograph/graph/crash"))
with following_change(store, added=[quad]):
    store.add([quad])
    store.flush()
    os.kill(os.getpid(), signal.SIGKILL)   # after the store's commit, before the index's
"""


def test_sigkill_between_the_store_commit_and_the_index_is_recovered_on_open(tmp_path):
    path = tmp_path / "store"
    source = tmp_path / "start.ttl"
    source.write_text(f'<{ID_BASE}city/start> a <{TOWN}> ; <{RDFS_LABEL}> "Startville"@en .\n')
    with OxigraphStore(path) as store:
        load_validated(store, [source], with_ontology=False)
    crashed = subprocess.run([sys.executable, "-c", CRASHING_WRITER, str(path), ID_BASE + "city/crashton"],
                             capture_output=True, text=True, timeout=120)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    left = SearchIndex(path / INDEX_FILENAME, read_only=True)
    assert left.state == "pending" and left.search("Crashton") == []   # the store has it, the index not
    left.close()
    with OxigraphStore(path) as store:
        assert search(store, "Crashton")[0].iri == ID_BASE + "city/crashton"
        assert search(store, "Startville")[0].iri == ID_BASE + "city/start"
        assert index_for(store).state == "clean"


def test_a_write_made_without_innograph_is_noticed_on_open(tmp_path):
    path = tmp_path / "store"
    with OxigraphStore(path) as store:
        store.add([ox.Quad(ox.NamedNode(ID_BASE + "city/a"), ox.NamedNode(RDFS_LABEL), ox.Literal("Alphaville"),
                           ox.NamedNode("https://w3id.org/innograph/graph/g"))])
        assert search(store, "Alpha")[0].iri == ID_BASE + "city/a"
    raw = ox.Store(str(path))                     # pyoxigraph itself: no index kept
    raw.add(ox.Quad(ox.NamedNode(ID_BASE + "city/b"), ox.NamedNode(RDFS_LABEL), ox.Literal("Betaville"),
                    ox.NamedNode("https://w3id.org/innograph/graph/g")))
    raw.flush()
    del raw
    with OxigraphStore(path) as store:
        assert search(store, "Betav")[0].iri == ID_BASE + "city/b"


# -- a remote store ----------------------------------------------------------------------------------

def test_remote_store_is_indexed_by_sparql_and_follows_writes(oxigraph_server, tmp_path, monkeypatch):
    monkeypatch.setenv("INNOGRAPH_SEARCH_CACHE_DIR", str(tmp_path / "cache"))
    remote = RemoteStore.from_spec(oxigraph_server, environ={})
    remote.update("DROP SILENT ALL")
    source = tmp_path / "remote.ttl"
    source.write_text(f'<{ID_BASE}city/daejeon> a <{TOWN}> ; <{RDFS_LABEL}> "Daejeon"@en, "대전광역시"@ko ;\n'
                      f'  <{SKOS_ALT}> "대전"@ko .\n'
                      f'<{ID_BASE}city/malaga> a <{TOWN}> ; <{RDFS_LABEL}> "Málaga"@es .\n')
    load_validated(remote, [source], with_ontology=False)
    assert search(remote, "대전")[0].iri == ID_BASE + "city/daejeon"
    assert search(remote, "Malaga")[0].iri == ID_BASE + "city/malaga"
    assert list((tmp_path / "cache").glob("*.sqlite3"))       # the index lives in the cache dir
    UpdateRunner(remote).update(f'INSERT DATA {{ GRAPH <https://w3id.org/innograph/graph/remote> {{ '
                                f'<{ID_BASE}city/malaga> <{SKOS_ALT}> "말라가"@ko }} }}')
    assert search(remote, "말라")[0].iri == ID_BASE + "city/malaga"
    remote.update("DROP SILENT ALL")


# -- the header box in a real browser -------------------------------------------------------------------

@pytest.mark.browser
def test_typing_daejeon_in_korean_in_the_header_box_lands_on_its_page(browser, server_url):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(server_url + "/")
    box = browser.find_element(By.CSS_SELECTOR, "header form.site-search input[name=q]")
    box.send_keys("대전")
    options = WebDriverWait(browser, 10).until(
        lambda b: b.find_elements(By.CSS_SELECTOR, "#site-search-suggestions [role=option]"))
    assert options[0].find_element(By.CSS_SELECTOR, ".suggestion-label").text == "대전광역시"
    box.send_keys(Keys.ARROW_DOWN, Keys.ENTER)
    WebDriverWait(browser, 10).until(lambda b: b.current_url.endswith("/doc/city/daejeon"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Daejeon"


@pytest.mark.browser
def test_the_header_box_works_without_javascript_as_a_form(browser, server_url):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(server_url + "/queries")
    box = browser.find_element(By.CSS_SELECTOR, "header form.site-search input[name=q]")
    box.send_keys("KRISS")
    browser.find_element(By.CSS_SELECTOR, "header form.site-search button[type=submit]").click()
    # The click starts a page load: wait for the results page rather than racing it.
    first = WebDriverWait(browser, 15).until(
        lambda driver: driver.find_elements(By.CSS_SELECTOR, "ol.search-results li a"))[0]
    assert first.get_attribute("href").endswith("/doc/organization/kriss")
