"""Competent references: what a good engineer writes first with the same libraries, doing the same work.

- :class:`PoliteClient`: one reused ``httpx.Client`` (keep-alive), the product's politeness towards
  each host (its minimum interval between request starts; one request at a time overall, so at most
  one in flight per host), the product's user agent and timeouts.
- :func:`reference_pipeline`: sequential poll → fetch → extract (``trafilatura.bare_extraction`` with
  metadata) → language (``langdetect`` on a 1,000-character sample) → the product's cleaner and
  tagger (same tagger, NER included) → the same warehouse tables (feed_entries, feed_fetches,
  article_pages, articles, the four mention tables), written with one DataFrame insert per table in
  one transaction. Pages are fetched in round-robin order over the feeds, so consecutive requests go
  to different hosts and the politeness interval rarely makes it wait.
- :func:`lean_feed_poller`: every feed with one reused client, one after another.

Not done by the reference (the product does it, so the comparison favours the reference): raw HTML
kept in a page store, syndication signatures and clustering, feed state for conditional requests.
"""
from __future__ import annotations

import hashlib
import time
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import httpx

LANGUAGE_SAMPLE = 1000  # characters given to langdetect
# One DataFrame insert per table (constant statements: the frame's columns are matched by name)
INSERTS = {table: f"INSERT INTO {table} BY NAME SELECT * FROM frame" for table in (
    "feed_fetches", "feed_entries", "article_pages", "articles", "company_mentions", "numeric_facts",
    "layoff_mentions", "org_candidate_mentions")}

DESCRIPTION_PIPELINE = (
    "competent sequential reference: one reused httpx.Client (keep-alive), the product's per-host interval "
    "and user agent, pages in round-robin host order; feedparser; trafilatura.bare_extraction with metadata; "
    "langdetect on 1,000 characters; the product's cleaner and tagger (rules + spaCy NER) per article; "
    "the same 8 warehouse tables written in one transaction (DataFrame inserts). It keeps no raw HTML and "
    "computes no syndication signatures (the product does both)")
DESCRIPTION_POLLER = ("lean sequential poller: one reused httpx.Client (keep-alive), GET of each feed one "
                      "after another, the product's per-host interval, user agent and timeouts")


class PoliteClient:
    """One ``httpx.Client`` for every request; a host's requests start at least ``min_interval_s`` apart."""

    def __init__(self, min_interval_s: float, user_agent: str, connect_timeout_s: float = 5.0,
                 read_timeout_s: float = 15.0) -> None:
        self.min_interval_s = min_interval_s
        self.client = httpx.Client(headers={"User-Agent": user_agent}, follow_redirects=True,
                                   timeout=httpx.Timeout(read_timeout_s, connect=connect_timeout_s))
        self._last_start: dict[str, float] = {}
        self.waited_s = 0.0
        self.requests = 0

    def get(self, url: str) -> httpx.Response:
        host = urlsplit(url).netloc
        wait = self._last_start.get(host, float("-inf")) + self.min_interval_s - time.monotonic()
        if wait > 0:
            self.waited_s += wait
            time.sleep(wait)  # politeness, as the product's fetcher
        self._last_start[host] = time.monotonic()
        self.requests += 1
        return self.client.get(url)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> "PoliteClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def lean_feed_poller(urls: list[str], client: PoliteClient) -> list[int]:
    """GET every feed, one after another; the byte sizes of their bodies."""
    sizes = []
    for url in urls:
        response = client.get(url)
        response.raise_for_status()
        sizes.append(len(response.content))
    return sizes


def _entry_id(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:20]


def _published(entry) -> datetime | None:
    try:
        return parsedate_to_datetime(entry.get("published")) if entry.get("published") else None
    except (TypeError, ValueError):
        return None


def _sentence(text: str, sentences, start: int) -> str:
    for s, e in sentences:
        if s <= start < e:
            return text[s:e]
    return ""


