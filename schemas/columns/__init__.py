"""Column descriptions (en, zh) of published tables, installed as the package `pipelines.columns`."""
