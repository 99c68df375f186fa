"""The settings object: defaults, environment, settings file, secrets kept out of repr."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.settings import PROJECT_ROOT, Settings, load_settings


def test_embedded_defaults_are_a_laptop() -> None:
    settings = load_settings(env={})
    assert settings.spark_master == "local[*]"
    assert settings.lake_root == str(PROJECT_ROOT / "data" / "lake")
    assert settings.landing_root == str(PROJECT_ROOT / "data" / "landing")
    assert settings.airflow_home == str(PROJECT_ROOT / ".airflow")


def test_environment_overrides_file_overrides_defaults(tmp_path: Path) -> None:
    file = tmp_path / "cluster.toml"
    file.write_text(
        'spark_master = "spark://10.0.0.1:7077"\nlake_root = "s3://lake/x"\nspark_shuffle_partitions = 400\n'
    )
    settings = load_settings(env={"LAKEHOUSE_SETTINGS_FILE": str(file), "LAKEHOUSE_LAKE_ROOT": "s3://other/y"})
    assert settings.spark_master == "spark://10.0.0.1:7077"
    assert settings.lake_root == "s3://other/y"
    assert settings.spark_shuffle_partitions == 400


def test_unknown_key_in_file_is_an_error(tmp_path: Path) -> None:
    file = tmp_path / "bad.toml"
    file.write_text('spark_mastr = "local[2]"\n')
    with pytest.raises(ValueError, match="spark_mastr"):
        load_settings(env={"LAKEHOUSE_SETTINGS_FILE": str(file)})


def test_secrets_never_appear_in_repr() -> None:
    settings = load_settings(
        env={
            "LAKEHOUSE_PII_KEY": "s3cr3t-key",
            "LAKEHOUSE_S3_SECRET_KEY": "aws-s3cr3t",
            "LAKEHOUSE_ALERT_WEBHOOK_URL": "https://chat.invalid/hooks/t0ken",
        }
    )
    text = repr(settings)
    assert "s3cr3t-key" not in text and "aws-s3cr3t" not in text and "t0ken" not in text
    assert "pii_key='***'" in text


def test_pii_secret_from_file_or_error(tmp_path: Path) -> None:
    key_file = tmp_path / "pii.key"
    settings = Settings(pii_key_file=str(key_file))
    with pytest.raises(RuntimeError, match="LAKEHOUSE_PII_KEY"):
        settings.pii_secret()
    key_file.write_text("abc123\n")
    assert settings.pii_secret() == "abc123"
