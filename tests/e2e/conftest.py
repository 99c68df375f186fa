"""Fixtures of the end-to-end tests: the running local cluster and clients for it.

The tests run against the stack of `make up` (infra/local/up.sh): SeaweedFS (S3),
the Spark standalone cluster, PostgreSQL and Airflow. The `stack` fixture brings the
stack up when `infra/local/status.sh` says it is not (set `LAKEHOUSE_E2E_NO_UP=1` to
fail instead), then reads its settings from `infra/local/.env.cluster`.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
LOCAL = REPO_ROOT / "infra" / "local"
ENV_FILE = LOCAL / ".env.cluster"

TERMINAL_RUN_STATES = {"success", "failed"}
# Cheap checks of each service first, then the pipeline, then what a person sees of it.
MODULE_ORDER = ("test_services", "test_tax_pipeline", "test_airflow_ui")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run this folder's modules in MODULE_ORDER; other tests keep their places."""
    here = Path(__file__).parent
    slots = [i for i, item in enumerate(items) if item.path.parent == here]

    def rank(item: pytest.Item) -> int:
        name = item.path.stem
        return MODULE_ORDER.index(name) if name in MODULE_ORDER else len(MODULE_ORDER)

    for slot, item in zip(slots, sorted((items[i] for i in slots), key=rank), strict=True):
        items[slot] = item


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a KEY=value file (comments and blank lines skipped).

    Args:
        path: the file, e.g. infra/local/.env.cluster.

    Returns:
        The variables it sets.
    """
    values = {}
    for line in path.read_text("utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


@dataclass(frozen=True)
class Stack:
    """The running local cluster as the tests see it.

    Attributes:
        env: the pipeline settings of infra/local/.env.cluster (LAKEHOUSE_*, SPARK_LOCAL_IP...).
        airflow_url: base URL of the Airflow API server and UI.
        airflow_user: the simple auth manager's admin user.
        airflow_password: that user's password.
    """

    env: dict[str, str]
    airflow_url: str
    airflow_user: str
    airflow_password: str

    def process_env(self) -> dict[str, str]:
        """The environment of a child process that should talk to the cluster."""
        return {**os.environ, **self.env}

    def storage_options(self) -> dict[str, str]:
        """delta-rs / object_store options for the S3 endpoint (path-style, plain HTTP)."""
        return {
            "AWS_ENDPOINT_URL": self.env["LAKEHOUSE_S3_ENDPOINT"],
            "AWS_ACCESS_KEY_ID": self.env["LAKEHOUSE_S3_ACCESS_KEY"],
            "AWS_SECRET_ACCESS_KEY": self.env["LAKEHOUSE_S3_SECRET_KEY"],
            "AWS_REGION": self.env["LAKEHOUSE_S3_REGION"],
            "AWS_ALLOW_HTTP": "true",
            "AWS_VIRTUAL_HOSTED_STYLE_REQUEST": "false",
        }

    def s3_client(self, secret_key: str | None = None) -> Any:
        """A boto3 S3 client for the endpoint (optionally with another secret key)."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.env["LAKEHOUSE_S3_ENDPOINT"],
            aws_access_key_id=self.env["LAKEHOUSE_S3_ACCESS_KEY"],
            aws_secret_access_key=secret_key or self.env["LAKEHOUSE_S3_SECRET_KEY"],
            region_name=self.env["LAKEHOUSE_S3_REGION"],
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}),
        )


@pytest.fixture(scope="session")
def stack() -> Stack:
    """The local cluster, brought up by infra/local/up.sh if it is not running."""
    status = subprocess.run([str(LOCAL / "status.sh")], capture_output=True, text=True)
    if status.returncode != 0:
        if os.environ.get("LAKEHOUSE_E2E_NO_UP") == "1":
            pytest.fail(f"the local cluster is not up (LAKEHOUSE_E2E_NO_UP=1):\n{status.stdout}")
        subprocess.run([str(LOCAL / "up.sh")], check=True)
    env = read_env_file(ENV_FILE)
    passwords_file = Path(env["LAKEHOUSE_AIRFLOW_HOME"]) / "simple_auth_manager_passwords.json.generated"
    [(user, password)] = json.loads(passwords_file.read_text("utf-8")).items()
    return Stack(env=env, airflow_url=env["LAKEHOUSE_AIRFLOW_URL"], airflow_user=user, airflow_password=password)


