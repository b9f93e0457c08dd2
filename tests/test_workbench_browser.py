"""The query workbench (YASGUI built by `make assets`) in a real headless Chromium: completion of a
prefix, an ontology class and an entity found by its label, Ctrl+Enter, the query in the address
bar, the result views a query asks for, and a network log proving no request leaves 127.0.0.1."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from live_server import shared_server

pytestmark = pytest.mark.browser
DAEJEON = "https://w3id.org/innograph/id/city/daejeon"

PLACES = """#defaultView:Map
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <https://schema.org/>
SELECT DISTINCT ?alliance ?member ?memberLabel ?lat ?long WHERE {
  ?m a org:Membership ; org:organization ?alliance ; org:member ?member .
  ?member rdfs:label ?memberLabel ; schema:latitude ?lat ; schema:longitude ?long .
  FILTER(LANG(?memberLabel) = "en")
} ORDER BY ?memberLabel"""


@pytest.fixture(scope="module")
def server():
    return shared_server()


def wait(driver, script, seconds=20):
    """Waits until the JavaScript expression ``script`` is truthy; returns its value."""
    return WebDriverWait(driver, seconds).until(lambda d: d.execute_script("return " + script))


def requests_made(driver) -> list[str]:
    """Every URL the browser asked for since the last call (Chrome's performance log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def assert_all_local(urls: list[str], server) -> None:
    """Every network request (http, https, ws, wss) went to the test server; the browser's own
    chrome:// pages and data:/blob: URLs are not network requests."""
    network = [u for u in urls if urlsplit(u).scheme in {"http", "https", "ws", "wss"}]
    outside = [u for u in network if not u.startswith(server.url + "/")]
    assert network and not outside, f"requests that left the server: {outside}"


def open_workbench(driver, server, path="/query"):
    driver.get(server.url + path)
    wait(driver, "document.body.dataset.workbench === 'ready'")


def type_into_editor(driver, text_before: str, keys: str) -> None:
    """Puts ``text_before`` in the editor, the cursor at its end, then types ``keys`` one by one."""
    driver.execute_script("yasqe.setValue(arguments[0]); yasqe.focus();"
                          "yasqe.getDoc().setCursor(yasqe.getDoc().lastLine(), 1e6);", text_before)
    field = driver.find_element(By.CSS_SELECTOR, ".CodeMirror textarea")
    for key in keys:
        field.send_keys(key)
        time.sleep(0.05)


def hints(driver) -> list[str]:
    wait(driver, "document.querySelectorAll('.CodeMirror-hints li').length > 0")
    return [li.text for li in driver.find_elements(By.CSS_SELECTOR, ".CodeMirror-hints li")]


def test_complete_prefix_class_and_entity_then_run_with_ctrl_enter(server, browser):
    requests_made(browser)
    open_workbench(browser, server)
    assert not browser.find_element(By.ID, "query").is_displayed()     # the editor took its place
    # a known prefix typed after the query began: its PREFIX line is added
    type_into_editor(browser, "SELECT ?place ?p ?o WHERE {\n  ?place a ", "schema:")
    wait(browser, "yasqe.getValue().startsWith('PREFIX schema: <https://schema.org/>')")
    # a class of the graph, completed from the ontology and the VoID partitions
    field = browser.find_element(By.CSS_SELECTOR, ".CodeMirror textarea")
    for key in "Ci":
        field.send_keys(key)
    assert "schema:City" in hints(browser)
    field.send_keys(Keys.ENTER)
    assert "?place a schema:City" in browser.execute_script("return yasqe.getValue()")
    # an entity by its label, after a prefix: `ig:Daej` becomes Daejeon's IRI
    text = browser.execute_script("return yasqe.getValue()") + " .\n  ?place ig:basedIn "
    type_into_editor(browser, "PREFIX ig: <https://w3id.org/innograph/ontology#>\n" + text, "ig:Daej")
    offered = hints(browser)
    assert offered[0] == "Daejeon · City — city/daejeon"
    # ...and inside <…>
    type_into_editor(browser, "SELECT ?p ?o WHERE {\n  ", "<Daej")
    offered = hints(browser)
    assert offered[0].startswith("Daejeon · City")
    browser.find_element(By.CSS_SELECTOR, ".CodeMirror textarea").send_keys(Keys.ENTER)
    assert f"<{DAEJEON}>" in browser.execute_script("return yasqe.getValue()")
    field = browser.find_element(By.CSS_SELECTOR, ".CodeMirror textarea")
    field.send_keys(" ?p ?o }")
    field.send_keys(Keys.CONTROL, Keys.ENTER)
    wait(browser, "document.getElementById('yasr').dataset.state === 'done'")
    table = browser.find_element(By.CSS_SELECTOR, "#yasr table")
    assert "Daejeon" in table.text and "rdfs:label" in table.text
    # the address bar keeps the query; the downloads offer every results format
    query = parse_qs(urlsplit(browser.current_url).query)["query"][0]
    assert f"<{DAEJEON}>" in query
    links = {a.text for a in browser.find_elements(By.CSS_SELECTOR, "#downloads a.download")}
    assert links == {"json", "xml", "csv", "tsv"}
    assert_all_local(requests_made(browser), server)


def test_default_view_map_then_the_graph_view(server, browser):
    requests_made(browser)
    open_workbench(browser, server, "/query?" + urlencode({"query": PLACES}))
    wait(browser, "document.getElementById('yasr').dataset.plugin === 'map'")
    wait(browser, "document.querySelector('.result-map svg').dataset.land === 'drawn'")
    land = browser.execute_script("return document.querySelector('.result-map path.land').getAttribute('d').length")
    assert land > 10000                                      # Natural Earth outlines, not a frame
    markers = browser.find_elements(By.CSS_SELECTOR, ".result-map .marker")
    labels = {m.text for m in markers}
    assert {"Daejeon", "Dortmund", "Málaga", "Seattle"} <= labels
    # zoom with the map's own button: the markers move apart, the land scales
    daejeon = next(m for m in markers if m.text == "Daejeon")
    before = daejeon.rect
    browser.find_element(By.CSS_SELECTOR, ".result-map .map-controls button[title='Zoom in']").click()
    wait(browser, "parseFloat(document.querySelector('.result-map svg').dataset.zoom) > 2")
    assert daejeon.rect != before
    # the user switches to the graph view: alliance -> member pairs become a network
    browser.find_element(By.CSS_SELECTOR, "#yasr .select_graph").click()
    wait(browser, "document.querySelector('.result-graph') && document.querySelector('.result-graph').dataset.drawn")
    graph = browser.find_element(By.CSS_SELECTOR, ".result-graph")
    assert int(graph.get_attribute("data-edges")) >= 6 and browser.find_element(By.CSS_SELECTOR, ".graph-canvas canvas")
    assert_all_local(requests_made(browser), server)


def test_an_undeclared_prefix_is_named_and_an_unfit_view_falls_back(server, browser):
    requests_made(browser)
    query = "SELECT ?year (COUNT(*) AS ?n) WHERE { ?s schema:foundingDate ?d BIND(YEAR(?d) AS ?year) } GROUP BY ?year"
    open_workbench(browser, server, "/query?" + urlencode({"query": query}))
    wait(browser, "document.getElementById('yasr').dataset.state === 'error'")
    message = browser.find_element(By.ID, "yasr").text
    assert "undeclared prefix 'schema:'" in message and "PREFIX schema: <https://schema.org/>" in message
    # a #defaultView the results cannot fill is not forced on them: an ASK shows its answer
    open_workbench(browser, server, "/query?" + urlencode({"query": "#defaultView:Timeline\nASK { ?s ?p ?o }"}))
    wait(browser, "document.getElementById('yasr').dataset.state === 'done'")
    assert not browser.find_elements(By.CSS_SELECTOR, ".result-timeline")
    assert "true" in browser.find_element(By.CSS_SELECTOR, "#yasr .yasr_results").text.lower()
    assert_all_local(requests_made(browser), server)


EVENTS = """#defaultView:Timeline
PREFIX schema: <https://schema.org/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?event ?eventLabel ?start WHERE {
  ?event a schema:Event ; schema:startDate ?start ; rdfs:label ?eventLabel . FILTER(LANG(?eventLabel) = "en")
} ORDER BY ?start"""


def test_timeline_and_chart_views(server, browser):
    requests_made(browser)
    open_workbench(browser, server, "/query?" + urlencode({"query": EVENTS}))
    wait(browser, "document.getElementById('yasr').dataset.plugin === 'timeline'")
    events = browser.find_elements(By.CSS_SELECTOR, ".result-timeline .event")
    labels = [e.text for e in events]
    assert len(events) >= 3 and any("Global Innopolis Forum" in label for label in labels)
    years = [int(t.text) for t in browser.find_elements(By.CSS_SELECTOR, ".result-timeline .axis text")]
    assert years == sorted(years) and years[0] <= 2024
    counts = ("PREFIX schema: <https://schema.org/>\nSELECT ?type (COUNT(?s) AS ?things) WHERE { ?s a ?type "
              "FILTER(STRSTARTS(STR(?type), STR(schema:))) } GROUP BY ?type ORDER BY DESC(?things) LIMIT 8")
    open_workbench(browser, server, "/query?" + urlencode({"query": counts}))
    wait(browser, "document.getElementById('yasr').dataset.state === 'done'")
    assert browser.execute_script("return yasr.getSelectedPluginName()") == "table"   # no #defaultView
    browser.find_element(By.CSS_SELECTOR, "#yasr .select_chart").click()
    chart = browser.find_element(By.CSS_SELECTOR, ".result-chart")
    assert chart.get_attribute("data-points") == "8" and chart.find_element(By.TAG_NAME, "canvas").size["height"] > 100
    assert_all_local(requests_made(browser), server)
