"""Building the SparkSession from settings: local jars, Delta, S3A, sane local defaults.

The session is built once per process at an entry point (CLI command, Airflow task)
and handed to the jobs. Jars come from `settings.jars_dir` (resolved by `make jars`),
so starting a session never downloads anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.settings import Settings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

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
    if settings.s3_endpoint or settings.lake_root.startswith("s3") or settings.landing_root.startswith("s3"):
        conf.update(s3a_conf(settings))
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


def s3a_conf(settings: Settings) -> dict[str, str]:
    """S3A settings for an S3-compatible store; `s3://` paths are served by S3A too."""
    conf = {
        "spark.hadoop.fs.s3a.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
        "spark.hadoop.fs.s3.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
        "spark.hadoop.fs.s3a.path.style.access": "true",
        "spark.hadoop.fs.s3a.endpoint.region": settings.s3_region,
        "spark.hadoop.fs.s3a.access.key": settings.s3_access_key,
        "spark.hadoop.fs.s3a.secret.key": settings.s3_secret_key,
    }
    if settings.s3_endpoint:
        conf["spark.hadoop.fs.s3a.endpoint"] = settings.s3_endpoint
        conf["spark.hadoop.fs.s3a.connection.ssl.enabled"] = str(settings.s3_endpoint.startswith("https"))
    return conf


def get_session(settings: Settings, app_name: str = "lakehouse") -> SparkSession:
    """The process's SparkSession, built on first use from `settings`.

    Args:
        settings: the deployment's settings (master, jars, object store).
        app_name: shown in the Spark UI.

    Returns:
        A session with Delta and S3A configured.
    """
    global _SESSION
    if _SESSION is None:
        from pyspark.sql import SparkSession

        builder = SparkSession.builder.master(settings.spark_master).appName(app_name)
        for key, value in spark_conf(settings).items():
            builder = builder.config(key, value)
        _SESSION = builder.getOrCreate()
        _SESSION.sparkContext.setLogLevel("ERROR")
    return _SESSION


def stop_session() -> None:
    """Stop the process's session (CLI exit, tests)."""
    global _SESSION
    if _SESSION is not None:
        _SESSION.stop()
        _SESSION = None
