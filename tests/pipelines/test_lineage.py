"""OpenLineage events of the steps: the tax sector run in-process writes START and COMPLETE per step
with the specs' datasets and column lineage; a failing gate writes FAIL; the HTTP transport reaches a
real local server; `lakehouse lineage` prints a table's upstream from the recorded events."""

from __future__ import annotations

import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from pipelines import cli, lineage, registry
from pipelines.core.plan import plan
from pipelines.core.runner import execute, run_sector
from pipelines.core.steps import RunContext
from pipelines.generate.api import generate
from pipelines.io.lake import Lake
from pipelines.io.refs import TableRef
from pipelines.quality import gate

TAX = registry.SECTORS["tax"]
DT = "2026-11-02"


def _events(settings) -> list[dict]:
    return list(lineage.read_events(lineage.events_file(settings)))


def _by_job(events: list[dict], kind: str) -> dict[str, dict]:
    return {e["job"]["name"]: e for e in events if e["eventType"] == kind}


def _symlink(dataset: dict) -> str:
    return dataset["facets"]["symlinks"]["identifiers"][0]["name"]


@pytest.fixture(scope="module")
def tax_run(spark, settings, tmp_path_factory):
    """One generated day of tax deliveries run through the sector in-process (file transport)."""
    root = tmp_path_factory.mktemp("lineage")
    run_settings = settings.with_overrides(
        landing_root=str(root / "landing"), lake_root=str(root / "lake"), docs_dir=str(root / "docs")
    )
    generate(run_settings.landing_root, date(2026, 11, 2), days=1, scale=0.1, seed=3, sectors=["tax"])
    results = list(run_sector(Lake(spark, run_settings), TAX, RunContext("lineage-1", DT, dag_id="cli")))
    return run_settings, results


def test_every_step_emits_start_then_complete_in_one_run(tax_run) -> None:
    settings, results = tax_run
    events = _events(settings)
    jobs = [lineage.job_name(TAX, step) for step in plan(TAX)]
    assert [r.status for r in results] == ["ok", "ok", "ok"]
    for job in jobs:
        mine = [e for e in events if e["job"]["name"] == job]
        assert [e["eventType"] for e in mine] == ["START", "COMPLETE"], job
        assert mine[0]["run"]["runId"] == mine[1]["run"]["runId"]
        assert mine[1]["run"]["facets"]["parent"]["job"]["name"] == "tax"
    assert {e["job"]["namespace"] for e in events} == {lineage.NAMESPACE}


def test_bronze_reads_the_delivered_files_column_by_column(tax_run) -> None:
    settings, _ = tax_run
    bronze = _by_job(_events(settings), "COMPLETE")["tax.bronze__tax_returns"]
    manifest = json.loads((Path(settings.landing_root) / "tax/returns" / f"dt={DT}" / "_manifest.json").read_text())
    delivered = {
        str((Path(settings.landing_root) / "tax/returns" / f"dt={DT}" / f["name"]).resolve()) for f in manifest["files"]
    }
    assert {i["name"] for i in bronze["inputs"]} == delivered
    assert {i["namespace"] for i in bronze["inputs"]} == {"file"}
    assert {_symlink(i) for i in bronze["inputs"]} == {"landing/tax/returns"}
    [out] = bronze["outputs"]
    assert _symlink(out) == "bronze.tax_returns"
    assert out["name"] == str(Path(settings.lake_root, "bronze", "tax_returns").resolve())
    taxpayer = out["facets"]["columnLineage"]["fields"]["taxpayer_id"]["inputFields"]
    assert {(i["name"], i["field"]) for i in taxpayer} == {(f, "纳税人识别号") for f in delivered}
    assert out["outputFacets"]["outputStatistics"]["rowCount"] == tax_run[1][0].promoted


def test_silver_writes_silver_and_quarantine_with_contract_columns(tax_run) -> None:
    settings, results = tax_run
    silver = _by_job(_events(settings), "COMPLETE")["tax.silver__tax_returns"]
    assert [_symlink(i) for i in silver["inputs"]] == ["bronze.tax_returns"]
    assert [_symlink(o) for o in silver["outputs"]] == ["silver.tax_returns", "quarantine.tax_returns"]
    fields = silver["outputs"][0]["facets"]["columnLineage"]["fields"]
    due = fields["tax_due_cny"]["inputFields"][0]
    assert (due["field"], due["transformations"][0]["subtype"]) == ("tax_due_cny", "TRANSFORMATION")
    assert fields["declaration_id"]["inputFields"][0]["transformations"][0]["subtype"] == "IDENTITY"
    assert silver["outputs"][0]["facets"]["version"]["datasetVersion"] == str(results[1].version)
    assert "reasons" in silver["outputs"][1]["facets"]["columnLineage"]["fields"]


