"""Expectations derived from the specs join the hand-written suites."""

from __future__ import annotations

from pipelines.quality.derive import derived_expectations, merge_suites


def _types(entries):
    return {(e["type"], str(e["kwargs"].get("column") or e["kwargs"].get("column_list"))) for e in entries}


def test_tax_contract_implies_key_required_codes_ranges_and_checks() -> None:
    derived = _types(derived_expectations("silver", "tax_returns"))
    assert ("expect_column_values_to_be_unique", "declaration_id") in derived
    assert ("expect_column_values_to_not_be_null", "tax_period") in derived
    assert ("expect_column_values_to_be_in_set", "tax_type_code") in derived
    assert ("expect_column_values_to_be_between", "version") in derived
    assert ("expect_column_values_to_be_valid_uscc", "taxpayer_id") in derived
    assert ("expect_column_values_to_be_jiangsu_division", "division_code") in derived


def test_pii_columns_and_history_keys_are_not_derived() -> None:
    visits = _types(derived_expectations("silver", "health_outpatient_visits"))
    assert not [c for _, c in visits if c in ("patient_id_no", "patient_name", "patient_phone")]
    history = _types(derived_expectations("silver", "credit_legal_entity"))
    assert not [t for t, _ in history if "unique" in t]
    assert derived_expectations("gold", "tax_revenue_monthly") == []


def test_written_expectations_win_and_missing_columns_are_skipped() -> None:
    written = [{"type": "expect_column_values_to_be_unique", "kwargs": {"column": "declaration_id"}, "policy": "warn"}]
    derived = derived_expectations("silver", "tax_returns")
    merged = merge_suites(written, derived, ["declaration_id", "taxpayer_id"])
    assert merged[0]["policy"] == "warn"
    assert {e["kwargs"].get("column") for e in merged} <= {"declaration_id", "taxpayer_id"}
    assert ("expect_column_values_to_be_valid_uscc", "taxpayer_id") in _types(merged)
