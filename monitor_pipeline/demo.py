"""`make demo`: serve the sample corpus on 127.0.0.1, run the whole job for today's partition through
Dagster, evaluate the alert sensor once as the daemon would, and print a summary.

Offline and repeatable: a second run finds nothing new, re-derives identical tables and sends no alert.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import dagster as dg

from monitor_pipeline import warehouse
from monitor_pipeline.sample_server import SampleCorpusServer

DEMO_PORT = int(os.environ.get("MONITOR_DEMO_PORT", "8765"))


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
    from monitor_pipeline.definitions import build_definitions

    registry_dir = registry_dir or tempfile.mkdtemp(prefix="monitor-registry-")
    registry_path = Path(registry_dir) / "sample_feeds.yaml"
    registry_path.write_text(server.registry_yaml(), encoding="utf-8")
    defs = build_definitions({"feeds": sample_feed_resource(str(registry_path))})
    job = defs.resolve_job_def("daily_pipeline")
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    return job.execute_in_process(partition_key=day, instance=instance, raise_on_error=False, run_config=quiet)


def evaluate_alert_sensor(instance: dg.DagsterInstance) -> str:
    from monitor_pipeline.definitions import build_definitions

    defs = build_definitions()
    sensor = defs.resolve_sensor_def("layoff_alert_sensor")
    result = sensor(dg.build_sensor_context(instance=instance, resources={"alerts": defs.resources["alerts"]}))
    return result.skip_reason.skip_message if result.skip_reason else ""


def summary(analytics_file: Path) -> str:
    with warehouse.connect_with_retry(str(analytics_file), read_only=True) as conn:
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
            ORDER BY company_name""").fetchall()
        other = conn.execute("""
            SELECT status, count(*) FROM layoff_mentions WHERE NOT counted GROUP BY status ORDER BY status""").fetchall()
    lines = ["", "Articles per source (all / French):"]
    lines += [f"  {s:<16} {n:>3} / {fr}" for s, n, fr in per_source]
    lines += ["Article statuses: " + ", ".join(f"{s} {n}" for s, n in statuses)]
    lines += ["Top companies (articles, mentions):"]
    lines += [f"  {name:<22} {arts:>3} {mentions:>4}" for name, mentions, arts in top]
    lines += [f"Layoff events (counted): {len(events)}"]
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

    instance = dg.DagsterInstance.get()  # DAGSTER_HOME is project-local (.dagster_home), set by make
    day = today_partition_key()
    started = time.monotonic()
    with SampleCorpusServer(port=DEMO_PORT) as server:
        print(f"Sample corpus served at {server.base_url}; materializing partition {day} through Dagster…")
        result = run_sample_partition(server, day, instance, registry_dir=str(Path(warehouse.warehouse_path()).parent))
    if not result.success:
        for event in result.all_events:
            if event.is_failure:
                print(event.message, file=sys.stderr)
        print("The run failed; see the messages above.", file=sys.stderr)
        return 1
    print(f"Run {result.run_id} succeeded in {time.monotonic() - started:.1f} s.")
    print("Alert sensor tick: " + evaluate_alert_sensor(instance))
    print(summary(warehouse.analytics_path()))
    print(f"\nWorking database: {warehouse.warehouse_path()}\nAnalysts' copy:   {warehouse.analytics_path()}")
    print("Open the UI with `make dev` (http://127.0.0.1:3000).")
    print('Analysts: `make sql` (read-only SQL prompt), `make charts`, '
          '`.venv/bin/monitor-pipeline search "plan de départs"` (docs/ANALYSTS.md).')
    return 0


if __name__ == "__main__":
    sys.exit(main())
