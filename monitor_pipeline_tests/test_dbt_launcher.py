"""``monitor-dbt`` answers ``--version`` like dbt (same installed version first) and passes every other
command to dbt unchanged; the dbt resource uses it, and builds no dbt adapter in the run's process."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from dagster_dbt import DbtCliResource

from monitor_pipeline.defs.dbt.project import dbt_executable, dbt_project, dbt_resource

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


@pytest.mark.slow
def test_the_resource_runs_dbt_without_building_an_adapter_in_process(tmp_path, monkeypatch):
    monkeypatch.setenv("MONITOR_WAREHOUSE_PATH", str(tmp_path / "warehouse.duckdb"))
    ours = dbt_resource().cli(["parse", "--quiet"], target_path=tmp_path / "ours").wait()
    assert ours.is_successful() and (tmp_path / "ours" / "manifest.json").exists()
    assert ours.adapter is None
    # dagster-dbt's own resource does build one: if it stopped calling the overridden hook, ours would too
    stock = DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())
    assert stock.cli(["parse", "--quiet"], target_path=tmp_path / "stock").wait().adapter is not None


@pytest.mark.slow
def test_the_window_comes_from_the_environment_and_the_next_invocation_reuses_the_parse(tmp_path, monkeypatch):
    """The daily set gets its partition window through WINDOW_ENV (not --vars), read at execution only, so
    the full-table set run next in the same target folder (no window) re-parses nothing."""
    from datetime import datetime

    from monitor_pipeline.defs.dbt.assets import WINDOW_ENV, window_env

    monkeypatch.setenv("MONITOR_WAREHOUSE_PATH", str(tmp_path / "warehouse.duckdb"))
    target = tmp_path / "run-target"
    compiled = target / "compiled" / "monitor_pipeline" / "models" / "marts" / "company_mentions_daily.sql"
    compile_daily = ["compile", "--quiet", "--select", "company_mentions_daily"]
    for name, value in window_env(datetime(2026, 11, 25), datetime(2026, 11, 26)).items():
        monkeypatch.setenv(name, value)
    assert dbt_resource().cli(compile_daily, target_path=target).wait().is_successful()
    sql = compiled.read_text()
    assert "cast('2026-11-25' as date)" in sql and "cast('2026-11-26' as date)" in sql
    for name in WINDOW_ENV.values():
        monkeypatch.delenv(name)
    assert dbt_resource().cli(compile_daily, target_path=target).wait().is_successful()
    assert "2026-11-25" not in compiled.read_text()  # no window: every day
    log = (target / "dbt.log").read_text()
    # the first invocation re-parses all (this warehouse path is not the prepared profile's), the second nothing
    assert log.count("Unable to do partial parsing") == 1, log
    assert "no changes found, skipping parsing" in log, log
