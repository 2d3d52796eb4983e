"""The daemon path of issue 22: `dagster-daemon` with the deployed run monitoring (intervals shortened
for the test) in a temp DAGSTER_HOME, the project's job launched by a sensor as in production. The
first run's worker is SIGKILLed while it holds the warehouse pool slot inside its poll transaction;
Dagster marks the run failed, run monitoring frees its slot, and the next automated run, already
waiting for that slot, proceeds and succeeds.

Slow (~2-3 min: the daemon, its code server and two run workers each load the project): skipped
unless ``MONITOR_RUN_DAEMON_TEST=1``."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
import yaml

from monitor_pipeline.defs.policies import today_partition_key
from monitor_pipeline.sample_server import SampleCorpusServer
from monitor_pipeline_tests.reliability.conftest import PROJECT_ROOT
from monitor_pipeline_tests.reliability.dead_run_fixtures import RunEnv, slot_claims, wait_until

pytestmark = [
    pytest.mark.slow, pytest.mark.timeout(600),
    pytest.mark.skipif(os.environ.get("MONITOR_RUN_DAEMON_TEST") != "1",
                       reason="starts dagster-daemon (~2-3 min): set MONITOR_RUN_DAEMON_TEST=1"),
]

MONITORING_POLL_S = 2


def runs_by_key(instance) -> dict[str, object]:
    return {r.dagster_run.tags.get("dagster/run_key"): r for r in instance.get_run_records()}


def test_daemon_fails_a_killed_run_frees_its_slot_and_the_next_automated_run_proceeds(tmp_path):
    env = RunEnv.create(tmp_path / "deploy")
    settings = yaml.safe_load((env.home / "dagster.yaml").read_text())
    assert settings["run_monitoring"]["enabled"] is True
    settings["run_monitoring"].update(poll_interval_seconds=MONITORING_POLL_S, free_slots_after_run_end_seconds=1)
    (env.home / "dagster.yaml").write_text(yaml.safe_dump(settings))
    requests, marker, release = tmp_path / "requests", tmp_path / "holding", tmp_path / "release"
    requests.mkdir()
    workspace = tmp_path / "workspace.yaml"
    workspace.write_text(yaml.safe_dump({"load_from": [{"python_module": {
        "module_name": "monitor_pipeline_tests.reliability.daemon_location",
        "working_directory": str(PROJECT_ROOT), "location_name": "monitor_pipeline_test"}}]}))

    instance = env.instance()  # creates the instance's databases before the daemon and its code server
    # start together (two processes creating a fresh SQLite schedule store can stamp it twice)
    with SampleCorpusServer() as server:
        registry = tmp_path / "sample_feeds.yaml"
        registry.write_text(server.registry_yaml(), encoding="utf-8")
        spec = {"registry": str(registry), "day": today_partition_key(), "requests_dir": str(requests),
                "hold_at": "poll", "marker": str(marker), "release": str(release)}
        daemon_env = {**env.environ(), "MONITOR_TEST_DAEMON_SPEC": json.dumps(spec)}
        log = (tmp_path / "daemon.log").open("w")
        daemon = subprocess.Popen([str(Path(sys.executable).parent / "dagster-daemon"), "run", "-w", str(workspace)],
                                  cwd=PROJECT_ROOT, env=daemon_env, stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)
        try:
            (requests / "request-1").touch()
            wait_until(marker.exists, 300, "the first run to hold the slot inside its poll transaction", daemon)
            first = runs_by_key(instance)["request-1"].dagster_run
            assert slot_claims(instance) == [(first.run_id, "poll_feeds")]
            (requests / "request-2").touch()
            # the run queue does not launch a run whose first step's pool is full: it waits there
            def second_submitted():
                record = runs_by_key(instance).get("request-2")
                return record if record and record.dagster_run.status.value in ("QUEUED", "STARTING", "STARTED") else None

            second = wait_until(second_submitted, 300, "the next run to be submitted", daemon).dagster_run
            assert slot_claims(instance) == [(first.run_id, "poll_feeds")]

            worker_pid = int(marker.read_text())
            killed_at = time.time()
            os.kill(worker_pid, signal.SIGKILL)

            def first_failed():
                return instance.get_run_by_id(first.run_id).status.value == "FAILURE"

            wait_until(first_failed, 60, "the killed run to be marked failed", daemon)
            failed_after = time.time() - killed_at
            wait_until(lambda: first.run_id not in {r for r, _ in slot_claims(instance)}, 60,
                       "the killed run's slot to be freed", daemon)
            freed_after = time.time() - killed_at

            def second_done():
                status = instance.get_run_by_id(second.run_id).status.value
                return status if status in ("SUCCESS", "FAILURE", "CANCELED") else None

            assert wait_until(second_done, 300, "the next run to finish", daemon) == "SUCCESS"
            second_record = instance.get_run_record_by_id(second.run_id)
            failures = instance.get_records_for_run(first.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
            engine = [e.message for e in instance.all_logs(first.run_id) if e.message]
            assert any("was terminated by signal 9" in m for m in engine), engine[-5:]
            assert failures.records
            print(f"\nFIGURE daemon: killed run failed {failed_after:.1f} s after the kill, slot freed "
                  f"{freed_after:.1f} s after (monitoring every {MONITORING_POLL_S} s), next run done "
                  f"{second_record.end_time - killed_at:.1f} s after the kill")
        finally:
            os.killpg(daemon.pid, signal.SIGTERM)
            try:
                daemon.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(daemon.pid, signal.SIGKILL)
                daemon.wait(timeout=30)
            log.close()
