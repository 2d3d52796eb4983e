"""Checks of the day's articles, evaluated on the partition just built; thresholds come from
QualityThresholdsResource."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from monitor_pipeline.storage import warehouse_queries
from monitor_pipeline.defs.articles.assets import articles
from monitor_pipeline.defs.policies import daily_partitions
from monitor_pipeline.defs.resources import QualityThresholdsResource


@dg.asset_check(asset=articles, partitions_def=daily_partitions, blocking=True,
                description="Every feed entry of the day has its article row, and a day whose feeds "
                            "reported new entries is not empty. Blocks the day's mentions and marts.")
def no_empty_day_when_feeds_answered(
    context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource
) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        coverage = warehouse_queries.article_coverage(conn, context.partition_key)
    empty_although_answered = coverage["new_entries_reported_by_feeds"] > 0 and coverage["articles"] == 0
    return dg.AssetCheckResult(
        passed=coverage["articles"] == coverage["entries"] and not empty_although_answered,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={"day": context.partition_key, **coverage},
    )


def _share_warning(day: str, share: float, passed: bool, threshold: float, **counts: int) -> dg.AssetCheckResult:
    """A quality measure of the day: a warning, not a failure, when it crosses its threshold."""
    return dg.AssetCheckResult(passed=passed, severity=dg.AssetCheckSeverity.WARN,
                               metadata={"day": day, **counts, "share": share, "threshold": threshold})


@dg.asset_check(asset=articles, partitions_def=daily_partitions,
                description="Share of the day's fetched pages whose extraction failed or came out empty.")
def extraction_failures_share(
    context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource, quality: QualityThresholdsResource
) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        total, failed = warehouse_queries.extraction_failures(conn, context.partition_key)
    share = failed / total if total else 0.0
    threshold = quality.max_failed_extraction_share
    return _share_warning(context.partition_key, share, share <= threshold, threshold, pages=total, failed=failed)


@dg.asset_check(asset=articles, partitions_def=daily_partitions,
                description="Share of the day's extracted articles detected as French.")
def french_share(
    context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource, quality: QualityThresholdsResource
) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        total, french = warehouse_queries.french_articles(conn, context.partition_key)
    share = french / total if total else 1.0
    threshold = quality.min_french_share
    return _share_warning(context.partition_key, share, share >= threshold, threshold,
                          articles_with_language=total, french=french)
