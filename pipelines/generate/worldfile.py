"""`<truth>/world.json`: the world's sizes, the planted risk enterprises and the ILI outbreaks."""

from __future__ import annotations

import json

import numpy as np

from pipelines.generate.calendar import NEVER, to_date
from pipelines.generate.feeds.health import OUTBREAK_WEEKS, outbreak
from pipelines.generate.sink import Sink
from pipelines.generate.world import ANCHOR, RISK_KINDS, RISK_TREND_START, World

OUTBREAK_YEARS = range(2024, 2031)
RISK_NOTES = {
    "power_up_tax_down": f"electricity x2.5 of peers; revenue declared falls 20%/month from {RISK_TREND_START}",
    "dishonest_but_active": "active dishonest_judgment_debtor sanction, still registered active and declaring tax",
    "deregistered_but_consuming": "cancelled in the register, its meters stay in service and consume",
}


def world_document(world: World) -> dict:
    """The world summary: sizes and planted enterprises."""
    e = world.enterprises
    planted = []
    for i in np.flatnonzero(e.risk != ""):
        planted.append(
            {
                "uscc": str(e.uscc[i]),
                "name": str(e.name[i]),
                "risk": str(e.risk[i]),
                "division_code": str(e.division[i]),
                "industry_code": str(e.industry[i]),
                "established_on": to_date(e.established[i]).isoformat(),
                "deregistered_on": None if e.deregistered[i] >= NEVER else to_date(e.deregistered[i]).isoformat(),
                "note": RISK_NOTES[str(e.risk[i])],
            }
        )
    return {
        "seed": world.seed,
        "scale": world.scale,
        "anchor": ANCHOR.isoformat(),
        "sizes": {
            "entities_ever": len(e),
            "meters_ever": len(world.meters),
            "gantries": len(world.gantries.gantry_id),
            "hubs": len(world.hubs.hub_id),
            "hospitals": len(world.hospitals.code),
        },
        "risk_kinds": list(RISK_KINDS),
        "planted": planted,
        "ili_outbreaks": [
            {"iso_year": year, "city_code": city, "iso_weeks": list(range(week, week + OUTBREAK_WEEKS))}
            for year in OUTBREAK_YEARS
            for city, week in [outbreak(world.seed, year)]
        ],
    }


def write_world_file(sink: Sink, world: World) -> None:
    """Write `world.json` at the root of the truth location."""
    sink.put("world.json", (json.dumps(world_document(world), ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
