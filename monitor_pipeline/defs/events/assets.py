"""Layoff events across sources: one event per real-world layoff, whatever the outlets and the days."""
from collections import Counter

import dagster as dg
from dagster_duckdb import DuckDBResource

from monitor_pipeline import stages
from monitor_pipeline.core.events import event_row
from monitor_pipeline.defs.automation import eager_over_every_day
from monitor_pipeline.defs.markdown_metadata import counter_table, markdown_table
from monitor_pipeline.defs.policies import WAREHOUSE_POOL
from monitor_pipeline.defs.resources import EventsResource

PREVIEW_COLUMNS = ("company_name", "wave", "status", "headcount", "articles", "sources", "first_seen", "last_seen")


def _spec(name: str, description: str) -> dg.AssetSpec:
    # every day's counted mentions, their articles (source, cluster, date), company and feed names
    return dg.AssetSpec(name, deps=["layoff_mentions", "articles", "companies", "feeds"], kinds={"python", "duckdb"},
                        group_name="events", description=description, automation_condition=eager_over_every_day())


@dg.multi_asset(
    specs=[
        _spec("layoff_event_resolution", "One row per real-world layoff event across sources and days."),
        _spec("layoff_event_resolution_mentions", "Which counted mention supports which event."),
    ],
    name="layoff_event_resolution",
    pool=WAREHOUSE_POOL,
)
def layoff_event_resolution(duckdb: DuckDBResource, events: EventsResource):
    """Groups the counted layoff mentions of every day into real-world events (core.events): the same
    company, compatible headcounts (within 10 %, or one missing) and articles within the window
    (MONITOR_EVENT_WINDOW_DAYS, default 30) are one event whatever the outlet; syndicated copies join
    their story's event; a new-wave wording ("deuxième vague", "postes supplémentaires") starts a new one.
    Event ids are kept from the last resolution, so a re-run or a backfill never makes an alerted event
    new. Both tables (events, supporting mentions) are replaced in one transaction; the dbt marts
    layoff_events and layoff_event_mentions read them."""
    resolved = stages.resolve_layoff_events(duckdb.get_connection, events.settings())
    rows = [event_row(e) for e in resolved]
    preview = [{c: row[c] for c in PREVIEW_COLUMNS} for row in sorted(rows, key=lambda r: r["last_seen"], reverse=True)]
    yield dg.MaterializeResult(asset_key="layoff_event_resolution", metadata={
        "dagster/row_count": len(resolved),
        "multi_source_events": sum(1 for e in resolved if len(e.source_ids) > 1),
        "window_days": events.window_days,
        "statuses": counter_table(Counter(e.status for e in resolved), "status"),
        "preview": dg.MetadataValue.md(markdown_table(preview, limit=15)),
    })
    yield dg.MaterializeResult(asset_key="layoff_event_resolution_mentions", metadata={
        "dagster/row_count": sum(len(e.mentions) for e in resolved),
    })
