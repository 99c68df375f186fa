"""Weekly maintenance as policy: what every lake table keeps, and the actions that keep it so.

For every table of the lake — the registry's silver and gold tables, bronze and quarantine
per feed, and the ops tables — the policy says how long removed files and log entries are
kept (`retain_hours`, with the reason), and maintenance then:

1. **optimize** — compacts partitions holding more than one small file (OPTIMIZE), Z-ordered
   by the spec's `cluster_by` where it declares one;
2. **vacuum** — declares the retention on the table and deletes what no version inside it needs;
3. **log** — sets the log retention and checkpoint interval, writes a checkpoint and lets
   Delta delete log entries past the retention;
4. **landing** — deletes delivery folders past the landing retention, only those whose
   delivery (its `_batch_id`) is in bronze.

Which versions does a promise depend on? Time travel on silver and gold promises every version
of the last `Catalog.time_travel_days`. Bronze and quarantine keep the raw data of superseded
deliveries (a re-delivery replaces a date) for their feed's `Catalog.retention_days`. A replay
reads quarantine and bronze at their *current* versions, and so do the silver and gold steps
and the readers outside Spark: they depend on no old version, only on the snapshot they opened
staying readable while they run — hence a floor (`floor_hours`) under every retention, longer
than any step or replay. Delta's own VACUUM safety check is never switched off: the retention
is declared on the table, VACUUM uses that declaration (`pipelines.io.maintenance.vacuum`), and
the check still refuses anyone's shorter `RETAIN`.

Every action is recorded in `ops.maintenance` (files and bytes before and after, seconds, dry
run or not, a message); `render` prints them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from pipelines.core.spec import Sector
from pipelines.io.lake import Lake
from pipelines.io.refs import TableRef, Upsert

if TYPE_CHECKING:
    from pipelines.io.maintenance import LandingFolder

MAINTENANCE = TableRef("ops", "maintenance")
SCHEMA = (
    "run_id string, `table` string, action string, files_before long, files_after long, "
    "bytes_before long, bytes_after long, seconds double, dry_run boolean, message string, "
    "recorded_at timestamp"
)
OPS_TABLES = ("run_metrics", "quality_results", "maintenance")
"""Ops tables maintained even before they are first written; any other table under ops/ is found."""
ORDER = ("bronze", "quarantine", "silver", "gold", "ops", "landing")


@dataclass(frozen=True)
class Policy:
    """How much history the lake keeps where a table's catalog entry does not say.

    Attributes:
        raw_days: bronze and quarantine history (superseded deliveries) when the feed's
            `Catalog.retention_days` is not set.
        ops_days: history of the ops tables.
        landing_days: delivery folders are deleted this long after their date, once in bronze.
        floor_hours: no table keeps less: a step, a replay or an outside reader holds the
            snapshot it opened for at most this long (a day: longer than any daily run).
        checkpoint_interval: commits between Delta checkpoints (`delta.checkpointInterval`).
        small_file_bytes: files below this size are compacted (where a partition has two or more).
    """

    raw_days: int = 30
    ops_days: int = 30
    landing_days: int = 30
    floor_hours: int = 24
    checkpoint_interval: int = 10
    small_file_bytes: int = 128 * 1024 * 1024

    def retention(self, days: int, promise: str) -> tuple[float, str]:
        """Hours to keep for a promise of `days`, never below the floor, and why."""
        hours = days * 24.0
        if hours >= self.floor_hours:
            return hours, f"{promise}: {days} d"
        return float(self.floor_hours), f"floor {self.floor_hours} h (snapshots in use) > {promise} {days} d"


@dataclass(frozen=True)
class Target:
    """A table under maintenance and what the policy keeps of it."""

    ref: TableRef
    retain_hours: float
    reason: str
    cluster_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Landing:
    """A feed's landing folders under maintenance."""

    sector: str
    feed: str
    bronze: TableRef

    @property
    def name(self) -> str:
        """`landing/<sector>/<feed>`: how actions on the feed's folders are named."""
        return f"landing/{self.sector}/{self.feed}"


@dataclass
class Action:
    """One maintenance action on one table, as recorded in `ops.maintenance`."""

    table: str
    action: str
    files_before: int | None = None
    files_after: int | None = None
    bytes_before: int | None = None
    bytes_after: int | None = None
    seconds: float = 0.0
    dry_run: bool = False
    message: str = ""
    failed: bool = field(default=False, repr=False)


