"""The services of the local cluster work for real: S3 on SeaweedFS, the Spark
standalone cluster writing Delta over S3A, Airflow on PostgreSQL."""

from __future__ import annotations

import glob
import uuid

import pytest

pytestmark = pytest.mark.e2e


def test_object_store_round_trips_an_object_with_the_configured_keys(stack):
    s3 = stack.s3_client()
    key = f"_e2e/{uuid.uuid4().hex}.txt"
    s3.put_object(Bucket="landing", Key=key, Body=b"hello lake")
    try:
        assert s3.get_object(Bucket="landing", Key=key)["Body"].read() == b"hello lake"
        assert {"lake", "landing"} <= {b["Name"] for b in s3.list_buckets()["Buckets"]}
    finally:
        s3.delete_object(Bucket="landing", Key=key)


def test_object_store_refuses_a_wrong_secret_key(stack):
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as refused:
        stack.s3_client(secret_key="not-the-secret").list_objects_v2(Bucket="lake")
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


@pytest.mark.timeout(600)
def test_spark_cluster_writes_delta_on_s3a_that_another_reader_reads(stack, read_delta, monkeypatch):
    """A client-mode driver (this process) on the standalone master, executors on both
    workers, jars from .jars on the class path, Delta on s3a://lake."""
    from pyspark.sql import SparkSession

    for key, value in stack.env.items():
        monkeypatch.setenv(key, value)
    env = stack.env
    jars = sorted(glob.glob(f"{env['LAKEHOUSE_JARS_DIR']}/*.jar"))
    assert any("delta-spark_" in j for j in jars) and any("hadoop-aws-" in j for j in jars)
    conf = {
        "spark.driver.extraClassPath": ":".join(jars),
        "spark.executor.extraClassPath": ":".join(jars),
        "spark.executor.memory": "1g",
        "spark.sql.legacy.javaCharsets": "true",
        "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
        "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
        "spark.sql.shuffle.partitions": "4",
        "spark.databricks.delta.snapshotPartitions": "2",
        "spark.hadoop.fs.s3a.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
        "spark.hadoop.fs.s3.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
        "spark.hadoop.fs.s3a.path.style.access": "true",
        "spark.hadoop.fs.s3a.endpoint": env["LAKEHOUSE_S3_ENDPOINT"],
        "spark.hadoop.fs.s3a.endpoint.region": env["LAKEHOUSE_S3_REGION"],
        "spark.hadoop.fs.s3a.connection.ssl.enabled": "false",
        "spark.hadoop.fs.s3a.access.key": env["LAKEHOUSE_S3_ACCESS_KEY"],
        "spark.hadoop.fs.s3a.secret.key": env["LAKEHOUSE_S3_SECRET_KEY"],
        "spark.ui.showConsoleProgress": "false",
    }
    builder = SparkSession.builder.master(env["LAKEHOUSE_SPARK_MASTER"]).appName("e2e-services")
    for key, value in conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    table = f"s3://lake/_e2e/spark_{uuid.uuid4().hex[:8]}"
    try:
        frame = spark.range(0, 10_000, numPartitions=4).selectExpr("id", "cast(id % 7 as int) as k")
        frame.write.format("delta").partitionBy("k").mode("overwrite").save(table)
        counts = {r["k"]: r["count"] for r in spark.read.format("delta").load(table).groupBy("k").count().collect()}
        executor_hosts = spark.sparkContext._jsc.sc().getExecutorMemoryStatus().size() - 1  # minus the driver
    finally:
        spark.stop()

    assert counts == {k: len(range(k, 10_000, 7)) for k in range(7)}
    assert executor_hosts == 2, "expected one executor on each of the two workers"
    independent = read_delta(table)
    assert independent.num_rows == 10_000
    assert sorted(set(independent.column("k").to_pylist())) == list(range(7))
    _delete_prefix(stack, "lake", table.split("lake/", 1)[1])


def _delete_prefix(stack, bucket: str, prefix: str) -> None:
    s3 = stack.s3_client()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys})


def test_airflow_is_healthy_and_keeps_its_metadata_in_postgresql(stack, airflow):
    import httpx
    import psycopg2

    health = httpx.get(f"{stack.airflow_url}/api/v2/monitor/health", timeout=10).json()
    for component in ("metadatabase", "scheduler", "triggerer", "dag_processor"):
        assert health[component]["status"] == "healthy", health
    assert airflow.request("GET", "/version")["version"].startswith("3.")

    # The metadata database is the private PostgreSQL cluster: its job table holds the
    # heartbeats of the running scheduler, triggerer and dag-processor.
    conn_url = _airflow_sql_conn(stack)
    with psycopg2.connect(conn_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT DISTINCT job_type FROM job WHERE state = 'running'")
        running = {row[0] for row in cur.fetchall()}
    assert {"SchedulerJob", "TriggererJob", "DagProcessorJob"} <= running


def _airflow_sql_conn(stack) -> str:
    import subprocess
    from pathlib import Path

    postgres_sh = Path(__file__).resolve().parents[2] / "infra" / "local" / "postgres.sh"
    url = subprocess.run([str(postgres_sh), "url"], check=True, capture_output=True, text=True).stdout.strip()
    return url.replace("postgresql+psycopg2://", "postgresql://")
