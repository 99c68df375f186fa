"""One setting, not code: a sector run against a Spark Connect server (`spark_remote = sc://…`,
the server started by `pipelines.connect` with the lake's own Spark settings) writes exactly
what the same run writes in-process — every Delta read, write and MERGE goes through the
DataFrame reader/writer and SQL, which Connect serves."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from pipelines import connect, registry
from pipelines.core.runner import run_sector
from pipelines.core.steps import RunContext
from pipelines.generate.api import generate
from pipelines.io.lake import Lake
from pipelines.query import read_table

pytestmark = [pytest.mark.integration, pytest.mark.timeout(20 * 60)]
DT = "2026-11-02"
TABLES = [
    ("bronze", "tax_returns"),
    ("silver", "tax_returns"),
    ("quarantine", "tax_returns"),
    ("gold", "tax_revenue_monthly"),
]
PER_RUN = {"_ingested_at", "_quarantined_at", "_run_id", "_batch_id", "run_id"}  # when and by which run


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _content(settings, layer: str, name: str) -> list[tuple]:
    rows = [{k: v for k, v in r.items() if k not in PER_RUN} for r in read_table(settings, layer, name)]
    return sorted(tuple(sorted((k, str(v)) for k, v in r.items())) for r in rows)


def test_a_sector_over_spark_connect_writes_what_an_in_process_run_writes(
    spark, settings, tmp_path, monkeypatch
) -> None:
    local = settings.with_overrides(
        landing_root=str(tmp_path / "landing"), lake_root=str(tmp_path / "local"), docs_dir=str(tmp_path / "docs-local")
    )
    remote = local.with_overrides(
        lake_root=str(tmp_path / "remote"), docs_dir=str(tmp_path / "docs-remote"), connect_port=_free_port()
    )
    generate(local.landing_root, date.fromisoformat(DT), scale=0.2, seed=7, sectors=["tax"], defect_rate=0.05)
    list(run_sector(Lake(spark, local), registry.SECTORS["tax"], RunContext("in-process", DT)))

    server = connect.Server(tmp_path / "connect")
    monkeypatch.setattr(connect, "server_for", lambda _: server)
    url = connect.start(remote)
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LAKEHOUSE_")}
        env.update(
            {
                f"LAKEHOUSE_{k.upper()}": str(getattr(remote, k))
                for k in ("landing_root", "lake_root", "docs_dir", "jars_dir", "pii_key")
            }
        )
        env["LAKEHOUSE_SPARK_REMOTE"] = url
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(Path.cwd()), env.get("PYTHONPATH", "")) if p)
        logged = len(server.log_file.read_text("utf-8", errors="replace"))
        command = [sys.executable, "-m", "pipelines.cli", "run", "--date", DT, "--sectors", "tax"]
        run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        assert "gold.tax_revenue_monthly" in run.stdout
        served = server.log_file.read_text("utf-8", errors="replace")[logged:]
        assert "SessionHolder" in served, "no session of the run reached the Connect server"
    finally:
        connect.stop(remote)
    for layer, name in TABLES:
        assert _content(remote, layer, name) == _content(local, layer, name), f"{layer}.{name} differs"
        assert _content(local, layer, name) or layer == "quarantine", f"{layer}.{name} is empty: nothing compared"
