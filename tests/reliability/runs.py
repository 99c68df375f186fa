"""Running the real command in its own process group, with the settings in its environment.

Every run is a separate `lakehouse` process, started as the leader of a new process group
(so a kill takes its JVM too), with the settings passed the way a deployment passes them:
`LAKEHOUSE_*` variables, and this checkout's package first on the path.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from pipelines.settings import Settings

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
LAUNCHER = HERE / "faulty_lakehouse.py"
TAX_DAYS = ("2026-11-02", "2026-11-03", "2026-11-04")  # deliveries whose returns share the months they touch
RUN_TIMEOUT_S = 1200  # one run of a sector (minutes on a loaded 2-core machine): a hang fails


@dataclass
class Run:
    """A finished `lakehouse` process: how it ended, its output, its process group, its trace."""

    returncode: int
    output: str
    pgid: int
    trace: list[dict]
    seconds: float


def subprocess_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of a `lakehouse` process: this checkout's package and `settings` as `LAKEHOUSE_*` variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAKEHOUSE_TEST_", "PYTEST_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        GX_ANALYTICS_ENABLED="false",
        PYTHONWARNINGS="ignore::DeprecationWarning",
        LAKEHOUSE_LANDING_ROOT=settings.landing_root,
        LAKEHOUSE_LAKE_ROOT=settings.lake_root,
        LAKEHOUSE_DOCS_DIR=settings.docs_dir,
        LAKEHOUSE_ALERTS_FILE=str(Path(settings.docs_dir).parent / "alerts.jsonl"),
        LAKEHOUSE_SPARK_MASTER=settings.spark_master,
        LAKEHOUSE_SPARK_SHUFFLE_PARTITIONS=str(settings.spark_shuffle_partitions),
        LAKEHOUSE_SPARK_DRIVER_MEMORY="1g",
        LAKEHOUSE_PII_KEY=settings.pii_key,
        LAKEHOUSE_WRITE_BACKOFF_MS="200",
    )
    env.update(extra)
    return env


def lakehouse(
    args: list[str], env: dict[str, str], log: Path, faults: dict[str, str] | None = None, real: bool = False
) -> Run:
    """Run `lakehouse <args>` to its end (or its kill) in a new process group.

    Args:
        args: the command line after `lakehouse`.
        env: its environment (`subprocess_env`).
        log: where its output goes (and a trace beside it).
        faults: `faults.py` variables (kill point, barrier); the trace is always on.
        real: run the installed `lakehouse` entry point instead of the launcher (no hooks at all).
    """
    trace = log.with_suffix(".trace.jsonl")
    trace.unlink(missing_ok=True)
    command = [str(Path(sys.executable).parent / "lakehouse")] if real else [sys.executable, str(LAUNCHER)]
    full_env = {**env, **(faults or {})}
    if not real:
        full_env["LAKEHOUSE_TEST_TRACE"] = str(trace)
    started = time.monotonic()
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            command + args, env=full_env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            code = proc.wait(timeout=RUN_TIMEOUT_S)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, 9)
                proc.wait()
    lines = trace.read_text("utf-8").splitlines() if trace.exists() else []
    return Run(code, log.read_text("utf-8"), proc.pid, [json.loads(x) for x in lines], time.monotonic() - started)


def settings_in(base: Settings, root: Path) -> Settings:
    """`base` with a landing zone, lake and docs of `root`'s own."""
    return base.with_overrides(
        landing_root=str(root / "landing"), lake_root=str(root / "lake"), docs_dir=str(root / "docs")
    )


@dataclass
class Reference:
    """A clean run: its settings, its writes in order (table, version after), its content."""

    settings: Settings
    run: Run

    def versions(self, table: str) -> list[int]:
        """The versions `table` had after each of its writes, in order."""
        return [t["version"] for t in self.run.trace if t.get("table") == table]
