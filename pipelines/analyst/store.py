"""The one place the analyst tools turn settings into object-store access.

Until the lake IO object lands, reads without Spark go through `pipelines.query`
(`storage_options` for delta-rs); DuckDB gets the same credentials as an S3 secret.
Re-point these two functions and nothing else changes.
"""

from __future__ import annotations

from urllib.parse import urlparse

from pipelines.settings import Settings


def delta_rs_options(settings: Settings) -> dict[str, str]:
    """delta-rs `storage_options` for the configured store ({} for a local lake)."""
    from pipelines.query import storage_options

    return storage_options(settings)


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def duckdb_secret_sql(settings: Settings) -> str | None:
    """`CREATE SECRET` giving DuckDB (and its delta extension) the store's credentials.

    Returns:
        The statement, or None when the lake is a local folder.
    """
    if not settings.s3_endpoint and not settings.lake_root.startswith("s3"):
        return None
    parts = {
        "TYPE": "s3",
        "KEY_ID": _quote(settings.s3_access_key),
        "SECRET": _quote(settings.s3_secret_key),
        "REGION": _quote(settings.s3_region),
        "URL_STYLE": "'path'",
    }
    if settings.s3_endpoint:
        endpoint = urlparse(settings.s3_endpoint)
        parts["ENDPOINT"] = _quote(endpoint.netloc or endpoint.path)
        parts["USE_SSL"] = "true" if endpoint.scheme == "https" else "false"
    return "CREATE OR REPLACE SECRET lake_store (" + ", ".join(f"{k} {v}" for k, v in parts.items()) + ")"
