"""The pages stage extracts and tags each page while the others download, and keeps the processed
article under its extraction key and the tags under their tagging key; the articles and mentions
stages reuse them. The tables must be exactly those computed after the fetch, a change of the code
must recompute, and a failure of the early work must cost nothing but time."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest

from monitor_pipeline import stages
from monitor_pipeline.core.ingest.feed_state import PollPolicy
from monitor_pipeline.core.ingest.fetch import HttpSettings
from monitor_pipeline.core.ingest.registry import load_registry
from monitor_pipeline.core.tagging import tagging_key
from monitor_pipeline.core.text import extraction_key
from monitor_pipeline.core.text.article_processing import PageInput, ProcessedArticle
from monitor_pipeline.sample_server import SampleCorpusServer
from monitor_pipeline.storage import article_tags, page_extractions, warehouse

pytestmark = pytest.mark.slow

DAY = "2026-03-02"
HTTP = dict(allow_hosts=("127.0.0.1",), connect_timeout_s=2.0, read_timeout_s=2.0, total_timeout_s=5.0,
            max_retries=0, per_host_concurrency=4, per_host_min_interval_s=0.0)


@pytest.fixture(scope="module")
def server():
    """One server for the module: its port is in every URL, hence in the entry ids."""
    with SampleCorpusServer() as running:
        yield running


def fetched(root: Path, server: SampleCorpusServer, extract_workers: int) -> Path:
    """The sample corpus polled and fetched into a new warehouse file."""
    db = root / f"w{extract_workers}.duckdb"
    registry = root / "feeds.yaml"
    registry.write_text(server.registry_yaml(), encoding="utf-8")
    connect = warehouse.connection_factory(db)
    http = HttpSettings(**HTTP)
    stages.poll_feeds(connect, load_registry(registry), http, PollPolicy(), DAY,
                      now=datetime(2026, 3, 2, 9, tzinfo=timezone.utc))
    report = stages.fetch_pages(connect, DAY, http, extract_workers=extract_workers)
    db.with_suffix(".report").write_text(repr((report.extracted, report.extraction_error)))
    return db


MENTIONS = ("company_mentions", "numeric_facts", "layoff_mentions", "org_candidate_mentions")


def articles(db: Path, table: str = "articles") -> list[tuple]:
    conn = duckdb.connect(str(db), read_only=True)
    try:
        return sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
    finally:
        conn.close()


def ok_pages(db: Path) -> int:
    conn = duckdb.connect(str(db), read_only=True)
    try:
        return conn.execute("SELECT count(*) FROM article_pages WHERE status = 'ok'").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def reference(tmp_path_factory, server) -> Path:
    """Fetched without early extraction, then built in one process: the articles to match."""
    db = fetched(tmp_path_factory.mktemp("reference"), server, extract_workers=0)
    report = stages.build_articles(warehouse.connection_factory(db), DAY, workers=1)
    assert report.extracted_before == 0
    assert stages.tag_articles(warehouse.connection_factory(db), DAY, workers=1).tagged_before == 0
    return db


def test_articles_built_from_pages_extracted_while_fetching_are_the_same(reference, tmp_path, server):
    db = fetched(tmp_path, server, extract_workers=2)
    assert db.with_suffix(".report").read_text() == repr((ok_pages(db), None))
    report = stages.build_articles(warehouse.connection_factory(db), DAY, workers=2)
    assert report.extracted_before == ok_pages(db) > 30  # every fetched page, none extracted twice
    assert articles(db) == articles(reference)
    tagged = stages.tag_articles(warehouse.connection_factory(db), DAY, workers=2)
    assert tagged.tagged_before == tagged.articles_tagged > 30  # every French article, none tagged twice
    for table in MENTIONS:
        assert articles(db, table) == articles(reference, table), table


def test_the_articles_stage_takes_the_kept_article_instead_of_extracting_again(tmp_path, server):
    db = fetched(tmp_path, server, extract_workers=2)
    connect = warehouse.connection_factory(db)
    with connect() as conn:
        key, entry_id = conn.execute("SELECT extraction_key, entry_id FROM page_extractions "
                                     "WHERE article_json LIKE '%\"status\": \"ok\"%' ORDER BY entry_id LIMIT 1").fetchone()
        kept = page_extractions.load(conn, [key])[key]
        marked = page_extractions.article(entry_id, kept)
        marked.title = "Titre posé par le test"
        page_extractions.save(conn, DAY, [(key, marked)])
    stages.build_articles(connect, DAY, workers=1)
    with connect() as conn:
        assert conn.execute("SELECT title FROM articles WHERE article_id = ?", [entry_id]).fetchone()[0] == \
            "Titre posé par le test"


def test_the_mentions_stage_takes_the_kept_tags_and_keeps_those_it_computes(reference, tmp_path, server):
    db = fetched(tmp_path, server, extract_workers=0)  # nothing kept by the pages stage
    connect = warehouse.connection_factory(db)
    stages.build_articles(connect, DAY, workers=1)
    first = stages.tag_articles(connect, DAY, workers=1)
    assert first.tagged_before == 0
    for table in MENTIONS:
        assert articles(db, table) == articles(reference, table), table
    with connect() as conn:  # a kept result with one layoff removed: the rebuild must show it
        key, article_id, payload = conn.execute(
            "SELECT tagging_key, article_id, result_json FROM article_tags "
            "WHERE result_json LIKE '%\"layoffs\": [{%' ORDER BY article_id LIMIT 1").fetchone()
        kept = article_tags.load(conn, [key])[key]
        kept.layoffs = []
        article_tags.save(conn, DAY, [(key, article_id, kept)])
    second = stages.tag_articles(connect, DAY, workers=2)
    assert second.tagged_before == first.articles_tagged
    with connect() as conn:
        assert conn.execute("SELECT count(*) FROM layoff_mentions WHERE article_id = ?", [article_id]).fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM layoff_mentions").fetchone()[0] > 0


def test_a_change_of_the_tagger_tags_again(reference, tmp_path, server, monkeypatch):
    db = fetched(tmp_path, server, extract_workers=2)
    stages.build_articles(warehouse.connection_factory(db), DAY, workers=1)
    monkeypatch.setattr(tagging_key, "tagging_fingerprint", lambda: "another-tagger")
    monkeypatch.setattr(article_tags, "tagging_fingerprint", lambda: "another-tagger")
    report = stages.tag_articles(warehouse.connection_factory(db), DAY, workers=1)
    assert report.tagged_before == 0
    for table in MENTIONS:
        assert articles(db, table) == articles(reference, table), table
    with warehouse.connection_factory(db)() as conn:
        assert conn.execute("SELECT count(*) FROM article_tags WHERE fingerprint <> 'another-tagger'").fetchone()[0] == 0


def test_a_change_of_the_extraction_code_extracts_again_and_drops_what_it_replaces(reference, tmp_path, server, monkeypatch):
    db = fetched(tmp_path, server, extract_workers=2)
    monkeypatch.setattr(extraction_key, "extraction_fingerprint", lambda: "another-version")
    monkeypatch.setattr(page_extractions, "extraction_fingerprint", lambda: "another-version")
    report = stages.build_articles(warehouse.connection_factory(db), DAY, workers=2)
    assert report.extracted_before == 0
    assert articles(db) == articles(reference)
    with warehouse.connection_factory(db)() as conn:  # the old version's articles are gone
        assert conn.execute("SELECT count(*) FROM page_extractions WHERE fingerprint <> 'another-version'"
                            ).fetchone()[0] == 0


def test_a_failure_of_the_early_extraction_fails_nothing(reference, tmp_path, server, monkeypatch):
    def disk_full(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(page_extractions, "save", disk_full)
    db = fetched(tmp_path, server, extract_workers=2)
    extracted, error = eval(db.with_suffix(".report").read_text())  # noqa: S307 - our own repr
    assert extracted == 0 and "No space left on device" in error
    monkeypatch.undo()
    report = stages.build_articles(warehouse.connection_factory(db), DAY, workers=2)
    assert report.extracted_before == 0 and articles(db) == articles(reference)


def test_results_that_depend_on_the_machine_are_not_kept(tmp_path):
    page = PageInput(article_id="a", body=b"", content_type="text/html", url="https://x.test/a",
                     feed_summary=None, feed_title="T")
    base = dict(title=None, author=None, html_published_at=None, sitename=None, description=None, html_lang=None,
                encoding=None, encoding_source=None, text="", paragraphs=[], sentences=[], language="und",
                language_probability=0.0, signature=None, error=None)
    conn = duckdb.connect(str(tmp_path / "w.duckdb"))
    warehouse.ensure_schema(conn)
    kept = page_extractions.save(conn, DAY, [
        (extraction_key.extraction_key(page, "s1"), ProcessedArticle(article_id="a", status="timeout", **base)),
        (extraction_key.extraction_key(page, "s2"), ProcessedArticle(article_id="a", status="error", **base)),
        (extraction_key.extraction_key(page, "s3"), ProcessedArticle(article_id="a", status="not_html", **base)),
    ])
    assert kept == 1 and warehouse.table_count(conn, "page_extractions") == 1
    # the key follows everything the processed article depends on
    assert extraction_key.extraction_key(page, "s1") != extraction_key.extraction_key(page, "s2")
    other_title = PageInput(**{**page.__dict__, "feed_title": "U"})
    assert extraction_key.extraction_key(page, "s1") != extraction_key.extraction_key(other_title, "s1")
    conn.close()


def test_kept_rows_outlive_their_day_by_one_day_only(tmp_path):
    page = PageInput(article_id="a", body=b"", content_type="text/html", url="https://x.test/a",
                     feed_summary=None, feed_title="T")
    article = ProcessedArticle(article_id="a", status="ok", title=None, author=None, html_published_at=None,
                               sitename=None, description=None, html_lang=None, encoding=None, encoding_source=None,
                               text="Un texte.", paragraphs=[(0, 9)], sentences=[(0, 9)], language="fr",
                               language_probability=1.0, signature=None, error=None)
    conn = duckdb.connect(str(tmp_path / "w.duckdb"))
    warehouse.ensure_schema(conn)
    for day in ("2026-03-01", "2026-03-02", "2026-03-03"):
        page_extractions.save(conn, day, [(extraction_key.extraction_key(page, day), article)])
        article_tags.save(conn, day, [(day, "a", tagging_key.TagResult())])
    page_extractions.drop_stale(conn, "2026-03-03")
    article_tags.drop_stale(conn, "2026-03-03")
    for table in ("page_extractions", "article_tags"):  # the day built and the day before stay
        assert [str(r[0]) for r in conn.execute(f"SELECT partition_day FROM {table} ORDER BY 1").fetchall()] == \
            ["2026-03-02", "2026-03-03"], table
    conn.close()


def test_with_extraction_held_back_to_one_chunk_ahead_of_the_taggers_every_article_is_tagged_once(
        reference, tmp_path, server, monkeypatch):
    """Tagging costs more than extracting, so extraction waits once TAG_CHUNKS_AHEAD chunks await a
    tagger (bounded memory): with chunks of two and one ahead, that wait happens at almost every
    chunk, and every article must still be tagged once, with the same tags."""
    from monitor_pipeline.stages import early_extraction

    waiting: list[int] = []
    keep_tags = early_extraction.ExtractionWhileFetching._keep_tags

    def counting(self, articles, future):
        waiting.append(len(articles))
        return keep_tags(self, articles, future)

    monkeypatch.setattr(early_extraction, "TAG_CHUNK", 2)
    monkeypatch.setattr(early_extraction, "TAG_CHUNKS_AHEAD", 1)
    monkeypatch.setattr(early_extraction.ExtractionWhileFetching, "_keep_tags", counting)
    db = fetched(tmp_path, server, extract_workers=2)
    assert sum(waiting) > 30 and max(waiting) <= 2  # many small chunks, each kept
    stages.build_articles(warehouse.connection_factory(db), DAY, workers=2)
    tagged = stages.tag_articles(warehouse.connection_factory(db), DAY, workers=2)
    assert tagged.tagged_before == tagged.articles_tagged == sum(waiting)
    for table in MENTIONS:
        assert articles(db, table) == articles(reference, table), table
