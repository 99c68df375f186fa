#!/usr/bin/env bash
# Regenerates requirements.lock from pyproject.toml: a clean venv, the project with its dev
# and sail extras resolved by pip under Airflow's constraints, then `pip freeze`.
#
#   infra/python/lock.sh                              Airflow's published constraints for its
#                                                     version and this Python (needs the network)
#   AIRFLOW_CONSTRAINTS=path/or/url infra/python/lock.sh   a constraints file of your own
#
# Airflow's constraints pin its transitive dependencies to a set Airflow was tested with; a
# project pin that conflicts with them fails the resolution here, not at run time.
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON="${PYTHON:-python3.11}"
airflow_version=$(sed -nE 's/.*"apache-airflow==([0-9.]+)".*/\1/p' pyproject.toml | head -n 1)
py_version=$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
constraints="${AIRFLOW_CONSTRAINTS:-https://raw.githubusercontent.com/apache/airflow/constraints-${airflow_version}/constraints-${py_version}.txt}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [[ "$constraints" == http* ]]; then
    curl -fsSL "$constraints" -o "$work/constraints.txt" || {
        echo "cannot download Airflow's constraints ($constraints); pass AIRFLOW_CONSTRAINTS=<file>" >&2; exit 1; }
else
    cp "$constraints" "$work/constraints.txt"
fi
# The project's own pins win over Airflow's where both name a package (e.g. duckdb for its delta extension).
own=$(sed -nE 's/^ *"([A-Za-z0-9_.-]+)==.*/\1/p' pyproject.toml | tr 'A-Z_' 'a-z-')
grep -viE "^($(echo "$own" | paste -sd'|'))==" "$work/constraints.txt" > "$work/constraints.filtered.txt" || true
"$PYTHON" -m venv "$work/venv"
"$work/venv/bin/pip" install -q --upgrade pip
"$work/venv/bin/pip" install -q -c "$work/constraints.filtered.txt" ".[dev,sail]"
"$work/venv/bin/pip" freeze --exclude-editable | grep -v '^lakehouse' > requirements.lock
echo "requirements.lock: $(wc -l < requirements.lock) packages (Airflow $airflow_version constraints, Python $py_version)"
