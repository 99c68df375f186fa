"""The generation report: rows, defects and speed per delivery and per feed."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True)
class DeliveryReport:
    """One delivery's outcome."""

    sector: str
    feed: str
    dt: str
    rows: int
    files: dict[str, int]
    defects: dict[str, int]
    behaviour: dict[str, int]
    seconds: float
    manifest_written: bool

    @property
    def name(self) -> str:
        """`sector/feed`."""
        return f"{self.sector}/{self.feed}"


@dataclass(frozen=True)
class FeedTotals:
    """A feed summed over the run's days."""

    name: str
    deliveries: int
    rows: int
    defects: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        """Throughput of generating, encoding and writing this feed."""
        return self.rows / self.seconds if self.seconds > 0 else 0.0


@dataclass
class GenerationReport:
    """What `generate` produced.

    Attributes:
        landing: where the deliveries went.
        truth: where the ground truth went.
        deliveries: one report per delivery, in generation order.
        seconds: wall time of the whole run (world building included).
    """

    landing: str
    truth: str
    deliveries: list[DeliveryReport] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        """Data rows written over all deliveries."""
        return sum(d.rows for d in self.deliveries)

    def defect_counts(self) -> dict[str, int]:
        """Injected defects per kind over all deliveries."""
        total: Counter[str] = Counter()
        for d in self.deliveries:
            total.update(d.defects)
        return dict(sorted(total.items()))

    def per_feed(self) -> list[FeedTotals]:
        """Totals per feed, in first-seen order."""
        totals: dict[str, list] = {}
        for d in self.deliveries:
            t = totals.setdefault(d.name, [0, 0, 0, 0.0])
            t[0] += 1
            t[1] += d.rows
            t[2] += sum(d.defects.values())
            t[3] += d.seconds
        return [FeedTotals(name, *values) for name, values in totals.items()]

    def __str__(self) -> str:
        """What the CLI prints: where things went, the per-feed table and the defect counts."""
        defects = ", ".join(f"{k}={v}" for k, v in self.defect_counts().items()) or "none"
        return f"landing: {self.landing}\nground truth: {self.truth}\n{self.table()}\ndefects injected: {defects}"

    def table(self) -> str:
        """A plain-text table of the per-feed totals."""
        lines = [f"{'feed':<28}{'deliveries':>11}{'rows':>12}{'defects':>9}{'seconds':>9}{'rows/s':>12}"]
        for t in self.per_feed():
            lines.append(
                f"{t.name:<28}{t.deliveries:>11}{t.rows:>12}{t.defects:>9}{t.seconds:>9.2f}{t.rows_per_second:>12,.0f}"
            )
        lines.append(
            f"{'total':<28}{len(self.deliveries):>11}{self.rows:>12}"
            f"{sum(self.defect_counts().values()):>9}{self.seconds:>9.2f}"
            f"{(self.rows / self.seconds if self.seconds else 0):>12,.0f}"
        )
        return "\n".join(lines)