def targets(sectors: Iterable[Sector], policy: Policy, ops: Iterable[str] = OPS_TABLES) -> list[Target]:
    """Every table the sectors and the ops records use, with the retention the policy gives it."""
    found: dict[TableRef, Target] = {}
    for sector in sectors:
        for silver in sector.silver:
            days = silver.catalog.retention_days
            raw = days if days is not None else policy.raw_days
            label = "raw data" if days is not None else "raw data (layer default)"
            for layer in ("bronze", "quarantine"):
                hours, why = policy.retention(raw, label)
                found[TableRef(layer, silver.feed.table)] = Target(TableRef(layer, silver.feed.table), hours, why)
            hours, why = policy.retention(silver.catalog.time_travel_days, "time travel")
            ref = TableRef("silver", silver.name)
            found[ref] = Target(ref, hours, why, silver.cluster_by)
        for gold in sector.gold:
            hours, why = policy.retention(gold.catalog.time_travel_days, "time travel")
            ref = TableRef("gold", gold.name)
            found[ref] = Target(ref, hours, why, gold.cluster_by)
    for name in ops:
        hours, why = policy.retention(policy.ops_days, "ops history")
        found[TableRef("ops", name)] = Target(TableRef("ops", name), hours, why)
    return sorted(found.values(), key=lambda t: (ORDER.index(t.ref.layer), t.ref.name))


def landings(sectors: Iterable[Sector]) -> list[Landing]:
    """The feeds whose landing folders maintenance cleans."""
    return [
        Landing(s.feed.sector, s.feed.feed, TableRef("bronze", s.feed.table))
        for sector in sectors
        for s in sector.silver
    ]


def _timed(action: Action, started: float) -> Action:
    action.seconds = time.monotonic() - started
    return action


def optimize(lake: Lake, target: Target, policy: Policy, dry_run: bool) -> Action:
    """Compact the partitions with two or more small files (Z-ordered when the spec clusters)."""
    started = time.monotonic()
    files = lake.files(target.ref)
    action = Action(str(target.ref), "optimize", len(files), len(files), sum(f.bytes for f in files), None)
    action.dry_run = dry_run
    small: dict[tuple[tuple[str, str | None], ...], int] = {}
    for f in files:
        if f.bytes < policy.small_file_bytes:
            small[f.partition] = small.get(f.partition, 0) + 1
    chosen = sorted((p for p, n in small.items() if n > 1), key=str)
    how = f" (Z-order by {', '.join(target.cluster_by)})" if target.cluster_by else ""
    if not chosen:
        action.bytes_after = action.bytes_before
        action.message = f"nothing to compact: no partition has two small files{how}"
        return _timed(action, started)
    compacted = sum(small[p] for p in chosen)
    if dry_run:
        action.files_after = len(files) - compacted + len(chosen)
        action.bytes_after = action.bytes_before
        action.message = f"would compact {compacted} files in {len(chosen)} partitions{how}"
        return _timed(action, started)
    partitioned = any(p for p in chosen)
    metrics = lake.optimize(target.ref, list(chosen) if partitioned else None, target.cluster_by)
    after = lake.files(target.ref)
    action.files_after, action.bytes_after = len(after), sum(f.bytes for f in after)
    action.message = (
        f"compacted {metrics['files_removed']} files into {metrics['files_added']} "
        f"in {metrics['partitions']} partitions{how}"
    )
    return _timed(action, started)


def vacuum(lake: Lake, target: Target, dry_run: bool, declared: dict[str, str]) -> Action:
    """Declare the table's retention and delete the files no version inside it needs."""
    from pipelines.io.maintenance import RETENTION, interval

    started = time.monotonic()
    before = lake.stored(target.ref)
    action = Action(str(target.ref), "vacuum", before.files, None, before.bytes, None, dry_run=dry_run)
    wanted = interval(target.retain_hours)
    change = (
        "" if declared.get(RETENTION) == wanted else f"; retention {declared.get(RETENTION, 'default')} -> {wanted}"
    )
    keep = f"keep {target.retain_hours:g} h ({target.reason}){change}"
    if dry_run:
        candidates = lake.vacuum(target.ref, target.retain_hours, dry_run=True)
        action.files_after = before.files - len(candidates)
        action.message = f"would delete {len(candidates)} files; {keep}"
        return _timed(action, started)
    lake.vacuum(target.ref, target.retain_hours)
    after = lake.stored(target.ref)
    action.files_after, action.bytes_after = after.files, after.bytes
    action.message = f"deleted {before.files - after.files} files; {keep}"
    return _timed(action, started)


