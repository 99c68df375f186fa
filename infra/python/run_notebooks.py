"""Execute every notebook under notebooks/ with nbclient and keep the executed copies.

    python infra/python/run_notebooks.py [NAME=VALUE …] [--out DIR] [--notebooks DIR]

Each `NAME=VALUE` (e.g. `LAKEHOUSE_LAKE_ROOT=/tmp/lake LAKEHOUSE_DOCS_DIR=/tmp/docs`) is set in
the kernel's environment, so the notebooks read that lake through the settings. Executed copies,
images included, go to `data/notebooks/` (ignored by git). Exits 1 when any cell errors.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CELL_TIMEOUT_S = 300
KERNEL = "python3"


def run(path: Path, out_dir: Path, env: dict[str, str]) -> str | None:
    """Execute one notebook, write its executed copy to `out_dir`; the error text, or None."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    book = nbformat.read(path, as_version=4)
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)  # the kernel inherits this process's environment
    error = None
    try:
        NotebookClient(
            book, timeout=CELL_TIMEOUT_S, kernel_name=KERNEL, resources={"metadata": {"path": str(ROOT)}}
        ).execute()
    except CellExecutionError as err:
        error = str(err).strip().splitlines()[-1] if str(err).strip() else type(err).__name__
    except Exception as err:  # kernel died, timeout, …
        error = f"{type(err).__name__}: {err}"
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        out_dir.mkdir(parents=True, exist_ok=True)
        nbformat.write(book, out_dir / path.name)
    return error


def main(argv: list[str]) -> int:
    """Run the notebooks; print one line each; 1 if any failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "env", nargs="*", metavar="NAME=VALUE", help="environment for the kernel, e.g. LAKEHOUSE_LAKE_ROOT=…"
    )
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "notebooks")
    args = parser.parse_args(argv)
    env = {}
    for item in args.env:
        name, sep, value = item.partition("=")
        if not sep or not name:
            parser.error(f"expected NAME=VALUE, got {item!r}")
        env[name] = value
    paths = sorted(args.notebooks.glob("*.ipynb"))
    if not paths:
        print(f"no notebooks in {args.notebooks}")
        return 1
    failed = 0
    for path in paths:
        start = time.perf_counter()
        error = run(path, args.out, env)
        failed += error is not None
        status = "ok" if error is None else f"FAILED  {error}"
        print(f"{path.name:<45} {time.perf_counter() - start:6.1f} s  {status}", flush=True)
    print(f"{len(paths) - failed} of {len(paths)} notebooks ran; executed copies in {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
