"""The package works when installed as a wheel, outside the source tree: contracts, suites,
reference data and Data Docs assets ship inside it, and a sector runs there end to end."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest
from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[1]
MAPPED = {
    "pipelines.contracts": "schemas/feeds",
    "pipelines.suites": "quality/suites",
    "pipelines.columns": "schemas/columns",
    "pipelines.tables": "schemas/tables",
}


def test_the_package_list_covers_every_folder_and_the_mapped_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    found = set(find_packages(str(ROOT), include=["pipelines*"]))
    assert set(config["packages"]) == found | set(MAPPED)
    assert config["package-dir"] == MAPPED


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel of the working tree, built from a copy of its files (no stale `build/` in the tree)."""
    source, out = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("wheel")
    listed = subprocess.check_output(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT, text=True
    ).split()
    for name in listed:
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    # Build isolation, as `make setup` installs the project: the backend pyproject.toml asks for
    # (setuptools>=68), not whatever a fresh venv happens to carry (3.11's has 65 and no `wheel`).
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return next(out.glob("lakehouse-*.whl"))


def test_the_wheel_carries_contracts_suites_reference_data_and_assets(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    contracts = {p.name for p in (ROOT / "schemas" / "feeds").glob("*.yaml")}
    suites = {f"{p.parent.name}/{p.name}" for p in (ROOT / "quality" / "suites").glob("*/*.yaml")}
    assert {f"pipelines/contracts/{n}" for n in contracts} <= names
    assert {f"pipelines/suites/{n}" for n in suites} <= names
    assert "pipelines/reference/jiangsu_divisions.csv" in names
    assert "pipelines/quality/vendor/jquery.min.js" in names
    directory = {"glossary.yaml", "site/search.js", "site/style.css"}  # the data-sharing directory's files
    assert {f"pipelines/analyst/{n}" for n in directory} <= names


@pytest.mark.slow
@pytest.mark.integration
def test_a_sector_runs_from_the_installed_wheel_outside_the_tree(wheel: Path, tmp_path: Path, settings) -> None:
    """A fresh venv sees the locked dependencies (a path entry, not the editable install) and the wheel."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.check_output(
            [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], text=True
        ).strip()
    )
    # The dependencies of the project's venv, as a plain path entry: its .pth files (the editable
    # install among them) are not processed from there, so `pipelines` can only come from the wheel.
    (site / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n", "utf-8")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("LAKEHOUSE_")},
        "LAKEHOUSE_HOME": str(work),
        "LAKEHOUSE_JARS_DIR": settings.jars_dir,
        "LAKEHOUSE_PII_KEY": "wheel-test-key",
        "LAKEHOUSE_SPARK_MASTER": "local[2]",
        "LAKEHOUSE_SPARK_SHUFFLE_PARTITIONS": "2",
        "LAKEHOUSE_SPARK_DRIVER_MEMORY": "1g",
    }
    where = subprocess.check_output(
        [python, "-c", "import pipelines; print(pipelines.__file__)"], cwd=work, env=env, text=True
    )
    assert where.startswith(str(site)), where
    lakehouse = [str(python), "-m", "pipelines.cli"]
    subprocess.run(
        [*lakehouse, "generate", "--date", "2026-11-01", "--scale", "0.05", "--sectors", "tax", "--quiet"],
        cwd=work,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    run = subprocess.run(
        [*lakehouse, "run", "--date", "2026-11-01", "--sectors", "tax"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "gold.tax_revenue_monthly" in run.stdout
    assert (work / "data" / "lake" / "gold" / "tax_revenue_monthly" / "_delta_log").is_dir()
