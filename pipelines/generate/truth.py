"""The ground truth: what the generator injected, so tests can check the pipeline.

Layout under the truth location (default `<landing>/_ground_truth`):
    world.json                                  planted risk enterprises and world sizes
    <sector>/<feed>/dt=YYYY-MM-DD.jsonl         one line per injected defect
    <sector>/<feed>/dt=YYYY-MM-DD.summary.json  rows per file, counts per defect kind,
                                                expected late/corrected data (behaviour)
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field

from pipelines.generate.sink import Sink


@dataclass(frozen=True)
class TruthRecord:
    """One injected defect. `row` is the 1-based data row in `file`, None for delivery-level."""

    sector: str
    feed: str
    dt: str
    file: str | None
    row: int | None
    defect: str
    detail: str

    def to_json(self) -> str:
        """One JSON Lines line (UTF-8, keys in a stable order)."""
        return json.dumps(
            {
                "sector": self.sector,
                "feed": self.feed,
                "dt": self.dt,
                "file": self.file,
                "row": self.row,
                "defect": self.defect,
                "detail": self.detail,
            },
            ensure_ascii=False,
        )


@dataclass
class DeliveryTruth:
    """Everything known about one delivery, written as its truth files."""

    sector: str
    feed: str
    day: dt.date
    records: list[TruthRecord] = field(default_factory=list)
    rows_per_file: dict[str, int] = field(default_factory=dict)
    behaviour: dict[str, int] = field(default_factory=dict)
    manifest_written: bool = True

    def add(self, file: str | None, row: int | None, defect: str, detail: str) -> None:
        """Record one defect."""
        self.records.append(TruthRecord(self.sector, self.feed, self.day.isoformat(), file, row, defect, detail))

    def counts(self) -> dict[str, int]:
        """Number of records per defect kind."""
        return dict(sorted(Counter(r.defect for r in self.records).items()))

    def summary(self) -> dict:
        """The summary document."""
        return {
            "sector": self.sector,
            "feed": self.feed,
            "dt": self.day.isoformat(),
            "rows_per_file": self.rows_per_file,
            "rows": sum(self.rows_per_file.values()),
            "defects": self.counts(),
            "behaviour": dict(sorted(self.behaviour.items())),
            "manifest_written": self.manifest_written,
        }

    def write(self, sink: Sink) -> None:
        """Write the JSON Lines records and the summary."""
        stem = f"{self.sector}/{self.feed}/dt={self.day.isoformat()}"
        lines = "".join(r.to_json() + "\n" for r in self.records)
        sink.put(f"{stem}.jsonl", lines.encode("utf-8"))
        sink.put(
            f"{stem}.summary.json", (json.dumps(self.summary(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        )


def read_truth(sink: Sink, sector: str, feed: str, day: dt.date) -> list[dict]:
    """Read back a delivery's truth records (for tests and the pipeline's checks)."""
    text = sink.get(f"{sector}/{feed}/dt={day.isoformat()}.jsonl").decode("utf-8")
    return [json.loads(line) for line in text.splitlines() if line]
