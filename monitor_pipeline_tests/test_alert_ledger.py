"""Alert ledger + ticks (resolved layoff events × subscriptions), delivering through real loopback
receivers (webhook, SMTP)."""
from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone

import pytest

from monitor_pipeline.core.alerts.ledger import (
    AlertSettings,
    Recipient,
    alerted_states,
    ledger_rows,
    run_alert_tick,
)
from monitor_pipeline.core.alerts.channels import AppriseChannel, DeliveryError, FileChannel
from monitor_pipeline.core.alerts.subscriptions import ChannelRef, Subscription, SubscriptionFilters
from monitor_pipeline.core.events import EventMention, resolve_events
from monitor_pipeline_tests.receivers import SmtpReceiver, WebhookReceiver

pytestmark = pytest.mark.timeout(120)

T0 = datetime(2025, 3, 4, 10, 0, tzinfo=timezone.utc)
PASSWORD = "Sm7p-motdepasse-42"
TOKEN = "whk0tok3n9x"
SETTINGS = AlertSettings(ui_base_url="http://dagster.local:3000")
LATER = timedelta(seconds=SETTINGS.backoff_max_s + 1)  # always past any backoff


SUBSCRIPTION = Subscription(name="equipe", channels=(ChannelRef("file", ""),))


def mention(company: str, *, headcount: int | None = 400, status: str = "announced",
            source_id: str = "lemondeinformatique", article: str | None = None) -> EventMention:
    name = company.replace("-", " ").title()
    return EventMention(
        article_id=article or f"{company}-{source_id}", mention_index=0, company_id=company, company_name=name,
        known=True, status=status, headcount=headcount, headcount_low=None, headcount_high=None,
        headcount_percent=None, day=T0.date(), published_at=datetime(2025, 3, 4, 8, 0, tzinfo=timezone.utc),
        source_id=source_id, cluster_id=None,
        sentence=f"{name} a confirmé la suppression de {headcount or 'plusieurs centaines de'} postes.",
        url=f"https://presse.example/{company}/{source_id}", article_title=f"Plan de départs chez {name}",
        source_name=source_id,
    )


def make_event(company: str, **kwargs):
    """The one event of a single mention (the same company and article give the same event id)."""
    [event] = resolve_events([mention(company, **kwargs)])
    return event


def run_tick(events, ledger, channels, now, settings=SETTINGS, *, rng=None, subscription=SUBSCRIPTION):
    """One tick for one subscription delivered to ``channels``."""
    return run_alert_tick(events, [Recipient(subscription, channels)], ledger, now, settings, rng=rng)


@pytest.fixture()
def hook():
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture()
def smtp():
    with SmtpReceiver() as receiver:
        yield receiver


@pytest.fixture()
def ledger(tmp_path):
    return tmp_path / "alerts.duckdb"


def webhook_channel(hook: WebhookReceiver) -> AppriseChannel:
    return AppriseChannel(hook.apprise_url, timeout_s=5)


class CrashAfterSend:
    """Delivers for real, then dies before the ledger can record it."""

    def __init__(self, inner):
        self.inner, self.name = inner, inner.name

    def send(self, title, body, idempotency_key):
        self.inner.send(title, body, idempotency_key)
        raise KeyboardInterrupt("killed between send and record")


class ExplodingChannel:
    """A channel failing in an unexpected way (outcome unknown)."""

    name = "explosive://***"

    def __init__(self):
        self.calls = 0

    def send(self, title, body, idempotency_key):
        self.calls += 1
        raise RuntimeError("socket closed mid-response")


def statuses(ledger_path) -> list[str]:
    return [row["status"] for row in ledger_rows(ledger_path)]


def test_first_tick_delivers_each_new_event_once_then_nothing(hook, smtp, ledger):
    channels = [webhook_channel(hook), AppriseChannel(smtp.apprise_url("veille", PASSWORD), timeout_s=5)]
    # two outlets on Atos's plan are one event
    events = resolve_events([mention("atos"), mention("orange", headcount=650), mention("atos", source_id="zdnet")])

    report = run_tick(events, ledger, channels, T0, SETTINGS)
    assert (report.planned, report.sent, report.failed, report.unconfirmed, report.pending) == (4, 4, 0, 0, 0)
    assert sorted(r["json"]["title"] for r in hook.received) == [
        "Licenciements : Atos — 400 postes (annoncé)",
        "Licenciements : Orange — 650 postes (annoncé)",
    ]
    assert sorted(m["subject"] for m in smtp.received) == sorted(r["json"]["title"] for r in hook.received)
    assert "http://dagster.local:3000/assets/layoff_events" in hook.received[0]["json"]["message"]

    for now in (T0, T0 + timedelta(minutes=5), T0 + timedelta(days=2)):
        again = run_tick(events, ledger, channels, now, SETTINGS)
        assert (again.planned, again.sent, again.pending) == (0, 0, 0)
    assert len(hook.received) == 2 and len(smtp.received) == 2
    assert statuses(ledger) == ["sent"] * 4
    keys = {row["alert_id"] for row in ledger_rows(ledger)}
    assert set(hook.idempotency_keys()) <= keys


