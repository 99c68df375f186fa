"""Reading deliveries into bronze rows: quoting, row numbers, bad rows kept raw, drift in `_extra`."""

from __future__ import annotations

import gzip

import pytest

from pipelines.core.contract import load_contract, parse_contract
from pipelines.io.landing import Delivery, DeliveryRejected, VerifiedFile, verify_delivery
from pipelines.io.readers import read_delivery
from pipelines.io.storage import LocalStorage, join
from tests.pipelines.io.kit import DT, land

JSON_CONTRACT = parse_contract(
    {
        "sector": "demo",
        "feed": "events",
        "format": "jsonl",
        "key": ["id"],
        "columns": [{"name": "id"}, {"name": "n", "type": "int"}],
    }
)


def _delivery(folder: str, files: dict[str, tuple[bytes, tuple[str, ...]]], rows: int = 5) -> Delivery:
    verified = []
    for name, (data, header) in files.items():
        path = join(folder, name)
        with open(path, "wb") as handle:
            handle.write(data)
        verified.append(VerifiedFile(name, path, rows, len(data), header))
    return Delivery("demo", "x", "2026-11-01", folder, {"files": []}, tuple(verified))


def test_gbk_csv_with_quotes_bad_rows_and_drift(spark, tmp_path) -> None:
    contract = load_contract("tax", "returns")
    header = [c.delivered_name for c in contract.columns] + ["备注"]
    good = 'D1,91320102MA1X2Y3K4F,202610,10101,"1,000.00",1.00,1.00,2026-11-01,320102,C13,1,说明'
    lines = [",".join(header), good, "D2,short,row", good.replace("D1", "D3") + ",extra"]
    data = ("\n".join(lines) + "\n").encode("gbk")
    delivery = _delivery(str(tmp_path), {"part-00000.csv": (data, tuple(header))})
    rows = {r._row_no: r for r in read_delivery(spark, delivery, contract).collect()}
    assert sorted(rows) == [1, 2, 3]
    assert rows[1].declaration_id == "D1" and rows[1].taxable_base_cny == "1,000.00" and rows[1]._parse_error is None
    assert rows[1]._extra == {"备注": "说明"} and rows[1]._raw == good
    assert rows[2]._parse_error == "fewer columns than the header" and rows[2]._raw == "D2,short,row"
    assert rows[3]._parse_error == "more columns than the header"


def test_json_lines_gzip_broken_line_and_unknown_field(spark, tmp_path) -> None:
    lines = [
        '{"id": "a", "n": 1}',
        '{"id": "b", "n": 2, "new_field": "x"}',
        '{"id": "c", "n":',
        '{"id": "d", "n": "abc"}',
    ]
    data = gzip.compress(("\n".join(lines) + "\n").encode())
    delivery = _delivery(str(tmp_path), {"part-00000.jsonl.gz": (data, ())})
    rows = {r._row_no: r for r in read_delivery(spark, delivery, JSON_CONTRACT).collect()}
    assert rows[1].id == "a" and rows[1].n == "1" and rows[1]._parse_error is None
    assert rows[2]._extra == {"new_field": "x"}
    assert rows[3]._parse_error == "not a JSON object" and rows[3]._raw == '{"id": "c", "n":'
    assert rows[4].n == "abc"  # kept as delivered; the silver rules call it unparseable


def test_row_numbers_restart_per_file(spark, tmp_path) -> None:
    contract = load_contract("tax", "returns")
    header = [c.delivered_name for c in contract.columns]
    row = "D1,91320102MA1X2Y3K4F,202610,10101,1.00,1.00,1.00,2026-11-01,320102,C13,1"
    data = ("\n".join([",".join(header)] + [row.replace("D1", f"D{i}") for i in range(1, 6)]) + "\n").encode("gbk")
    delivery = _delivery(str(tmp_path), {"a.csv": (data, tuple(header)), "b.csv": (data, tuple(header))})
    got = sorted(
        (r._source_file, r._row_no, r.declaration_id) for r in read_delivery(spark, delivery, contract).collect()
    )
    assert got == sorted((f, i, f"D{i}") for f in ("a.csv", "b.csv") for i in range(1, 6))


# --- Every valid file read exactly as its standard defines it; everything else a parse error ---


CSV3 = parse_contract(
    {
        "sector": "demo",
        "feed": "csv3",
        "format": "csv",
        "key": ["a"],
        "columns": [{"name": "a"}, {"name": "b"}, {"name": "c"}],
    }
)


def _read(spark, settings, contract, files: dict[str, bytes], rows: dict[str, int]) -> dict:
    land(settings, contract, files, rows)
    delivery = verify_delivery(LocalStorage(), settings, contract, DT)
    return {(r._source_file, r._row_no): r for r in read_delivery(spark, delivery, contract).collect()}


