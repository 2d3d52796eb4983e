"""The layoff alert sensor on real parts: a temporary Dagster instance, a real analysts' copy
(``analytics.duckdb`` with a ``layoff_events`` table shaped like the dbt mart), a real JSON webhook and a
real SMTP server on 127.0.0.1 configured through ``MONITOR_ALERT_URLS``.

The last test runs the real pipeline on the sample corpus and checks that the sensor alerts exactly the
counted events, never a negated, denied or hypothetical mention."""
from __future__ import annotations

import json
import re
import time
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from monitor_pipeline.storage import warehouse
from monitor_pipeline.core.alerts.ledger import ledger_rows
from monitor_pipeline.defs.alerts.sensors import layoff_alert_sensor
from monitor_pipeline.defs.resources import alerts_from_env
from monitor_pipeline_tests.receivers import SmtpReceiver, WebhookReceiver, wait_for

# Same columns, in the same order, as dbt_project/models/marts/layoff_events.sql.
LAYOFF_EVENTS_DDL = """
CREATE TABLE layoff_events (
    event_key VARCHAR, company_id VARCHAR, company_name VARCHAR, cluster_id VARCHAR, status VARCHAR,
    headcount BIGINT, headcount_percent DOUBLE, articles BIGINT, sources BIGINT, sentence VARCHAR,
    article_id VARCHAR, article_title VARCHAR, url VARCHAR, source_id VARCHAR, source_name VARCHAR,
    published_at TIMESTAMP WITH TIME ZONE, day DATE
)"""
COLUMNS = ("event_key", "company_id", "company_name", "cluster_id", "status", "headcount", "headcount_percent",
           "articles", "sources", "sentence", "article_id", "article_title", "url", "source_id", "source_name",
           "published_at", "day")
EVENT_KEY_IN_BODY = re.compile(r"Événement : (\S+) \(version (\d+)\)")


def event_row(company_id: str, company_name: str, cluster_id: str, *, status: str = "announced",
              headcount: int | None = None, article_id: str | None = None, source_id: str = "lemagit",
              sentence: str = "", published_at: datetime | None = None, articles: int = 1,
              sources: int = 1) -> dict:
    article_id = article_id or f"art-{company_id}-{cluster_id}"
    return {
        "event_key": f"{company_id}:{cluster_id}", "company_id": company_id, "company_name": company_name,
        "cluster_id": cluster_id, "status": status, "headcount": headcount, "headcount_percent": None,
        "articles": articles, "sources": sources,
        "sentence": sentence or f"{company_name} a annoncé la suppression de {headcount or 'plusieurs'} postes.",
        "article_id": article_id, "article_title": f"{company_name} réduit ses effectifs",
        "url": f"https://presse.example/{article_id}", "source_id": source_id, "source_name": source_id.upper(),
        "published_at": published_at or datetime(2026, 3, 2, 8, 30, tzinfo=timezone.utc), "day": "2026-03-02",
    }


def publish_events(analytics_file: Path, rows: list[dict]) -> None:
    """Write a fresh analysts' copy holding ``rows`` in ``layoff_events`` (replaced atomically, as the
    pipeline's publish step does)."""
    tmp = analytics_file.with_name(".analytics-test.duckdb")
    tmp.unlink(missing_ok=True)
    conn = duckdb.connect(str(tmp))
    try:
        conn.execute(LAYOFF_EVENTS_DDL)
        placeholders = ", ".join("?" for _ in COLUMNS)
        for row in rows:
            conn.execute(f"INSERT INTO layoff_events VALUES ({placeholders})", [row[c] for c in COLUMNS])
    finally:
        conn.close()
    tmp.replace(analytics_file)


@pytest.fixture
def instance(tmp_path):
    (tmp_path / "dagster_home").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster_home")) as inst:
        yield inst


@pytest.fixture
def hook():
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture
def smtp():
    with SmtpReceiver() as receiver:
        yield receiver


