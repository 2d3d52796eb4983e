"""The scale profile on real parts: a PostgreSQL server started for the tests holds the DuckLake catalog,
the lake's files go to a temp directory, writers are separate processes.

What is checked: the profile's settings fail clearly; the extensions load from their packages and
nothing is installed; the lake's schema (no constraints DuckLake lacks, partitioned by day, migrations);
a commit that conflicts is retried and loses nothing; four processes replacing four partitions at once
while an analyst queries every 50 ms; Postgres restarted, and a writer killed, in the middle of a commit."""
from __future__ import annotations

from contextlib import contextmanager, suppress

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from monitor_pipeline.storage import extensions, lake, warehouse
from monitor_pipeline.storage.profile import ProfileError, WarehouseProfile, profile_from_env
from monitor_pipeline.defs.policies import LAKE_DBT_RETRY
from monitor_pipeline_tests import lake_writers

ROOT = Path(__file__).resolve().parents[1]
DAYS = ("2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04")


# --- settings -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("env, message", [
    ({"MONITOR_PROFILE": "cluster"}, "MONITOR_PROFILE must be one of embedded, scale, got 'cluster'"),
    ({"MONITOR_PROFILE": "scale", "MONITOR_LAKE_DATA_PATH": "/tmp/lake"}, "needs MONITOR_LAKE_CATALOG"),
    ({"MONITOR_PROFILE": "scale", "MONITOR_LAKE_CATALOG": "dbname=lake"}, "needs MONITOR_LAKE_DATA_PATH"),
])
def test_an_unusable_profile_fails_naming_the_variable(env, message):
    with pytest.raises(ProfileError, match=message):
        profile_from_env(env)


def test_the_embedded_profile_is_the_default():
    assert profile_from_env({}) == WarehouseProfile("embedded")
    assert not profile_from_env({"MONITOR_PROFILE": " "}).is_scale
    assert profile_from_env({"MONITOR_PROFILE": "Scale", "MONITOR_LAKE_CATALOG": "dbname=x",
                             "MONITOR_LAKE_DATA_PATH": "s3://bucket/lake/"}).data_path() == "s3://bucket/lake/"


def test_the_code_location_refuses_to_load_with_a_bad_profile(tmp_path):
    env = dict(os.environ, MONITOR_PROFILE="scale", MONITOR_LAKE_CATALOG="", MONITOR_WAREHOUSE_PATH=str(tmp_path / "w.duckdb"))
    done = subprocess.run([sys.executable, "-c", "import monitor_pipeline.definitions as d; d.defs()"],
                          capture_output=True, text=True, env=env, timeout=180, cwd=ROOT)
    assert done.returncode != 0 and "needs MONITOR_LAKE_CATALOG" in done.stderr


# --- extensions ---------------------------------------------------------------------------------------

def test_lake_extensions_load_from_their_packages_and_nothing_is_installed():
    conn = duckdb.connect()
    extensions.load_extensions(conn, extensions.DUCKLAKE, extensions.POSTGRES)
    rows = dict(((name, (loaded, installed, mode)) for name, loaded, installed, mode in conn.execute(
        "SELECT extension_name, loaded, installed, install_mode FROM duckdb_extensions() "
        "WHERE extension_name IN ('ducklake', 'postgres_scanner')").fetchall()))
    assert rows == {"ducklake": (True, False, "NOT_INSTALLED"), "postgres_scanner": (True, False, "NOT_INSTALLED")}
    assert conn.execute("SELECT current_setting('autoinstall_known_extensions')").fetchone()[0] is False
    assert "site-packages" in str(extensions.extension_path(extensions.POSTGRES).resolve())
    conn.close()


# --- the lake's schema and writes ---------------------------------------------------------------------

