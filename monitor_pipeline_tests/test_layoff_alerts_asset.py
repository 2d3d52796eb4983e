"""The layoff_alerts asset and `monitor-pipeline run` on their error paths, and `run` on the sample
corpus: a real Dagster instance, real DuckDB files, real subprocesses."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from monitor_pipeline.defs.alerts.layoff_alerts import layoff_alerts
from monitor_pipeline.defs.resources import AlertsResource, EventsResource, warehouse_resource

BAD_SUBSCRIPTIONS = """\
subscriptions:
  - name: rh
    channels: [file]
    filters:
      min_headcount: beaucoup
"""


def test_the_readme_subscriptions_example_loads_and_resolves(tmp_path):
    from monitor_pipeline.core.alerts.subscriptions import load_subscriptions, resolve_channels

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    path = tmp_path / "subscriptions.yaml"
    path.write_text(readme.split("```yaml\n", 1)[1].split("```", 1)[0], encoding="utf-8")
    env = {"MONITOR_HOOK_RH": "json://127.0.0.1:9/rh"}
    found = load_subscriptions(path, env)
    assert [s.name for s in found] == ["rh-industrie", "tout"]
    assert found[0].filters.companies == {"worldline", "atos"} and found[0].filters.min_headcount == 100
    assert [c.name for c in resolve_channels(found[1], env, tmp_path)] == ["file://alerts-tout.jsonl"]


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    command = [str(Path(sys.executable).with_name("monitor-pipeline")), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=900, env=env)


def test_an_invalid_subscriptions_file_fails_the_asset_naming_the_line(warehouse_file, tmp_path):
    path = tmp_path / "subscriptions.yaml"
    path.write_text(BAD_SUBSCRIPTIONS, encoding="utf-8")
    alerts = AlertsResource(subscriptions_path=str(path), ledger_path=str(tmp_path / "alerts.duckdb"))
    with dg.instance_for_test() as instance:
        result = dg.materialize([layoff_alerts], instance=instance, raise_on_error=False, resources={
            "duckdb": warehouse_resource(), "alerts": alerts, "events": EventsResource()})
    assert not result.success
    [failure] = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    message = failure.step_failure_data.error.message
    assert f"{path}:5: subscription 'rh': min_headcount must be a whole number >= 0, got 'beaucoup'" in message
    # a configuration error is not retried
    assert not [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY]
    assert not (tmp_path / "alerts.duckdb").exists()


def test_no_event_yet_is_a_quiet_materialization_with_counts_per_subscription(warehouse_file, tmp_path):
    alerts = AlertsResource(ledger_path=str(tmp_path / "alerts.duckdb"))
    with dg.instance_for_test() as instance:
        result = dg.materialize([layoff_alerts], instance=instance, resources={
            "duckdb": warehouse_resource(), "alerts": alerts, "events": EventsResource()})
    [materialization] = result.asset_materializations_for_node("layoff_alerts")
    assert materialization.metadata["events"].value == 0
    assert materialization.metadata["sent_per_subscription"].value == {"default": 0}


@pytest.mark.parametrize("args, message", [
    (["--day", "2026-02-30"], "--day must be a date YYYY-MM-DD, got '2026-02-30'"),
    (["--day", "demain"], "--day must be a date YYYY-MM-DD, got 'demain'"),
    (["--day", "2025-12-31"], "--day must be between 2026-01-01 (the first partition) and today"),
    (["--day", "2026-03-02", "--feeds", "/nowhere/feeds.yaml"], "feed list not found: /nowhere/feeds.yaml"),
])
def test_run_refuses_a_bad_argument_in_one_line(args, message):
    done = cli("run", *args)
    assert done.returncode == 2 and done.stdout == ""
    [line] = done.stderr.strip().splitlines()  # one line, no traceback
    assert line.startswith(f"monitor-pipeline run: error: {message}")


def test_run_refuses_an_invalid_feed_list_naming_the_problem(tmp_path):
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("feeds:\n  - {id: a, url: 'pas une url'}\n", encoding="utf-8")
    done = cli("run", "--day", "2026-03-02", "--feeds", str(feeds))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("monitor-pipeline run: error: ") and str(feeds) in line


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_run_on_the_sample_corpus_prints_the_summary(tmp_path):
    from monitor_pipeline.defs.policies import today_partition_key
    from monitor_pipeline.sample_server import SampleCorpusServer

    (tmp_path / "dagster_home").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update({"PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
                "DAGSTER_HOME": str(tmp_path / "dagster_home"),
                "MONITOR_WAREHOUSE_PATH": str(tmp_path / "data" / "warehouse.duckdb")})
    day = today_partition_key()
    with SampleCorpusServer() as server:
        feeds = tmp_path / "feeds.yaml"
        feeds.write_text(server.registry_yaml(), encoding="utf-8")
        done = cli("run", "--day", day, "--feeds", str(feeds), "--allow-host", "127.0.0.1", env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout)
    from monitor_pipeline_tests.test_end_to_end import load_expected

    pages = load_expected()["pages"]
    assert summary["day"] == day and summary["articles"] == len(pages)
    import duckdb

    conn = duckdb.connect(str(tmp_path / "data" / "analytics.duckdb"), read_only=True)
    try:
        french = conn.execute("SELECT count(*) FROM articles WHERE language = 'fr'").fetchone()[0]
    finally:
        conn.close()
    assert summary["french_articles"] == french > 30
    assert summary["counted_events"] == summary["events_all_days"] == 15
    # no subscriptions file: the default subscription, to data/alerts.jsonl (15 events: one digest)
    assert summary["alerts_sent"] == {"default": 1}
    lines = (tmp_path / "data" / "alerts.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and "15 événements" in json.loads(lines[0])["title"]
