"""Synthetic data generator for the landing zone (see docs/generator.md).

Public interface: `generate(...)` and its `GenerationReport`.
"""

from pipelines.generate.api import generate
from pipelines.generate.report import GenerationReport

__all__ = ["GenerationReport", "generate"]
