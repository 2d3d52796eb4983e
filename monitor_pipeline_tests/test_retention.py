"""Retention (storage.retention): old raw pages removed, recent and shared ones kept, the removal recorded
so a rebuild of an expired day says why; DuckLake snapshots expired on a real lake (a DuckDB-file
catalog), the current data intact and the files no snapshot needs deleted."""
from __future__ import annotations

import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest

from monitor_pipeline import stages
from monitor_pipeline.storage import extensions, retention, warehouse
from monitor_pipeline.storage.page_store import PageStore
from monitor_pipeline.storage.sql_text import sql_string_literal

TODAY = date(2027, 3, 1)
KEEP = 30
OLD, OLDER, EDGE, RECENT = (TODAY - timedelta(days=n) for n in (31, 45, 30, 1))


def later(hours: float = 2) -> datetime:
    """A clock past the grace period of the files this test just stored."""
    return datetime.now(timezone.utc) + timedelta(hours=hours)


def page(n: int, day: date) -> bytes:
    return f"<html><body><p>page {n} of {day}</p></body></html>".encode()


def add_pages(conn, store, day: date, bodies: list[bytes]) -> list[str]:
    hashes = [store.put(body) for body in bodies]
    warehouse.upsert_rows(conn, "article_pages", "entry_id", [
        {"entry_id": f"{day}-{i}", "partition_day": day, "url": f"https://example.test/{day}/{i}", "status": "ok",
         "content_sha256": sha, "fetched_at": datetime.now(timezone.utc)} for i, sha in enumerate(hashes)])
    return hashes


@pytest.fixture
def warehouse_with_pages(tmp_path):
    conn = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    warehouse.ensure_schema(conn)
    store = warehouse.page_store(conn)
    shared = page(0, RECENT)  # a syndicated copy: stored once, served on an old day and a recent one
    hashes = {
        OLDER: add_pages(conn, store, OLDER, [page(1, OLDER), page(2, OLDER)]),
        OLD: add_pages(conn, store, OLD, [page(1, OLD), shared]),
        EDGE: add_pages(conn, store, EDGE, [page(1, EDGE)]),
        RECENT: add_pages(conn, store, RECENT, [page(1, RECENT), shared]),
    }
    yield conn, store, hashes
    conn.close()


def test_pages_of_days_past_the_retention_are_removed_and_recent_or_shared_ones_kept(warehouse_with_pages):
    conn, store, hashes = warehouse_with_pages
    shared = hashes[RECENT][1]
    report = retention.remove_old_pages(conn, store, KEEP, TODAY, later())
    assert report.cutoff_day == EDGE
    assert report.days == [OLDER.isoformat(), OLD.isoformat()]
    assert report.files_removed == 3 and report.files_shared_with_kept_days == 1 and report.bytes_freed > 0
    assert not any(store.has(sha) for sha in hashes[OLDER] + hashes[OLD][:1])
    assert all(store.has(sha) for sha in hashes[EDGE] + hashes[RECENT])
    assert store.get(shared) == page(0, RECENT)
    # the rows stay (the articles and marts were built from them); the removal is recorded per day
    assert warehouse.table_count(conn, "article_pages") == 7
    removed = retention.pages_removed(conn, OLD)
    assert removed["pages"] == 2 and removed["retention_days"] == KEEP and removed["completed_at"] is not None
    assert retention.pages_removed(conn, EDGE) is None
    again = retention.remove_old_pages(conn, store, KEEP, TODAY, later())
    assert again.days == [] and again.files_removed == 0


def test_keep_by_default_and_bad_settings_are_refused(warehouse_with_pages):
    conn, store, hashes = warehouse_with_pages
    report = retention.remove_old_pages(conn, store, None, TODAY, later())
    assert report.cutoff_day is None and report.files_removed == 0
    assert all(store.has(sha) for day_hashes in hashes.values() for sha in day_hashes)
    for bad in (0, -3, 1.5, True):
        with pytest.raises(ValueError, match=retention.PAGE_RETENTION_ENV):
            retention.remove_old_pages(conn, store, bad, TODAY, later())
    assert warehouse.table_count(conn, "page_retention") == 0


