"""`lakehouse doctor`: is this machine set up, and if not, what to do about it."""

from __future__ import annotations

import importlib.metadata as md
import shutil
import subprocess
import sys
from pathlib import Path

from pipelines.settings import PROJECT_ROOT, Settings

PINS = {
    "pyspark": "4.2.0",
    "delta-spark": "4.4.0",
    "apache-airflow": "3.3.2",
    "great-expectations": "1.24.1",
    "deltalake": "1.6.6",
}
JARS = ("delta-spark_4.2_2.13-", "delta-storage-", "hadoop-aws-3.5.0", "bundle-")


def _java() -> tuple[bool, str]:
    java = shutil.which("java")
    if not java:
        return False, "java not found: install a JDK 17 (apt-get install openjdk-17-jdk-headless)"
    out = subprocess.run([java, "-version"], capture_output=True, text=True).stderr.splitlines()
    return (any('"17' in line or '"21' in line for line in out[:1]), out[0] if out else "java: no version")


def checks(settings: Settings) -> list[tuple[str, bool, str]]:
    """(name, ok, detail or fix) for every prerequisite."""
    found: list[tuple[str, bool, str]] = []
    ok, detail = _java()
    found.append(("java 17+", ok, detail))
    found.append(("python 3.11", sys.version_info[:2] == (3, 11), sys.version.split()[0]))
    for package, pin in PINS.items():
        try:
            have = md.version(package)
            found.append(
                (package, have == pin, f"{have}" + ("" if have == pin else f" (pinned {pin}: run `make setup`)"))
            )
        except md.PackageNotFoundError:
            found.append((package, False, f"not installed: run `make setup` (pinned {pin})"))
    jars = [p.name for p in Path(settings.jars_dir).glob("*.jar")]
    for prefix in JARS:
        hit = next((j for j in jars if j.startswith(prefix)), None)
        found.append(
            (f"jar {prefix.rstrip('-')}", hit is not None, hit or f"missing in {settings.jars_dir}: run `make jars`")
        )
    found.append(
        ("mvn", shutil.which("mvn") is not None, shutil.which("mvn") or "needed by `make jars`: apt-get install maven")
    )
    try:
        settings.pii_secret()
        found.append(("PII key", True, "configured (value not shown)"))
    except RuntimeError as err:
        found.append(("PII key", False, str(err)))
    local_lake = not settings.lake_root.startswith("s3")
    if local_lake:
        parent = Path(settings.lake_root).parent
        found.append(("lake root writable", parent.exists() or parent.parent.exists(), settings.lake_root))
    if settings.s3_endpoint or not local_lake:
        found.append(
            (
                "object store credentials",
                bool(settings.s3_access_key and settings.s3_secret_key),
                settings.s3_endpoint or "LAKEHOUSE_S3_ENDPOINT not set",
            )
        )
    return found


def spark_check(settings: Settings) -> tuple[str, bool, str]:
    """Start a session and round-trip a Delta table in a scratch folder."""
    import tempfile

    from pipelines.io import delta
    from pipelines.spark import get_session, stop_session

    try:
        spark = get_session(settings, "lakehouse-doctor")
        with tempfile.TemporaryDirectory() as tmp:
            n = delta.round_trip(spark, tmp + "/t", rows=3)
        stop_session()
        return ("spark + delta", n == 3, f"{spark.version}, Delta round trip of {n} rows")
    except Exception as err:  # the point is to report it
        return ("spark + delta", False, f"{type(err).__name__}: {err}")


def run_checks(settings: Settings, with_spark: bool = False) -> int:
    """Print every check with OK/MISSING and return 0 when all pass."""
    results = checks(settings)
    if with_spark and all(ok for _, ok, _ in results):
        results.append(spark_check(settings))
    width = max(len(n) for n, _, _ in results)
    for name, ok, detail in results:
        print(f"{'OK  ' if ok else 'FAIL'}  {name.ljust(width)}  {detail}")
    print(f"\nproject: {PROJECT_ROOT}\n{settings!r}")
    failed = [n for n, ok, _ in results if not ok]
    print("\nall good" if not failed else f"\n{len(failed)} problem(s): {', '.join(failed)}")
    return 0 if not failed else 1
