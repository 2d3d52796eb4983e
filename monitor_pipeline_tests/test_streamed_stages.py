"""build_articles and tag_articles stream their partition in bounded batches through a spool, and tag in
worker processes: the tables they write must not depend on batch sizes or on the number of workers,
and a failure before publishing must leave the previous partition as it was."""
from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest

from monitor_pipeline import stages

from monitor_pipeline.storage import spool, warehouse
from monitor_pipeline.core.ingest.feed_state import PollPolicy
from monitor_pipeline.core.ingest.fetch import HttpSettings
from monitor_pipeline.core.ingest.registry import load_registry
from monitor_pipeline.sample_server import SampleCorpusServer

pytestmark = pytest.mark.slow

DAY = "2026-03-02"
MENTIONS = ("company_mentions", "numeric_facts", "layoff_mentions", "org_candidate_mentions")


def rows(db: Path, table: str) -> list[tuple]:
    conn = duckdb.connect(str(db), read_only=True)
    try:
        return sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
    finally:
        conn.close()


@pytest.fixture(scope="module")
def fetched_db(tmp_path_factory) -> Path:
    """The sample corpus polled and fetched into a DuckDB file (pages stored, nothing processed)."""
    root = tmp_path_factory.mktemp("streamed")
    db = root / "warehouse.duckdb"
    http = HttpSettings(allow_hosts=("127.0.0.1",), connect_timeout_s=2.0, read_timeout_s=2.0, total_timeout_s=5.0,
                        max_retries=0, per_host_concurrency=4, per_host_min_interval_s=0.0)
    with SampleCorpusServer() as server:
        registry = root / "feeds.yaml"
        registry.write_text(server.registry_yaml(), encoding="utf-8")
        connect = warehouse.connection_factory(db)
        stages.poll_feeds(connect, load_registry(registry), http, PollPolicy(), DAY,
                          now=datetime(2026, 3, 2, 9, tzinfo=timezone.utc))
        stages.fetch_pages(connect, DAY, http)
    return db


def copy_of(db: Path, tmp_path: Path, name: str) -> Path:
    """A copy of the warehouse file and of its page store."""
    target = tmp_path / f"{name}.duckdb"
    shutil.copy(db, target)
    shutil.copytree(db.with_name(db.stem + ".pages"), target.with_name(f"{name}.pages"))
    return target


def test_small_batches_and_tagging_workers_write_the_same_tables(fetched_db, tmp_path, monkeypatch):
    reference = copy_of(fetched_db, tmp_path, "reference")
    stages.build_articles(warehouse.connection_factory(reference), DAY, workers=1)
    in_process = stages.tag_articles(warehouse.connection_factory(reference), DAY, workers=1)

    streamed = copy_of(fetched_db, tmp_path, "streamed")
    monkeypatch.setattr(stages.articles, "ARTICLE_BATCH_PAGES", 4)
    monkeypatch.setattr(stages.articles, "ENTRY_READ_ROWS", 5)  # the partition read in 10 batches
    monkeypatch.setattr(stages.mentions, "TAG_READ_BATCH", 7)
    monkeypatch.setattr(stages.mentions, "TAG_CHUNK", 3)
    monkeypatch.setattr(stages.mentions, "TAG_SPOOL_BUFFER_ROWS", 10)
    monkeypatch.setattr(stages.mentions, "PARALLEL_TAGGING_MIN_ARTICLES", 1)
    report = stages.build_articles(warehouse.connection_factory(streamed), DAY, workers=2)
    parallel = stages.tag_articles(warehouse.connection_factory(streamed), DAY, workers=2)

    assert report.articles == 46 and report.syndicated_copies >= 1  # the sample corpus has 46 entries
    assert rows(streamed, "articles") == rows(reference, "articles")
    for table in MENTIONS:
        assert rows(streamed, table) == rows(reference, table), table
    assert parallel.company_mentions == in_process.company_mentions > 0
    assert parallel.counted_layoffs == in_process.counted_layoffs > 0
    assert parallel.companies == in_process.companies


def test_a_failure_while_tagging_keeps_the_previous_mentions_and_leaves_no_spool(fetched_db, tmp_path, monkeypatch):
    db = copy_of(fetched_db, tmp_path, "failing")
    connect = warehouse.connection_factory(db)
    stages.build_articles(connect, DAY, workers=1)
    stages.tag_articles(connect, DAY)
    before = {table: rows(db, table) for table in MENTIONS}
    spools: list[Path] = []
    original_init = spool.PartitionSpool.__init__

    def remember(self, tables, **kwargs):
        original_init(self, tables, **kwargs)
        spools.append(self.path)

    class BrokenTagger:
        kb = stages.cached_tagger().kb
        calls = 0

        def tag_many(self, texts):
            BrokenTagger.calls += 1
            if BrokenTagger.calls == 3:
                raise RuntimeError("tagger crashed on the third batch")
            return stages.cached_tagger().tag_many(texts)

    monkeypatch.setattr(spool.PartitionSpool, "__init__", remember)
    monkeypatch.setattr(stages.mentions, "TAG_READ_BATCH", 5)
    with pytest.raises(RuntimeError, match="third batch"):
        stages.tag_articles(connect, DAY, tagger=BrokenTagger())

    assert {table: rows(db, table) for table in MENTIONS} == before
    assert spools and not any(path.parent.exists() for path in spools)


