"""Chinese names: people get a common surname and one or two given characters; enterprises a
city, a brand and an industry word, with a legal form unless they are individual businesses."""

from __future__ import annotations

from collections import Counter

import numpy as np

from pipelines.generate.names import INDUSTRY_WORDS, SURNAMES, enterprise_name_parts, person_names


def test_person_names() -> None:
    names = person_names(np.random.default_rng(1).random((5_000, 4)))
    assert {len(n) for n in names} == {2, 3}
    assert all(n[0] in SURNAMES for n in names)  # the surnames are single characters
    surnames = Counter(n[0] for n in names)
    assert surnames[SURNAMES[0]] > surnames[SURNAMES[-1]]  # common surnames come up more often


def test_enterprise_name_parts() -> None:
    sections = np.array(["C", "A", "C"])
    prefix, brand, tail = enterprise_name_parts(
        np.random.default_rng(1), np.array(["苏州市", "南京市", "无锡市"]), sections, np.array([False, True, False])
    )
    assert prefix.tolist() == ["苏州", "南京", "无锡"]
    assert all(len(b) == 2 for b in brand)
    assert tail[0].endswith("有限公司") and tail[2].endswith("有限公司")
    assert tail[1] in INDUSTRY_WORDS["A"]  # an individual business has no legal form
    assert any(tail[0].startswith(w) for w in INDUSTRY_WORDS["C"])
