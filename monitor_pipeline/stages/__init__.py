"""The pipeline's stages as plain functions: read inputs, call the core, write one partition.

Dagster assets are thin wrappers over these; the benchmark calls them directly. Each stage
computes with no database connection open and writes in one short transaction, so the
working DuckDB file is locked only briefly. One module per stage: ``poll``, ``pages``,
``articles``, ``mentions`` (its rows built in ``mention_rows``), ``events`` (layoff events across
sources, over every day).
"""
from monitor_pipeline.stages.articles import SYNDICATION_LOOKBACK_DAYS, ArticlesReport, build_articles
from monitor_pipeline.stages.events import current_layoff_events, resolve_layoff_events
from monitor_pipeline.stages.mentions import cached_tagger, store_companies, tag_articles
from monitor_pipeline.stages.mention_rows import MentionsReport
from monitor_pipeline.stages.pages import PagesReport, fetch_pages
from monitor_pipeline.stages.poll import TITLE_LOOKBACK_DAYS, PollReport, poll_feeds, store_feed_registry

__all__ = [
    "SYNDICATION_LOOKBACK_DAYS", "TITLE_LOOKBACK_DAYS", "ArticlesReport", "MentionsReport", "PagesReport",
    "PollReport", "build_articles", "cached_tagger", "current_layoff_events", "resolve_layoff_events", "fetch_pages", "poll_feeds", "store_companies",
    "store_feed_registry", "tag_articles",
]
