"""Gates: the single-pass engine agrees with GX's own execution, policies decide, Data Docs work offline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipelines import ids
from pipelines.quality import gate
from pipelines.quality import suites as suites_module

GOOD = "91320102MA1X2Y3K4" + ids.uscc_check_char("91320102MA1X2Y3K4")
SUITE = """
expectations:
  - {type: expect_column_values_to_not_be_null, kwargs: {column: id}, policy: block}
  - {type: expect_column_values_to_be_unique, kwargs: {column: id}, policy: block}
  - {type: expect_compound_columns_to_be_unique, kwargs: {column_list: [id, kind]}, policy: warn}
  - {type: expect_column_values_to_be_between, kwargs: {column: amount, min_value: 0, max_value: 100}, policy: block}
  - {type: expect_column_values_to_be_in_set, kwargs: {column: kind, value_set: [a, b]}, policy: warn}
  - {type: expect_column_values_to_match_regex, kwargs: {column: kind, regex: '^[a-z]$', mostly: 0.5}, policy: block}
  - {type: expect_column_values_to_be_valid_uscc, kwargs: {column: uscc}, policy: block}
  - {type: expect_column_values_to_be_jiangsu_division, kwargs: {column: division}, policy: warn}
  - {type: expect_table_row_count_to_be_between, kwargs: {min_value: 1}, policy: block}
"""
ROWS = [
    ("1", "a", 5, GOOD, "320102"),
    ("2", "b", 500, GOOD[:17] + ("0" if GOOD[17] != "0" else "1"), "110101"),
    ("2", "z", -1, GOOD, "320583"),
    (None, "a", None, None, None),
]


@pytest.fixture
def suites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "silver").mkdir()
    (tmp_path / "silver" / "things.yaml").write_text(SUITE)
    monkeypatch.setattr(suites_module, "SUITES_DIR", tmp_path)
    return tmp_path


def _frame(spark):
    return spark.createDataFrame(ROWS, "id string, kind string, amount int, uscc string, division string")


def test_single_pass_gives_the_same_verdicts_as_gx(spark, fresh_settings, suites) -> None:
    fast = gate.run_gate(_frame(spark), "silver", "things", "t1", fresh_settings, engine="single_pass")
    slow = gate.run_gate(_frame(spark), "silver", "things", "t2", fresh_settings, engine="gx")
    key = lambda o: (o.expectation, o.column)  # noqa: E731
    assert {key(o): o.success for o in fast.outcomes} == {key(o): o.success for o in slow.outcomes}
    counted = {key(o): o.failing for o in fast.outcomes}
    assert counted[("expect_column_values_to_not_be_null", "id")] == 1
    assert counted[("expect_column_values_to_be_between", "amount")] == 2
    assert counted[("expect_column_values_to_be_valid_uscc", "uscc")] == 1
    assert counted[("expect_column_values_to_be_jiangsu_division", "division")] == 1
    assert not fast.passed and "FAILED" in fast.summary()


def test_a_blocking_failure_raises_with_table_rule_count_and_sample(spark, fresh_settings, suites) -> None:
    result = gate.run_gate(_frame(spark), "silver", "things", "t3", fresh_settings)
    with pytest.raises(gate.GateFailed) as err:
        gate.enforce(result)
    message = str(err.value)
    assert "silver.things" in message
    assert "expect_column_values_to_be_between(amount) [block]: 2 failing, e.g. ['-1', '500']" in message
    assert "expect_column_values_to_be_in_set" not in message  # warn-only failures do not block


def test_warnings_do_not_block(spark, fresh_settings, suites) -> None:
    clean = spark.createDataFrame(
        [("1", "z", 5, GOOD, "110101")], "id string, kind string, amount int, uscc string, division string"
    )
    result = gate.run_gate(clean, "silver", "things", "t4", fresh_settings)
    assert result.passed and len(result.warnings) == 2
    assert gate.enforce(result) is result


def test_data_docs_page_renders_with_local_assets_only(spark, fresh_settings, suites) -> None:
    result = gate.run_gate(_frame(spark), "silver", "things", "t5", fresh_settings)
    page = Path(result.docs)
    html = page.read_text("utf-8")
    assert "expect_column_values_to_be_between" in html or "values must be" in html
    resources = re.findall(r'<(?:script[^>]*\bsrc|link[^>]*\bhref)="([^"]+)"', html)
    assert resources and not [r for r in resources if r.startswith("http")]
    for r in resources:
        if "vendor" in r:
            assert (page.parent / r).resolve().exists(), r


def test_quarantine_threshold(tmp_path, monkeypatch) -> None:
    (tmp_path / "silver").mkdir()
    (tmp_path / "silver" / "t.yaml").write_text("expectations: []\nquarantine: {max_share: 0.01, policy: block}\n")
    monkeypatch.setattr(suites_module, "SUITES_DIR", tmp_path)
    assert gate.quarantine_gate("t", 1000, 10).passed
    with pytest.raises(gate.GateFailed, match=r"quarantined_share_at_most.*11 failing"):
        gate.enforce(gate.quarantine_gate("t", 1000, 11))
