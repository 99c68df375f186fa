"""Daily shapes of electricity use and of traffic, as 96 (15-minute) or 288 (5-minute) slot factors.

Each curve is normalised to a mean of 1, so `average kW x curve[slot]` keeps the
meter's daily energy while giving it the right shape.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from pipelines.generate.calendar import to_date, weekday


def bumps(slots: int, base: float, bumps: tuple[tuple[float, float, float], ...]) -> np.ndarray:
    """A curve over a day: a base level plus Gaussian bumps (hour, width in hours, height)."""
    hours = (np.arange(slots) + 0.5) * 24.0 / slots
    curve = np.full(slots, base)
    for centre, width, height in bumps:
        curve += height * np.exp(-0.5 * ((hours - centre) / width) ** 2)
    return curve / curve.mean()


LOAD_CURVES = {
    "residential": bumps(96, 0.35, ((7.5, 1.0, 0.5), (12.0, 1.2, 0.3), (20.0, 1.8, 1.1))),
    "commercial": bumps(96, 0.25, ((11.0, 2.5, 1.0), (15.0, 2.5, 0.9), (19.5, 2.0, 0.8))),
    "industrial": bumps(96, 0.75, ((10.0, 2.0, 0.45), (15.0, 2.0, 0.45))),
    "agricultural": bumps(96, 0.2, ((9.0, 2.0, 0.8), (16.0, 2.0, 0.8))),
}
# Weekend factor by customer type (industry rests, households are home).
WEEKEND = {"residential": 1.08, "commercial": 1.05, "industrial": 0.80, "agricultural": 1.0}
# Month factor (Jan..Dec): cooling in summer, heating in winter.
SEASON = {
    "residential": np.array([1.25, 1.15, 0.95, 0.85, 0.9, 1.05, 1.35, 1.4, 1.05, 0.85, 0.95, 1.15]),
    "commercial": np.array([1.15, 1.0, 0.95, 0.9, 0.95, 1.05, 1.3, 1.3, 1.05, 0.9, 0.95, 1.1]),
    "industrial": np.array([0.95, 0.8, 1.0, 1.0, 1.0, 1.05, 1.1, 1.1, 1.05, 1.0, 1.0, 1.0]),
    "agricultural": np.array([0.5, 0.5, 0.8, 1.0, 1.2, 1.4, 1.6, 1.5, 1.1, 0.8, 0.6, 0.5]),
}
# Traffic by 5-minute slot: night trucks, morning and evening rush hours.
TRAFFIC_288 = bumps(288, 0.25, ((8.0, 1.0, 1.3), (12.5, 2.5, 0.5), (17.8, 1.2, 1.4), (3.0, 2.0, 0.15)))


def day_factor(customer_type: str, day: int) -> float:
    """Weekday/weekend and month factor for a customer type on a day number."""
    month = to_date(day).month
    weekend = int(weekday(day)) >= 5
    return float(SEASON[customer_type][month - 1] * (WEEKEND[customer_type] if weekend else 1.0))


def traffic_day_factor(day: dt.date) -> float:
    """Highway traffic level of a day: more on Fridays and Sundays, less on Saturdays."""
    return {4: 1.15, 5: 0.95, 6: 1.1}.get(day.weekday(), 1.0)
