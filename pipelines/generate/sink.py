"""Where generated files go: a local folder or an S3-compatible bucket prefix.

The generator writes through the IO layer's storage (`pipelines.io.storage.Prefixed`):
keys are relative to the location (`tax/returns/dt=2026-11-01/part-00000.csv`), and the
object-store client comes from the settings' object store, like every other client.
"""

from __future__ import annotations

from typing import Any

from pipelines.io.objectstore import object_store
from pipelines.io.storage import LocalStorage, Prefixed, S3Storage, is_remote
from pipelines.settings import Settings, load_settings

Sink = Prefixed


def open_sink(location: str, settings: Settings | None = None, client: Any = None) -> Prefixed:
    """A sink for a local folder or an `s3://bucket/prefix` location.

    Args:
        location: folder path or s3 URL.
        settings: whose object store serves s3 locations (default: `load_settings()`).
        client: an S3 client to use instead (tests).

    Returns:
        The sink.
    """
    if not is_remote(location):
        return Prefixed(LocalStorage(), location)
    if client is None:
        client = object_store(settings or load_settings()).client()
    return Prefixed(S3Storage(client), location)
