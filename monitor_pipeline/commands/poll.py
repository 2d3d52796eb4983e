"""``monitor-pipeline poll``: fetch and parse feeds once, store nothing, print JSON lines.

Usage::

    monitor-pipeline poll https://www.lemagit.fr/rss/ContentSyndication.xml
    monitor-pipeline poll --registry monitor_pipeline/data/feeds.yaml
    monitor-pipeline poll --allow-host 127.0.0.1 http://127.0.0.1:8000/feed.xml

One JSON object per feed per line: ``url``, ``status`` (ok, empty, not_modified, http_error, timeout,
too_large, blocked, parse_error, connection_error, invalid_url, tls_error, robots_disallowed,
robots_unavailable), ``http_status``, ``entries``, ``bytes``, ``elapsed_s``, ``error``. robots.txt is
honoured as in the pipeline (unless the registry records ``feed_allowed_by_publisher``); each feed
gets at most ``--budget`` seconds across its attempts. Exit status 0 even when feeds fail; 2 for bad
arguments or an invalid registry.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from monitor_pipeline.core.ingest.feeds import parse_feed
from monitor_pipeline.core.ingest.fetch import FetchRequest, HttpSettings, fetch_all
from monitor_pipeline.progress import progress
from monitor_pipeline.core.ingest.registry import FeedSource, RegistryError, load_registry

__all__ = ["add_arguments", "poll", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the ``poll`` arguments on ``parser``."""
    parser.add_argument("urls", nargs="*", metavar="URL", help="feed URLs to poll")
    parser.add_argument("--registry", metavar="FILE", help="poll every enabled feed of this registry YAML")
    parser.add_argument("--include-disabled", action="store_true", help="with --registry, poll disabled feeds too")
    parser.add_argument("--allow-host", action="append", default=[], metavar="HOST",
                        help="host name or IP allowed although private/loopback (repeatable)")
    parser.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                        help="read timeout per request (default %(default)s: the HttpSettings default)")
    parser.add_argument("--retries", type=int, default=None, metavar="N", help="max retries per feed")
    parser.add_argument("--budget", type=float, default=None, metavar="SECONDS",
                        help="time budget per feed across all its attempts (default: the HttpSettings default, 60 s)")
    parser.add_argument("--ca-bundle", default=None, metavar="FILE",
                        help="PEM file of the certificate authorities to trust instead of the default bundle")


def _fail(message: str) -> int:
    print(f"monitor-pipeline poll: error: {message}", file=sys.stderr)
    return 2


def _sources_from_args(args: argparse.Namespace) -> list[FeedSource]:
    """Feeds to poll; raises ValueError / RegistryError on bad arguments."""
    if args.registry and args.urls:
        raise ValueError("give feed URLs or --registry, not both")
    if args.registry:
        sources = load_registry(args.registry)
        return [s for s in sources if s.enabled or args.include_disabled]
    if not args.urls:
        raise ValueError("give at least one feed URL, or --registry FILE")
    sources = []
    for index, url in enumerate(args.urls):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        sources.append(FeedSource(id=f"arg-{index + 1}", name=url, url=url))
    return sources


def _settings(args: argparse.Namespace) -> HttpSettings:
    settings = HttpSettings(allow_hosts=tuple(args.allow_host or ()))
    if args.timeout is not None:
        if args.timeout <= 0:
            raise ValueError("--timeout must be > 0")
        settings = replace(settings, read_timeout_s=args.timeout, connect_timeout_s=min(settings.connect_timeout_s,
                                                                                       args.timeout))
    if args.retries is not None:
        if args.retries < 0:
            raise ValueError("--retries must be >= 0")
        settings = replace(settings, max_retries=args.retries)
    if args.budget is not None:
        if args.budget <= 0:
            raise ValueError("--budget must be > 0")
        settings = replace(settings, fetch_budget_s=args.budget)
    if args.ca_bundle is not None:
        settings = replace(settings, ca_bundle=args.ca_bundle)  # HttpSettings checks the file exists
    return settings


def poll(sources: list[FeedSource], settings: HttpSettings) -> list[dict[str, Any]]:
    """Fetch and parse every source once; one report dict per source, in order."""
    requests = [FetchRequest(url=s.url, kind="feed", check_robots=s.feed_allowed_by_publisher is None) for s in sources]
    with progress(len(sources), "polling feeds") as advance:
        results = fetch_all(requests, settings, on_result=lambda index, result: advance())
    reports = []
    for source, result in zip(sources, results, strict=True):
        status, error, entries, bozo, warning = result.status, result.error, 0, None, None
        if result.status == "ok":
            try:
                parsed = parse_feed(result.body, result.headers, source.id, base_url=result.final_url or source.url)
            except Exception as exc:  # noqa: BLE001 - one bad feed must not stop the others
                status, error = "parse_error", f"unexpected {type(exc).__name__}: {exc}".splitlines()[0]
            else:
                status, entries, bozo, warning = parsed.status, len(parsed.entries), parsed.bozo, parsed.warning
                error = parsed.error
        reports.append({
            "feed_id": source.id,
            "url": source.url,
            "final_url": result.final_url,
            "status": status,
            "http_status": result.http_status,
            "entries": entries,
            "bytes": len(result.body),
            "elapsed_s": round(result.elapsed_s, 3),
            "attempts": result.attempts,
            "bozo": bozo,
            "warning": warning,
            "error": error,
        })
    return reports


def run(args: argparse.Namespace) -> int:
    """Entry point of ``monitor-pipeline poll``; returns the exit status."""
    try:
        sources = _sources_from_args(args)
        settings = _settings(args)
    except (RegistryError, ValueError) as exc:
        return _fail(str(exc))
    for report in poll(sources, settings):
        print(json.dumps(report, ensure_ascii=False), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point (``python -m monitor_pipeline.commands.poll``)."""
    parser = argparse.ArgumentParser(prog="monitor-pipeline poll", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
