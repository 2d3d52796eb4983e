"""``run_health`` against a real Dagster instance (temp DAGSTER_HOME, the deployed pool settings) and
real processes, fast: which runs count as dead, what is freed, what is said. Also guards the event
log storage's pool methods it relies on (``get_concurrency_info``, ``free_concurrency_slots_for_run``,
``get_concurrency_run_ids``), which are not part of Dagster's documented API."""
from __future__ import annotations

import io
import subprocess
import sys
import uuid

import dagster as dg
import pytest
import yaml

from monitor_pipeline import run_health
from monitor_pipeline_tests.reliability.conftest import PROJECT_ROOT

POOL = run_health.WAREHOUSE_POOL


@dg.op
def _noop():
    return None


@dg.job
def _job():
    _noop()


@pytest.fixture
def instance(tmp_path):
    settings = yaml.safe_load((PROJECT_ROOT / "deploy" / "dagster.yaml").read_text())
    with dg.instance_for_test(temp_dir=str(tmp_path), overrides={"concurrency": settings["concurrency"]}) as inst:
        yield inst


def finished_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def started_run(instance, tags: dict[str, str], step: str = "articles") -> str:
    """A run recorded as STARTED that holds the pool's slot with ``step``."""
    run_id = str(uuid.uuid4())
    instance.create_run_for_job(_job, run_id=run_id, tags=tags, status=dg.DagsterRunStatus.STARTED)
    storage = instance.event_log_storage
    storage.initialize_concurrency_limit_to_default(POOL)
    assert storage.claim_concurrency_slot(POOL, run_id, step).is_claimed
    return run_id


def claims(instance) -> list[tuple[str, str]]:
    return [(s.run_id, s.step_key) for s in instance.event_log_storage.get_concurrency_info(POOL).claimed_slots]


def test_a_dead_run_of_this_host_is_failed_with_the_reason_and_its_slot_freed(instance):
    pid = finished_pid()
    run_id = started_run(instance, run_health.process_run_tags(pid=pid))
    recovered = run_health.recover_dead_runs(instance)
    assert [r.run_id for r in recovered] == [run_id]
    run = instance.get_run_by_id(run_id)
    assert run.status == dg.DagsterRunStatus.FAILURE
    message = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.RUN_FAILURE).records[0] \
        .event_log_entry.dagster_event.message
    assert f"process {pid}" in message and "is gone" in message and "(articles) was freed" in message
    assert claims(instance) == []


def test_a_live_run_is_left_alone(instance):
    run_id = started_run(instance, run_health.process_run_tags())  # this very process
    assert run_health.recover_dead_runs(instance) == []
    assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.STARTED
    assert claims(instance) == [(run_id, "articles")]


def test_a_reused_pid_is_not_mistaken_for_the_run(instance):
    tags = run_health.process_run_tags()  # this live pid, but recorded for another process
    tags[run_health.PROCESS_TAG] = tags[run_health.PROCESS_TAG].rsplit(":", 1)[0] + ":1"
    run_id = started_run(instance, tags)
    assert [r.run_id for r in run_health.recover_dead_runs(instance)] == [run_id]


def test_runs_of_another_host_or_without_process_tags_are_not_judged(instance):
    other_host = started_run(instance, {**run_health.process_run_tags(pid=finished_pid()),
                                        run_health.HOST_TAG: "another-host"})
    assert run_health.recover_dead_runs(instance) == []
    assert instance.get_run_by_id(other_host).status == dg.DagsterRunStatus.STARTED


def test_slots_left_by_finished_runs_are_freed(instance):
    run_id = started_run(instance, {})
    instance.report_run_failed(instance.get_run_by_id(run_id), "ended elsewhere")
    assert claims(instance) == [(run_id, "articles")]  # Dagster keeps it until someone frees it
    run_health.recover_dead_runs(instance)
    assert claims(instance) == []


def test_the_wait_message_names_the_holder_since_when_and_what_to_do(instance):
    run_id = started_run(instance, run_health.process_run_tags())
    holders = run_health.slot_holders(instance)
    assert [(h.run_id, h.step_key, h.process) for h in holders] == [(run_id, "articles", "alive")]
    text = run_health.describe_holders(holders, POOL)
    assert run_id in text and "step articles" in text and " since " in text and "UTC" in text
    assert "is alive" in text and "stop process" in text


def test_a_waiting_run_reports_and_gives_up_past_the_limit(instance):
    holder = started_run(instance, run_health.process_run_tags())
    waiter_id = str(uuid.uuid4())
    instance.create_run_for_job(_job, run_id=waiter_id, status=dg.DagsterRunStatus.STARTED)
    assert not instance.event_log_storage.claim_concurrency_slot(POOL, waiter_id, "poll_feeds").is_claimed
    out, given_up = io.StringIO(), []
    watch = run_health.PoolWaitWatch(instance, waiter_id, limit_s=3.0, poll_s=0.05, out=out,
                                     on_give_up=lambda message, status: given_up.append(message))
    with watch:
        watch._thread.join(timeout=30)
    assert len(given_up) == 1 and given_up[0].startswith("Gave up after waiting") and holder in given_up[0]
    assert out.getvalue().startswith("Waiting for the duckdb_warehouse pool")
    logged = [e.message for e in instance.all_logs(waiter_id) if e.message]
    assert any(m.startswith("Waiting for the duckdb_warehouse pool") for m in logged)
    assert instance.get_run_by_id(waiter_id).status == dg.DagsterRunStatus.FAILURE
    assert waiter_id not in {p.run_id for p in instance.event_log_storage.get_concurrency_info(POOL).pending_steps}
    assert claims(instance) == [(holder, "articles")]


def test_dagster_still_offers_the_captured_interrupt_check():
    from dagster._utils.interrupts import capture_interrupts, check_captured_interrupt  # noqa: F401

    assert run_health._interrupt_requested() is False
