"""All feeds in canonical order (sector by sector)."""

from __future__ import annotations

from pipelines.generate.feeds import credit, energy, health, tax, transport
from pipelines.generate.feeds.base import Feed

SECTORS = ("credit", "tax", "energy", "transport", "health")
FEEDS: tuple[Feed, ...] = credit.FEEDS + tax.FEEDS + energy.FEEDS + transport.FEEDS + health.FEEDS
