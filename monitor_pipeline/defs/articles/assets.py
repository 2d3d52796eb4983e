"""Articles: computed from the stored HTML only (no network)."""

from datetime import timedelta

import dagster as dg
from dagster_duckdb import DuckDBResource

from monitor_pipeline import stages

from monitor_pipeline.storage import warehouse_queries
from monitor_pipeline.defs.automation import eager_today, rebuild_yesterday
from monitor_pipeline.defs.markdown_metadata import counter_table, markdown_table
from monitor_pipeline.defs.policies import (
    ONE_DAY_PER_RUN, SYNDICATION_LOOKBACK, WAREHOUSE_POOL, daily_partitions,
)
from monitor_pipeline.defs.resources import ProcessingResource


@dg.asset(
    deps=["article_pages", "feed_entries", dg.AssetDep("articles", partition_mapping=SYNDICATION_LOOKBACK)],
    # articles of the previous day must be rebuilt by the 06:00 rebuild
    freshness_policy=dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=26)),
    partitions_def=daily_partitions,
    kinds={"python", "duckdb"},
    group_name="articles",
    pool=WAREHOUSE_POOL,
    backfill_policy=ONE_DAY_PER_RUN,
    automation_condition=(eager_today("articles") | rebuild_yesterday()).with_label(
        "eager (today), or the daily rebuild of yesterday"),
)
def articles(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource, processing: ProcessingResource
) -> dg.MaterializeResult:
    """Decodes, extracts (trafilatura), cleans and language-tags the day's stored pages, and groups
    syndicated copies into clusters (MinHash over word shingles), against the articles of the 14 days
    before too. Entries whose page never arrived stay visible with their fetch status. Reads stored HTML
    only: a backfill needs no network. A day whose pages the retention policy removed keeps the
    articles built before (a warning and ``pages_removed_by_retention`` in the metadata say so)."""
    day = context.partition_key
    report = stages.build_articles(duckdb.get_connection, day, workers=processing.workers,
                                   timeout_s=processing.per_document_timeout_s)
    with duckdb.get_connection() as conn:
        preview = warehouse_queries.articles_preview(conn, day)
    french = report.languages.get("fr", 0)
    retention: dict = {}
    if report.pages_removed_by_retention:
        context.log.warning(f"articles of {day} not rebuilt: {report.pages_removed_by_retention}")
        retention = {"pages_removed_by_retention": dg.MetadataValue.text(report.pages_removed_by_retention)}
    return dg.MaterializeResult(metadata={
        **retention,
        "dagster/row_count": report.articles,
        "articles": report.articles,
        "french_articles": french,
        "syndication_clusters": report.clusters,
        "syndicated_copies": report.syndicated_copies,
        "extracted_while_fetching": report.extracted_before,
        "statuses": counter_table(report.statuses, "status"),
        "languages": counter_table(report.languages, "language"),
        "preview": dg.MetadataValue.md(markdown_table(preview, limit=15)),
    })
