"""Running the real pipeline stages against the benchmark servers, on a temporary DuckDB file."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml

from monitor_pipeline import stages, warehouse
from monitor_pipeline.core.ingest.feed_state import PollPolicy
from monitor_pipeline.core.ingest.fetch import HttpSettings
from monitor_pipeline.core.ingest.registry import FeedSource
from monitor_pipeline.bench.server import BenchServers

BENCH_DAY = "2025-11-03"


def bench_sources(servers: BenchServers) -> list[FeedSource]:
    return [FeedSource(id=f"bench-{j}", name=f"Flux banc d'essai {j}", url=servers.feed_url(j), language="fr")
            for j in range(servers.corpus.n_feeds)]


def write_registry(servers: BenchServers, path: Path) -> Path:
    feeds = [{"id": s.id, "name": s.name, "url": s.url, "language": s.language} for s in bench_sources(servers)]
    path.write_text(yaml.safe_dump({"feeds": feeds}, allow_unicode=True), encoding="utf-8")
    return path


def bench_http(servers: BenchServers, **overrides) -> HttpSettings:
    """The pipeline's default politeness (2 per host, 0.25 s between starts), loopback allowed."""
    return HttpSettings(allow_hosts=tuple(servers.hosts), **overrides)


def connection_factory(db_path: Path):
    return warehouse.connection_factory(db_path)


@dataclass
class StageTimes:
    seconds: dict[str, float] = field(default_factory=dict)
    reports: dict[str, object] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.seconds.values())


def run_stages(servers: BenchServers, db_path: Path, now: datetime | None = None, workers: int = 2,
               only_ingest: bool = False, http: HttpSettings | None = None, day: str = BENCH_DAY) -> StageTimes:
    """poll_feeds → fetch_pages → build_articles → tag_articles, each timed."""
    connect = connection_factory(db_path)
    http = http or bench_http(servers)
    out = StageTimes()
    now = now or datetime.now(timezone.utc)

    def timed(name, fn, *args, **kwargs):
        start = time.perf_counter()
        out.reports[name] = fn(*args, **kwargs)
        out.seconds[name] = time.perf_counter() - start

    sources = bench_sources(servers)
    stages.store_feed_registry(connect, sources)  # milliseconds: the feeds and companies tables the marts join
    stages.store_companies(connect)
    timed("poll_feeds", stages.poll_feeds, connect, sources, http, PollPolicy(), day, now=now)
    timed("fetch_pages", stages.fetch_pages, connect, day, http)
    if not only_ingest:
        timed("build_articles", stages.build_articles, connect, day, workers=workers)
        timed("tag_articles", stages.tag_articles, connect, day, workers=workers)
    return out


def later(now: datetime, minutes: int = 61) -> datetime:
    return now + timedelta(minutes=minutes)
