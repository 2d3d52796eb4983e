"""Alert delivery ledger (its own DuckDB file, through the warehouse's connection helpers) and one
alerting tick: layoff events × subscriptions (:mod:`.event_alerts`) → channels.

Delivery guarantee
------------------
Every alert is planned exactly once: planning inserts one ``pending`` row per
(event_key, subscription, version, channel) — a unique key — in the SAME transaction that
records what was alerted in ``alerted_subscriptions`` (per event and subscription). Re-running
a tick, a retried run, a re-run or a backfill of old days plans nothing new.

Each due row then goes ``pending``/``failed`` → ``sending`` (committed) → channel
``send`` → ``sent`` (committed). Outcomes:

* ``send`` raises :class:`DeliveryError`: the channel says the message was NOT
  delivered, so the row becomes ``failed`` and is retried at a later tick after a
  full-jitter exponential backoff, until delivered (or ``max_attempts`` if set).
  Retrying cannot duplicate because the failure is known (refused connection, HTTP
  5xx, SMTP 4xx…). The one transport-level ambiguity — a read timeout after the
  receiver processed the request — is covered by the idempotency key below.
* the process dies between ``sending`` and ``sent`` (crash, kill, KeyboardInterrupt):
  the next tick finds the row still in ``sending``. We cannot know whether the
  message went out, so we choose AT-MOST-ONCE for this narrow window: the row is
  marked ``unconfirmed``, NOT resent, and reported (TickReport.unconfirmed,
  ``details``) so an operator can check the channel. The same applies when a
  channel raises an unexpected exception (outcome unknown). A crash after the
  ``sending`` commit but before the network call also ends ``unconfirmed``: that is
  the price of never sending twice, and it is visible to the operator.
* Every other failure is retried until delivered: the channel reported it before
  (or instead of) delivering, so at-least-once redelivery is never needed and we
  never resend a message whose outcome is unknown.
* ``sending`` is claimed with a compare-and-set (status and attempts unchanged since
  selection), so two overlapping ticks (say, a sensor tick and a manual run in
  another process) never both send the same row; an overlapping tick does see the
  other's in-flight row as ``sending`` and reports it ``unconfirmed``. Dagster
  sensor ticks of one sensor do not overlap, so this is a safety net.
* Channels also receive the alert id as idempotency key (json payload / header /
  body line) so a receiver can deduplicate in the rare ambiguous cases a transport
  cannot rule out (e.g. a webhook that processed the request but timed out).

Writes are short transactions (connect, write, commit, close) so the DuckDB file
lock is never held during network I/O. Secrets never reach the ledger: channels are
stored by their redacted ``name`` and errors are redacted.

Channels added later only receive alerts planned after they were added (no backfill
flood); more than ``digest_threshold`` alerts due to one subscription in one tick become
ONE digest per channel of that subscription. Subscriptions in ``daily_digest`` mode get
no immediate alert here: the daily digest reaches them.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb

from monitor_pipeline.storage import warehouse
from monitor_pipeline.core.alerts.channels import Channel, DeliveryError, redact_known_secrets
from monitor_pipeline.core.alerts.event_alerts import (
    AlertedState,
    EventAlert,
    plan_event_alerts,
    render_event_alert,
    render_event_digest,
)
from monitor_pipeline.core.alerts.subscriptions import Subscription, matches
from monitor_pipeline.core.events import ResolvedEvent

__all__ = [
    "AlertSettings",
    "OutgoingMessage",
    "DeliveryReport",
    "deliver_messages",
    "Recipient",
    "SubscriptionReport",
    "TickReport",
    "run_alert_tick",
    "ledger_rows",
    "alerted_states",
    "backoff_delay_s",
]

STATUSES = ("pending", "sending", "sent", "failed", "unconfirmed")
UNCONFIRMED_MESSAGE = (
    "interrupted between sending and recording: delivery not confirmed; "
    "not resent (at-most-once), check the channel"
)
_LOCK_RETRY_S = 10.0

# Tables of their own: a ledger from before subscriptions (``alerts``, ``alerted_events``, keyed
# by company:cluster) is left as it was, readable, and never mixed with these.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS alert_deliveries (
    alert_id VARCHAR PRIMARY KEY,
    event_key VARCHAR NOT NULL,
    subscription VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    channel VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    last_error VARCHAR,
    title VARCHAR NOT NULL,
    body VARCHAR NOT NULL,
    headcount BIGINT,
    event_status VARCHAR,
    digest_event_keys VARCHAR,
    UNIQUE (event_key, subscription, version, channel)
);
CREATE TABLE IF NOT EXISTS alerted_subscriptions (
    event_key VARCHAR NOT NULL,
    subscription VARCHAR NOT NULL,
    headcount BIGINT,
    status VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    last_alert_id VARCHAR,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (event_key, subscription)
);
CREATE TABLE IF NOT EXISTS alert_messages (
    alert_id VARCHAR PRIMARY KEY,
    html VARCHAR,
    images VARCHAR[]
);
"""


