"""The analyst notebooks: committed stripped (fast), and each runs on a tiny real lake with a plot
and no error (slow: generate + run all sectors, then infra/python/run_notebooks.py)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
BIN = Path(sys.executable).parent
DATE = "2026-11-01"


def _strip_check() -> ModuleType:
    spec = importlib.util.spec_from_file_location("strip_check", ROOT / "infra" / "python" / "strip_check.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_there_are_notebooks() -> None:
    assert len(NOTEBOOKS) >= 4


def test_committed_notebooks_are_stripped() -> None:
    assert _strip_check().main([str(p) for p in NOTEBOOKS]) == 0


def test_strip_check_flags_outputs(tmp_path: Path) -> None:
    book = json.loads(NOTEBOOKS[0].read_text("utf-8"))
    code = next(c for c in book["cells"] if c["cell_type"] == "code")
    code["execution_count"] = 1
    dirty = tmp_path / "dirty.ipynb"
    dirty.write_text(json.dumps(book), "utf-8")
    assert _strip_check().main([str(dirty)]) == 1


@pytest.mark.slow
@pytest.mark.integration
def test_notebooks_run_on_a_tiny_lake(tmp_path: Path) -> None:
    env = {
        "LAKEHOUSE_LANDING_ROOT": str(tmp_path / "landing"),
        "LAKEHOUSE_LAKE_ROOT": str(tmp_path / "lake"),
        "LAKEHOUSE_DOCS_DIR": str(tmp_path / "docs"),
    }
    full = {**os.environ, **env}
    lakehouse = str(BIN / "lakehouse")
    for argv in (
        [lakehouse, "generate", "--date", DATE, "--scale", "0.05", "--quiet"],
        [lakehouse, "run", "--date", DATE],
    ):
        done = subprocess.run(argv, env=full, cwd=ROOT, capture_output=True, text=True, timeout=3600)
        assert done.returncode == 0, done.stderr[-3000:]
    out = tmp_path / "executed"
    runner = [sys.executable, str(ROOT / "infra/python/run_notebooks.py"), *[f"{k}={v}" for k, v in env.items()]]
    done = subprocess.run([*runner, "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=3600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for path in NOTEBOOKS:
        outputs = [o for c in json.loads((out / path.name).read_text("utf-8"))["cells"] for o in c.get("outputs", [])]
        assert any("image/png" in o.get("data", {}) for o in outputs), f"{path.name}: no plot"
        assert not [o for o in outputs if o.get("output_type") == "error"], f"{path.name}: error output"