def test_update_sends_one_alert_saying_what_changed(hook, ledger):
    channels = [webhook_channel(hook)]
    first = make_event("capgemini", headcount=800, status="planned")
    run_tick([first], ledger, channels, T0, SETTINGS)
    changed = make_event("capgemini", headcount=1200, status="announced")
    assert changed.event_id == first.event_id
    report = run_tick([changed], ledger, channels, T0 + timedelta(hours=1), SETTINGS)
    assert (report.planned, report.sent) == (1, 1)
    run_tick([changed], ledger, channels, T0 + timedelta(hours=2), SETTINGS)
    assert len(hook.received) == 2
    message = hook.received[1]["json"]["message"]
    assert "effectif : 800 → 1 200" in message and "statut : prévu → annoncé" in message
    assert alerted_states(ledger)[(changed.event_id, "equipe")].version == 2
    assert [row["kind"] for row in ledger_rows(ledger)] == ["new", "update"]


def test_500_then_200_gives_exactly_one_delivered_alert(hook, ledger):
    channels = [webhook_channel(hook)]
    events = [make_event("ubisoft", headcount=185)]
    hook.fail_next(1)

    first = run_tick(events, ledger, channels, T0, SETTINGS, rng=random.Random(3))
    assert (first.sent, first.failed, first.pending) == (0, 1, 1)
    (row,) = ledger_rows(ledger)
    assert row["status"] == "failed" and row["attempts"] == 1 and "500" in row["last_error"]
    assert row["next_attempt_at"] > T0.replace(tzinfo=None)  # backoff in the future

    same_time = run_tick(events, ledger, channels, T0, SETTINGS)
    assert (same_time.sent, same_time.failed) == (0, 0)  # not due yet: not retried
    assert len(hook.requests) == 1

    later = run_tick(events, ledger, channels, T0 + LATER, SETTINGS)
    assert (later.sent, later.failed, later.pending) == (1, 0, 0)
    run_tick(events, ledger, channels, T0 + 2 * LATER, SETTINGS)
    assert len(hook.received) == 1 and len(hook.rejected) == 1
    (row,) = ledger_rows(ledger)
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 2, None)


def test_crash_between_send_and_record_never_sends_twice(hook, ledger):
    real = webhook_channel(hook)
    events = [make_event("teleperformance", headcount=None)]
    event_id = events[0].event_id
    with pytest.raises(KeyboardInterrupt):
        run_tick(events, ledger, [CrashAfterSend(real)], T0, SETTINGS)
    assert len(hook.received) == 1
    assert statuses(ledger) == ["sending"]

    after = run_tick(events, ledger, [real], T0 + LATER, SETTINGS)
    assert (after.unconfirmed, after.sent, after.pending) == (1, 0, 0)
    assert after.details[0][:4] == (event_id, "equipe", real.name, "unconfirmed")
    run_tick(events, ledger, [real], T0 + 2 * LATER, SETTINGS)
    assert len(hook.received) == 1
    (row,) = ledger_rows(ledger)
    assert row["status"] == "unconfirmed" and "not resent" in row["last_error"]


def test_unexpected_channel_exception_is_unconfirmed_not_retried(ledger):
    channel = ExplodingChannel()
    report = run_tick([make_event("dell")], ledger, [channel], T0, SETTINGS)
    assert (report.unconfirmed, report.failed, report.pending) == (1, 0, 0)
    run_tick([make_event("dell")], ledger, [channel], T0 + LATER, SETTINGS)
    assert channel.calls == 1


def test_more_than_threshold_sends_exactly_one_digest(hook, smtp, ledger):
    channels = [webhook_channel(hook), AppriseChannel(smtp.apprise_url(), timeout_s=5)]
    events = [make_event(f"entreprise-{i:02d}", headcount=100 + i) for i in range(12)]
    report = run_tick(events, ledger, channels, T0, SETTINGS)
    assert (report.planned, report.sent) == (2, 2)  # one digest per channel
    assert len(hook.received) == 1 and len(smtp.received) == 1
    digest = hook.received[0]["json"]
    assert "12 événements" in digest["title"]
    assert all(f"Entreprise {i:02d}" in digest["message"] for i in range(12))
    rows = ledger_rows(ledger)
    assert {row["kind"] for row in rows} == {"digest"}
    assert len(json.loads(rows[0]["digest_event_keys"])) == 12
    assert len(alerted_states(ledger)) == 12
    assert run_tick(events, ledger, channels, T0 + LATER, SETTINGS).planned == 0
    assert len(hook.received) == 1


