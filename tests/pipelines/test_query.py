"""Reading lake tables without Spark: the current snapshot with its partition columns, from a table
delta-rs wrote; object-store options from the settings."""

from __future__ import annotations

import pyarrow as pa
from deltalake import write_deltalake

from pipelines.query import read_table, storage_options
from pipelines.settings import Settings


def _write(uri: str, rows: list[dict], mode: str = "append") -> None:
    table = pa.Table.from_pylist(rows, pa.schema([("id", pa.string()), ("amount", pa.int64()), ("part", pa.string())]))
    write_deltalake(uri, table, partition_by=["part"], mode=mode)


def test_read_table_gives_the_current_snapshot_with_partition_columns(tmp_path) -> None:
    settings = Settings(lake_root=str(tmp_path))
    uri = str(tmp_path / "gold" / "t")
    _write(uri, [{"id": "old", "amount": 0, "part": "x"}])
    _write(uri, [{"id": "a", "amount": 1, "part": "x"}, {"id": "b", "amount": 2, "part": "y"}], mode="overwrite")
    rows = sorted(read_table(settings, "gold", "t"), key=lambda r: r["id"])
    assert rows == [{"id": "a", "amount": 1, "part": "x"}, {"id": "b", "amount": 2, "part": "y"}]


def test_read_table_of_an_unpartitioned_table(tmp_path) -> None:
    uri = str(tmp_path / "ops" / "run_metrics")
    write_deltalake(uri, pa.table({"run_id": ["r1", "r2"]}))
    assert sorted(r["run_id"] for r in read_table(Settings(lake_root=str(tmp_path)), "ops", "run_metrics")) == [
        "r1",
        "r2",
    ]


def test_storage_options_come_from_the_settings_store() -> None:
    assert storage_options(Settings()) == {}
    options = storage_options(Settings(s3_endpoint="https://s3.example", s3_access_key="AK", s3_secret_key="SK"))
    assert (options["AWS_ENDPOINT_URL"], options["AWS_ACCESS_KEY_ID"], options["AWS_ALLOW_HTTP"]) == (
        "https://s3.example",
        "AK",
        "false",
    )
