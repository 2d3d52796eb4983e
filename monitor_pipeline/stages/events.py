"""The events stage: counted layoff mentions of every day → real-world layoff events across sources
(``core.events.resolve_events``), written whole in one transaction; and the same events, as objects,
for the alerts."""
from __future__ import annotations

from monitor_pipeline.core.events import (
    ResolutionSettings, ResolvedEvent, event_mention_rows, event_row, mention_from_row, resolve_events,
)
from monitor_pipeline.storage import event_store
from monitor_pipeline.storage.warehouse import ConnectionFactory


def current_layoff_events(connect: ConnectionFactory, settings: ResolutionSettings,
                          stored_only: bool = False) -> list[ResolvedEvent]:
    """The events of the stored mentions, the ids given last time kept (a re-run or a backfill of an
    old day never turns an event into a new one). Reads only, and deterministic: the alerts get the very
    events the last resolution wrote, with the mentions and changes their text quotes. ``stored_only``:
    only the events the stored resolution holds (an event resolved since waits for the next one)."""
    with connect() as conn:
        rows = event_store.counted_layoff_mentions(conn)
        previous = event_store.previous_event_ids(conn)
        stored = event_store.stored_event_ids(conn) if stored_only else None
    events = resolve_events((mention_from_row(row) for row in rows), settings, previous_event_ids=previous)
    return [e for e in events if e.event_id in stored] if stored is not None else events


def resolve_layoff_events(connect: ConnectionFactory, settings: ResolutionSettings) -> list[ResolvedEvent]:
    """Resolve the events of every day and replace the stored resolution with them (one transaction)."""
    events = current_layoff_events(connect, settings)
    with connect() as conn:
        event_store.replace_event_resolution(
            conn, [event_row(e) for e in events], [row for e in events for row in event_mention_rows(e)])
    return events
