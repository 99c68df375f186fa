"""The analyst tools' object-store access, from the one object-store factory
(`pipelines.io.objectstore`): delta-rs options and DuckDB's S3 secret.
"""

from __future__ import annotations

from urllib.parse import urlparse

from pipelines.io.objectstore import object_store
from pipelines.io.storage import is_remote
from pipelines.settings import Settings


def delta_rs_options(settings: Settings) -> dict[str, str]:
    """delta-rs `storage_options` for the configured store ({} for a local lake)."""
    return object_store(settings).delta_rs_options()


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def duckdb_secret_sql(settings: Settings) -> str | None:
    """`CREATE SECRET` giving DuckDB (and its delta extension) the store's credentials.

    Returns:
        The statement, or None when the lake is a local folder.
    """
    store = object_store(settings)
    if not store.endpoint and not is_remote(settings.lake_root):
        return None
    parts = {
        "TYPE": "s3",
        "KEY_ID": _quote(store.access_key),
        "SECRET": _quote(store.secret_key),
        "REGION": _quote(store.region),
        "URL_STYLE": "'path'",
    }
    if store.endpoint:
        endpoint = urlparse(store.endpoint)
        parts["ENDPOINT"] = _quote(endpoint.netloc or endpoint.path)
        parts["USE_SSL"] = "false" if store.plain_http else "true"
    return "CREATE OR REPLACE SECRET lake_store (" + ", ".join(f"{k} {v}" for k, v in parts.items()) + ")"
