"""Every object-store client is configured from one settings object, and the secret key never
shows in a repr."""

from __future__ import annotations

import pytest

from pipelines.io.objectstore import ObjectStore, object_store
from pipelines.settings import Settings

SETTINGS = Settings(s3_endpoint="http://store:8333", s3_access_key="AK", s3_secret_key="s3cr3t", s3_region="cn-east-1")


@pytest.fixture
def store() -> ObjectStore:
    return object_store(SETTINGS)


def test_the_store_is_the_settings_one(store: ObjectStore) -> None:
    assert (store.endpoint, store.access_key, store.secret_key, store.region) == (
        "http://store:8333",
        "AK",
        "s3cr3t",
        "cn-east-1",
    )
    assert store.plain_http and not ObjectStore("https://s3.example").plain_http


def test_secret_never_in_repr(store: ObjectStore) -> None:
    assert "s3cr3t" not in repr(store) and "secret_key='***'" in repr(store)
    assert "AK" in repr(store)  # the access key is an identifier, shown to debug a connection


def test_boto3_client(store: ObjectStore) -> None:
    client = store.client()
    assert client.meta.endpoint_url == "http://store:8333"
    assert client.meta.region_name == "cn-east-1"
    assert client.meta.config.s3 == {"addressing_style": "path"}


def test_s3a_conf(store: ObjectStore) -> None:
    conf = store.s3a_conf()
    assert conf["spark.hadoop.fs.s3a.endpoint"] == "http://store:8333"
    assert conf["spark.hadoop.fs.s3a.connection.ssl.enabled"] == "False"
    assert conf["spark.hadoop.fs.s3a.access.key"] == "AK" and conf["spark.hadoop.fs.s3a.secret.key"] == "s3cr3t"
    assert conf["spark.hadoop.fs.s3a.endpoint.region"] == "cn-east-1"
    assert conf["spark.hadoop.fs.s3.impl"] == conf["spark.hadoop.fs.s3a.impl"]  # s3:// goes through S3A


def test_s3a_conf_without_endpoint_leaves_the_aws_default() -> None:
    conf = ObjectStore().s3a_conf()
    assert "spark.hadoop.fs.s3a.endpoint" not in conf
    assert conf["spark.hadoop.fs.s3a.endpoint.region"] == "us-east-1"


def test_delta_rs_options(store: ObjectStore) -> None:
    assert store.delta_rs_options() == {
        "AWS_ENDPOINT_URL": "http://store:8333",
        "AWS_ACCESS_KEY_ID": "AK",
        "AWS_SECRET_ACCESS_KEY": "s3cr3t",
        "AWS_REGION": "cn-east-1",
        "AWS_ALLOW_HTTP": "true",
        "AWS_S3_ALLOW_UNSAFE_RENAME": "true",
    }
    assert ObjectStore().delta_rs_options() == {}  # local tables need no options


def test_arrow_filesystem(store: ObjectStore) -> None:
    filesystem = store.arrow_filesystem()
    assert filesystem.region == "cn-east-1"
    # pyarrow exposes the rest of its configuration only through its pickling arguments.
    options = filesystem.__reduce__()[1][0]
    assert (options["endpoint_override"], options["scheme"], options["access_key"]) == (
        "http://store:8333",
        "http",
        "AK",
    )
