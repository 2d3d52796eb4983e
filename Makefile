# Two commands for a newcomer: `make demo` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
export DAGSTER_HOME := $(CURDIR)/.dagster_home
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1

.PHONY: install demo test dev bench eval clean export-parquet

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) $(DAGSTER_HOME)/dagster.yaml

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
	$(VENV)/bin/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

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
