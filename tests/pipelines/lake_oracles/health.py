"""Weekly syndromic surveillance recomputed in plain Python from delivered rows (the rule of
docs/sectors/health.md: same-week cross-city baseline, alert on ratio and Poisson deviations)."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter

from pipelines.ids import city_code, syndrome_group

GROUPS = ("ILI", "URI", "GI", "varicella", "measles", "TB", "other")


def iso_week(day: dt.date) -> str:
    """`YYYY-Www`."""
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def weekly(visits: list[dict], hospitals: list[dict]) -> dict[tuple[str, str, str], dict]:
    """(iso_week, city, group) -> {visits, baseline, is_alert} over every city-week seen."""
    city_of = {h["hospital_code"]: city_code(h["division_code"]) for h in hospitals}
    counts: Counter = Counter()
    for v in visits:
        city = city_of.get(v["hospital_code"]) or city_code(v["patient_division_code"])
        week = iso_week(dt.date.fromisoformat(v["visit_time"][:10]))  # the local date: the offset is +08:00
        counts[(week, city, syndrome_group(v["icd10"]))] += 1
    city_weeks = {(w, c) for w, c, _ in counts}
    city_total = Counter({(w, c): sum(counts[(w, c, g)] for g in GROUPS) for w, c in city_weeks})
    week_total = Counter()
    group_total = Counter()
    for (w, _city, g), n in counts.items():
        week_total[w] += n
        group_total[(w, g)] += n
    out = {}
    for w, c in city_weeks:
        for g in GROUPS:
            n = counts[(w, c, g)]
            others_all = week_total[w] - city_total[(w, c)]
            baseline = round(city_total[(w, c)] * (group_total[(w, g)] - n) / others_all, 2) if others_all else None
            alert = (
                baseline is not None
                and n >= 5
                and n >= 2 * baseline
                and 2 * (math.sqrt(n) - math.sqrt(baseline)) >= 3.5
            )
            out[(w, c, g)] = {"visits": n, "baseline": baseline, "is_alert": alert}
    return out
