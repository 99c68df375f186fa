"""A step task's links: to its Data Docs and its table's page of the data-sharing directory."""

from __future__ import annotations

from pipelines.orchestration.links import DirectoryLink, directory_page, step_doc_md, step_links
from pipelines.settings import Settings


def test_links_are_file_uris_unless_the_docs_are_served() -> None:
    local = Settings(docs_dir="/srv/docs")
    assert step_links(local, "gold", "tax_revenue_monthly") == {
        "Data Docs": "file:///srv/docs/gx/uncommitted/data_docs/local_site/index.html",
        "Directory entry": "file:///srv/docs/directory/tables/gold.tax_revenue_monthly.html",
    }
    served = local.with_overrides(docs_base_url="https://lake.example.org/docs/")
    assert step_links(served, "gold", "tax_revenue_monthly")["Directory entry"] == (
        "https://lake.example.org/docs/directory/tables/gold.tax_revenue_monthly.html"
    )
    assert "[Directory entry](https://lake.example.org/docs/directory/tables/gold.tax_revenue_monthly.html)" in (
        step_doc_md(served, "gold", "tax_revenue_monthly")
    )


def test_the_directory_button_of_a_task_opens_its_tables_page(monkeypatch, tmp_path) -> None:
    from pipelines.orchestration.factory import sector_dag

    monkeypatch.setenv("LAKEHOUSE_DOCS_DIR", str(tmp_path))
    task = sector_dag("tax").get_task("silver__tax_returns")
    link = DirectoryLink().get_link(task, ti_key=None)
    assert link == directory_page(str(tmp_path), "silver", "tax_returns").as_uri()
    assert link.endswith("/directory/tables/silver.tax_returns.html")
