"""Quality suites per layer, installed as the package `pipelines.suites` (read with importlib.resources)."""
