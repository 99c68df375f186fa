"""Identifier rules of the feed contracts (FEEDS.md), in plain Python.

The generator uses these to make valid identifiers, the tests use them as the
independent oracle, and `pipelines.transforms.identifiers` mirrors them as Spark
expressions. Constants are the single source of both.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from importlib import resources

import numpy as np

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"  # index = weighted sum mod 11

# GB/T 4754-2017: section letter -> inclusive range of its 2-digit divisions.
INDUSTRY_SECTIONS: dict[str, tuple[int, int]] = {
    "A": (1, 5),
    "B": (6, 12),
    "C": (13, 43),
    "D": (44, 46),
    "E": (47, 50),
    "F": (51, 52),
    "G": (53, 60),
    "H": (61, 62),
    "I": (63, 65),
    "J": (66, 69),
    "K": (70, 70),
    "L": (71, 72),
    "M": (73, 75),
    "N": (76, 79),
    "O": (80, 82),
    "P": (83, 83),
    "Q": (84, 85),
    "R": (86, 90),
    "S": (91, 96),
    "T": (97, 97),
}

# ICD-10 codes (letter U is reserved) and Chinese civil plates (province character, issuing letter, serial).
ICD10_PATTERN = r"^[A-TV-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$"
PLATE_PATTERN = r"^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z][A-HJ-NP-Z0-9]{5,6}$"


def uscc_check_char(first17: str) -> str:
    """Return the GB 32100-2015 check character for the first 17 USCC characters.

    Args:
        first17: 17 characters from `USCC_ALPHABET`.

    Returns:
        The 18th character.
    """
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    c = 31 - total % 31
    return USCC_ALPHABET[0 if c == 31 else c]


def is_valid_uscc(code: str | None) -> bool:
    """True when `code` is 18 alphabet characters with a correct check character."""
    if code is None or len(code) != 18 or any(ch not in USCC_ALPHABET for ch in code):
        return False
    return uscc_check_char(code[:17]) == code[17]


def id_check_char(first17: str) -> str:
    """Return the GB 11643-1999 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def is_valid_id_no(id_no: str | None) -> bool:
    """True when `id_no` has 17 digits, a real birth date and a correct check character."""
    from datetime import date

    if id_no is None or len(id_no) != 18 or not id_no[:17].isdigit():
        return False
    try:
        date(int(id_no[6:10]), int(id_no[10:12]), int(id_no[12:14]))
    except ValueError:
        return False
    return id_check_char(id_no[:17]) == id_no[17]


@lru_cache(maxsize=1)
def jiangsu_divisions() -> dict[str, tuple[str, str, str]]:
    """Jiangsu division codes (GB/T 2260): code -> (name, level, parent)."""
    text = resources.files("pipelines.reference").joinpath("jiangsu_divisions.csv").read_text("utf-8")
    return {r["code"]: (r["name"], r["level"], r["parent"]) for r in csv.DictReader(text.splitlines())}


def is_valid_industry_code(code: str | None) -> bool:
    """True for a GB/T 4754 section letter followed by one of its 2-digit divisions."""
    if code is None or len(code) != 3 or code[0] not in INDUSTRY_SECTIONS or not code[1:].isdigit():
        return False
    low, high = INDUSTRY_SECTIONS[code[0]]
    return low <= int(code[1:]) <= high


def city_code(division_code: str) -> str:
    """City-level code of a division: first 4 digits + '00'."""
    return division_code[:4] + "00"


# ---------------------------------------------------------------------------
# Generator helpers: vectorised makers and extra validators (plates, ICD-10).
# ---------------------------------------------------------------------------

# GB 11714 organisation code (positions 9-17 of a USCC): weights over 8 characters.
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

# Jiangsu plate letter -> city division code (E and U are both Suzhou).
JIANGSU_PLATE_CITIES: dict[str, str] = {
    "A": "320100",
    "B": "320200",
    "C": "320300",
    "D": "320400",
    "E": "320500",
    "U": "320500",
    "F": "320600",
    "G": "320700",
    "H": "320800",
    "J": "320900",
    "K": "321000",
    "L": "321100",
    "M": "321200",
    "N": "321300",
}
# Other provinces' plate prefixes that appear on Jiangsu highways (neighbours first).
OTHER_PLATE_PROVINCES = ("皖", "沪", "浙", "鲁", "豫", "京", "冀", "鄂", "赣", "闽", "粤", "川")
PLATE_PROVINCES = ("苏",) + OTHER_PLATE_PROVINCES
# Plate letters and serial characters exclude I and O (confusable with 1 and 0).
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
PLATE_SERIAL_CHARS = "0123456789" + PLATE_LETTERS
_PLATE_RE = re.compile("^[" + "".join(PLATE_PROVINCES) + "][" + PLATE_LETTERS + "][" + PLATE_SERIAL_CHARS + "]{5,6}$")
_ICD10_RE = re.compile(r"^[A-TV-Z][0-9]{2}(\.[0-9A-Z]{1,2})?$")