def test_the_lake_schema_drops_what_ducklake_lacks_and_partitions_by_day(scale_profile):
    assert "PRIMARY KEY" not in warehouse.lake_ddl("feed_entries") and "UNIQUE" not in warehouse.lake_ddl("feed_entries")
    assert "NOT NULL" in warehouse.lake_ddl("feed_entries")
    with lake.lake_connection(scale_profile) as conn:
        conn.execute("CREATE TABLE articles (article_id VARCHAR, partition_day DATE)")  # an older version's table
        warehouse.ensure_schema(conn)
        warehouse.ensure_schema(conn)  # again: nothing to do
        assert lake.is_lake(conn)
        columns = [r[0] for r in conn.execute("DESCRIBE articles").fetchall()]
        assert columns == warehouse.columns("articles")  # migrated: the missing columns added
        partitioned = {r[0] for r in conn.execute(
            "SELECT t.table_name FROM __ducklake_metadata_lake.ducklake_partition_info p "
            "JOIN __ducklake_metadata_lake.ducklake_table t USING (table_id) WHERE t.end_snapshot IS NULL").fetchall()}
        assert "feed_entries" in partitioned and "company_mentions" in partitioned and "feeds" not in partitioned
        warehouse.upsert_rows(conn, "feeds", "feed_id", [{"feed_id": "a", "name": "A"}])
        warehouse.upsert_rows(conn, "feeds", "feed_id", [{"feed_id": "a", "name": "A2"}, {"feed_id": "b", "name": "B"}])
        assert conn.execute("SELECT feed_id, name FROM feeds ORDER BY 1").fetchall() == [("a", "A2"), ("b", "B")]


def test_the_stages_factory_attaches_the_lake_once_and_gives_each_block_its_own_transaction(scale_profile):
    connect = warehouse.profile_connection_factory(scale_profile, "unused-in-the-scale-profile")
    try:
        with connect() as first:
            warehouse.ensure_schema(first)
            first.execute("CREATE TABLE memory.main.marker AS SELECT 42 AS answer")  # on the process's instance
        with connect() as later:  # a new block reaches the same instance: nothing attached or loaded again
            assert later.execute("SELECT answer FROM memory.main.marker").fetchone() == (42,)
            assert lake.is_lake(later)
        with connect() as writer, connect() as reader:
            writer.execute("BEGIN")
            writer.execute("INSERT INTO feeds (feed_id, name, url) VALUES ('probe', 'Probe', 'https://probe.test/rss')")
            assert reader.execute("SELECT count(*) FROM feeds").fetchone() == (0,)  # not committed yet
            writer.execute("COMMIT")
            assert reader.execute("SELECT count(*) FROM feeds").fetchone() == (1,)
    finally:
        connect.close()
    with connect() as reopened:  # after close, the next block opens a fresh instance
        assert lake.is_lake(reopened)
        assert reopened.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'marker'").fetchone() == (0,)
    connect.close()


def test_schema_checks_on_a_current_lake_write_nothing(scale_profile):
    with lake.lake_connection(scale_profile) as conn:
        warehouse.ensure_schema(conn)
        snapshots = conn.execute("SELECT count(*) FROM ducklake_snapshots('lake')").fetchone()[0]
        warehouse.ensure_schema(conn)
        assert conn.execute("SELECT count(*) FROM ducklake_snapshots('lake')").fetchone()[0] == snapshots


def test_a_conflicting_commit_is_retried_and_loses_nothing(scale_profile):
    lake_writers.prepare(scale_profile)
    lake_writers.write_partition(DAYS[1], 0, 30)
    rows = lake_writers.partition_rows(DAYS[0], 1, 50)
    attempts = []
    with lake.lake_connection(scale_profile) as conn, lake.lake_connection(scale_profile) as rival:
        def write(conn):
            attempts.append(1)
            conn.execute("DELETE FROM articles WHERE partition_day = ?", [DAYS[0]])
            warehouse.insert_many(conn, "articles", rows["articles"])
            if len(attempts) == 1:  # another writer deletes from the same table and commits meanwhile
                other = lake_writers.partition_rows(DAYS[1], 1, 30)["articles"]
                warehouse.write_transaction(rival, lambda c: (
                    c.execute("DELETE FROM articles WHERE partition_day = ?", [DAYS[1]]),
                    warehouse.insert_many(c, "articles", other)))

        warehouse.write_transaction(conn, write)
        counts = conn.execute("SELECT partition_day::VARCHAR, count(*), count(DISTINCT article_id) FROM articles "
                              "GROUP BY 1 ORDER BY 1").fetchall()
    assert len(attempts) == 2  # the first commit conflicted, the second went through
    assert counts == [(DAYS[0], 50, 50), (DAYS[1], 30, 30)]