class AirflowClient:
    """The few calls of Airflow 3's REST API (/api/v2) the tests make, with a JWT from /auth/token."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        import httpx

        self._http = httpx.Client(base_url=base_url, timeout=30)
        token = self._http.post("/auth/token", json={"username": username, "password": password})
        token.raise_for_status()
        self._http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call the API and return the decoded JSON (raises on an HTTP error)."""
        response = self._http.request(method, "/api/v2" + path, **kwargs)
        if response.is_error:
            raise AssertionError(f"{method} {path}: HTTP {response.status_code}: {response.text[:500]}")
        return response.json() if response.content else None

    def wait_for_dag(self, dag_id: str, timeout_s: float = 180) -> dict[str, Any]:
        """Wait until the dag-processor has parsed `dag_id`; fail with the import errors if not."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            response = self._http.get(f"/api/v2/dags/{dag_id}")
            if response.status_code == 200:
                return response.json()
            time.sleep(3)
        errors = self.request("GET", "/importErrors").get("import_errors", [])
        raise AssertionError(f"DAG {dag_id!r} not parsed after {timeout_s:.0f}s; import errors: {errors}")

    def set_paused(self, dag_id: str, paused: bool) -> None:
        """Pause or unpause a DAG."""
        self.request("PATCH", f"/dags/{dag_id}", json={"is_paused": paused})

    def runs(self, dag_id: str, states: list[str] | None = None) -> list[dict[str, Any]]:
        """The DAG's runs, newest first, optionally only in `states`."""
        params: dict[str, Any] = {"order_by": "-run_after", "limit": 100}
        if states:
            params["state"] = states
        return self.request("GET", f"/dags/{dag_id}/dagRuns", params=params)["dag_runs"]

    def discard_active_runs(self, dag_id: str, keep: str | None = None) -> list[str]:
        """Fail, then delete, the DAG's queued or running runs other than `keep`; return their ids.

        On the test cluster these are scheduled runs that unpausing created (they wait for a
        delivery that never comes) or runs cut short by `down.sh`: they hold the DAG's
        single active-run slot. A running run cannot be deleted, hence the state change first.
        """
        discarded = []
        for run in self.runs(dag_id, ["queued", "running"]):
            if run["dag_run_id"] != keep:
                path = f"/dags/{dag_id}/dagRuns/{urllib.parse.quote(run['dag_run_id'], safe='')}"
                self.request("PATCH", path, json={"state": "failed"})
                self.request("DELETE", path)
                discarded.append(run["dag_run_id"])
        return discarded

    def trigger(self, dag_id: str, run_id: str, data_interval: tuple[str, str], run_after: str) -> dict[str, Any]:
        """Trigger a run for an explicit data interval (the business date the DAG processes).

        The logical date is left to Airflow (now) so that repeated runs of one business date
        never collide on the (dag_id, logical_date) key; `run_after` orders the run before
        any scheduled run that unpausing creates.
        """
        from datetime import datetime

        body = {
            "dag_run_id": run_id,
            "logical_date": datetime.now(UTC).isoformat(),
            "data_interval_start": data_interval[0],
            "data_interval_end": data_interval[1],
            "run_after": run_after,
            "conf": {},
            "note": "triggered by tests/e2e",
        }
        return self.request("POST", f"/dags/{dag_id}/dagRuns", json=body)

    def wait_for_run(self, dag_id: str, run_id: str, timeout_s: float, poll_s: float = 10) -> str:
        """Poll a run until it succeeds or fails; return its final state."""
        deadline = time.monotonic() + timeout_s
        path = f"/dags/{dag_id}/dagRuns/{urllib.parse.quote(run_id, safe='')}"
        while True:
            state = self.request("GET", path)["state"]
            if state in TERMINAL_RUN_STATES:
                return state
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"run {run_id} of {dag_id} still {state} after {timeout_s:.0f}s; tasks: {self.task_states(dag_id, run_id)}"
                )
            time.sleep(poll_s)

    def task_states(self, dag_id: str, run_id: str) -> dict[str, str | None]:
        """Task id -> state of one run."""
        path = f"/dags/{dag_id}/dagRuns/{urllib.parse.quote(run_id, safe='')}/taskInstances"
        return {ti["task_id"]: ti["state"] for ti in self.request("GET", path)["task_instances"]}