def test_publishing_replaces_only_the_given_day(tmp_path):
    db = tmp_path / "w.duckdb"
    connect = warehouse.connection_factory(db)
    other_day = "2026-03-01"
    row = {"article_id": "a", "company_id": "openai", "company_name": "OpenAI"}
    with connect() as conn:
        warehouse.ensure_schema(conn)
        warehouse.insert_rows(conn, "company_mentions", [{**row, "partition_day": DAY, "article_id": "old"},
                                                          {**row, "partition_day": other_day}])
    with spool.PartitionSpool(["company_mentions"], buffer_rows=100) as spooled:  # written at publish
        spooled.append({"company_mentions": [{**row, "partition_day": DAY, "article_id": f"new-{i}"}
                                             for i in range(3)]})
        spooled.append({"company_mentions": []})
        with connect() as conn:
            spooled.publish(conn, DAY)
        assert spooled.rows == {"company_mentions": 3}
    got = [(str(r[1]), r[0]) for r in rows(db, "company_mentions")]
    assert sorted(got) == [(other_day, "a"), (DAY, "new-0"), (DAY, "new-1"), (DAY, "new-2")]
    with connect() as conn:  # the spool is detached again
        assert conn.execute("SELECT count(*) FROM duckdb_databases() WHERE database_name = 'spool'").fetchone() == (0,)


def test_a_page_missing_from_the_store_is_reported_not_fatal(fetched_db, tmp_path):
    db = copy_of(fetched_db, tmp_path, "missing")
    connect = warehouse.connection_factory(db)
    with connect() as conn:
        entry_id, sha = conn.execute("SELECT entry_id, content_sha256 FROM article_pages WHERE status = 'ok' "
                                     "ORDER BY entry_id LIMIT 1").fetchone()
        store = warehouse.page_store(conn)
    store.path_for(sha).unlink()
    report = stages.build_articles(connect, DAY, workers=1)
    assert report.statuses["page_missing"] == 1 and report.articles == 46
    with connect() as conn:
        assert conn.execute("SELECT status FROM articles WHERE article_id = ?", [entry_id]).fetchone() == ("page_missing",)


def test_a_page_store_write_error_fails_the_batch_before_its_rows(tmp_path, monkeypatch):
    """Bodies are compressed into the store while other pages download; a write error (disk full)
    must fail the batch before its rows are committed, and a rerun then stores every page."""
    from monitor_pipeline.storage.page_store import PageStore

    db = tmp_path / "warehouse.duckdb"
    connect = warehouse.connection_factory(db)
    http = HttpSettings(allow_hosts=("127.0.0.1",), max_retries=0, per_host_concurrency=4,
                        per_host_min_interval_s=0.0)
    real_put, calls = PageStore.put, []

    def failing_put(store, body, sha256=None):
        calls.append(sha256)
        if len(calls) == 5:
            raise OSError(28, "No space left on device")
        return real_put(store, body, sha256)

    with SampleCorpusServer() as server:
        registry = tmp_path / "feeds.yaml"
        registry.write_text(server.registry_yaml(), encoding="utf-8")
        stages.poll_feeds(connect, load_registry(registry), http, PollPolicy(), DAY,
                          now=datetime(2026, 3, 2, 9, tzinfo=timezone.utc))
        monkeypatch.setattr(PageStore, "put", failing_put)
        with pytest.raises(OSError, match="No space left"):
            stages.fetch_pages(connect, DAY, http)
        with connect() as conn:
            assert conn.execute("SELECT count(*) FROM article_pages").fetchone()[0] == 0
        monkeypatch.setattr(PageStore, "put", real_put)
        report = stages.fetch_pages(connect, DAY, http)
    with connect() as conn:
        entries, ok_pages = conn.execute("""
            SELECT (SELECT count(*) FROM feed_entries), (SELECT count(*) FROM article_pages WHERE status = 'ok')
        """).fetchone()
        store = warehouse.page_store(conn)
        hashes = [r[0] for r in conn.execute("SELECT content_sha256 FROM article_pages WHERE status = 'ok'").fetchall()]
    assert len(calls) > 5 and report.fetched == entries > 0
    assert ok_pages == report.statuses["ok"] > 0
    assert all(store.has(h) for h in hashes)


def test_fetching_pages_warms_the_workers_only_when_there_is_something_to_fetch(tmp_path, monkeypatch):
    """The worker forkserver (spaCy, knowledge base, extraction modules) starts loading when pages are
    about to be fetched, so it warms up while the stage waits on the network; a fetch with nothing new
    to fetch, or one told not to, starts nothing."""
    from monitor_pipeline.stages import pages

    warmed = []
    monkeypatch.setattr(pages, "worker_context", lambda: warmed.append(True))
    db = tmp_path / "warehouse.duckdb"
    connect = warehouse.connection_factory(db)
    http = HttpSettings(allow_hosts=("127.0.0.1",), max_retries=0, per_host_concurrency=4,
                        per_host_min_interval_s=0.0)
    with SampleCorpusServer() as server:
        registry = tmp_path / "feeds.yaml"
        registry.write_text(server.registry_yaml(), encoding="utf-8")
        stages.poll_feeds(connect, load_registry(registry), http, PollPolicy(), DAY,
                          now=datetime(2026, 3, 2, 9, tzinfo=timezone.utc))
        assert stages.fetch_pages(connect, DAY, http, warm_workers=False).fetched > 0
        assert warmed == []
        with connect() as conn:
            conn.execute("DELETE FROM article_pages")
        assert stages.fetch_pages(connect, DAY, http).fetched > 0
        assert warmed == [True]
        assert stages.fetch_pages(connect, DAY, http).fetched == 0  # every page already stored
    assert warmed == [True]
