"""The warehouse module: partition writes are atomic and idempotent; the analysts' copy is always readable."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import duckdb
import pytest

from monitor_pipeline_tests.partition_writes import replace_partition
from monitor_pipeline.storage import warehouse


def _article(aid: str, day: str, title: str = "t") -> dict:
    return {"article_id": aid, "partition_day": day, "source_id": "s", "status": "ok", "title": title,
            "language": "fr", "text": "x", "cluster_id": aid}


@pytest.fixture
def conn(warehouse_file):
    c = duckdb.connect(str(warehouse_file))
    warehouse.ensure_schema(c)
    yield c
    c.close()


def test_replace_partition_is_idempotent_and_leaves_other_days(conn):
    replace_partition(conn, "2026-11-24", {"articles": [_article("a", "2026-11-24")]})
    rows = [_article("b", "2026-11-25"), _article("c", "2026-11-25")]
    replace_partition(conn, "2026-11-25", {"articles": rows})
    replace_partition(conn, "2026-11-25", {"articles": rows})
    got = conn.execute("SELECT article_id FROM articles ORDER BY 1").fetchall()
    assert got == [("a",), ("b",), ("c",)]


def test_failed_partition_write_keeps_the_previous_state(conn):
    replace_partition(conn, "2026-11-25", {"articles": [_article("b", "2026-11-25", "old")]})
    bad = [_article("c", "2026-11-25"), _article("c", "2026-11-25")]  # duplicate primary key
    with pytest.raises(duckdb.ConstraintException):
        replace_partition(conn, "2026-11-25", {"articles": bad})
    assert conn.execute("SELECT article_id, title FROM articles").fetchall() == [("b", "old")]


def test_columns_follow_the_ddl():
    assert warehouse.columns("layoff_mentions")[:4] == ["article_id", "partition_day", "mention_index", "company_id"]
    assert "content_sha256" in warehouse.columns("article_pages")
    assert "html_zlib" not in warehouse.columns("article_pages")  # raw pages live in the page store


def test_publish_copies_tables_and_an_open_reader_keeps_its_snapshot(conn, warehouse_file):
    replace_partition(conn, "2026-11-25", {"articles": [_article("a", "2026-11-25")]})
    conn.execute("CHECKPOINT")
    counts = warehouse.publish_analytics_copy(conn, warehouse.analytics_path(str(warehouse_file)), tables=("articles",))
    assert counts == {"articles": 1}
    analytics = warehouse.analytics_path(str(warehouse_file))
    reader = duckdb.connect(str(analytics), read_only=True)
    replace_partition(conn, "2026-11-26", {"articles": [_article("b", "2026-11-26")]})
    warehouse.publish_analytics_copy(conn, warehouse.analytics_path(str(warehouse_file)), tables=("articles",))
    assert reader.execute("SELECT count(*) FROM articles").fetchone()[0] == 1  # old snapshot
    reader.close()
    fresh = duckdb.connect(str(analytics), read_only=True)
    assert fresh.execute("SELECT count(*) FROM articles").fetchone()[0] == 2
    fresh.close()
    assert not list(analytics.parent.glob(".analytics-*"))  # no temporary file left behind


def test_analysts_can_query_while_a_run_holds_the_working_database(conn, warehouse_file):
    replace_partition(conn, "2026-11-25", {"articles": [_article("a", "2026-11-25")]})
    conn.execute("CHECKPOINT")
    warehouse.publish_analytics_copy(conn, warehouse.analytics_path(str(warehouse_file)), tables=("articles",))
    # `conn` (this process) holds the working file's write lock, as a run in progress does.
    conn.execute("BEGIN TRANSACTION")
    conn.execute("DELETE FROM articles")
    analyst = textwrap.dedent(f"""
        import duckdb, sys
        try:
            duckdb.connect({str(warehouse_file)!r}, read_only=True)
            print("working-db-open")
        except duckdb.IOException:
            print("working-db-locked")
        c = duckdb.connect({str(warehouse.analytics_path(str(warehouse_file)))!r}, read_only=True)
        print(c.execute("SELECT count(*) FROM articles").fetchone()[0])
    """)
    out = subprocess.run([sys.executable, "-c", analyst], capture_output=True, text=True, timeout=60)
    conn.execute("ROLLBACK")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.split()
    assert lines[0] == "working-db-locked"  # what the copy exists for
    assert lines[1] == "1"


def test_a_warehouse_from_before_the_registry_permissions_gains_their_columns(tmp_path):
    """feeds had five columns; ensure_schema adds feed_allowed_by_publisher and tdm_licence, keeping rows."""
    conn = duckdb.connect(str(tmp_path / "old.duckdb"))
    try:
        conn.execute("CREATE TABLE feeds (feed_id VARCHAR PRIMARY KEY, name VARCHAR, url VARCHAR, language VARCHAR, "
                     "enabled BOOLEAN)")
        conn.execute("INSERT INTO feeds VALUES ('a', 'A', 'https://a.fr/rss', 'fr', true)")
        warehouse.ensure_schema(conn)
        warehouse.upsert_rows(conn, "feeds", "feed_id", [
            {"feed_id": "b", "name": "B", "url": "https://b.fr/rss", "language": "fr", "enabled": True,
             "tdm_licence": "accord 2026"}])
        assert conn.execute("SELECT feed_id, tdm_licence FROM feeds ORDER BY feed_id").fetchall() == [
            ("a", None), ("b", "accord 2026")]
    finally:
        conn.close()


def test_an_older_warehouse_gets_the_new_mention_columns(tmp_path):
    """A warehouse written before issue 16 lacks known/company_name/headcount range/evidence columns:
    opening it adds them, empty, and keeps its rows."""
    path = tmp_path / "old.duckdb"
    old = duckdb.connect(str(path))
    old.execute("CREATE TABLE layoff_mentions (article_id VARCHAR, partition_day DATE, mention_index INTEGER, "
                "company_id VARCHAR, status VARCHAR, counted BOOLEAN, headcount BIGINT, headcount_percent DOUBLE, "
                "trigger VARCHAR, sentence VARCHAR, char_start INTEGER, char_end INTEGER, cluster_id VARCHAR, "
                "tagger_version VARCHAR)")
    old.execute("INSERT INTO layoff_mentions (article_id, company_id, status) VALUES ('a1', 'atos', 'announced')")
    warehouse.ensure_schema(old)
    names = [r[0] for r in old.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = 'layoff_mentions' "
                                       "ORDER BY column_index").fetchall()]
    assert names == warehouse.columns("layoff_mentions")
    assert old.execute("SELECT company_id, known, rule FROM layoff_mentions").fetchall() == [("atos", None, None)]
    old.close()


def test_a_warehouse_of_an_earlier_version_has_its_renamed_tables_renamed_in_place(tmp_path):
    """metric_mentions_raw became numeric_facts: an existing warehouse keeps its rows under the new name."""
    path = tmp_path / "old.duckdb"
    conn = duckdb.connect(str(path))
    try:
        conn.execute("CREATE TABLE metric_mentions_raw (article_id VARCHAR, partition_day DATE, value DOUBLE)")
        conn.execute("INSERT INTO metric_mentions_raw VALUES ('a1', DATE '2026-03-02', 4000)")
        warehouse.ensure_schema(conn)
        tables = {r[0] for r in conn.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        assert "metric_mentions_raw" not in tables
        assert conn.execute("SELECT article_id, value FROM numeric_facts").fetchall() == [("a1", 4000.0)]
        assert set(warehouse.columns("numeric_facts")) <= {
            r[0] for r in conn.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = 'numeric_facts'").fetchall()}
    finally:
        conn.close()
