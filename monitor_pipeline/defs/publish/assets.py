"""Publishing: the analysts' read-only copy and the daily HTML digest."""
from typing import Any

import dagster as dg
from dagster_duckdb import DuckDBResource

from monitor_pipeline.storage import warehouse, warehouse_queries
from monitor_pipeline.defs.automation import eager_over_every_day, eager_today, on_rebuild_of_yesterday
from monitor_pipeline.defs.markdown_metadata import markdown_table
from monitor_pipeline.defs.policies import ONE_DAY_PER_RUN, WAREHOUSE_POOL, daily_partitions
from monitor_pipeline.defs.resources import WarehouseResource
from monitor_pipeline.digest import write_daily_digest


@dg.asset(
    deps=[dg.AssetKey(name) for name in warehouse_queries.MART_NAMES],
    kinds={"duckdb"},
    group_name="publish",
    pool=WAREHOUSE_POOL,
    automation_condition=eager_over_every_day(),
)
def analytics_copy(duckdb: WarehouseResource) -> dg.MaterializeResult:
    """Publishes a consistent read-only copy of the marts and mention tables (data/analytics.duckdb):
    written to a temporary file and atomically renamed, so analysts never open the working database
    and a connection opened before the rename keeps its snapshot. One copy of every day.
    Embedded profile only: in the scale profile analysts attach the lake itself (snapshot isolation)."""
    if duckdb.is_scale:
        return dg.MaterializeResult(metadata={"published": dg.MetadataValue.text(
            "nothing: in the scale profile analysts attach the lake directly (README, docs/ANALYSTS.md)")})
    target = warehouse.analytics_path(duckdb.database)
    with duckdb.get_connection() as conn:
        counts = warehouse.publish_analytics_copy(conn, target)
    metadata: dict[str, Any] = {
        "path": dg.MetadataValue.path(str(target)),
        "row_counts": dg.MetadataValue.md(markdown_table(
            [{"table": t, "rows": n} for t, n in counts.items()], limit=50)),
    }
    with warehouse.connect_with_retry(str(target), read_only=True) as conn:
        for name in warehouse_queries.MART_PREVIEWS:
            if name in counts:
                metadata[f"preview_{name}"] = dg.MetadataValue.md(
                    markdown_table(warehouse_queries.mart_preview(conn, name)))
    return dg.MaterializeResult(metadata=metadata)


@dg.asset(deps=[analytics_copy], partitions_def=daily_partitions, kinds={"html"}, group_name="publish",
          backfill_policy=ONE_DAY_PER_RUN, automation_condition=(eager_today() | on_rebuild_of_yesterday()).with_label(
              "eager (today), or after the daily rebuild of yesterday"))
def daily_digest(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    """A small static HTML report of the day (top companies with a chart, layoff events, spikes, feed
    health) under data/reports/, read from the analysts' copy."""
    analytics = warehouse.analytics_path(duckdb.database)
    path, counts = write_daily_digest(analytics, analytics.parent / "reports", context.partition_key)
    return dg.MaterializeResult(metadata={
        "report": dg.MetadataValue.url(path.resolve().as_uri()),
        "path": dg.MetadataValue.path(str(path)),
        **{f"{k}_rows": v for k, v in counts.items()},
    })
