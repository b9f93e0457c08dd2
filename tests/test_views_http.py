"""/graphs over HTTP: formats by ?format= and Accept, errors, and the pages in a real headless Chromium.

The Flask app is built by ``create_app`` over an on-disk copy of the shipped data. The browser tests
serve it on 127.0.0.1 with werkzeug's server and drive Debian's chromium through chromedriver.
"""

from __future__ import annotations

import io
import json
import re
import threading
import xml.etree.ElementTree as ET

import networkx as nx
import pytest


ID = "https://w3id.org/innograph/id/"
GINI = ID + "alliance/gini"
FOUNDERS = {"Daejeon", "Dortmund", "Málaga", "Montgomery County", "Seattle"}
MEMBERS = FOUNDERS | {"Quebec"}
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"



# -- listing and conneg ----------------------------------------------------------------------------

def test_listing_by_content_negotiation(client):
    listing = client.get("/graphs", headers={"Accept": "application/json"})
    assert listing.status_code == 200 and listing.mimetype == "application/json"
    views = {v["name"]: v for v in listing.json["views"]}
    assert set(views) == {"alliances", "partnerships", "city_projection", "ecosystem", "rankings", "events"}
    assert views["alliances"]["params"] == ["as_of", "history"] and views["alliances"]["url"] == "/graphs/alliances"
    assert client.get("/graphs?format=json").mimetype == "application/json"
    page = client.get("/graphs", headers={"Accept": BROWSER_ACCEPT})
    assert page.mimetype == "text/html" and b'href="/graphs/alliances"' in page.data


def test_a_browser_gets_the_interactive_page(client):
    page = client.get("/graphs/alliances", headers={"Accept": BROWSER_ACCEPT})
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert 'id="year"' in text and '<nav aria-label="Main">' in text        # inside the site layout
    assert 'href="/graphs/alliances?format=graphml"' in text and 'href="/graphs/alliances/map"' in text
    # vis-network and the page's script are separate cached files, not inlined into every page
    assert len(text) < 60_000 and "vis.Network" not in text
    script = re.search(r'<script src="(/graphs/assets/graph-view\.js\?v=\w+)"', text).group(1)
    vis = re.search(r'<script src="(/static/build/vis-network\.min\.js\?v=\w+)"', text).group(1)
    for url in (script, vis):
        with client.get(url) as reply:
            assert reply.status_code == 200 and "immutable" in reply.headers["Cache-Control"]
            assert b"vis.Network" in reply.data or b"Network" in reply.data
            etag = reply.headers["ETag"]
        with client.get(url, headers={"If-None-Match": etag}) as again:
            assert again.status_code == 304
    assert client.get("/graphs/assets/nothing.js").status_code == 404


@pytest.mark.parametrize("fmt, media_type", [
    ("graphml", "application/graphml+xml"), ("gexf", "application/gexf+xml"), ("json", "application/json"),
    ("cyjs", "application/vnd.cytoscape+json"), ("dot", "text/vnd.graphviz"), ("svg", "image/svg+xml"),
    ("png", "image/png"),
])
def test_every_format_by_parameter_and_by_accept(client, fmt, media_type):
    by_parameter = client.get(f"/graphs/alliances?format={fmt}&as_of=2024")
    by_accept = client.get("/graphs/alliances?as_of=2024", headers={"Accept": media_type})
    for response in (by_parameter, by_accept):
        assert response.status_code == 200, response.data[:200]
        assert response.mimetype == media_type
        assert response.headers["Content-Disposition"].endswith(f'filename="alliances-2024.{fmt}"')
    assert by_parameter.data[:60] == by_accept.data[:60]


def test_graphml_over_http_follows_as_of(client):
    now = nx.read_graphml(io.BytesIO(client.get("/graphs/alliances?format=graphml").data))
    then = nx.read_graphml(io.BytesIO(client.get("/graphs/alliances?format=graphml&as_of=2024").data))
    assert {now.nodes[n]["short"] for n in now} == MEMBERS | {"GINI"}
    assert {then.nodes[n]["short"] for n in then} == FOUNDERS | {"GINI"}
    history = json.loads(client.get("/graphs/alliances?format=json&history=true").data)
    assert len(history["edges"]) == 10


