"""Reading lake tables without Spark (delta-rs + pyarrow): for summaries, tests and analysts.

Reads the files of the table's current snapshot with pyarrow.dataset; this avoids
`DeltaTable.to_pyarrow_table()`, which aborts the interpreter at exit on this stack.
"""

from __future__ import annotations

from typing import Any

from pipelines.io.objectstore import object_store
from pipelines.io.storage import is_remote, join
from pipelines.settings import Settings


def storage_options(settings: Settings) -> dict[str, str]:
    """delta-rs options for the configured object store."""
    return object_store(settings).delta_rs_options()


def arrow_table(settings: Settings, layer: str, name: str, version: int | None = None) -> Any:
    """The current snapshot of `<layer>.<name>` (or the one of `version`) as a pyarrow Table (partition columns included)."""
    import pyarrow.dataset as ds
    from deltalake import DeltaTable

    uri = join(settings.lake_root, layer, name)
    table = DeltaTable(uri, version=version, storage_options=storage_options(settings))
    files = table.file_uris()
    schema = table.schema().to_arrow()
    import pyarrow as pa

    schema = pa.schema(schema)
    filesystem = None
    if is_remote(uri):
        filesystem = object_store(settings).arrow_filesystem()
        files = [f.split("://", 1)[1] for f in files]
    partitions = table.metadata().partition_columns
    # Spark writes partitions as hive-style folders under the table root.
    partitioning = (
        ds.partitioning(pa.schema([schema.field(p) for p in partitions]), flavor="hive") if partitions else None
    )
    base = files[0].rsplit("/", 1 + len(partitions))[0] if files else None
    dataset = ds.dataset(
        files,
        schema=schema,
        filesystem=filesystem,
        format="parquet",
        partitioning=partitioning,
        partition_base_dir=base,
    )
    return dataset.to_table()


def read_table(settings: Settings, layer: str, name: str, version: int | None = None) -> list[dict[str, Any]]:
    """The rows of `<layer>.<name>` (at `version`, default the latest) as dicts."""
    return arrow_table(settings, layer, name, version).to_pylist()
