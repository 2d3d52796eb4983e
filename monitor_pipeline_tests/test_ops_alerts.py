"""Operators', spike and digest alerts on real parts: a temporary Dagster instance with real runs (a failed
run, a failed check), a real analysts' copy (``company_trends`` and the digest's tables shaped like the dbt
marts), the real alerts ledger, real JSON webhooks and a real SMTP server on 127.0.0.1, one subscription
each (``MONITOR_SUBSCRIPTIONS``)."""
from __future__ import annotations

import email
import email.policy
import json
from datetime import date, timedelta

import dagster as dg
import duckdb
import pytest

from monitor_pipeline.core.alerts.ledger import ledger_rows
from monitor_pipeline.defs.alerts.digest import daily_digest_delivery
from monitor_pipeline.defs.alerts.operators import operator_check_failure_alerts, operator_run_failure_alerts
from monitor_pipeline.defs.alerts.spikes import SpikeAlertsResource, company_spike_alerts
from monitor_pipeline.defs.policies import today_partition_key
from monitor_pipeline.defs.resources import alerts_from_env
from monitor_pipeline_tests.receivers import SmtpReceiver, WebhookReceiver

DAY = "2026-03-02"
SUBSCRIPTIONS = """\
subscriptions:
  - name: astreinte
    channels: [env:TEST_HOOK_OPS]
    events: false
    operators: true
  - name: analystes
    channels: [env:TEST_HOOK_SPIKES]
    events: false
    spikes: true
  - name: veille-valdor-seule
    channels: [env:TEST_HOOK_VALDOR]
    filters: {companies: [valdor]}
    events: false
    spikes: true
  - name: rh
    channels: [env:TEST_HOOK_EVENTS]
  - name: direction
    channels: [env:TEST_SMTP_DIGEST]
    mode: daily_digest
"""
# Same columns as the dbt marts the digest and the spike alerts read.
ANALYTICS_DDL = """
CREATE TABLE company_trends (company_id VARCHAR, company_name VARCHAR, day DATE, mentions BIGINT,
    mentions_7d BIGINT, mentions_28d BIGINT, expected_daily DOUBLE, spike_p_value DOUBLE, is_spike BOOLEAN);
CREATE TABLE company_mentions_daily (day DATE, company_id VARCHAR, company_name VARCHAR, mentions BIGINT,
    articles BIGINT, clusters BIGINT);
CREATE TABLE layoff_events (event_id VARCHAR, company_name VARCHAR, status VARCHAR, headcount BIGINT,
    sources BIGINT, url VARCHAR, first_seen TIMESTAMPTZ);
CREATE TABLE layoff_event_mentions (event_id VARCHAR, day DATE);
CREATE TABLE source_health_daily (day DATE, feed_id VARCHAR, fetches BIGINT, failures BIGINT, new_entries BIGINT,
    articles BIGINT, extracted_ok BIGINT, french_share DOUBLE);
"""


@pytest.fixture
def receivers():
    with WebhookReceiver() as ops, WebhookReceiver() as spikes, WebhookReceiver() as valdor, \
            WebhookReceiver() as events, SmtpReceiver() as smtp:
        yield {"ops": ops, "spikes": spikes, "valdor": valdor, "events": events, "smtp": smtp}


