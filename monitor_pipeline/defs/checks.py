"""Data-quality checks; thresholds come from QualityThresholdsResource (configuration)."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from monitor_pipeline.defs.article_assets import articles
from monitor_pipeline.defs.resources import QualityThresholdsResource

FAILED_EXTRACTION_STATUSES = ("empty", "error", "timeout", "not_html", "too_large")


def _latest_day(conn, table: str) -> str | None:
    row = conn.execute(f"SELECT max(partition_day) FROM {table}").fetchone()
    return row[0].isoformat() if row and row[0] else None


@dg.asset_check(asset=articles, description="Share of the latest day's fetched pages whose extraction failed or came out empty.")
def extraction_failures_share(duckdb: DuckDBResource, quality: QualityThresholdsResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        day = _latest_day(conn, "articles")
        total, failed = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE status IN (SELECT unnest(?))) FROM articles "
            "WHERE partition_day = ? AND status NOT LIKE 'http_%' AND status NOT IN ('timeout', 'connection_error', 'blocked')",
            [list(FAILED_EXTRACTION_STATUSES), day],
        ).fetchone()
    share = failed / total if total else 0.0
    return dg.AssetCheckResult(
        passed=share <= quality.max_failed_extraction_share,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"day": str(day), "pages": total, "failed": failed, "share": share,
                  "threshold": quality.max_failed_extraction_share},
    )


@dg.asset_check(asset=articles, description="Share of the latest day's extracted articles detected as French.")
def french_share(duckdb: DuckDBResource, quality: QualityThresholdsResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        day = _latest_day(conn, "articles")
        total, french = conn.execute(
            "SELECT count(*) FILTER (WHERE language <> 'und'), count(*) FILTER (WHERE language = 'fr') "
            "FROM articles WHERE partition_day = ?", [day]).fetchone()
    share = french / total if total else 1.0
    return dg.AssetCheckResult(
        passed=share >= quality.min_french_share, severity=dg.AssetCheckSeverity.WARN,
        metadata={"day": str(day), "articles_with_language": total, "french": french, "share": share,
                  "threshold": quality.min_french_share},
    )


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
