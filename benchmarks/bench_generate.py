"""Benchmark of the synthetic data generator: one day of every feed, rows/s per feed.

Usage:
    python benchmarks/bench_generate.py [--scale 1.0] [--date 2026-11-12] [--out DIR] [--defect-rate 0.01]

Writes to a temporary folder unless --out is given, prints the per-feed table of
the GenerationReport (rows, seconds, rows/s) and the wall time of the whole run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time

from pipelines.generate import generate


def main() -> None:
    """Parse arguments, generate one day, print the report."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="1 = one day at 1/1000 of the province")
    parser.add_argument("--date", default="2026-11-12", help="business date (default 2026-11-12)")
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--defect-rate", type=float, default=0.01)
    parser.add_argument("--out", help="landing folder to keep (default: a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        landing = args.out or os.path.join(scratch, "landing")
        began = time.perf_counter()
        report = generate(
            landing, dt.date.fromisoformat(args.date), days=args.days, scale=args.scale, defect_rate=args.defect_rate
        )
        wall = time.perf_counter() - began
    print(f"scale {args.scale}, {args.days} day(s) from {args.date}, {os.cpu_count()} CPUs")
    print(report.table())
    print(f"wall time {wall:.1f} s (world building included)")


if __name__ == "__main__":
    main()
