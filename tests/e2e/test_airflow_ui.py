"""A person's view of the Airflow UI, in headless Debian chromium driven by Selenium:
log in, see the sector DAGs, open the successful tax run, keep screenshots."""

from __future__ import annotations

import urllib.parse

import pytest

from tests.browser import chromium, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(45 * 60)]

WAIT_S = 60


@pytest.fixture(scope="module")
def browser():
    with chromium() as driver:
        yield driver


def page_text(driver) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.TAG_NAME, "body").text


def wait_for_text(driver, text: str, times: int = 1) -> None:
    """Wait until `text` shows on the page at least `times` times."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, WAIT_S).until(
        lambda d: page_text(d).count(text) >= times,
        message=f"{text!r} never appeared {times} time(s) on {driver.current_url}",
    )


def test_an_operator_logs_in_sees_the_sector_dags_and_opens_the_successful_run(browser, stack, airflow, tax_run):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    assert tax_run["state"] == "success", f"the tax run failed: {tax_run['tasks']}"
    base = stack.airflow_url

    browser.get(base + "/")
    WebDriverWait(browser, WAIT_S).until(ec.presence_of_element_located((By.NAME, "username")))
    assert "/auth/login" in browser.current_url, "the UI let an anonymous visitor in"
    browser.find_element(By.NAME, "username").send_keys(stack.airflow_user)
    browser.find_element(By.NAME, "password").send_keys(stack.airflow_password)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, WAIT_S).until(lambda d: "/auth/login" not in d.current_url, message="login failed")

    sector_dags = sorted(d["dag_id"] for d in airflow.request("GET", "/dags", params={"tags": ["sector"]})["dags"])
    assert "tax" in sector_dags
    browser.get(base + "/dags?tags=sector")
    for dag_id in sector_dags:
        WebDriverWait(browser, WAIT_S).until(
            ec.presence_of_element_located((By.CSS_SELECTOR, f"a[href$='/dags/{dag_id}']")),
            message=f"sector DAG {dag_id} not listed",
        )
    screenshot(browser, "airflow-sector-dags.png")

    run_path = f"/dags/tax/runs/{urllib.parse.quote(tax_run['run_id'], safe='')}"
    browser.get(base + run_path)
    wait_for_text(browser, tax_run["run_id"])
    for task_id in tax_run["tasks"]:
        wait_for_text(browser, task_id)
    # The run's state badge and one per task instance.
    wait_for_text(browser, "Success", times=1 + len(tax_run["tasks"]))
    assert "Failed" not in page_text(browser)
    screenshot(browser, "airflow-tax-run.png")
