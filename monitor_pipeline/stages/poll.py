"""The poll stage: fetch the due feeds and store each entry never seen before in the day's partition."""
from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from monitor_pipeline.storage import warehouse
from monitor_pipeline.core.ingest import feed_state
from monitor_pipeline.core.ingest.feeds import check_expat, parse_feed
from monitor_pipeline.core.ingest.fetch import HttpSettings, fetch_all
from monitor_pipeline.core.ingest.registry import FeedSource
from monitor_pipeline.stages.origin_rules import load_origin_cache, save_origin_cache
from monitor_pipeline.storage.warehouse import ConnectionFactory

TITLE_LOOKBACK_DAYS = 7  # the poll skips an entry whose title its source published in the last 7 days
ENTRY_INSERT_ROWS = 2_000  # new entries inserted (as one DataFrame) at a time, within the one transaction


def entry_id_for(canonical_url: str) -> str:
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:20]


@dataclass
class PollReport:
    feeds_polled: int = 0
    feeds_skipped_not_due: int = 0
    statuses: Counter = field(default_factory=Counter)
    entries_seen: int = 0
    entries_new: int = 0
    new_per_source: Counter = field(default_factory=Counter)
    failing_feeds: list[str] = field(default_factory=list)
    disabled_feeds: list[str] = field(default_factory=list)


def _load_states(conn, feed_ids: Sequence[str]) -> dict[str, feed_state.FeedState]:
    rows = warehouse.fetch_dicts(
        conn, "SELECT * FROM feed_state WHERE feed_id IN (SELECT unnest(?))", [list(feed_ids)]
    )
    return {r["feed_id"]: feed_state.FeedState(**r) for r in rows}


def _known_identities(conn, canonical_urls: list[str], guids: list[str], since: datetime) -> tuple[set, set, set]:
    """Stored identities among the candidates: canonical URLs, (source, GUID) pairs, recent (source, title)."""
    urls = {r[0] for r in conn.execute(
        "SELECT canonical_url FROM feed_entries WHERE canonical_url IN (SELECT unnest(?))", [canonical_urls]
    ).fetchall()}
    known_guids = {(r[0], r[1]) for r in conn.execute(
        "SELECT source_id, guid FROM feed_entries WHERE guid IN (SELECT unnest(?))", [guids]
    ).fetchall()}
    titles = {(r[0], r[1]) for r in conn.execute(
        "SELECT source_id, title_key FROM feed_entries WHERE first_seen_at >= ?", [since]
    ).fetchall()}
    return urls, known_guids, titles


def store_feed_registry(connect: ConnectionFactory, sources: Sequence[FeedSource]) -> int:
    """Write the feed list to the ``feeds`` table (the names and languages the marts show)."""
    with connect() as conn:
        warehouse.ensure_schema(conn)
        warehouse.upsert_rows(conn, "feeds", "feed_id", [
            {"feed_id": s.id, "name": s.name, "url": s.url, "language": s.language, "enabled": s.enabled,
             "feed_allowed_by_publisher": s.feed_allowed_by_publisher, "tdm_licence": s.tdm_licence}
            for s in sources
        ])
    return len(sources)


