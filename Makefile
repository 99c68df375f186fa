# The lakehouse's commands. `make help` lists them. Everything a fresh machine needs is
# installed by these targets (venv from requirements.lock, JVM jars from infra/jvm/pom.xml).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
JARS := .jars
export AIRFLOW_HOME ?= $(CURDIR)/.airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__UNIT_TEST_MODE := False
export GX_ANALYTICS_ENABLED := false
export PYTHONWARNINGS := ignore::DeprecationWarning
RUN_DATE ?= 2026-11-01
RUN_SCALE ?= 1
RUN_SECTORS ?= tax

.PHONY: help setup browser jars run run-cli test test-slow test-reliability test-all lint lock doctor up down status e2e bench-gates bench-framework bench-redelivery bench-generate bench-maintenance bench-reliability notebooks clean

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(BIN)/.installed: requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (Python 3.11)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@

$(JARS)/.resolved: infra/jvm/pom.xml
	@command -v mvn >/dev/null || { echo "need maven: apt-get install -y maven"; exit 1; }
	rm -rf $(JARS) && mkdir -p $(JARS)
	cd infra/jvm && mvn -q -B dependency:copy-dependencies -DoutputDirectory=$(CURDIR)/$(JARS) -DincludeScope=runtime
	touch $@

.secrets/pii.key:
	mkdir -p .secrets && chmod 700 .secrets
	$(PYTHON) -c "import secrets; print(secrets.token_hex(32))" > $@ && chmod 600 $@

$(AIRFLOW_HOME)/.migrated: $(BIN)/.installed
	mkdir -p $(AIRFLOW_HOME)
	$(BIN)/airflow db migrate > $(AIRFLOW_HOME)/migrate.log 2>&1 || { tail -20 $(AIRFLOW_HOME)/migrate.log; exit 1; }
	touch $@

setup: $(BIN)/.installed $(JARS)/.resolved .secrets/pii.key ## install venv, jars and a local PII key (seconds when done)

jars: $(JARS)/.resolved ## resolve the JVM jars (Delta, S3A) into .jars/

run: setup $(AIRFLOW_HOME)/.migrated ## generate a small delivery and run the tax DAG through Airflow, then print the summary
	$(BIN)/lakehouse generate --date $(RUN_DATE) --scale $(RUN_SCALE) --sectors $(RUN_SECTORS) --quiet
	$(BIN)/airflow dags test $(RUN_SECTORS) $(RUN_DATE) > data/airflow-dags-test.log 2>&1 \
	  || { grep -E "ERROR|Failed|failed|Error" data/airflow-dags-test.log | tail -20; exit 1; }
	@grep -oE "(bronze|silver|gold) [a-z_0-9]+\.[a-z_0-9]+ dt=[^[]*" data/airflow-dags-test.log || true
	$(BIN)/lakehouse summary --dt $(RUN_DATE)

run-cli: setup ## the same run in-process, without Airflow: lakehouse run
	$(BIN)/lakehouse generate --date $(RUN_DATE) --scale $(RUN_SCALE) --sectors $(RUN_SECTORS) --quiet
	$(BIN)/lakehouse run --date $(RUN_DATE) --sectors $(RUN_SECTORS)

browser: ## Debian's chromium + chromedriver for the browser tests (Data Docs, directory)
	@test -x /usr/bin/chromium -a -x /usr/bin/chromedriver || infra/local/install.sh --browser-only

test: setup browser ## unit, contract, DAG-integrity, browser and integration tests on local Spark
	$(BIN)/python -m pytest -q

test-slow: setup ## the slow tests only (per-sector integration runs, scale-1 generation)
	$(BIN)/python -m pytest -q -m "slow and not e2e"

test-reliability: setup ## the reliability tests: re-deliveries, crashes, concurrent runs, hostile bytes, PII scans
	$(BIN)/python -m pytest -q -m "reliability and not e2e"

