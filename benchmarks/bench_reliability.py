"""Benchmark: what the reliability guarantees cost per step, in one warm Spark session.

- a write through `Lake.write` (the retry wrapper) vs the same write without it, no conflict;
- `Lake.stable`'s extra version reads around a gold rebuild (two per source);
- the PII key check of a run (the lake's fingerprint read back);
- three writers upserting into one table at once: their conflicts, retries and time waited,
  against the same three writes one after the other.

    .venv/bin/python benchmarks/bench_reliability.py [--repeat 5] [--work DIR]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from datetime import date


def _median(work, repeat: int) -> float:  # noqa: ANN001
    times = []
    for _ in range(repeat):
        started = time.monotonic()
        work()
        times.append(time.monotonic() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--work", default=None, help="scratch folder (default: a temporary one)")
    args = parser.parse_args()

    from pipelines.io.lake import Lake
    from pipelines.io.refs import TableRef, Upsert
    from pipelines.pii_key import check_pii_key
    from pipelines.settings import load_settings
    from pipelines.spark import get_session

    work = args.work or tempfile.mkdtemp(prefix="bench-reliability-")
    settings = load_settings().with_overrides(
        lake_root=f"{work}/lake", spark_master="local[2]", spark_shuffle_partitions=2, pii_key="bench-key"
    )
    spark = get_session(settings, "bench-reliability")
    lake = Lake(spark, settings)
    ref, rule = TableRef("ops", "bench_upsert"), Upsert(("id",))

    def frame(i: int):  # noqa: ANN202
        return spark.createDataFrame([(i, f"v{i}", date(2026, 11, 1))], "id int, v string, _dt date")

    lake.write(ref, frame(0), rule)
    n = iter(range(1, 10_000))
    wrapped = _median(lambda: lake.write(ref, frame(next(n)), rule), args.repeat)
    bare = _median(lambda: lake._apply(ref, frame(next(n)), rule), args.repeat)
    versions = _median(lambda: lake.versions([ref]), args.repeat)
    check_pii_key(lake, "bench")
    key_check = _median(lambda: check_pii_key(lake, "bench"), args.repeat)

    race = TableRef("ops", "bench_race")
    lake.write(race, frame(0), rule)
    sequential = _median(lambda: [lake.write(race, frame(next(n)), rule) for _ in range(3)], 1)
    seen = lake.stats.copy()
    threads = [threading.Thread(target=lake.write, args=(race, frame(next(n)), rule)) for _ in range(3)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    concurrent = time.monotonic() - started
    conflicts, retries = lake.stats.since(seen)

    print(
        f"write with retry wrapper     {wrapped:7.3f} s   without {bare:7.3f} s   (no conflict; median of {args.repeat})"
    )
    print(f"versions of one source       {versions:7.3f} s   (Lake.stable reads them twice per gold rebuild)")
    print(f"PII key check                {key_check:7.3f} s   (once per run / Airflow task)")
    print(
        f"3 upserts one by one         {sequential:7.3f} s   at once {concurrent:7.3f} s   "
        f"conflicts {conflicts}, retries {retries}, waited {lake.stats.waited_s:.2f} s"
    )


if __name__ == "__main__":
    main()