def poll_feeds(
    connect: ConnectionFactory,
    sources: Sequence[FeedSource],
    http: HttpSettings,
    policy: feed_state.PollPolicy,
    day: str,
    now: datetime | None = None,
) -> PollReport:
    """Poll the due feeds and store entries never seen before (by canonical URL, GUID, or title)."""
    check_expat()  # refuse to parse feeds with an expat that has no entity-expansion protection
    now = now or datetime.now(timezone.utc)
    report = PollReport()
    enabled = [s for s in sources if s.enabled]
    with connect() as conn:
        warehouse.ensure_schema(conn)
        states = _load_states(conn, [s.id for s in enabled])
        cache = load_origin_cache(conn)
    due = [s for s in enabled if feed_state.is_due(states.get(s.id), now)]
    report.feeds_skipped_not_due = len(enabled) - len(due)
    report.feeds_polled = len(due)
    requests = [feed_state.build_request(s, states.get(s.id), now, policy) for s in due]
    results: list = list(fetch_all(requests, http, cache=cache))
    save_origin_cache(connect, cache)

    candidates: list[tuple[FeedSource, Any, str | None]] = []
    new_states, fetch_rows = [], []
    for index, source in enumerate(due):
        result, results[index] = results[index], None  # its body is dropped once parsed
        state = states.get(source.id)
        parsed = None
        status = result.status
        if result.status == "ok" and feed_state.body_unchanged(state, result):
            status = "not_modified"
        elif result.status == "ok":
            parsed = parse_feed(result.body, result.headers, source.id, now=now, base_url=result.final_url or source.url)
            status = "ok" if parsed.status == "ok" else parsed.status
        report.statuses[status] += 1
        parsed_ok = status in ("ok", "not_modified", "empty")
        new_state = feed_state.next_state(source, state, result, parsed_ok, now, policy)
        new_states.append(new_state)
        if not parsed_ok:
            report.failing_feeds.append(source.id)
        if new_state.disabled_reason:
            report.disabled_feeds.append(source.id)
        entries = parsed.entries if parsed else []
        report.entries_seen += len(entries)
        for entry in entries:
            candidates.append((source, entry, parsed.language if parsed else None))
        fetch_rows.append({
            "feed_id": source.id, "partition_day": day, "fetched_at": now, "status": status,
            "http_status": result.http_status, "bytes": len(result.body), "elapsed_s": result.elapsed_s,
            "attempts": result.attempts, "entries_seen": len(entries), "entries_new": 0,
            "bozo": bool(parsed and parsed.bozo), "error": result.error or (parsed.error if parsed else None),
        })

    with connect() as conn:
        urls, guids, titles = _known_identities(
            conn,
            [e.canonical_url for _, e, _ in candidates],
            [e.guid for _, e, _ in candidates if e.guid],
            now - timedelta(days=TITLE_LOOKBACK_DAYS),
        )
        new_rows = []
        for source, entry, feed_language in candidates:
            title_identity = (source.id, entry.title_key)
            # GUIDs are only unique within a feed ("12345" in two feeds are two articles);
            # an entry moving to another feed is caught by its canonical URL.
            if (entry.canonical_url in urls or (entry.guid and (source.id, entry.guid) in guids)
                    or (entry.title_key and title_identity in titles)):
                continue
            urls.add(entry.canonical_url)
            if entry.guid:
                guids.add((source.id, entry.guid))
            titles.add(title_identity)
            report.new_per_source[source.id] += 1
            new_rows.append({
                "entry_id": entry_id_for(entry.canonical_url), "partition_day": day, "source_id": source.id,
                "url": entry.url, "canonical_url": entry.canonical_url, "guid": entry.guid,
                "title": entry.title, "title_key": entry.title_key, "summary": entry.summary,
                "author": entry.author, "published_raw": entry.published_raw, "published_at": entry.published_at,
                "published_in_future": entry.published_in_future,
                "feed_language": feed_language or source.language, "first_seen_at": now,
            })
        for row in fetch_rows:
            row["entries_new"] = report.new_per_source.get(row["feed_id"], 0)
        report.entries_new = len(new_rows)
        def store(conn) -> None:
            for start in range(0, len(new_rows), ENTRY_INSERT_ROWS):
                warehouse.insert_many(conn, "feed_entries", new_rows[start:start + ENTRY_INSERT_ROWS])
            warehouse.insert_many(conn, "feed_fetches", fetch_rows)
            if new_states:
                conn.execute("DELETE FROM feed_state WHERE feed_id IN (SELECT unnest(?))",
                             [[s.feed_id for s in new_states]])
            warehouse.insert_many(conn, "feed_state", [vars(s) for s in new_states])

        warehouse.write_transaction(conn, store)
    return report
