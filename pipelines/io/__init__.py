"""IO: the only place that knows paths, object stores, manifests and Delta writes."""
