"""Data Docs of a real tax run, opened offline in headless Debian Chromium.

The index must list the run's validations (its table is drawn by bootstrap-table on
jQuery, so it is empty when a script is missing) and a validation page must be styled by
the vendored Bootstrap and show its expectations. Chromium resolves no host name
(`--host-resolver-rules`), so anything still pointing at a CDN would fail to load.
Screenshots are kept in the test's tmp folder and copied to `data/screenshots/`.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from pipelines import registry
from pipelines.core.runner import run_sector
from pipelines.core.steps import RunContext
from pipelines.generate.api import generate
from pipelines.io.lake import Lake
from pipelines.quality.docs import site_dir
from tests.browser import FILE_ACCESS, OFFLINE, chromium, screenshot

pytestmark = [pytest.mark.integration, pytest.mark.browser]

WAIT_S = 30
TAGS = re.compile(r"<(?:script[^>]*\bsrc|link[^>]*\bhref|img[^>]*\bsrc)=\"([^\"]+)\"", re.IGNORECASE)
# The rows bootstrap-table drew on the index (GX renders them from data in the page).
INDEX_ROWS = "table[data-toggle='table'] tbody tr[data-index]"


@pytest.fixture(scope="module")
def tax_docs(spark, settings, tmp_path_factory):
    """One small tax day run in-process; its settings and step results (with Data Docs pages)."""
    root = tmp_path_factory.mktemp("docs_run")
    run_settings = settings.with_overrides(
        landing_root=str(root / "landing"), lake_root=str(root / "lake"), docs_dir=str(root / "docs")
    )
    generate(run_settings.landing_root, date(2026, 11, 1), scale=0.2, seed=11, sectors=["tax"], defect_rate=0.0)
    results = list(run_sector(Lake(spark, run_settings), registry.SECTORS["tax"], RunContext("docs-1", "2026-11-01")))
    return run_settings, results


@pytest.fixture(scope="module")
def browser():
    with chromium(OFFLINE, FILE_ACCESS, console_log=True) as driver:
        yield driver


def loaded_resources(driver) -> dict:
    """Stylesheets (href, rule count) and every resource the page fetched."""
    return driver.execute_script(
        """
        const sheets = Array.from(document.styleSheets).map(s => {
          let rules = -1; try { rules = s.cssRules.length } catch (e) {}
          return {href: s.href, rules: rules};
        });
        const fetched = performance.getEntriesByType('resource').map(e => e.name);
        const tags = Array.from(document.querySelectorAll('script[src], link[href], img[src]'))
          .map(e => e.getAttribute('src') || e.getAttribute('href'));
        return {sheets: sheets, fetched: fetched, tags: tags, jquery: typeof window.jQuery,
                table: typeof (window.jQuery && window.jQuery.fn.bootstrapTable)};
        """
    )


def assert_local_only(driver, page: Path) -> dict:
    """Every stylesheet is a non-empty vendored file, every fetch is file://, nothing names http(s)."""
    seen = loaded_resources(driver)
    external = [t for t in seen["tags"] if t.startswith(("http://", "https://", "//"))]
    assert external == [], f"{page.name} still loads {external}"
    linked = [s for s in seen["sheets"] if s["href"]]
    assert linked, f"{page.name} loads no stylesheet"
    for sheet in linked:
        assert sheet["href"].startswith("file://"), sheet
        assert sheet["rules"] > 0, f"stylesheet {sheet['href']} is empty or did not load"
    assert all(url.startswith("file://") for url in seen["fetched"]), seen["fetched"]
    assert seen["jquery"] == "function" and seen["table"] == "function", "jQuery / bootstrap-table not loaded"
    missing = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert missing == [], f"{page.name}: {missing}"
    return seen


def test_no_page_of_the_site_names_an_external_script_or_stylesheet(tax_docs) -> None:
    settings, _ = tax_docs
    pages = [p for p in site_dir(settings.docs_dir).rglob("*.html") if "static" not in p.parts]
    assert len(pages) >= 4, pages  # the index and one page per gated step
    for page in pages:
        html = page.read_text("utf-8")
        refs = TAGS.findall(html)
        assert refs, page
        assert [r for r in refs if r.startswith(("http", "//"))] == [], page
        for ref in refs:
            assert (page.parent / ref).resolve().is_file(), f"{page}: {ref} does not exist"


def test_the_index_lists_the_runs_validations(tax_docs, browser, tmp_path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    settings, results = tax_docs
    index = site_dir(settings.docs_dir) / "index.html"
    browser.get(index.as_uri())
    WebDriverWait(browser, WAIT_S).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, INDEX_ROWS), message="the index's validation list stayed empty"
    )
    rows = [r.text for r in browser.find_elements(By.CSS_SELECTOR, INDEX_ROWS)]
    assert len(rows) == len(results) == 3
    for result in results:
        assert any(result.table in row for row in rows), f"{result.table} not listed: {rows}"
    assert_local_only(browser, index)
    screenshot(browser, "data-docs-index.png", tmp_path)


def test_a_validation_page_is_styled_and_shows_its_expectations(tax_docs, browser, tmp_path) -> None:
    from selenium.webdriver.common.by import By

    _, results = tax_docs
    silver = next(r for r in results if r.step == "silver")
    page = Path(silver.docs)
    assert page.is_file(), page
    browser.get(page.as_uri())
    seen = assert_local_only(browser, page)
    assert any(s["href"].endswith("/vendor/bootstrap.min.css") for s in seen["sheets"] if s["href"])
    card = browser.find_element(By.CSS_SELECTOR, ".card")
    # Bootstrap gives cards a border radius; an unstyled page leaves the browser's 0px.
    assert card.value_of_css_property("border-top-left-radius") != "0px"
    assert browser.find_element(By.TAG_NAME, "body").value_of_css_property("margin-top") == "0px"
    text = browser.find_element(By.TAG_NAME, "body").text
    assert "silver.tax_returns" in text
    for column in ("declaration_id", "taxpayer_id", "tax_paid_cny"):
        assert column in text, f"expectation on {column} not shown"
    screenshot(browser, "data-docs-validation.png", tmp_path)