@pytest.fixture
def env(tmp_path, monkeypatch, hook, smtp):
    """Warehouse and ledger paths in tmp_path, both receivers as alert channels."""
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("MONITOR_WAREHOUSE_PATH", str(data / "warehouse.duckdb"))
    monkeypatch.setenv("MONITOR_ALERT_LEDGER_PATH", str(data / "alerts.duckdb"))
    monkeypatch.setenv("MONITOR_ALERT_URLS", f"{hook.url} {smtp.url}")
    for name in ("MONITOR_ALERT_DIGEST_THRESHOLD", "MONITOR_DAGSTER_UI_URL", "MONITOR_ALERT_BACKOFF_BASE_S",
                 "MONITOR_ALERT_BACKOFF_MAX_S"):
        monkeypatch.delenv(name, raising=False)
    return {"analytics": warehouse.analytics_path(), "ledger": data / "alerts.duckdb", "data": data}


def tick(instance, cursor: str | None = None) -> dg.SensorResult:
    """One sensor tick, with the alert settings read from the environment as the code location does."""
    return layoff_alert_sensor(dg.build_sensor_context(instance=instance, cursor=cursor,
                                                       resources={"alerts": alerts_from_env()}))


def alerted_keys(hook: WebhookReceiver) -> list[tuple[str, int]]:
    keys = []
    for request in hook.received:
        match = EVENT_KEY_IN_BODY.search(request["json"]["message"])
        assert match, request["json"]["message"]
        keys.append((match.group(1), int(match.group(2))))
    return keys


TWO_EVENTS = [
    event_row("atos", "Atos", "c1", headcount=1200),
    event_row("ubisoft", "Ubisoft", "c2", status="executed", headcount=185, source_id="jdn"),
]


def test_first_tick_alerts_each_event_once_on_both_channels_second_tick_nothing(instance, env, hook, smtp):
    publish_events(env["analytics"], TWO_EVENTS)

    first = tick(instance)
    assert wait_for(lambda: len(smtp.received) == 2)
    assert sorted(alerted_keys(hook)) == [("atos:c1", 1), ("ubisoft:c2", 1)]
    subjects = sorted(m["subject"] for m in smtp.received)
    assert subjects == ["Licenciements : Atos — 1 200 postes (annoncé)",
                        "Licenciements : Ubisoft — 185 postes (effectué)"]
    assert json.loads(first.cursor) == {"events": 2, "sent": 4, "failed": 0, "pending": 0, "unconfirmed": 0}
    assert "2 events; planned 4, sent 4" in first.skip_reason.skip_message
    assert not first.run_requests

    second = tick(instance, cursor=first.cursor)
    time.sleep(0.2)  # a late delivery would show up here
    assert len(hook.requests) == 2 and len(smtp.received) == 2
    assert json.loads(second.cursor) == {"events": 2, "sent": 0, "failed": 0, "pending": 0, "unconfirmed": 0}
    assert {(r["event_key"], r["status"]) for r in ledger_rows(env["ledger"])} == {
        ("atos:c1", "sent"), ("ubisoft:c2", "sent")}
    assert len(ledger_rows(env["ledger"])) == 4  # one row per event and channel


def test_syndicated_copy_of_an_alerted_story_adds_nothing(instance, env, hook, smtp):
    publish_events(env["analytics"], TWO_EVENTS)
    tick(instance)
    assert wait_for(lambda: len(smtp.received) == 2)

    # A second outlet republishes the Atos story: same cluster, so the same event key. The mart then
    # counts two articles and two sources; a copy reaching the sensor as its own row is also collapsed.
    atos_mart = {**TWO_EVENTS[0], "articles": 2, "sources": 2}
    atos_copy = event_row("atos", "Atos", "c1", headcount=1200, article_id="art-copy", source_id="silicon",
                          published_at=datetime(2026, 3, 2, 9, 45, tzinfo=timezone.utc))
    publish_events(env["analytics"], [atos_mart, atos_copy, TWO_EVENTS[1]])
    result = tick(instance)
    time.sleep(0.2)
    assert len(hook.requests) == 2 and len(smtp.received) == 2
    assert json.loads(result.cursor)["sent"] == 0


