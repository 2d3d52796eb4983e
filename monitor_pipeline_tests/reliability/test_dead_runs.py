"""A run that dies must not stop every later run (issue 22), on real parts: the whole job in a child
process (``pipeline_child``, run like `make demo` runs it), a real Dagster instance in a temp
DAGSTER_HOME with the deployed dagster.yaml, real DuckDB and dbt, the sample corpus on loopback.

* SIGKILL inside each writing step, once the run holds the warehouse pool slot and, for the Python
  stages, sits inside its write transaction (the child writes a marker there; no fixed sleep): the
  next run marks the dead run failed with the reason, frees its slot, completes, and its tables equal
  a clean build's.
* A run waiting for a slot a live run holds says who holds it, in its run log and on stderr; past the
  limit it fails with that message; within it, it proceeds once the slot is released.

Slow (each case runs the job about twice); the figures printed with ``-s`` are in docs/RELIABILITY.md.
``MONITOR_RUN_ALL_KILL_POINTS=1`` runs the kill in every writing step (else only in ``articles``).
"""
from __future__ import annotations

import os
import signal
import time

import pytest

from monitor_pipeline import run_health
from monitor_pipeline.defs.policies import today_partition_key
from monitor_pipeline.sample_server import SampleCorpusServer
from monitor_pipeline_tests.reliability.dead_run_fixtures import (
    RunEnv, failure_message, finish, first_step_start, kill_group, run_pipeline, slot_claims, snapshot,
    start_pipeline, wait_until,
)
from monitor_pipeline_tests.reliability.pipeline_child import HOLD_POINTS

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

# the pool's step that each hold point lies in
STEP_OF_HOLD = {"poll": "poll_feeds", "pages": "article_pages", "articles": "articles", "mentions": "mentions",
                "dbt": "dbt_daily_models", "publish": "analytics_copy"}


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    """The sample corpus served from this process for the whole module (one base URL: the articles'
    identities are the same in every run), and its feed registry."""
    with SampleCorpusServer() as server:
        path = tmp_path_factory.mktemp("registry") / "sample_feeds.yaml"
        path.write_text(server.registry_yaml(), encoding="utf-8")
        yield str(path)


@pytest.fixture(scope="module")
def day() -> str:
    return today_partition_key()


@pytest.fixture(scope="module")
def clean_build(registry, day, tmp_path_factory) -> dict[str, list]:
    env = RunEnv.create(tmp_path_factory.mktemp("clean"))
    outcome = run_pipeline(env, {"registry": registry, "day": day})
    assert outcome["ok"], outcome["stderr"][-3000:]
    return snapshot(env.db)


# Each case takes ~1-1.5 min here: `make test` runs one (a Python stage inside its transaction), all six
# with MONITOR_RUN_ALL_KILL_POINTS=1 (~9 min).
ALL_KILL_POINTS = os.environ.get("MONITOR_RUN_ALL_KILL_POINTS") == "1"
KILL_POINTS = [pytest.param(point, marks=() if point == "articles" or ALL_KILL_POINTS else pytest.mark.skip(
    reason="set MONITOR_RUN_ALL_KILL_POINTS=1 to kill inside every writing step")) for point in HOLD_POINTS]


@pytest.mark.parametrize("hold_at", KILL_POINTS)
def test_sigkill_inside_a_writing_step_then_the_next_run_completes_like_a_clean_build(
        hold_at, registry, day, clean_build, tmp_path):
    env = RunEnv.create(tmp_path / "deploy")
    marker = tmp_path / "holding"
    proc = start_pipeline(env, {"registry": registry, "day": day, "hold_at": hold_at, "marker": str(marker)})
    try:
        wait_until(marker.exists, 300, f"the run to reach {hold_at}", proc)
    except BaseException:
        kill_group(proc)
        raise
    instance = env.instance()
    claims = slot_claims(instance)
    assert len(claims) == 1 and claims[0][1] == STEP_OF_HOLD[hold_at], claims  # it holds the slot there
    dead_run_id = claims[0][0]
    killed_at = kill_group(proc)
    assert instance.get_run_by_id(dead_run_id).status.value == "STARTED"  # what used to block every later run

    outcome = run_pipeline(env, {"registry": registry, "day": day})
    assert outcome["ok"], outcome["stderr"][-3000:]
    assert f"Run {dead_run_id} (daily_pipeline) was dead" in outcome["stderr"]

    instance = env.instance()
    assert instance.get_run_by_id(dead_run_id).status.value == "FAILURE"
    reason = failure_message(instance, dead_run_id)
    assert f"in step {STEP_OF_HOLD[hold_at]}" in reason and "is gone" in reason, reason
    assert slot_claims(instance) == []
    proceeded_s = first_step_start(instance, outcome["run_id"]) - killed_at
    total_s = instance.get_run_record_by_id(outcome["run_id"]).end_time - killed_at
    print(f"\nFIGURE kill in {hold_at}: next run's first step {proceeded_s:.1f} s after the kill, "
          f"next run done {total_s:.1f} s after the kill")
    assert snapshot(env.db) == clean_build
    assert list(env.db.parent.glob(".analytics-*")) == []  # no temporary copy left by a killed publish