@dataclass(frozen=True)
class AlertSettings:
    """Tuning of a tick. ``max_attempts=None`` keeps retrying until delivered."""

    digest_threshold: int = 10
    max_attempts: int | None = None
    backoff_base_s: float = 60.0
    backoff_max_s: float = 3600.0
    ui_base_url: str | None = None

    def __post_init__(self) -> None:
        if self.digest_threshold < 1:
            raise ValueError(f"digest_threshold must be >= 1, got {self.digest_threshold}")
        if self.max_attempts is not None and self.max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1 or None, got {self.max_attempts}")
        if self.backoff_base_s <= 0 or self.backoff_max_s < self.backoff_base_s:
            raise ValueError(
                "backoff must satisfy 0 < backoff_base_s <= backoff_max_s, got "
                f"{self.backoff_base_s} / {self.backoff_max_s}"
            )


@dataclass(frozen=True)
class Recipient:
    """One subscription with its resolved channels (``subscriptions.resolve_channels``)."""

    subscription: Subscription
    channels: Sequence[Channel]

    @property
    def name(self) -> str:
        return self.subscription.name


@dataclass
class SubscriptionReport:
    """One subscription's share of a tick. ``suppressed``: events matching its filters that were
    already alerted with nothing material since (a re-run, a backfill, a syndicated copy)."""

    mode: str = "immediate"
    matching: int = 0
    planned: int = 0
    sent: int = 0
    failed: int = 0
    unconfirmed: int = 0
    suppressed: int = 0
    pending: int = 0


@dataclass
class TickReport:
    """Outcome of one tick.

    ``planned``/``sent``/``failed``/``unconfirmed`` count rows of this tick;
    ``pending`` is the backlog left after it (configured channels, retries allowed);
    ``subscriptions`` splits them per subscription."""

    planned: int = 0
    sent: int = 0
    failed: int = 0
    unconfirmed: int = 0
    pending: int = 0
    subscriptions: dict[str, SubscriptionReport] = field(default_factory=dict)
    # (event_key, subscription, channel, status, error) for every row planned or touched this tick
    details: list[tuple[str, str, str, str, str | None]] = field(default_factory=list)

    def count(self, subscription: str, outcome: str, n: int = 1) -> None:
        setattr(self, outcome, getattr(self, outcome) + n)
        part = self.subscriptions.setdefault(subscription, SubscriptionReport())
        setattr(part, outcome, getattr(part, outcome) + n)

    def to_metadata(self) -> dict[str, Any]:
        """Plain JSON-able dict (secret-free: channels by their redacted names) for Dagster metadata / logs."""
        return {
            "planned": self.planned,
            "sent": self.sent,
            "failed": self.failed,
            "unconfirmed": self.unconfirmed,
            "pending": self.pending,
            "subscriptions": {name: vars(part) for name, part in self.subscriptions.items()},
            "details": [
                {"event_key": k, "subscription": sub, "channel": c, "status": s, "error": e}
                for k, sub, c, s, e in self.details
            ],
        }


# --------------------------------------------------------------------------- helpers


def _utc_naive(moment: datetime) -> datetime:
    """DuckDB TIMESTAMP values are stored as naive UTC."""
    if not isinstance(moment, datetime):
        raise TypeError(f"now must be a datetime, got {type(moment).__name__}")
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def _alert_id(event_key: str, subscription: str, version: int, channel: str) -> str:
    material = f"{event_key}\x1f{subscription}\x1f{version}\x1f{channel}"
    return "alert-" + hashlib.sha256(material.encode("utf-8")).hexdigest()[:24]


