"""Data-quality checks of the feeds and their polling."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from monitor_pipeline.defs.resources import QualityThresholdsResource


@dg.asset_check(asset="feed_fetches", description="Share of enabled feeds whose last poll failed (or that are disabled).")
def failing_feeds_share(duckdb: DuckDBResource, quality: QualityThresholdsResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        total, failing, disabled = conn.execute("""
            SELECT count(*), count(*) FILTER (WHERE consecutive_failures > 0),
                   count(*) FILTER (WHERE disabled_reason IS NOT NULL)
            FROM feed_state""").fetchone()
        names = [r[0] for r in conn.execute(
            "SELECT feed_id FROM feed_state WHERE consecutive_failures > 0 ORDER BY feed_id").fetchall()]
    share = failing / total if total else 0.0
    return dg.AssetCheckResult(
        passed=share <= quality.max_failing_feed_share, severity=dg.AssetCheckSeverity.WARN,
        metadata={"feeds": total, "failing": failing, "disabled": disabled, "share": share,
                  "failing_feeds": ", ".join(names) or "none", "threshold": quality.max_failing_feed_share},
    )


@dg.asset_check(asset="feed_entries", description="Today's partition is being filled: the latest entry was first seen recently.")
def todays_entries_fresh(duckdb: DuckDBResource, quality: QualityThresholdsResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        latest = conn.execute("SELECT max(first_seen_at), max(partition_day) FROM feed_entries").fetchone()
        age_h = conn.execute(
            "SELECT date_diff('minute', max(last_success_at), now()) / 60.0 FROM feed_state").fetchone()[0]
    fresh = age_h is not None and age_h <= quality.max_hours_since_successful_poll
    return dg.AssetCheckResult(
        passed=fresh, severity=dg.AssetCheckSeverity.WARN,
        metadata={"latest_entry_first_seen": str(latest[0]), "latest_partition": str(latest[1]),
                  "hours_since_successful_poll": age_h, "threshold_hours": quality.max_hours_since_successful_poll},
    )
