"""Headless Debian Chromium under chromedriver, for the tests that look at pages as a person does
(Data Docs, the data-sharing directory, the Airflow UI). Never a downloaded browser: a missing
one fails the test (`make browser` installs it), it does not skip it."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

SCREENSHOTS = Path(__file__).resolve().parents[1] / "data" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# Headless, and nothing that reaches for the network: chromium's background connections would
# only be refused, and a test must not depend on them.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1000",
)
# Lets a page (and a test's script reading `cssRules`) use file:// neighbours; it does not change
# what the page itself loads.
FILE_ACCESS = "--allow-file-access-from-files"
OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND"  # no host name resolves: a CDN link fails to load


@contextmanager
def chromium(*flags: str, console_log: bool = False) -> Iterator[object]:
    """A fresh chromium (new empty profile) with `FLAGS` plus `flags`; `console_log` keeps the
    page's console messages for `driver.get_log("browser")`."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail("Debian chromium and chromium-driver are needed: `make browser`")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, *flags):
        options.add_argument(flag)
    if console_log:
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    with tempfile.TemporaryDirectory(prefix="test-chromium-") as profile:
        options.add_argument(f"--user-data-dir={profile}")
        driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        try:
            yield driver
        finally:
            driver.quit()


def screenshot(driver, name: str, folder: Path | None = None) -> Path:
    """Save a screenshot (in `folder`, else `data/screenshots/`), check it is not blank, and keep a
    copy in `data/screenshots/`."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = (folder or SCREENSHOTS) / name
    assert driver.save_screenshot(str(path)), f"could not save {path}"
    assert path.stat().st_size > 10_000, f"{path} looks blank"
    if folder is not None:
        shutil.copy(path, SCREENSHOTS / name)
    return path