def test_gold_columns_map_to_same_named_source_columns(tax_run) -> None:
    settings, _ = tax_run
    gold = _by_job(_events(settings), "COMPLETE")["tax.gold__tax_revenue_monthly"]
    assert [_symlink(i) for i in gold["inputs"]] == ["silver.tax_returns"]
    fields = gold["outputs"][0]["facets"]["columnLineage"]["fields"]
    assert [(i["field"]) for i in fields["tax_period"]["inputFields"]] == ["tax_period"]
    assert "returns" not in fields  # a count: no same-named source column, no claim
    schema = {f["name"] for f in gold["outputs"][0]["facets"]["schema"]["fields"]}
    assert {"tax_period", "city_code", "tax_due_cny"} <= schema


def test_personal_data_is_marked_masked_by_tokenization() -> None:
    class NoTables:  # the datasets of a step, before any table exists (no Spark needed)
        settings = None

        def uri(self, ref: TableRef) -> str:
            return f"/lake/{ref.layer}/{ref.name}"

        def read(self, ref: TableRef) -> None:
            raise FileNotFoundError(ref)

    transport = registry.SECTORS["transport"]
    [_], [silver, _] = lineage.silver_datasets(NoTables(), transport, "transport_etc_passages")  # type: ignore[arg-type]
    pii = [c.name for c in transport.silver_table("transport_etc_passages").feed.contract.columns if c.pii]
    assert pii
    lineage_fields = lineage._facets(silver)["columnLineage"].fields
    for column in pii:
        [(_, field, subtype, description)] = silver.columns[column]
        assert (field, subtype) == (column, lineage.MASKED) and "HMAC" in description
        [emitted] = lineage_fields[column].inputFields[0].transformations
        assert (emitted.type, emitted.subtype, emitted.masking) == ("DIRECT", "TRANSFORMATION", True)


class _TaskInstance:
    dag_id, task_id, try_number = "tax", "gold__tax_revenue_monthly", 1

    def xcom_push(self, key: str, value: object) -> None:
        pass


def test_an_airflow_task_emits_the_same_events_as_the_command(tax_run, monkeypatch) -> None:
    from pipelines.orchestration import tasks

    settings, _ = tax_run
    for name in ("landing_root", "lake_root", "docs_dir", "pii_key", "lineage_url"):
        monkeypatch.setenv(f"LAKEHOUSE_{name.upper()}", str(getattr(settings, name)))
    job = "tax.gold__tax_revenue_monthly"
    by_cli = _by_job(_events(settings), "COMPLETE")[job]
    tasks.run_step(
        "tax", "gold", "tax_revenue_monthly", run_id="scheduled__2026-11-02", logical_date=DT, ti=_TaskInstance()
    )
    start, complete = [e for e in _events(settings) if e["job"]["name"] == job][-2:]
    assert (start["eventType"], complete["eventType"]) == ("START", "COMPLETE")
    assert complete["run"]["facets"]["parent"]["run"]["runId"] == lineage._uuid("tax", "scheduled__2026-11-02")
    for side in ("inputs", "outputs"):
        assert [(d["namespace"], d["name"]) for d in complete[side]] == [
            (d["namespace"], d["name"]) for d in by_cli[side]
        ]
    assert complete["outputs"][0]["facets"]["columnLineage"] == by_cli["outputs"][0]["facets"]["columnLineage"]


def test_a_failing_gate_emits_fail_with_the_error(spark, tax_run, blocking_tax_suite) -> None:
    settings, _ = tax_run
    step = next(s for s in plan(TAX) if s.layer == "silver")
    with pytest.raises(gate.GateFailed):
        execute(Lake(spark, settings), TAX, step, RunContext("lineage-gate", DT))
    last = [e for e in _events(settings) if e["job"]["name"] == "tax.silver__tax_returns"][-2:]
    assert [e["eventType"] for e in last] == ["START", "FAIL"]
    assert "GateFailed" in last[1]["run"]["facets"]["errorMessage"]["message"]
    assert [_symlink(o) for o in last[1]["outputs"]] == ["silver.tax_returns", "quarantine.tax_returns"]