# ICD-10 syndrome groups used by the health gold tables: group -> (first, last) 3-char block.
ICD10_SYNDROME_GROUPS: dict[str, tuple[str, str]] = {
    "ILI": ("J09", "J11"),
    "URI": ("J00", "J06"),
    "GI": ("A00", "A09"),
    "varicella": ("B01", "B01"),
    "measles": ("B05", "B05"),
    "TB": ("A15", "A19"),
}


def is_jiangsu_division(code: str | None) -> bool:
    """True when `code` is a Jiangsu division code in the reference list."""
    return code is not None and code in jiangsu_divisions()


def county_divisions() -> list[str]:
    """Jiangsu county-level division codes, sorted."""
    return sorted(c for c, (_, level, _) in jiangsu_divisions().items() if level == "county")


def _ascii_rows_to_str(codes: np.ndarray) -> np.ndarray:
    """Turn an (n, k) uint8 matrix of ASCII codes into an array of k-char str."""
    k = codes.shape[1]
    return np.ascontiguousarray(codes, dtype=np.uint8).view(f"S{k}").ravel().astype(f"U{k}")


def _digits(strings: np.ndarray, width: int) -> np.ndarray:
    """(n, width) int matrix of the decimal digits of equal-length digit strings."""
    raw = np.asarray(strings, dtype=f"S{width}").view(np.uint8).reshape(-1, width)
    return raw.astype(np.int64) - ord("0")


def make_usccs(rng: np.random.Generator, divisions: np.ndarray, prefixes: np.ndarray) -> np.ndarray:
    """Valid USCCs (GB 32100-2015) whose positions 3-8 are the given divisions.

    Args:
        rng: random source for the organisation-code part.
        divisions: 6-digit division codes, one per code to make.
        prefixes: 2-character registration prefixes ("91" enterprise, "92" individual
            business, "93" farmers' cooperative), one per code.

    Returns:
        Array of 18-character codes; positions 9-17 carry a valid GB 11714 organisation code.
    """
    n = len(divisions)
    idx = np.zeros((n, 17), dtype=np.int64)
    idx[:, 0:2] = _digits(prefixes, 2)
    idx[:, 2:8] = _digits(divisions, 6)
    body = np.where(rng.random((n, 8)) < 0.85, rng.integers(0, 10, (n, 8)), rng.integers(10, 31, (n, 8)))
    idx[:, 8:16] = body
    alphabet = np.frombuffer(USCC_ALPHABET.encode(), dtype=np.uint8)
    # GB 11714 values: digits 0-9, letters A=10 ... Z=35 (their position in the Latin alphabet).
    org_values = np.where(body < 10, body, alphabet[body].astype(np.int64) - ord("A") + 10)
    c = 11 - (org_values @ np.array(ORG_CODE_WEIGHTS)) % 11
    idx[:, 16] = np.where(c == 10, USCC_ALPHABET.index("X"), np.where(c == 11, 0, c))
    c18 = 31 - (idx @ np.array(USCC_WEIGHTS)) % 31
    codes = np.concatenate([alphabet[idx], alphabet[np.where(c18 == 31, 0, c18)][:, None]], axis=1)
    return _ascii_rows_to_str(codes)


