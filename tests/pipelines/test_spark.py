"""The SparkSession's configuration, derived from the settings alone (no session is started here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.settings import Settings
from pipelines.spark import MissingJarsError, local_jars, spark_conf


@pytest.fixture
def jars(tmp_path: Path) -> Path:
    folder = tmp_path / "jars"
    folder.mkdir()
    for name in ("hadoop-aws-3.4.1.jar", "delta-spark_2.13-4.0.0.jar", "README.txt"):
        (folder / name).write_text("")
    return folder


def test_local_jars_are_the_jar_files_of_the_folder(jars: Path) -> None:
    assert local_jars(Settings(jars_dir=str(jars))) == [
        str(jars / "delta-spark_2.13-4.0.0.jar"),
        str(jars / "hadoop-aws-3.4.1.jar"),
    ]


def test_no_delta_jar_says_how_to_fix_it(tmp_path: Path) -> None:
    (tmp_path / "hadoop-aws-3.4.1.jar").write_text("")
    with pytest.raises(MissingJarsError, match="make jars"):
        local_jars(Settings(jars_dir=str(tmp_path)))


def test_conf_follows_the_settings(jars: Path) -> None:
    conf = spark_conf(Settings(jars_dir=str(jars), spark_shuffle_partitions=400, spark_driver_memory="3g"))
    assert conf["spark.driver.extraClassPath"] == f"{jars}/delta-spark_2.13-4.0.0.jar:{jars}/hadoop-aws-3.4.1.jar"
    assert conf["spark.sql.shuffle.partitions"] == "400"
    assert conf["spark.databricks.delta.snapshotPartitions"] == "100"
    assert conf["spark.driver.memory"] == "3g"
    assert conf["spark.sql.session.timeZone"] == "UTC"
    assert conf["spark.ui.enabled"] == "false"  # local master
    assert not any(key.startswith("spark.hadoop.fs.s3a") for key in conf)  # no object store in use


def test_a_cluster_keeps_its_ui_and_few_partitions_keep_two_snapshot_partitions(jars: Path) -> None:
    conf = spark_conf(Settings(jars_dir=str(jars), spark_master="spark://10.0.0.1:7077", spark_shuffle_partitions=2))
    assert "spark.ui.enabled" not in conf
    assert conf["spark.databricks.delta.snapshotPartitions"] == "2"


@pytest.mark.parametrize(
    "where",
    [{"s3_endpoint": "http://store:8333"}, {"lake_root": "s3://lake/prod"}, {"landing_root": "s3a://landing/in"}],
    ids=["endpoint", "remote-lake", "remote-landing"],
)
def test_s3a_is_configured_when_an_object_store_is_used(jars: Path, where: dict) -> None:
    conf = spark_conf(Settings(jars_dir=str(jars), s3_access_key="AK", s3_secret_key="SK", **where))
    assert conf["spark.hadoop.fs.s3a.access.key"] == "AK" and conf["spark.hadoop.fs.s3a.secret.key"] == "SK"
