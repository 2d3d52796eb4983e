"""Shared fixtures: a temp warehouse, a real temporary Dagster instance, the sample corpus server."""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")


@pytest.fixture
def warehouse_file(tmp_path, monkeypatch):
    """A fresh working DuckDB path, shared by the Dagster resource and the dbt profile."""
    path = tmp_path / "data" / "warehouse.duckdb"
    path.parent.mkdir(parents=True)
    monkeypatch.setenv("MONITOR_WAREHOUSE_PATH", str(path))
    return path


@pytest.fixture
def loopback_tripwire(monkeypatch):
    """No connection may leave 127.0.0.0/8 during the test (modules opt in with
    ``pytest.mark.usefixtures("loopback_tripwire")``)."""
    from monitor_pipeline_tests.core.http_fixtures import install_tripwire

    yield from install_tripwire(monkeypatch)
