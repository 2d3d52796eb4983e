"""Assets that touch the network: the feed list, feed polling and article page fetching."""

from datetime import timedelta

import dagster as dg
from dagster_duckdb import DuckDBResource
from pydantic import Field

from monitor_pipeline import stages

from monitor_pipeline.storage import warehouse, warehouse_queries
from monitor_pipeline.defs.automation import eager_today, on_poll_cron
from monitor_pipeline.defs.markdown_metadata import counter_table, markdown_table
from monitor_pipeline.defs.policies import (
    NETWORK_RETRY, ONE_DAY_PER_RUN, TITLE_LOOKBACK, WAREHOUSE_POOL, daily_partitions, today_partition_key,
)
from monitor_pipeline.defs.resources import FeedPollerResource, ProcessingResource

# The hourly poll should land at least every 2 hours; past 6 hours something is wrong.
POLL_FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=6), warn_window=timedelta(hours=2))


class PollConfig(dg.Config):
    force_poll: bool = Field(
        default=False,
        description="Poll even when the partition is not today's (new entries then land in this partition).",
    )


class PagesConfig(dg.Config):
    refetch_failed: bool = Field(default=False, description="Fetch again the pages whose fetch failed.")


@dg.asset(name="feeds", kinds={"yaml", "duckdb"}, group_name="ingest", pool=WAREHOUSE_POOL,
          automation_condition=on_poll_cron())
def feed_list(duckdb: DuckDBResource, feeds: FeedPollerResource) -> dg.MaterializeResult:
    """The feed list (MONITOR_FEEDS_PATH, default: the package's data/feeds.yaml) as a table: the source
    names and languages the marts show. One table for all days: the list is not per-day data."""
    sources = feeds.sources()
    stages.store_feed_registry(duckdb.get_connection, sources)
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(sources),
        "enabled": sum(s.enabled for s in sources),
        "path": dg.MetadataValue.path(feeds.registry_path),
    })


@dg.multi_asset(
    specs=[
        dg.AssetSpec("feed_entries", kinds={"python", "duckdb"}, group_name="ingest", partitions_def=daily_partitions,
                     freshness_policy=POLL_FRESHNESS, automation_condition=on_poll_cron("feed_entries", "feeds"),
                     deps=[feed_list, dg.AssetDep("feed_entries", partition_mapping=TITLE_LOOKBACK)],
                     description="Feed entries, one per article identity, in the partition of the day first seen. "
                                 "Reads the titles of the 7 days before (an entry republished under a new URL)."),
        dg.AssetSpec("feed_fetches", kinds={"python", "duckdb"}, group_name="ingest", partitions_def=daily_partitions,
                     deps=[feed_list], automation_condition=on_poll_cron("feed_entries", "feeds"),
                     description="One row per feed fetch (status, bytes, new entries); feed_state holds each feed's state."),
    ],
    name="poll_feeds",
    partitions_def=daily_partitions,
    # Both tables are written in one transaction whatever is selected. Declared subsettable only because
    # Dagster's automation maps a non-subsettable multi-asset's partitions through feed_entries' own
    # 7-day lookback and would request the 7 days before along with today (dagster 1.13.27).
    can_subset=True,
    pool=WAREHOUSE_POOL,
    backfill_policy=ONE_DAY_PER_RUN,
    retry_policy=NETWORK_RETRY,
)
def poll_feeds(
    context: dg.AssetExecutionContext, config: PollConfig, duckdb: DuckDBResource, feeds: FeedPollerResource
):
    """Polls the due feeds of the registry (conditional GET, per-host politeness) and stores each entry
    never seen before — by canonical URL, GUID, or title within the same source over 7 days — in the
    partition of the day it was first seen. Past partitions are not re-polled: their entries are what
    was seen that day, so a backfill needs no network."""
    day = context.partition_key
    if day != today_partition_key() and not config.force_poll:
        with duckdb.get_connection() as conn:
            warehouse.ensure_schema(conn)
            stored = warehouse.table_count(conn, "feed_entries", day)
        context.log.info(f"Partition {day} is not today's: no poll, {stored} stored entries kept.")
        results = {"feed_entries": {"polled": False, "entries_in_partition": stored},
                   "feed_fetches": {"polled": False}}
        yield from _selected_results(context, results)
        return
    report = stages.poll_feeds(duckdb.get_connection, feeds.sources(), feeds.http_settings(), feeds.poll_policy(),
                               day)
    with duckdb.get_connection() as conn:
        stored = warehouse.table_count(conn, "feed_entries", day)
        health = warehouse_queries.feed_health(conn)
    failing_share = len(report.failing_feeds) / report.feeds_polled if report.feeds_polled else 0.0
    yield from _selected_results(context, {"feed_entries": {
        "polled": True,
        "dagster/row_count": stored,
        "entries_seen": report.entries_seen,
        "entries_new": report.entries_new,
        "new_entries_per_source": counter_table(report.new_per_source, "source"),
    }, "feed_fetches": {
        "feeds_polled": report.feeds_polled,
        "feeds_not_due": report.feeds_skipped_not_due,
        "failing_feeds": ", ".join(report.failing_feeds) or "none",
        "failing_feed_share": failing_share,
        "disabled_feeds": ", ".join(report.disabled_feeds) or "none",
        "fetch_statuses": counter_table(report.statuses, "status"),
        "feed_state": dg.MetadataValue.md(markdown_table(health, limit=30)),
    }})


def _selected_results(context: dg.AssetExecutionContext, metadata_by_asset: dict[str, dict]):
    for key in context.selected_asset_keys:
        yield dg.MaterializeResult(asset_key=key, metadata=metadata_by_asset[key.to_user_string()])


@dg.asset(
    deps=["feed_entries"],
    partitions_def=daily_partitions,
    kinds={"python", "duckdb"},
    group_name="ingest",
    pool=WAREHOUSE_POOL,
    backfill_policy=ONE_DAY_PER_RUN,
    retry_policy=NETWORK_RETRY,
    automation_condition=eager_today(),
)
def article_pages(
    context: dg.AssetExecutionContext, config: PagesConfig, duckdb: DuckDBResource, feeds: FeedPollerResource,
    processing: ProcessingResource,
) -> dg.MaterializeResult:
    """Fetches each new entry's page once (same HTTP client, limits and address guard as the feeds) and
    keeps the raw HTML compressed with its HTTP status, final URL, content type and size, so every later
    stage can be recomputed without the network. With two workers or more, each page is also extracted
    while the others download and its processed article kept, so `articles` does not extract it again."""
    report = stages.fetch_pages(duckdb.get_connection, context.partition_key, feeds.http_settings(),
                                refetch_failed=config.refetch_failed, extract_workers=processing.workers,
                                timeout_s=processing.per_document_timeout_s)
    if report.extraction_error:
        context.log.warning(f"extraction while fetching stopped ({report.extraction_error}); "
                            "articles extracts the pages it did not keep")
    return dg.MaterializeResult(metadata={
        "pages_fetched": report.fetched,
        "pages_extracted_while_fetching": report.extracted,
        "pages_already_stored": report.already_stored,
        "bytes_fetched": report.bytes,
        "fetch_statuses": counter_table(report.statuses, "status"),
    })
