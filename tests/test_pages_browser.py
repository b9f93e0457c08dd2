"""Entity pages in a real headless Chromium, served by a real HTTP server on 127.0.0.1."""

from __future__ import annotations


import pytest


pytestmark = pytest.mark.browser


def test_daejeon_page_in_chromium(browser, server_url):
    from selenium.webdriver.common.by import By

    browser.get(server_url + "/id/city/daejeon")          # the 303 is followed by the browser
    assert browser.current_url == server_url + "/doc/city/daejeon"
    assert browser.title.startswith("Daejeon")
    heading = browser.find_element(By.TAG_NAME, "h1")
    assert heading.text == "Daejeon" and heading.get_attribute("lang") == "en"

    statistics = browser.find_element(By.CSS_SELECTOR, "table.statistics")
    assert statistics.find_element(By.TAG_NAME, "caption").text.startswith("Statistical observations")
    rows = statistics.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) >= 5
    values = [row.find_element(By.CSS_SELECTOR, "td.number").text for row in rows]
    assert any(value.startswith(("≈", ">", "<")) for value in values)   # a qualified figure shows its marker

    memberships = browser.find_element(By.CSS_SELECTOR, "table.memberships")
    assert memberships.is_displayed()
    member_rows = memberships.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert member_rows and all("Global Innopolis Network Initiative" in row.text for row in member_rows)
    assert any("founding member" in row.text for row in member_rows)

    outbound = {a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "ul.outbound a")}
    assert "http://www.wikidata.org/entity/Q20921" in outbound
    assert "https://sws.geonames.org/1835235/" in outbound
    assert "https://daejeon.go.kr/" in outbound

    picture = browser.find_element(By.CSS_SELECTOR, "svg.neighbourhood")
    assert picture.get_attribute("role") == "img" and picture.size["width"] > 300
    # Everything the page loaded came from this server: no CDN, no web fonts.
    loaded = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    assert loaded and all(url.startswith(server_url) for url in loaded), loaded

    # Following a link in the membership table opens the alliance's own page.
    memberships.find_element(By.LINK_TEXT, "Global Innopolis Network Initiative").click()
    assert browser.current_url == server_url + "/doc/alliance/gini"
    assert browser.find_element(By.TAG_NAME, "h1").text == "Global Innopolis Network Initiative"
