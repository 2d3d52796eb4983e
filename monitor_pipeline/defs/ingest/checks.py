"""Data-quality checks of the feeds and their polling; thresholds come from QualityThresholdsResource."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from monitor_pipeline.storage import warehouse_queries
from monitor_pipeline.defs.policies import daily_partitions
from monitor_pipeline.defs.resources import QualityThresholdsResource


@dg.asset_check(asset="feed_fetches", partitions_def=daily_partitions,
                description="Share of enabled feeds whose last poll failed (or that are disabled).")
def failing_feeds_share(duckdb: DuckDBResource, quality: QualityThresholdsResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        feeds = warehouse_queries.failing_feeds(conn)
    share = feeds["failing"] / feeds["feeds"] if feeds["feeds"] else 0.0
    return dg.AssetCheckResult(
        passed=share <= quality.max_failing_feed_share, severity=dg.AssetCheckSeverity.WARN,
        metadata={"feeds": feeds["feeds"], "failing": feeds["failing"], "disabled": feeds["disabled"],
                  "share": share, "failing_feeds": ", ".join(feeds["failing_feeds"]) or "none",
                  "threshold": quality.max_failing_feed_share},
    )


@dg.asset_check(asset="feed_entries", partitions_def=daily_partitions,
                description="The partition is being filled: a feed was polled successfully recently.")
def todays_entries_fresh(
    context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource, quality: QualityThresholdsResource
) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        recency = warehouse_queries.poll_recency(conn, context.partition_key)
    hours = recency["hours_since_successful_poll"]
    return dg.AssetCheckResult(
        passed=hours is not None and hours <= quality.max_hours_since_successful_poll,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"day": context.partition_key, "latest_entry_first_seen": str(recency["latest_entry_first_seen"]),
                  "hours_since_successful_poll": hours, "threshold_hours": quality.max_hours_since_successful_poll},
    )
