"""The local Spark Connect server: its command carries the lake's Spark settings, its pid file
tells whether it runs, and stopping or asking about a server that is not there is harmless."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from pipelines import connect
from pipelines.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    jars = tmp_path / "jars"
    jars.mkdir()
    (jars / "delta-spark_2.13-4.0.0.jar").write_text("")
    return Settings(jars_dir=str(jars), spark_master="local[2]", connect_port=15999, spark_shuffle_partitions=3)


@pytest.fixture
def server(tmp_path: Path, monkeypatch) -> connect.Server:
    """A server folder of the test's own (never the checkout's `.services/connect`)."""
    here = connect.Server(tmp_path / "connect")
    monkeypatch.setattr(connect, "server_for", lambda settings: here)
    return here


def test_command_submits_the_server_with_the_lakes_spark_settings(settings: Settings) -> None:
    args = connect.command(settings)
    assert Path(args[0]).name == "spark-submit"
    assert args[args.index("--class") + 1] == connect.SERVER_CLASS
    assert args[args.index("--master") + 1] == "local[2]"
    confs = [args[i + 1] for i, a in enumerate(args) if a == "--conf"]
    assert "spark.sql.shuffle.partitions=3" in confs
    assert "spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension" in confs
    assert confs[-1] == "spark.connect.grpc.binding.port=15999" and args[-1] == "spark-internal"


def test_pid_only_of_a_running_process(server: connect.Server) -> None:
    assert server.pid() is None  # no pid file
    server.folder.mkdir()
    server.pid_file.write_text(str(os.getpid()))
    assert server.pid() == os.getpid()
    server.pid_file.write_text("999999999")  # no such process
    assert server.pid() is None


def test_listening() -> None:
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        bound.listen()
        port = bound.getsockname()[1]
        assert connect.listening(port)
    assert not connect.listening(port)


def test_stop_and_status_without_a_server(settings: Settings, server: connect.Server) -> None:
    server.folder.mkdir()
    server.pid_file.write_text("999999999")  # a stale pid file
    assert connect.stop(settings) is False
    assert not server.pid_file.exists()
    assert connect.status(settings) == "connect     down"
