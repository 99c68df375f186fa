"""The Data Docs store backend that writes every page offline-ready (see `pipelines.quality.docs`).

GX builds the site through `HtmlSiteStore`, which writes each page (index, validation
result, suite) and each static file through a `TupleFilesystemStoreBackend`. The site of
our GX project names this subclass instead, so every HTML page is localized on its way to
disk, whichever GX code path rendered it (our single-pass gate, a checkpoint's
`UpdateDataDocsAction`, or a full `build_data_docs()`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from great_expectations.data_context.store import TupleFilesystemStoreBackend

from pipelines.quality.docs import localize_page


class OfflineSiteBackend(TupleFilesystemStoreBackend):
    """A filesystem backend for the Data Docs site that points HTML pages at vendored assets."""

    def _set(self, key: Any, value: Any, **kwargs: Any) -> Any:
        tuple_key = key if isinstance(key, tuple) else key.to_tuple()
        relative = self._convert_key_to_filepath(tuple_key)
        if isinstance(value, str) and relative.endswith(".html"):
            site = Path(self.full_base_directory)
            value = localize_page(site, site / relative, value)
        return super()._set(tuple_key, value, **kwargs)
