"""Helpers of the dead-run tests: whole-job runs in child processes (``pipeline_child``), each with a
fresh Dagster instance (temp DAGSTER_HOME with the deployed dagster.yaml) and warehouse, against one
sample-corpus server in the test process."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from monitor_pipeline.storage import warehouse
from monitor_pipeline_tests.reliability.conftest import PROJECT_ROOT, outcome_of

# The tables a run derives (the operational logs feed_fetches / feed_state record each poll by design).
DATA_TABLES = ("feed_entries", "article_pages", "articles", "company_mentions", "numeric_facts",
               "layoff_mentions", "org_candidate_mentions", "company_mentions_daily", "layoff_mentions_daily",
               "layoff_events", "layoff_event_mentions", "metric_mentions", "company_trends", "org_candidates")


@dataclass
class RunEnv:
    """One deployment: a Dagster home, a warehouse, an alert ledger."""

    root: Path

    @property
    def home(self) -> Path:
        return self.root / "dagster_home"

    @property
    def db(self) -> Path:
        return self.root / "data" / "warehouse.duckdb"

    @classmethod
    def create(cls, root: Path) -> "RunEnv":
        env = cls(root)
        env.home.mkdir(parents=True)
        env.db.parent.mkdir(parents=True)
        shutil.copy(PROJECT_ROOT / "deploy" / "dagster.yaml", env.home / "dagster.yaml")
        return env

    def environ(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(DAGSTER_HOME=str(self.home), MONITOR_WAREHOUSE_PATH=str(self.db),
                   MONITOR_ALERT_LEDGER_PATH=str(self.root / "data" / "alerts.duckdb"),
                   PYTHONPATH=str(PROJECT_ROOT) + os.pathsep + env.get("PYTHONPATH", ""))
        env.pop("MONITOR_ALERT_URLS", None)
        return env

    def instance(self) -> dg.DagsterInstance:
        return dg.DagsterInstance.from_config(str(self.home))


def start_pipeline(env: RunEnv, spec: dict[str, Any]) -> subprocess.Popen:
    """The job in a child process, in its own process group (a SIGKILL to the group takes its dbt and
    extraction workers too, as an out-of-memory kill or a container eviction would)."""
    return subprocess.Popen([sys.executable, "-m", "monitor_pipeline_tests.reliability.pipeline_child",
                             json.dumps(spec)], cwd=PROJECT_ROOT, env=env.environ(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def finish(proc: subprocess.Popen, timeout_s: float = 240) -> dict[str, Any]:
    """The child's JSON outcome, stderr and exit status (``ok`` False when it printed no outcome,
    as a command that gave up waiting does)."""
    out, err = proc.communicate(timeout=timeout_s)
    if any(line.startswith("{") for line in out.splitlines()):
        outcome = outcome_of(out, err)
    else:
        outcome = {"ok": False, "stdout": out, "stderr": err}
    outcome["returncode"] = proc.returncode
    return outcome


def run_pipeline(env: RunEnv, spec: dict[str, Any], timeout_s: float = 240) -> dict[str, Any]:
    return finish(start_pipeline(env, spec), timeout_s)


def kill_group(proc: subprocess.Popen) -> float:
    """SIGKILL the child's process group; the time of the kill."""
    killed_at = time.time()
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    proc.communicate()
    return killed_at


def wait_until(condition, timeout_s: float, what: str, proc: subprocess.Popen | None = None):
    """Poll ``condition`` until it returns a true value (bounded); fail with ``what`` otherwise."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"child exited with {proc.returncode} while waiting for {what}:\n{out}\n{err[-3000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def snapshot(db: Path) -> dict[str, list]:
    """Every data table of the working database and of the analysts' copy, without the columns that
    record when something happened (timestamps differ between two builds by nature)."""
    out = {}
    for path, tables in ((db, DATA_TABLES), (warehouse.analytics_path(str(db)), warehouse.ANALYTICS_TABLES)):
        conn = duckdb.connect(str(path), read_only=True)
        try:
            for table in tables:
                if table in ("feed_state",):  # operational: next poll times, last attempt
                    continue
                cols = [name for name, type_, *_ in conn.execute(f"DESCRIBE {table}").fetchall()
                        if not type_.startswith("TIMESTAMP")]
                cols = [c for c in cols if c not in ("elapsed_s",)]
                rows = conn.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall()
                out[f"{path.name}:{table}"] = sorted(rows, key=repr)
        finally:
            conn.close()
    return out


def slot_claims(instance: dg.DagsterInstance, pool: str = "duckdb_warehouse") -> list[tuple[str, str]]:
    info = instance.event_log_storage.get_concurrency_info(pool)
    return [(slot.run_id, slot.step_key) for slot in info.claimed_slots]


def failure_message(instance: dg.DagsterInstance, run_id: str) -> str:
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.RUN_FAILURE).records
    return records[-1].event_log_entry.dagster_event.message if records else ""


def first_step_start(instance: dg.DagsterInstance, run_id: str) -> float:
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.STEP_START, limit=1).records
    return records[0].event_log_entry.timestamp