def test_digest_threshold_boundary(hook, ledger):
    settings = AlertSettings(digest_threshold=3)
    channels = [webhook_channel(hook)]
    run_tick([make_event(f"a-{i}") for i in range(3)], ledger, channels, T0, settings)
    assert len(hook.received) == 3  # at the threshold: individual alerts
    run_tick([make_event(f"b-{i}") for i in range(4)], ledger, channels, T0, settings)
    assert len(hook.received) == 4  # above: one digest


def test_channel_down_for_hours_then_back_delivers_once(hook, ledger):
    channels = [webhook_channel(hook)]
    events = [make_event("klarna", headcount=700)]
    hook.fail_next(10_000)
    rng = random.Random(11)
    now = T0
    for _ in range(6 * 12):  # a tick every 5 minutes for 6 hours
        report = run_tick(events, ledger, channels, now, SETTINGS, rng=rng)
        assert report.sent == 0 and report.pending == 1
        now += timedelta(minutes=5)
    # a second event appears during the outage
    events.append(make_event("duolingo", headcount=None))
    run_tick(events, ledger, channels, now, SETTINGS, rng=rng)
    attempts_during_outage = len(hook.rejected)
    assert 2 <= attempts_during_outage < 72  # backoff: far fewer tries than ticks
    hook.fail_next(0)

    delivered = 0
    for _ in range(3):
        now += LATER
        delivered += run_tick(events, ledger, channels, now, SETTINGS, rng=rng).sent
    assert delivered == 2
    assert sorted(r["json"]["title"] for r in hook.received) == [
        "Licenciements : Duolingo (annoncé)",
        "Licenciements : Klarna — 700 postes (annoncé)",
    ]
    assert statuses(ledger) == ["sent", "sent"]


def test_max_attempts_stops_retrying(hook, ledger):
    settings = AlertSettings(max_attempts=2)
    channels = [webhook_channel(hook)]
    hook.fail_next(100)
    now = T0
    for _ in range(4):
        report = run_tick([make_event("intel")], ledger, channels, now, settings)
        now += LATER
    assert len(hook.rejected) == 2
    assert report.pending == 0
    (row,) = ledger_rows(ledger)
    assert row["status"] == "failed" and row["next_attempt_at"] is None


def test_secrets_never_reach_the_ledger_or_report(hook, smtp, ledger):
    secret_hook = AppriseChannel(f"json://veille:{PASSWORD}@127.0.0.1:{hook.port}/{TOKEN}", timeout_s=5)
    mail = AppriseChannel(smtp.apprise_url("veille", PASSWORD), timeout_s=5)
    hook.fail_next(1)
    smtp.fail_next(1)
    report = run_tick([make_event("criteo")], ledger, [secret_hook, mail], T0, SETTINGS)
    assert report.failed == 2
    dumped = json.dumps(ledger_rows(ledger), default=str) + json.dumps(report.to_metadata())
    assert PASSWORD not in dumped and TOKEN not in dumped
    assert hook.rejected[0]["path"] == f"/{TOKEN}"  # the secret URL was really used


