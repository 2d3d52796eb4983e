"""The layoff-event resolution in the warehouse: what it reads (the counted layoff mentions of every
day, the event ids given last time) and what it writes (events and their supporting mentions,
replaced whole in one transaction). Plain Python over a DuckDB connection, no Dagster."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from monitor_pipeline.storage import warehouse

EVENTS_TABLE = "layoff_event_resolution"
EVENT_MENTIONS_TABLE = "layoff_event_resolution_mentions"


def counted_layoff_mentions(conn) -> list[dict[str, Any]]:
    """Every counted layoff mention of every day with what resolution needs (columns of
    ``core.events.mention_from_row``): its article's source, cluster, publication time, URL and title,
    the company's display name and whether the knowledge base knows it."""
    warehouse.ensure_schema(conn)
    return warehouse.fetch_dicts(conn, """
        SELECT l.article_id, l.mention_index, l.company_id, coalesce(c.name, l.company_name) AS company_name,
               coalesce(l.known, true) AS known, l.status, l.headcount, l.headcount_low, l.headcount_high,
               l.headcount_percent, l.partition_day AS day, a.published_at, a.source_id, f.name AS source_name,
               coalesce(l.cluster_id, a.cluster_id) AS cluster_id, l.sentence, a.url, a.title
        FROM layoff_mentions AS l
        JOIN articles AS a USING (article_id)
        LEFT JOIN companies AS c USING (company_id)
        LEFT JOIN feeds AS f ON f.feed_id = a.source_id
        WHERE l.counted AND l.company_id IS NOT NULL
        ORDER BY l.article_id, l.mention_index""")


def previous_event_ids(conn) -> dict[tuple[str, int], str]:
    """(article id, mention index) → event id of the last resolution (empty before the first)."""
    warehouse.ensure_schema(conn)
    rows = conn.execute("SELECT article_id, mention_index, event_id FROM layoff_event_resolution_mentions").fetchall()
    return {(article_id, int(index)): event_id for article_id, index, event_id in rows}


def stored_event_ids(conn) -> set[str]:
    """The event ids of the stored resolution (what the marts hold)."""
    warehouse.ensure_schema(conn)
    return {r[0] for r in conn.execute("SELECT event_id FROM layoff_event_resolution").fetchall()}


def replace_event_resolution(conn, events: Sequence[Mapping[str, Any]],
                             mentions: Sequence[Mapping[str, Any]]) -> None:
    """Replace both resolution tables in one transaction: readers see the old resolution or the new
    one, never half of each."""
    warehouse.ensure_schema(conn)
    with warehouse.transaction(conn):
        conn.execute("DELETE FROM layoff_event_resolution_mentions")
        conn.execute("DELETE FROM layoff_event_resolution")
        warehouse.insert_many(conn, EVENTS_TABLE, events)
        warehouse.insert_many(conn, EVENT_MENTIONS_TABLE, mentions)
