"""The generator's public entry point: `generate(...)`, called by `lakehouse generate`.

It builds (or reuses) the world for (seed, scale), then writes every requested feed
for every day, each delivery's files first and its `_manifest.json` last, and the
ground truth next to (never inside) the delivery folders.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections.abc import Sequence

from pipelines.generate.delivery import DeliveryOptions, parse_delivery_defects, write_delivery
from pipelines.generate.feeds.base import DayContext, Feed
from pipelines.generate.province import build_world
from pipelines.generate.registry import FEEDS, SECTORS
from pipelines.generate.report import DeliveryReport, GenerationReport
from pipelines.generate.sink import open_sink
from pipelines.generate.worldfile import write_world_file
from pipelines.io.storage import join

TRUTH_FOLDER = "_ground_truth"


def _progress(message: str) -> None:
    print(f"[generate] {message}", file=sys.stderr, flush=True)


def _select(sectors: Sequence[str] | None) -> list[Feed]:
    """The feeds of the requested sectors (all when None), in the canonical order."""
    wanted = list(SECTORS) if sectors is None else list(sectors)
    unknown = sorted(set(wanted) - set(SECTORS))
    if unknown:
        raise ValueError(f"unknown sector(s) {unknown}; choose from {list(SECTORS)}")
    return [f for f in FEEDS if f.spec.sector in wanted]


def generate(
    landing: str | os.PathLike[str],
    start: dt.date,
    days: int = 1,
    scale: float = 1.0,
    seed: int = 42,
    sectors: Sequence[str] | None = None,
    defect_rate: float = 0.01,
    delivery_defects: Sequence[str] = (),
    truth: str | None = None,
    progress: bool = False,
) -> GenerationReport:
    """Write synthetic deliveries of the province's feeds to a landing zone.

    Args:
        landing: local folder or `s3://bucket/prefix`; deliveries go to
            `<landing>/<sector>/<feed>/dt=YYYY-MM-DD/`.
        start: business date of the first delivery.
        days: number of consecutive days.
        scale: 1.0 = one day at 1/1000 of the province (about 5 M meter readings).
        seed: same seed and arguments give byte-identical files.
        sectors: subset of credit, tax, energy, transport, health (None = all).
        defect_rate: share of rows carrying one row-level defect (0 = clean data).
        delivery_defects: delivery-level defects, each `sector/feed:kind` or
            `sector/feed:kind@YYYY-MM-DD` (kinds: see `delivery.DELIVERY_KINDS`).
        truth: where the ground truth goes (default `<landing>/_ground_truth`).
        progress: print a line per file to stderr.

    Returns:
        The report: rows, defects and throughput per delivery and feed.

    Raises:
        ValueError: for unknown sectors, bad delivery-defect requests, days < 1 or scale <= 0.
    """
    if days < 1 or scale <= 0:
        raise ValueError("days must be at least 1 and scale positive")
    landing = os.fspath(landing)
    began = time.perf_counter()
    feeds = _select(sectors)
    requested = parse_delivery_defects(list(delivery_defects))
    unknown = sorted({name for name, _ in requested} - {f.spec.name for f in feeds})
    if unknown:
        raise ValueError(f"delivery defects name feeds that are not generated: {unknown}")
    truth_location = truth or join(landing, TRUTH_FOLDER)
    sink, truth_sink = open_sink(landing), open_sink(truth_location)
    world = build_world(seed, float(scale))
    write_world_file(truth_sink, world)
    report = GenerationReport(landing=sink.url(), truth=truth_sink.url())
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        for feed in feeds:
            kinds = frozenset(
                requested.get((feed.spec.name, None), set()) | requested.get((feed.spec.name, day), set())
            )
            options = DeliveryOptions(defect_rate, kinds, _progress if progress else None)
            result = write_delivery(sink, truth_sink, world, feed, DayContext(day, start, seed), options)
            t = result.truth
            report.deliveries.append(
                DeliveryReport(
                    t.sector,
                    t.feed,
                    day.isoformat(),
                    sum(t.rows_per_file.values()),
                    dict(t.rows_per_file),
                    t.counts(),
                    dict(t.behaviour),
                    result.seconds,
                    t.manifest_written,
                )
            )
            if progress:
                _progress(f"{feed.spec.name} dt={day} done: {report.deliveries[-1].rows} rows in {result.seconds:.1f}s")
    report.seconds = time.perf_counter() - began
    return report
