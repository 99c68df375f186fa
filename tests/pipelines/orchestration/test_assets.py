"""Airflow assets of lake tables: one URI per table, the same for publisher and consumer."""

from __future__ import annotations

import pytest

from pipelines.orchestration.assets import asset_uri


@pytest.mark.parametrize(
    ("layer", "table", "uri"),
    [
        ("gold", "credit_enterprise_profile", "lake://gold/credit_enterprise_profile"),
        ("silver", "t", "lake://silver/t"),
    ],
)
def test_asset_uri(layer: str, table: str, uri: str) -> None:
    assert asset_uri(layer, table) == uri
