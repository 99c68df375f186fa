"""Quality suites as package data: expectations with a policy each, a delivery-level quarantine
threshold, and a clear error for a policy that is neither `block` nor `warn`."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.quality import suites


@pytest.fixture
def suites_dir(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setattr(suites, "SUITES_DIR", tmp_path)
    (tmp_path / "silver").mkdir()
    return tmp_path / "silver"


def test_the_packaged_suite_of_a_table() -> None:
    entries = suites.load_suite("silver", "tax_returns")
    assert {"block", "warn"} == {e["policy"] for e in entries}
    assert {
        "type": "expect_column_values_to_not_be_null",
        "kwargs": {"column": "taxpayer_id"},
        "policy": "block",
    } in entries
    assert suites.quarantine_rule("tax_returns") == {"max_share": 0.10, "policy": "block"}


def test_a_table_without_a_suite_has_no_expectations_and_no_threshold() -> None:
    assert suites.load_suite("silver", "no_such_table") == []
    assert suites.quarantine_rule("no_such_table") is None


def test_an_unknown_policy_is_refused(suites_dir: Path) -> None:
    (suites_dir / "t.yaml").write_text(
        "expectations:\n  - {type: expect_column_values_to_not_be_null, kwargs: {column: a}, policy: stop}\n"
    )
    with pytest.raises(ValueError, match=r"suite silver/t.yaml: policy must be one of \('block', 'warn'\)"):
        suites.load_suite("silver", "t")


def test_a_suite_without_threshold(suites_dir: Path) -> None:
    (suites_dir / "t.yaml").write_text("expectations:\n  - {type: expect_column_to_exist, kwargs: {column: a}}\n")
    assert suites.load_suite("silver", "t") == [{"type": "expect_column_to_exist", "kwargs": {"column": "a"}}]
    assert suites.quarantine_rule("t") is None


def test_policy_meta_defaults_to_block() -> None:
    assert suites.policy_meta({"type": "x"}) == {"policy": "block", "why": ""}
    assert suites.policy_meta({"policy": "warn", "why": "unusual"}) == {"policy": "warn", "why": "unusual"}
