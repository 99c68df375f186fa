"""The provincial lakehouse: declarative bronze/silver/gold pipelines on Spark + Delta."""

__version__ = "0.1.0"