@pytest.fixture(scope="session")
def airflow(stack: Stack) -> AirflowClient:
    """An authenticated client of the stack's Airflow API."""
    return AirflowClient(stack.airflow_url, stack.airflow_user, stack.airflow_password)


@pytest.fixture(scope="session")
def read_delta(stack: Stack) -> Callable[[str], Any]:
    """A reader of Delta tables on the object store that shares nothing with Spark.

    delta-rs resolves the snapshot (`file_uris()` and the add actions' partition values);
    pyarrow reads the Parquet files. `DeltaTable.to_pyarrow_table()` is not used: it
    aborts the interpreter at exit on this machine.
    """
    import pyarrow as pa
    import pyarrow.dataset as ds
    import pyarrow.fs as pafs
    from deltalake import DeltaTable

    options = stack.storage_options()
    fs = pafs.S3FileSystem(
        access_key=options["AWS_ACCESS_KEY_ID"],
        secret_key=options["AWS_SECRET_ACCESS_KEY"],
        region=options["AWS_REGION"],
        endpoint_override=options["AWS_ENDPOINT_URL"],
        scheme="http",
        force_virtual_addressing=False,
    )

    def read(uri: str) -> pa.Table:
        table = DeltaTable(uri, storage_options=options)
        actions = pa.table(table.get_add_actions(flatten=True)).to_pylist()
        root = uri.rstrip("/")
        wanted = {urllib.parse.unquote(u) for u in table.file_uris()}
        schema = pa.schema(table.schema().to_arrow())
        parts = []
        for action in actions:
            file_uri = f"{root}/{urllib.parse.unquote(action['path'])}"
            assert file_uri in wanted, f"{file_uri} is not in the snapshot's file_uris()"
            data = ds.dataset(file_uri.split("://", 1)[1], format="parquet", filesystem=fs).to_table()
            for key, value in action.items():
                if key.startswith("partition.") and key[len("partition.") :] not in data.column_names:
                    name = key[len("partition.") :]
                    data = data.append_column(name, pa.array([value] * data.num_rows).cast(schema.field(name).type))
            parts.append(data.select(schema.names))
        return pa.concat_tables(parts) if parts else schema.empty_table()

    return read


# The delivery the pipeline test generates and the run that processes it.
TAX_DATE = "2026-11-02"
TAX_SCALE = "0.02"
# The business day in Asia/Shanghai as the DAG's data interval (pipelines.orchestration
# .tasks.business_date reads its start); Airflow 3 cron DAGs otherwise get an empty interval.
TAX_INTERVAL = (f"{TAX_DATE}T00:00:00+08:00", "2026-11-03T00:00:00+08:00")
TAX_RUN_TIMEOUT_S = 30 * 60


@pytest.fixture(scope="session")
def tax_run(stack: Stack, airflow: AirflowClient):
    """One run of the `tax` DAG over a fresh delivery, triggered through the REST API.

    Generates the delivery with the lakehouse CLI onto the landing bucket, frees the
    DAG's single active-run slot (see AirflowClient.discard_active_runs), triggers a run
    for TAX_DATE, unpauses the DAG and waits for the run to finish. Afterwards the DAG is
    paused again and the scheduled run that unpausing created is discarded.

    Yields:
        dict with dag_id, run_id, business_date, state and the task states.
    """
    import sys

    landing = stack.env["LAKEHOUSE_LANDING_ROOT"]
    lakehouse = Path(sys.executable).with_name("lakehouse")
    subprocess.run(
        [
            str(lakehouse),
            "generate",
            "--landing",
            landing,
            "--date",
            TAX_DATE,
            "--scale",
            TAX_SCALE,
            "--sectors",
            "tax",
            "--quiet",
        ],
        env=stack.process_env(),
        check=True,
        timeout=600,
    )
    airflow.wait_for_dag("tax")
    airflow.discard_active_runs("tax")
    run_id = f"e2e__{TAX_DATE}__{int(time.time())}"
    airflow.trigger("tax", run_id, TAX_INTERVAL, run_after=TAX_INTERVAL[0])
    airflow.set_paused("tax", False)
    try:
        state = airflow.wait_for_run("tax", run_id, timeout_s=TAX_RUN_TIMEOUT_S)
        tasks = airflow.task_states("tax", run_id)
        yield {"dag_id": "tax", "run_id": run_id, "business_date": TAX_DATE, "state": state, "tasks": tasks}
    finally:
        airflow.set_paused("tax", True)
        airflow.discard_active_runs("tax", keep=run_id)
