"""One-off messages (operators', spike and digest alerts) through the alerts ledger, on real receivers:
once per key, subscription and channel; a channel that is down is retried with backoff and shown in the
ledger, the others unaffected; a crash between send and record is never resent; no secret stored."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from monitor_pipeline.core.alerts.channels import AppriseChannel
from monitor_pipeline.core.alerts.ledger import (
    UNCONFIRMED_MESSAGE,
    AlertSettings,
    OutgoingMessage,
    deliver_messages,
    ledger_rows,
)
from monitor_pipeline.storage import warehouse
from monitor_pipeline_tests.receivers import WebhookReceiver

pytestmark = pytest.mark.timeout(120)

T0 = datetime(2026, 3, 2, 7, 0, tzinfo=timezone.utc)
SETTINGS = AlertSettings(backoff_base_s=60, backoff_max_s=600)
TOKEN = "s3cr3t-hook-token"


def message(key: str, subscription: str, kind: str = "spike") -> OutgoingMessage:
    return OutgoingMessage(key, kind, subscription, f"titre {key}", f"corps {key}")


@pytest.fixture()
def hooks():
    with WebhookReceiver(f"/hook/{TOKEN}") as down, WebhookReceiver() as up:
        yield down, up


def test_a_channel_down_is_retried_with_backoff_and_the_others_are_unaffected(tmp_path, hooks):
    down, up = hooks
    ledger = tmp_path / "alerts.duckdb"
    channels = {"a": [AppriseChannel(down.url)], "b": [AppriseChannel(up.url)]}
    messages = [message("spike:valdor:2026-03-02", "a"), message("spike:valdor:2026-03-02", "b")]
    down.fail_next(1)
    first = deliver_messages(messages, channels, ledger, T0, SETTINGS, rng=random.Random(1))
    assert first.by_subscription["a"]["failed"] == 1 and first.by_subscription["b"]["sent"] == 1
    assert len(up.received) == 1 and len(down.received) == 0
    failed = next(r for r in ledger_rows(ledger) if r["event_key"].endswith("@a"))
    assert failed["status"] == "failed" and failed["attempts"] == 1
    assert T0.replace(tzinfo=None) < failed["next_attempt_at"] <= T0.replace(tzinfo=None) + timedelta(seconds=60)
    assert all(TOKEN not in str(value) for row in ledger_rows(ledger) for value in row.values())
    # a tick of the same kind before the backoff elapsed leaves it; after it, it is retried once
    retry_at = failed["next_attempt_at"].replace(tzinfo=timezone.utc)
    early = deliver_messages([], channels, ledger, retry_at - timedelta(microseconds=1), SETTINGS,
                             retry_kinds=["spike"])
    assert early.total("sent") == 0 and len(down.received) == 0
    later = deliver_messages([], channels, ledger, retry_at, SETTINGS, retry_kinds=["spike"])
    assert later.total("sent") == 1 and len(down.received) == 1 and len(up.received) == 1
    again = deliver_messages(messages, channels, ledger, T0 + timedelta(minutes=20), SETTINGS, retry_kinds=["spike"])
    assert again.total("sent") == 0 and again.total("suppressed") == 2
    assert [r["status"] for r in ledger_rows(ledger)] == ["sent", "sent"]


def test_a_crash_between_send_and_record_is_not_resent(tmp_path, hooks):
    _, up = hooks
    ledger = tmp_path / "alerts.duckdb"
    channels = {"ops": [AppriseChannel(up.url)]}
    runs = [message("run-failure:r1", "ops", kind="operator")]
    deliver_messages(runs, channels, ledger, T0, SETTINGS)
    with warehouse.connect_with_retry(str(ledger)) as con:  # as if the process died while sending r2
        con.execute("INSERT INTO alert_deliveries (alert_id, event_key, subscription, kind, version, channel, status,"
                    " attempts, next_attempt_at, created_at, title, body) VALUES"
                    " ('alert-x', 'run-failure:r2@ops', 'ops', 'operator', 1, ?, 'sending', 1, ?, ?, 't', 'b')",
                    [channels["ops"][0].name, T0.replace(tzinfo=None), T0.replace(tzinfo=None)])
        con.execute("INSERT INTO alert_messages VALUES ('alert-x', NULL, NULL)")
    report = deliver_messages(runs + [message("run-failure:r2", "ops", kind="operator")], channels, ledger,
                              T0 + timedelta(minutes=1), SETTINGS, retry_kinds=["operator"])
    assert len(up.received) == 1  # r1 once, r2 never resent
    assert report.total("suppressed") == 2
    stuck = next(r for r in ledger_rows(ledger) if r["alert_id"] == "alert-x")
    assert stuck["status"] == "unconfirmed" and stuck["last_error"] == UNCONFIRMED_MESSAGE
