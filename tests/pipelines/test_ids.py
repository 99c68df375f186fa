"""Property tests of the identifier makers and validators in pipelines.ids."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.ids import (
    ID_CHECK_CHARS,
    USCC_ALPHABET,
    county_divisions,
    id_birth_date,
    id_gender,
    is_jiangsu_division,
    is_valid_icd10,
    is_valid_id_no,
    is_valid_plate,
    is_valid_uscc,
    make_id_nos,
    make_plates,
    make_usccs,
    syndrome_group,
)

seeds = st.integers(min_value=0, max_value=2**32 - 1)
counties = st.sampled_from(county_divisions())


@given(seed=seeds, division=counties, prefix=st.sampled_from(["91", "92", "93"]))
def test_made_usccs_are_valid_and_carry_the_division(seed: int, division: str, prefix: str) -> None:
    code = str(make_usccs(np.random.default_rng(seed), np.array([division]), np.array([prefix]))[0])
    assert is_valid_uscc(code)
    assert code[:2] == prefix and code[2:8] == division


@given(seed=seeds, position=st.integers(0, 17), replacement=st.sampled_from(USCC_ALPHABET))
def test_changing_one_uscc_character_breaks_it(seed: int, position: int, replacement: str) -> None:
    code = str(make_usccs(np.random.default_rng(seed), np.array(["320102"]), np.array(["91"]))[0])
    changed = code[:position] + replacement + code[position + 1 :]
    assert is_valid_uscc(changed) == (changed == code)


@given(
    seed=seeds,
    division=counties,
    born=st.dates(dt.date(1920, 1, 1), dt.date(2025, 12, 31)),
    gender=st.sampled_from(["M", "F"]),
)
def test_made_id_numbers_agree_with_birth_and_gender(seed: int, division: str, born: dt.date, gender: str) -> None:
    id_no = str(
        make_id_nos(
            np.random.default_rng(seed),
            np.array([division]),
            np.array([born.isoformat()], dtype="datetime64[D]"),
            np.array([gender]),
        )[0]
    )
    assert is_valid_id_no(id_no)
    assert id_birth_date(id_no) == born.isoformat()
    assert id_gender(id_no) == gender
    assert id_no[:6] == division


@given(seed=seeds, wrong=st.sampled_from(ID_CHECK_CHARS))
def test_a_wrong_id_check_character_is_rejected(seed: int, wrong: str) -> None:
    id_no = str(
        make_id_nos(
            np.random.default_rng(seed),
            np.array(["320102"]),
            np.array(["1990-05-17"], dtype="datetime64[D]"),
            np.array(["F"]),
        )[0]
    )
    assert is_valid_id_no(id_no[:17] + wrong) == (wrong == id_no[17])


@settings(max_examples=30)
@given(seed=seeds, share=st.floats(0.0, 1.0))
def test_made_plates_are_valid(seed: int, share: float) -> None:
    plates = make_plates(np.random.default_rng(seed), 200, jiangsu_share=share)
    assert all(is_valid_plate(str(p)) for p in plates)
    green = [p for p in plates if len(p) == 8]
    assert all(p[2] in "DF" for p in green)


@given(text=st.text(max_size=9))
def test_plate_validator_rejects_arbitrary_text(text: str) -> None:
    if is_valid_plate(text):
        assert text[0] in "苏皖沪浙鲁豫京冀鄂赣闽粤川" and len(text) in (7, 8)


def test_plate_examples() -> None:
    assert is_valid_plate("苏A12345") and is_valid_plate("苏EDF1234") and is_valid_plate("沪B9X88Q")
    assert not is_valid_plate("苏I12345") and not is_valid_plate("苏A1234") and not is_valid_plate("XA12345")


def test_icd10_shapes_and_groups() -> None:
    for code in ("J10.1", "J11.1", "J09", "A09", "I10", "B01.9", "E11.9"):
        assert is_valid_icd10(code)
    for code in ("J1", "10.1", "J10.", "j10.1", "J10.123", ""):
        assert not is_valid_icd10(code)
    assert [syndrome_group(c) for c in ("J09", "J10.1", "J11.0", "J06.9", "A09", "B01.9", "B05.9", "A16.2", "I10")] == [
        "ILI",
        "ILI",
        "ILI",
        "URI",
        "GI",
        "varicella",
        "measles",
        "TB",
        "other",
    ]


def test_jiangsu_divisions() -> None:
    assert is_jiangsu_division("320102") and is_jiangsu_division("320500")
    assert not is_jiangsu_division("310101") and not is_jiangsu_division(None)
