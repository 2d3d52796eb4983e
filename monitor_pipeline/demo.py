"""`make demo`: serve the sample corpus on 127.0.0.1, run the whole job for today's partition through
Dagster (the same function as `monitor-pipeline run --day`; the job ends with the layoff alerts), and
print a summary.

Offline and repeatable: a second run finds nothing new, re-derives identical tables and sends no alert.
"""
from __future__ import annotations

import errno
import json
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import dagster as dg

from monitor_pipeline import run_health

from monitor_pipeline.day_run import failure_messages, run_partition, run_summary
from monitor_pipeline.storage import warehouse
from monitor_pipeline.sample_server import SampleCorpusServer

__all__ = ["DemoPortError", "demo_port", "main", "run_partition", "run_sample_partition", "sample_feed_resource"]

DEMO_PORT_ENV = "MONITOR_DEMO_PORT"
DEFAULT_DEMO_PORT = 8765


class DemoPortError(ValueError):
    """The demo's port is not usable; the message is one line naming MONITOR_DEMO_PORT."""


def demo_port(environ: dict[str, str] | None = None) -> int:
    """The sample server's port: ``MONITOR_DEMO_PORT`` or 8765. It is fixed rather than picked at
    random because the sample feeds' URLs contain it, and a URL is an article's identity: a demo
    on another port would store the whole corpus again as new articles in the same data/."""
    raw = (environ if environ is not None else os.environ).get(DEMO_PORT_ENV, "").strip()
    if not raw:
        return DEFAULT_DEMO_PORT
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise DemoPortError(f"{DEMO_PORT_ENV}={raw!r} is not a TCP port number (1-65535).")
    return int(raw)


def open_sample_server(port: int) -> SampleCorpusServer:
    """The sample server on ``port``, or a one-line DemoPortError when the port is taken."""
    try:
        return SampleCorpusServer(port=port)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise DemoPortError(f"cannot serve the sample corpus on 127.0.0.1:{port}: {exc.strerror}; "
                                f"set {DEMO_PORT_ENV} to another port.") from None
        raise DemoPortError(
            f"port {port} on 127.0.0.1 is in use (another `make demo` still running, or another program): "
            f"stop it, or run with {DEMO_PORT_ENV}=<free port> (the sample URLs contain the port, so a new "
            f"port stores the corpus again as new articles: `make clean` first).") from None


def sample_feed_resource(registry_path: str):
    """Feed settings for the sample corpus: loopback allowed, short timeouts (one page is made to hang).
    Politeness stays as in production (per-host interval and concurrency, robots.txt, TDMRep)."""
    from monitor_pipeline.defs.resources import FeedPollerResource

    return FeedPollerResource(
        registry_path=registry_path,
        http={"allow_hosts": ["127.0.0.1"], "connect_timeout_s": 2.0, "read_timeout_s": 2.0, "max_retries": 1},
    )


def run_sample_partition(server: SampleCorpusServer, day: str, instance: dg.DagsterInstance,
                         registry_dir: str | None = None) -> dg.ExecuteInProcessResult:
    """Materialize every asset of the main job for one partition against the sample server."""
    registry_dir = registry_dir or tempfile.mkdtemp(prefix="monitor-registry-")
    registry_path = Path(registry_dir) / "sample_feeds.yaml"
    registry_path.parent.mkdir(parents=True, exist_ok=True)
    registry_path.write_text(server.registry_yaml(), encoding="utf-8")
    return run_partition(str(registry_path), day, instance)


def summary(analytics_file: Path) -> str:
    with warehouse.analysts_connection(analytics_file) as conn:  # the analysts' copy, or the lake (scale)
        per_source = conn.execute("""
            SELECT source_id, count(*) AS articles, count(*) FILTER (WHERE language = 'fr') AS french
            FROM articles GROUP BY source_id ORDER BY source_id""").fetchall()
        statuses = conn.execute(
            "SELECT status, count(*) FROM articles GROUP BY status ORDER BY count(*) DESC, status").fetchall()
        top = conn.execute("""
            SELECT company_name, sum(mentions), sum(articles) FROM company_mentions_daily
            GROUP BY company_name ORDER BY sum(articles) DESC, sum(mentions) DESC, company_name LIMIT 10""").fetchall()
        events = conn.execute("""
            SELECT company_name, status, headcount, headcount_percent, sources, url FROM layoff_events
            ORDER BY company_name, first_seen""").fetchall()
        other = conn.execute("""
            SELECT status, count(*) FROM layoff_mentions WHERE NOT counted GROUP BY status ORDER BY status""").fetchall()
    lines = ["", "Articles per source (all / French):"]
    lines += [f"  {s:<16} {n:>3} / {fr}" for s, n, fr in per_source]
    lines += ["Article statuses: " + ", ".join(f"{s} {n}" for s, n in statuses)]
    lines += ["Top companies (articles, mentions):"]
    lines += [f"  {name:<22} {arts:>3} {mentions:>4}" for name, mentions, arts in top]
    lines += [f"Layoff events (real-world, across sources): {len(events)}"]
    for name, status, headcount, percent, sources, url in events:
        size = f"{headcount} postes" if headcount else (f"{percent:g} % des effectifs" if percent else "effectif non précisé")
        lines.append(f"  {name:<18} {status:<10} {size:<24} {sources} source(s)  {url}")
    lines += ["Layoff mentions not counted: " + (", ".join(f"{s} {n}" for s, n in other) or "none")]
    return "\n".join(lines)


def main() -> int:
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    warnings.filterwarnings("ignore", category=dg.PreviewWarning)
    from monitor_pipeline.defs.policies import today_partition_key

    try:
        run_health.pool_wait_limit_s()  # a bad setting is reported before anything starts
        server = open_sample_server(demo_port())
    except (DemoPortError, run_health.PoolWaitConfigError) as exc:
        print(f"make demo: {exc}", file=sys.stderr)
        return 2
    instance = dg.DagsterInstance.get()  # DAGSTER_HOME is project-local (.dagster_home), set by make
    day = today_partition_key()
    started = time.monotonic()
    with server:
        print(f"Sample corpus served at {server.base_url}; materializing partition {day} through Dagster…")
        result = run_sample_partition(server, day, instance, registry_dir=str(Path(warehouse.warehouse_path()).parent))
    if not result.success:
        for message in failure_messages(result):
            print(message, file=sys.stderr)
        print("The run failed; see the messages above.", file=sys.stderr)
        return 1
    print(f"Run {result.run_id} succeeded in {time.monotonic() - started:.1f} s.")
    print("Run summary: " + json.dumps(run_summary(result, day), ensure_ascii=False))
    print(summary(warehouse.analytics_path()))
    print(f"\nWorking database: {warehouse.warehouse_path()}\nAnalysts' copy:   {warehouse.analytics_path()}")
    print("Open the UI with `make dev` (http://127.0.0.1:3000).")
    print('Analysts: `make sql` (read-only SQL prompt), `make charts`, '
          '`.venv/bin/monitor-pipeline search "plan de départs"` (docs/ANALYSTS.md).')
    return 0


if __name__ == "__main__":
    sys.exit(main())