def test_retries_give_up_with_a_clear_error_after_the_limit():
    def conflicting():
        raise duckdb.TransactionException("Transaction conflict - attempting to delete from table")

    waits = []
    with pytest.raises(lake.LakeWriteConflict, match="gave up after 4 attempts.*nothing of this write was committed"):
        lake.retry_conflicts(conflicting, retries=3, sleep=waits.append)
    assert len(waits) == 3 and all(0 <= w <= lake.CONFLICT_BACKOFF_MAX_S for w in waits)
    with pytest.raises(duckdb.CatalogException):  # anything else is not retried
        lake.retry_conflicts(lambda: (_ for _ in ()).throw(duckdb.CatalogException("no such table")),
                             sleep=waits.append)
    assert len(waits) == 3


# --- many writers, one analyst ------------------------------------------------------------------------

def _writer(day: str, version: int, rows: int, repeat: int = 1) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "monitor_pipeline_tests.lake_writers", day, str(version),
                             str(rows), str(repeat)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _states(conn) -> dict[str, tuple]:
    """Per day: (articles, distinct ids, versions among articles, mentions, versions among mentions)."""
    return {day: tuple(rest) for day, *rest in conn.execute("""
        SELECT a.day, a.n, a.ids, a.versions, m.n, m.versions
        FROM (SELECT partition_day::VARCHAR AS day, count(*) AS n, count(DISTINCT article_id) AS ids,
                     list(DISTINCT split_part(title, ' ', 1) ORDER BY 1) AS versions FROM articles GROUP BY 1) a
        LEFT JOIN (SELECT partition_day::VARCHAR AS day, count(*) AS n,
                          list(DISTINCT tagger_version ORDER BY 1) AS versions FROM company_mentions GROUP BY 1) m
          USING (day) ORDER BY 1""").fetchall()}


def _table_rows(conn, day: str) -> dict[str, list]:
    return {table: sorted(conn.execute(f"SELECT * FROM {table} WHERE partition_day = ?", [day]).fetchall(), key=repr)
            for table in lake_writers.TABLES}


def test_four_writers_of_four_partitions_and_an_analyst_at_once(scale_profile, tmp_path):
    rows, repeat = 200, 3
    lake_writers.prepare(scale_profile)
    seen, failures, stop = [], [], threading.Event()

    def analyst() -> None:  # its own connection, read-only, as an analyst's ATTACH
        with lake.lake_connection(scale_profile, read_only=True) as conn:
            while not stop.is_set():
                try:
                    seen.append(_states(conn))
                except Exception as exc:  # a failed query is a finding, reported below
                    failures.append(repr(exc))
                stop.wait(0.05)

    reader = threading.Thread(target=analyst)
    reader.start()
    try:
        writers = [_writer(day, 1, rows, repeat) for day in DAYS]
        outcomes = [w.communicate(timeout=240) for w in writers]
    finally:
        stop.set()
        reader.join(timeout=60)
    assert [w.returncode for w in writers] == [0] * 4, [err[-2000:] for _, err in outcomes]
    assert failures == []
    assert len(seen) > 5
    for state in seen:  # every snapshot the analyst saw holds whole partitions, each of one version
        for day, (n, ids, versions, mentions, mention_versions) in state.items():
            assert (n, ids, mentions) == (rows, rows, rows) and len(versions) == 1, (day, state[day])
            assert mention_versions == versions, (day, state[day])
    assert len({repr(s) for s in seen}) > 1, "the analyst never saw a write land"
    # the end state equals a sequential build of the same writes in an embedded DuckDB file
    sequential = duckdb.connect(str(tmp_path / "sequential.duckdb"))
    warehouse.ensure_schema(sequential)
    for day in DAYS:
        for version in range(1, repeat + 1):
            with lake_writers.PartitionSpool(lake_writers.TABLES) as spool:
                spool.append(lake_writers.partition_rows(day, version, rows))
                spool.publish(sequential, day)
    with lake.lake_connection(scale_profile, read_only=True) as conn:
        for day in DAYS:
            assert _table_rows(conn, day) == _table_rows(sequential, day), day
    sequential.close()


# --- faults in the middle of a commit -----------------------------------------------------------------

def _catalog_session(profile: WarehouseProfile):
    import psycopg2

    conn = psycopg2.connect(profile.lake_catalog)
    conn.autocommit = False
    return conn


