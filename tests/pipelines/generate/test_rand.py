"""Deterministic randomness: a generator per (seed, labels), and counter-based hashes that give the
same value for the same keys on any day, in any batch."""

from __future__ import annotations

import numpy as np

from pipelines.generate.rand import hash_normal, hash_u64, hash_uniform, rng_for, seeded_salt


def test_rng_for_depends_on_seed_and_every_label() -> None:
    draw = lambda *args: rng_for(*args).integers(0, 2**62, 4).tolist()  # noqa: E731
    assert draw(7, "tax/returns", "2026-11-02") == draw(7, "tax/returns", "2026-11-02")
    assert draw(7, "tax/returns", "2026-11-02") != draw(8, "tax/returns", "2026-11-02")
    assert draw(7, "tax/returns", "2026-11-02") != draw(7, "tax/returns", "2026-11-03")
    assert draw(2**40 + 7, "a") != draw(7, "a")  # the seed's high bits count too


def test_hashes_are_per_key_whatever_the_batch() -> None:
    keys = np.arange(1_000)
    whole = hash_uniform("tax.amend", keys)
    assert np.array_equal(whole[500:], hash_uniform("tax.amend", keys[500:]))
    assert hash_uniform("tax.amend", 3) == whole[3]
    assert not np.array_equal(whole, hash_uniform("tax.other", keys))


def test_hashes_broadcast_several_keys() -> None:
    grid = hash_u64("s", np.arange(3)[:, None], np.arange(4)[None, :])
    assert grid.shape == (3, 4) and grid.dtype == np.uint64
    assert grid[2, 1] == hash_u64("s", 2, 1)
    assert grid[2, 1] != hash_u64("s", 1, 2)  # the order of keys matters


def test_uniform_and_normal_have_their_shape() -> None:
    u = hash_uniform("u", np.arange(100_000))
    assert u.min() >= 0.0 and u.max() < 1.0 and abs(u.mean() - 0.5) < 0.01
    z = hash_normal("z", np.arange(100_000))
    assert abs(z.mean()) < 0.02 and abs(z.std() - 1.0) < 0.02


def test_seeded_salt() -> None:
    assert seeded_salt(7, "world.size") != seeded_salt(8, "world.size")
