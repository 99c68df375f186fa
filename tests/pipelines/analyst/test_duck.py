"""The DuckDB side: the delta extension comes from the installed package (nothing downloaded),
the object store's credentials become one S3 secret, and an s3:// lake without httpfs says so."""

from __future__ import annotations

import importlib.util

import duckdb
import pytest

from pipelines.analyst import duck
from pipelines.analyst.store import duckdb_secret_sql
from pipelines.analyst.tables import inventory
from pipelines.settings import Settings


def test_the_delta_extension_is_the_installed_packages_file() -> None:
    path = duck.extension_path()
    assert path.name == "delta.duckdb_extension" and path.is_file()
    assert f"v{duckdb.__version__}" in path.parts


def test_a_missing_extension_package_is_named() -> None:
    with pytest.raises(RuntimeError, match="package duckdb_extension_nothing"):
        duck.extension_path("duckdb_extension_nothing", "nothing")


def test_connections_never_install_or_autoload_extensions(tmp_path) -> None:
    con = duck.connect(Settings(lake_root=str(tmp_path)), [], restrict=True)
    settings = dict(con.execute("SELECT name, value FROM duckdb_settings()").fetchall())
    assert settings["autoinstall_known_extensions"] == "false"
    assert settings["autoload_known_extensions"] == "false"
    assert settings["enable_external_access"] == "false" and settings["lock_configuration"] == "true"
    con = duck.connect(Settings(lake_root=str(tmp_path)), [], restrict=False)
    loaded = {n for (n,) in con.execute("SELECT extension_name FROM duckdb_extensions() WHERE loaded").fetchall()}
    assert "delta" in loaded and "httpfs" not in loaded


def test_a_local_lake_needs_no_secret() -> None:
    assert duckdb_secret_sql(Settings(lake_root="/lake")) is None


def test_object_store_settings_become_one_s3_secret() -> None:
    settings = Settings(
        lake_root="s3://lake/lake",
        s3_endpoint="http://127.0.0.1:8333",
        s3_access_key="AK",
        s3_secret_key="it's secret",
        s3_region="cn-east-1",
    )
    statement = duckdb_secret_sql(settings)
    assert statement == (
        "CREATE OR REPLACE SECRET lake_store (TYPE s3, KEY_ID 'AK', SECRET 'it''s secret', REGION 'cn-east-1', "
        "URL_STYLE 'path', ENDPOINT '127.0.0.1:8333', USE_SSL false)"
    )


@pytest.mark.skipif(importlib.util.find_spec("duckdb_extension_httpfs") is not None, reason="httpfs is installed")
def test_an_s3_lake_without_httpfs_says_what_to_install() -> None:
    settings = Settings(
        lake_root="s3://lake/lake", s3_endpoint="http://127.0.0.1:9", s3_access_key="a", s3_secret_key="b"
    )
    with pytest.raises(RuntimeError, match=rf"needs DuckDB's httpfs.*duckdb-extension-httpfs=={duckdb.__version__}"):
        duck.connect(settings, [inventory()["gold.tax_revenue_monthly"]], restrict=True)
