"""Data-quality checks; thresholds come from QualityThresholdsResource (configuration)."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from monitor_pipeline.defs.articles.assets import articles
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
