"""Tokens are HMAC-SHA256 under the configured key, and clear values leave the frame."""

from __future__ import annotations

import hashlib
import hmac

from pyspark.sql import functions as F

from pipelines.transforms.pii import hmac_sha256, tokenize


def test_hmac_equals_python_hmac_for_short_and_long_keys(spark) -> None:
    values = ["320102199001011234", "张三", "苏A12345"]
    frame = spark.createDataFrame([(v,) for v in values] + [(None,)], "v string")
    for key in ("k", "long-key-" * 20):
        got = [r.t for r in frame.select(hmac_sha256(F.col("v"), key).alias("t")).collect()]
        expected = [hmac.new(key.encode(), v.encode(), hashlib.sha256).hexdigest() for v in values] + [None]
        assert got == expected


def test_tokenize_replaces_clear_columns(spark) -> None:
    frame = spark.createDataFrame(
        [("v1", "张三", "13800000000")], "visit_id string, patient_name string, patient_phone string"
    )
    out = frame.transform(tokenize(["patient_name", "patient_phone", "absent"], "key"))
    assert out.columns == ["visit_id", "patient_name_token", "patient_phone_token"]
    row = out.first()
    assert "张三" not in row and "13800000000" not in row
    assert row.patient_name_token == hmac.new(b"key", "张三".encode(), hashlib.sha256).hexdigest()
