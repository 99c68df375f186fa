"""Synthetic people are a pure function of their keys, and their identity numbers agree with them."""

from __future__ import annotations

import datetime as dt

import numpy as np

from pipelines.generate.calendar import day_number
from pipelines.generate.people import make_people
from pipelines.ids import id_birth_date, id_gender, is_jiangsu_division, is_valid_id_no

BORN = (dt.date(1960, 1, 1), dt.date(2000, 12, 31))


def test_the_same_keys_give_the_same_people() -> None:
    a = make_people("7:legal_rep", (np.arange(50),), *BORN)
    b = make_people("7:legal_rep", (np.arange(20, 50),), *BORN)
    assert a.id_no[20:].tolist() == b.id_no.tolist() and a.name[20:].tolist() == b.name.tolist()
    assert make_people("8:legal_rep", (np.arange(50),), *BORN).id_no.tolist() != a.id_no.tolist()


def test_identity_numbers_agree_with_birth_gender_and_home() -> None:
    home = np.full(500, "320583")
    people = make_people("7:patient", (np.arange(500),), *BORN, male_share=0.3, home=home, jiangsu_share=1.0)
    assert all(is_valid_id_no(i) for i in people.id_no)
    births = people.birth.astype("datetime64[D]").astype(str)
    assert [id_birth_date(i) for i in people.id_no] == births.tolist()
    assert [id_gender(i) for i in people.id_no] == people.gender.tolist()
    assert {i[:6] for i in people.id_no} == {"320583"}
    assert day_number(BORN[0]) <= people.birth.min() and people.birth.max() <= day_number(BORN[1])
    assert 0.2 < (people.gender == "M").mean() < 0.4
    assert all(len(p) == 11 and p.isdigit() for p in people.phone)


def test_some_people_are_born_outside_jiangsu() -> None:
    people = make_people("7:patient", (np.arange(1_000),), *BORN, jiangsu_share=0.5)
    inside = np.array([is_jiangsu_division(i[:6]) for i in people.id_no])
    assert 0.4 < inside.mean() < 0.6
