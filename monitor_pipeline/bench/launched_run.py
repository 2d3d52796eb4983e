"""launched_run_overhead: one day run as the daemon launches it, against the same stages run by a
fresh plain-Python process. Both sides are fresh processes (``launched_child``), timed from spawn to
exit by this process, alternating round by round, on a new data directory each time; the Dagster
side uses a real instance (``$DAGSTER_HOME`` with the project's ``deploy/dagster.yaml``, SQLite
storage on disk), created fresh for each run."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from monitor_pipeline.bench import pipeline as product
from monitor_pipeline.bench.corpus import Corpus
from monitor_pipeline.bench.server import BenchServers, loopback_hosts
from monitor_pipeline.bench.timing import median, ratio

REFERENCE = ("the same day (four stages, dbt build for the same window, analysts' copy, digest) run by a fresh "
             "plain-Python process (python -m monitor_pipeline.bench.launched_child --side plain)")
N_HOSTS = 50


def _dbt_parse_warm_up(work: Path) -> None:
    """One untimed ``dbt parse``: brings dbt's files into the OS cache, as on a machine that runs it hourly."""
    dbt_dir = product.project_root() / "dbt_project"
    env = dict(os.environ, MONITOR_WAREHOUSE_PATH=str(work / "w.duckdb"), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    subprocess.run([str(Path(sys.executable).parent / "dbt"), "parse", "--project-dir", str(dbt_dir),
                    "--profiles-dir", str(dbt_dir), "--target-path", str(work / "target"),
                    "--log-path", str(work / "logs"), "--quiet"], capture_output=True, text=True, env=env, timeout=600)


def launch(side: str, servers: BenchServers, work: Path, day: str, timeout_s: float) -> tuple[float, dict]:
    """Run one side in a fresh process on a fresh data directory; (spawn-to-exit seconds, its phases)."""
    for fresh in ("data", "dagster_home"):
        shutil.rmtree(work / fresh, ignore_errors=True)
        (work / fresh).mkdir(parents=True)
    shutil.copy(product.project_root() / "deploy" / "dagster.yaml", work / "dagster_home" / "dagster.yaml")
    registry = product.write_registry(servers, work / "feeds.yaml")
    env = dict(os.environ, DAGSTER_HOME=str(work / "dagster_home"),
               MONITOR_WAREHOUSE_PATH=str(work / "data" / "warehouse.duckdb"),
               MONITOR_ALERT_LEDGER_PATH=str(work / "data" / "alerts.duckdb"), DBT_SEND_ANONYMOUS_USAGE_STATS="false",
               **{product.BENCH_FEEDS_ENV: json.dumps({"registry_path": str(registry),
                                                      "allow_hosts": list(servers.hosts)})})
    spawned = time.time()
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "monitor_pipeline.bench.launched_child", "--side", side,
                           "--day", day], capture_output=True, text=True, env=env, timeout=timeout_s, cwd=work)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"launched {side} run failed:\n{proc.stderr[-3000:]}")
    child = json.loads(proc.stdout.strip().splitlines()[-1])
    child["interpreter_start_s"] = round(child.pop("process_started") - spawned, 3)
    child["module_imports_s"] = round(child.pop("main_started") - spawned - child["interpreter_start_s"], 3)
    child["exit_s"] = round(spawned + seconds - child.pop("finished"), 3)
    return seconds, child


# Dagster steps → the plain process's phases doing the same work
STEP_TO_PHASE = {"feeds": "poll_feeds", "companies": "poll_feeds", "poll_feeds": "poll_feeds",
                 "article_pages": "fetch_pages", "articles": "build_articles", "mentions": "tag_articles",
                 "dbt_daily_models": "dbt_build", "dbt_full_table_marts": "dbt_build",
                 "analytics_copy": "publish_and_digest", "daily_digest": "publish_and_digest"}
# Steps of the job the plain process has no counterpart for (it neither resolves events nor sends alerts);
# every other step missing from STEP_TO_PHASE is an asset check of its own
WITHOUT_PLAIN_COUNTERPART = ("layoff_event_resolution", "layoff_alerts", "company_spike_alerts",
                             "daily_digest_delivery")


def where_the_extra_goes(launched: dict, plain: dict) -> dict:
    """Seconds the launched run spent beyond the plain process, by phase (one round of each)."""
    d, p = launched["phases_s"], plain["phases_s"]
    out = {"process_start_and_imports": round(
        launched["interpreter_start_s"] + launched["module_imports_s"] + d["import_code_location"]
        - plain["interpreter_start_s"] - plain["module_imports_s"] - p["imports"], 3),
        "open_and_close_instance": round(d["open_instance"] + d["close_instance"], 3),
        "run_outside_steps": d["outside_steps"],
        "asset_checks": round(sum(v for k, v in launched["steps_s"].items()
                                  if k not in STEP_TO_PHASE and k not in WITHOUT_PLAIN_COUNTERPART), 3),
        "steps_without_plain_counterpart": round(sum(v for k, v in launched["steps_s"].items()
                                                     if k in WITHOUT_PLAIN_COUNTERPART), 3),
        "process_exit": round(launched["exit_s"] - plain["exit_s"], 3)}
    by_phase: dict[str, float] = {}
    for step, seconds in launched["steps_s"].items():
        if step in STEP_TO_PHASE:
            by_phase[STEP_TO_PHASE[step]] = by_phase.get(STEP_TO_PHASE[step], 0.0) + seconds
    for phase, seconds in by_phase.items():
        out[f"{phase}_step_minus_plain"] = round(seconds - p.get(phase, 0.0), 3)
    return out


def launched_run_overhead(n_pages: int, rounds: int, timeout_s: float = 3600.0) -> dict:
    day = product.today_partition_key()
    corpus = Corpus(n_pages, N_HOSTS)
    launched, plain, launched_rows, plain_rows = [], [], [], []
    with BenchServers(corpus, loopback_hosts(N_HOSTS)) as servers, \
            tempfile.TemporaryDirectory(prefix="bench-launched-") as tmp:
        work = Path(tmp)
        _dbt_parse_warm_up(work / "warm")

        def dagster_side() -> None:
            seconds, child = launch("dagster", servers, work / "dagster", day, timeout_s)
            launched.append(seconds)
            launched_rows.append(child)

        def plain_side() -> None:
            seconds, child = launch("plain", servers, work / "plain", day, timeout_s)
            plain.append(seconds)
            plain_rows.append(child)

        for k in range(rounds):  # alternate which side goes first
            for side in ((dagster_side, plain_side) if k % 2 == 0 else (plain_side, dagster_side)):
                side()
    value = ratio(median(launched), median(plain))
    last_d, last_p = launched_rows[-1], plain_rows[-1]
    extra = where_the_extra_goes(last_d, last_p)
    return {
        "ratio": value, "target": 1.2, "met": bool(value <= 1.2), "rounds": len(launched), "reference": REFERENCE,
        "pages": n_pages, "launched_s": round(median(launched), 3), "plain_s": round(median(plain), 3),
        "launched_rounds_s": [round(x, 3) for x in launched], "plain_rounds_s": [round(x, 3) for x in plain],
        "launched_last": last_d, "plain_last": last_p, "where_the_extra_goes_last_round_s": extra,
        "note": "both sides fresh processes timed from spawn to exit; launched = execute_job of the reconstructable "
                "daily_pipeline on DagsterInstance.get() (deploy/dagster.yaml, fresh DAGSTER_HOME), the job's own "
                "executor; steps from the run's STEP_SUCCESS events",
    }