def test_a_run_waits_visibly_for_a_slot_a_live_run_holds_and_gives_up_past_the_limit(registry, day, tmp_path):
    env = RunEnv.create(tmp_path / "deploy")
    marker, release = tmp_path / "holding", tmp_path / "release"
    holder = start_pipeline(env, {"registry": registry, "day": day, "hold_at": "articles", "marker": str(marker),
                                  "release": str(release)})
    waiter = None
    try:
        wait_until(marker.exists, 300, "the holder to hold the slot", holder)
        instance = env.instance()
        (holder_run_id, _), = slot_claims(instance)

        # past the limit: a clear message naming the holder, the run failed with it, no traceback
        started = time.monotonic()
        gave_up = run_pipeline(env, {"registry": registry, "day": day, "pool_wait_limit_s": 3})
        assert gave_up["returncode"] == run_health.EXIT_POOL_WAIT_TIMEOUT, gave_up
        assert "Traceback" not in gave_up["stderr"]
        last_line = gave_up["stderr"].strip().splitlines()[-1]
        assert last_line.startswith("Gave up after waiting") and holder_run_id in last_line, last_line
        assert "step articles" in last_line and "is alive" in last_line and "MONITOR_POOL_WAIT_LIMIT_S" in last_line
        failed = [r.dagster_run for r in instance.get_run_records()
                  if r.dagster_run.run_id != holder_run_id and r.dagster_run.status.value == "FAILURE"]
        assert len(failed) == 1 and failure_message(instance, failed[0].run_id) == last_line
        print(f"\nFIGURE gave up {time.monotonic() - started:.1f} s after starting (limit 3 s, startup included)")
        assert slot_claims(instance) == [(holder_run_id, "articles")]  # the live holder is left alone

        seen = {holder_run_id, failed[0].run_id}

        def waiting_message():
            """(run id, message) of a new run whose log says it waits for the pool."""
            for record in instance.get_run_records():
                run_id = record.dagster_run.run_id
                if run_id in seen:
                    continue
                for event in instance.all_logs(run_id):
                    if event.message and event.message.startswith("Waiting for the duckdb_warehouse pool"):
                        seen.add(run_id)
                        return run_id, event.message
            return None

        # Ctrl-C while waiting (Dagster alone ignores it while a step is blocked): stops, run canceled
        waiter = start_pipeline(env, {"registry": registry, "day": day, "pool_wait_limit_s": 600})
        interrupted_run_id, _ = wait_until(waiting_message, 300, "the first waiter's message", waiter)
        interrupted_at = time.monotonic()
        os.killpg(waiter.pid, signal.SIGINT)
        interrupted = finish(waiter, timeout_s=60)
        waiter = None
        print(f"\nFIGURE interrupted waiter exited {time.monotonic() - interrupted_at:.1f} s after Ctrl-C")
        assert interrupted["returncode"] == run_health.EXIT_INTERRUPTED, interrupted
        # (Dagster's log-forwarding helpers in the same process group print their own KeyboardInterrupt)
        said = [line for line in interrupted["stderr"].splitlines() if line.startswith("Interrupted after waiting")]
        assert len(said) == 1 and holder_run_id in said[0], interrupted["stderr"][-4000:]
        assert instance.get_run_by_id(interrupted_run_id).status.value == "CANCELED"
        assert slot_claims(instance) == [(holder_run_id, "articles")]

        # within the limit: the wait is in the run log and on stderr, and the run proceeds once released
        waiter = start_pipeline(env, {"registry": registry, "day": day, "pool_wait_limit_s": 600})
        waiter_run_id, message = wait_until(waiting_message, 300, "the waiting message in the run log", waiter)
        assert holder_run_id in message and "step articles" in message and "since" in message, message
        assert instance.get_run_by_id(waiter_run_id).status.value == "STARTED"
        released_at = time.time()
        release.write_text("go")
        held = finish(holder)
        assert held["ok"], held["stderr"][-3000:]
        waited = finish(waiter)
        waiter = None
        assert waited["ok"] and waited["run_id"] == waiter_run_id, waited["stderr"][-3000:]
        assert message in waited["stderr"]
        print(f"\nFIGURE waiting run done {instance.get_run_record_by_id(waiter_run_id).end_time - released_at:.1f} s "
              "after the slot's release")
    finally:
        for proc in (holder, waiter):
            if proc is not None and proc.poll() is None:
                kill_group(proc)