def make_id_nos(
    rng: np.random.Generator | None,
    divisions: np.ndarray,
    birth_dates: np.ndarray,
    genders: np.ndarray,
    sequence: np.ndarray | None = None,
) -> np.ndarray:
    """Valid resident identity numbers (GB 11643-1999) agreeing with birth date and gender.

    Args:
        rng: random source for the sequence digits (unused when `sequence` is given).
        divisions: 6-digit division codes of the place of first registration.
        birth_dates: numpy datetime64[D] birth dates.
        genders: "M" or "F" per person (odd sequence = male).
        sequence: optional integers 0-499 choosing the sequence digits (else drawn from rng).

    Returns:
        Array of 18-character identity numbers.
    """
    n = len(divisions)
    digits = np.zeros((n, 17), dtype=np.int64)
    digits[:, 0:6] = _digits(divisions, 6)
    ymd = np.datetime_as_string(np.asarray(birth_dates, dtype="datetime64[D]"), unit="D")
    digits[:, 6:14] = _digits(np.char.replace(ymd, "-", ""), 8)
    if sequence is None:
        if rng is None:
            raise ValueError("make_id_nos needs `rng` or `sequence`")
        base = rng.integers(0, 500, n)
    else:
        base = np.asarray(sequence, dtype=np.int64) % 500
    seq = base * 2 + (np.asarray(genders) == "M")
    digits[:, 14] = seq // 100
    digits[:, 15] = seq // 10 % 10
    digits[:, 16] = seq % 10
    checks = np.frombuffer(ID_CHECK_CHARS.encode(), dtype=np.uint8)[(digits @ np.array(ID_WEIGHTS)) % 11]
    codes = np.concatenate([digits.astype(np.uint8) + ord("0"), checks[:, None]], axis=1)
    return _ascii_rows_to_str(codes)


def id_birth_date(id_no: str) -> str:
    """Birth date `YYYY-MM-DD` encoded in an identity number."""
    return f"{id_no[6:10]}-{id_no[10:12]}-{id_no[12:14]}"


def id_gender(id_no: str) -> str:
    """Gender ("M" or "F") encoded in an identity number (17th digit odd = male)."""
    return "M" if int(id_no[16]) % 2 == 1 else "F"


def make_plates(rng: np.random.Generator, n: int, jiangsu_share: float = 0.8, green_share: float = 0.08) -> np.ndarray:
    """Plate numbers: Jiangsu (`苏` + city letter) and other provinces', 7 or 8 characters.

    Args:
        rng: random source.
        n: how many plates.
        jiangsu_share: fraction of Jiangsu plates.
        green_share: fraction of new-energy plates (6 serial characters, starting D or F).

    Returns:
        Array of plate strings; every one passes `is_valid_plate`.
    """
    jiangsu = rng.random(n) < jiangsu_share
    others = np.array(OTHER_PLATE_PROVINCES)
    weights = np.array([0.3, 0.2, 0.15, 0.12, 0.06, 0.04, 0.03, 0.03, 0.02, 0.02, 0.02, 0.01])
    province = np.where(jiangsu, "苏", others[rng.choice(len(others), n, p=weights / weights.sum())])
    js_letters = np.array(list(JIANGSU_PLATE_CITIES))
    letter = np.where(
        jiangsu, js_letters[rng.integers(0, len(js_letters), n)], np.array(list("ABCDEFGH"))[rng.integers(0, 8, n)]
    )
    chars = np.array(list(PLATE_SERIAL_CHARS))
    serial = chars[
        np.where(rng.random((n, 6)) < 0.75, rng.integers(0, 10, (n, 6)), rng.integers(0, len(chars), (n, 6)))
    ]
    green = rng.random(n) < green_share
    serial[:, 0] = np.where(green, np.array(["D", "F"])[rng.integers(0, 2, n)], serial[:, 0])
    serial[:, 5] = np.where(green, serial[:, 5], "")
    out = np.char.add(province, letter)
    for k in range(6):
        out = np.char.add(out, serial[:, k])
    return out


def is_valid_plate(plate: str | None) -> bool:
    """True for a civil plate: province character, letter, 5 (or 6 green) serial characters."""
    return plate is not None and _PLATE_RE.match(plate) is not None


def plate_province(plate: str) -> str:
    """The province character of a plate (its first character)."""
    return plate[:1]


def is_valid_icd10(code: str | None) -> bool:
    """True for an ICD-10 code shape: letter, 2 digits, optional `.` and 1-2 characters."""
    return code is not None and _ICD10_RE.match(code) is not None


def syndrome_group(icd10: str) -> str:
    """Syndrome group (ILI, URI, GI, varicella, measles, TB or other) of an ICD-10 code."""
    block = icd10[:3]
    for group, (first, last) in ICD10_SYNDROME_GROUPS.items():
        if first <= block <= last:
            return group
    return "other"
