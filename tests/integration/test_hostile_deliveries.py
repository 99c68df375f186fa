"""Hostile bytes, end to end: deliveries of every format the feeds use (GBK CSV, UTF-8 CSV,
pipe-separated, JSON Lines, gzip JSON Lines, Parquet), made of valid records around the
characters that break readers (quotes, delimiters, line breaks inside fields, CRLF, a
byte-order mark, trailing blank lines) plus hostile records and delivery-level defects,
run through the real bronze and silver steps on local Spark.

Each delivery ends in one of two ways, and nothing else:
- accepted: `manifest rows = bronze rows = promoted + quarantined + duplicates`, every
  valid record's values landed exactly as written, every hostile record is quarantined
  at its file and row, every injected duplicate is counted once;
- rejected whole (`DeliveryRejected` naming delivery, file and, for bytes, the row), with
  nothing written;
- stopped whole by a bronze gate, with nothing written, where the plan holds more bad rows
  than the feed's suite lets through (Parquet readings: more than 1% without a meter).

The valid records are the generator's own (defect-free) rows with a free-text field
replaced by hypothesis' text; expectations are computed here from the plan, not read
back from the pipeline. `reliability` runs many examples per format; the default run
keeps one planned delivery per format family.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from pipelines import registry
from pipelines.core.contract import FeedContract, load_contract
from pipelines.core.steps import RunContext, ingest_bronze, promote_silver
from pipelines.generate.api import generate
from pipelines.io.lake import Lake
from pipelines.io.landing import DeliveryRejected
from pipelines.quality.gate import GateFailed
from pipelines.query import read_table
from tests.pipelines.io.kit import DT, folder_of, land, rfc4180

pytestmark = pytest.mark.integration
# Examples per format: each one runs bronze and silver on Spark.
EXAMPLES = int(os.environ.get("LAKEHOUSE_RELIABILITY_EXAMPLES", "8"))


@dataclass(frozen=True)
class Format:
    """A feed standing for one delivery format, and its free-text column (no rule beyond `required`)."""

    sector: str
    feed: str
    free: str
    gzip: bool = False

    @property
    def contract(self) -> FeedContract:
        return load_contract(self.sector, self.feed)

    @property
    def feed_spec(self) -> Any:
        return next(f for f in registry.SECTORS[self.sector].feeds if f.feed == self.feed)

    @property
    def silver_spec(self) -> Any:
        return next(s for s in registry.SECTORS[self.sector].silver if s.feed.feed == self.feed)


FORMATS = {
    "gbk_csv": Format("tax", "returns", "declaration_id"),
    "utf8_csv": Format("credit", "sanctions", "record_id"),
    "pipe": Format("transport", "etc_passages", "passage_id"),
    "jsonl": Format("transport", "hub_flow", "hub_id"),
    "jsonl_gzip": Format("credit", "legal_entity", "name", gzip=True),
    "parquet": Format("energy", "readings", "meter_id"),
}
TEXT_HOSTILE = ("fewer_columns", "more_columns", "control_character", "stray_quotes")
JSON_HOSTILE = ("cut", "trailing_value", "duplicate_key", "nan", "single_quotes", "not_an_object", "raw_control")
PARQUET_HOSTILE = ("negative_kwh", "bad_quality", "missing_meter", "sub_microsecond")
DELIVERY_DEFECTS = ("second_manifest", "listed_twice", "unlisted_file", "mixed_encoding", "wrong_parquet_type")


@dataclass
class FilePlan:
    """One file: records in order (`("valid", text)`, `("dup", k)` = a copy of the k-th valid one,
    `("hostile", kind)`), and how its bytes are laid out."""

    records: list[tuple[str, Any]]
    crlf: bool = False
    bom: bool = False
    blank_tail: int = 0
    members: int = 1  # gzip members
    nanos: bool = False  # Parquet timestamps in nanoseconds


@dataclass
class Plan:
    files: list[FilePlan]
    defect: str | None = None


@dataclass
class Expected:
    files: dict[str, bytes] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    valid: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)  # (file, row) -> delivered values
    hostile: set[tuple[str, int]] = field(default_factory=set)
    duplicates: int = 0
    reject: tuple[str, str] | None = None  # (file, rule) of the expected rejection
    blocked: str | None = None  # the bronze gate's expectation that stops the delivery (suite policy)
    missing_meters: int = 0


# --- templates: defect-free rows of the generator, one list per format ---


@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> dict[str, list]:
    root = tmp_path_factory.mktemp("templates")
    generate(
        str(root),
        date(2026, 11, 1),
        scale=0.1,
        seed=11,
        sectors=["tax", "credit", "transport", "energy"],
        defect_rate=0,
    )
    out: dict[str, list] = {}
    for name, fmt in FORMATS.items():
        files = sorted(
            p
            for p in folder_of(type("S", (), {"landing_root": str(root)})(), fmt.contract).iterdir()
            if p.name.startswith("part-")
        )
        rows: list = []
        for path in files:
            data = path.read_bytes()
            data = gzip.decompress(data) if path.name.endswith(".gz") else data
            if fmt.contract.format == "parquet":
                table = pq.read_table(io.BytesIO(data))
                out[name + ":schema"] = [table.schema]
                rows += table.to_pylist()
            elif fmt.contract.format == "jsonl":
                rows += [json.loads(line) for line in data.decode("utf-8").splitlines() if line]
            else:
                rows += list(
                    csv.reader(
                        io.StringIO(data.decode(fmt.contract.encoding), newline=""), delimiter=fmt.contract.delimiter
                    )
                )[1:]
        if fmt.feed == "legal_entity":  # its key is the uscc: one version per entity
            rows = list({r["uscc"]: r for r in rows}.values())
        assert len(rows) >= (120 if fmt.feed == "legal_entity" else 10), name  # legal entities: one uscc each
        out[name] = rows[:200]
    return out


# --- building a delivery's bytes from a plan ---


def _free_text(fmt_name: str, index: int, text: str) -> str:
    return f"K{index}<{text}>"  # unique, and no leading or trailing space (silver trims)


def _header(contract: FeedContract) -> list[str]:
    return [c.delivered_name for c in contract.columns]


def _hostile_line(kind: str, fields: list[str], sep: str) -> str:
    plain = [f.replace(sep, "").replace('"', "").replace("\n", "").replace("\r", "") or "x" for f in fields]
    if kind == "fewer_columns":
        return sep.join(plain[:-1])
    if kind == "more_columns":
        return sep.join(plain + ["extra"])
    if kind == "control_character":
        return sep.join([plain[0] + "\x01\x1b"] + plain[1:])
    return sep.join(['ab"c"d'] + plain[1:])  # stray_quotes


def _hostile_json(kind: str, record: dict) -> str:
    line = json.dumps(record, ensure_ascii=False)
    first = next(iter(record))
    return {
        "cut": line[: len(line) // 2],
        "trailing_value": line + ' {"more": 1}',
        "duplicate_key": "{" + json.dumps(first) + ': "dup", ' + line[1:],
        "nan": line[:-1] + ', "zz": NaN}',
        "single_quotes": line.replace('"', "'"),
        "not_an_object": json.dumps(list(record.values()), ensure_ascii=False, default=str),
        "raw_control": line.replace('":', '\x01":', 1),
    }[kind]


def _text_file(fmt: Format, name: str, plan: FilePlan, pool: list, expected: Expected, offset: int) -> bytes:
    contract = fmt.contract
    header = _header(contract)
    free = header.index(contract.column(fmt.free).delivered_name) if contract.is_text and contract.has_header else None
    terminator = "\r\n" if plan.crlf else "\n"
    out = io.StringIO()
    writer = contract.has_header
    if writer:
        out.write(rfc4180(header, contract.delimiter).removesuffix("\r\n") + terminator)
    valid_lines: list[str] = []
    for row, (kind, arg) in enumerate(plan.records, start=1):
        template = pool[(offset + row) % len(pool)]
        if kind == "valid":
            if writer:
                values = list(template)
                values[free] = _free_text(fmt.feed, offset + row, arg)
                line = rfc4180(values, contract.delimiter).removesuffix("\r\n") + terminator
                out.write(line)
                expected.valid[(name, row)] = dict(zip(header, values, strict=True))
            else:
                record = {**template, fmt.free: _free_text(fmt.feed, offset + row, arg)}
                line = json.dumps(record, ensure_ascii=row % 2 == 0) + terminator
                out.write(line)
                expected.valid[(name, row)] = {fmt.free: record[fmt.free]}
            valid_lines.append(line)
        elif kind == "dup":
            line = valid_lines[arg % len(valid_lines)]
            out.write(line)
            expected.duplicates += 1
        else:
            text = _hostile_line(arg, list(template), contract.delimiter) if writer else _hostile_json(arg, template)
            out.write(text + terminator)
            expected.hostile.add((name, row))
    out.write(terminator * plan.blank_tail)
    data = (("\ufeff" if plan.bom else "") + out.getvalue()).encode(contract.encoding)
    if fmt.gzip:
        cut = len(data) // plan.members
        data = b"".join(
            gzip.compress(data[i * cut : (i + 1) * cut if i < plan.members - 1 else None]) for i in range(plan.members)
        )
    return data


def _parquet_file(name: str, plan: FilePlan, pool: list, schema: pa.Schema, expected: Expected, offset: int) -> bytes:
    rows: list[dict] = []
    valid: list[dict] = []
    for row, (kind, arg) in enumerate(plan.records, start=1):
        template = dict(pool[(offset + row) % len(pool)])
        if kind == "valid":
            template["meter_id"] = _free_text("readings", offset + row, arg)
            valid.append(template)
            expected.valid[(name, row)] = {"meter_id": template["meter_id"]}
        elif kind == "dup":
            template = dict(valid[arg % len(valid)])
            expected.duplicates += 1
        else:
            template["meter_id"] = f"H{offset + row}"
            if arg == "negative_kwh":
                template["kwh"] = -1.5
            elif arg == "bad_quality":
                template["quality"] = 7
            elif arg == "missing_meter":
                template["meter_id"] = None
            expected.hostile.add((name, row))
        rows.append(template)
    table = pa.Table.from_pylist(rows, schema=schema)
    expected.missing_meters += sum(r["meter_id"] is None for r in rows)
    if plan.nanos or any(a == "sub_microsecond" for k, a in plan.records if k == "hostile"):
        ts = table.column("reading_ts").cast(pa.timestamp("ns", tz="UTC")).to_pylist()
        values = [
            pa.scalar(t, pa.timestamp("ns", tz="UTC")).value
            + (1 if plan.records[i] == ("hostile", "sub_microsecond") else 0)
            for i, t in enumerate(ts)
        ]
        table = table.set_column(
            table.schema.get_field_index("reading_ts"), "reading_ts", pa.array(values, pa.timestamp("ns", tz="UTC"))
        )
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return sink.getvalue().to_pybytes()


def build(fmt_name: str, plan: Plan, templates: dict[str, list]) -> Expected:
    fmt = FORMATS[fmt_name]
    expected = Expected()
    pool = templates[fmt_name]
    ext = {"csv": "csv", "psv": "txt", "jsonl": "jsonl", "parquet": "parquet"}[fmt.contract.format] + (
        ".gz" if fmt.gzip else ""
    )
    for index, file_plan in enumerate(plan.files):
        name = f"part-{index:05d}.{ext}"
        if fmt.contract.format == "parquet":
            data = _parquet_file(name, file_plan, pool, templates[fmt_name + ":schema"][0], expected, index * 60)
        else:
            data = _text_file(fmt, name, file_plan, pool, expected, index * 60)
        expected.files[name] = data
        expected.rows[name] = len(file_plan.records)
    total = sum(expected.rows.values())
    if (total - expected.missing_meters) / total < 0.99:  # suites/bronze/energy_readings.yaml
        expected.blocked = "expect_column_values_to_not_be_null(meter_id) [block]"
    return expected


# --- running a delivery and checking the outcome ---


def _apply_defect(defect: str, fmt: Format, folder: Path, expected: Expected) -> None:
    first = sorted(expected.files)[0]
    manifest = json.loads((folder / "_manifest.json").read_text())
    if defect == "second_manifest":
        (folder / "_manifest.json.bak").write_text(json.dumps(manifest))
        expected.reject = ("_manifest.json.bak", "second_manifest")
    elif defect == "listed_twice":
        manifest["files"].append(manifest["files"][0])
        (folder / "_manifest.json").write_text(json.dumps(manifest))
        expected.reject = (first, "duplicate_entry")
    elif defect == "unlisted_file":
        (folder / "part-99999.late").write_bytes(expected.files[first])
        expected.reject = ("part-99999.late", "unlisted_file")
    elif defect == "mixed_encoding":  # one record in another encoding, manifest made for the bytes as they are
        foreign = "中文".encode("gbk") if fmt.contract.encoding == "utf-8" else "ÿ".encode("latin-1")
        data = expected.files[first]
        data = gzip.compress(gzip.decompress(data) + foreign + b"\n") if fmt.gzip else data + foreign + b"\n"
        expected.rows[first] += 1
        land(_Landing(folder), fmt.contract, {first: data}, {n: expected.rows[n] for n in [first]})
        manifest["files"][0] = json.loads((folder / "_manifest.json").read_text())["files"][0]
        (folder / "_manifest.json").write_text(json.dumps(manifest))
        expected.reject = (first, "encoding")
    elif defect == "wrong_parquet_type":
        table = pq.read_table(folder / first)
        table = table.set_column(table.schema.get_field_index("kwh"), "kwh", table.column("kwh").cast(pa.string()))
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink)
        land(_Landing(folder), fmt.contract, {first: sink.getvalue().to_pybytes()}, {first: expected.rows[first]})
        manifest["files"][0] = json.loads((folder / "_manifest.json").read_text())["files"][0]
        (folder / "_manifest.json").write_text(json.dumps(manifest))
        expected.reject = (first, "wrong_type")


class _Landing:
    """Settings-like: the landing root that holds `folder` (for `land`)."""

    def __init__(self, folder: Path) -> None:
        self.landing_root = str(folder.parents[2])


def run_and_check(spark, base_settings, templates: dict[str, list], fmt_name: str, plan: Plan) -> None:
    """Deliver `plan`, run bronze and silver for real, and check every promise of the module docstring."""
    fmt = FORMATS[fmt_name]
    root = Path(tempfile.mkdtemp(prefix=f"hostile-{fmt_name}-"))
    run_settings = base_settings.with_overrides(
        landing_root=str(root / "landing"), lake_root=str(root / "lake"), docs_dir=str(root / "docs")
    )
    expected = build(fmt_name, plan, templates)
    folder = land(run_settings, fmt.contract, expected.files, expected.rows)
    if plan.defect:
        _apply_defect(plan.defect, fmt, folder, expected)
    ctx = RunContext(f"hostile-{fmt_name}", DT)
    if expected.reject:
        file, rule = expected.reject
        with pytest.raises(DeliveryRejected) as err:
            ingest_bronze(Lake(spark, run_settings), fmt.feed_spec, ctx)
        assert (err.value.delivery, err.value.file, err.value.rule) == (str(folder), file, rule), str(err.value)
        assert str(folder) in str(err.value) and file in str(err.value)
        if rule == "encoding":
            assert err.value.row == expected.rows[file], str(err.value)
        assert not (root / "lake" / "bronze").exists()
        return
    if expected.blocked:  # more hostile rows than the bronze suite lets through: stopped whole, by the gate
        with pytest.raises(GateFailed, match=re.escape(expected.blocked)):
            ingest_bronze(Lake(spark, run_settings), fmt.feed_spec, ctx)
        assert not (root / "lake" / "bronze").exists()
        return
    bronze_result = ingest_bronze(Lake(spark, run_settings), fmt.feed_spec, ctx)
    manifest_rows = sum(expected.rows.values())
    bronze = [r for r in read_table(run_settings, "bronze", fmt.feed_spec.table) if str(r["_dt"]) == DT]
    assert bronze_result.rows_in == manifest_rows == len(bronze)
    by_row = {(r["_source_file"], r["_row_no"]): r for r in bronze}
    assert set(by_row) == {(n, i) for n, k in expected.rows.items() for i in range(1, k + 1)}  # numbered per record
    for (name, row), values in expected.valid.items():
        got = by_row[(name, row)]
        assert got["_parse_error"] is None, (name, row, got["_raw"], got["_parse_error"])
        for delivered, value in values.items():
            column = next(c.name for c in fmt.contract.columns if c.delivered_name == delivered)
            assert got[column] == value, (name, row, column)
    for key in expected.hostile:
        assert by_row[key]["_parse_error"] is not None or fmt.contract.format == "parquet", key

    silver = promote_silver(Lake(spark, run_settings), fmt.silver_spec, ctx)
    assert silver.rows_in == manifest_rows == silver.promoted + silver.quarantined + silver.duplicates
    assert (silver.promoted, silver.quarantined, silver.duplicates) == (
        len(expected.valid),
        len(expected.hostile),
        expected.duplicates,
    ), silver.reasons
    quarantined = read_table(run_settings, "quarantine", fmt.feed_spec.table) if expected.hostile else []
    assert {(r["_source_file"], r["_row_no"]) for r in quarantined} == expected.hostile
    promoted = {r[fmt.free] for r in read_table(run_settings, "silver", fmt.silver_spec.name)}
    assert promoted == {v[fmt.contract.column(fmt.free).delivered_name] for v in expected.valid.values()}


# --- plans: drawn by hypothesis, or one planned per format for the default run ---


def _encodable(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
        return True
    except UnicodeEncodeError:
        return False


def _text(fmt_name: str) -> st.SearchStrategy[str]:
    fmt = FORMATS[fmt_name]
    if fmt.contract.format == "parquet":
        chars = st.characters(exclude_categories=["Cs"])
    elif fmt.contract.format == "jsonl":
        chars = st.characters(exclude_categories=["Cs"], codec="utf-8")
    else:  # delimited: any character of the encoding but controls (line breaks and TAB allowed)
        chars = st.characters(codec=fmt.contract.encoding, exclude_categories=["Cs", "Cc"])
    troublesome = ['"', '""', ",", "|", "\n", "\r\n", "\r", "\t", "'", "{", "}", "\\", "\ufeff", "⊕", "\u2028"]
    encoding = "utf-8" if fmt.contract.format == "parquet" else fmt.contract.encoding
    specials = st.sampled_from([t for t in troublesome if _encodable(t, encoding)])
    return st.lists(st.one_of(chars, specials), max_size=12).map("".join)


def hostile_kinds(fmt) -> tuple[str, ...]:
    """The hostile record kinds a format can carry."""
    return {"parquet": PARQUET_HOSTILE, "jsonl": JSON_HOSTILE}.get(fmt.contract.format, TEXT_HOSTILE)


@st.composite
def plans(draw, fmt_name: str) -> Plan:
    fmt = FORMATS[fmt_name]
    kinds = hostile_kinds(fmt)
    files = []
    for _ in range(draw(st.integers(1, 2))):
        valid = draw(st.lists(_text(fmt_name), min_size=10, max_size=25))
        records: list[tuple[str, Any]] = [("valid", t) for t in valid]
        # the tax suite blocks above 10% quarantined: stay below it
        for kind in draw(st.lists(st.sampled_from(kinds), max_size=len(valid) // 11)):
            records.insert(draw(st.integers(0, len(records))), ("hostile", kind))
        for copy in draw(st.lists(st.integers(0, 100), max_size=2)):
            records.append(("dup", copy))
        files.append(
            FilePlan(
                records,
                crlf=draw(st.booleans()),
                bom=fmt.contract.encoding == "utf-8" and fmt.contract.format != "parquet" and draw(st.booleans()),
                blank_tail=0 if fmt.contract.format == "parquet" else draw(st.integers(0, 3)),
                members=draw(st.integers(1, 3)) if fmt.gzip else 1,
                nanos=fmt.contract.format == "parquet" and draw(st.booleans()),
            )
        )
    defects = [
        d
        for d in DELIVERY_DEFECTS
        if (d != "mixed_encoding" or fmt.contract.is_text) and (d != "wrong_parquet_type" or not fmt.contract.is_text)
    ]
    defect = draw(st.one_of(st.none(), st.none(), st.none(), st.sampled_from(defects)))
    return Plan(files, defect)


def planned(fmt_name: str) -> Plan:
    """One delivery with every kind of valid trouble and one hostile record of each kind the format has."""
    fmt = FORMATS[fmt_name]
    texts = ['say "hi", then', "two\nlines", "crlf\r\ninside", 'a|b,c""', "汉字 ⊕", "tab\tend", "{[}]\\", "plain"]
    records: list[tuple[str, Any]] = [("valid", t) for t in texts * 3]
    kinds = hostile_kinds(fmt)
    for i, kind in enumerate(kinds[:2]):
        records.insert(5 + 7 * i, ("hostile", kind))
    records.append(("dup", 1))
    utf8_text = fmt.contract.encoding == "utf-8" and fmt.contract.is_text
    return Plan(
        [
            FilePlan(
                records,
                crlf=True,
                bom=utf8_text,
                blank_tail=0 if not fmt.contract.is_text else 2,
                members=2 if fmt.gzip else 1,
                nanos=not fmt.contract.is_text,
            ),
            FilePlan(records[:12], crlf=False),
        ]
    )


@pytest.mark.parametrize(
    "fmt_name",
    [
        "gbk_csv",
        "jsonl_gzip",
        *[pytest.param(f, marks=pytest.mark.reliability) for f in ("utf8_csv", "pipe", "jsonl", "parquet")],
    ],
)
def test_a_planned_delivery_of_each_format(spark, settings, templates, fmt_name: str) -> None:
    run_and_check(spark, settings, templates, fmt_name, planned(fmt_name))


@pytest.mark.reliability
@pytest.mark.parametrize("fmt_name", sorted(FORMATS))
@hypothesis_settings(
    max_examples=EXAMPLES,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: each example is a Spark run
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_delivery_is_accepted_exactly_or_rejected_whole(spark, settings, templates, fmt_name: str, data) -> None:
    run_and_check(spark, settings, templates, fmt_name, data.draw(plans(fmt_name)))


def test_a_corrupt_parquet_page_behind_a_valid_footer_rejects_naming_the_file(spark, settings, templates) -> None:
    fmt = FORMATS["parquet"]
    root = Path(tempfile.mkdtemp(prefix="hostile-page-"))
    run_settings = settings.with_overrides(landing_root=str(root / "landing"), lake_root=str(root / "lake"))
    good = build("parquet", Plan([FilePlan([("valid", str(i)) for i in range(30)])]), templates).files[
        "part-00000.parquet"
    ]
    meta = pq.read_metadata(io.BytesIO(good))
    start = meta.row_group(0).column(0).data_page_offset
    broken = good[: start + 4] + bytes(64) + good[start + 68 :]  # the first page of the first column, zeroed
    land(
        run_settings,
        fmt.contract,
        {"good.parquet": good, "part-00001.parquet": broken},
        {"good.parquet": 30, "part-00001.parquet": 30},
    )
    with pytest.raises(DeliveryRejected, match=r"dt=2026-11-01 rejected: file part-00001.parquet: unreadable_file: "):
        ingest_bronze(Lake(spark, run_settings), fmt.feed_spec, RunContext("page", DT))
    assert not (root / "lake" / "bronze").exists()
