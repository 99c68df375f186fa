"""The one settings object: where data lives, which Spark to use, which secrets.

Values come, highest first, from environment variables `LAKEHOUSE_<FIELD>`, an optional
TOML file named by `LAKEHOUSE_SETTINGS_FILE`, and the embedded defaults (a laptop:
local Spark, Delta under `./data/lake`, Airflow on SQLite under `./.airflow`).
Switching to a cluster is a different environment or file, never a code change.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

ENV_PREFIX = "LAKEHOUSE_"


def _project_root() -> Path:
    """The folder the laptop defaults live under: `LAKEHOUSE_HOME`, else the checkout, else the working folder.

    A checkout (editable install) keeps `data/`, `.jars/` and `.secrets/` beside the code; an
    installed package has no such folder, so it works where it is started.
    """
    if os.environ.get(ENV_PREFIX + "HOME"):
        return Path(os.environ[ENV_PREFIX + "HOME"]).resolve()
    checkout = Path(__file__).resolve().parent.parent
    return checkout if (checkout / "pyproject.toml").is_file() else Path.cwd()


PROJECT_ROOT = _project_root()


@dataclass(frozen=True)
class Settings:
    """Typed, frozen configuration of one lakehouse deployment.

    Attributes:
        landing_root: where departments deliver files (folder or `s3://bucket/prefix`).
        lake_root: root of the Delta tables (`<lake_root>/<layer>/<table>`).
        spark_master: Spark master URL (`local[*]`, `spark://host:7077`).
        spark_remote: a Spark Connect endpoint (`sc://host:15002`); when set, jobs run there
            and a process starts no JVM of its own (`lakehouse connect start` runs a local one).
        connect_port: the port `lakehouse connect start` serves on.
        spark_driver_memory: driver memory for local sessions.
        spark_shuffle_partitions: `spark.sql.shuffle.partitions` (small locally, large on a cluster).
        jars_dir: folder of the JVM jars resolved by `make jars` (Delta, S3A).
        docs_dir: where validation results and Data Docs are written.
        airflow_home: Airflow's home (SQLite metadata by default).
        s3_endpoint / s3_access_key / s3_secret_key / s3_region: object store access.
        pii_key: secret key of the HMAC-SHA256 tokens that replace personal data in silver.
        pii_key_file: file holding that key when `pii_key` is empty (`make setup` creates a
            random one for a laptop; clusters pass the key from their secret store).
        delivery_timeout_s: how long a sensor waits for a delivery's manifest.
        alert_webhook_url: where alerts are POSTed as JSON (a secret: it often carries a
            token); empty sends them to `alerts_file` instead.
        alerts_file: JSON Lines file of alerts when no webhook is set; the record of alerts
            already sent (one per run, table and rule) lives beside it in `<stem>-sent/`.
        docs_base_url: URL under which `docs_dir` is served (Data Docs and the data-sharing
            directory), for links in alerts and the Airflow UI; empty gives file:// links.
        write_attempts: how many times a lake write that conflicts with a concurrent writer is
            tried in all (`pipelines.io.retry`).
        write_backoff_ms: upper bound of the first wait between two tries (doubling, with jitter).
        task_retries / task_retry_delay_s: Airflow retries of a failed task and the wait before each.
        lineage_url: where OpenLineage events go: empty = JSON Lines under
            `<docs_dir>/lineage/events.jsonl`, `http(s)://host:port[/path]` = an OpenLineage
            HTTP endpoint (Marquez: `/api/v1/lineage`), `console` = the task or command log.
        sql_role: the role `lakehouse sql` runs as (`pipeline`, `analyst`, `public`).
        spark_catalog: `in-memory` (default) or `hive`: Spark's persistent metastore, where
            `lakehouse sql --engine spark` registers the tables as `<layer>.<table>`.
        metastore_dir: folder of the embedded (Derby) metastore and its warehouse.
        metastore_url: a shared Hive metastore (`thrift://host:9083`) instead of Derby.
    """

    landing_root: str = str(PROJECT_ROOT / "data" / "landing")
    lake_root: str = str(PROJECT_ROOT / "data" / "lake")
    spark_master: str = "local[*]"
    spark_remote: str = ""
    connect_port: int = 15002
    spark_driver_memory: str = "4g"
    spark_shuffle_partitions: int = 8
    jars_dir: str = str(PROJECT_ROOT / ".jars")
    docs_dir: str = str(PROJECT_ROOT / "data" / "docs")
    airflow_home: str = str(PROJECT_ROOT / ".airflow")
    s3_endpoint: str = ""
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_region: str = "us-east-1"
    pii_key: str = ""
    pii_key_file: str = str(PROJECT_ROOT / ".secrets" / "pii.key")
    delivery_timeout_s: int = 6 * 3600
    alert_webhook_url: str = ""
    alerts_file: str = str(PROJECT_ROOT / "data" / "alerts.jsonl")
    docs_base_url: str = ""
    write_attempts: int = 8
    write_backoff_ms: int = 500
    task_retries: int = 2
    task_retry_delay_s: int = 120
    lineage_url: str = ""
    sql_role: str = "analyst"
    spark_catalog: str = "in-memory"
    metastore_dir: str = str(PROJECT_ROOT / "data" / "metastore")
    metastore_url: str = ""

    def __repr__(self) -> str:
        """Show every setting but never a secret's value."""
        shown = {f.name: getattr(self, f.name) for f in fields(self)}
        for secret in ("s3_secret_key", "pii_key", "alert_webhook_url"):
            shown[secret] = "***" if shown[secret] else ""
        return "Settings(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"

    def pii_secret(self) -> str:
        """The HMAC key for personal data.

        Raises:
            RuntimeError: when neither `LAKEHOUSE_PII_KEY` nor the key file is set.
        """
        if self.pii_key:
            return self.pii_key
        path = Path(self.pii_key_file)
        if path.is_file() and path.read_text("utf-8").strip():
            return path.read_text("utf-8").strip()
        raise RuntimeError(f"No PII key: set LAKEHOUSE_PII_KEY or create {path} (`make setup` writes a random one).")

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with some fields replaced (None values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def _coerce(name: str, raw: Any) -> Any:
    kind = {f.name: f.type for f in fields(Settings)}[name]
    return int(raw) if kind == "int" else str(raw)


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Build the settings from the environment and the optional settings file.

    Args:
        env: the environment to read (defaults to `os.environ`).

    Returns:
        The frozen settings.

    Raises:
        ValueError: on an unknown key in the settings file.
    """
    env = dict(os.environ if env is None else env)
    known = {f.name for f in fields(Settings)}
    values: dict[str, Any] = {}
    settings_file = env.get(ENV_PREFIX + "SETTINGS_FILE")
    if settings_file:
        data = tomllib.loads(Path(settings_file).read_text("utf-8"))
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"{settings_file}: unknown settings {sorted(unknown)}; known: {sorted(known)}")
        values.update({k: _coerce(k, v) for k, v in data.items()})
    for name in known:
        if ENV_PREFIX + name.upper() in env:
            values[name] = _coerce(name, env[ENV_PREFIX + name.upper()])
    return Settings(**values)
