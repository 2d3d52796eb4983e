"""The code location loads and validates, with the schedule, sensors and checks users expect."""
import dagster as dg
import pytest

from monitor_pipeline.defs.dbt.assets import build_dbt_args
from monitor_pipeline.definitions import build_definitions

defs = build_definitions()


def test_definitions_validate():
    dg.Definitions.validate_loadable(defs)


def test_asset_graph_is_connected_from_feeds_to_marts():
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    for expected in ("feed_entries", "article_pages", "articles", "company_mentions", "layoff_mentions",
                     "company_mentions_daily", "layoff_mentions_daily", "analytics_copy"):
        assert expected in keys
    # dbt sources are mapped to the Python assets, so the marts sit downstream of the feeds
    upstream = graph.get(dg.AssetKey("company_mentions_daily")).parent_keys
    assert any("company_mentions" in k.to_user_string() for k in upstream)
    ancestors = graph.upstream_key_iterator(dg.AssetKey("layoff_mentions_daily"))
    assert dg.AssetKey("feed_entries") in set(ancestors)


def test_automation_sensors_and_checks_are_defined():
    graph = defs.resolve_asset_graph()
    assert "0 * * * *" in graph.get(dg.AssetKey("feed_entries")).automation_condition.get_label()
    articles_condition = graph.get(dg.AssetKey("articles")).automation_condition
    assert "rebuild of yesterday (0 6 * * *, Europe/Paris)" in [c.get_label() for c in articles_condition.children]
    assert defs.resolve_sensor_def("automation_sensor")
    # alerts are an asset now (a run per delivery batch), eager on the layoff events, retried with backoff
    alerts = graph.get(dg.AssetKey("layoff_alerts"))
    assert alerts.automation_condition == dg.AutomationCondition.eager()
    assert dg.AssetKey("layoff_events") in alerts.parent_keys
    retry = defs.resolve_assets_def("layoff_alerts").op.retry_policy
    assert retry.max_retries >= 1 and retry.backoff == dg.Backoff.EXPONENTIAL and retry.jitter == dg.Jitter.FULL
    # no layoff delivery inside a sensor tick: sensors only for what is not data (run and check failures)
    assert sorted(s.name for s in defs.sensors) == ["automation_sensor", "operator_check_failure_alerts",
                                                    "operator_run_failure_alerts"]
    check_names = {k.name for k in defs.resolve_asset_graph().asset_check_keys}
    assert {"extraction_failures_share", "french_share", "failing_feeds_share", "todays_entries_fresh"} <= check_names
    assert any(name.startswith("not_null") or name.startswith("unique") for name in check_names)  # dbt tests


def test_build_dbt_args_passes_the_partition_window():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    paris = ZoneInfo("Europe/Paris")
    args = build_dbt_args(datetime(2026, 11, 25, tzinfo=paris), datetime(2026, 11, 26, tzinfo=paris))
    assert args[0] == "build"
    vars_json = args[args.index("--vars") + 1]
    assert '"min_day": "2026-11-25"' in vars_json and '"max_day": "2026-11-26"' in vars_json


def test_every_job_runs_its_steps_in_the_run_process():
    """Launched runs (UI, schedules, backfills) must not start one process per step: each would import the
    code location, load spaCy and start the extraction workers again."""
    jobs = [defs.resolve_job_def(name) for name in ("daily_pipeline", "recompute_from_stored_html")]
    jobs.append(defs.resolve_implicit_global_asset_job_def())
    for job in jobs:
        assert job.executor_def.name == dg.in_process_executor.name, job.name


