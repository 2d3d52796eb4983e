"""The events stage on a real DuckDB file: counted mentions of every day → the stored resolution, ids kept
across re-runs and backfills, written in one transaction; what the alerts read."""
from __future__ import annotations

from datetime import datetime, timezone

import duckdb
import pytest

from monitor_pipeline import stages
from monitor_pipeline.core.events import ResolutionSettings
from monitor_pipeline.storage import event_store, warehouse

SETTINGS = ResolutionSettings()


def add_article(conn, article_id: str, day: str, source_id: str, hour: int, sentence: str, headcount: int | None,
                status: str = "announced", counted: bool = True) -> None:
    published = datetime.fromisoformat(f"{day}T{hour:02d}:00:00+00:00")
    warehouse.insert_rows(conn, "articles", [{
        "article_id": article_id, "partition_day": day, "source_id": source_id, "url": f"https://x.example/{article_id}",
        "status": "ok", "title": f"Titre {article_id}", "language": "fr", "published_at": published,
        "cluster_id": f"cl-{article_id}"}])
    warehouse.insert_rows(conn, "layoff_mentions", [{
        "article_id": article_id, "partition_day": day, "mention_index": 0, "company_id": "worldline",
        "company_name": "Worldline", "known": True, "status": status, "counted": counted, "headcount": headcount,
        "sentence": sentence, "cluster_id": f"cl-{article_id}"}])


def test_backfill_of_an_earlier_article_keeps_the_event_id_and_not_counted_mentions_stay_out(warehouse_file):
    connect = warehouse.connection_factory(warehouse_file)
    with connect() as conn:
        warehouse.ensure_schema(conn)
        add_article(conn, "b", "2026-03-05", "paiements", 9, "Worldline supprime 1 200 postes.", 1200)
        add_article(conn, "n", "2026-03-05", "echo", 10, "Worldline ne licenciera personne en Italie.", None,
                    status="negated", counted=False)
    # the alerts read only what the stored resolution holds: nothing before the first one
    assert stages.current_layoff_events(connect, SETTINGS, stored_only=True) == []
    [first] = stages.resolve_layoff_events(connect, SETTINGS)
    assert [e.event_id for e in stages.current_layoff_events(connect, SETTINGS, stored_only=True)] == [first.event_id]

    with connect() as conn:  # a backfill brings an EARLIER article of the same layoff by another outlet
        add_article(conn, "a", "2026-03-03", "echo", 8, "Worldline prévoit de supprimer 1 150 emplois.", 1150)
    [again] = stages.resolve_layoff_events(connect, SETTINGS)
    assert again.event_id == first.event_id  # not a new event: alerted once, stays alerted
    assert (again.source_ids, again.headcount) == (("echo", "paiements"), 1200)
    assert stages.resolve_layoff_events(connect, SETTINGS) == [again]  # a re-run changes nothing

    conn = duckdb.connect(str(warehouse_file), read_only=True)
    try:
        assert conn.execute("SELECT event_id, articles, sources, status FROM layoff_event_resolution").fetchall() == [
            (first.event_id, 2, 2, "announced")]
        assert conn.execute("""SELECT article_id, is_founding FROM layoff_event_resolution_mentions
                               ORDER BY published_at""").fetchall() == [("a", True), ("b", False)]
    finally:
        conn.close()


def test_the_resolution_is_replaced_whole_or_not_at_all(warehouse_file):
    connect = warehouse.connection_factory(warehouse_file)
    with connect() as conn:
        warehouse.ensure_schema(conn)
        add_article(conn, "b", "2026-03-05", "paiements", 9, "Worldline supprime 1 200 postes.", 1200)
    stages.resolve_layoff_events(connect, SETTINGS)
    with connect() as conn:
        before = event_store.stored_event_ids(conn)
        bad = [{"event_id": "evt-x", "company_id": "worldline", "articles": "pas un nombre"}]
        with pytest.raises((TypeError, ValueError, duckdb.Error)):  # after the DELETEs, in the transaction
            event_store.replace_event_resolution(conn, bad, [])
        assert event_store.stored_event_ids(conn) == before
        assert len(event_store.previous_event_ids(conn)) == 1