test-all: setup browser ## every test but the service-stack ones
	$(BIN)/python -m pytest -q -m "not e2e"

lint: $(BIN)/.installed ## ruff check, ruff format --check, mypy on the package (what CI and pre-commit run)
	$(BIN)/ruff check pipelines dags tests benchmarks notebooks infra/python
	$(BIN)/ruff format --check pipelines dags tests benchmarks notebooks infra/python
	$(BIN)/mypy pipelines
	$(BIN)/python infra/python/strip_check.py

lock: ## regenerate requirements.lock from pyproject.toml in a clean venv, honouring Airflow's constraints
	infra/python/lock.sh

doctor: ## check the set-up and say what is missing
	@test -x $(BIN)/lakehouse || { echo "FAIL  venv  not set up: run \`make setup\`"; exit 1; }
	$(BIN)/lakehouse doctor

up: setup ## start object store, Spark cluster, PostgreSQL and Airflow on loopback
	infra/local/up.sh

down: ## stop everything `make up` started
	infra/local/down.sh

status: ## show what `make up` started and whether it answers
	infra/local/status.sh

e2e: setup ## end-to-end and browser tests against the running stack
	infra/local/e2e.sh

bench-gates: setup ## benchmark: gate vs transform time, single pass vs GX (energy readings, scale 1)
	$(BIN)/python benchmarks/bench_gates.py --scale $${SCALE:-1}

bench-framework: setup ## benchmark: energy sector via the framework vs a hand-written job, and incremental cost
	$(BIN)/python benchmarks/bench_framework.py --scale $${SCALE:-1}

bench-redelivery: setup ## benchmark: a corrected re-delivery vs the first run of the same date (tax, scale 1)
	$(BIN)/python benchmarks/bench_redelivery.py --sector $${SECTOR:-tax} --scale $${SCALE:-1}

bench-maintenance: setup ## benchmark: files and read time of a table after 30 daily runs, before and after maintenance
	$(BIN)/python benchmarks/bench_maintenance.py --days $${DAYS:-30} --rows $${ROWS:-20000}

bench-reliability: setup ## benchmark: what conflict retries, stable gold sources and the PII key check cost per step
	$(BIN)/python benchmarks/bench_reliability.py --repeat $${REPEAT:-5}

bench-generate: setup ## benchmark: generator rows/s per feed at scale 1
	$(BIN)/python benchmarks/bench_generate.py

NB_LAKE := $(CURDIR)/data/lake
NB_ENV := LAKEHOUSE_LANDING_ROOT=$(CURDIR)/data/landing LAKEHOUSE_LAKE_ROOT=$(NB_LAKE) LAKEHOUSE_DOCS_DIR=$(CURDIR)/data/docs
NB_TABLES := energy_consumption_daily tax_revenue_monthly enterprise_360 health_syndromic_weekly transport_gantry_hourly transport_hub_flow_hourly credit_enterprise_profile credit_joint_punishment

notebooks: ## run the analyst notebooks (a one-day, scale-0.05 lake is built first if gold lacks their tables); executed copies in data/notebooks/
	@test -x $(BIN)/lakehouse -a -f .secrets/pii.key || { echo "not set up: run \`make setup\`"; exit 1; }
	@missing=0; for t in $(NB_TABLES); do test -d $(NB_LAKE)/gold/$$t/_delta_log || missing=1; done; \
	if [ $$missing = 1 ]; then \
	  echo "building a tiny lake in data/ (generate + run, all sectors, $(RUN_DATE))"; \
	  $(NB_ENV) $(BIN)/lakehouse generate --date $(RUN_DATE) --scale 0.05 --quiet && \
	  $(NB_ENV) $(BIN)/lakehouse run --date $(RUN_DATE) || exit 1; \
	fi
	$(BIN)/python infra/python/run_notebooks.py $(NB_ENV)

clean: ## remove generated data, Airflow home and caches (keeps venv and jars)
	rm -rf data $(AIRFLOW_HOME) .pytest_cache
