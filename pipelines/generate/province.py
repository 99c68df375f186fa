"""The whole synthetic province: the market entities (`world`) plus the registers built on them (`registers`).

Kept apart from both so that `registers` can build on `world`'s types without a cycle.
"""

from __future__ import annotations

from functools import lru_cache

from pipelines.generate.registers import build_gantries, build_hospitals, build_hubs, build_meters
from pipelines.generate.world import World, build_enterprises


@lru_cache(maxsize=4)
def build_world(seed: int, scale: float) -> World:
    """The world for (seed, scale); cached, so every feed of a run shares one.

    Args:
        seed: world seed (the run's seed).
        scale: 1.0 = 1/1000 of Jiangsu.

    Returns:
        The world.
    """
    enterprises = build_enterprises(seed, scale)
    return World(
        seed=seed,
        scale=scale,
        enterprises=enterprises,
        meters=build_meters(seed, scale, enterprises),
        gantries=build_gantries(seed, scale),
        hubs=build_hubs(seed, scale),
        hospitals=build_hospitals(seed, scale),
    )