def test_default_file_channel_end_to_end(tmp_path, ledger):
    channel = FileChannel(tmp_path / "alerts.jsonl")
    run_tick([make_event("sap"), make_event("oracle")], ledger, [channel], T0, SETTINGS)
    run_tick([make_event("sap"), make_event("oracle")], ledger, [channel], T0 + LATER, SETTINGS)
    lines = (tmp_path / "alerts.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2


def test_delivery_error_from_custom_channel_is_retried(ledger):
    class Flaky:
        name = "flaky://***"

        def __init__(self):
            self.calls = 0

        def send(self, title, body, idempotency_key):
            self.calls += 1
            if self.calls == 1:
                raise DeliveryError("flaky://***: indisponible")

    channel = Flaky()
    run_tick([make_event("hp")], ledger, [channel], T0, SETTINGS)
    report = run_tick([make_event("hp")], ledger, [channel], T0 + LATER, SETTINGS)
    assert report.sent == 1 and channel.calls == 2


def test_bad_arguments_are_refused(ledger):
    with pytest.raises(ValueError, match="has no channel"):
        run_tick([], ledger, [], T0, SETTINGS)
    with pytest.raises(ValueError, match="names must be unique"):
        run_alert_tick([], [Recipient(SUBSCRIPTION, [FileChannel(ledger.with_name("a.jsonl"))])] * 2, ledger, T0)
    with pytest.raises(ValueError, match="share the name"):
        run_tick([], ledger, [ExplodingChannel(), ExplodingChannel()], T0, SETTINGS)
    with pytest.raises(ValueError, match="digest_threshold"):
        AlertSettings(digest_threshold=0)


def test_overlapping_tick_does_not_send_twice(hook, ledger):
    """A second tick starting while the first one is mid-send (e.g. another process)."""
    real = webhook_channel(hook)
    events = [make_event("samsung"), make_event("lg")]
    inner_reports = []

    class StartsAnotherTick:
        name = real.name

        def send(self, title, body, idempotency_key):
            real.send(title, body, idempotency_key)
            if not inner_reports:
                inner_reports.append(run_tick(events, ledger, [real], T0, SETTINGS))

    outer = run_tick(events, ledger, [StartsAnotherTick()], T0, SETTINGS)
    (inner,) = inner_reports
    assert len(hook.received) == 2  # each event exactly once
    assert (inner.unconfirmed, inner.sent) == (1, 1)  # it saw the outer send in flight
    assert (outer.sent, outer.planned) == (1, 2)  # the outer tick skipped the row it lost
    assert statuses(ledger) == ["sent", "sent"]


def test_replanning_the_same_alert_is_a_no_op(hook, ledger):
    import duckdb

    channels = [webhook_channel(hook)]
    run_tick([make_event("thales")], ledger, channels, T0, SETTINGS)
    con = duckdb.connect(str(ledger))
    con.execute("DELETE FROM alerted_subscriptions")  # memory lost, alerts kept
    con.close()
    report = run_tick([make_event("thales")], ledger, channels, T0 + LATER, SETTINGS)
    assert (report.planned, report.sent) == (0, 0)  # unique (event_key, subscription, version, channel)
    assert len(hook.received) == 1


def test_channels_configured_from_env_deliver(hook, smtp, ledger, tmp_path):
    from monitor_pipeline.core.alerts.channels import channels_from_env

    env = {"MONITOR_ALERT_URLS": f"{hook.url},{smtp.url}", "MONITOR_ALERT_TIMEOUT_S": "5"}
    channels = channels_from_env(env, data_dir=tmp_path)
    report = run_tick([make_event("iliad", headcount=250)], ledger, channels, T0, SETTINGS)
    assert report.sent == 2
    assert len(hook.received) == 1 and len(smtp.received) == 1
    assert {d[2] for d in report.details} == {c.name for c in channels}
    assert not (tmp_path / "alerts.jsonl").exists()


def test_each_subscription_gets_what_its_filters_select_and_a_shared_channel_both(hook, ledger):
    """Per subscription: its own alerts, its own ledger rows, its own counts; the same webhook in two
    subscriptions receives each subscription's alert (one per event and subscription)."""
    big = Subscription(name="gros-plans", channels=(ChannelRef("file", ""),),
                       filters=SubscriptionFilters(min_headcount=1000))
    events = resolve_events([mention("atos", headcount=1200), mention("orange", headcount=650)])
    recipients = [Recipient(SUBSCRIPTION, [webhook_channel(hook)]), Recipient(big, [webhook_channel(hook)])]
    report = run_alert_tick(events, recipients, ledger, T0, SETTINGS)
    assert {name: (p.matching, p.sent, p.suppressed) for name, p in report.subscriptions.items()} == {
        "equipe": (2, 2, 0), "gros-plans": (1, 1, 0)}
    assert sorted(r["json"]["title"] for r in hook.received) == [
        "Licenciements : Atos — 1 200 postes (annoncé)", "Licenciements : Atos — 1 200 postes (annoncé)",
        "Licenciements : Orange — 650 postes (annoncé)"]
    assert len(set(hook.idempotency_keys())) == 3
    again = run_alert_tick(events, recipients, ledger, T0 + LATER, SETTINGS)
    assert {name: (p.sent, p.suppressed) for name, p in again.subscriptions.items()} == {
        "equipe": (0, 2), "gros-plans": (0, 1)}


def test_daily_digest_subscriptions_get_no_immediate_alert(hook, ledger):
    digest = Subscription(name="resume-du-matin", channels=(ChannelRef("file", ""),), mode="daily_digest")
    report = run_alert_tick([make_event("atos")], [Recipient(digest, [])], ledger, T0, SETTINGS)
    assert (report.planned, report.sent) == (0, 0)
    assert report.subscriptions["resume-du-matin"].mode == "daily_digest"
    assert report.subscriptions["resume-du-matin"].matching == 1
    assert ledger_rows(ledger) == []