def test_rfc4180_records_bom_crlf_and_blank_lines(spark, fresh_settings) -> None:
    records = [
        'x,"1,5","say ""hi"""',  # quoted delimiter, doubled quotes
        'y,"two\nlines","and\r\ncrlf"',  # line breaks inside quotes: one record, numbered once
        "z,,",  # empty fields are empty strings, not missing columns
        'w,"",last',
    ]
    data = ("\ufeffa,b,c\r\n" + "\r\n".join(records) + "\r\n\r\n\r\n").encode("utf-8")
    rows = _read(spark, fresh_settings, CSV3, {"f.csv": data}, {"f.csv": 4})
    got = {no: (r.a, r.b, r.c, r._parse_error) for (_, no), r in rows.items()}
    assert got == {
        1: ("x", "1,5", 'say "hi"', None),
        2: ("y", "two\nlines", "and\r\ncrlf", None),
        3: ("z", "", "", None),
        4: ("w", "", "last", None),
    }
    assert rows[("f.csv", 2)]._raw == records[1].replace("\n", "\n")


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("a,b", "fewer columns than the header"),
        ("a,b,c,d", "more columns than the header"),
        ("a,b,c,", "more columns than the header"),
        ("a,b\x01,c", "control character in the record"),
        ("a,\x00,c", "control character in the record"),
        ('a,b"x"y,c', "malformed quoting (RFC 4180)"),
        ('a,"b"x,c', "malformed quoting (RFC 4180)"),
        ("a,b\rc,d", "malformed quoting (RFC 4180)"),
        ("a," + "," * 5000 + "c", "more columns than the header"),
    ],
)
def test_hostile_csv_records_keep_their_raw_text(spark, fresh_settings, line: str, error: str) -> None:
    data = f"a,b,c\nok,1,2\n{line}\nok,3,4\n".encode()
    rows = _read(spark, fresh_settings, CSV3, {"f.csv": data}, {"f.csv": 3})
    assert rows[("f.csv", 2)]._parse_error == error and rows[("f.csv", 2)]._raw == line
    assert rows[("f.csv", 1)]._parse_error is None and rows[("f.csv", 3)].b == "3"


def test_an_unbalanced_quote_rejects_the_delivery_naming_the_row(spark, fresh_settings) -> None:
    data = b'a,b,c\nok,1,2\nok,b"x,c\nok,3,4\n'
    with pytest.raises(DeliveryRejected, match=r"file f.csv row 2: row_count_mismatch: 2 rows != manifest 3"):
        _read(spark, fresh_settings, CSV3, {"f.csv": data}, {"f.csv": 3})


def test_a_multi_megabyte_field_is_a_parse_error_not_a_crash(spark, fresh_settings) -> None:
    big = "x" * (3 << 20)
    data = f"a,b,c\n1,{big},2\n3,4,5\n".encode()
    rows = _read(spark, fresh_settings, CSV3, {"f.csv": data}, {"f.csv": 2})
    assert rows[("f.csv", 1)]._parse_error.startswith("record longer than")
    assert len(rows[("f.csv", 1)]._raw) == len(big) + 4 and rows[("f.csv", 2)]._parse_error is None


def test_json_lines_strict_and_exact(spark, fresh_settings) -> None:
    lines = [
        '\ufeff{"id": "a", "n": 1234567890123456.78, "deep": {"x": [1, {"y": null}]}}',
        '{"id": "b", "n": 1}{"id": "c"}',
        '{"id": "d", "n": 1} trailing',
        '{"id": "e", "id": "f"}',
        '{"id": "g", "n": NaN}',
        "{'id': 'h'}",
        '{"id": "i", "n": "x\x01y"}',
        '["not", "an", "object"]',
        '{"id": "j", "n": "tab\\tok \\u00e9 }{ \\" ]"}',
        "",
    ]
    data = "\r\n".join(lines).encode("utf-8")
    rows = _read(spark, fresh_settings, JSON_CONTRACT, {"f.jsonl": data}, {"f.jsonl": 9})
    got = {no: (r.id, r.n, r._parse_error) for (_, no), r in rows.items()}
    assert got[1] == ("a", "1234567890123456.78", None)
    assert rows[("f.jsonl", 1)]._extra["deep"].replace(" ", "") == '{"x":[1,{"y":null}]}'
    assert got[9] == ("j", 'tab\tok é }{ " ]', None)
    for row in (2, 3):
        assert got[row][2] == "more than one JSON value on the line"
    for row in (4, 5, 6, 7, 8):
        assert got[row][2] == "not a JSON object", row


def test_parquet_types_cast_to_the_contract_nanoseconds_included(spark, fresh_settings) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    contract = load_contract("energy", "readings")
    base = 1_793_491_200_000_000_000  # 2026-11-01T00:00:00Z in ns
    ns = pa.table(
        {
            "meter_id": ["m1", "m2"],
            "reading_ts": pa.array([base, base + 1], pa.timestamp("ns", tz="UTC")),
            "kwh": pa.array([1, 2], pa.int64()),
            "quality": pa.array([0, 2**40], pa.int64()),
        }
    )
    us = pa.table(
        {
            "meter_id": pa.array(["m3"]).dictionary_encode(),
            "reading_ts": pa.array([base // 1000], pa.timestamp("us")),
            "kwh": [0.5],
            "quality": pa.array([1], pa.int32()),
        }
    )
    files = {}
    for name, table in (("a.parquet", ns), ("b.parquet", us)):
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink)
        files[name] = sink.getvalue().to_pybytes()
    rows = _read(spark, fresh_settings, contract, files, {"a.parquet": 2, "b.parquet": 1})
    a1, a2, b1 = rows[("a.parquet", 1)], rows[("a.parquet", 2)], rows[("b.parquet", 1)]
    assert a1.reading_ts == b1.reading_ts and a1.kwh == 1.0 and a1.quality == 0 and a1._parse_error is None
    assert a2._parse_error in ("reading_ts: finer than microseconds", "quality: does not fit int")
    assert b1.meter_id == "m3" and b1.quality == 1
    assert a2.quality is None  # 2**40 does not fit the contract's int: a parse error, not a silent null
