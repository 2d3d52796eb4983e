"""Run health for runs started outside the Dagster daemon (`make demo`, tests, scripts): a run that
died must not stop every later run, and a run that waits for the warehouse pool says so.

* **Who runs where.** Every run started here carries its process in its tags (host, pid, and the
  process's boot id and start time, so a pid reused after a restart is not mistaken for the run).
* **Before starting** (``recover_dead_runs``): a run of this host still marked in progress whose
  process is gone (SIGKILL, out of memory, machine restart) is marked failed with the reason, and its
  pool slots are freed; a run whose process is alive is left alone. Slots still held by finished runs
  are freed too (what the daemon's ``free_slots_after_run_end_seconds`` does when a daemon runs).
* **While waiting** (``PoolWaitWatch``): when the run's step is blocked by the ``duckdb_warehouse``
  pool, the run log and the command line say which run holds the slot, since when, and what to do;
  past a configurable limit the run is marked failed with that message and the command exits.

Runs launched by the daemon (schedules, sensors, the UI) are covered by Dagster itself: its code server
fails a run whose worker process died, and run monitoring in ``deploy/dagster.yaml`` frees the slots of
finished runs and bounds every run's duration.

Dagster layer only (no warehouse access); uses the public instance API, plus the event log storage's
pool methods (``get_concurrency_info``, ``free_concurrency_slots_for_run``), which the UI's pool page
uses too and ``reliability/test_dead_runs.py`` guards.
"""
from __future__ import annotations

import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TextIO

import dagster as dg

from monitor_pipeline.defs.policies import WAREHOUSE_POOL

HOST_TAG = "monitor_pipeline/host"
PID_TAG = "monitor_pipeline/pid"
#: boot id and start time of the process: a pid reused after a restart or by another program differs.
PROCESS_TAG = "monitor_pipeline/process"

POOL_WAIT_LIMIT_ENV = "MONITOR_POOL_WAIT_LIMIT_S"
#: A day's run holds the pool for a minute or two; a backfill of many days, one run per day, longer.
DEFAULT_POOL_WAIT_LIMIT_S = 900.0
#: Exit status of a command that gave up waiting for the pool.
EXIT_POOL_WAIT_TIMEOUT = 75  # EX_TEMPFAIL: try again later
#: Exit status of a command interrupted (Ctrl-C, SIGTERM) while waiting for the pool.
EXIT_INTERRUPTED = 130

_IN_PROGRESS = [dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED,
                dg.DagsterRunStatus.CANCELING]


class PoolWaitConfigError(ValueError):
    """``MONITOR_POOL_WAIT_LIMIT_S`` is not a positive number of seconds."""


def pool_wait_limit_s(environ: dict[str, str] | None = None) -> float:
    """The limit on waiting for the warehouse pool, from ``MONITOR_POOL_WAIT_LIMIT_S`` (seconds)."""
    raw = (environ if environ is not None else os.environ).get(POOL_WAIT_LIMIT_ENV, "").strip()
    if not raw:
        return DEFAULT_POOL_WAIT_LIMIT_S
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0 or value == float("inf"):
        raise PoolWaitConfigError(f"{POOL_WAIT_LIMIT_ENV}={raw!r} is not a positive number of seconds")
    return value


# --------------------------------------------------------------------------- who runs where
def _boot_id() -> str:
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as f:
            return f.read().strip()
    except OSError:
        return ""