def _block_commits(session) -> None:
    """Hold the lock a DuckLake commit needs (new snapshot rows): readers go on, commits wait."""
    with session.cursor() as cur:
        cur.execute("LOCK TABLE ducklake_snapshot IN EXCLUSIVE MODE")


def _lock_waiters(profile: WarehouseProfile) -> int:
    import psycopg2

    dbname = dict(p.split("=", 1) for p in profile.lake_catalog.split())["dbname"]
    with psycopg2.connect(profile.lake_catalog) as watcher, watcher.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'", [dbname])
        waiting = cur.fetchone()[0]
    watcher.close()
    return waiting


def _wait_for_blocked_commit(profile: WarehouseProfile, writer: subprocess.Popen, deadline_s: float = 120) -> None:
    deadline = time.monotonic() + deadline_s
    while not _lock_waiters(profile):
        if writer.poll() is not None:
            raise AssertionError(f"the writer ended before committing: {writer.communicate()[1][-2000:]}")
        if time.monotonic() > deadline:
            raise AssertionError("the writer never reached its commit")
        time.sleep(0.05)


def _wait_for_server_to_drop_the_dead_session(profile: WarehouseProfile, deadline_s: float = 30) -> None:
    """The server checks its clients while they wait (client_connection_check_interval) and ends the
    killed writer's session, rolling its commit back."""
    deadline = time.monotonic() + deadline_s
    while _lock_waiters(profile):
        if time.monotonic() > deadline:
            raise AssertionError("the server kept the killed writer's session")
        time.sleep(0.05)


def _assert_whole_version(profile: WarehouseProfile, version: int, rows: int) -> None:
    with lake.lake_connection(profile, read_only=True) as conn:
        assert _states(conn) == {DAYS[0]: (rows, rows, [f"v{version}"], rows, [f"v{version}"])}


@contextmanager
def _second_version_held_in_its_commit(profile, rows: int):
    """Version 1 of a day written, then a writer of version 2 held inside its commit by a lock on the
    catalog; yields that writer's process."""
    lake_writers.prepare(profile)
    lake_writers.write_partition(DAYS[0], 1, rows)
    session = _catalog_session(profile)
    _block_commits(session)
    writer = _writer(DAYS[0], 2, rows)
    try:
        _wait_for_blocked_commit(profile, writer)
        yield writer
    finally:
        with suppress(Exception):  # the server may have cut the session already (a restart)
            session.rollback()
        session.close()


def test_a_writer_killed_mid_commit_leaves_the_previous_snapshot(scale_profile):
    rows = 300
    with _second_version_held_in_its_commit(scale_profile, rows) as writer:
        _assert_whole_version(scale_profile, 1, rows)  # readers are not blocked meanwhile
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=30)
        _wait_for_server_to_drop_the_dead_session(scale_profile)
    assert writer.returncode == -signal.SIGKILL
    _assert_whole_version(scale_profile, 1, rows)
    lake_writers.write_partition(DAYS[0], 3, rows)  # the next writer is not hindered
    _assert_whole_version(scale_profile, 3, rows)


def test_postgres_restarted_mid_commit_fails_the_write_cleanly(scale_profile, postgres_server):
    rows = 300
    with _second_version_held_in_its_commit(scale_profile, rows) as writer:
        postgres_server.restart()  # fast shutdown: every session, the writer's included, is cut
    _, err = writer.communicate(timeout=120)
    assert writer.returncode != 0 and "Error" in err  # failed, saying why, rather than hanging
    _assert_whole_version(scale_profile, 1, rows)  # nothing half-written is visible
    lake_writers.write_partition(DAYS[0], 3, rows)
    _assert_whole_version(scale_profile, 3, rows)


# --- Dagster on Postgres ------------------------------------------------------------------------------

def test_the_scale_instance_keeps_runs_in_postgres_with_a_wider_warehouse_pool(postgres_server, tmp_path, monkeypatch):
    import shutil

    import dagster as dg
    from dagster_postgres import PostgresRunStorage

    from monitor_pipeline.defs.policies import WAREHOUSE_POOL

    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "deploy" / "dagster-scale.yaml", home / "dagster.yaml")
    dbname = dict(p.split("=", 1) for p in postgres_server.create_database().split())["dbname"]
    for name, value in {"DAGSTER_PG_HOST": "127.0.0.1", "DAGSTER_PG_PORT": str(postgres_server.port),
                        "DAGSTER_PG_DB": dbname, "DAGSTER_PG_USERNAME": postgres_server.user,
                        "DAGSTER_PG_PASSWORD": ""}.items():
        monkeypatch.setenv(name, value)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 4
        run = instance.create_run_for_job(dg.GraphDefinition("noop").to_job())
        instance.event_log_storage.initialize_concurrency_limit_to_default(WAREHOUSE_POOL)
        assert instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL).slot_count == 4
    with dg.DagsterInstance.from_config(str(home)) as again:  # another process, another machine: same runs
        assert again.get_run_by_id(run.run_id) is not None