def backoff_delay_s(attempts: int, settings: AlertSettings, rng: random.Random) -> float:
    """Full-jitter exponential backoff: uniform(0, min(max, base * 2**(attempts-1)))."""
    exponent = max(0, min(attempts - 1, 30))
    cap = min(settings.backoff_max_s, settings.backoff_base_s * (2**exponent))
    return rng.uniform(0.0, cap)


def _open(ledger_path: str | os.PathLike[str]) -> duckdb.DuckDBPyConnection:
    """Open the ledger (creating its tables); waits, bounded, if another process holds the lock."""
    path = Path(ledger_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = warehouse.connect_with_retry(str(path), timeout_s=_LOCK_RETRY_S)
    try:
        con.execute(_SCHEMA)
    except BaseException:
        con.close()
        raise
    return con


@contextmanager
def _connect(ledger_path: str | os.PathLike[str]) -> Iterator[duckdb.DuckDBPyConnection]:
    """Short-lived connection, closed on exit."""
    con = _open(ledger_path)
    try:
        yield con
    finally:
        con.close()


class _LedgerSession:
    """A lazily (re)opened connection used by one tick.

    Every write is its own short transaction, and :meth:`release` closes the file
    (releasing DuckDB's lock) before any network I/O."""

    def __init__(self, ledger_path: str | os.PathLike[str]) -> None:
        self.path = ledger_path
        self._con: duckdb.DuckDBPyConnection | None = None

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            self._con = _open(self.path)
        return self._con

    def transaction(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        return warehouse.transaction(self.con)

    def release(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> "_LedgerSession":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def ledger_rows(ledger_path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """All delivery rows as dicts (ordered by creation), for tests and metadata."""
    if not Path(ledger_path).exists():
        return []
    with _connect(ledger_path) as con:
        return warehouse.fetch_dicts(
            con, "SELECT * FROM alert_deliveries ORDER BY created_at, event_key, subscription, version, channel")


def alerted_states(ledger_path: str | os.PathLike[str]) -> dict[tuple[str, str], AlertedState]:
    """Last alerted headcount/status/version per (event key, subscription)."""
    if not Path(ledger_path).exists():
        return {}
    with _connect(ledger_path) as con:
        return _read_states(con)


def _read_states(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], AlertedState]:
    rows = con.execute("SELECT event_key, subscription, headcount, status, version FROM alerted_subscriptions").fetchall()
    return {(key, sub): AlertedState(headcount=hc, status=st, version=v) for key, sub, hc, st, v in rows}


# --------------------------------------------------------------------------- tick steps


def _recover_interrupted(session: _LedgerSession, report: TickReport) -> None:
    """Rows left in ``sending`` by a crash become ``unconfirmed`` (never resent)."""
    with session.transaction() as con:
        stuck = con.execute(
            "SELECT alert_id, event_key, subscription, channel FROM alert_deliveries WHERE status = ?"
            " ORDER BY created_at, alert_id",
            ["sending"],
        ).fetchall()
        for alert_id, event_key, subscription, channel in stuck:
            con.execute(
                "UPDATE alert_deliveries SET status = ?, last_error = ?, next_attempt_at = NULL WHERE alert_id = ?",
                ["unconfirmed", UNCONFIRMED_MESSAGE, alert_id],
            )
            report.count(subscription, "unconfirmed")
            report.details.append((event_key, subscription, channel, "unconfirmed", UNCONFIRMED_MESSAGE))


def _digest_key(planned: Sequence[EventAlert]) -> str:
    members = "\n".join(f"{p.event.event_id}@{p.version}" for p in planned)
    return "digest:" + hashlib.sha256(members.encode("utf-8")).hexdigest()[:16]


def _messages(planned: Sequence[EventAlert], settings: AlertSettings) -> list[tuple]:
    """One subscription's messages: one per alert, or ONE digest above the threshold.
    Each is (event_key, kind, version, title, body, headcount, event_status, digest_keys)."""
    if len(planned) > settings.digest_threshold:
        title, body = render_event_digest(planned, settings.ui_base_url)
        keys = json.dumps([f"{p.event.event_id}@{p.version}" for p in planned])
        return [(_digest_key(planned), "digest", 1, title, body, None, None, keys)]
    messages = []
    for p in planned:
        title, body = render_event_alert(p, settings.ui_base_url)
        messages.append((p.event.event_id, p.kind, p.version, title, body, p.event.headcount, p.event.status, None))
    return messages


def _plan_and_record(events, session: _LedgerSession, recipients: Sequence[Recipient], now, settings,
                     report) -> None:
    """Step 1: plan against ``alerted_subscriptions`` and insert pending rows, atomically."""
    immediate = [r for r in recipients if r.subscription.mode == "immediate"]
    for recipient in recipients:
        part = report.subscriptions.setdefault(recipient.name, SubscriptionReport(mode=recipient.subscription.mode))
        part.matching = sum(1 for event in events if matches(recipient.subscription, event))
    with session.transaction() as con:
        planned = plan_event_alerts(events, [r.subscription for r in immediate], _read_states(con))
        state_rows: list[tuple] = []
        for recipient in immediate:
            mine = [p for p in planned if p.subscription == recipient.name]
            part = report.subscriptions[recipient.name]
            part.suppressed = part.matching - len(mine)
            if not mine:
                continue
            messages = _messages(mine, settings)
            for event_key, kind, version, title, body, headcount, event_status, digest_keys in messages:
                for channel in recipient.channels:
                    inserted = con.execute(
                        "INSERT INTO alert_deliveries (alert_id, event_key, subscription, kind, version, channel,"
                        " status, attempts, next_attempt_at, created_at, sent_at, last_error, title, body,"
                        " headcount, event_status, digest_event_keys)"
                        " VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, NULL, NULL, ?, ?, ?, ?, ?)"
                        " ON CONFLICT DO NOTHING RETURNING alert_id",
                        [_alert_id(event_key, recipient.name, version, channel.name), event_key, recipient.name,
                         kind, version, channel.name, now, now, title, body, headcount, event_status, digest_keys],
                    ).fetchall()
                    if inserted:
                        report.count(recipient.name, "planned")
                        report.details.append((event_key, recipient.name, channel.name, "pending", None))
            digest_id = messages[0][0] if messages[0][1] == "digest" else None
            for p in mine:
                last = f"{digest_id}@1" if digest_id else f"{p.event.event_id}@{p.version}"
                state_rows.append((p.event.event_id, recipient.name, p.event.headcount, p.event.status, p.version, last))
        if not state_rows:
            return
        # one bulk upsert (a first run may record thousands of events in one digest)
        columns = list(zip(*state_rows))
        con.execute(
            "INSERT INTO alerted_subscriptions (event_key, subscription, headcount, status, version, last_alert_id,"
            " updated_at)"
            " SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::BIGINT[]), unnest(?::VARCHAR[]),"
            " unnest(?::INTEGER[]), unnest(?::VARCHAR[]), ?::TIMESTAMP"
            " ON CONFLICT (event_key, subscription) DO UPDATE SET headcount = excluded.headcount,"
            " status = excluded.status, version = excluded.version,"
            " last_alert_id = excluded.last_alert_id, updated_at = excluded.updated_at",
            [*[list(c) for c in columns], now],
        )


def _pair_keys(keys: Sequence[tuple[str, str]]) -> list[str]:
    """(subscription, channel) pairs as the one string the SQL compares (unit separator between)."""
    return [f"{subscription}\x1f{channel}" for subscription, channel in keys]


def _due_rows(session: _LedgerSession, keys: Sequence[tuple[str, str]], now, settings) -> list[dict[str, Any]]:
    """Rows due now on the configured (subscription, channel) pairs."""
    sql = (
        "SELECT alert_id, event_key, subscription, channel, attempts, title, body FROM alert_deliveries"
        " WHERE status IN ('pending', 'failed') AND next_attempt_at IS NOT NULL AND next_attempt_at <= ?"
        " AND subscription || chr(31) || channel IN (SELECT unnest(?::VARCHAR[]))"
        " AND alert_id NOT IN (SELECT alert_id FROM alert_messages)"  # one-off messages: deliver_messages
    )
    params: list[Any] = [now, _pair_keys(keys)]
    if settings.max_attempts is not None:
        sql += " AND attempts < ?"
        params.append(settings.max_attempts)
    sql += " ORDER BY created_at, event_key, subscription, version, channel"
    return warehouse.fetch_dicts(session.con, sql, params)


def _set(session: _LedgerSession, alert_id: str, **values: Any) -> None:
    columns = ", ".join(f"{name} = ?" for name in values)  # names are ours, values bound
    with session.transaction() as con:
        con.execute(f"UPDATE alert_deliveries SET {columns} WHERE alert_id = ?", [*values.values(), alert_id])


def _claim_for_sending(session: _LedgerSession, row) -> int | None:
    """Compare-and-set ``pending``/``failed`` → ``sending``; the new attempt count, or
    None if another tick (another process) changed the row since it was selected."""
    attempts = int(row["attempts"]) + 1
    with session.transaction() as con:
        claimed = con.execute(
            "UPDATE alert_deliveries SET status = 'sending', attempts = ?"
            " WHERE alert_id = ? AND status IN ('pending', 'failed') AND attempts = ?"
            " RETURNING alert_id",
            [attempts, row["alert_id"], int(row["attempts"])],
        ).fetchall()
    return attempts if claimed else None


def _mark_sent(session: _LedgerSession, alert_id: str, now: datetime) -> None:
    _set(session, alert_id, status="sent", sent_at=now, next_attempt_at=None, last_error=None)


def _send_and_record(session: _LedgerSession, alert_id: str, attempts: int, send: Callable[[], None],
                     now: datetime, settings: AlertSettings, rng: random.Random) -> tuple[str, str | None]:
    """Run ``send`` for a row claimed for sending (no file lock held meanwhile) and record the outcome:
    ``sent``; ``failed`` (a :class:`DeliveryError`: retried after a backoff); ``unconfirmed`` (any other
    error: the outcome is unknown, never resent). Returns the status and the redacted error."""
    session.release()  # no file lock held during network I/O
    try:
        send()
    except DeliveryError as exc:
        error = redact_known_secrets(str(exc))[:1000]
        given_up = settings.max_attempts is not None and attempts >= settings.max_attempts
        retry_at = None if given_up else now + timedelta(seconds=backoff_delay_s(attempts, settings, rng))
        _set(session, alert_id, status="failed", next_attempt_at=retry_at, last_error=error)
        return "failed", error
    except Exception as exc:  # unknown outcome: do not risk a duplicate
        error = redact_known_secrets(f"{type(exc).__name__}: {exc}")[:1000]
        error = f"unexpected channel error, delivery unknown, not resent: {error}"
        _set(session, alert_id, status="unconfirmed", next_attempt_at=None, last_error=error)
        return "unconfirmed", error
    _mark_sent(session, alert_id, now)
    return "sent", None


def _deliver_due(session: _LedgerSession, channels: Mapping[tuple[str, str], Channel], now, settings, rng,
                 report) -> None:
    """Step 2: send every due row; one failure on a channel postpones its other rows (the
    other channels are unaffected)."""
    down: set[str] = set()
    for row in _due_rows(session, list(channels), now, settings):
        subscription, channel_name = row["subscription"], row["channel"]
        if channel_name in down:
            continue  # stays pending/failed, tried again at a later tick
        attempts = _claim_for_sending(session, row)
        if attempts is None:
            continue
        channel = channels[(subscription, channel_name)]
        status, error = _send_and_record(
            session, row["alert_id"], attempts,
            lambda: channel.send(row["title"], row["body"], row["alert_id"]), now, settings, rng)
        if status == "failed":
            down.add(channel_name)
        report.count(subscription, status)
        report.details.append((row["event_key"], subscription, channel_name, status, error))


def _count_backlog(session: _LedgerSession, keys: Sequence[tuple[str, str]], settings, report) -> None:
    """Rows of the configured channels still waiting for a (re)try, per subscription."""
    sql = (
        "SELECT subscription, count(*) FROM alert_deliveries WHERE status IN ('pending', 'failed')"
        " AND next_attempt_at IS NOT NULL"
        " AND subscription || chr(31) || channel IN (SELECT unnest(?::VARCHAR[]))"
    )
    params: list[Any] = [_pair_keys(keys)]
    if settings.max_attempts is not None:
        sql += " AND attempts < ?"
        params.append(settings.max_attempts)
    for subscription, pending in session.con.execute(sql + " GROUP BY subscription", params).fetchall():
        report.count(subscription, "pending", int(pending))


def _collapse_details(details):
    """Keep the last status per (event_key, subscription, channel), in first-seen order."""
    last: dict[tuple[str, str, str], tuple] = {}
    for item in details:
        last[item[:3]] = item  # a dict keeps the first insertion position
    return list(last.values())


def run_alert_tick(
    events: Sequence[ResolvedEvent],
    recipients: Sequence[Recipient],
    ledger_path: str | os.PathLike[str],
    now: datetime,
    settings: AlertSettings | None = None,
    *,
    rng: random.Random | None = None,
) -> TickReport:
    """One alerting tick: recover interrupted sends, plan new alerts per subscription, deliver due ones.

    ``now`` is explicit (tests move time); ``rng`` drives the backoff jitter."""
    settings = settings or AlertSettings()
    rng = rng or random.Random()
    names = [r.name for r in recipients]
    if len(set(names)) != len(names):
        raise ValueError("subscription names must be unique")
    by_key: dict[tuple[str, str], Channel] = {}
    for recipient in recipients:
        if recipient.subscription.mode == "immediate" and not recipient.channels:
            raise ValueError(f"subscription {recipient.name!r} has no channel")
        for channel in recipient.channels:
            if (recipient.name, channel.name) in by_key:
                raise ValueError(f"two alert channels of subscription {recipient.name!r} share the name "
                                 f"{channel.name!r}; names must be unique")
            by_key[(recipient.name, channel.name)] = channel
    events = list(events)
    now = _utc_naive(now)
    report = TickReport()
    with _LedgerSession(ledger_path) as session:
        _recover_interrupted(session, report)
        _plan_and_record(events, session, recipients, now, settings, report)
        _deliver_due(session, by_key, now, settings, rng, report)
        _count_backlog(session, list(by_key), settings, report)
    report.details = _collapse_details(report.details)
    return report


# --------------------------------------------------------------------------- one-off messages
#
# Operator alerts (a failed run, a failed check), spike alerts and the delivered daily digest are not
# layoff events: each is one message for one subscription, sent once per channel and never followed
# up. They share the ``alert_deliveries`` table and its states (pending → sending → sent / failed /
# unconfirmed) with the event alerts; ``event_key`` is ``"<message key>@<subscription>"``, ``kind`` tells
# them apart, and ``alert_messages`` keeps the HTML version (the digest) and its inline images.

@dataclass(frozen=True)
class OutgoingMessage:
    """One message for one subscription. ``key`` names what it is about and is stable across re-runs
    (``run-failure:<run id>``, ``spike:<company>:<day>``, ``digest:<day>``): the same key and
    subscription are delivered once per channel, whatever the number of evaluations."""

    key: str
    kind: str
    subscription: str
    title: str
    body: str
    html: str | None = None
    images: tuple[str, ...] = ()  # files the HTML shows inline (``cid:<file name>``)

    @property
    def event_key(self) -> str:
        return f"{self.key}@{self.subscription}"


@dataclass
class DeliveryReport:
    """Per subscription: ``sent``, ``failed`` (kept for a retry with backoff), ``unconfirmed`` and
    ``suppressed`` (planned by an earlier evaluation: already sent, or waiting for its retry)."""

    by_subscription: dict[str, dict[str, int]] = field(default_factory=dict)
    # (event_key, channel, status, error) for every row planned or touched
    details: list[tuple[str, str, str, str | None]] = field(default_factory=list)

    def count(self, subscription: str, outcome: str) -> None:
        counts = self.by_subscription.setdefault(
            subscription, {"sent": 0, "failed": 0, "unconfirmed": 0, "suppressed": 0})
        counts[outcome] += 1

    def total(self, outcome: str) -> int:
        return sum(counts[outcome] for counts in self.by_subscription.values())

    def to_metadata(self) -> dict[str, Any]:
        """Plain, secret-free dict for Dagster metadata and logs."""
        return {
            "by_subscription": self.by_subscription,
            "details": [{"event_key": k, "channel": c, "status": s, "error": e} for k, c, s, e in self.details],
        }


def _send_message(channel: Channel, row: Mapping[str, Any]) -> None:
    send_html = getattr(channel, "send_html", None)
    if row["html"] is not None and send_html is not None:
        send_html(row["title"], row["html"], row["body"], row["alert_id"], tuple(row["images"] or ()))
    else:
        channel.send(row["title"], row["body"], row["alert_id"])


def deliver_messages(
    messages: Sequence[OutgoingMessage],
    channels: Mapping[str, Sequence[Channel]],
    ledger_path: str | os.PathLike[str],
    now: datetime,
    settings: AlertSettings | None = None,
    *,
    retry_kinds: Sequence[str] = (),
    rng: random.Random | None = None,
) -> DeliveryReport:
    """Plan ``messages`` once per channel of their subscription (``channels``: by subscription name)
    and deliver every due row: those of ``messages`` not delivered yet (new, or failed before: the
    caller's own cadence, say a retried step, spaces these out), and the failed rows of
    ``retry_kinds`` whose backoff has elapsed. A message planned before is ``suppressed`` (never resent); rows of these
    kinds left ``sending`` by a crash become ``unconfirmed`` (at-most-once, as for event alerts).

    Callers of one kind must not overlap (a sensor's ticks, an asset's runs): an overlapping caller's
    in-flight row would be reported ``unconfirmed``."""
    settings = settings or AlertSettings()
    rng = rng or random.Random()
    now = _utc_naive(now)
    report = DeliveryReport()
    kinds = sorted({m.kind for m in messages} | set(retry_kinds))
    by_channel = {(name, channel.name): channel for name, subscribed in channels.items() for channel in subscribed}
    with _LedgerSession(ledger_path) as session:
        if not kinds:
            return report
        with session.transaction() as con:
            stuck = con.execute(
                "UPDATE alert_deliveries SET status = 'unconfirmed', last_error = ?, next_attempt_at = NULL"
                " WHERE status = 'sending' AND list_contains(?::VARCHAR[], kind) RETURNING event_key, channel",
                [UNCONFIRMED_MESSAGE, kinds],
            ).fetchall()
            report.details.extend((key, channel, "unconfirmed", UNCONFIRMED_MESSAGE) for key, channel in stuck)
            for message in messages:
                for channel in channels.get(message.subscription, ()):
                    alert_id = _alert_id(message.event_key, message.subscription, 1, channel.name)
                    inserted = con.execute(
                        "INSERT INTO alert_deliveries (alert_id, event_key, subscription, kind, version, channel,"
                        " status, attempts, next_attempt_at, created_at, title, body)"
                        " VALUES (?, ?, ?, ?, 1, ?, 'pending', 0, ?, ?, ?, ?)"
                        " ON CONFLICT DO NOTHING RETURNING alert_id",
                        [alert_id, message.event_key, message.subscription, message.kind, channel.name, now, now,
                         message.title, message.body],
                    ).fetchall()
                    if not inserted:
                        report.count(message.subscription, "suppressed")
                        report.details.append((message.event_key, channel.name, "suppressed", None))
                        continue
                    con.execute("INSERT INTO alert_messages VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                                [alert_id, message.html, list(message.images)])
        due = warehouse.fetch_dicts(
            session.con,
            "SELECT a.alert_id, a.event_key, a.channel, a.attempts, a.title, a.body, a.subscription, m.html, m.images"
            " FROM alert_deliveries AS a JOIN alert_messages AS m USING (alert_id)"
            " WHERE list_contains(?::VARCHAR[], a.kind) AND a.status IN ('pending', 'failed')"
            " AND a.next_attempt_at IS NOT NULL"
            " AND (a.next_attempt_at <= ? OR list_contains(?::VARCHAR[], a.event_key))"
            + (" AND a.attempts < ?" if settings.max_attempts is not None else "")
            + " ORDER BY a.created_at, a.event_key, a.channel",
            [kinds, now, sorted({m.event_key for m in messages})]
            + ([settings.max_attempts] if settings.max_attempts is not None else []),
        )
        down: set[tuple[str, str]] = set()
        for row in due:
            target = (row["subscription"], row["channel"])
            channel = by_channel.get(target)
            if channel is None or target in down:
                continue  # a channel no longer configured, or down this evaluation: left for later
            attempts = _claim_for_sending(session, row)
            if attempts is None:
                continue
            status, error = _send_and_record(session, row["alert_id"], attempts,
                                             lambda: _send_message(channel, row), now, settings, rng)
            if status == "failed":
                down.add(target)
            report.count(row["subscription"], status)
            report.details.append((row["event_key"], row["channel"], status, error))
    report.details = _collapse_details(report.details)
    return report
