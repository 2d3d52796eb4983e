"""The benchmark's one adapter to the product: every product entry point the harness uses is imported
here, and nowhere else in ``monitor_pipeline/bench/`` (the loopback servers, the corpus and the
references import only libraries). When the product's modules move (``stages.py`` → ``stages/``,
``definitions.py`` → ``defs/``), re-point the imports of this module and nothing else.

Entry points used (product side):

- stages: ``poll_feeds``, ``fetch_pages``, ``build_articles``, ``tag_articles``, ``cached_tagger``
- warehouse: ``ensure_schema``, ``connection_factory``, ``publish_analytics_copy``, ``PROJECT_ROOT``,
  ``insert_rows``, ``table_count``
- fetch: ``HttpSettings``, ``FetchRequest``, ``fetch_all``; feeds: ``PollPolicy``, ``FeedSource``
- text: ``decode_html``, ``extract_article``, ``clean_text``, ``detect_language``,
  ``LANGUAGE_SAMPLE_CHARS``, ``signature``, ``process_pages`` + its warm-up page
- tagging: ``load_parser``, ``KnowledgeBase``
- Dagster: ``build_definitions``, ``FeedPollerResource``, ``today_partition_key``; ``write_daily_digest``
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:  # the servers are bench code; imported lazily so this module stays cheap to import
    from monitor_pipeline.bench.server import BenchServers

BENCH_DAY = "2025-11-03"
BENCH_FEEDS_ENV = "MONITOR_BENCH_FEEDS"  # JSON of the FeedPollerResource used by bench_daily_pipeline


# --------------------------------------------------------------------------- product modules
def project_root() -> Path:
    from monitor_pipeline.storage import warehouse

    return warehouse.PROJECT_ROOT


def warehouse_module():
    """``monitor_pipeline.storage.warehouse`` (schema, connections, analytics copy)."""
    from monitor_pipeline.storage import warehouse

    return warehouse


def http_settings(allow_hosts, **overrides):
    """The pipeline's default politeness (2 per host, 0.25 s between starts), these hosts allowed."""
    from monitor_pipeline.core.ingest.fetch import HttpSettings

    return HttpSettings(allow_hosts=tuple(allow_hosts), **overrides)


def fetch_all(urls: list[str], http, kind: str = "feed") -> list:
    """The product's concurrent fetcher over ``urls``."""
    from monitor_pipeline.core.ingest.fetch import FetchRequest
    from monitor_pipeline.core.ingest.fetch import fetch_all as _fetch_all

    return _fetch_all([FetchRequest(url=u, kind=kind) for u in urls], http)


def cached_tagger():
    """The product's tagger with NER, one per process (knowledge base automaton, spaCy model)."""
    from monitor_pipeline.stages import cached_tagger as _cached

    return _cached()


def load_models() -> None:
    """Load what a long-running process keeps: the tagger and its spaCy pipeline (parser and NER)."""
    from monitor_pipeline.core.tagging.syntax.parsing import load_parser

    cached_tagger()
    load_parser()


def clean_text(text: str):
    from monitor_pipeline.core.text.clean import clean_text as _clean

    return _clean(text)


def counted_layoff_statuses() -> frozenset[str]:
    """The layoff statuses the product counts (announced, planned, executed)."""
    from monitor_pipeline.core.tagging.layoffs import COUNTED_STATUSES

    return frozenset(COUNTED_STATUSES)


def ensure_schema(conn) -> None:
    from monitor_pipeline.storage import warehouse

    warehouse.ensure_schema(conn)


def warm_up_workers() -> None:
    """Start the extraction workers' forkserver (trafilatura & co. preloaded) and process one page."""
    from monitor_pipeline.core.text.article_processing import _WARMUP_PAGE, process_pages

    list(process_pages([_WARMUP_PAGE], workers=2))


def per_page_stage_functions():
    """The required per-page stages, in order, as ``(name, fn)`` where ``fn(state) -> state``; used
    to measure each stage's CPU alone (the CPU floor). ``state`` starts as the raw page bytes."""
    from monitor_pipeline.core.text.article_processing import LANGUAGE_SAMPLE_CHARS
    from monitor_pipeline.core.text.decode import decode_html
    from monitor_pipeline.core.text.extract import extract_article
    from monitor_pipeline.core.text.language import detect_language
    from monitor_pipeline.core.text.syndication import signature

    tagger = cached_tagger()

    def decode(body):
        return decode_html(body, "text/html; charset=utf-8").text

    def extract(html):
        return extract_article(html, url=None, feed_summary=None).text

    def clean(text):
        return clean_text(text)

    def language(cleaned):
        detect_language(cleaned.text, LANGUAGE_SAMPLE_CHARS)
        return cleaned

    def dedupe_signature(cleaned):
        signature(cleaned.text)
        return cleaned

    def tag(cleaned):
        # the product's own call on one article: rules, parse and the parser pipeline's NER (until session 14
        # this stage ran the small model's NER apart, which the product does not use); one article at a time,
        # since batching across articles would deduplicate the corpus's recurring template sentences
        tagger.tag(cleaned)
        return cleaned

    return [("decode", decode), ("extract", extract), ("clean", clean), ("language", language),
            ("dedupe_signature", dedupe_signature), ("tag", tag)]