def test_dg_check_defs_passes():
    """What CI and a newcomer run: the `dg` project loads and every definition validates."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    venv_bin = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
           "VIRTUAL_ENV": str(venv_bin.parent)}
    result = subprocess.run([str(venv_bin / "dg"), "check", "defs"], cwd=Path(__file__).resolve().parents[1],
                            env=env, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "All definitions loaded successfully" in result.stdout + result.stderr


def test_only_per_day_data_is_partitioned():
    graph = defs.resolve_asset_graph()
    unpartitioned = {k.to_user_string() for k in graph.get_all_asset_keys() if graph.get(k).partitions_def is None}
    # layoff_mentions_daily counts events, whose membership is resolved over every day: a full table
    assert unpartitioned == {"feeds", "companies", "company_trends", "layoff_events", "layoff_event_mentions",
                             "layoff_event_resolution", "layoff_event_resolution_mentions", "layoff_mentions_daily",
                             "org_candidates", "analytics_copy", "layoff_alerts",
                             "retention_sweep", "company_spike_alerts"}


def test_lookbacks_are_declared_as_partition_mappings():
    """articles reads the 14 days before (syndication), the poll the 7 days before (titles)."""
    graph = defs.resolve_asset_graph()
    for asset, days in (("articles", 14), ("feed_entries", 7)):
        key = dg.AssetKey(asset)
        mapping = graph.get_partition_mapping(key, key)
        assert isinstance(mapping, dg.TimeWindowPartitionMapping), asset
        assert (mapping.start_offset, mapping.end_offset) == (-days, -1), asset
        upstream = graph.get(key).partitions_def
        mapped = mapping.get_upstream_mapped_partitions_result_for_partitions(
            upstream.subset_with_partition_keys(["2026-11-25"]), upstream, upstream).partitions_subset
        assert len(mapped.get_partition_keys()) == days and "2026-11-24" in mapped.get_partition_keys()


def test_correctness_checks_block_and_evaluate_the_partition_built():
    graph = defs.resolve_asset_graph()
    specs = {key.name: graph.get_check_spec(key) for key in graph.asset_check_keys}
    assert specs["no_empty_day_when_feeds_answered"].blocking
    assert specs["unique_layoff_events_event_id"].blocking
    assert specs["unique_combination_layoff_event_mentions_article_id__mention_index"].blocking
    assert specs["unique_combination_company_mentions_daily_day__company_id"].blocking
    assert not specs["french_share"].blocking  # a quality warning, not a correctness guard
    for name in ("no_empty_day_when_feeds_answered", "extraction_failures_share", "french_share"):
        assert specs[name].partitions_def == graph.get(dg.AssetKey("articles")).partitions_def


def test_bad_settings_fail_at_load_naming_the_variable(monkeypatch, tmp_path):
    from monitor_pipeline.defs import resources

    monkeypatch.setenv("MONITOR_POLL_CRON", "every hour")
    with pytest.raises(resources.SettingError, match="MONITOR_POLL_CRON"):
        resources.poll_cron()
    monkeypatch.setenv("MONITOR_MIN_FRENCH_SHARE", "1.5")
    with pytest.raises(resources.SettingError, match="MONITOR_MIN_FRENCH_SHARE"):
        resources.quality_thresholds_from_env()
    monkeypatch.setenv("MONITOR_FEEDS_PATH", str(tmp_path / "missing.yaml"))
    with pytest.raises(resources.SettingError, match="MONITOR_FEEDS_PATH"):
        resources.feed_poller_from_env()


def test_feeds_path_points_the_pipeline_at_ones_own_feed_list(monkeypatch, tmp_path):
    from monitor_pipeline.defs import resources

    own = tmp_path / "my_feeds.yaml"
    own.write_text("feeds:\n  - {id: mine, name: Mine, url: 'https://example.org/rss', language: fr}\n",
                   encoding="utf-8")
    monkeypatch.setenv("MONITOR_FEEDS_PATH", str(own))
    feeds = build_definitions().resources["feeds"]

    @dg.asset
    def listed(feeds: resources.FeedPollerResource) -> list[str]:
        return [s.id for s in feeds.sources()]

    assert dg.materialize([listed], resources={"feeds": feeds}).output_for_node("listed") == ["mine"]


def test_run_target_folders_of_runs_long_ended_are_removed_and_recent_ones_kept(tmp_path):
    import os
    import time

    from monitor_pipeline.defs.dbt.assets import RUN_TARGET_MAX_AGE_S, _remove_stale_run_targets

    old, recent, other = tmp_path / "run-old", tmp_path / "run-recent", tmp_path / "manifest-folder"
    for folder in (old, recent, other):
        (folder / "partial_parse.msgpack").parent.mkdir()
        (folder / "partial_parse.msgpack").write_bytes(b"state")
    long_ago = time.time() - RUN_TARGET_MAX_AGE_S - 60
    for folder in (old, other):
        os.utime(folder, (long_ago, long_ago))
    _remove_stale_run_targets(tmp_path)
    assert not old.exists()
    assert recent.exists() and other.exists()  # only run folders are ever removed
