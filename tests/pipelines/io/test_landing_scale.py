"""Landing verification at scale: streamed in chunks (memory bounded, whatever the file size),
Parquet footers read with ranged reads, files verified in parallel with the sequential outcome."""

from __future__ import annotations

import gzip
import io
import tracemalloc
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.core.contract import load_contract
from pipelines.io.landing import DeliveryRejected, verify_delivery
from pipelines.io.storage import LocalStorage, RangedObject
from tests.pipelines.io.kit import DT, folder_of, land

SANCTIONS = load_contract("credit", "sanctions")
READINGS = load_contract("energy", "readings")
HEADER = "record_id,uscc,category,issuing_dept,decided_on,amount_cny,valid_until,status,updated_at\n"
MB = 1 << 20


def _csv(rows: int, seed: int) -> bytes:
    ids = np.random.default_rng(seed).integers(0, 10**12, rows).astype(str)
    body = "".join(f'R{i},91320102MA1X2Y3K4F,admin_penalty,"Dept, {i}",2026-01-01,1.00,,active,t\n' for i in ids)
    return (HEADER + body).encode()


def _parquet(rows: int, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    table = pa.table(
        {
            "meter_id": pa.array(rng.integers(0, 10**15, rows).astype(str)),
            "reading_ts": pa.array(rng.integers(0, 10**15, rows), pa.timestamp("us", tz="UTC")),
            "kwh": rng.random(rows),
            "quality": pa.array(rng.integers(0, 3, rows), pa.int32()),
        }
    )
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, row_group_size=200_000, compression="snappy")
    return sink.getvalue().to_pybytes()


def _peak_while(fn) -> tuple[object, int]:
    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("kind", ["csv", "csv.gz", "parquet"])
def test_verification_memory_stays_far_below_the_file_size(fresh_settings, kind: str) -> None:
    if kind == "parquet":
        contract, data, rows = READINGS, _parquet(2_000_000, 1), 2_000_000
    else:
        contract, rows = SANCTIONS, 480_000
        data = _csv(rows, 1)
    size = len(data)  # of the text: a gzip file is inflated as it streams, never whole
    data = gzip.compress(data, compresslevel=1) if kind.endswith("gz") else data
    name = f"part-00000.{kind}"
    land(fresh_settings, contract, {name: data}, {name: rows})
    del data
    delivery, peak = _peak_while(lambda: verify_delivery(LocalStorage(), fresh_settings, contract, DT))
    assert delivery.rows == rows and size > 30 * MB
    assert peak < 12 * MB < size / 2.5, f"peak {peak / MB:.1f} MiB verifying {size / MB:.0f} MiB"


def _mixed_delivery(settings) -> Path:
    files = {f"part-{i:05d}.csv" + (".gz" if i % 2 else ""): _csv(20_000 + i, i) for i in range(6)}
    files = {n: gzip.compress(d) if n.endswith(".gz") else d for n, d in files.items()}
    return land(settings, SANCTIONS, files, {n: 20_000 + i for i, n in enumerate(files)})


def test_parallel_verification_gives_the_sequential_result(fresh_settings) -> None:
    _mixed_delivery(fresh_settings)
    one = verify_delivery(LocalStorage(), fresh_settings, SANCTIONS, DT, workers=1)
    many = verify_delivery(LocalStorage(), fresh_settings, SANCTIONS, DT, workers=4)
    assert one == many and [f.rows for f in many.files] == [20_000 + i for i in range(6)]


def test_parallel_verification_names_the_first_bad_file_of_the_manifest(fresh_settings) -> None:
    folder = _mixed_delivery(fresh_settings)
    for name in ("part-00005.csv.gz", "part-00002.csv"):  # the later one breaks first on disk
        data = (folder / name).read_bytes()
        (folder / name).write_bytes(data[:-10] + bytes(10))
    messages = set()
    for workers in (1, 4, 6):
        with pytest.raises(DeliveryRejected) as err:
            verify_delivery(LocalStorage(), fresh_settings, SANCTIONS, DT, workers=workers)
        messages.add(str(err.value))
    assert len(messages) == 1 and "file part-00002.csv: checksum_mismatch" in messages.pop()


class _Objects:
    """The two calls of an S3 client a ranged reader makes, over one object held in memory (a test double
    of the object store, counting the bytes it serves)."""

    def __init__(self, data: bytes) -> None:
        self.data, self.served = data, 0

    def head_object(self, Bucket: str, Key: str) -> dict:  # noqa: N803 (boto3's names)
        return {"ContentLength": len(self.data), "ETag": '"x"'}

    def get_object(self, Bucket: str, Key: str, Range: str) -> dict:  # noqa: N803
        start, end = (int(x) for x in Range.removeprefix("bytes=").split("-"))
        self.served += end + 1 - start
        return {"Body": io.BytesIO(self.data[start : end + 1])}


def test_a_ranged_reader_reads_a_parquet_footer_without_the_whole_object() -> None:
    data = _parquet(500_000, 2)
    objects = _Objects(data)
    with RangedObject(objects, "landing", "readings/part.parquet") as handle:
        meta = pq.read_metadata(handle)
    assert meta.num_rows == 500_000 and meta.schema.to_arrow_schema().names[0] == "meter_id"
    assert 0 < objects.served < len(data) / 50


def test_the_delivery_folder_is_the_one_verified(fresh_settings) -> None:
    land(fresh_settings, SANCTIONS, {"a.csv": _csv(3, 0)}, {"a.csv": 3})
    assert verify_delivery(LocalStorage(), fresh_settings, SANCTIONS, DT).uri == str(
        folder_of(fresh_settings, SANCTIONS)
    )
