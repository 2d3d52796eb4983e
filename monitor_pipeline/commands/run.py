"""``monitor-pipeline run --day YYYY-MM-DD``: one day's pipeline through Dagster, then a JSON summary.

Usage::

    monitor-pipeline run --day 2026-03-02
    monitor-pipeline run --day 2026-03-02 --feeds my_feeds.yaml --allow-host 127.0.0.1

Materializes the daily job for that partition (poll, fetch, extract, tag, marts, layoff events, and
the layoff alerts, so alerting is evaluated once) in this process, the way ``make demo`` does, on the
Dagster instance of ``DAGSTER_HOME`` (an ephemeral one when it is unset), with the feed list of
``--feeds`` (default: ``MONITOR_FEEDS_PATH``, else the bundled list). ``--allow-host`` lets the
fetcher reach a private or loopback host (repeatable). Other settings come from the environment as
for the code location (README, Configuration). A past day is polled too (the poll's ``force_poll``
option): the entries first seen now land in that day.

Prints one JSON object: ``day``, ``run_id``, ``articles`` (and ``french_articles``) of the day,
``counted_events`` (real-world layoff events the day's articles report), ``events_all_days`` and
``alerts_sent`` per subscription. A bad date, a missing or invalid feed file or a failed run give one
line on stderr and exit status 2 (arguments) or 1 (run), never a traceback.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--day", required=True, metavar="YYYY-MM-DD", help="the partition (day) to run")
    parser.add_argument("--feeds", metavar="PATH", default=None,
                        help="the feed list (YAML; default: MONITOR_FEEDS_PATH, else the bundled list)")
    parser.add_argument("--allow-host", action="append", default=[], metavar="HOST",
                        help="host name or IP the fetcher may reach although private/loopback (repeatable)")


def _fail(message: str, status: int = 2) -> int:
    print(f"monitor-pipeline run: error: {message}", file=sys.stderr)
    return status


def checked_day(text: str) -> str:
    """``text`` as a partition key; ValueError naming the accepted range otherwise."""
    from monitor_pipeline.defs.policies import PARTITIONS_START, today_partition_key

    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--day must be a date YYYY-MM-DD, got {text!r}") from None
    if len(text) != 10:
        raise ValueError(f"--day must be a date YYYY-MM-DD, got {text!r}")
    first, last = date.fromisoformat(PARTITIONS_START), date.fromisoformat(today_partition_key())
    if not first <= day <= last:
        raise ValueError(f"--day must be between {first} (the first partition) and today, {last}; got {day}")
    return day.isoformat()


def feed_list(path_arg: str | None) -> str:
    """The feed list to use, validated (RegistryError / ValueError with one clear line otherwise)."""
    from monitor_pipeline.core.ingest.registry import default_registry_path, load_registry

    path = Path(path_arg or os.environ.get("MONITOR_FEEDS_PATH") or default_registry_path())
    if not path.is_file():
        raise ValueError(f"feed list not found: {path}")
    load_registry(str(path))
    return str(path)


@contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Send everything written to stdout (file descriptor 1, so child processes such as dbt too) to
    stderr while the block runs."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def run(args: argparse.Namespace) -> int:
    """Entry point of ``monitor-pipeline run``; returns the exit status."""
    warnings.filterwarnings("ignore")  # Dagster's beta/preview notices would drown the one-line output
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    from monitor_pipeline.core.ingest.registry import RegistryError

    try:
        day = checked_day(args.day)
        registry = feed_list(args.feeds)
    except (RegistryError, ValueError) as exc:
        return _fail(str(exc))
    import dagster as dg

    from monitor_pipeline import run_health
    from monitor_pipeline.day_run import failure_messages, run_partition, run_summary
    from monitor_pipeline.defs.resources import FeedPollerResource

    try:
        limit = run_health.pool_wait_limit_s()
    except run_health.PoolWaitConfigError as exc:
        return _fail(str(exc))
    feeds = FeedPollerResource(registry_path=registry, http={"allow_hosts": list(args.allow_host)})
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    try:
        with instance:
            with stdout_to_stderr():  # dbt's and Dagster's output must not mix with the JSON summary
                result = run_partition(registry, day, instance, pool_wait_limit_s=limit, feeds=feeds,
                                       force_poll=True)
            if not result.success:
                messages = failure_messages(result) or ["unknown failure"]
                first = next((m for m in messages if "subscriptions:" in m), messages[0])
                return _fail(f"the run of {day} failed ({result.run_id}): {first.splitlines()[0]}", status=1)
            summary = run_summary(result, day)
    except Exception as exc:  # noqa: BLE001 - a setting the code location refuses, an unreadable file…
        return _fail(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}", status=1)
    print(json.dumps(summary, ensure_ascii=False, default=str))
    return 0