def test_headcount_change_sends_one_follow_up_saying_what_changed(instance, env, hook, smtp):
    publish_events(env["analytics"], TWO_EVENTS)
    tick(instance)
    assert wait_for(lambda: len(smtp.received) == 2)

    revised = {**TWO_EVENTS[0], "headcount": 1500,
               "sentence": "Atos porte finalement à 1 500 le nombre de postes supprimés."}
    publish_events(env["analytics"], [revised, TWO_EVENTS[1]])
    result = tick(instance)
    assert wait_for(lambda: len(smtp.received) == 3)
    assert alerted_keys(hook)[2:] == [("atos:c1", 2)]
    follow_up = hook.received[2]["json"]
    assert follow_up["title"] == "Mise à jour licenciements : Atos — 1 500 postes (annoncé)"
    assert "Changements : effectif : 1 200 → 1 500" in follow_up["message"]
    assert smtp.received[2]["subject"] == follow_up["title"]
    assert json.loads(result.cursor)["sent"] == 2

    tick(instance)  # the same figure again is not news
    time.sleep(0.2)
    assert len(hook.requests) == 3 and len(smtp.received) == 3


def test_negated_denied_and_hypothetical_rows_never_alert(instance, env, hook, smtp):
    # dbt only puts counted statuses in layoff_events; the sensor must stay safe if that ever changes.
    publish_events(env["analytics"], [
        event_row("capgemini", "Capgemini", "c3", status="denied", headcount=500),
        event_row("orange", "Orange", "c4", status="negated"),
        event_row("sanofi", "Sanofi", "c5", status="hypothetical", headcount=300),
    ])
    result = tick(instance)
    time.sleep(0.3)
    assert hook.requests == [] and smtp.received == []
    assert ledger_rows(env["ledger"]) == []
    assert json.loads(result.cursor) == {"events": 3, "sent": 0, "failed": 0, "pending": 0, "unconfirmed": 0}


def test_no_analysts_copy_yet_is_a_quiet_skip(instance, env, hook):
    result = tick(instance)
    assert json.loads(result.cursor)["events"] == 0
    assert result.skip_reason.skip_message.startswith("0 events")
    assert hook.requests == []


def test_receiver_failing_once_gets_exactly_one_alert_across_ticks(instance, env, hook, smtp, monkeypatch):
    monkeypatch.setenv("MONITOR_ALERT_URLS", hook.url)
    # a short backoff so the retry is due at the next tick (the default is up to a minute)
    monkeypatch.setenv("MONITOR_ALERT_BACKOFF_BASE_S", "0.05")
    monkeypatch.setenv("MONITOR_ALERT_BACKOFF_MAX_S", "0.05")
    publish_events(env["analytics"], TWO_EVENTS[:1])
    hook.fail_next(1)

    first = tick(instance)
    assert json.loads(first.cursor) == {"events": 1, "sent": 0, "failed": 1, "pending": 1, "unconfirmed": 0}
    assert len(hook.rejected) == 1 and hook.received == []
    [row] = ledger_rows(env["ledger"])
    assert row["status"] == "failed" and row["attempts"] == 1

    time.sleep(0.1)  # past the retry time
    second = tick(instance, cursor=first.cursor)
    assert json.loads(second.cursor) == {"events": 1, "sent": 1, "failed": 0, "pending": 0, "unconfirmed": 0}
    third = tick(instance, cursor=second.cursor)
    assert json.loads(third.cursor)["sent"] == 0
    assert alerted_keys(hook) == [("atos:c1", 1)]
    # the retry carries the same idempotency key as the refused attempt
    assert hook.received[0]["headers"]["X-Idempotency-Key"] == hook.rejected[0]["headers"]["X-Idempotency-Key"]
    [row] = ledger_rows(env["ledger"])
    assert row["status"] == "sent" and row["attempts"] == 2
    assert smtp.received == []  # not configured in this test


