"""The mention tables (what the tagger found in the day's French articles) and the company knowledge base."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from monitor_pipeline import stages

from monitor_pipeline.storage import warehouse_queries
from monitor_pipeline.defs.automation import eager_today_and_yesterday, on_poll_cron
from monitor_pipeline.defs.markdown_metadata import counter_table, markdown_table
from monitor_pipeline.defs.policies import ONE_DAY_PER_RUN, WAREHOUSE_POOL, daily_partitions
from monitor_pipeline.defs.resources import ProcessingResource


@dg.asset(kinds={"yaml", "duckdb"}, group_name="mentions", pool=WAREHOUSE_POOL,
          automation_condition=on_poll_cron())
def companies(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """The company knowledge base the tagger uses (ids, names, country, sector), as a table the marts join
    for display names. One table for all days: the knowledge base is not per-day data."""
    count = stages.store_companies(duckdb.get_connection)
    return dg.MaterializeResult(metadata={"dagster/row_count": count})


def _mention_spec(name: str, description: str, kinds: set[str] | None = None) -> dg.AssetSpec:
    return dg.AssetSpec(name, deps=["articles"], kinds=kinds or {"python", "duckdb"}, group_name="mentions",
                        partitions_def=daily_partitions, description=description,
                        automation_condition=eager_today_and_yesterday())


@dg.multi_asset(
    specs=[
        _mention_spec("company_mentions", "Company mentions (name, alias or product) with evidence sentence and offsets."),
        _mention_spec("numeric_facts", "Typed numeric facts: value, unit, kind, qualifier, measured noun, "
                                             "company (the mart metric_mentions adds article context)."),
        _mention_spec("layoff_mentions", "Layoff mentions with company, headcount, status (counted or not) and evidence."),
        _mention_spec("org_candidate_mentions", "Organisations French NER found that the knowledge base does not know.",
                      kinds={"python", "spacy", "duckdb"}),
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
        layoffs = warehouse_queries.layoff_mentions_preview(conn, day)
        metrics = warehouse_queries.metric_mentions_preview(conn, day)
    yield dg.MaterializeResult(asset_key="company_mentions", metadata={
        "dagster/row_count": report.company_mentions,
        "articles_tagged": report.articles_tagged,
        "top_companies": counter_table(report.companies, "company", "mentions"),
    })
    yield dg.MaterializeResult(asset_key="numeric_facts", metadata={
        "dagster/row_count": report.metric_mentions,
        "preview": dg.MetadataValue.md(markdown_table(metrics, limit=15)),
    })
    yield dg.MaterializeResult(asset_key="layoff_mentions", metadata={
        "dagster/row_count": report.layoff_mentions,
        "counted_mentions": report.counted_layoffs,
        "statuses": counter_table(report.layoff_statuses, "status"),
        "preview": dg.MetadataValue.md(markdown_table(layoffs, limit=20)),
    })
    yield dg.MaterializeResult(asset_key="org_candidate_mentions", metadata={
        "dagster/row_count": report.org_candidates,
    })
