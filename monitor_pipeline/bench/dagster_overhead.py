"""dagster_overhead: one partition through Dagster vs the same work called directly.

Dagster side: the ``daily_pipeline`` job of ``build_definitions``, with a FeedPollerResource on the
benchmark registry (loopback hosts allowed, default politeness), run with ``execute_job`` on a
temporary instance: reconstructed from this module and run by its own executor, as a launched run is.
Direct side: the four stages, ``dbt build`` for the same day (subprocess, as dagster-dbt does),
``publish_analytics_copy`` and the daily digest. Each on a fresh DuckDB file.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from monitor_pipeline import warehouse
from monitor_pipeline.bench.analytics import DBT_DIR
from monitor_pipeline.bench.corpus import Corpus
from monitor_pipeline.bench.pipeline import connection_factory, run_stages, write_registry
from monitor_pipeline.bench.server import BenchServers, loopback_hosts
from monitor_pipeline.bench.timing import Stopwatch, median, ratio


@contextmanager
def _env(**values: str):
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


BENCH_FEEDS_ENV = "MONITOR_BENCH_FEEDS"


def bench_daily_pipeline():
    """The product's ``daily_pipeline`` job with the feed poller on the benchmark's registry and hosts (JSON
    in MONITOR_BENCH_FEEDS), so Dagster can rebuild it from this module wherever it runs a step."""
    from monitor_pipeline.definitions import build_definitions
    from monitor_pipeline.defs.resources import FeedPollerResource

    feeds = FeedPollerResource(**json.loads(os.environ[BENCH_FEEDS_ENV]))
    return build_definitions({"feeds": feeds}).resolve_job_def("daily_pipeline")


def _dagster_run(servers: BenchServers, workdir: Path, day: str) -> tuple[float, dict]:
    """One run on a new instance and an empty data directory. ``workdir`` (registry, data) is the same in
    every round: Dagster keeps the job it reconstructed, with its resources, for the whole process."""
    import dagster as dg

    registry = write_registry(servers, workdir / "feeds.yaml")
    feeds = json.dumps({"registry_path": str(registry), "http": {"allow_hosts": list(servers.hosts)}})
    for fresh in ("data", "dagster_home"):
        shutil.rmtree(workdir / fresh, ignore_errors=True)
        (workdir / fresh).mkdir()
    with _env(MONITOR_WAREHOUSE_PATH=str(workdir / "data" / "warehouse.duckdb"),
              MONITOR_ALERT_LEDGER_PATH=str(workdir / "data" / "alerts.duckdb"), **{BENCH_FEEDS_ENV: feeds}):
        with dg.instance_for_test(temp_dir=str(workdir / "dagster_home")) as instance:
            with Stopwatch() as sw:
                with dg.execute_job(dg.reconstructable(bench_daily_pipeline), instance,
                                    tags={"dagster/partition": day}) as result:
                    events = result.all_events
            if not result.success:
                raise RuntimeError("Dagster run failed: " + "; ".join(
                    str(e.message)[:300] for e in events if e.is_failure))
    steps = {event.step_key: round(event.event_specific_data.duration_ms / 1000, 3)
             for event in events if event.event_type_value == "STEP_SUCCESS"}
    return sw.seconds, steps


def _direct_run(servers: BenchServers, tmp: Path, day: str) -> tuple[float, dict]:
    from monitor_pipeline.digest import write_daily_digest

    db = tmp / "data" / "warehouse.duckdb"
    db.parent.mkdir()
    parts = {}
    with Stopwatch() as sw:
        run = run_stages(servers, db, day=day)
        parts.update(run.seconds)
        with Stopwatch() as dbt:
            end = (date.fromisoformat(day) + timedelta(days=1)).isoformat()
            env = dict(os.environ, MONITOR_WAREHOUSE_PATH=str(db), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
            proc = subprocess.run(
                [str(Path(sys.executable).parent / "dbt"), "build", "--project-dir", str(DBT_DIR),
                 "--profiles-dir", str(DBT_DIR), "--target-path", str(tmp / "target"), "--log-path",
                 str(tmp / "logs"), "--vars", json.dumps({"min_day": day, "max_day": end}), "--quiet"],
                capture_output=True, text=True, env=env, timeout=1800)
            if proc.returncode != 0:
                raise RuntimeError(f"dbt build failed: {proc.stdout[-2000:]}")
        parts["dbt_build"] = dbt.seconds
        with Stopwatch() as pub:
            with connection_factory(db)() as conn:
                warehouse.publish_analytics_copy(conn, db.with_name("analytics.duckdb"))
            write_daily_digest(db.with_name("analytics.duckdb"), db.parent / "reports", day)
        parts["publish_and_digest"] = pub.seconds
    return sw.seconds, {k: round(v, 3) for k, v in parts.items()}


def _warm_up() -> None:
    """Untimed warm-up of what the first side of the first round would otherwise pay alone
    (the Dagster side runs first and in this same process): one ``dbt parse`` (the first dbt
    process of a session pays cold-cache costs, about twice a warm one), the tagger (knowledge
    base automaton and spaCy model, kept per process) and the extraction workers' forkserver
    (started once per process with trafilatura & co. preloaded)."""
    from monitor_pipeline import stages
    from monitor_pipeline.core.text.article_processing import _WARMUP_PAGE, process_pages
    from monitor_pipeline.core.tagging.org_candidates import load_ner

    with tempfile.TemporaryDirectory(prefix="bench-dbt-warm-") as tmp:
        env = dict(os.environ, MONITOR_WAREHOUSE_PATH=str(Path(tmp) / "w.duckdb"),
                   DBT_SEND_ANONYMOUS_USAGE_STATS="false")
        subprocess.run([str(Path(sys.executable).parent / "dbt"), "parse", "--project-dir", str(DBT_DIR),
                        "--profiles-dir", str(DBT_DIR), "--target-path", str(Path(tmp) / "target"),
                        "--log-path", str(Path(tmp) / "logs"), "--quiet"],
                       capture_output=True, text=True, env=env, timeout=600)
    stages.cached_tagger()
    load_ner()
    list(process_pages([_WARMUP_PAGE], workers=2))


def dagster_overhead(n_pages: int, rounds: int) -> dict:
    from monitor_pipeline.defs.policies import today_partition_key

    day = today_partition_key()
    corpus = Corpus(n_pages, 50)
    dag, direct, dag_steps, direct_parts = [], [], [], []
    _warm_up()
    with BenchServers(corpus, loopback_hosts(50)) as servers, \
            tempfile.TemporaryDirectory(prefix="bench-dagster-") as dagster_workdir:
        def dagster_side() -> None:
            seconds, steps = _dagster_run(servers, Path(dagster_workdir), day)
            dag.append(seconds)
            dag_steps.append(steps)

        def direct_side() -> None:
            with tempfile.TemporaryDirectory(prefix="bench-direct-") as tmp:
                seconds, parts = _direct_run(servers, Path(tmp), day)
                direct.append(seconds)
                direct_parts.append(parts)

        for k in range(rounds):  # alternate which side goes first, so neither always runs second
            for side in ((dagster_side, direct_side) if k % 2 == 0 else (direct_side, dagster_side)):
                side()
    value = ratio(median(dag), median(direct))
    step_total = sum(dag_steps[-1].values())
    return {"ratio": value, "target": 1.2, "met": bool(value <= 1.2), "pages": n_pages,
            "dagster_s": round(median(dag), 3), "direct_s": round(median(direct), 3),
            "dagster_rounds_s": [round(x, 3) for x in dag], "direct_rounds_s": [round(x, 3) for x in direct],
            "dagster_steps_s": dag_steps[-1], "dagster_outside_steps_s": round(dag[-1] - step_total, 3),
            "direct_parts_s": direct_parts[-1],
            "note": "direct = stages + dbt build (subprocess, same day window) + analytics copy + digest"}