def test_metrics_json_with_an_explained_path(client):
    response = client.get("/graphs/alliances/metrics?from=Quebec&to=Daejeon")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.json
    assert body["path"] == "Quebec -[member since 2025]-> GINI <-[founding member]- Daejeon"
    assert body["centrality"][0]["label"] == "GINI" and len(body["bridges"]) == 6
    assert client.get("/graphs/alliances/metrics?as_of=2024").json["nodes"] == 6
    ecosystem = client.get("/graphs/ecosystem/metrics?city=city/daejeon").json
    assert ecosystem["centrality"][0]["label"] == "Daejeon"


def test_other_views_and_the_map(client):
    page = client.get("/graphs/ecosystem?city=city/daejeon")
    assert page.status_code == 200 and b"Daedeok Innopolis" in page.data
    assert client.get("/graphs/city-projection?format=json").json["graph"]["view"] == "city_projection"
    map_page = client.get("/graphs/alliances/map")
    assert map_page.status_code == 200 and map_page.mimetype == "text/html"
    assert b"graticule" in map_page.data and b"Natural Earth" in map_page.data  # the page says what it draws
    assert b"/static/build/maps.js" in map_page.data and b'<nav aria-label="Main">' in map_page.data
    listing = client.get("/graphs", headers={"Accept": BROWSER_ACCEPT}).get_data(as_text=True)
    assert '<nav aria-label="Main">' in listing and "slower" not in listing and "Performance" not in listing


@pytest.mark.parametrize("url, headers, status, message", [
    ("/graphs/nope", {}, 404, "unknown view 'nope'"),
    ("/graphs/nope/metrics", {}, 404, "unknown view 'nope'"),
    ("/graphs/alliances?as_of=last-year", {}, 400, "as_of: expected a year such as 2024"),
    ("/graphs/alliances/metrics?as_of=2O24", {}, 400, "as_of: expected a year"),
    ("/graphs/alliances/map?as_of=x", {}, 400, "as_of: expected a year"),
    ("/graphs/alliances?history=maybe", {}, 400, "history: expected true or false"),
    ("/graphs/partnerships?as_of=2024&format=json", {}, 400, "the partnerships view takes no as_of parameter"),
    ("/graphs/ecosystem?format=json", {}, 400, "the ecosystem view needs a city"),
    ("/graphs/ecosystem?city=city/atlantis&format=json", {}, 404, "no place <https://w3id.org/innograph/id/city/atlantis>"),
    ("/graphs/alliances?format=pdf", {}, 400, "format: 'pdf' is not offered here"),
    ("/graphs/alliances", {"Accept": "application/x-nothing"}, 406, "none of the offered media types"),
    ("/graphs/alliances/metrics?from=Quebec", {}, 400, "from and to: give both"),
    ("/graphs/alliances/metrics?from=Quebec&to=Atlantis", {}, 404, "no node 'Atlantis'"),
])
def test_errors_name_what_was_wrong(client, url, headers, status, message):
    response = client.get(url, headers=headers)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)


# -- a real browser --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def live_url(app):
    from werkzeug.serving import make_server
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def _wait(driver, script, timeout=30):
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(driver, timeout).until(lambda d: d.execute_script(script))


def _drawn_members(driver) -> set[str]:
    """Labels of the non-alliance nodes the network is drawing (not hidden, with a canvas position)."""
    return set(driver.execute_script("""
        const view = window.innographView;
        const ids = view.visibleNodes().filter(n => n.type !== 'Alliance').map(n => n.id);
        const positions = view.network.getPositions(ids);
        return ids.filter(id => positions[id] && isFinite(positions[id].x)).map(id => view.nodes.get(id).label);
    """))


