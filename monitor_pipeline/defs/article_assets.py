"""Assets computed from stored HTML only: articles and their mentions."""

from datetime import timedelta

import dagster as dg
from dagster_duckdb import DuckDBResource

from monitor_pipeline import stages, warehouse
from monitor_pipeline.defs.ingest_assets import ONE_DAY_PER_RUN, WAREHOUSE_POOL, article_pages
from monitor_pipeline.defs.metadata import counter_table, markdown_table
from monitor_pipeline.defs.partitions import daily_partitions
from monitor_pipeline.defs.resources import ProcessingResource


@dg.asset(
    deps=[article_pages],
    # articles of the previous day must be rebuilt by the 06:00 schedule
    freshness_policy=dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=26)),
    partitions_def=daily_partitions,
    kinds={"python", "duckdb"},
    group_name="articles",
    pool=WAREHOUSE_POOL,
    backfill_policy=ONE_DAY_PER_RUN,
)
def articles(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource, processing: ProcessingResource
) -> dg.MaterializeResult:
    """Decodes, extracts (trafilatura), cleans and language-tags the day's stored pages, and groups
    syndicated copies into clusters (MinHash over word shingles). Entries whose page never arrived stay
    visible with their fetch status. Reads stored HTML only: a backfill needs no network."""
    day = context.partition_key
    report = stages.build_articles(duckdb.get_connection, day, workers=processing.workers,
                                   timeout_s=processing.per_document_timeout_s)
    with duckdb.get_connection() as conn:
        preview = warehouse.fetch_dicts(conn, """
            SELECT source_id, status, language, left(title, 70) AS title, word_count
            FROM articles WHERE partition_day = ? ORDER BY source_id, title LIMIT 15""", [day])
    french = report.languages.get("fr", 0)
    return dg.MaterializeResult(metadata={
        "dagster/row_count": report.articles,
        "articles": report.articles,
        "french_articles": french,
        "syndication_clusters": report.clusters,
        "syndicated_copies": report.syndicated_copies,
        "statuses": counter_table(report.statuses, "status"),
        "languages": counter_table(report.languages, "language"),
        "preview": dg.MetadataValue.md(markdown_table(preview, limit=15)),
    })



@dg.multi_asset(
    specs=[
        dg.AssetSpec("company_mentions", deps=[articles], kinds={"python", "duckdb"}, group_name="mentions",
                     partitions_def=daily_partitions,
                     description="Company mentions (name, alias or product) with evidence sentence and offsets."),
        dg.AssetSpec("metric_mentions_raw", deps=[articles], kinds={"python", "duckdb"}, group_name="mentions",
                     partitions_def=daily_partitions,
                     description="Typed numeric facts: value, unit, kind, qualifier, measured noun, company."),
        dg.AssetSpec("layoff_mentions", deps=[articles], kinds={"python", "duckdb"}, group_name="mentions",
                     partitions_def=daily_partitions,
                     description="Layoff mentions with company, headcount, status (counted or not) and evidence."),
        dg.AssetSpec("companies", deps=[articles], kinds={"yaml", "duckdb"}, group_name="mentions",
                     partitions_def=daily_partitions,
                     description="The company knowledge base the tagger used (ids, names, country, sector)."),
        dg.AssetSpec("org_candidate_mentions", deps=[articles], kinds={"python", "spacy", "duckdb"},
                     group_name="mentions", partitions_def=daily_partitions,
                     description="Organisations French NER found that the knowledge base does not know."),
    ],
    name="mentions",
    partitions_def=daily_partitions,
    pool=WAREHOUSE_POOL,
    backfill_policy=ONE_DAY_PER_RUN,
)
def mentions(context: dg.AssetExecutionContext, duckdb: DuckDBResource, processing: ProcessingResource):
    """Tags the day's French articles (companies, metrics, layoff mentions, unknown organisations) and
    writes the four mention tables in one transaction."""
    day = context.partition_key
    report = stages.tag_articles(duckdb.get_connection, day, workers=processing.workers)
    with duckdb.get_connection() as conn:
        layoffs = warehouse.fetch_dicts(conn, """
            SELECT coalesce(company_id, '-') AS company, status, headcount, left(sentence, 100) AS sentence
            FROM layoff_mentions WHERE partition_day = ? ORDER BY counted DESC, company LIMIT 20""", [day])
        metrics = warehouse.fetch_dicts(conn, """
            SELECT text, value, kind, unit, coalesce(company_id, '-') AS company
            FROM metric_mentions_raw WHERE partition_day = ? ORDER BY article_id, char_start LIMIT 15""", [day])
    yield dg.MaterializeResult(asset_key="company_mentions", metadata={
        "dagster/row_count": report.company_mentions,
        "articles_tagged": report.articles_tagged,
        "top_companies": counter_table(report.companies, "company", "mentions"),
    })
    yield dg.MaterializeResult(asset_key="metric_mentions_raw", metadata={
        "dagster/row_count": report.metric_mentions,
        "preview": dg.MetadataValue.md(markdown_table(metrics, limit=15)),
    })
    yield dg.MaterializeResult(asset_key="layoff_mentions", metadata={
        "dagster/row_count": report.layoff_mentions,
        "counted_mentions": report.counted_layoffs,
        "statuses": counter_table(report.layoff_statuses, "status"),
        "preview": dg.MetadataValue.md(markdown_table(layoffs, limit=20)),
    })
    yield dg.MaterializeResult(asset_key="companies", metadata={"companies": report.knowledge_base_companies})
    yield dg.MaterializeResult(asset_key="org_candidate_mentions", metadata={
        "dagster/row_count": report.org_candidates,
    })