def clean_log(lake: Lake, target: Target, policy: Policy, dry_run: bool, declared: dict[str, str]) -> Action:
    """Set the log retention and checkpoint interval, checkpoint, and let Delta drop expired log entries."""
    from pipelines.io.maintenance import retention_properties

    started = time.monotonic()
    before = lake.stored(target.ref, log=True)
    action = Action(str(target.ref), "log", before.files, before.files, before.bytes, before.bytes, dry_run=dry_run)
    wanted = retention_properties(target.retain_hours, policy.checkpoint_interval)
    changes = {k: v for k, v in wanted.items() if declared.get(k) != v}
    said = ", ".join(f"{k.removeprefix('delta.')}={v}" for k, v in sorted(changes.items())) or "properties as declared"
    if dry_run:
        action.message = f"would set {said}; would checkpoint and drop log entries older than the retention"
        return _timed(action, started)
    checkpointed = lake.checkpoint(target.ref)
    after = lake.stored(target.ref, log=True)
    action.files_after, action.bytes_after = after.files, after.bytes
    done = f"checkpoint at v{lake.version(target.ref)}" if checkpointed else "checkpoint left to Delta"
    action.message = f"{done}; set {said}" if changes else f"{done}; {said}"
    return _timed(action, started)


def maintain_table(lake: Lake, target: Target, policy: Policy, dry_run: bool = False) -> list[Action]:
    """Declare the table's retention, then optimize, vacuum and clean its log (a failure is recorded, not raised)."""
    from pipelines.io.maintenance import retention_properties

    declared = dict(lake.detail(target.ref).get("properties") or {})
    if not dry_run:  # one commit declaring the policy, which VACUUM and Delta's log clean-up then obey
        lake.set_properties(target.ref, retention_properties(target.retain_hours, policy.checkpoint_interval))
    actions = []
    for name, step in (
        ("optimize", lambda: optimize(lake, target, policy, dry_run)),
        ("vacuum", lambda: vacuum(lake, target, dry_run, declared)),
        ("log", lambda: clean_log(lake, target, policy, dry_run, declared)),
    ):
        started = time.monotonic()
        try:
            actions.append(step())
        except Exception as err:  # one table's failure must not stop the others' maintenance
            failed = Action(str(target.ref), name, dry_run=dry_run, message=f"FAILED: {type(err).__name__}: {err}")
            failed.failed = True
            actions.append(_timed(failed, started))
    return actions


def ingested(lake: Lake, bronze: TableRef, dts: Sequence[str]) -> set[tuple[str, str]]:
    """(dt, batch id) of the deliveries of dates `dts` whose rows are in bronze (reads only those partitions)."""
    from pyspark.sql import functions as F

    if not dts or not lake.exists(bronze):
        return set()
    dates = [F.lit(dt).cast("date") for dt in dts]
    rows = lake.read(bronze).where(F.col("_dt").isin(dates)).select("_dt", "_batch_id").distinct().collect()
    return {(str(r["_dt"]), str(r["_batch_id"])) for r in rows}


def clean_landing(lake: Lake, landing: Landing, policy: Policy, as_of: date, dry_run: bool = False) -> Action | None:
    """Delete the feed's delivery folders older than `landing_days` whose delivery is in bronze."""
    started = time.monotonic()
    folders = lake.landing_folders(landing.sector, landing.feed)
    if not folders:
        return None
    cutoff = (as_of - timedelta(days=policy.landing_days)).isoformat()
    expired = [f for f in folders if f.dt < cutoff]
    landed = ingested(lake, landing.bronze, sorted({f.dt for f in expired}))
    delete = [f for f in expired if f.batch_id is not None and (f.dt, f.batch_id) in landed]
    kept = [f for f in expired if f not in delete]
    files, size = sum(f.files for f in folders), sum(f.bytes for f in folders)
    action = Action(landing.name, "landing", files, files, size, size, dry_run=dry_run)
    gone_files, gone_bytes = sum(f.files for f in delete), sum(f.bytes for f in delete)
    if not dry_run:
        for folder in delete:
            lake.delete_landing_folder(folder)
    action.files_after, action.bytes_after = files - gone_files, size - gone_bytes
    verb = "would delete" if dry_run else "deleted"
    parts = [f"{verb} {len(delete)} folders before {cutoff} ({policy.landing_days} d)" + _dates(delete)]
    if kept:
        parts.append(f"kept {len(kept)} past retention, not in bronze" + _dates(kept))
    action.message = "; ".join(parts)
    return _timed(action, started)


