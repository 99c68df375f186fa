"""Personal data out of the lake's shared zones: keyed, irreversible tokens (HMAC-SHA256).

Built from Spark built-ins (sha2 over binary concatenation) rather than a Python UDF:
HMAC(K, m) = SHA256((K ^ opad) || SHA256((K ^ ipad) || m)). The padded key halves are
derived from the configured secret on the driver; the secret itself never enters a plan.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from pipelines.transforms.common import Transform

BLOCK = 64  # SHA-256 block size in bytes


def _pads(key: str) -> tuple[bytes, bytes]:
    raw = key.encode("utf-8")
    if len(raw) > BLOCK:
        raw = hashlib.sha256(raw).digest()
    raw = raw.ljust(BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in raw), bytes(b ^ 0x5C for b in raw)


def hmac_sha256(value: Column, key: str) -> Column:
    """Hex HMAC-SHA256 of `value` (as UTF-8 text) under `key`; null stays null."""
    inner_pad, outer_pad = _pads(key)
    inner = F.unhex(F.sha2(F.concat(F.unhex(F.lit(inner_pad.hex())), F.encode(value.cast("string"), "UTF-8")), 256))
    token = F.sha2(F.concat(F.unhex(F.lit(outer_pad.hex())), inner), 256)
    return F.when(value.isNotNull(), token)


def tokenize(columns: Sequence[str], key: str) -> Transform:
    """Replace each of `columns` present in the frame by `<column>_token` (its HMAC)."""

    def transform(frame: DataFrame) -> DataFrame:
        present = [c for c in columns if c in frame.columns]
        replaced = [hmac_sha256(F.col(c), key).alias(f"{c}_token") if c in present else F.col(c) for c in frame.columns]
        return frame.select(*replaced)

    return transform
