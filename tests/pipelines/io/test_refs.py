"""Table references: parsed from `layer.name`, checked against the lake's layers, and placed
under the lake root the way Spark addresses it."""

from __future__ import annotations

import pytest

from pipelines.io.refs import TableRef


@pytest.mark.parametrize(
    ("dotted", "default", "expected"),
    [
        ("gold.tax_revenue_monthly", "silver", TableRef("gold", "tax_revenue_monthly")),
        ("tax_returns", "silver", TableRef("silver", "tax_returns")),
        ("tax_returns", "bronze", TableRef("bronze", "tax_returns")),
    ],
    ids=["layer-given", "default-silver", "other-default"],
)
def test_parse(dotted: str, default: str, expected: TableRef) -> None:
    ref = TableRef.parse(dotted, default)
    assert ref == expected
    assert TableRef.parse(str(ref)) == ref  # str() is the dotted form again


@pytest.mark.parametrize("layer", ["platinum", "Silver", ""])
def test_an_unknown_layer_is_refused(layer: str) -> None:
    with pytest.raises(ValueError, match="unknown layer"):
        TableRef(layer, "t")


def test_parse_refuses_an_unknown_layer_too() -> None:
    with pytest.raises(ValueError, match="'raw'"):
        TableRef.parse("raw.tax_returns")


@pytest.mark.parametrize(
    ("root", "uri"),
    [
        ("/data/lake", "/data/lake/silver/tax_returns"),
        ("/data/lake/", "/data/lake/silver/tax_returns"),
        ("s3://lake/prod", "s3a://lake/prod/silver/tax_returns"),
        ("s3a://lake/prod", "s3a://lake/prod/silver/tax_returns"),
    ],
)
def test_uri_under_the_lake_root(root: str, uri: str) -> None:
    assert TableRef("silver", "tax_returns").uri(root) == uri