def process_identity(pid: int) -> str | None:
    """``<boot id>:<start time>`` of a live process (Linux ``/proc``), None when there is no such
    process; ``""`` where ``/proc`` is not available (then only the pid is compared)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            stat = f.read()
    except FileNotFoundError:
        return None
    except OSError:
        return ""
    # the command name (field 2) may hold spaces and parentheses: fields are counted after the last ")"
    fields = stat.rsplit(")", 1)[-1].split()
    return f"{_boot_id()}:{fields[19]}" if len(fields) > 19 else ""


def this_host() -> str:
    return socket.gethostname()


def process_run_tags(pid: int | None = None) -> dict[str, str]:
    """The run tags naming the process that executes the run (this one by default)."""
    pid = os.getpid() if pid is None else pid
    return {HOST_TAG: this_host(), PID_TAG: str(pid), PROCESS_TAG: process_identity(pid) or ""}


def run_process_state(run: dg.DagsterRun) -> str:
    """``alive``, ``gone``, or ``unknown`` (another host's run, or a run without process tags, such
    as a run launched by the daemon: its code server watches it)."""
    tags = run.tags
    if tags.get(HOST_TAG) != this_host() or not tags.get(PID_TAG, "").isdigit():
        return "unknown"
    pid = int(tags[PID_TAG])
    current = process_identity(pid)
    if current is None:
        return "gone"
    recorded = tags.get(PROCESS_TAG, "")
    if current and recorded:
        return "alive" if current == recorded else "gone"  # the pid now belongs to another process
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return "gone"
    except PermissionError:
        pass
    return "alive"


# --------------------------------------------------------------------------- before starting
@dataclass(frozen=True)
class RecoveredRun:
    run_id: str
    job_name: str
    reason: str
    freed_steps: tuple[str, ...]


def _last_started_step(instance: dg.DagsterInstance, run_id: str) -> str | None:
    records = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.STEP_START, ascending=False, limit=1).records
    return records[0].event_log_entry.step_key if records else None


def _slots_of_run(instance: dg.DagsterInstance, run_id: str, pool: str = WAREHOUSE_POOL) -> list[str]:
    info = instance.event_log_storage.get_concurrency_info(pool)
    return [slot.step_key for slot in info.claimed_slots if slot.run_id == run_id]


def recover_dead_runs(instance: dg.DagsterInstance) -> list[RecoveredRun]:
    """Mark failed the in-progress runs of this host whose process is gone, and free their pool
    slots; free the slots finished runs still hold. Runs whose process is alive are left alone."""
    recovered = []
    records = instance.get_run_records(
        filters=dg.RunsFilter(statuses=_IN_PROGRESS, tags={HOST_TAG: this_host()}))
    for record in records:
        run = record.dagster_run
        if run_process_state(run) != "gone":
            continue
        step = _last_started_step(instance, run.run_id)
        freed = _slots_of_run(instance, run.run_id)
        reason = (
            f"Run worker process {run.tags[PID_TAG]} on host {run.tags[HOST_TAG]} is gone (killed, out of "
            f"memory or machine restart) while the run was {run.status.value}"
            + (f", in step {step}" if step else "")
            + ". Marked failed by monitor_pipeline.run_health before starting a new run"
            + (f"; its {WAREHOUSE_POOL} pool slot ({', '.join(freed)}) was freed." if freed else ".")
            + " Writes are transactional: nothing it wrote is half-applied; rerun the partition.")
        instance.report_run_failed(run, reason)
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        recovered.append(RecoveredRun(run.run_id, run.job_name, reason, tuple(freed)))
    _free_slots_of_finished_runs(instance)
    return recovered


def _free_slots_of_finished_runs(instance: dg.DagsterInstance) -> None:
    """A run that ended (or was deleted) while holding a slot keeps it until someone frees it: Dagster's
    daemon does after ``free_slots_after_run_end_seconds``; without a daemon, this does."""
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return
    for run_id in storage.get_concurrency_run_ids():
        run = instance.get_run_by_id(run_id)
        if run is None or run.is_finished:
            storage.free_concurrency_slots_for_run(run_id)


# --------------------------------------------------------------------------- while waiting
@dataclass(frozen=True)
class SlotHolder:
    run_id: str
    step_key: str
    since: datetime | None
    job_name: str | None
    process: str  # alive / gone / unknown (see run_process_state)
    pid: str | None


def slot_holders(instance: dg.DagsterInstance, pool: str = WAREHOUSE_POOL) -> list[SlotHolder]:
    """Who holds the pool's slots, since when (the slot's assignment time), and whether their
    process is alive."""
    info = instance.event_log_storage.get_concurrency_info(pool)
    assigned = {(p.run_id, p.step_key): p.assigned_timestamp for p in info.pending_steps}
    holders = []
    for slot in info.claimed_slots:
        run = instance.get_run_by_id(slot.run_id)
        holders.append(SlotHolder(
            run_id=slot.run_id, step_key=slot.step_key, since=assigned.get((slot.run_id, slot.step_key)),
            job_name=run.job_name if run else None, process=run_process_state(run) if run else "unknown",
            pid=run.tags.get(PID_TAG) if run else None))
    return holders


def _ago(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return ""
    seconds = max(0, int((now - moment).total_seconds()))
    return f" since {moment.astimezone(timezone.utc):%H:%M:%S} UTC ({seconds // 60} min {seconds % 60} s ago)"


def describe_holders(holders: list[SlotHolder], pool: str, now: datetime | None = None) -> str:
    """One sentence per holder: which run, which step, since when, and what to do about it."""
    now = now or datetime.now(timezone.utc)
    if not holders:
        return f"the {pool} pool has no free slot (no holder recorded yet)."
    parts = []
    for h in holders:
        who = f"run {h.run_id} ({h.job_name or 'unknown job'}, step {h.step_key}) holds the {pool} pool" + _ago(h.since, now)
        if h.process == "alive":
            todo = (f"its process {h.pid} on this host is alive: this run starts when it finishes; if it is "
                    f"stuck, stop process {h.pid} (the next run marks it failed and frees the slot)")
        elif h.process == "gone":
            todo = "its process is gone: it is being marked failed and its slot freed"
        else:
            todo = ("it runs elsewhere (daemon, UI or another host): if it is stuck, terminate it in the "
                    f"Dagster UI (Runs > {h.run_id[:8]} > Terminate); run monitoring fails it after "
                    "max_runtime_seconds")
        parts.append(f"{who}; {todo}")
    return "; ".join(parts) + "."


class PoolWaitWatch:
    """Watches one run (by id) while it executes in this process: when one of its steps waits for
    ``pool``, says who holds it, in the run's log (an engine event) and on ``out``, when the wait
    starts and every ``repeat_s``; a holder whose process died meanwhile is recovered at once.

    Past ``limit_s`` of waiting, the run is marked failed with the message, its pending claims are
    dropped, and ``on_give_up(message, EXIT_POOL_WAIT_TIMEOUT)`` is called. Interrupted while waiting
    (Ctrl-C, SIGTERM), the run is marked canceled and ``on_give_up(message, EXIT_INTERRUPTED)`` is
    called: Dagster captures those signals during a run and acts on them only between steps, which a
    run blocked on a pool never reaches, so without this Ctrl-C does nothing. The run cannot be
    stopped from another thread either, so the default ``on_give_up``, for command-line use, prints
    the message and ends the process with that status: the run is between steps, nothing is being
    written."""

    def __init__(self, instance: dg.DagsterInstance, run_id: str, pool: str = WAREHOUSE_POOL,
                 limit_s: float | None = None, poll_s: float = 0.5, repeat_s: float = 60.0,
                 out: TextIO | None = None, on_give_up: Callable[[str, int], None] | None = None):
        self.instance, self.run_id, self.pool = instance, run_id, pool
        self.limit_s = pool_wait_limit_s() if limit_s is None else limit_s
        self.poll_s, self.repeat_s = poll_s, repeat_s
        # A run captures this process's stderr for its compute logs and forwards it through helper
        # processes, which a Ctrl-C kills too: write to a copy of stderr taken before the run starts.
        self._own_out = False
        if out is None:
            out = sys.stderr
            try:
                out = os.fdopen(os.dup(sys.stderr.fileno()), "w", buffering=1, encoding="utf-8")
                self._own_out = True
            except (AttributeError, OSError, ValueError):  # no file descriptor (e.g. an in-memory stream)
                pass
        self.out = out
        self.on_give_up = on_give_up or self._exit_with_message
        self.messages: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="pool-wait-watch", daemon=True)

    def __enter__(self) -> "PoolWaitWatch":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        if self._own_out:
            self.out.close()

    def _waiting_since(self) -> datetime | None:
        info = self.instance.event_log_storage.get_concurrency_info(self.pool)
        waits = [p.enqueued_timestamp for p in info.pending_steps
                 if p.run_id == self.run_id and p.assigned_timestamp is None]
        return min(waits) if waits else None

    def _say(self, message: str) -> None:
        self.messages.append(message)
        print(message, file=self.out, flush=True)
        run = self.instance.get_run_by_id(self.run_id)
        if run is not None:
            self.instance.report_engine_event(message, run)

    def _watch(self) -> None:
        last_said = None
        while not self._stop.wait(self.poll_s):
            try:
                since = self._waiting_since()
                if since is None:
                    last_said = None
                    continue
                holders = slot_holders(self.instance, self.pool)
                if any(h.process == "gone" for h in holders):
                    recover_dead_runs(self.instance)
                    continue
                now = datetime.now(timezone.utc)
                waited = (now - since).total_seconds()
                if _interrupt_requested():
                    self._give_up(holders, waited, interrupted=True)
                    return
                if waited >= self.limit_s:
                    self._give_up(holders, waited)
                    return
                if last_said is None or time.monotonic() - last_said >= self.repeat_s:
                    last_said = time.monotonic()
                    self._say(f"Waiting for the {self.pool} pool for {int(waited)} s (gives up after "
                              f"{self.limit_s:g} s, {POOL_WAIT_LIMIT_ENV}): " + describe_holders(holders, self.pool, now))
            except Exception as exc:  # the watch must never take the run down; say why it stopped
                print(f"pool wait watch stopped: {type(exc).__name__}: {exc}", file=self.out, flush=True)
                return

    def _exit_with_message(self, message: str, status: int) -> None:
        print(message, file=self.out, flush=True)
        sys.stdout.flush()
        os._exit(status)

    def _give_up(self, holders: list[SlotHolder], waited: float, interrupted: bool = False) -> None:
        if interrupted:
            message = (f"Interrupted after waiting {int(waited)} s for the {self.pool} pool: "
                       + describe_holders(holders, self.pool))
        else:
            message = (f"Gave up after waiting {int(waited)} s for the {self.pool} pool (limit {self.limit_s:g} s, "
                       f"set {POOL_WAIT_LIMIT_ENV} to change it): " + describe_holders(holders, self.pool))
        self.messages.append(message)
        run = self.instance.get_run_by_id(self.run_id)
        if run is not None and not run.is_finished:
            if interrupted:
                self.instance.report_run_canceled(run, message)
            else:
                self.instance.report_run_failed(run, message)
        self.instance.event_log_storage.free_concurrency_slots_for_run(self.run_id)
        self.on_give_up(message, EXIT_INTERRUPTED if interrupted else EXIT_POOL_WAIT_TIMEOUT)


def _interrupt_requested() -> bool:
    """Whether this process received SIGINT/SIGTERM that Dagster captured and has not acted on yet
    (a private Dagster helper: ``test_run_health`` fails if it goes away)."""
    from dagster._utils.interrupts import check_captured_interrupt

    return check_captured_interrupt()
