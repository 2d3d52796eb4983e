"""dbt models (staging and marts) as partitioned Dagster assets, and the analysts' copy."""

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets
from dagster_duckdb import DuckDBResource

from monitor_pipeline import warehouse
from monitor_pipeline.defs.dbt.project import dbt_project
from monitor_pipeline.defs.markdown_metadata import markdown_table
from monitor_pipeline.defs.policies import ONE_DAY_PER_RUN, WAREHOUSE_POOL, daily_partitions

MART_PREVIEWS = {
    "company_mentions_daily": "SELECT day, company_name, mentions, articles, sources, clusters "
                              "FROM company_mentions_daily ORDER BY day DESC, mentions DESC LIMIT 10",
    "layoff_mentions_daily": "SELECT day, company_id, counted_events, mentions, max_headcount, first_evidence_url "
                             "FROM layoff_mentions_daily ORDER BY day DESC, counted_events DESC LIMIT 10",
    "layoff_events": "SELECT company_name, status, headcount, source_id, "
                     "'[' || coalesce(article_title, url) || '](' || url || ')' AS evidence "
                     "FROM layoff_events ORDER BY published_at DESC NULLS LAST LIMIT 10",
    "company_trends": "SELECT day, company_name, mentions, mentions_7d, round(spike_p_value, 4) AS p_value, is_spike "
                      "FROM company_trends ORDER BY day DESC, mentions DESC LIMIT 10",
}


def build_dbt_args(window_start: datetime, window_end: datetime) -> list[str]:
    """`dbt build` limited to one partition window: the daily marts rebuild these days only."""
    dbt_vars = {"min_day": window_start.date().isoformat(), "max_day": window_end.date().isoformat()}
    return ["build", "--vars", json.dumps(dbt_vars)]


class MonitorDbtTranslator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        return "marts" if "marts" in fqn else "staging"


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    partitions_def=daily_partitions,
    dagster_dbt_translator=MonitorDbtTranslator(),
    pool=WAREHOUSE_POOL,
    backfill_policy=ONE_DAY_PER_RUN,
    name="dbt_models",
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, duckdb: DuckDBResource):
    """Staging views and daily marts; dbt tests become asset checks. Each mart reports its row count
    and a Markdown preview (queried once dbt has released the database)."""
    window = context.partition_time_window
    events = list(dbt.cli(build_dbt_args(window.start, window.end), context=context).stream())
    with duckdb.get_connection() as conn:
        for event in events:
            key = getattr(event, "output_name", None)
            if isinstance(event, dg.Output) and key in MART_NAMES:
                event = event.with_metadata({**event.metadata, **mart_metadata(conn, key)})
            yield event


MART_NAMES = (
    "company_mentions_daily", "layoff_mentions_daily", "layoff_events", "company_trends",
    "metric_mentions", "source_health_daily", "org_candidates",
)


def mart_metadata(conn, table: str) -> dict[str, Any]:
    rows = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    preview_sql = MART_PREVIEWS.get(table, f"SELECT * FROM {table} LIMIT 10")
    return {"dagster/row_count": rows,
            "preview": dg.MetadataValue.md(markdown_table(warehouse.fetch_dicts(conn, preview_sql)))}
