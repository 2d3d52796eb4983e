# Two commands for a newcomer: `make demo` and `make test`. Everything else is optional.
# The interpreter that creates the venv, found before PATH gains the venv (below).
SYSTEM_PYTHON := $(shell command -v python3)
PYTHON ?= $(SYSTEM_PYTHON)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
export DAGSTER_HOME := $(CURDIR)/.dagster_home
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
# dagster-dbt (and `dg`) run `dbt` from PATH: the venv's.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export VIRTUAL_ENV := $(CURDIR)/$(VENV)
DBT_MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := dbt_project/dbt_project.yml $(shell find dbt_project/models dbt_project/macros -type f 2>/dev/null)

.PHONY: install demo test dev check bench eval clean export-parquet sql sql-ide charts

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) $(DAGSTER_HOME)/dagster.yaml $(DBT_MANIFEST)

# dbt's manifest, parsed again whenever a model, macro or dbt_project.yml changed (`dg dev` parses it itself).
$(DBT_MANIFEST): $(STAMP) $(DBT_SOURCES)
	$(VENV)/bin/dagster-dbt project prepare-and-package --file monitor_pipeline/defs/dbt/project.py
	touch $@

$(DAGSTER_HOME)/dagster.yaml: deploy/dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp deploy/dagster.yaml $@

## Serve the bundled sample corpus on 127.0.0.1, run the whole job for today's partition, print a summary.
demo: install
	$(PY) -m monitor_pipeline.demo

## Run the whole test suite.
test: install
	$(PY) -m pytest -q

## The Dagster UI on http://127.0.0.1:3000 (webserver + daemon, project-local DAGSTER_HOME).
dev: install
	$(VENV)/bin/dg dev --host 127.0.0.1 --port 3000

## Load the code location and validate every definition (also run by `make test`).
check: install
	$(VENV)/bin/dg check defs

## Benchmarks (not part of `make test`): every scenario in one run, full sizes, 3 rounds per side;
## writes docs/BENCHMARKS.md and docs/benchmarks.json (run id + git commit). Run it on a quiet machine,
## on a committed tree: about 40-50 minutes on a quiet 2-core machine (memory_per_page alone ~20: its
## 20,000-page run ~10). `make bench BENCH_ARGS=--quick` for small sizes (written to bench_out/, not figures of record).
bench: install
	$(PY) -m monitor_pipeline.bench $(BENCH_ARGS)

## Tagger scores on the gold dev and test splits and the external dev set (../shared/tagging/,
## or $$GOLD_EXTERNAL_DEV), printed apart with per-class figures; `make eval EVAL_ARGS=--json`.
eval: install
	$(PY) -m monitor_pipeline.evaluation.gold_eval --split all $(EVAL_ARGS)

clean:
	rm -rf data .dagster_home dbt_project/target dbt_project/logs

## Every table of data/analytics.duckdb as Parquet under data/parquet/.
export-parquet: install
	$(PY) -m monitor_pipeline.export_parquet

## The DuckDB command line on data/analytics.duckdb, read-only, full-text search loaded (`.quit` to leave).
sql: install
	$(VENV)/bin/monitor-pipeline sql

## Harlequin (a terminal SQL IDE) on data/analytics.duckdb, read-only; installs the optional `ide` extra once.
sql-ide: install $(VENV)/.ide-stamp
	$(VENV)/bin/monitor-pipeline sql --ide

$(VENV)/.ide-stamp: pyproject.toml
	$(PY) -m pip install --quiet -e '.[dev,ide]'
	touch $@

## The analysts' four charts as PNG under data/charts/ (read from data/analytics.duckdb).
charts: install
	$(PY) -m monitor_pipeline.analytics.charts
