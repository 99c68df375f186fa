"""All sectors of the lakehouse, by name. Adding a sector = adding it here."""

from __future__ import annotations

from pipelines.core.spec import Sector
from pipelines.credit import SECTOR as CREDIT
from pipelines.energy import SECTOR as ENERGY
from pipelines.enterprise import SECTOR as ENTERPRISE
from pipelines.health import SECTOR as HEALTH
from pipelines.tax import SECTOR as TAX
from pipelines.transport import SECTOR as TRANSPORT

SECTORS: dict[str, Sector] = {s.name: s for s in (TAX, ENERGY, TRANSPORT, CREDIT, HEALTH, ENTERPRISE)}


def sectors(names: list[str] | None = None) -> list[Sector]:
    """The sectors called `names` (all when None).

    Raises:
        KeyError: for an unknown sector, naming the known ones.
    """
    if not names:
        return list(SECTORS.values())
    unknown = [n for n in names if n not in SECTORS]
    if unknown:
        raise KeyError(f"unknown sector(s) {unknown}; known: {sorted(SECTORS)}")
    return [SECTORS[n] for n in names]
