"""The lake's PII key guard: the first run records the key's fingerprint; another key or none stops a run before it writes."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from pipelines.io.lake import Lake
from pipelines.pii_key import PII_KEY, PiiKeyError, check_pii_key, fingerprint, recorded

pytestmark = pytest.mark.integration


def test_the_fingerprint_is_a_keyed_hash_of_a_fixed_text_not_the_key() -> None:
    expected = hmac.new(b"k1", b"lakehouse pii-key fingerprint v1", hashlib.sha256).hexdigest()
    assert fingerprint("k1") == expected != fingerprint("k2")
    assert "k1" not in fingerprint("k1")


def test_the_first_run_records_the_key_and_later_runs_with_it_pass(spark, fresh_settings) -> None:
    lake = Lake(spark, fresh_settings.with_overrides(pii_key="lake-key"))
    assert recorded(lake) is None
    assert check_pii_key(lake, "run-1") == fingerprint("lake-key") == recorded(lake)
    version = lake.version(PII_KEY)
    assert check_pii_key(lake, "run-2") == fingerprint("lake-key")
    assert lake.version(PII_KEY) == version  # nothing written once recorded


def test_another_key_is_refused_before_anything_is_written(spark, fresh_settings) -> None:
    check_pii_key(Lake(spark, fresh_settings.with_overrides(pii_key="lake-key")), "run-1")
    other = Lake(spark, fresh_settings.with_overrides(pii_key="another-key"))
    version = other.version(PII_KEY)
    with pytest.raises(PiiKeyError, match=r"PII key mismatch: .*fingerprint [0-9a-f]{12}….*Nothing was written"):
        check_pii_key(other, "run-2")
    assert other.version(PII_KEY) == version
    assert recorded(other) == fingerprint("lake-key")


def test_no_key_is_refused_with_how_to_set_one(spark, fresh_settings, tmp_path) -> None:
    lake = Lake(spark, fresh_settings.with_overrides(pii_key="", pii_key_file=str(tmp_path / "absent.key")))
    with pytest.raises(PiiKeyError, match=r"No PII key: set LAKEHOUSE_PII_KEY .*Nothing was written"):
        check_pii_key(lake, "run-1")
    assert not lake.exists(PII_KEY)