# --------------------------------------------------------------------------- the stages, end to end
def bench_sources(servers: "BenchServers") -> list:
    from monitor_pipeline.core.ingest.registry import FeedSource

    return [FeedSource(id=f"bench-{j}", name=f"Flux banc d'essai {j}", url=servers.feed_url(j), language="fr")
            for j in range(servers.corpus.n_feeds)]


def write_registry(servers: "BenchServers", path: Path) -> Path:
    feeds = [{"id": s.id, "name": s.name, "url": s.url, "language": s.language} for s in bench_sources(servers)]
    path.write_text(yaml.safe_dump({"feeds": feeds}, allow_unicode=True), encoding="utf-8")
    return path


def connection_factory(db_path: Path):
    from monitor_pipeline.storage import warehouse

    return warehouse.connection_factory(db_path)


@dataclass
class StageTimes:
    """Wall seconds per stage, each stage's report, and per-stage hooks' extras (memory)."""

    seconds: dict[str, float] = field(default_factory=dict)
    reports: dict[str, object] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.seconds.values())


def run_stages(servers: "BenchServers", db_path: Path, now: datetime | None = None, workers: int = 2,
               only_ingest: bool = False, http=None, day: str = BENCH_DAY,
               after_stage=None) -> StageTimes:
    """poll_feeds → fetch_pages → build_articles → tag_articles on the benchmark's servers, each timed."""
    return run_stages_for(bench_sources(servers), http or http_settings(servers.hosts), db_path, now=now,
                          workers=workers, only_ingest=only_ingest, day=day, after_stage=after_stage)


def load_registry(path: Path) -> list:
    """The feed sources of a registry file (as the product reads it)."""
    from monitor_pipeline.core.ingest.registry import FeedSource

    feeds = yaml.safe_load(path.read_text(encoding="utf-8"))["feeds"]
    return [FeedSource(id=f["id"], name=f["name"], url=f["url"], language=f.get("language")) for f in feeds]


def run_stages_for(sources: list, http, db_path: Path, now: datetime | None = None, workers: int = 2,
                   only_ingest: bool = False, day: str = BENCH_DAY, after_stage=None) -> StageTimes:
    """poll_feeds → fetch_pages → build_articles → tag_articles for ``sources``, each timed.
    ``after_stage(name)``, if given, is called after each stage (outside its timing)."""
    from monitor_pipeline import stages
    from monitor_pipeline.core.ingest.feed_state import PollPolicy

    connect = connection_factory(db_path)
    out = StageTimes()
    now = now or datetime.now(timezone.utc)

    def timed(name, fn, *args, **kwargs):
        start = time.perf_counter()
        out.reports[name] = fn(*args, **kwargs)
        out.seconds[name] = time.perf_counter() - start
        if after_stage is not None:
            after_stage(name)

    stages.store_feed_registry(connect, sources)  # milliseconds: the feeds and companies tables the marts join
    stages.store_companies(connect)
    timed("poll_feeds", stages.poll_feeds, connect, sources, http, PollPolicy(), day, now=now)
    timed("fetch_pages", stages.fetch_pages, connect, day, http, extract_workers=workers)
    if not only_ingest:
        timed("build_articles", stages.build_articles, connect, day, workers=workers)
        timed("tag_articles", stages.tag_articles, connect, day, workers=workers)
    return out


def later(now: datetime, minutes: int = 61) -> datetime:
    return now + timedelta(minutes=minutes)


def publish_and_digest(db: Path, day: str) -> None:
    """What the daily job does after dbt: the analysts' copy and the daily digest."""
    from monitor_pipeline.storage import warehouse
    from monitor_pipeline.digest import write_daily_digest

    with connection_factory(db)() as conn:
        warehouse.publish_analytics_copy(conn, db.with_name("analytics.duckdb"))
    write_daily_digest(db.with_name("analytics.duckdb"), db.parent / "reports", day)


# --------------------------------------------------------------------------- Dagster
def today_partition_key() -> str:
    from monitor_pipeline.defs.policies import today_partition_key as _today

    return _today()


def bench_daily_pipeline():
    """The product's ``daily_pipeline`` job with the feed poller on the benchmark's registry and hosts
    (JSON in MONITOR_BENCH_FEEDS), so Dagster can rebuild it from this module wherever it runs a step."""
    from monitor_pipeline.definitions import build_definitions
    from monitor_pipeline.defs.resources import FeedPollerResource

    config = json.loads(os.environ[BENCH_FEEDS_ENV])
    # production politeness; only the benchmark's loopback hosts are allowed
    feeds = FeedPollerResource(registry_path=config["registry_path"], http={"allow_hosts": config["allow_hosts"]})
    return build_definitions({"feeds": feeds}).resolve_job_def("daily_pipeline")


def import_code_location() -> None:
    """Import the Dagster code location (what a launched run pays before its first step)."""
    import monitor_pipeline.definitions  # noqa: F401


def knowledge_base_companies() -> list[dict]:
    """The knowledge base's companies as rows of the ``companies`` table."""
    from monitor_pipeline.core.tagging.companies import KnowledgeBase

    kb = KnowledgeBase.load()
    return [{"company_id": c.id, "name": c.name, "country": getattr(c, "country", None),
             "sector": getattr(c, "sector", None), "wikidata": getattr(c, "wikidata", None)}
            for c in kb.companies.values()]
