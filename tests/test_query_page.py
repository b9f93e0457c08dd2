"""The query page without JavaScript, in a real headless Chromium (Debian's chromium + chromedriver;
nothing fetched from the web): the plain form works on its own (progressive enhancement). The
JavaScript workbench over the same page is tested in test_workbench_browser.py."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from live_server import http

pytestmark = pytest.mark.browser
QUERY = ('SELECT ?city ?label WHERE { ?city a schema:City ; rdfs:label ?label . '
         'FILTER(lang(?label) = "en") } ORDER BY ?label')



@pytest.fixture(scope="module", autouse=True)
def without_javascript(browser):
    """Scripts off for this module's pages (Chrome DevTools' emulation), on again afterwards."""
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    yield
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})


def test_scripts_are_off(server, browser):
    browser.get(server.url + "/query")
    assert browser.find_element(By.ID, "query").is_displayed()     # the workbench would hide it
    assert not browser.find_elements(By.CSS_SELECTOR, ".CodeMirror")


def wait(driver, condition, seconds=15):
    return WebDriverWait(driver, seconds).until(condition)


def test_editor_is_prefilled_with_the_prefixes(server, browser):
    browser.get(server.url + "/query")
    text = browser.find_element(By.ID, "query").get_attribute("value")
    assert "PREFIX schema: <https://schema.org/>" in text and "PREFIX ig: <https://w3id.org/innograph/ontology#>" in text


def test_type_a_query_run_it_and_see_the_table(server, browser):
    browser.get(server.url + "/query")
    editor = browser.find_element(By.ID, "query")
    prologue = editor.get_attribute("value").split("\n\n")[0]
    editor.clear()
    editor.send_keys(prologue + "\n" + QUERY)
    browser.find_element(By.ID, "run").click()
    table = wait(browser, EC.presence_of_element_located((By.ID, "results-table")))
    headers = [th.text for th in table.find_elements(By.CSS_SELECTOR, "thead th")]
    assert headers == ["city", "label"]
    cells = [td.text for td in table.find_elements(By.CSS_SELECTOR, "tbody td")]
    assert "Daejeon @en" in cells
    link = table.find_element(By.LINK_TEXT, "city/daejeon")
    assert "DESCRIBE" in parse_qs(urlsplit(link.get_attribute("href")).query)["query"][0]
    # The URL keeps the query: opening it again shows the same query and results.
    shared = browser.current_url
    assert QUERY in parse_qs(urlsplit(shared).query)["query"][0]
    browser.get(shared)
    assert QUERY in browser.find_element(By.ID, "query").get_attribute("value")
    assert browser.find_elements(By.ID, "results-table")
    # Download links work for every SELECT format.
    links = {a.text: a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "a.download")}
    assert set(links) == {"json", "xml", "csv", "tsv"}
    path = links["csv"].split(server.url, 1)[1]
    reply = http(server, "GET", path)
    assert reply.status == 200 and reply.header("content-type").startswith("text/csv") and "Daejeon" in reply.text


def test_entity_link_describes_the_entity(server, browser):
    browser.get(server.url + "/query?query=" + "SELECT%20%3Fc%20WHERE%20%7B%20%3Fc%20a%20%3Chttps%3A%2F%2Fschema.org%2FCity%3E%20%7D")
    browser.find_element(By.LINK_TEXT, "city/daejeon").click()
    table = wait(browser, EC.presence_of_element_located((By.ID, "results-table")))
    assert [th.text for th in table.find_elements(By.CSS_SELECTOR, "thead th")] == ["subject", "predicate", "object"]
    assert "rdf:type" in table.text


def test_pick_a_named_query(server, browser):
    browser.get(server.url + "/query")
    Select(browser.find_element(By.ID, "named-query")).select_by_visible_text("Labels of a city")
    browser.find_element(By.ID, "open-named").click()
    wait(browser, EC.presence_of_element_located((By.ID, "param-city")))
    assert "name=city-label" in browser.current_url
    field = browser.find_element(By.ID, "param-city")
    field.send_keys("city/daejeon")
    browser.find_element(By.ID, "run").click()
    table = wait(browser, EC.presence_of_element_located((By.ID, "results-table")))
    assert "대전" in table.text
    assert "city=city%2Fdaejeon" in browser.current_url or "city=city/daejeon" in browser.current_url


def test_errors_are_shown_with_position(server, browser):
    browser.get(server.url + "/query?query=SELECT%20*%20WHERE%20%7B")
    error = browser.find_element(By.ID, "error")
    assert "400" in error.text and "1:" in error.text


def test_page_uses_only_local_assets(server, browser):
    browser.get(server.url + "/query")
    sources = [e.get_attribute("src") or e.get_attribute("href")
               for e in browser.find_elements(By.CSS_SELECTOR, "script[src], link[href]")]
    assert sources and all(s.startswith(server.url) for s in sources)
