"""The `lakehouse` command: arguments, generating deliveries, the recorded summary (read without
Spark) and a clear refusal of an unknown feed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import write_deltalake

from pipelines import cli


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("", None), ("tax", ["tax"]), (" tax, energy ,", ["tax", "energy"])],
)
def test_sectors_argument(value, expected) -> None:
    assert cli._sectors(value) == expected


def test_generate_needs_a_date(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.parser().parse_args(["generate"])
    assert exit_.value.code == 2 and "--date" in capsys.readouterr().err


def test_lake_and_landing_arguments_override_the_settings(tmp_path: Path) -> None:
    args = cli.parser().parse_args(["run", "--date", "2026-11-02", "--lake", str(tmp_path / "lake")])
    settings = cli._settings(args)
    assert settings.lake_root == str(tmp_path / "lake")
    assert settings.landing_root == cli.load_settings().landing_root  # not given: from the settings


def test_generate_writes_deliveries_and_prints_the_report(tmp_path: Path, capsys) -> None:
    argv = ["generate", "--landing", str(tmp_path), "--date", "2026-11-12", "--scale", "0.02", "--sectors", "tax"]
    assert cli.main([*argv, "--quiet", "--delivery-defect", "tax/returns:missing_manifest"]) == 0
    delivered = tmp_path / "tax" / "returns" / "dt=2026-11-12"
    assert list(delivered.glob("part-*.csv")) and not (delivered / "_manifest.json").exists()
    assert "tax/returns" in capsys.readouterr().out


def _metrics(lake: Path) -> None:
    """Two recorded runs of one date in `ops.run_metrics`, the second one later; silver after bronze."""
    rows = [
        {
            "run_id": run,
            "table": table,
            "dt": "2026-11-02",
            "status": "ok",
            "rows_in": n,
            "promoted": n,
            "quarantined": 0,
            "duplicates": 0,
            "gate": "passed 4/4",
            "version": v,
            "seconds": 1.0,
            "recorded_at": dt.datetime(2026, 11, 3, hour, minute),
        }
        for run, hour, v in (("early", 1, 0), ("late", 2, 1))
        for minute, (table, n) in enumerate((("bronze.tax_returns", 10 * (v + 1)), ("silver.tax_returns", 9 * (v + 1))))
    ]
    write_deltalake(str(lake / "ops" / "run_metrics"), pa.Table.from_pylist(rows))


@pytest.mark.parametrize(
    ("selection", "run_rows"),
    [([], ("20", "18")), (["--dt", "2026-11-02"], ("20", "18")), (["--run-id", "early"], ("10", "9"))],
    ids=["latest-run", "latest-run-of-the-date", "named-run"],
)
def test_summary_prints_the_rows_of_one_run(tmp_path: Path, capsys, selection, run_rows) -> None:
    _metrics(tmp_path)
    assert cli.main(["summary", "--lake", str(tmp_path), *selection]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[2:4]] == ["bronze.tax_returns", "silver.tax_returns"]
    assert tuple(line.split()[3] for line in lines[2:4]) == run_rows
    assert not lines[4].strip()  # nothing of the other run


def test_summary_of_a_date_without_runs_fails(tmp_path: Path, capsys) -> None:
    _metrics(tmp_path)
    assert cli.main(["summary", "--lake", str(tmp_path), "--dt", "2026-11-09"]) == 1


def test_replay_of_an_unknown_feed_names_the_feeds(capsys) -> None:
    assert cli.main(["replay", "--feed", "energy/meter"]) == 2
    assert "unknown feed energy/meter; feeds of energy: ['meters', 'readings']" in capsys.readouterr().err


def test_backfill_of_an_unknown_table_names_the_silver_tables(capsys) -> None:
    argv = ["backfill-column", "--table", "gold.tax_revenue_monthly", "--column", "x", "--from", "D", "--to", "D"]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "unknown silver table gold.tax_revenue_monthly" in err and "silver.tax_returns" in err


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["generate", "--date", "2026-11-02"], cli.cmd_generate),
        (["run", "--date", "2026-11-02"], cli.cmd_run),
        (["summary"], cli.cmd_summary),
        (["replay", "--feed", "tax/returns"], cli.cmd_replay),
        (["doctor"], cli.cmd_doctor),
        (
            ["backfill-column", "--table", "silver.tax_returns", "--column", "remark", "--from", "D", "--to", "D"],
            cli.cmd_backfill_column,
        ),
    ],
    ids=lambda v: v[0] if isinstance(v, list) else "",
)
def test_each_command_runs_its_function(argv: list[str], command) -> None:
    assert cli.parser().parse_args(argv).func is command
