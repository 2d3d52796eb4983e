"""Shared fixtures: a temp warehouse, a real temporary Dagster instance, the sample corpus server."""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
# The fault-injection hooks (a page that hangs or crashes its worker) act only on pages carrying
# their marker. Set for the whole session, before any test starts the worker forkserver: workers
# are forked from it and see its environment, not the one a test sets later.
os.environ.setdefault("MONITOR_PIPELINE_TEST_HOOKS", "1")


@pytest.fixture
def warehouse_file(tmp_path, monkeypatch):
    """A fresh working DuckDB path, shared by the Dagster resource and the dbt profile."""
    path = tmp_path / "data" / "warehouse.duckdb"
    path.parent.mkdir(parents=True)
    monkeypatch.setenv("MONITOR_WAREHOUSE_PATH", str(path))
    return path
