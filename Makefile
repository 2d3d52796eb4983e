# Two commands for a newcomer: `make demo` and `make test`. Everything else is optional.
# The interpreter that creates the venv, found before PATH gains the venv (below).
SYSTEM_PYTHON := $(shell command -v python3)
PYTHON ?= $(SYSTEM_PYTHON)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# The exact versions tested (every package, transitive ones too), for Python 3.11+ on any platform:
# `make install` installs them, `make lock` regenerates the file after a change to pyproject.toml.
LOCK := requirements.lock
LOCK_TOOLS := .lock-tools
export DAGSTER_HOME := $(CURDIR)/.dagster_home
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
# dagster-dbt (and `dg`) run `dbt` from PATH: the venv's.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export VIRTUAL_ENV := $(CURDIR)/$(VENV)
DBT_MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := dbt_project/dbt_project.yml $(shell find dbt_project/models dbt_project/macros -type f 2>/dev/null)

.PHONY: install lock demo test dev check bench eval clean export-parquet sql sql-ide charts

$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c $(LOCK) -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) $(DAGSTER_HOME)/dagster.yaml $(DBT_MANIFEST)

## Regenerate requirements.lock from pyproject.toml (the `dev` and `deploy` extras included), resolved for every
## Python >= 3.11 and platform. Versions already in the lock are kept unless a new requirement needs
## another: `make lock LOCK_ARGS=--upgrade` moves every package to its newest allowed release.
lock: $(LOCK_TOOLS)/bin/uv
	$(LOCK_TOOLS)/bin/uv pip compile pyproject.toml --extra dev --extra deploy --universal --python-version 3.11 \
		--quiet $(LOCK_ARGS) -o $(LOCK)

$(LOCK_TOOLS)/bin/uv:
	$(PYTHON) -m venv $(LOCK_TOOLS)
	$(LOCK_TOOLS)/bin/python -m pip install --quiet 'uv>=0.9,<1'

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