class _Collector(BaseHTTPRequestHandler):
    received: list[tuple[str, dict]] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Collector.received.append((self.path, json.loads(body)))
        self.send_response(201)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_http_transport_posts_the_events_to_a_real_server(spark, tax_run) -> None:
    settings, _ = tax_run
    server = HTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        http_settings = settings.with_overrides(lineage_url=url)
        assert lineage.transport_config(http_settings)["type"] == "http"
        step = next(s for s in plan(TAX) if s.layer == "gold")
        execute(Lake(spark, http_settings), TAX, step, RunContext("lineage-http", DT))
    finally:
        server.shutdown()
        server.server_close()
    assert [(p, e["eventType"], e["job"]["name"]) for p, e in _Collector.received] == [
        ("/api/v1/lineage", "START", "tax.gold__tax_revenue_monthly"),
        ("/api/v1/lineage", "COMPLETE", "tax.gold__tax_revenue_monthly"),
    ]


def test_lineage_command_prints_the_upstream_tables(tax_run, monkeypatch, capsys) -> None:
    settings, _ = tax_run
    monkeypatch.setenv("LAKEHOUSE_DOCS_DIR", settings.docs_dir)
    monkeypatch.setenv("LAKEHOUSE_LINEAGE_URL", "")
    assert cli.main(["lineage", "gold.tax_revenue_monthly"]) == 0
    out = capsys.readouterr().out
    upstream = out.split("upstream:")[1].split("downstream:")[0]
    assert "silver.tax_returns" in upstream and "via tax.gold__tax_revenue_monthly" in upstream
    assert "bronze.tax_returns" in upstream and "via tax.silver__tax_returns" in upstream
    assert "landing/tax/returns" in upstream


def _complete(job: str, inputs: list[str], outputs: list[str], at: str = "2026-11-02T00:00:00Z") -> dict:
    def ds(name: str) -> dict:
        return {
            "namespace": "file",
            "name": f"/{name}",
            "facets": {"symlinks": {"identifiers": [{"namespace": "lakehouse", "name": name, "type": "TABLE"}]}},
        }

    return {
        "eventType": "COMPLETE",
        "eventTime": at,
        "job": {"namespace": "lakehouse", "name": job},
        "inputs": [ds(i) for i in inputs],
        "outputs": [ds(o) for o in outputs],
    }


def test_graph_walks_transitively_and_keeps_each_jobs_latest_run() -> None:
    events = [
        _complete("tax.silver__tax_returns", ["bronze.tax_returns"], ["silver.tax_returns", "quarantine.tax_returns"]),
        _complete(
            "tax.gold__tax_revenue_monthly", ["silver.old_name"], ["gold.tax_revenue_monthly"], "2026-11-01T00:00:00Z"
        ),
        _complete("tax.gold__tax_revenue_monthly", ["silver.tax_returns"], ["gold.tax_revenue_monthly"]),
        _complete(
            "enterprise.gold__enterprise_360",
            ["silver.tax_returns", "gold.credit_enterprise_profile"],
            ["gold.enterprise_360"],
        ),
    ]
    graph = lineage.graph_of(events)
    assert [(h.depth, h.table, h.job) for h in graph.upstream("gold.tax_revenue_monthly")] == [
        (1, "silver.tax_returns", "tax.gold__tax_revenue_monthly"),
        (2, "bronze.tax_returns", "tax.silver__tax_returns"),
    ]
    assert {h.table for h in graph.downstream("bronze.tax_returns")} == {
        "silver.tax_returns",
        "quarantine.tax_returns",
        "gold.tax_revenue_monthly",
        "gold.enterprise_360",
    }
    assert "silver.old_name" not in graph.tables()


@pytest.mark.parametrize(
    ("url", "kind"),
    [("", "file"), ("console", "console"), ("http://127.0.0.1:5000", "http"), ("https://ol.example/api/v2/x", "http")],
)
def test_transport_follows_the_lineage_url_setting(settings, url: str, kind: str) -> None:
    config = lineage.transport_config(settings.with_overrides(lineage_url=url))
    assert config["type"] == kind
    if url.startswith("https"):
        assert (config["url"], config["endpoint"]) == ("https://ol.example", "api/v2/x")
    if kind == "file":
        assert config["log_file_path"].endswith("lineage/events.jsonl") and config["append"]


def test_an_unknown_lineage_url_is_refused(settings) -> None:
    with pytest.raises(ValueError, match="lineage_url"):
        lineage.transport_config(settings.with_overrides(lineage_url="kafka://x"))
