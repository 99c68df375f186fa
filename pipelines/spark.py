"""Building the SparkSession from settings: local jars, Delta, S3A, sane local defaults.

The session is built once per process at an entry point (CLI command, Airflow task)
and handed to the jobs. Jars come from `settings.jars_dir` (resolved by `make jars`),
so starting a session never downloads anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.io.objectstore import object_store
from pipelines.io.storage import is_remote
from pipelines.settings import Settings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from pipelines.io.lake import Lake

_SESSION: SparkSession | None = None


class MissingJarsError(RuntimeError):
    """The JVM jars are not resolved yet."""


def local_jars(settings: Settings) -> list[str]:
    """The jar files Spark gets on its classpath.

    Raises:
        MissingJarsError: when the Delta jar is missing (run `make jars`).
    """
    jars = sorted(str(p) for p in Path(settings.jars_dir).glob("*.jar"))
    if not any(Path(j).name.startswith("delta-spark_") for j in jars):
        raise MissingJarsError(f"No Delta jar in {settings.jars_dir}: run `make jars` (or `make setup`).")
    return jars


def spark_conf(settings: Settings) -> dict[str, str]:
    """Every Spark setting the lakehouse needs, derived from the settings object."""
    conf = {
        # Class paths, not spark.jars: nothing is copied to executors (the AWS SDK bundle
        # alone is ~700 MB); cluster nodes have the same jars folder (image or shared path).
        "spark.driver.extraClassPath": ":".join(local_jars(settings)),
        "spark.executor.extraClassPath": ":".join(local_jars(settings)),
        "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
        "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
        # Lake timestamps are UTC instants; local dates are derived explicitly.
        "spark.sql.session.timeZone": "UTC",
        # Spark 4 restricts charsets to a short list; the tax feed is GBK.
        "spark.sql.legacy.javaCharsets": "true",
        # Parquet timestamps in nanoseconds are valid files: read them as longs (the reader converts).
        "spark.sql.legacy.parquet.nanosAsLong": "true",
        "spark.sql.shuffle.partitions": str(settings.spark_shuffle_partitions),
        "spark.sql.adaptive.enabled": "true",
        "spark.databricks.delta.schema.autoMerge.enabled": "false",
        "spark.databricks.delta.optimizeWrite.enabled": "true",
        # Plain copy-on-write files: readers outside Spark (delta-rs + pyarrow) see exactly the snapshot.
        "spark.databricks.delta.properties.defaults.enableDeletionVectors": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.memory": settings.spark_driver_memory,
    }
    # Delta's log replay defaults to 50 partitions whatever the cluster: size it like shuffles.
    conf["spark.databricks.delta.snapshotPartitions"] = str(max(2, settings.spark_shuffle_partitions // 4))
    if settings.spark_master.startswith("local"):
        conf["spark.ui.enabled"] = "false"
    if settings.s3_endpoint or is_remote(settings.lake_root) or is_remote(settings.landing_root):
        conf.update(object_store(settings).s3a_conf())
    if settings.spark_catalog == "hive":
        conf.update(hive_conf(settings))
    return conf


def hive_conf(settings: Settings) -> dict[str, str]:
    """Spark's Hive metastore (classes ship in pyspark): embedded Derby under `metastore_dir`
    or the shared metastore at `metastore_url`. Embedded Derby admits one JVM at a time."""
    home = Path(settings.metastore_dir).resolve()
    conf = {"spark.sql.catalogImplementation": "hive", "spark.sql.warehouse.dir": str(home / "warehouse")}
    if settings.metastore_url:
        return {**conf, "spark.hadoop.hive.metastore.uris": settings.metastore_url}
    return {
        **conf,
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={home / 'metastore_db'};create=true",
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={home}",
    }


def get_session(settings: Settings, app_name: str = "lakehouse") -> SparkSession:
    """The process's SparkSession, built on first use from `settings`.

    Args:
        settings: the deployment's settings (master, jars, object store).
        app_name: shown in the Spark UI.

    Returns:
        A session with Delta and S3A configured.
    """
    global _SESSION
    if _SESSION is None and settings.spark_remote:
        from pyspark.sql import SparkSession

        # The server (one per DAG run or a long-lived one on the cluster) owns the JVM, the jars
        # and the lake's Spark settings (`pipelines.connect`); this process only speaks gRPC.
        _SESSION = SparkSession.builder.remote(settings.spark_remote).appName(app_name).getOrCreate()
    if _SESSION is None:
        from pyspark.sql import SparkSession

        builder = SparkSession.builder.master(settings.spark_master).appName(app_name)
        for key, value in spark_conf(settings).items():
            builder = builder.config(key, value)
        _SESSION = builder.getOrCreate()
        _SESSION.sparkContext.setLogLevel("ERROR")
    return _SESSION


def open_lake(settings: Settings, app_name: str = "lakehouse") -> Lake:
    """The lake as the process's session sees it: the entry points' one call."""
    from pipelines.io.lake import Lake

    return Lake(get_session(settings, app_name), settings)


def stop_session() -> None:
    """Stop the process's session (CLI exit, tests)."""
    global _SESSION
    if _SESSION is not None:
        _SESSION.stop()
        _SESSION = None