def reference_pipeline(feeds: list[tuple[str, str]], db_path: Path, day: str, client: PoliteClient, tagger,
                       clean_text, ensure_schema, counted_statuses: frozenset[str]) -> dict:
    """Poll ``feeds`` ((feed id, url)), fetch, extract, detect the language, tag and write the day.

    ``tagger``, ``clean_text``, ``ensure_schema`` and ``counted_statuses`` are the product's (the same
    tagger, tables and definition of a counted layoff); returns counts."""
    import feedparser
    import langdetect
    import pandas as pd
    import trafilatura

    now = datetime.now(timezone.utc)
    rows: dict[str, list[dict]] = {t: [] for t in INSERTS}
    per_feed: list[list[tuple[str, dict]]] = []
    for feed_id, url in feeds:
        started = time.perf_counter()
        response = client.get(url)
        parsed = feedparser.parse(response.content)
        rows["feed_fetches"].append({
            "feed_id": feed_id, "partition_day": day, "fetched_at": now, "status": "ok",
            "http_status": response.status_code, "bytes": len(response.content),
            "elapsed_s": time.perf_counter() - started, "attempts": 1, "entries_seen": len(parsed.entries),
            "entries_new": len(parsed.entries), "bozo": bool(parsed.bozo), "error": None})
        per_feed.append([(feed_id, e) for e in parsed.entries])
        for entry in parsed.entries:
            rows["feed_entries"].append({
                "entry_id": _entry_id(entry.link), "partition_day": day, "source_id": feed_id, "url": entry.link,
                "canonical_url": entry.link, "guid": entry.get("id"), "title": entry.get("title"),
                "summary": entry.get("summary"), "published_raw": entry.get("published"),
                "published_at": _published(entry), "feed_language": parsed.feed.get("language"),
                "first_seen_at": now})
    # round-robin over the feeds (hence over the hosts): the politeness interval seldom waits
    order = [item for k in range(max(map(len, per_feed), default=0)) for feed in per_feed if k < len(feed)
             for item in [feed[k]]]
    tagged = 0
    for feed_id, entry in order:
        aid = _entry_id(entry.link)
        response = client.get(entry.link)
        rows["article_pages"].append({
            "entry_id": aid, "partition_day": day, "url": entry.link, "final_url": str(response.url),
            "status": "ok" if response.is_success else "http_error", "http_status": response.status_code,
            "content_type": response.headers.get("content-type"), "bytes": len(response.content),
            "truncated": False, "content_sha256": hashlib.sha256(response.content).hexdigest(),
            "fetched_at": datetime.now(timezone.utc), "attempts": 1, "error": None})
        doc = trafilatura.bare_extraction(response.text, url=entry.link, with_metadata=True, include_comments=False)
        text = (doc.text if doc else "") or ""
        try:
            language = langdetect.detect(text[:LANGUAGE_SAMPLE]) if text.strip() else "und"
        except langdetect.LangDetectException:
            language = "und"
        cleaned = clean_text(text)
        rows["articles"].append({
            "article_id": aid, "partition_day": day, "source_id": feed_id, "url": entry.link,
            "status": "ok" if text else "no_text", "title": doc.title if doc else entry.get("title"),
            "author": doc.author if doc else None, "sitename": doc.sitename if doc else None,
            "description": doc.description if doc else None, "language": language, "text": cleaned.text,
            "word_count": len(cleaned.text.split()), "published_at": _published(entry),
            "html_published_at": doc.date if doc else None, "first_seen_at": now, "cluster_id": aid})
        if language != "fr":
            continue
        result = tagger.tag(cleaned)
        tagged += 1
        for m in result.companies:
            rows["company_mentions"].append({
                "article_id": aid, "partition_day": day, "company_id": m.company_id, "company_name": m.name,
                "surface": m.surface, "via": m.via, "char_start": m.start, "char_end": m.end,
                "sentence": _sentence(cleaned.text, cleaned.sentences, m.start)})
        for m in result.metrics:
            rows["numeric_facts"].append({
                "article_id": aid, "partition_day": day, "text": m.text, "value": m.value, "unit": m.unit,
                "kind": m.kind, "company_id": m.company_id, "char_start": m.start, "char_end": m.end})
        for index, m in enumerate(result.layoffs):
            rows["layoff_mentions"].append({
                "article_id": aid, "partition_day": day, "mention_index": index, "company_id": m.company_id,
                "status": m.status, "counted": m.status in counted_statuses and m.company_id is not None, "headcount": m.headcount, "trigger": m.trigger,
                "sentence": m.sentence, "char_start": m.start, "char_end": m.end, "cluster_id": aid})
        for c in result.org_candidates:
            rows["org_candidate_mentions"].append(
                {"article_id": aid, "partition_day": day, "name": c.name, "sentence": c.sentence})
    conn = duckdb.connect(str(db_path))
    try:
        ensure_schema(conn)
        conn.execute("BEGIN")
        for table, table_rows in rows.items():
            if table_rows:
                frame = pd.DataFrame(table_rows)  # noqa: F841 (read by DuckDB's replacement scan)
                conn.execute(INSERTS[table])
        conn.execute("COMMIT")
    finally:
        conn.close()
    return {"pages": len(order), "tagged": tagged, "requests": client.requests,
            "politeness_wait_s": round(client.waited_s, 3)}
