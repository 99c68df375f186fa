"""`lakehouse doctor` is green on a set-up machine and names what is missing on a bare one."""

from __future__ import annotations

from pipelines.doctor import run_checks


def test_green_when_set_up(settings, capsys) -> None:
    assert run_checks(settings) == 0
    out = capsys.readouterr().out
    assert "all good" in out and "FAIL" not in out
    assert "test-only-pii-key" not in out  # the key's value is never printed


def test_names_missing_jars_and_key_and_how_to_fix(settings, tmp_path, capsys) -> None:
    bare = settings.with_overrides(jars_dir=str(tmp_path / "no-jars"), pii_key="", pii_key_file=str(tmp_path / "none"))
    assert run_checks(bare) == 1
    out = capsys.readouterr().out
    assert "FAIL  jar delta-spark_4.2_2.13" in out and "run `make jars`" in out
    assert "FAIL  PII key" in out and "LAKEHOUSE_PII_KEY" in out