def test_bad_backoff_setting_is_refused_with_its_name(instance, env, monkeypatch):
    monkeypatch.setenv("MONITOR_ALERT_BACKOFF_BASE_S", "soon")
    with pytest.raises(Exception, match="MONITOR_ALERT_BACKOFF_BASE_S"):
        tick(instance)


# --------------------------------------------------------------------------- the real pipeline


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    """One real run of the sample corpus (today's partition), then one sensor tick to a webhook."""
    from monitor_pipeline.defs.policies import today_partition_key
    from monitor_pipeline.demo import run_sample_partition
    from monitor_pipeline.sample_server import SampleCorpusServer

    root = tmp_path_factory.mktemp("sensor_e2e")
    data = root / "data"
    data.mkdir()
    (root / "dagster_home").mkdir()
    mp = pytest.MonkeyPatch()
    try:
        mp.setenv("MONITOR_WAREHOUSE_PATH", str(data / "warehouse.duckdb"))
        mp.setenv("MONITOR_ALERT_LEDGER_PATH", str(data / "alerts.duckdb"))
        mp.setenv("MONITOR_ALERT_DIGEST_THRESHOLD", "1000")  # one message per event, never a digest
        mp.delenv("MONITOR_ALERT_URLS", raising=False)
        with dg.instance_for_test(temp_dir=str(root / "dagster_home")) as inst:
            with SampleCorpusServer() as server:
                result = run_sample_partition(server, today_partition_key(), inst, registry_dir=str(root))
            assert result.success, [e.message for e in result.all_events if e.is_failure]
            with WebhookReceiver() as receiver:
                mp.setenv("MONITOR_ALERT_URLS", receiver.url)
                first = tick(inst)
                second = tick(inst, cursor=first.cursor)
            yield {"analytics": warehouse.analytics_path(), "hook": receiver, "first": first, "second": second}
    finally:
        mp.undo()


def query(path: Path, sql: str) -> list[tuple]:
    conn = duckdb.connect(str(path), read_only=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.mark.slow
def test_real_pipeline_alerts_exactly_the_counted_events_once(sample_run):
    counted = {r[0] for r in query(sample_run["analytics"], "SELECT event_key FROM layoff_events")}
    assert counted, "the sample corpus has counted layoff events"
    keys = alerted_keys(sample_run["hook"])
    assert sorted(keys) == sorted((key, 1) for key in counted)  # each once, nothing else
    assert json.loads(sample_run["first"].cursor)["sent"] == len(counted)
    assert json.loads(sample_run["second"].cursor)["sent"] == 0


@pytest.mark.slow
def test_real_pipeline_never_alerts_negated_denied_or_hypothetical_mentions(sample_run):
    not_counted = query(sample_run["analytics"], """
        SELECT company_id, cluster_id, status, sentence FROM layoff_mentions
        WHERE NOT counted AND company_id IS NOT NULL""")
    statuses = {status for _, _, status, _ in not_counted}
    assert {"negated", "denied", "hypothetical"} <= statuses, statuses  # the corpus exercises them all
    counted_keys = {r[0] for r in query(sample_run["analytics"],
                                        "SELECT company_id || ':' || cluster_id FROM layoff_mentions WHERE counted")}
    alerted = {key for key, _ in alerted_keys(sample_run["hook"])}
    bodies = "\n".join(r["json"]["message"] for r in sample_run["hook"].received)
    for company_id, cluster_id, status, sentence in not_counted:
        key = f"{company_id}:{cluster_id}"
        if key in counted_keys:
            continue  # the same story also states a counted layoff for this company
        assert key not in alerted, (status, sentence)
        assert sentence.strip() not in bodies, (status, sentence)
