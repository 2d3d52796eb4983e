"""Shared fixtures: a temp warehouse, the loopback tripwire, a real PostgreSQL server and the scale profile on it."""
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


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL server (initdb in a temp directory, a free loopback port) for the whole session;
    skipped, saying why, only when the server binaries are not installed."""
    from monitor_pipeline_tests.postgres import PostgresServer, PostgresUnavailable

    try:
        server = PostgresServer()
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))
    server.init().start()
    try:
        yield server
    finally:
        try:
            server.stop()
        finally:
            server.remove()


@pytest.fixture
def scale_profile(postgres_server, tmp_path, monkeypatch):
    """The scale profile's variables, on a fresh catalog database and a lake directory under tmp_path."""
    from monitor_pipeline.storage.profile import profile_from_env

    set_scale_profile(monkeypatch, postgres_server, tmp_path)
    return profile_from_env()


def set_scale_profile(monkeypatch, postgres_server, root) -> None:
    monkeypatch.setenv("MONITOR_PROFILE", "scale")
    monkeypatch.setenv("MONITOR_LAKE_CATALOG", postgres_server.create_database())
    monkeypatch.setenv("MONITOR_LAKE_DATA_PATH", str(root / "lake"))
