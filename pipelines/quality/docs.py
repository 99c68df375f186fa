"""Data Docs that render styled offline.

GX's page templates load Bootstrap, jQuery, Font Awesome… from CDNs, so on an operator's
machine without internet the pages come out unstyled (and the index's list of validations,
drawn by bootstrap-table on jQuery, comes out empty). We vendor those files
(`pipelines/quality/vendor`, see LICENSES.md) and point every page at the local copies.

The site is configured with our store backend (`pipelines.quality.offline_site`), so every
page GX writes — index, validation and suite pages, whichever code path renders them — is
rewritten on its way to disk: CDN scripts and stylesheets become the vendored files, GX's
logo comes from the site's own images, external scripts we do not vendor (Vega, used only
by profiling charts) are dropped, and GX's relative `static/` links get the page's real depth.
This module imports nothing heavy; the backend module imports GX.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

ASSETS = Path(__file__).resolve().parent / "vendor"
SITE_NAME = "local_site"
SITE_BASE = "uncommitted/data_docs/local_site/"
BACKEND = {"module_name": "pipelines.quality.offline_site", "class_name": "OfflineSiteBackend"}
EXTERNAL_TAG = re.compile(
    r'<(?P<tag>script|link|img)\b[^>]*?\b(?:src|href)="(?P<url>https?://[^"]+)"[^>]*>(?:\s*</script>)?',
    re.IGNORECASE,
)
RELATIVE_STATIC = re.compile(r'(?P<attr>\b(?:src|href)=")(?:\./|(?:\.\./)+)?static/', re.IGNORECASE)
# Cross-origin attributes make Chromium fetch a file:// script in CORS mode, which fails.
CROSS_ORIGIN_ATTR = re.compile(r'\s(?:integrity|crossorigin)="[^"]*"', re.IGNORECASE)
GX_IMAGES = ("logo-long.png", "short-logo.png", "favicon.ico")


def site_dir(docs_dir: str) -> Path:
    """The local Data Docs site under the GX project in `docs_dir`."""
    return Path(docs_dir) / "gx" / SITE_BASE


def site_config() -> dict[str, Any]:
    """The `data_docs_sites` entry of our GX project: the offline backend, no how-to pop-ups."""
    return {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {**BACKEND, "base_directory": SITE_BASE},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }


def _library(name: str) -> str:
    """`jquery-3.7.1.min.js` and `jquery.min.js` are the same library: drop versions and `.min`."""
    return re.sub(r"[-@]\d+(?:\.\d+)*", "", name).replace(".min.", ".")


def vendored() -> dict[str, Path]:
    """Vendored files by library name (`jquery.js` → `jquery.min.js`), relative to the assets folder."""
    return {
        _library(p.name): p.relative_to(ASSETS)
        for p in ASSETS.rglob("*")
        if p.is_file() and p.suffix in (".css", ".js")
    }


def install_assets(site: Path) -> Path:
    """Copy the vendored files into `<site>/static/vendor` (once) and return that folder."""
    vendor = site / "static" / "vendor"
    marker = vendor / ".installed"
    if not marker.exists():
        shutil.copytree(ASSETS, vendor, dirs_exist_ok=True)
        marker.touch()
    return vendor


def localize(html: str, static_relative: str) -> str:
    """Point `html` at local files only.

    Args:
        html: a rendered Data Docs page.
        static_relative: the site's `static` folder relative to the page's folder
            (`static` for the index, `../../../../../static` for a validation page).

    Returns:
        The page with CDN scripts/stylesheets replaced by the vendored copies, GX's logo
        by the site's image, other external scripts, stylesheets and images removed, and
        every relative `static/` reference pointing at the real folder.
    """
    libraries = vendored()
    html = RELATIVE_STATIC.sub(lambda m: f"{m.group('attr')}{static_relative}/", html)

    def swap(match: re.Match[str]) -> str:
        url = match.group("url")
        name = url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        if match.group("tag").lower() == "img":
            local = f"{static_relative}/images/{name}" if name in GX_IMAGES else ""
        else:
            found = libraries.get(_library(name))
            local = f"{static_relative}/vendor/{found.as_posix()}" if found else ""
        if not local:
            return ""
        return CROSS_ORIGIN_ATTR.sub("", match.group(0).replace(url, local))

    return EXTERNAL_TAG.sub(swap, html)


def localize_page(site: Path, page: Path, html: str) -> str:
    """`localize` a page about to be written at `page` inside `site` (installs the assets)."""
    install_assets(site)
    return localize(html, Path(os.path.relpath(site / "static", page.parent)).as_posix())


def make_offline(docs_dir: str) -> int:
    """Rewrite every page already in the site (pages GX wrote before the site used our backend).

    Returns:
        How many pages changed.
    """
    site = site_dir(docs_dir)
    changed = 0
    for page in site.rglob("*.html"):
        if "static" in page.relative_to(site).parts:
            continue
        text = page.read_text("utf-8")
        fixed = localize_page(site, page, text)
        if fixed != text:
            page.write_text(fixed, "utf-8")
            changed += 1
    return changed


def ensure_offline_site(context: Any, docs_dir: str) -> None:
    """Configure the GX project's site with the offline backend; repair older pages once.

    Args:
        context: the GX file context of `docs_dir`.
        docs_dir: the GX project folder (settings.docs_dir).
    """
    sites = dict(context.variables.data_docs_sites or {})
    current = (sites.get(SITE_NAME) or {}).get("store_backend", {})
    if current.get("class_name") == BACKEND["class_name"]:
        return
    if SITE_NAME in sites:
        context.update_data_docs_site(SITE_NAME, site_config())
    else:
        context.add_data_docs_site(SITE_NAME, site_config())
    make_offline(docs_dir)


def docs_url(settings: Any, path: str | Path) -> str:
    """A link to a file under `settings.docs_dir` (a Data Docs or directory page).

    Args:
        settings: the lakehouse settings (`docs_dir`, `docs_base_url`).
        path: the file, under `docs_dir`.

    Returns:
        `<docs_base_url>/<path relative to docs_dir>` when the docs are served, else a file:// URI.
    """
    target = Path(path).absolute()
    if not settings.docs_base_url:
        return target.as_uri()
    relative = target.relative_to(Path(settings.docs_dir).absolute()).as_posix()
    return f"{settings.docs_base_url.rstrip('/')}/{relative}"
