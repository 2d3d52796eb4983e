"""Publisher opt-outs through the stages (poll_feeds → fetch_pages → build_articles) on a real
loopback site: robots.txt and TDMRep statuses are stored, the feed metadata of a refused page is
kept (title, link, date, summary) and its full text is neither kept nor tagged; registry
permissions lift them; robots.txt is read once for both stages (the rules are kept in the warehouse)."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest

from monitor_pipeline import stages

from monitor_pipeline.storage import warehouse
from monitor_pipeline.core.ingest.feed_state import PollPolicy
from monitor_pipeline.core.ingest.fetch import HttpSettings
from monitor_pipeline.core.ingest.registry import FeedSource
from monitor_pipeline.stages.mentions import TAGGABLE_STATUSES
from monitor_pipeline_tests.core.http_fixtures import LoopbackServer

pytestmark = [pytest.mark.timeout(120), pytest.mark.usefixtures("loopback_tripwire")]
DAY = "2026-03-02"
NOW = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
ROBOTS = "User-agent: *\nDisallow: /prive/\nDisallow: /ferme/\n"
TEXT = " ".join(["Mistral AI annonce une levée de fonds de 600 millions d'euros pour accélérer son développement."] * 8)
PAGE = f"<html lang='fr'><head><title>T</title></head><body><article><p>{TEXT}</p></article></body></html>".encode()
META_PAGE = PAGE.replace(b"<head>", b'<head><meta name="tdm-reservation" content="1">')
HTML = {"Content-Type": "text/html; charset=utf-8"}


def rss(base: str, slugs: list[str]) -> bytes:
    items = "".join(
        f"<item><title>Article {slug}</title><link>{base}{slug}</link><guid>{base}{slug}</guid>"
        f"<description>Résumé publié dans le flux pour {slug}.</description>"
        "<pubDate>Mon, 02 Mar 2026 08:00:00 +0100</pubDate></item>" for slug in slugs)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Flux</title>'
            f"<language>fr</language>{items}</channel></rss>").encode()


@pytest.fixture
def site() -> Iterator[LoopbackServer]:
    with LoopbackServer("127.0.0.1") as server:
        base = server.url("")
        server.route("/robots.txt", lambda h: h.send(200, ROBOTS.encode(), {"Content-Type": "text/plain"}))
        server.route("/flux.xml", lambda h: h.send(200, rss(base, ["/libre", "/prive/a", "/entete", "/meta"])))
        server.route("/licence.xml", lambda h: h.send(200, rss(base, ["/sous-licence"])))
        server.route("/ferme/flux.xml", lambda h: h.send(200, rss(base, ["/autorise"])))
        server.route("/ferme/refuse.xml", lambda h: h.send(200, rss(base, ["/jamais"])))
        for path in ("/libre", "/prive/a", "/autorise", "/jamais"):
            server.route(path, lambda h: h.send(200, PAGE, HTML))
        for path in ("/entete", "/sous-licence"):
            server.route(path, lambda h: h.send(200, PAGE, {**HTML, "tdm-reservation": "1"}))
        server.route("/meta", lambda h: h.send(200, META_PAGE, HTML))
        yield server


def table(db: Path, sql: str) -> list[tuple]:
    conn = duckdb.connect(str(db), read_only=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_opt_outs_keep_feed_metadata_and_drop_full_text(site: LoopbackServer, tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    connect = warehouse.connection_factory(db)
    # Production politeness (interval, concurrency, robots, TDM); only loopback is allowed and timeouts short.
    http = HttpSettings(allow_hosts=("127.0.0.1",), connect_timeout_s=2.0, read_timeout_s=2.0, total_timeout_s=5.0)
    sources = [
        FeedSource("presse", "Presse", site.url("/flux.xml")),
        FeedSource("licence", "Sous licence", site.url("/licence.xml"), tdm_licence="accord CFC 2026-114"),
        FeedSource("autorise", "Autorisé", site.url("/ferme/flux.xml"),
                   feed_allowed_by_publisher="courriel de la rédaction, 2026-03-01"),
        FeedSource("refuse", "Refusé", site.url("/ferme/refuse.xml")),
    ]
    stages.store_feed_registry(connect, sources)  # the `feeds` asset: where a source's TDM licence is read
    report = stages.poll_feeds(connect, sources, http, PollPolicy(), DAY, now=NOW)
    assert report.statuses == {"ok": 3, "robots_disallowed": 1}
    assert dict(table(db, "SELECT feed_id, last_status FROM feed_state"))["refuse"] == "robots_disallowed"
    assert site.hits("/ferme/refuse.xml") == [] and len(site.hits("/ferme/flux.xml")) == 1

    pages = stages.fetch_pages(connect, DAY, http)
    assert pages.statuses == {"ok": 3, "robots_disallowed": 1, "tdm_reserved": 2}
    assert len(site.hits("/robots.txt")) == 1, "read once for both stages: the rules are kept in the warehouse"
    assert site.hits("/prive/a") == []
    stored = dict(table(db, "SELECT url, content_sha256 FROM article_pages WHERE status <> 'ok'"))
    assert set(stored.values()) == {None}, "no body of a refused or reserved page is kept"

    stages.build_articles(connect, DAY, workers=1)
    articles = {url.removeprefix(site.url("")): (status, title, text, word_count) for url, status, title, text, word_count
                in table(db, "SELECT url, status, title, text, word_count FROM articles")}
    for slug, status in (("/prive/a", "robots_disallowed"), ("/entete", "tdm_reserved"), ("/meta", "tdm_reserved")):
        assert articles[slug] == (status, f"Article {slug}", f"Résumé publié dans le flux pour {slug}.", 0)
        assert status not in TAGGABLE_STATUSES
    for slug in ("/libre", "/sous-licence", "/autorise"):
        assert articles[slug][0] == "ok" and "Mistral AI" in articles[slug][2]
    assert table(db, "SELECT feed_id, tdm_licence FROM feeds WHERE tdm_licence IS NOT NULL") == [
        ("licence", "accord CFC 2026-114")]


def test_pages_waiting_for_an_unreadable_robots_txt_are_fetched_by_the_next_run(site: LoopbackServer,
                                                                               tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    connect = warehouse.connection_factory(db)
    http = HttpSettings(allow_hosts=("127.0.0.1",), connect_timeout_s=2.0, read_timeout_s=2.0, total_timeout_s=5.0,
                        max_retries=0, robots_retry_s=0.0)
    site.route("/robots.txt", lambda h: h.send(503, b"maintenance"))
    feed = FeedSource("presse", "Presse", site.url("/flux.xml"), feed_allowed_by_publisher="courriel, 2026-03-01")
    assert stages.poll_feeds(connect, [feed], http, PollPolicy(), DAY, now=NOW).statuses == {"ok": 1}
    assert stages.fetch_pages(connect, DAY, http).statuses == {"robots_unavailable": 4}
    assert site.hits("/libre") == []
    site.route("/robots.txt", lambda h: h.send(200, ROBOTS.encode()))
    again = stages.fetch_pages(connect, DAY, http)
    assert again.statuses == {"ok": 1, "robots_disallowed": 1, "tdm_reserved": 2}
