"""The lake's tables as analysts address them: `<layer>.<table>`, each with its sharing class.

Derived from the sector specs (no Spark): a feed gives `bronze.<sector>_<feed>` and
`quarantine.<sector>_<feed>` (always restricted), a silver or gold spec its table with the
class of its catalog entry, plus the operational tables of `ops`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cache

from pipelines.core.spec import Catalog, FeedSpec, GoldSpec, SilverSpec
from pipelines.io.storage import join

LAYERS = ("bronze", "silver", "gold", "quarantine", "ops")
OPS_OWNER = "省大数据平台运维 Lakehouse platform operations"


@dataclass(frozen=True)
class LakeTable:
    """One addressable table of the lake.

    Attributes:
        layer: bronze, silver, gold, quarantine or ops.
        name: the table name inside its layer.
        sector: the sector that writes it ("" for ops tables).
        catalog: its directory entry (bronze/quarantine/ops get one derived here).
        feed: the feed it comes from (bronze, quarantine, silver).
        sources: `layer.table` names it is built from (the declared graph).
    """

    layer: str
    name: str
    sector: str
    catalog: Catalog
    feed: FeedSpec | None = None
    sources: tuple[str, ...] = field(default=())

    @property
    def ref(self) -> str:
        """`<layer>.<name>`."""
        return f"{self.layer}.{self.name}"

    @property
    def sharing(self) -> str:
        """open, conditional or restricted (bronze and quarantine are always restricted)."""
        return "restricted" if self.layer in ("bronze", "quarantine") else self.catalog.sharing

    def uri(self, lake_root: str) -> str:
        """Where the Delta table lives (`<lake_root>/<layer>/<name>`)."""
        return join(lake_root, self.layer, self.name)


def _feed_tables(sector: str, spec: SilverSpec) -> list[LakeTable]:
    # The contract (YAML) is not read here: `lakehouse sql` needs names and classes only;
    # the directory adds the contract's descriptions and PII columns.
    feed, c = spec.feed.feed, spec.catalog

    def restricted(description: str, description_zh: str) -> Catalog:
        return replace(c, description=description, description_zh=description_zh, sharing="restricted", pii_columns=())

    bronze = restricted(
        f"Rows of the {sector}/{feed} feed as delivered (all text), with lineage columns.",
        "原始送达数据（全部为文本，含血缘字段）",
    )
    quarantine = restricted(
        f"Rejected rows of the {sector}/{feed} feed with raw content, file, row number and reason codes.",
        "隔离区：未通过校验的原始记录（含原文、文件、行号与原因代码）",
    )
    name = spec.feed.table
    return [
        LakeTable("bronze", name, sector, bronze, spec.feed, (f"landing.{sector}/{feed}",)),
        LakeTable("quarantine", name, sector, quarantine, spec.feed, (f"bronze.{name}",)),
        LakeTable("silver", spec.name, sector, spec.catalog, spec.feed, (f"bronze.{name}",)),
    ]


def _gold_table(sector: str, spec: GoldSpec) -> LakeTable:
    return LakeTable("gold", spec.name, sector, spec.catalog, None, tuple(str(ref) for ref in spec.source_refs))


def _ops(name: str, description: str, description_zh: str) -> LakeTable:
    return LakeTable(
        "ops",
        name,
        "",
        Catalog(OPS_OWNER, description, description_zh, sharing="conditional", update_frequency="every run"),
    )


OPS_TABLES = (
    _ops(
        "run_metrics",
        "One row per run, table and date: rows in, promoted, quarantined, duplicates, gate result, Data Docs, "
        "Delta version, seconds.",
        "运行指标：每次运行、每张表、每个业务日期的行数、隔离数、重复数、质量门结果与耗时",
    ),
    _ops(
        "quality_results",
        "One row per run, table, date and expectation: policy, success, failing count, sample.",
        "质量检查结果：每条期望的策略、是否通过、失败行数与样例",
    ),
    _ops(
        "query_audit",
        "Every query through `lakehouse sql`: who, role, when, statement (literals masked), tables, rows, "
        "engine, seconds, outcome.",
        "查询审计：每次 lakehouse sql 查询的用户、角色、时间、语句（常量已脱敏）、涉及表、行数、引擎与结果",
    ),
    _ops(
        "maintenance",
        "Every maintenance action (`lakehouse maintain`, the maintenance DAG): table, action (optimize, vacuum, "
        "log, landing), files and bytes before and after, seconds, dry run, message.",
        "维护记录：每次维护操作（压缩、清理、日志检查点、落地区保留）的表、文件数与字节数前后对比、耗时",
    ),
)


@cache
def inventory() -> dict[str, LakeTable]:
    """Every table of the lake by `layer.name`, in layer order."""
    from pipelines import registry

    tables: list[LakeTable] = []
    for sector in registry.SECTORS.values():
        for silver in sector.silver:
            tables += _feed_tables(sector.name, silver)
        tables += [_gold_table(sector.name, g) for g in sector.gold]
    tables += OPS_TABLES
    tables.sort(key=lambda t: (LAYERS.index(t.layer), t.name))
    return {t.ref: t for t in tables}


def downstream(ref: str) -> list[str]:
    """Tables built from `ref` in the declared graph."""
    return sorted(t.ref for t in inventory().values() if ref in t.sources)
