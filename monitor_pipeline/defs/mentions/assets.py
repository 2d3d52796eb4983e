"""The mention tables: what the tagger found in the day's French articles."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from monitor_pipeline import stages, warehouse
from monitor_pipeline.defs.markdown_metadata import counter_table, markdown_table
from monitor_pipeline.defs.policies import ONE_DAY_PER_RUN, WAREHOUSE_POOL, daily_partitions
from monitor_pipeline.defs.resources import ProcessingResource

articles = dg.AssetKey("articles")


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
