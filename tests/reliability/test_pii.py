"""No personal data past bronze: every sector run for a day, then every place an analyst or operator can read is scanned.

Scanned: every non-bronze table (silver, gold, ops), the Data Docs site, and every log of a
real Airflow run of the health DAG (patients' identity numbers, names and phones), plus its
`airflow dags test` output. Quarantine is not scanned: it is the restricted zone that keeps
a rejected row's delivered text so it can be replayed (ADR 0005), like bronze. What is
looked for are the clear values delivered in every `pii: true` column and anything shaped
like an identity number, a mobile number or a plate; the same scan finds them in bronze, so
it is able to find them. The key itself appears nowhere either.

And the key is configuration that the lake holds to: a run without a key, or with a key
that is not the one the lake's tokens were made with, fails before it writes anything.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from deltalake import DeltaTable

from reliability.lakes import tables
from reliability.pii_scan import delivered, in_files, in_tables
from reliability.runs import lakehouse, subprocess_env

pytestmark = [
    pytest.mark.reliability,
    pytest.mark.integration,
    pytest.mark.timeout(3600),
]
DAY = "2026-11-02"


def _shared(lake_root: str) -> list[tuple[str, str]]:
    return [t for t in tables(lake_root) if t[0] not in ("bronze", "quarantine")]


def test_no_personal_data_in_any_shared_table_ops_record_data_docs_page_or_airflow_log(
    day_landing, day_lake, airflow_health
) -> None:
    personal = delivered(day_landing)
    assert len(personal.names) > 50 and len(personal.values) > 50, "the deliveries carry too little personal data"
    lakes = [day_lake.settings, airflow_health.settings]

    # The scan can find what it looks for: bronze holds the delivered rows in clear.
    assert in_tables(
        day_lake.settings, [("bronze", "health_outpatient_visits"), ("bronze", "transport_etc_passages")], personal
    )

    found = []
    for lake in lakes:
        found += in_tables(lake, _shared(lake.lake_root), personal)
        found += in_files((p for p in Path(lake.docs_dir).rglob("*") if p.is_file()), personal)
        found += in_files(Path(lake.docs_dir).parent.glob("alerts*.jsonl"), personal)
    logs = airflow_health.airflow.task_logs()
    assert any("silver__health_outpatient_visits" in str(p) for p in logs), "no Airflow task logs to scan"
    found += in_files([*logs, *airflow_health.airflow.home.glob("dags-test-*.log")], personal)
    found += [f"lakehouse run output: {hit}" for hit in personal.found_in(day_lake.run.output)]
    assert found == [], f"{len(found)} personal values found, e.g. {found[:10]}"

    key = day_lake.settings.pii_key
    for lake in lakes:
        assert not [p for p in Path(lake.docs_dir).rglob("*") if p.is_file() and key.encode() in p.read_bytes()]
    assert not [p for p in logs if key.encode() in p.read_bytes()]
    assert key not in day_lake.run.output


def _versions(lake_root: str) -> dict[tuple[str, str], int]:
    return {t: DeltaTable(str(Path(lake_root, *t))).version() for t in tables(lake_root)}


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", "No PII key: set LAKEHOUSE_PII_KEY"),
        ("not-the-lake-key", "PII key mismatch: the configured key (fingerprint"),
    ],
    ids=["missing", "wrong"],
)
def test_a_missing_or_wrong_key_fails_the_run_before_anything_is_written(tmp_path, day_lake, key, message) -> None:
    lake = day_lake.settings
    before = _versions(lake.lake_root)
    env = subprocess_env(lake, LAKEHOUSE_PII_KEY=key, LAKEHOUSE_PII_KEY_FILE=str(tmp_path / "no.key"))
    run = lakehouse(["run", "--date", DAY, "--sectors", "health"], env, tmp_path / "run.log", real=True)
    assert run.returncode == 1
    assert message in run.output and "Nothing was written" in run.output
    assert _versions(lake.lake_root) == before
