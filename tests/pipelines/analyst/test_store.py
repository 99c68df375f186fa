"""The analyst tools' object-store access comes from the one object-store factory: delta-rs options
and DuckDB's S3 secret, none for a local lake."""

from __future__ import annotations

from pipelines.analyst.store import delta_rs_options, duckdb_secret_sql
from pipelines.settings import Settings


def test_a_local_lake_needs_no_secret() -> None:
    settings = Settings(lake_root="/data/lake")
    assert duckdb_secret_sql(settings) is None
    assert delta_rs_options(settings) == {}


def test_the_secret_of_an_endpoint_store() -> None:
    settings = Settings(s3_endpoint="http://store:8333", s3_access_key="AK", s3_secret_key="it's", s3_region="cn")
    assert duckdb_secret_sql(settings) == (
        "CREATE OR REPLACE SECRET lake_store (TYPE s3, KEY_ID 'AK', SECRET 'it''s', REGION 'cn', "
        "URL_STYLE 'path', ENDPOINT 'store:8333', USE_SSL false)"
    )
    assert delta_rs_options(settings)["AWS_ENDPOINT_URL"] == "http://store:8333"


def test_aws_itself_has_no_endpoint_and_uses_tls() -> None:
    sql = duckdb_secret_sql(Settings(lake_root="s3://lake/prod", s3_access_key="AK", s3_secret_key="SK"))
    assert sql is not None and "ENDPOINT" not in sql and "USE_SSL" not in sql
    assert "KEY_ID 'AK'" in sql and "REGION 'us-east-1'" in sql
