"""``monitor-dbt`` answers ``--version`` like dbt (same installed version first) and passes every other
command to dbt unchanged; the dbt resource uses it."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from monitor_pipeline.defs.resources import dbt_executable

VERSION = re.compile(r"(\d+\.\d+\.\d+)")  # what dagster-dbt reads from `dbt --version`


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "monitor_pipeline.dbt_launcher", *args],
                          capture_output=True, text=True, timeout=120)


def test_version_is_the_one_dbt_itself_reports():
    ours = run("--version")
    dbt = subprocess.run([str(Path(sys.executable).parent / "dbt"), "--version"], capture_output=True, text=True,
                         timeout=120)
    assert ours.returncode == 0 and dbt.returncode == 0
    assert VERSION.search(ours.stdout).group(1) == VERSION.search(dbt.stdout).group(1)
    assert "duckdb" in ours.stdout


def test_other_commands_reach_dbt():
    out = run("parse", "--help")
    assert out.returncode == 0
    assert "Usage:" in out.stdout and "parse [OPTIONS]" in out.stdout
    assert run("no-such-command").returncode != 0


def test_the_resource_runs_the_launcher_from_this_environment():
    assert dbt_executable() == str(Path(sys.executable).parent / "monitor-dbt")
