"""Manifest verification: complete deliveries pass, every mismatch rejects the delivery whole."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from pipelines.core.contract import load_contract
from pipelines.io.landing import DeliveryIncomplete, DeliveryRejected, verify_delivery
from pipelines.io.storage import LocalStorage

HEADER = "申报序号,纳税人识别号,所属期,税种代码,计税依据,应纳税额,已缴税额,申报日期,行政区划代码,行业代码,版本号"
ROW = "D1,91320102MA1X2Y3K4F,202610,10101,1.00,1.00,1.00,2026-11-01,320102,C13,1"


def deliver(
    settings, files: dict[str, bytes], manifest_rows: dict[str, int] | None = None, manifest: bool = True
) -> Path:
    folder = Path(settings.landing_root) / "tax" / "returns" / "dt=2026-11-01"
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    if manifest:
        entries = [
            {
                "name": n,
                "rows": (manifest_rows or {}).get(n, max(d.count(b"\n") - 1, 0)),
                "bytes": len(d),
                "sha256": hashlib.sha256(d).hexdigest(),
            }
            for n, d in files.items()
        ]
        (folder / "_manifest.json").write_text(
            json.dumps({"sector": "tax", "feed": "returns", "dt": "2026-11-01", "files": entries})
        )
    return folder


def gbk(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("gbk")


def verify(settings):
    return verify_delivery(LocalStorage(), settings, load_contract("tax", "returns"), "2026-11-01")


def test_a_complete_delivery_verifies(fresh_settings) -> None:
    deliver(fresh_settings, {"part-00000.csv": gbk(HEADER, ROW, ROW)})
    delivery = verify(fresh_settings)
    assert delivery.rows == 2 and delivery.files[0].header[0] == "申报序号"
    assert delivery.batch_id.startswith("tax_returns_2026-11-01_")


def test_no_manifest_means_not_yet(fresh_settings) -> None:
    deliver(fresh_settings, {"part-00000.csv": gbk(HEADER, ROW)}, manifest=False)
    with pytest.raises(DeliveryIncomplete, match="dt=2026-11-01"):
        verify(fresh_settings)


def test_checksum_mismatch_names_the_file(fresh_settings) -> None:
    folder = deliver(fresh_settings, {"part-00000.csv": gbk(HEADER, ROW)})
    (folder / "part-00000.csv").write_bytes(gbk(HEADER, ROW.replace("1.00", "9.00", 1)))
    with pytest.raises(DeliveryRejected, match="part-00000.csv: checksum_mismatch") as err:
        verify(fresh_settings)
    assert err.value.delivery.endswith("dt=2026-11-01")


def test_row_count_mismatch(fresh_settings) -> None:
    deliver(fresh_settings, {"part-00000.csv": gbk(HEADER, ROW)}, manifest_rows={"part-00000.csv": 5})
    with pytest.raises(DeliveryRejected, match="row_count_mismatch: 1 rows != manifest 5"):
        verify(fresh_settings)


def test_missing_column_rejects(fresh_settings) -> None:
    header = HEADER.rsplit(",", 1)[0]
    deliver(fresh_settings, {"part-00000.csv": gbk(header, ROW.rsplit(",", 1)[0])})
    with pytest.raises(DeliveryRejected, match=r"missing_column: required columns absent: \['版本号'\]"):
        verify(fresh_settings)


def test_undecodable_gbk_rejects(fresh_settings) -> None:
    deliver(
        fresh_settings, {"part-00000.csv": gbk(HEADER, ROW) + b"\x81\x20broken\n"}, manifest_rows={"part-00000.csv": 2}
    )
    with pytest.raises(DeliveryRejected, match="encoding: not decodable as gbk"):
        verify(fresh_settings)


def test_missing_and_unlisted_files_reject(fresh_settings) -> None:
    folder = deliver(fresh_settings, {"part-00000.csv": gbk(HEADER, ROW)})
    (folder / "part-00001.csv").write_bytes(gbk(HEADER, ROW))
    with pytest.raises(DeliveryRejected, match="part-00001.csv: unlisted_file"):
        verify(fresh_settings)
    (folder / "part-00001.csv").unlink()
    (folder / "part-00000.csv").unlink()
    with pytest.raises(DeliveryRejected, match="part-00000.csv: missing_file"):
        verify(fresh_settings)


def test_truncated_last_line_still_counts_as_a_row(fresh_settings) -> None:
    data = gbk(HEADER, ROW) + ROW[:20].encode("gbk")
    deliver(fresh_settings, {"part-00000.csv": data}, manifest_rows={"part-00000.csv": 2})
    assert verify(fresh_settings).rows == 2