# --- analysts on the lake -----------------------------------------------------------------------------

def test_analysts_read_the_lake_and_search_says_it_is_embedded_only(scale_profile):
    lake_writers.prepare(scale_profile)
    lake_writers.write_partition(DAYS[0], 1, 12)
    cli = str(Path(sys.executable).with_name("monitor-pipeline"))
    done = subprocess.run([cli, "sql"], input=".mode csv\nSELECT count(*) AS n FROM articles;\n", capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["n", "12"]
    refused = subprocess.run([cli, "sql", "-c", "DELETE FROM articles"], capture_output=True, text=True, timeout=120)
    assert "read-only" in (refused.stdout + refused.stderr).lower()
    search = subprocess.run([cli, "search", "plan"], capture_output=True, text=True, timeout=120)
    assert search.returncode == 2 and "full-text search is unavailable in the scale profile" in search.stderr


# --- dbt on the lake ----------------------------------------------------------------------------------

def _dbt_daily_build(day: str, target_path: Path) -> subprocess.Popen:
    from monitor_pipeline.defs.dbt.assets import DAILY_MODELS, build_dbt_args
    from monitor_pipeline.defs.dbt.project import DBT_PROJECT_DIR, dbt_executable
    from datetime import datetime, timedelta

    start = datetime.fromisoformat(day)
    return subprocess.Popen([dbt_executable(), *build_dbt_args(start, start + timedelta(days=1)), "--select",
                             DAILY_MODELS, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
                             str(DBT_PROJECT_DIR), "--target-path", str(target_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.mark.slow
def test_dbt_builds_two_partitions_of_the_lake_at_once(scale_profile, tmp_path):
    """dbt's scale target attaches the same lake (extensions from the packages): two daily builds of
    different partitions at once, then again, each leave every partition's marts exact."""
    lake_writers.prepare(scale_profile)
    for day in DAYS[:2]:
        lake_writers.write_partition(day, 1, 40)
    reruns = 0
    for round_ in range(2):
        pending = list(DAYS[:2])
        for attempt in range(1 + LAKE_DBT_RETRY.max_retries):  # what the dbt assets' retry policy does
            builds = {day: _dbt_daily_build(day, tmp_path / f"target-{round_}-{attempt}-{day}") for day in pending}
            logs = {day: b.communicate(timeout=600)[0] for day, b in builds.items()}
            pending = [day for day, b in builds.items() if b.returncode != 0]
            if not pending:
                break
            reruns += len(pending)
        assert pending == [], [[line for line in logs[d].splitlines() if "rror" in line][:10] for d in pending]
    with lake.lake_connection(scale_profile, read_only=True) as conn:
        daily = conn.execute("SELECT day::VARCHAR, count(*), sum(mentions), sum(articles) FROM company_mentions_daily "
                             "GROUP BY 1 ORDER BY 1").fetchall()
    assert daily == [(DAYS[0], 11, 40, 40), (DAYS[1], 11, 40, 40)]  # whatever was rerun: nothing lost or doubled
    assert reruns <= 2 * LAKE_DBT_RETRY.max_retries


def test_dbt_steps_retry_in_the_scale_profile_only(monkeypatch):
    from monitor_pipeline.defs.policies import dbt_retry_policy

    monkeypatch.delenv("MONITOR_PROFILE", raising=False)
    assert dbt_retry_policy() is None
    monkeypatch.setenv("MONITOR_PROFILE", "scale")
    monkeypatch.setenv("MONITOR_LAKE_CATALOG", "dbname=lake")
    monkeypatch.setenv("MONITOR_LAKE_DATA_PATH", "s3://bucket/lake/")
    assert dbt_retry_policy() == LAKE_DBT_RETRY
