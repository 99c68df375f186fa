"""The data-sharing directory as a person sees it: headless Debian chromium (Selenium) opens
the site from file://, searches in Chinese and English, opens a table page and reads its
columns and lineage; screenshots go to data/screenshots/."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import FILE_ACCESS, chromium, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.timeout(45 * 60)]
WAIT_S = 30


@pytest.fixture(scope="module")
def site(analyst_lake) -> Path:
    """The directory of a lake where tax and health ran for one day (conftest.py)."""
    return Path(analyst_lake.docs_dir) / "directory" / "index.html"


@pytest.fixture(scope="module")
def browser():
    with chromium(FILE_ACCESS) as driver:
        yield driver


def visible_tables(driver) -> set[str]:
    from selenium.webdriver.common.by import By

    return {
        row.get_attribute("data-ref")
        for row in driver.find_elements(By.CSS_SELECTOR, "#tables tbody tr")
        if row.is_displayed()
    }


def search_for(driver, word: str) -> set[str]:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    box = driver.find_element(By.ID, "q")
    box.clear()
    box.send_keys(word)
    total = len(driver.find_elements(By.CSS_SELECTOR, "#tables tbody tr"))
    WebDriverWait(driver, WAIT_S).until(
        lambda d: len(visible_tables(d)) < total, message=f"search {word!r} filtered nothing"
    )
    return visible_tables(driver)


def test_an_analyst_finds_tables_by_keyword_and_reads_a_table_page(site, browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(site.as_uri())
    WebDriverWait(browser, WAIT_S).until(ec.presence_of_element_located((By.ID, "q")))
    everything = visible_tables(browser)
    assert "gold.tax_revenue_monthly" in everything and len(everything) > 30

    power = search_for(browser, "用电")
    assert "gold.energy_consumption_daily" in power and "silver.energy_meters" in power
    assert "gold.tax_revenue_monthly" not in power
    screenshot(browser, "directory-search-power.png")

    flu = search_for(browser, "influenza")
    assert {"gold.health_syndromic_weekly", "gold.open_health_weekly"} <= flu
    assert not any(ref.startswith(("gold.tax", "gold.energy")) for ref in flu)
    assert browser.find_element(By.ID, "count").text == f"{len(flu)} / {len(everything)}"

    browser.find_element(By.LINK_TEXT, "gold.health_syndromic_weekly").click()
    WebDriverWait(browser, WAIT_S).until(ec.presence_of_element_located((By.ID, "columns")))
    assert browser.current_url.endswith("tables/gold.health_syndromic_weekly.html")
    columns = browser.find_element(By.ID, "columns").text
    for column in ("syndrome_group", "iso_week", "city_code", "visits", "is_alert"):
        assert column in columns
    assert "influenza" in columns  # the column description the search matched
    lineage = browser.find_element(By.ID, "lineage").text
    assert "silver.health_outpatient_visits" in lineage and "silver.health_hospitals" in lineage
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "conditional" in body and "江苏省卫生健康委员会" in body and "2026-11-02" in body
    screenshot(browser, "directory-table-page.png")

    browser.find_element(By.PARTIAL_LINK_TEXT, "gold.health_syndromic_weekly.html").click()  # its Data Docs page
    WebDriverWait(browser, WAIT_S).until(ec.url_contains("/validations/gold/health_syndromic_weekly/"))
    assert "health_syndromic_weekly" in browser.page_source
    browser.back()
    WebDriverWait(browser, WAIT_S).until(ec.url_contains("tables/gold.health_syndromic_weekly.html"))

    browser.find_element(By.LINK_TEXT, "silver.health_outpatient_visits").click()
    WebDriverWait(browser, WAIT_S).until(ec.url_contains("silver.health_outpatient_visits.html"))
    assert "restricted" in browser.find_element(By.TAG_NAME, "body").text
