"""Fixtures for the reliability tests: a temp warehouse, a loopback press site, child-process runs.

Every test here runs with the loopback tripwire: a connection to an address outside 127.0.0.0/8
is stopped before it is opened and fails the test.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from monitor_pipeline.storage import warehouse
from monitor_pipeline.core.ingest.fetch import HttpSettings
from monitor_pipeline_tests.core.http_fixtures import LoopbackServer, Tripwire, install_tripwire
from monitor_pipeline_tests.reliability.corpus import PressSite

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DAY = "2025-03-04"

#: Short timeouts and no politeness delay: every test stays bounded and quick.
FAST_HTTP = dict(connect_timeout_s=1.0, read_timeout_s=1.0, total_timeout_s=2.0, max_retries=0,
                 backoff_base_s=0.01, backoff_max_s=0.05, per_host_min_interval_s=0.0, per_host_concurrency=4)


def fast_http(*allow_hosts: str, **overrides: Any) -> HttpSettings:
    return HttpSettings(**{**FAST_HTTP, "allow_hosts": tuple(allow_hosts or ("127.0.0.1",)), **overrides})


@pytest.fixture(autouse=True)
def _every_test_behind_the_tripwire(loopback_tripwire: Tripwire) -> Tripwire:
    return loopback_tripwire


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.duckdb"


def connector(path: Path):
    """The connection factory the stages take, waiting for the file lock like production code."""

    return warehouse.connection_factory(path, timeout_s=30)


@pytest.fixture
def connect(db_path: Path):
    return connector(db_path)


@pytest.fixture
def site() -> Iterator[PressSite]:
    with LoopbackServer("127.0.0.1") as server:
        yield PressSite(server)


def query(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    conn = duckdb.connect(str(path), read_only=True)
    try:
        return conn.execute(sql, params or []).fetchall()
    finally:
        conn.close()


def child_command(spec: dict[str, Any]) -> list[str]:
    return [sys.executable, "-m", "monitor_pipeline_tests.reliability.child", json.dumps(spec)]


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(PROJECT_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def start_child(spec: dict[str, Any]) -> subprocess.Popen:
    return subprocess.Popen(child_command(spec), cwd=PROJECT_ROOT, env=child_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run_child(spec: dict[str, Any], timeout_s: float = 90) -> dict[str, Any]:
    """Run a stage in a child process to completion; return its JSON outcome."""
    done = subprocess.run(child_command(spec), cwd=PROJECT_ROOT, env=child_env(), capture_output=True,
                          text=True, timeout=timeout_s)
    return outcome_of(done.stdout, done.stderr)


def outcome_of(stdout: str, stderr: str) -> dict[str, Any]:
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    assert lines, f"child printed no outcome; stderr:\n{stderr[-2000:]}"
    outcome = json.loads(lines[-1])
    outcome["stderr"] = stderr
    return outcome


def wait_for(marker: Path, proc: subprocess.Popen, timeout_s: float = 60) -> None:
    """Wait until the child created ``marker`` (it is inside its write transaction)."""
    deadline = time.monotonic() + timeout_s
    while not marker.exists():
        if proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"child exited with {proc.returncode} before the marker:\n{out}\n{err[-2000:]}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("child never reached the injected fault point")
        time.sleep(0.02)
