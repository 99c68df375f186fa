"""Gold specs: sources read whole are left out of the partitioned sources, and at least one
source must stay limited to touched partitions."""

from __future__ import annotations

import pytest

from pipelines.core.spec import Catalog, GoldSpec
from pipelines.io.refs import TableRef

CATALOG = Catalog(owner="o", description="d")


def test_whole_sources_are_left_out_of_the_partitioned_sources() -> None:
    spec = GoldSpec(
        "g", ("facts", "silver.register", "gold.other"), "m:f", "date", CATALOG, whole_sources=("silver.register",)
    )
    assert spec.source_refs == (TableRef("silver", "facts"), TableRef("silver", "register"), TableRef("gold", "other"))
    assert spec.partitioned_refs == (TableRef("silver", "facts"), TableRef("gold", "other"))


@pytest.mark.parametrize(
    ("sources", "whole"),
    [(("facts",), ("register",)), (("register",), ("register",))],
    ids=["not-a-source", "nothing-left-to-limit"],
)
def test_whole_sources_must_leave_a_limited_source(sources: tuple, whole: tuple) -> None:
    with pytest.raises(ValueError, match="g:"):
        GoldSpec("g", sources, "m:f", "date", CATALOG, whole_sources=whole)
