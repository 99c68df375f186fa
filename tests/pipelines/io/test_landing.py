"""Manifest verification: complete deliveries pass, every mismatch rejects the delivery whole."""

from __future__ import annotations

import hashlib
import json
import re
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


# --- Manifest shape, late files, gzip, BOM, parallel and bounded-memory verification ---


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "_manifest.json").read_text())


def _rewrite_manifest(folder: Path, document: object) -> None:
    (folder / "_manifest.json").write_text(json.dumps(document))


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        (lambda m: "{not json", "bad_manifest"),
        (lambda m: {**m, "files": "part-00000.csv"}, "bad_manifest"),
        (lambda m: {**m, "files": m["files"] * 2}, "duplicate_entry"),
        (lambda m: {**m, "dt": "2026-10-31"}, "manifest_mismatch"),
        (lambda m: {**m, "files": [{**m["files"][0], "rows": "1"}]}, "bad_manifest"),
        (lambda m: {**m, "files": [{**m["files"][0], "rows": -1}]}, "bad_manifest"),
        (lambda m: {**m, "files": [{**m["files"][0], "name": "../x.csv"}]}, "bad_manifest"),
        (lambda m: {**m, "files": [{**m["files"][0], "sha256": None}]}, "bad_manifest"),
    ],
)
def test_a_malformed_manifest_rejects_naming_it(fresh_settings, change, rule: str) -> None:
    folder = deliver(fresh_settings, {"part-00000.csv": gbk(HEADER, ROW)})
    changed = change(_manifest(folder))
    if isinstance(changed, str):
        (folder / "_manifest.json").write_text(changed)
    else:
        _rewrite_manifest(folder, changed)
    with pytest.raises(DeliveryRejected, match=rf"dt=2026-11-01 rejected: file [^:]+: {rule}: "):
        verify(fresh_settings)


@pytest.mark.parametrize(
    ("extra", "rule"),
    [
        ("_manifest (1).json", "second_manifest"),
        ("part-00001.csv", "unlisted_file"),
        ("sub/part.csv", "unexpected_folder"),
    ],
)
def test_files_added_after_the_manifest_reject_naming_them(fresh_settings, extra: str, rule: str) -> None:
    folder = deliver(fresh_settings, {"part-00000.csv": gbk(HEADER, ROW)})
    (folder / extra).parent.mkdir(exist_ok=True)
    (folder / extra).write_bytes(gbk(HEADER, ROW))
    with pytest.raises(DeliveryRejected, match=rf"file {re.escape(extra.split('/')[0])}/?: {rule}"):
        verify(fresh_settings)


def test_a_listed_file_changed_after_the_manifest_rejects(fresh_settings) -> None:
    folder = deliver(fresh_settings, {"part-00000.csv": gbk(HEADER, ROW)})
    (folder / "part-00000.csv").write_bytes(gbk(HEADER, ROW, ROW))
    with pytest.raises(DeliveryRejected, match="part-00000.csv: size_mismatch"):
        verify(fresh_settings)


def test_changes_after_verification_are_detected(fresh_settings) -> None:
    from pipelines.io.landing import recheck_delivery

    folder = deliver(fresh_settings, {"part-00000.csv": gbk(HEADER, ROW)})
    delivery = verify(fresh_settings)
    recheck_delivery(LocalStorage(), delivery)  # unchanged: passes
    (folder / "late.csv").write_bytes(gbk(HEADER, ROW))
    with pytest.raises(DeliveryRejected, match="file late.csv: changed_after_verification: added"):
        recheck_delivery(LocalStorage(), delivery)
    (folder / "late.csv").unlink()
    (folder / "part-00000.csv").write_bytes(gbk(HEADER, ROW.replace("D1", "D9")))
    with pytest.raises(DeliveryRejected, match="file part-00000.csv: changed_after_verification: rewritten"):
        recheck_delivery(LocalStorage(), delivery)


def test_rows_are_records_header_quoted_bom_crlf_blank_lines(fresh_settings) -> None:
    header = HEADER.replace("申报序号", '"申报序号"')
    quoted = ROW.replace("D1", '"D\r\n1"')  # a line break inside a quoted field
    body = ROW + "\r\n" + quoted + "\r\n\r\n\r\n"
    deliver(
        fresh_settings, {"part-00000.csv": (header + "\r\n" + body).encode("gbk")}, manifest_rows={"part-00000.csv": 2}
    )
    delivery = verify(fresh_settings)
    assert delivery.rows == 2 and delivery.files[0].header[0] == "申报序号" and delivery.files[0].spans_lines


def test_an_undecodable_byte_names_its_row(fresh_settings) -> None:
    data = gbk(HEADER, ROW, ROW) + b"D3,\x81\x20broken\n" + gbk(ROW)
    deliver(fresh_settings, {"part-00000.csv": data}, manifest_rows={"part-00000.csv": 4})
    with pytest.raises(DeliveryRejected, match="file part-00000.csv row 3: encoding: not decodable as gbk"):
        verify(fresh_settings)


def _sanctions(settings, files: dict[str, bytes], rows: dict[str, int]):
    from tests.pipelines.io.kit import land

    contract = load_contract("credit", "sanctions")
    land(settings, contract, files, rows)
    return verify_delivery(LocalStorage(), settings, contract, "2026-11-01")


SANCTIONS = "record_id,uscc,category,issuing_dept,decided_on,amount_cny,valid_until,status,updated_at"


def test_utf8_bom_is_no_content_and_gzip_members_all_count(fresh_settings) -> None:
    import gzip

    text = ("\ufeff" + SANCTIONS + "\n" + "r1,u,c,d,2026-01-01,,,active,t\n").encode("utf-8")
    two_members = gzip.compress(text) + gzip.compress(b"r2,u,c,d,2026-01-01,,,active,t\n")
    delivery = _sanctions(fresh_settings, {"a.csv": text, "b.csv.gz": two_members}, {"a.csv": 1, "b.csv.gz": 2})
    assert [f.rows for f in delivery.files] == [1, 2] and delivery.files[0].header[0] == "record_id"


@pytest.mark.parametrize(("cut", "rule"), [(-4, "unreadable_gzip"), (None, "unreadable_gzip")])
def test_a_truncated_or_trailing_garbage_gzip_rejects(fresh_settings, cut, rule: str) -> None:
    import gzip

    data = gzip.compress((SANCTIONS + "\nr1,u,c,d,2026-01-01,,,active,t\n").encode())
    data = data[:cut] if cut else data + b"garbage"
    with pytest.raises(DeliveryRejected, match=rf"file a.csv.gz: {rule}"):
        _sanctions(fresh_settings, {"a.csv.gz": data}, {"a.csv.gz": 1})


def test_a_parquet_column_of_the_wrong_type_rejects(fresh_settings) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from tests.pipelines.io.kit import land

    contract = load_contract("energy", "readings")
    table = pa.table(
        {"meter_id": ["m"], "reading_ts": pa.array([0], pa.timestamp("us", tz="UTC")), "kwh": ["1.5"], "quality": [0]}
    )
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    land(fresh_settings, contract, {"a.parquet": sink.getvalue().to_pybytes()}, {"a.parquet": 1})
    with pytest.raises(DeliveryRejected, match="file a.parquet: wrong_type: column kwh is string"):
        verify_delivery(LocalStorage(), fresh_settings, contract, "2026-11-01")
