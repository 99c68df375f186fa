"""Offline Data Docs: pages point at vendored files, whichever GX code path wrote them."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipelines.quality import docs, gate

EXTERNAL = re.compile(r"<(?:script[^>]*\bsrc|link[^>]*\bhref|img[^>]*\bsrc)=\"(?:https?:)?//", re.IGNORECASE)


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ('<script src="https://code.example.org/jquery-3.7.1.min.js"></script>', "../static/vendor/jquery.min.js"),
        (
            '<script src="https://cdn.example.org/popper.js/1.12.9/umd/popper.min.js" integrity="sha384-x" '
            'crossorigin="anonymous"></script>',
            '<script src="../static/vendor/popper.min.js"></script>',
        ),
        (
            '<link rel="stylesheet" href="https://cdn.example.org/bootstrap-table@1.19.0/dist/extensions/'
            'filter-control/bootstrap-table-filter-control.css">',
            "../static/vendor/bootstrap-table-filter-control.min.css",
        ),
        (
            '<link rel="stylesheet" href="https://cdn.example.org/font-awesome/6.6.0/css/all.min.css">',
            "../static/vendor/css/all.min.css",
        ),
        (
            '<img src="https://assets.example.org/logo-long.png?d=1&dataContextId=abc" alt="">',
            "../static/images/logo-long.png",
        ),
        ('<link rel="shortcut icon" href="../../static/images/favicon.ico">', 'href="../static/images/favicon.ico"'),
    ],
)
def test_cdn_tags_become_local_files(tag: str, expected: str) -> None:
    assert expected in docs.localize(tag, "../static")


@pytest.mark.parametrize(
    "tag",
    ['<script src="https://cdn.example.org/npm/vega@5"></script>', '<img src="https://example.org/pixel.gif">'],
)
def test_external_files_we_do_not_vendor_are_dropped(tag: str) -> None:
    assert docs.localize(f"<p>{tag}</p>", "static") == "<p></p>"


def test_links_stay_and_localizing_twice_changes_nothing() -> None:
    page = '<a href="https://greatexpectations.io">GX</a><script src="https://x.example.org/bootstrap.min.js"></script>'
    once = docs.localize(page, "../../static")
    assert (
        once
        == '<a href="https://greatexpectations.io">GX</a><script src="../../static/vendor/bootstrap.min.js"></script>'
    )
    assert docs.localize(once, "../../static") == once


def _store_result(context, name: str, run_name: str):
    from great_expectations.core import ExpectationSuiteValidationResult
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    key = ValidationResultIdentifier(
        ExpectationSuiteIdentifier(name), RunIdentifier(run_name=run_name, run_time=datetime.now(UTC)), name
    )
    result = ExpectationSuiteValidationResult(success=True, results=[], suite_name=name, statistics={})
    context.validation_results_store.set(key, result)
    return key


def _external_pages(docs_dir: str) -> list[Path]:
    pages = [p for p in docs.site_dir(docs_dir).rglob("*.html") if "static" not in p.parts]
    assert pages
    return [p for p in pages if EXTERNAL.search(p.read_text("utf-8"))]


def test_a_site_built_by_gx_defaults_is_repaired_and_every_later_build_is_offline(tmp_path, monkeypatch) -> None:
    import great_expectations as gx

    from pipelines.settings import load_settings

    settings = load_settings().with_overrides(docs_dir=str(tmp_path / "docs"))
    plain = gx.get_context(mode="file", project_root_dir=settings.docs_dir)  # GX's own site config
    first = _store_result(plain, "silver.things", "manual__2026-11-01T00:00:00+00:00")
    plain.build_data_docs()
    assert _external_pages(settings.docs_dir), "GX's default pages should load from CDNs"

    monkeypatch.setattr(gate, "_CONTEXTS", {})
    context = gate._context(settings)  # switches the site to the offline backend, repairs older pages
    assert _external_pages(settings.docs_dir) == []
    second = _store_result(context, "gold.things", "run-2")
    context.build_data_docs()  # a full rebuild through GX re-renders every page
    assert _external_pages(settings.docs_dir) == []
    for key in (first, second):
        page = Path(gate.page_for(settings.docs_dir, key))
        assert page.is_file() and "static/vendor/jquery.min.js" in page.read_text("utf-8")