def _dates(folders: Sequence[LandingFolder]) -> str:
    dts = [f.dt for f in folders]
    if not dts:
        return ""
    return f": dt={dts[0]}" if len(dts) == 1 else f": dt={dts[0]}..{dts[-1]}"


def run(
    lake: Lake,
    sectors: Sequence[Sector],
    policy: Policy,
    run_id: str,
    tables: Sequence[str] | None = None,
    layers: Sequence[str] | None = None,
    dry_run: bool = False,
    as_of: date | None = None,
    on_action: Callable[[Action], None] = lambda a: None,
) -> list[Action]:
    """Maintain the lake (or the named tables / layers) and record every action in `ops.maintenance`.

    Args:
        lake: the lake.
        sectors: whose tables and feeds (normally all of the registry).
        policy: what to keep.
        run_id: recorded with every action.
        tables: only these (`layer.name`, or `landing/<sector>/<feed>`); None = all.
        layers: only these layers (`landing` for the landing folders); None = all.
        dry_run: change nothing; record and print what would be done.
        as_of: the date landing retention counts from (default: today).
        on_action: called with each action as it finishes (progress).

    Returns:
        The actions, in the order they ran.
    """
    as_of = as_of or datetime.now(UTC).date()
    found = {str(t.ref) for t in targets(sectors, policy)}
    extra_ops = [r.name for r in lake.tables("ops") if str(r) not in found]
    chosen = [
        t
        for t in targets(sectors, policy, (*OPS_TABLES, *extra_ops))
        if (tables is None or str(t.ref) in tables) and (layers is None or t.ref.layer in layers)
    ]
    actions: list[Action] = []
    for target in chosen:
        if not lake.exists(target.ref):
            continue
        for action in maintain_table(lake, target, policy, dry_run):
            on_action(action)
            actions.append(action)
    for landing in landings(sectors):
        if (tables is not None and landing.name not in tables) or (layers is not None and "landing" not in layers):
            continue
        done = clean_landing(lake, landing, policy, as_of, dry_run)
        if done is not None:
            on_action(done)
            actions.append(done)
    record(lake, run_id, actions)
    return actions


def record(lake: Lake, run_id: str, actions: Sequence[Action]) -> None:
    """Upsert the actions into `ops.maintenance` (a rerun of the same run replaces its rows)."""
    if not actions:
        return
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = []
    for a in actions:
        row = asdict(a)
        row.pop("failed")
        rows.append({**row, "run_id": run_id, "recorded_at": now})
    lake.write(MAINTENANCE, lake.spark.createDataFrame(rows, SCHEMA), Upsert(("run_id", "table", "action")))


HEADERS = ("table", "action", "files", "bytes", "s", "message")


def _change(before: int | None, after: int | None, size: bool = False) -> str:
    show = _bytes if size else str
    if before is None:
        return "-"
    return show(before) if after is None or after == before else f"{show(before)} -> {show(after)}"


def _bytes(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def rows(actions: Iterable[Action | dict]) -> list[tuple[object, ...]]:
    """Printable rows of actions (or of `ops.maintenance` rows read back)."""
    out: list[tuple[object, ...]] = []
    for a in actions:
        d = a if isinstance(a, dict) else asdict(a)
        out.append(
            (
                d["table"],
                d["action"],
                _change(d["files_before"], d["files_after"]),
                _change(d["bytes_before"], d["bytes_after"], size=True),
                f"{d['seconds']:.1f}",
                d["message"],
            )
        )
    return out


def render(actions: Iterable[Action | dict], dry_run: bool = False) -> str:
    """The actions as an aligned table (the same as `lakehouse summary` prints run results)."""
    from pipelines.summary import render as table

    text = table(rows(actions), HEADERS)
    return text + ("\n\ndry run: nothing was changed" if dry_run else "")
