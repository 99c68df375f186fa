"""Feed contracts as data, installed as the package `pipelines.contracts` (read with importlib.resources)."""
