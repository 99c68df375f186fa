"""Quality gates: Great Expectations suites per layer and table, with block/warn policies."""
