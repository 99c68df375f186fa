"""Fails when a notebook in git carries outputs: notebooks are committed stripped (their executed
copies with images are written under data/ by `make notebooks`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def dirty_cells(path: Path) -> list[int]:
    """Indexes of code cells with outputs or an execution count."""
    cells = json.loads(path.read_text("utf-8")).get("cells", [])
    return [
        i
        for i, c in enumerate(cells)
        if c.get("cell_type") == "code" and (c.get("outputs") or c.get("execution_count"))
    ]


def main(paths: list[str]) -> int:
    """Print each notebook with outputs and return 1 if there is any."""
    bad = {p: cells for p in paths if (cells := dirty_cells(Path(p)))}
    for path, cells in bad.items():
        print(f"{path}: cells {cells} carry outputs; clear them (jupyter nbconvert --clear-output --inplace)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or [str(p) for p in Path("notebooks").glob("*.ipynb")]))
