"""A real Airflow on SQLite for one test: its own home, an API server, `airflow dags test --use-executor`.

With the executor, each task runs as its own process (a LocalExecutor worker supervises
it, in a process group of its own), so killing a task — driver and JVM — is what losing a
node is: the supervisor sees it die, Airflow marks the try failed and schedules the retry.
The DAG folder holds DAG files that install the fault hooks (`faults.py`) before calling
the package's factory, so the hook lives in the task's own process.

`airflow dags test` lacks one piece of a scheduler: a callback sink. A task killed by a
signal cannot report its own failure, so the scheduler learns it from the executor's event
and, since our tasks have failure and retry callbacks (alerts), first queues the callback and
then fails the try (`handle_failure`: up for retry). Without a sink (Airflow 3.3's `dags
test`) the queueing raises, the try stays `running` and the run never ends. The DAG file
therefore gives the `dags test` process the scheduler's own sink (`DatabaseCallbackSink`):
the callback is queued in the database (no DAG processor runs it here, so no retry alert is
sent) and the try is failed and retried as under a scheduler. (Their docstring says
"Airflow DAG": the DagBag skips files that do not mention both words.)
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
FAULTY_DAG = '''"""The Airflow DAG of {sector}, with the reliability tests' fault hooks installed in every task process."""

import sys

sys.path.insert(0, {here!r})

import faults  # noqa: E402

faults.install()
if sys.argv[1:3] == ["dags", "test"]:  # the process that schedules: give it the scheduler's callback sink
    from airflow.callbacks.database_callback_sink import DatabaseCallbackSink
    from airflow.executors.base_executor import BaseExecutor

    BaseExecutor.callback_sink = DatabaseCallbackSink()

from pipelines.orchestration.factory import sector_dag  # noqa: E402

dag = sector_dag({sector!r}, __doc__)
'''


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def kill_tree(pid: int) -> None:
    """SIGKILL `pid` and every descendant (task processes sit in process groups of their own)."""
    try:
        root = psutil.Process(pid)
        procs = [*root.children(recursive=True), root]
    except psutil.NoSuchProcess:
        return
    for p in procs:
        with suppress(psutil.NoSuchProcess):
            p.send_signal(signal.SIGKILL)
    psutil.wait_procs(procs, timeout=30)


class Airflow:
    """One Airflow home under `root`, running the DAGs of `sectors` with the fault hooks."""

    def __init__(self, root: Path, lake_env: dict[str, str], sectors: list[str]) -> None:
        self.home, self.dags, self.port = root / "airflow", root / "dags", _free_port()
        self.home.mkdir(parents=True, exist_ok=True)
        self.dags.mkdir(parents=True, exist_ok=True)
        for sector in sectors:
            (self.dags / f"{sector}.py").write_text(FAULTY_DAG.format(sector=sector, here=str(HERE)), "utf-8")
        self.env = {
            **lake_env,
            "AIRFLOW_HOME": str(self.home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "1",  # one Spark task at a time on a small machine
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{self.port}/execution/",
            "AIRFLOW__API_AUTH__JWT_SECRET": os.urandom(24).hex(),
            "LAKEHOUSE_TASK_RETRIES": "2",
            "LAKEHOUSE_TASK_RETRY_DELAY_S": "5",
        }
        subprocess.run([str(BIN / "airflow"), "db", "migrate"], env=self.env, check=True, capture_output=True)

    @contextmanager
    def api_server(self) -> Iterator[None]:
        """The API server task processes report to, for as long as the block runs."""
        log = (self.home / "api-server.log").open("w")
        proc = subprocess.Popen(
            [str(BIN / "airflow"), "api-server", "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 600
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/execution/health", timeout=5):
                        break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(
                            f"the API server did not start: {(self.home / 'api-server.log').read_text()[-2000:]}"
                        ) from None
                    time.sleep(2)
            yield
        finally:
            kill_tree(proc.pid)
            log.close()

    def dags_test(self, dag_id: str, dt: str, env: dict[str, str], timeout_s: int = 2400) -> tuple[int, str]:
        """`airflow dags test --use-executor <dag> <dt>`: its exit code and output."""
        out = self.home / f"dags-test-{dag_id}-{dt}.log"
        command = [str(BIN / "airflow"), "dags", "test", "--use-executor", dag_id, dt]
        with out.open("w") as log:
            proc = subprocess.Popen(
                command,
                env={**self.env, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                code = proc.wait(timeout=timeout_s)
            finally:
                kill_tree(proc.pid)
        return code, out.read_text("utf-8", errors="replace")

    def tries(self, dag_id: str) -> dict[str, list[tuple[int, str]]]:
        """Per task, its tries `(try_number, state)` in order, from the metadata database."""
        db = sqlite3.connect(self.home / "airflow.db")
        try:
            done = db.execute(
                "SELECT task_id, try_number, state FROM task_instance_history WHERE dag_id = ?", (dag_id,)
            ).fetchall()
            now = db.execute(
                "SELECT task_id, try_number, state FROM task_instance WHERE dag_id = ?", (dag_id,)
            ).fetchall()
        finally:
            db.close()
        out: dict[str, list[tuple[int, str]]] = {}
        for task, number, state in sorted({*done, *now}):
            out.setdefault(task, []).append((number, state))
        return out

    def task_logs(self) -> list[Path]:
        """Every task log file Airflow wrote."""
        return sorted(p for p in (self.home / "logs").rglob("*") if p.is_file())