def test_a_page_stored_again_within_the_grace_period_is_kept_until_the_next_sweep(warehouse_with_pages):
    conn, store, hashes = warehouse_with_pages
    just_now = datetime.now(timezone.utc)
    first = retention.remove_old_pages(conn, store, KEEP, TODAY, just_now)  # every file was stored just now
    assert first.files_removed == 0 and first.files_recently_stored == 3
    # recorded all the same (a rebuild already knows), but not done: the next sweep finishes
    assert retention.pages_removed(conn, OLD)["completed_at"] is None
    second = retention.remove_old_pages(conn, store, KEEP, TODAY, later())
    assert second.files_removed == 3 and second.days == [OLDER.isoformat(), OLD.isoformat()]
    assert retention.pages_removed(conn, OLD)["completed_at"] is not None


def test_put_dates_an_already_stored_page_again(tmp_path):
    store = PageStore(tmp_path)
    sha = store.put(b"<html>same</html>")
    os.utime(store.path_for(sha), (0, 0))
    assert store.put(b"<html>same</html>") == sha
    assert store.path_for(sha).stat().st_mtime > 10**9


def test_rebuilding_a_day_whose_pages_were_removed_and_that_has_no_articles_fails_clearly(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as conn:
        warehouse.ensure_schema(conn)
        store = warehouse.page_store(conn)
        add_pages(conn, store, OLD, [page(1, OLD)])
        warehouse.insert_rows(conn, "feed_entries", [{
            "entry_id": f"{OLD}-0", "partition_day": OLD, "source_id": "s", "url": f"https://example.test/{OLD}/0",
            "first_seen_at": datetime.now(timezone.utc)}])
        retention.remove_old_pages(conn, store, KEEP, TODAY, later())
    with pytest.raises(retention.PagesRemovedByRetention, match=r"removed by the retention policy "
                       rf"\({retention.PAGE_RETENTION_ENV}=30\).*no articles"):
        stages.build_articles(warehouse.connection_factory(path), OLD.isoformat(), workers=1)
    with duckdb.connect(str(path)) as conn:
        assert warehouse.table_count(conn, "articles") == 0


# --- DuckLake snapshots ------------------------------------------------------------------------------

def load_ducklake(conn: duckdb.DuckDBPyConnection) -> None:
    """The ducklake extension from its PyPI package (never downloaded)."""
    extensions.load_extensions(conn, extensions.DUCKLAKE)


def data_files(root: Path) -> set[str]:
    return {str(p) for p in root.rglob("*.parquet")}


def test_old_snapshots_are_expired_and_their_files_deleted_on_a_real_ducklake(tmp_path):
    conn = duckdb.connect()
    load_ducklake(conn)
    files = tmp_path / "files"
    catalog = f"ducklake:{tmp_path / 'cat.ducklake'}"
    conn.execute(f"ATTACH {sql_string_literal(catalog)} AS lake (DATA_PATH {sql_string_literal(str(files) + os.sep)})")
    conn.execute("USE lake")
    assert retention.ducklake_catalog(conn) == "lake"
    conn.execute("CREATE TABLE articles (partition_day DATE, article_id VARCHAR, words INTEGER)")
    conn.execute("ALTER TABLE articles SET PARTITIONED BY (partition_day)")
    # each day rebuilt three times (replace-and-insert, as the pipeline writes): the files of the
    # replaced versions stay as long as a snapshot can read them
    for version in range(3):
        for day in ("2027-01-01", "2027-01-02"):
            conn.execute("BEGIN")
            conn.execute("DELETE FROM articles WHERE partition_day = ?", [day])
            conn.execute("INSERT INTO articles SELECT ?::DATE, 'a' || range, range + ? FROM range(2000)", [day, version])
            conn.execute("COMMIT")
    snapshots = conn.execute("SELECT snapshot_id, snapshot_time FROM ducklake_snapshots('lake') "
                             "ORDER BY snapshot_id").fetchall()
    current = sorted(conn.execute("FROM articles").fetchall())
    before = data_files(files)
    assert len(before) == 6  # two days x three versions
    # the cutoff falls between the last two snapshots: only the latest one is recent enough to stay
    (prev_id, prev_time), (last_id, last_time) = snapshots[-2:]
    assert last_time > prev_time
    cutoff = prev_time + (last_time - prev_time) / 2
    report = retention.expire_snapshots(conn, "lake", 7, now=cutoff + timedelta(days=7))
    assert report.snapshots_expired == len(snapshots) - 1 and report.snapshots_left == 1
    assert [r[0] for r in conn.execute("SELECT snapshot_id FROM ducklake_snapshots('lake')").fetchall()] == [last_id]
    assert sorted(conn.execute("FROM articles").fetchall()) == current
    after = data_files(files)
    live = {r[0] for r in conn.execute("SELECT data_file FROM ducklake_list_files('lake', 'articles')").fetchall()}
    assert after == live and len(after) == 2 and after < before
    with pytest.raises(duckdb.Error):
        conn.execute("SELECT count(*) FROM articles AT (VERSION => ?)", [prev_id]).fetchall()
    # keep-everything leaves the lake alone
    assert retention.expire_snapshots(conn, "lake", None, now=later(24 * 365)).snapshots_expired == 0
    assert data_files(files) == after
    conn.close()


def test_a_plain_duckdb_file_has_no_lake_catalog(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        assert retention.ducklake_catalog(conn) is None


# --- The sweep and a rebuild, end to end --------------------------------------------------------------

SWEPT_TABLES = ("articles", "company_mentions", "numeric_facts", "layoff_mentions", "company_mentions_daily",
                "layoff_mentions_daily", "layoff_events", "company_trends", "article_pages", "feed_entries")


def table_rows(db_path: Path) -> dict[str, list]:
    with duckdb.connect(str(db_path), read_only=True) as conn:
        return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in SWEPT_TABLES}


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_sweep_removes_an_old_days_pages_and_its_rebuild_keeps_everything_and_says_why(tmp_path, monkeypatch):
    """One real run of the sample corpus for a day 40 days ago; the sweep (30 days) removes its pages;
    the recompute job then rebuilds that day: it succeeds, every table is as before, and the articles
    step says its pages were removed by retention."""
    import dagster as dg

    from monitor_pipeline.defs.maintenance.assets import retention_sweep
    from monitor_pipeline.defs.policies import today_partition_key
    from monitor_pipeline.defs.resources import resources_from_env
    from monitor_pipeline.demo import sample_feed_resource
    from monitor_pipeline.definitions import build_definitions
    from monitor_pipeline.sample_server import SampleCorpusServer

    db_path = tmp_path / "data" / "warehouse.duckdb"
    db_path.parent.mkdir()
    (tmp_path / "dagster_home").mkdir()
    monkeypatch.setenv("MONITOR_WAREHOUSE_PATH", str(db_path))
    monkeypatch.setenv("MONITOR_ALERT_LEDGER_PATH", str(tmp_path / "data" / "alerts.duckdb"))
    monkeypatch.delenv("MONITOR_ALERT_URLS", raising=False)
    monkeypatch.setenv(retention.PAGE_RETENTION_ENV, "30")
    day = (date.fromisoformat(today_partition_key()) - timedelta(days=40)).isoformat()
    registry = tmp_path / "sample_feeds.yaml"
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster_home")) as instance:
        with SampleCorpusServer() as server:
            registry.write_text(server.registry_yaml(), encoding="utf-8")
            defs = build_definitions({"feeds": sample_feed_resource(str(registry))})
            run = defs.resolve_job_def("daily_pipeline").execute_in_process(  # a past day: polled when forced
                partition_key=day, instance=instance, raise_on_error=False,
                run_config={"ops": {"poll_feeds": {"config": {"force_poll": True}}}})
        assert run.success, [e.message for e in run.all_events if e.is_failure]
        with duckdb.connect(str(db_path), read_only=True) as conn:
            hashes = [r[0] for r in conn.execute(
                "SELECT DISTINCT content_sha256 FROM article_pages WHERE content_sha256 IS NOT NULL").fetchall()]
        store = PageStore(db_path.with_name("warehouse.pages"))
        assert hashes and all(store.has(sha) for sha in hashes)
        stored_then = (datetime.now(timezone.utc) - timedelta(days=40)).timestamp()
        for sha in hashes:  # the pages were fetched on their day, 40 days ago
            os.utime(store.path_for(sha), (stored_then, stored_then))
        before = table_rows(db_path)
        assert before["articles"] and before["company_mentions_daily"]

        sweep = dg.materialize([retention_sweep], resources=resources_from_env(), instance=instance)
        assert sweep.success
        metadata = sweep.get_asset_materialization_events()[0].materialization.metadata
        assert metadata["days_whose_pages_were_removed"].value == day
        assert metadata["page_files_removed"].value == len(hashes)
        assert not any(store.has(sha) for sha in hashes)
        assert table_rows(db_path) == before  # no table touched

        rebuild = defs.resolve_job_def("recompute_from_stored_html").execute_in_process(
            partition_key=day, instance=instance, raise_on_error=False)
        assert rebuild.success, [e.message for e in rebuild.all_events if e.is_failure]
        assert table_rows(db_path) == before  # articles kept, mentions and marts recomputed identical
        articles = next(e.materialization for e in rebuild.get_asset_materialization_events()
                        if e.asset_key == dg.AssetKey("articles"))
        said = articles.metadata["pages_removed_by_retention"].value
        assert f"raw pages of {day}" in said and "removed by the retention policy" in said
        assert articles.metadata["articles"].value == len(before["articles"])
        warnings = [e.message for e in instance.all_logs(rebuild.run_id)
                    if e.level == 30 and e.message and "not rebuilt" in e.message]
        assert warnings, "the rebuild warns that the day's articles were not rebuilt"


def test_the_sweep_is_requested_once_a_day_at_the_retention_cron_and_by_no_job():
    """Evaluated by Dagster's own evaluator on a real temporary instance (see test_automation.py)."""
    import dagster as dg
    from zoneinfo import ZoneInfo

    from monitor_pipeline.definitions import build_definitions

    paris = ZoneInfo("Europe/Paris")
    defs = build_definitions()
    sweep = dg.AssetKey("retention_sweep")

    def requested(result) -> bool:
        return sweep in result._requested_partitions_by_asset_key

    with dg.instance_for_test() as instance:
        before = dg.evaluate_automation_conditions(defs, instance, evaluation_time=datetime(2026, 11, 25, 4, 0, tzinfo=paris))
        tick = dg.evaluate_automation_conditions(defs, instance, cursor=before.cursor,
                                                 evaluation_time=datetime(2026, 11, 25, 4, 31, tzinfo=paris))
        assert not requested(before) and requested(tick)
        instance.report_runless_asset_event(dg.AssetMaterialization(sweep))
        later_that_day = dg.evaluate_automation_conditions(defs, instance, cursor=tick.cursor,
                                                           evaluation_time=datetime(2026, 11, 25, 10, 0, tzinfo=paris))
        assert not requested(later_that_day)
    for job in ("daily_pipeline", "recompute_from_stored_html"):
        assert sweep not in defs.resolve_job_def(job).asset_layer.selected_asset_keys
