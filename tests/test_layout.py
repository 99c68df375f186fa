"""Tests mirror the package: every module of `pipelines/` that defines a function or a class has
its test module at the same place under `tests/` (`pipelines/tax/silver.py` ↔
`tests/pipelines/tax/test_silver.py`; a package's `__init__.py` ↔ `test_<package>.py`), unless
the allow-list below names it together with the tests that cover it instead.

Modules of declarations only define nothing and need no mirror: the sectors' modules
(`pipelines/<sector>/__init__.py`, loading `schemas/tables/<sector>.yaml`; checked by
`tests/pipelines/core/test_specs.py`), the
generator's table of feeds (`pipelines/generate/registry.py`) and `pipelines/timezone.py`.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Module -> the tests that cover it instead of a mirror module. Keep it short: a module leaves
# the list when it gets its own test module (the last test below says so).
COVERED_ELSEWHERE: dict[str, tuple[str, ...]] = {
    # The generator's internals are exercised through `generate()`: every delivered row and file
    # is checked against an independent reading of the contracts (tests/pipelines/generate/oracle.py)
    # and the ground truth; the world is checked across sectors.
    "pipelines/generate/encode.py": (  # row defects in cells and lines, file-level changes
        "tests/pipelines/generate/test_defects.py",
        "tests/pipelines/generate/test_delivery.py",
    ),
    "pipelines/generate/truth.py": (  # the ground truth those tests compare the files with
        "tests/pipelines/generate/test_defects.py",
        "tests/pipelines/generate/test_delivery.py",
    ),
    "pipelines/generate/feeds/base.py": ("tests/pipelines/generate/test_manifest.py",),  # bounded parts
    "pipelines/generate/feeds/health.py": (  # visits reference hospitals; the ILI outbreak city
        "tests/pipelines/generate/test_world.py",
        "tests/pipelines/generate/test_defects.py",
    ),
    "pipelines/generate/feeds/transport.py": (  # passages reference gantries; plates are valid
        "tests/pipelines/generate/test_world.py",
        "tests/pipelines/generate/test_defects.py",
    ),
    "pipelines/generate/province.py": ("tests/pipelines/generate/test_world.py",),  # world + registers
    "pipelines/generate/registers.py": ("tests/pipelines/generate/test_world.py",),  # meters, gantries, hospitals
    "pipelines/generate/worldfile.py": ("tests/pipelines/generate/test_world.py",),  # world.json: planted risks
    # The analysts' command line, run end to end in a `lakehouse` subprocess on one test lake.
    "pipelines/analyst/sql.py": ("tests/integration/test_analyst.py",),  # answers, refusals, near matches
    "pipelines/analyst/sparksql.py": ("tests/integration/test_analyst.py",),  # the Spark engine agrees
    "pipelines/analyst/audit.py": ("tests/integration/test_analyst.py",),  # every query audited, literals masked
    "pipelines/analyst/shell.py": ("tests/integration/test_analyst.py",),  # multi-line statements, roles, history
    "pipelines/analyst/cli.py": ("tests/integration/test_analyst.py",),  # `lakehouse sql` and `lakehouse catalog`
    "pipelines/analyst/site.py": (  # the directory's static site
        "tests/pipelines/analyst/test_directory.py",
        "tests/integration/test_analyst_directory_ui.py",
    ),
    # The gate's engines and rendering, run by the gate on tiny frames with a suite of their own.
    "pipelines/quality/single_pass.py": ("tests/pipelines/quality/test_gate.py",),  # same verdicts as GX
    "pipelines/quality/expectations.py": ("tests/pipelines/quality/test_gate.py",),  # USCC, division checks
    # The Data Docs store backend GX is configured with: every page it writes comes out offline.
    "pipelines/quality/offline_site.py": (
        "tests/pipelines/quality/test_docs.py",
        "tests/pipelines/quality/test_docs_browser.py",
    ),
}


def _modules() -> list[Path]:
    return sorted(p.relative_to(ROOT) for p in (ROOT / "pipelines").rglob("*.py"))


def _defines_something(module: Path) -> bool:
    tree = ast.parse((ROOT / module).read_text("utf-8"))
    return any(isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) for n in ast.walk(tree))


def mirror(module: Path) -> Path:
    """`pipelines/a/b.py` -> `tests/pipelines/a/test_b.py`; `pipelines/a/__init__.py` -> `tests/pipelines/a/test_a.py`."""
    name = module.parent.name if module.name == "__init__.py" else module.stem
    return Path("tests") / module.parent / f"test_{name}.py"


def test_mirror_paths() -> None:
    assert mirror(Path("pipelines/tax/silver.py")) == Path("tests/pipelines/tax/test_silver.py")
    assert mirror(Path("pipelines/cli.py")) == Path("tests/pipelines/test_cli.py")
    assert mirror(Path("pipelines/generate/__init__.py")) == Path("tests/pipelines/generate/test_generate.py")


def test_every_module_with_logic_has_its_mirror_test_module() -> None:
    missing = [
        f"{module} -> {mirror(module)}"
        for module in _modules()
        if _defines_something(module) and str(module) not in COVERED_ELSEWHERE and not (ROOT / mirror(module)).is_file()
    ]
    assert missing == [], "add a test module (or, if another test covers it, an entry in COVERED_ELSEWHERE)"


def test_the_allow_list_is_honest() -> None:
    modules = {str(m) for m in _modules()}
    for module, tests in COVERED_ELSEWHERE.items():
        assert module in modules, f"{module}: no such module"
        assert _defines_something(Path(module)), f"{module}: defines nothing, needs no entry"
        assert not (ROOT / mirror(Path(module))).is_file(), f"{module} has {mirror(Path(module))}: remove its entry"
        assert all((ROOT / t).is_file() for t in tests), f"{module}: covering tests {tests} not found"
