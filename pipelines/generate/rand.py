"""Deterministic randomness for the generator.

Two tools: `rng_for` gives a numpy Generator seeded per (seed, feed, dt, ...), so a
delivery's bytes depend only on its arguments; `hash_uniform` is a counter-based
hash (splitmix64) that maps integer keys to uniform floats, so facts that several
deliveries must agree on (an entity's lifetime, a reading's value, a return's
amount) can be recomputed on any day without carrying state between days.
"""

from __future__ import annotations

import zlib

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _salt(part: str | int) -> int:
    """A stable 32-bit integer for a salt given as text or number."""
    return zlib.crc32(str(part).encode("utf-8"))


def rng_for(seed: int, *parts: str | int) -> np.random.Generator:
    """A numpy Generator seeded by `seed` and any number of labels.

    Args:
        seed: the run's seed.
        *parts: labels such as the feed name and the delivery date.

    Returns:
        An independent, reproducible generator.
    """
    key = [seed & 0xFFFFFFFF, (seed >> 32) & 0xFFFFFFFF] + [_salt(p) for p in parts]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(key)))


def _mix(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser, elementwise on uint64 (wrapping arithmetic)."""
    with np.errstate(over="ignore"):  # 0-d inputs are scalars, which warn on the intended wrap-around
        x = (x ^ (x >> np.uint64(30))) * _M1
        x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


def hash_u64(salt: str | int, *keys: np.ndarray | int) -> np.ndarray:
    """Hash integer keys (broadcast together) with a salt to uint64.

    Args:
        salt: names the fact being drawn, e.g. "tax.amend".
        *keys: integer arrays or scalars, broadcast against each other.

    Returns:
        uint64 array with the broadcast shape of the keys.
    """
    arrays = [np.asarray(k).astype(np.uint64) for k in keys]
    h = np.full(np.broadcast_shapes(*(a.shape for a in arrays)) if arrays else (), _salt(salt), dtype=np.uint64)
    for a in arrays:
        with np.errstate(over="ignore"):
            h = _mix(h + _GOLDEN + a)
    return _mix(h)


def hash_uniform(salt: str | int, *keys: np.ndarray | int) -> np.ndarray:
    """Uniform floats in [0, 1) from integer keys; see `hash_u64`."""
    return (hash_u64(salt, *keys) >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


def hash_normal(salt: str | int, *keys: np.ndarray | int) -> np.ndarray:
    """Standard normal floats from integer keys (Box-Muller over two hashes)."""
    u1 = hash_uniform(f"{salt}/1", *keys)
    u2 = hash_uniform(f"{salt}/2", *keys)
    return np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)


def seeded_salt(seed: int, name: str) -> str:
    """A salt that also depends on the run's seed, so worlds differ between seeds."""
    return f"{seed}:{name}"
