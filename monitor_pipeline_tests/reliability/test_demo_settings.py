"""`make demo` with its port taken or a bad setting: one clear line naming the setting, exit status 2,
never a traceback, nothing started (issue 22). The demo runs as `make demo` runs it
(``python -m monitor_pipeline.demo``) with a temp DAGSTER_HOME and warehouse."""
from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from monitor_pipeline import run_health
from monitor_pipeline.demo import DEFAULT_DEMO_PORT, DemoPortError, demo_port
from monitor_pipeline_tests.reliability.conftest import PROJECT_ROOT


def run_demo(tmp_path, **env_overrides: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, DAGSTER_HOME=str(tmp_path / "home"), MONITOR_WAREHOUSE_PATH=str(tmp_path / "w.duckdb"),
               **env_overrides)
    (tmp_path / "home").mkdir(exist_ok=True)
    return subprocess.run([sys.executable, "-m", "monitor_pipeline.demo"], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def assert_one_clear_line(done: subprocess.CompletedProcess, *words: str) -> None:
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("make demo: "), done.stderr
    for word in words:
        assert word in lines[0], lines[0]
    assert done.stdout == ""


def test_demo_port_taken_gives_one_line_naming_the_setting(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = run_demo(tmp_path, MONITOR_DEMO_PORT=str(port))
    assert_one_clear_line(done, f"port {port}", "in use", "MONITOR_DEMO_PORT")
    assert not (tmp_path / "w.duckdb").exists()  # nothing started


@pytest.mark.parametrize("value", ["http", "0", "70000", "-1"])
def test_a_bad_demo_port_setting_is_refused_in_one_line(tmp_path, value):
    assert_one_clear_line(run_demo(tmp_path, MONITOR_DEMO_PORT=value), "MONITOR_DEMO_PORT", repr(value))


@pytest.mark.parametrize("value", ["soon", "0", "-5", "inf"])
def test_a_bad_pool_wait_limit_is_refused_in_one_line(tmp_path, value):
    # checked before the port (a bad port here would name MONITOR_DEMO_PORT instead)
    assert_one_clear_line(run_demo(tmp_path, MONITOR_POOL_WAIT_LIMIT_S=value, MONITOR_DEMO_PORT="unused"),
                          "MONITOR_POOL_WAIT_LIMIT_S")


def test_port_and_limit_defaults():
    assert demo_port({}) == DEFAULT_DEMO_PORT == 8765
    assert demo_port({"MONITOR_DEMO_PORT": " 9000 "}) == 9000
    with pytest.raises(DemoPortError):
        demo_port({"MONITOR_DEMO_PORT": "9000x"})
    assert run_health.pool_wait_limit_s({}) == run_health.DEFAULT_POOL_WAIT_LIMIT_S
    assert run_health.pool_wait_limit_s({"MONITOR_POOL_WAIT_LIMIT_S": "2.5"}) == 2.5
