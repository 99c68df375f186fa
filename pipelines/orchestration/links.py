"""Links from a step's Airflow task to its Data Docs page and its table's directory entry.

Two operator extra links (buttons on the task instance in the Airflow UI) and the same
links in the task's `doc_md`:

- **Data Docs**: the validation page of this task's gate (the step pushes it as XCom
  `data_docs`, on success and on a failed gate); before that, the Data Docs index.
- **Directory entry**: the table's page of the data-sharing directory, a static site at
  `<docs_dir>/directory/index.html` with `<docs_dir>/directory/tables/<layer>.<table>.html`.

Links are file:// URIs unless setting `docs_base_url` says where `docs_dir` is served
(browsers do not follow file:// links from an http page). In Airflow 3 a link is computed
by the worker when the task ends and kept as an XCom; the UI only reads it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import BaseOperatorLink

from pipelines.quality.docs import docs_url, site_dir
from pipelines.settings import Settings, load_settings

DOCS_XCOM = "data_docs"


def directory_page(docs_dir: str, layer: str, table: str) -> Path:
    """The data-sharing directory's page of `<layer>.<table>`."""
    return Path(docs_dir) / "directory" / "tables" / f"{layer}.{table}.html"


def step_links(settings: Settings, layer: str, table: str) -> dict[str, str]:
    """The links of a step at parse time: Data Docs index and directory entry, by link name."""
    return {
        DataDocsLink.name: docs_url(settings, site_dir(settings.docs_dir) / "index.html"),
        DirectoryLink.name: docs_url(settings, directory_page(settings.docs_dir, layer, table)),
    }


def step_doc_md(settings: Settings, layer: str, table: str) -> str:
    """The task's documentation: what the step does and where to look."""
    links = step_links(settings, layer, table)
    return (
        f"{layer} step of `{layer}.{table}`: read, gate, then write.\n\n"
        + "\n".join(f"- [{name}]({url})" for name, url in links.items())
        + "\n\nThe task's **Data Docs** button opens the validation page of its run."
    )


class DataDocsLink(BaseOperatorLink):
    """The Data Docs page of the task's gate (the index until the gate has run)."""

    name = "Data Docs"

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        """The page the step pushed as XCom `data_docs`, as a link."""
        from airflow.sdk.execution_time.xcom import XCom

        settings = load_settings()
        page = XCom.get_value(ti_key=ti_key, key=DOCS_XCOM)
        return docs_url(settings, page or site_dir(settings.docs_dir) / "index.html")


class DirectoryLink(BaseOperatorLink):
    """The table's entry in the data-sharing directory."""

    name = "Directory entry"

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        """`<docs_dir>/directory/tables/<layer>.<table>.html` of the step's table."""
        settings, kwargs = load_settings(), operator.op_kwargs
        return docs_url(settings, directory_page(settings.docs_dir, kwargs["layer"], kwargs["table"]))


class StepOperator(PythonOperator):
    """A lakehouse step (bronze, silver or gold of one table), with its links in the UI."""

    operator_extra_links = (DataDocsLink(), DirectoryLink())
