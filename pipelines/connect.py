"""A Spark Connect server for the lake: one JVM that many short-lived clients share.

Airflow runs every task in a process of its own; with `spark_remote = sc://…` those tasks
talk to one long-lived server instead of each starting a JVM and Delta (~15–20 s a task).
`lakehouse connect start` runs that server locally (for a DAG run, `make run`), on the
configured master with the lake's own Spark settings (`pipelines.spark.spark_conf`: jars,
Delta, S3A); under `make up` the same server runs against the standalone cluster.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from pipelines.settings import PROJECT_ROOT, Settings
from pipelines.spark import spark_conf

SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"


@dataclass(frozen=True)
class Server:
    """Where a local Connect server keeps its pid and log."""

    folder: Path

    @property
    def pid_file(self) -> Path:
        return self.folder / "connect.pid"

    @property
    def log_file(self) -> Path:
        return self.folder / "connect.log"

    def pid(self) -> int | None:
        """The server's process id when it is running."""
        if not self.pid_file.is_file():
            return None
        pid = int(self.pid_file.read_text("utf-8").strip())
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        return pid


def server_for(settings: Settings) -> Server:
    """The local server's folder (`.services/connect` under the project)."""
    return Server(PROJECT_ROOT / ".services" / "connect")


def command(settings: Settings) -> list[str]:
    """`spark-submit` of the Connect server with the lake's Spark settings."""
    import pyspark

    submit = Path(pyspark.__file__).parent / "bin" / "spark-submit"
    args = [str(submit), "--class", SERVER_CLASS, "--master", settings.spark_master, "--name", "lakehouse-connect"]
    for key, value in spark_conf(settings).items():
        args += ["--conf", f"{key}={value}"]
    args += ["--conf", f"spark.connect.grpc.binding.port={settings.connect_port}", "spark-internal"]
    return args


def listening(port: int, host: str = "127.0.0.1") -> bool:
    """True when something accepts connections on `host:port`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


def start(settings: Settings, timeout_s: float = 180.0) -> str:
    """Start the local server (in its own process group) unless it runs; return its `sc://` URL.

    Raises:
        RuntimeError: the server did not listen within `timeout_s` (its log's tail is in the message).
    """
    server = server_for(settings)
    url = f"sc://localhost:{settings.connect_port}"
    if server.pid() and listening(settings.connect_port):
        return url
    server.folder.mkdir(parents=True, exist_ok=True)
    with open(server.log_file, "wb") as log:
        process = subprocess.Popen(command(settings), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    server.pid_file.write_text(str(process.pid), "utf-8")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        if listening(settings.connect_port):
            return url
        time.sleep(0.5)
    stop(settings)
    tail = server.log_file.read_text("utf-8", errors="replace")[-2000:]
    raise RuntimeError(f"Spark Connect server did not start on port {settings.connect_port}:\n{tail}")


def stop(settings: Settings, grace_s: float = 20.0) -> bool:
    """Stop the local server's whole process group; True when one was running."""
    server = server_for(settings)
    pid = server.pid()
    if pid is None:
        server.pid_file.unlink(missing_ok=True)
        return False
    os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and server.pid():
        time.sleep(0.2)
    if server.pid():
        os.killpg(pid, signal.SIGKILL)
    server.pid_file.unlink(missing_ok=True)
    return True


def status(settings: Settings) -> str:
    """One line: up (pid, URL) or down."""
    pid = server_for(settings).pid()
    if pid and listening(settings.connect_port):
        return f"connect     up    sc://localhost:{settings.connect_port}  pid {pid}"
    return "connect     down"
