"""The dbt models as two asset sets: the daily ones (staging views and the incremental marts, rebuilt one
partition window at a time) and the full-table marts (trends, events, candidates: rebuilt whole, from
every day). dbt tests become asset checks; the uniqueness tests block what is downstream."""

import contextlib
import json
import os
import shutil
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets
from dagster_duckdb import DuckDBResource

from monitor_pipeline.storage import warehouse_queries
from monitor_pipeline.defs.dbt.project import dbt_project
from monitor_pipeline.defs.automation import eager_over_every_day, eager_today_and_yesterday
from monitor_pipeline.defs.markdown_metadata import markdown_table
from monitor_pipeline.defs.policies import ONE_DAY_PER_RUN, WAREHOUSE_POOL, daily_partitions, dbt_retry_policy

# dbt selection of the models that hold per-day rows: the staging views each daily build refreshes,
# and the incremental marts whose pre-hook replaces the partition window's rows.
DAILY_MODELS = "path:models/staging config.materialized:incremental"


# A test runs with the asset set that builds every model it reads (and their sources): dbt's default
# ("eager") would also run a full-table mart's relationship test in the daily set, before that mart exists.
BUILD = ["build", "--indirect-selection", "buildable"]


# The partition window as the daily marts read it (macros/day_window.sql): from these environment variables
# when Dagster runs dbt, or from `--vars '{"min_day": ..., "max_day": ...}'` when dbt is run by hand.
# Not `--vars` from Dagster: the CLI vars are part of dbt's partial-parsing state, so a new window made
# dbt re-parse the whole project (4-5 s), and so did the full-table set right after it (no vars). The
# macro reads these variables at execution only, so a new window re-parses nothing.
WINDOW_ENV = {"min_day": "MONITOR_DBT_MIN_DAY", "max_day": "MONITOR_DBT_MAX_DAY"}


def _window_days(window_start: datetime, window_end: datetime) -> dict[str, str]:
    return {"min_day": window_start.date().isoformat(), "max_day": window_end.date().isoformat()}


def build_dbt_args(window_start: datetime, window_end: datetime) -> list[str]:
    """`dbt build` limited to one partition window, as run by hand (`--vars`): the daily marts rebuild these
    days only. The Dagster asset passes the same window through ``window_env``."""
    return [*BUILD, "--vars", json.dumps(_window_days(window_start, window_end))]


def window_env(window_start: datetime, window_end: datetime) -> dict[str, str]:
    """The environment that limits `dbt build` to one partition window (see WINDOW_ENV)."""
    return {WINDOW_ENV[name]: day for name, day in _window_days(window_start, window_end).items()}


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """``values`` in ``os.environ`` while the dbt process is started (dagster-dbt hands the dbt process a copy
    of this process's environment, and has no parameter for extra variables), restored afterwards. The
    steps of a run execute one after another in its process (in-process executor)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_target_path(context: dg.AssetExecutionContext) -> Path:
    """One dbt target folder per run, shared by the run's dbt invocations (daily set, then full-table set):
    the second finds the partial-parse state the first left there (same profile, no CLI vars) and skips
    parsing, instead of re-parsing the whole project. dagster-dbt's default is a new folder
    per invocation, seeded with the project's prepared state, which the benchmark's and any deployment's own
    warehouse path (part of dbt's profile hash) invalidates. The run's dbt steps never overlap: they take the
    warehouse pool and run in the run's process."""
    _remove_stale_run_targets(Path(dbt_project.target_path))
    return Path(dbt_project.target_path) / f"run-{context.run.run_id}"


RUN_TARGET_MAX_AGE_S = 2 * 24 * 3600  # longer than any run (the jobs' max runtime is one hour)


def _remove_stale_run_targets(root: Path, max_age_s: float = RUN_TARGET_MAX_AGE_S) -> None:
    """Remove the run target folders left by runs that ended long ago, so they do not pile up."""
    cutoff = time.time() - max_age_s
    for folder in root.glob("run-*"):
        with contextlib.suppress(OSError):  # another run's cleanup got there first
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder)


class MonitorDbtTranslator(DagsterDbtTranslator):
    def __init__(self, automation_condition: dg.AutomationCondition) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))
        self._automation_condition = automation_condition

    def get_automation_condition(self, dbt_resource_props: Mapping[str, Any]) -> dg.AutomationCondition | None:
        return self._automation_condition

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        return "marts" if "marts" in fqn else "staging"

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):
        """Uniqueness tests guard correctness (one row per day and company, one alert per event key):
        blocking, so a failing one stops the analysts' copy and the alerts from seeing duplicates."""
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        test_name = manifest["nodes"].get(unique_id, {}).get("test_metadata", {}).get("name", "")
        if spec is None or test_name not in ("unique", "unique_combination"):
            return spec
        return dg.AssetCheckSpec(spec.name, asset=spec.asset_key, description=spec.description,
                                 additional_deps=spec.additional_deps, metadata=spec.metadata, blocking=True)


def _with_mart_metadata(events: list, duckdb: DuckDBResource) -> Iterator:
    """dbt's events, each mart's output with its row count and a Markdown preview (queried once dbt has
    released the database)."""
    with duckdb.get_connection() as conn:
        for event in events:
            key = getattr(event, "output_name", None)
            if isinstance(event, dg.Output) and key in warehouse_queries.MART_NAMES:
                event = event.with_metadata({
                    **event.metadata,
                    "dagster/row_count": warehouse_queries.mart_row_count(conn, key),
                    "preview": dg.MetadataValue.md(markdown_table(warehouse_queries.mart_preview(conn, key))),
                })
            yield event


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select=DAILY_MODELS,
    partitions_def=daily_partitions,
    # the feed list and the knowledge base are refreshed at every poll: yesterday is not rebuilt for that
    dagster_dbt_translator=MonitorDbtTranslator(eager_today_and_yesterday("feeds", "companies")),
    pool=WAREHOUSE_POOL,
    retry_policy=dbt_retry_policy(),
    backfill_policy=ONE_DAY_PER_RUN,
    name="dbt_daily_models",
)
def dbt_daily_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, duckdb: DuckDBResource):
    """Staging views and the incremental daily marts, for one partition window."""
    window = context.partition_time_window
    with _environment(window_env(window.start, window.end)):
        invocation = dbt.cli(BUILD, context=context, target_path=run_target_path(context))
    events = list(invocation.stream())
    yield from _with_mart_metadata(events, duckdb)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    exclude=DAILY_MODELS,
    dagster_dbt_translator=MonitorDbtTranslator(eager_over_every_day()),
    pool=WAREHOUSE_POOL,
    retry_policy=dbt_retry_policy(),
    name="dbt_full_table_marts",
)
def dbt_full_table_marts(context: dg.AssetExecutionContext, dbt: DbtCliResource, duckdb: DuckDBResource):
    """The marts computed over every day (company trends, layoff events, organisation candidates)."""
    events = list(dbt.cli(BUILD, context=context, target_path=run_target_path(context)).stream())
    yield from _with_mart_metadata(events, duckdb)