@pytest.mark.browser
def test_alliance_page_draws_six_members_and_the_slider_replays_the_growth(browser, live_url):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    browser.get(live_url + "/graphs/alliances")
    _wait(browser, "return document.body.getAttribute('data-ready') === 'true'")
    assert _drawn_members(browser) == MEMBERS
    slider = browser.find_element(By.ID, "year")
    assert (slider.get_attribute("min"), slider.get_attribute("max"), slider.get_attribute("value")) == \
        ("2024", "2026", "2026")
    slider.send_keys(Keys.HOME)  # the real keyboard: the slider's first year, 2024
    assert browser.find_element(By.ID, "year-label").text == "2024"
    assert _drawn_members(browser) == FOUNDERS
    assert browser.find_element(By.ID, "count").text == "6 of 8 nodes shown"
    browser.find_element(By.ID, "include-ended").click()  # the launch's invited guests come back
    assert _drawn_members(browser) == FOUNDERS | {"Quebec", "Hsinchu"}
    browser.find_element(By.ID, "include-ended").click()
    slider.send_keys(Keys.END)
    assert browser.find_element(By.ID, "year-label").text == "2026"
    assert _drawn_members(browser) == MEMBERS
    slider.send_keys(Keys.ARROW_LEFT)
    assert browser.find_element(By.ID, "year-label").text == "2025"
    assert _drawn_members(browser) == MEMBERS
    # colour by country: the legend switches to countries
    browser.find_element(By.CSS_SELECTOR, "#colour-by option[value=country]").click()
    legend = {e.text for e in browser.find_elements(By.CSS_SELECTOR, "#legend .legend-item")}
    assert {"South Korea", "Germany", "Spain", "United States", "Canada"} <= legend
    # offline: every resource the page loaded came from this server
    origins = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => new URL(e.name).origin)")
    assert set(origins) <= {live_url}


@pytest.mark.browser
def test_map_places_members_where_they_are(browser, live_url):
    from selenium.webdriver.common.by import By
    browser.get(live_url + "/graphs/alliances/map")
    svg = browser.find_element(By.ID, "map")
    box = svg.rect
    places = {}
    for element in browser.find_elements(By.CSS_SELECTOR, "g[data-node]"):
        if not element.is_displayed():
            continue
        mark = element.find_element(By.CSS_SELECTOR, "circle, rect")
        r = mark.rect
        places[element.get_attribute("data-iri")] = {
            "x": r["x"] + r["width"] / 2 - box["x"], "y": r["y"] + r["height"] / 2 - box["y"],
            "lon": float(element.get_attribute("data-lon")), "lat": float(element.get_attribute("data-lat"))}
    members = {iri: p for iri, p in places.items() if iri != GINI}
    assert {iri.rsplit("/", 1)[1] for iri in members} == {
        "daejeon", "dortmund", "malaga", "montgomery-county", "seattle", "quebec"}
    width, height = box["width"], box["height"]
    for iri, p in members.items():
        # the right quadrant: east of Greenwich on the right half, all of them in the north
        assert (p["x"] > width / 2) == (p["lon"] > 0), iri
        assert p["y"] < height / 2, iri
        assert p["x"] == pytest.approx((p["lon"] + 180) / 360 * width, abs=2)
        assert p["y"] == pytest.approx((90 - p["lat"]) / 180 * height, abs=2)
    by_x = sorted(members, key=lambda i: members[i]["x"])
    assert by_x == sorted(members, key=lambda i: members[i]["lon"])
    by_y = sorted(members, key=lambda i: members[i]["y"])
    assert by_y == sorted(members, key=lambda i: -members[i]["lat"])
    # the year slider on the map: at 2024 Quebec is not drawn
    browser.execute_script("const s = document.getElementById('year'); s.value = 2024;"
                           "s.dispatchEvent(new Event('input'))")
    shown = {e.get_attribute("data-iri").rsplit("/", 1)[1] for e in browser.find_elements(By.CSS_SELECTOR, "g[data-node]")
             if e.is_displayed()}
    assert shown == {"daejeon", "dortmund", "malaga", "montgomery-county", "seattle", "gini"}
    assert ET.fromstring(svg.get_attribute("outerHTML")).tag.endswith("svg")
    # land from Natural Earth under the places, then zoom in with the map's button: places move apart
    _wait(browser, "return document.getElementById('map').dataset.land === 'drawn'")
    assert browser.execute_script("return document.querySelector('#map path.land').getAttribute('d').length") > 10000
    dortmund = browser.find_element(By.CSS_SELECTOR, "g[data-iri$='city/dortmund']").rect
    daejeon = browser.find_element(By.CSS_SELECTOR, "g[data-iri$='city/daejeon']").rect
    browser.find_element(By.CSS_SELECTOR, ".map-controls button[title='Zoom in']").click()
    _wait(browser, "return parseFloat(document.getElementById('map').dataset.zoom) > 1.5")
    dortmund2 = browser.find_element(By.CSS_SELECTOR, "g[data-iri$='city/dortmund']").rect
    daejeon2 = browser.find_element(By.CSS_SELECTOR, "g[data-iri$='city/daejeon']").rect
    assert abs(daejeon2["x"] - dortmund2["x"]) > 1.5 * abs(daejeon["x"] - dortmund["x"])
