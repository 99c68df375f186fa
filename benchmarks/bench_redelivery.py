"""Benchmark: the cost of a corrected re-delivery against the first run of the same date (ADR 0007).

Generates `--days` days of one sector, runs them in order into one lake, then re-delivers
the second day with `--withdraw` of its rows removed (a real delivery: rewritten files and
manifest) and runs that date again. Prints each step's seconds, first run vs re-delivery,
and the ratio. The re-delivery does more: it reads the silver rows the date left, the other
dates' bronze rows of their keys (a semi-join), deletes what was withdrawn and rebuilds the
gold partitions of the deleted rows too.

    .venv/bin/python benchmarks/bench_redelivery.py [--sector tax] [--scale 1] [--days 3] [--withdraw 0.1]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path


def withdraw(folder: Path, every: int) -> tuple[int, int]:
    """Remove every `every`-th data row of each file of a delivery; rewrite the manifest last.

    Returns:
        Rows before and after.
    """
    import pyarrow.parquet as pq

    manifest = json.loads((folder / "_manifest.json").read_text("utf-8"))
    before = after = 0
    for entry in manifest["files"]:
        path = folder / entry["name"]
        if path.name.endswith(".parquet"):
            table = pq.read_table(path)
            kept = table.take([i for i in range(table.num_rows) if (i + 1) % every])
            sink = io.BytesIO()
            pq.write_table(kept, sink)
            data, rows = sink.getvalue(), kept.num_rows
            before += table.num_rows
        else:
            raw = path.read_bytes()
            text = gzip.decompress(raw) if path.name.endswith(".gz") else raw
            lines = text.split(b"\n")
            header = [] if ".jsonl" in path.name else lines[:1]
            body = [line for line in lines[len(header) :] if line]
            kept_lines = [line for i, line in enumerate(body, start=1) if i % every]
            data = b"\n".join([*header, *kept_lines]) + b"\n"
            data = gzip.compress(data) if path.name.endswith(".gz") else data
            rows = len(kept_lines)
            before += len(body)
        path.write_bytes(data)
        entry.update(rows=rows, bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
        after += rows
    (folder / "_manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return before, after


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sector", default="tax")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--date", default="2026-11-02", help="first business date")
    parser.add_argument("--withdraw", type=float, default=0.1, help="share of the second day's rows withdrawn")
    parser.add_argument("--work", default=None, help="working folder (default: a temporary one)")
    args = parser.parse_args()

    from pipelines import registry
    from pipelines.core.runner import run_sector
    from pipelines.core.steps import RunContext
    from pipelines.generate.api import generate
    from pipelines.io.lake import Lake
    from pipelines.settings import load_settings
    from pipelines.spark import get_session

    work = args.work or tempfile.mkdtemp(prefix="bench-redelivery-")
    settings = load_settings().with_overrides(
        landing_root=f"{work}/landing", lake_root=f"{work}/lake", docs_dir=f"{work}/docs", pii_key="bench-key"
    )
    first = date.fromisoformat(args.date)
    dates = [(first + timedelta(days=i)).isoformat() for i in range(args.days)]
    generate(settings.landing_root, first, days=args.days, scale=args.scale, sectors=[args.sector], seed=3)
    sector = registry.SECTORS[args.sector]
    lake = Lake(get_session(settings, "bench-redelivery"), settings)

    def timed_run(dt: str, run_id: str) -> tuple[dict[str, float], float]:
        started = time.monotonic()
        steps = {f"{r.step} {r.table}": r.seconds for r in run_sector(lake, sector, RunContext(run_id, dt))}
        return steps, time.monotonic() - started

    timed_run(dates[0], "warm-up")  # JIT, Delta and GX classes; the first date is part of the history anyway
    firsts: dict[str, float] = {}
    for dt in dates[1:]:
        steps, total = timed_run(dt, "first")
        if dt == dates[1]:
            firsts, first_total = steps, total
    target = dates[1]
    rows = {
        feed.feed: withdraw(
            Path(settings.landing_root) / feed.sector / feed.feed / f"dt={target}", round(1 / args.withdraw)
        )
        for feed in sector.feeds
    }
    again, again_total = timed_run(target, "again")

    print(
        f"\n{args.sector} scale={args.scale}: dt={target} of {args.days} days re-delivered, rows before -> after: {rows}"
    )
    print(f"{'step':<44}{'first s':>10}{'again s':>10}{'ratio':>8}")
    for name, seconds in firsts.items():
        redo = again.get(name, 0.0)
        print(f"{name:<44}{seconds:>10.1f}{redo:>10.1f}{redo / seconds if seconds else 0:>8.2f}")
    print(f"{'whole date':<44}{first_total:>10.1f}{again_total:>10.1f}{again_total / first_total:>8.2f}")


if __name__ == "__main__":
    main()
