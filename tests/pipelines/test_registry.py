"""The registry of sectors: every sector by its name, and a clear error for an unknown one."""

from __future__ import annotations

import pytest

from pipelines import registry
from pipelines.tax import SECTOR as TAX


def test_sectors_are_keyed_by_their_own_name() -> None:
    assert all(name == sector.name for name, sector in registry.SECTORS.items())
    assert set(registry.SECTORS) == {"tax", "energy", "transport", "credit", "health", "enterprise"}
    assert registry.SECTORS["tax"] is TAX


@pytest.mark.parametrize("names", [None, []])
def test_no_names_means_every_sector_in_registry_order(names) -> None:
    assert registry.sectors(names) == list(registry.SECTORS.values())


def test_named_sectors_in_the_order_asked() -> None:
    assert [s.name for s in registry.sectors(["health", "tax"])] == ["health", "tax"]


def test_an_unknown_sector_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match=r"unknown sector\(s\) \['taxes'\]; known: \['credit', 'energy'"):
        registry.sectors(["tax", "taxes"])
