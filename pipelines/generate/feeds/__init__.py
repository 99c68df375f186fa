"""One module per sector; each exposes its feeds as `Feed` objects (see `base`)."""
