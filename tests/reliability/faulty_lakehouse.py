"""`lakehouse` with the fault hooks of `faults.py` installed: `python faulty_lakehouse.py run --date ...`."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import faults  # noqa: E402

faults.install()

from pipelines.cli import main  # noqa: E402

sys.exit(main())
