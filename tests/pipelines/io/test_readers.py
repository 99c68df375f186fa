"""Reading deliveries into bronze rows: quoting, row numbers, bad rows kept raw, drift in `_extra`."""

from __future__ import annotations

import gzip

from pipelines.core.contract import load_contract, parse_contract
from pipelines.io.landing import Delivery, VerifiedFile
from pipelines.io.readers import read_delivery
from pipelines.io.storage import join

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
