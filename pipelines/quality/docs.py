"""Data Docs that render styled offline.

GX's page templates load Bootstrap, jQuery, Font Awesome… from CDNs, so on an operator's
machine without internet the pages come out unstyled. We vendor those files
(`pipelines/quality/assets`, see LICENSES.md), copy them into the site once, and point every
rendered page at the local copies; external scripts we do not vendor (Vega, used only by
profiling charts) are dropped.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

ASSETS = Path(__file__).resolve().parent / "assets"
EXTERNAL_TAG = re.compile(
    r'<(?:script[^>]*\bsrc|link[^>]*\bhref)="(?P<url>https?://[^"]+)"[^>]*>(?:\s*</script>)?', re.IGNORECASE
)


def site_dir(docs_dir: str) -> Path:
    """The local Data Docs site under the GX project in `docs_dir`."""
    return Path(docs_dir) / "gx" / "uncommitted" / "data_docs" / "local_site"


def _vendored() -> dict[str, Path]:
    return {p.name: p.relative_to(ASSETS) for p in ASSETS.rglob("*") if p.is_file() and p.suffix in (".css", ".js")}


def _install_assets(site: Path) -> Path:
    vendor = site / "static" / "vendor"
    marker = vendor / ".installed"
    if not marker.exists():
        shutil.copytree(ASSETS, vendor, dirs_exist_ok=True)
        marker.touch()
    return vendor


def localize(html: str, vendor_relative: str) -> str:
    """Replace CDN links of `html` by the vendored copies; drop external tags we do not vendor."""
    vendored = _vendored()

    def swap(match: re.Match[str]) -> str:
        name = match.group("url").split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        if name not in vendored:
            return ""
        local = f"{vendor_relative}/{vendored[name].as_posix()}"
        return match.group(0).replace(match.group("url"), local)

    return EXTERNAL_TAG.sub(swap, html)


def make_offline(docs_dir: str, page: str | None = None) -> str:
    """Make the site index and `page` load only local assets.

    Args:
        docs_dir: the GX project folder (settings.docs_dir).
        page: a rendered page to fix as well (a validation result).

    Returns:
        The page path (or the index when no page is given).
    """
    site = site_dir(docs_dir)
    vendor = _install_assets(site)
    targets = [site / "index.html"] + ([Path(page)] if page else [])
    for target in targets:
        if target.exists():
            text = target.read_text("utf-8")
            fixed = localize(text, os.path.relpath(vendor, target.parent))
            if fixed != text:
                target.write_text(fixed, "utf-8")
    return str(targets[-1])
