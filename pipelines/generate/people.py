"""Synthetic people (legal representatives, patients) derived from integer keys.

A person is a pure function of its keys, so the same legal representative comes out
on every day that mentions them, without storing anyone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from pipelines.generate import names
from pipelines.generate.calendar import day_number
from pipelines.generate.rand import hash_uniform
from pipelines.generate.text import zfill
from pipelines.ids import county_divisions, make_id_nos

# Real county-level codes of other provinces, for people born outside Jiangsu.
OTHER_PROVINCE_COUNTIES = (
    "340102",
    "340104",
    "341202",
    "341302",
    "342401",
    "370102",
    "371302",
    "410102",
    "411502",
    "330106",
    "330382",
    "310115",
    "420102",
    "510104",
    "360102",
    "130102",
    "500101",
    "430102",
)


@dataclass(frozen=True)
class People:
    """Parallel arrays describing people."""

    name: np.ndarray
    gender: np.ndarray  # "M" / "F"
    birth: np.ndarray  # day numbers
    id_no: np.ndarray
    phone: np.ndarray


def make_people(
    salt: str,
    keys: tuple[np.ndarray, ...],
    born_from: dt.date,
    born_to: dt.date,
    male_share: float = 0.5,
    home: np.ndarray | None = None,
    jiangsu_share: float = 0.9,
) -> People:
    """People as a deterministic function of `keys`.

    Args:
        salt: names the population (e.g. "42:legal_rep").
        keys: integer arrays identifying each person (broadcast together).
        born_from, born_to: birth date range (uniform).
        male_share: share of men.
        home: division code of first registration for Jiangsu-born people (else a random county).
        jiangsu_share: share born in Jiangsu (the rest carry another province's code).

    Returns:
        People whose identity numbers agree with their birth dates and genders.
    """
    u = np.stack([hash_uniform(f"{salt}:{k}", *keys) for k in range(8)], axis=1)
    gender = np.where(u[:, 0] < male_share, "M", "F")
    start, end = day_number(born_from), day_number(born_to)
    birth = start + (u[:, 1] * (end - start)).astype(np.int64)
    counties = np.array(county_divisions())
    jiangsu = counties[(u[:, 2] * len(counties)).astype(int) % len(counties)] if home is None else np.asarray(home)
    others = np.array(OTHER_PROVINCE_COUNTIES)
    division = np.where(u[:, 3] < jiangsu_share, jiangsu, others[(u[:, 4] * len(others)).astype(int) % len(others)])
    id_no = make_id_nos(None, division, birth.astype("datetime64[D]"), gender, sequence=(u[:, 5] * 500).astype(int))
    prefixes = np.array(
        [
            "139",
            "138",
            "137",
            "136",
            "135",
            "150",
            "151",
            "152",
            "157",
            "158",
            "159",
            "182",
            "187",
            "188",
            "130",
            "131",
            "132",
            "155",
            "156",
            "185",
            "186",
            "133",
            "153",
            "180",
            "181",
            "189",
            "177",
            "199",
        ]
    )
    phone = np.char.add(
        prefixes[(u[:, 6] * len(prefixes)).astype(int) % len(prefixes)], zfill((u[:, 7] * 1e8).astype(np.int64), 8)
    )
    name_u = np.stack([hash_uniform(f"{salt}:name{k}", *keys) for k in range(4)], axis=1)
    return People(names.person_names(name_u), gender, birth, id_no, phone)
