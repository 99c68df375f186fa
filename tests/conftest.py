"""Shared fixtures: one SparkSession for the whole test run, tuned for tests, and
settings pointing every root (landing, lake, docs) at a temporary folder."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.settings import Settings, load_settings

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings for tests: local[2] Spark, everything under one temporary folder."""
    root = tmp_path_factory.mktemp("lakehouse")
    return load_settings().with_overrides(
        landing_root=str(root / "landing"),
        lake_root=str(root / "lake"),
        docs_dir=str(root / "docs"),
        spark_master="local[2]",
        spark_shuffle_partitions=2,
        spark_driver_memory="2g",
        pii_key="test-only-pii-key",
    )


@pytest.fixture(scope="session")
def spark(settings: Settings) -> Iterator[object]:
    """The one SparkSession of the test run (Delta configured, UI off, 2 shuffle partitions)."""
    from pipelines.spark import get_session, stop_session

    session = get_session(settings, "lakehouse-tests")
    yield session
    stop_session()


@pytest.fixture
def fresh_settings(settings: Settings, tmp_path: Path) -> Settings:
    """Settings with a lake and landing zone of the test's own (same Spark session)."""
    return settings.with_overrides(
        landing_root=str(tmp_path / "landing"), lake_root=str(tmp_path / "lake"), docs_dir=str(tmp_path / "docs")
    )


# py4j logs "closing connection" from finalizers after pytest closed its streams.
logging.getLogger("py4j").setLevel(logging.WARNING)


class Webhook:
    """A real HTTP server on loopback (stdlib, in a thread) that keeps the JSON bodies POSTed to it."""

    def __init__(self) -> None:
        import http.server
        import json
        import threading

        self.received: list[dict] = []
        self.content_types: set[str] = set()
        self.fail_next = 0  # answer this many POSTs with HTTP 500 (a notifier outage)
        hook = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if hook.fail_next:
                    hook.fail_next -= 1
                    self.send_response(500)
                else:
                    hook.content_types.add(self.headers["Content-Type"])
                    hook.received.append(json.loads(body))
                    self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/lakehouse"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    """A local webhook receiver; its `url` and the `received` JSON payloads."""
    hook = Webhook()
    yield hook
    hook.stop()


@pytest.fixture
def blocking_tax_suite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Suites read from a copy in which the silver tax suite blocks on every taxpayer who paid tax."""
    from pipelines.quality import suites

    folder = tmp_path / "suites" / "silver"
    folder.mkdir(parents=True)
    (folder / "tax_returns.yaml").write_text(
        "expectations:\n  - type: expect_column_values_to_be_between\n"
        "    kwargs: {column: tax_paid_cny, max_value: 0}\n    policy: block\n"
    )
    monkeypatch.setattr(suites, "SUITES_DIR", tmp_path / "suites")