@pytest.fixture
def setup(tmp_path, monkeypatch, receivers):
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("MONITOR_WAREHOUSE_PATH", str(data / "warehouse.duckdb"))
    monkeypatch.setenv("MONITOR_ALERT_LEDGER_PATH", str(data / "alerts.duckdb"))
    for name in ("MONITOR_ALERT_URLS", "MONITOR_DAGSTER_UI_URL", "MONITOR_ALERT_BACKOFF_BASE_S"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TEST_HOOK_OPS", receivers["ops"].url)
    monkeypatch.setenv("TEST_HOOK_SPIKES", receivers["spikes"].url)
    monkeypatch.setenv("TEST_HOOK_VALDOR", receivers["valdor"].url)
    monkeypatch.setenv("TEST_HOOK_EVENTS", receivers["events"].url)
    # without ``format=text``: e-mail in its default format, HTML
    monkeypatch.setenv("TEST_SMTP_DIGEST", receivers["smtp"].url.replace("&format=text", ""))
    subscriptions = tmp_path / "subscriptions.yaml"
    subscriptions.write_text(SUBSCRIPTIONS, encoding="utf-8")
    monkeypatch.setenv("MONITOR_SUBSCRIPTIONS", str(subscriptions))
    (tmp_path / "dagster_home").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster_home")) as instance:
        yield {
            "instance": instance, "data": data, "ledger": data / "alerts.duckdb",
            "resources": {"alerts": alerts_from_env()},
        }


def received(receivers, *names: str) -> dict[str, int]:
    return {name: len(receivers[name].received) for name in names}


NO_ONE_ELSE = ("spikes", "valdor", "events")


# --------------------------------------------------------------------------- operators


@dg.asset
def exploding_asset() -> None:
    """Fails, with a credential in its error that must never reach an alert."""
    raise RuntimeError("warehouse unreachable: postgres://admin:hunter2@db.example/prod\nsecond line of the error")


def test_a_failed_run_alerts_the_operators_once(setup, receivers):
    instance, resources = setup["instance"], setup["resources"]
    result = dg.materialize([exploding_asset], instance=instance, raise_on_error=False)
    assert not result.success

    def evaluate() -> None:
        context = dg.build_run_status_sensor_context(
            sensor_name="operator_run_failure_alerts", dagster_event=result.get_run_failure_event(),
            dagster_instance=instance, dagster_run=result.dagster_run, resources=resources).for_run_failure()
        operator_run_failure_alerts(context)

    evaluate()
    assert received(receivers, "ops", *NO_ONE_ELSE, "smtp") == {"ops": 1, "spikes": 0, "valdor": 0, "events": 0,
                                                                "smtp": 0}
    alert = receivers["ops"].received[0]["json"]
    assert alert["title"] == "Échec du run __ephemeral_asset_job__"
    message = alert["message"]
    assert "Job : __ephemeral_asset_job__" in message and "Étape(s) en échec : exploding_asset" in message
    assert "RuntimeError: warehouse unreachable: postgres://***@db.example/prod" in message
    assert "hunter2" not in message and "second line" not in message
    assert f"Run : /runs/{result.run_id}" in message
    evaluate()  # a re-tick, or the daemon restarted before the cursor was saved
    assert len(receivers["ops"].received) == 1
    rows = [r for r in ledger_rows(setup["ledger"]) if r["kind"] == "operator"]
    assert [(r["event_key"], r["status"]) for r in rows] == [(f"run-failure:{result.run_id}@astreinte", "sent")]


def test_the_run_failure_sensor_ticks_alert_each_failed_run_once(setup, receivers):
    """Ticks as the daemon runs them: the cursor moves past the failed run; a reset cursor resends nothing."""
    instance, resources = setup["instance"], setup["resources"]
    defs = dg.Definitions(assets=[exploding_asset], sensors=[operator_run_failure_alerts], resources=resources)

    def tick(cursor):
        return operator_run_failure_alerts.evaluate_tick(
            dg.build_sensor_context(instance=instance, cursor=cursor, definitions=defs, resources=resources))

    before = tick(None)
    run = defs.resolve_implicit_global_asset_job_def().execute_in_process(instance=instance, raise_on_error=False)
    assert not run.success and len(receivers["ops"].received) == 0
    after = tick(before.cursor)
    assert json.loads(after.cursor)["record_id"] > json.loads(before.cursor)["record_id"]
    assert len(receivers["ops"].received) == 1 and run.run_id in receivers["ops"].received[0]["json"]["message"]
    tick(after.cursor)  # nothing new
    tick(before.cursor)  # a cursor reset (say, the sensor's state lost): the ledger already holds this run
    assert received(receivers, "ops", *NO_ONE_ELSE) == {"ops": 1, "spikes": 0, "valdor": 0, "events": 0}


@dg.asset(check_specs=[dg.AssetCheckSpec("has_rows", asset="thin_table")])
def thin_table() -> dg.MaterializeResult:
    """Materializes, but its check fails (a warning: the run itself succeeds)."""
    return dg.MaterializeResult(check_results=[dg.AssetCheckResult(
        check_name="has_rows", passed=False, severity=dg.AssetCheckSeverity.WARN,
        description="0 rows for the day\n(the feed list may be empty)")])


def test_a_failed_check_alerts_the_operators_once_per_evaluation(setup, receivers):
    instance, resources = setup["instance"], setup["resources"]

    def tick(cursor):
        return operator_check_failure_alerts(dg.build_sensor_context(instance=instance, cursor=cursor,
                                                                     resources=resources))

    before = tick(None)  # the first tick starts from now
    dg.materialize([thin_table], instance=instance)
    assert len(receivers["ops"].received) == 0
    after = tick(before.cursor)
    assert len(receivers["ops"].received) == 1
    alert = receivers["ops"].received[0]["json"]
    assert alert["title"] == "Contrôle en échec : thin_table / has_rows (WARN)"
    assert "Détail : 0 rows for the day" in alert["message"] and "feed list" not in alert["message"]
    assert tick(after.cursor).cursor == after.cursor  # nothing new
    tick(before.cursor)  # a cursor reset: the same evaluation is seen again, and not resent
    assert received(receivers, "ops", *NO_ONE_ELSE, "smtp") == {"ops": 1, "spikes": 0, "valdor": 0, "events": 0,
                                                                "smtp": 0}
    dg.materialize([thin_table], instance=instance)  # a new evaluation: a new alert
    tick(after.cursor)
    assert len(receivers["ops"].received) == 2


# --------------------------------------------------------------------------- spikes and digest


def publish_analytics(data_dir, trends=(), companies=(), layoffs=(), feeds=()) -> None:
    conn = duckdb.connect(str(data_dir / "analytics.duckdb"))
    try:
        conn.execute(ANALYTICS_DDL)
        events = [event for event, _ in layoffs]
        supports = [(event[0], day) for event, day in layoffs]  # (event_id, the day an article supports it)
        for table, rows in (("company_trends", trends), ("company_mentions_daily", companies),
                            ("layoff_events", events), ("layoff_event_mentions", supports),
                            ("source_health_daily", feeds)):
            for row in rows:
                conn.execute(f"INSERT INTO {table} VALUES ({', '.join('?' for _ in row)})", list(row))
    finally:
        conn.close()


TRENDS = [
    # company, name, day, mentions, 7d, 28d, expected, p-value, is_spike
    ("valdor", "Valdor", DAY, 6, 6, 6, 0.1, 1.4e-9, True),
    ("norvia", "Norvia", DAY, 4, 5, 9, 0.2, 6.0e-5, True),
    ("atos", "Atos", DAY, 1, 3, 12, 0.4, 0.33, False),
    ("norvia", "Norvia", "2026-02-01", 5, 5, 5, 0.1, 1.0e-8, True),  # too old: alerted back then
]


def spike_run(setup, **threshold):
    resources = {**setup["resources"], "spike_alerts": SpikeAlertsResource(**threshold)}
    result = dg.materialize([company_spike_alerts], instance=setup["instance"], resources=resources)
    return result.asset_materializations_for_node("company_spike_alerts")[0].metadata


def test_a_spike_alerts_its_subscribers_once_per_company_and_day(setup, receivers):
    publish_analytics(setup["data"], trends=TRENDS)
    assert spike_run(setup, min_mentions=10)["sent"].value == 0  # the threshold is configuration
    metadata = spike_run(setup)
    titles = sorted(r["json"]["title"] for r in receivers["spikes"].received)
    assert titles == ["Pic de mentions : Norvia le 02/03/2026 (4 mentions)",
                      "Pic de mentions : Valdor le 02/03/2026 (6 mentions)"]
    assert [r["json"]["title"] for r in receivers["valdor"].received] == [
        "Pic de mentions : Valdor le 02/03/2026 (6 mentions)"]  # its companies filter
    assert received(receivers, "ops", "events", "smtp") == {"ops": 0, "events": 0, "smtp": 0}
    assert metadata["sent"].value == 3 and metadata["suppressed"].value == 0
    again = spike_run(setup)  # the mart rebuilt, the asset run again
    assert received(receivers, "spikes", "valdor") == {"spikes": 2, "valdor": 1}
    assert again["sent"].value == 0 and again["suppressed"].value == 3
    assert "| analystes | 0 | 0 | 0 | 2 |" in again["by_subscription"].value


# the digest is mailed for the latest days only (yesterday, at 07:00): the tests' day is yesterday
YESTERDAY = (date.fromisoformat(today_partition_key()) - timedelta(days=1)).isoformat()
YESTERDAY_FR = "/".join(reversed(YESTERDAY.split("-")))
COMPANIES = [(YESTERDAY, "valdor", "Valdor", 6, 4, 3), (YESTERDAY, "norvia", "Norvia", 4, 2, 2),
             (DAY, "atos", "Atos", 9, 9, 9)]
# (layoff_events row, the day of a supporting article)
LAYOFFS = [(("evt-valdor", "Valdor", "announced", 240, 2, "https://presse.example/valdor-plan",
             f"{YESTERDAY} 08:00:00+00"), YESTERDAY)]
FEEDS = [(YESTERDAY, "lemagit", 24, 1, 12, 12, 11, 1.0)]


def digest_run(setup, day: str):
    result = dg.materialize([daily_digest_delivery], instance=setup["instance"], resources=setup["resources"],
                            partition_key=day)
    return result.asset_materializations_for_node("daily_digest_delivery")[0].metadata


def test_the_digest_goes_once_to_each_digest_subscriber_as_html_and_text(setup, receivers):
    publish_analytics(setup["data"], trends=TRENDS, companies=COMPANIES, layoffs=LAYOFFS, feeds=FEEDS)
    metadata = digest_run(setup, YESTERDAY)
    assert received(receivers, "smtp", "ops", *NO_ONE_ELSE) == {"smtp": 1, "ops": 0, "spikes": 0, "valdor": 0,
                                                                "events": 0}
    mail = email.message_from_bytes(receivers["smtp"].received[0]["raw"], policy=email.policy.default)
    assert mail["Subject"] == f"Veille IA — digest du {YESTERDAY_FR}"
    # text and HTML alternatives, and the chart as a PNG shown inline by the HTML (cid:)
    assert mail.get_content_type() == "multipart/related"
    html = mail.get_body(preferencelist=("html",)).get_content()
    text = mail.get_body(preferencelist=("plain",)).get_content()
    chart_name = f"digest-{YESTERDAY}-chart.png"
    assert f'<img src="cid:{chart_name}"' in html and "<svg" not in html
    [chart] = [part for part in mail.walk() if part.get_content_type() == "image/png"]
    assert chart["Content-ID"] == f"<{chart_name}>" and chart.get_content_disposition() == "inline"
    assert chart.get_content().startswith(b"\x89PNG") and len(chart.get_content()) > 1000
    assert "Valdor" in html and "https://presse.example/valdor-plan" in html and "Atos" not in html
    assert "Valdor" in text and "<td>" not in text and "<svg" not in text
    assert "Plans de licenciements (1)" in metadata["digest"].value
    assert "Valdor — announced — 240 postes" in metadata["digest"].value
    assert metadata["sent"].value == 1
    again = digest_run(setup, YESTERDAY)  # the same day again (a re-run)
    assert len(receivers["smtp"].received) == 1 and again["suppressed"].value == 1


def test_a_day_not_over_or_a_backfilled_day_is_not_sent(setup, receivers):
    publish_analytics(setup["data"], companies=COMPANIES)
    assert digest_run(setup, today_partition_key())["not_sent"].value == "the day is not over"
    assert digest_run(setup, DAY)["not_sent"].value.startswith("older than 3 days")
    assert len(receivers["smtp"].received) == 0


def test_without_a_subscriptions_file_nothing_is_sent_and_the_ledger_is_not_opened(setup, receivers, monkeypatch):
    instance = setup["instance"]
    monkeypatch.delenv("MONITOR_SUBSCRIPTIONS")
    resources = {**setup["resources"], "alerts": alerts_from_env()}
    before = operator_check_failure_alerts(dg.build_sensor_context(instance=instance, resources=resources))
    dg.materialize([thin_table], instance=instance)
    operator_check_failure_alerts(dg.build_sensor_context(instance=instance, cursor=before.cursor,
                                                          resources=resources))
    publish_analytics(setup["data"], trends=TRENDS)
    dg.materialize([company_spike_alerts], instance=instance,
                   resources={**resources, "spike_alerts": SpikeAlertsResource()})
    assert not setup["ledger"].exists()
    assert sum(len(r.received) for r in receivers.values()) == 0


def test_an_invalid_subscriptions_file_fails_the_load_naming_its_line(tmp_path, monkeypatch):
    from monitor_pipeline.definitions import build_definitions

    bad = tmp_path / "subscriptions.yaml"
    bad.write_text("subscriptions:\n  - name: x\n    channels: [env:A]\n    mode: weekly\n", encoding="utf-8")
    monkeypatch.setenv("MONITOR_SUBSCRIPTIONS", str(bad))
    with pytest.raises(Exception) as failure:
        build_definitions()
    chain, error = [], failure.value
    while error is not None:
        chain.append(str(error))
        error = error.__cause__ or error.__context__
    assert any(f"{bad}:4: subscription 'x': unknown mode 'weekly'" in text for text in chain)
