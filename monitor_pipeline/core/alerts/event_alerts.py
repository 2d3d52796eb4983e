"""Alerts per subscription for resolved (cross-source) layoff events, and their French text.

Given the events of :func:`monitor_pipeline.core.events.resolve_events`, the
subscriptions and what was already alerted per ``(event_id, subscription name)``,
:func:`plan_event_alerts` yields

* one ``new`` alert per event and subscription that :func:`~.subscriptions.matches` it
  and has never been alerted about it (an event that starts matching later, say once
  its headcount crosses ``min_headcount``, is ``new`` for that subscription then);
* one ``update`` (``version`` + 1) when the event changed MATERIALLY since the last
  alert to that subscription: a stronger status (executed > announced > planned), a
  first figure, or a figure differing from the alerted one by more than 10 % (compared
  with what was ALERTED, so small drifts add up to one follow-up, not many);
* nothing otherwise: a lost figure, a weaker status (a late recap), a drift within
  10 %, a re-run, a backfill, or an event that stopped matching.

Every alert carries an ``idempotency_key`` (event, subscription, version) and
:meth:`EventAlert.delivery_id` adds the channel, for the ledger's unique keys.
:func:`render_event_alert` / :func:`render_event_digest` give the French text.

Pure domain code: no Dagster, no I/O.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from monitor_pipeline.core.alerts.subscriptions import Subscription, matches
from monitor_pipeline.core.events import STATUS_STRENGTH, ResolvedEvent, headcounts_compatible

__all__ = [
    "EVENTS_ASSET_KEY",
    "STATUS_LABELS_FR",
    "AlertedKey",
    "AlertedState",
    "EventAlert",
    "material_changes",
    "plan_event_alerts",
    "render_event_alert",
    "render_event_digest",
    "format_int_fr",
]

EVENTS_ASSET_KEY = "layoff_events"
DIGEST_MAX_LINES = 50
MAX_LISTED_ARTICLES = 5

AlertedKey = tuple[str, str]  # (event_id, subscription name)
STATUS_LABELS_FR = {
    "announced": "annoncé",
    "planned": "prévu",
    "executed": "effectué",
    "postponed": "reporté",
    "contested": "contesté",
    "denied": "démenti",
    "negated": "nié",
    "hypothetical": "hypothétique",
    "generic": "générique",
}


@dataclass(frozen=True)
class AlertedState:
    """What the last alert about an event to a subscription said (the ledger remembers it)."""

    headcount: int | None
    status: str
    version: int = 1


def format_int_fr(value: int | None) -> str:
    """``1200`` → ``"1 200"`` (French thousands separator, plain space)."""
    if value is None:
        return "non précisé"
    return f"{int(value):,}".replace(",", " ")


@dataclass(frozen=True)
class EventAlert:
    """One alert due to one subscription about one event."""

    kind: str  # "new" | "update"
    event: ResolvedEvent
    subscription: str
    mode: str  # the subscription's: "immediate" | "daily_digest"
    version: int
    changes: tuple[str, ...] = field(default_factory=tuple)
    previous: AlertedState | None = None

    @property
    def key(self) -> AlertedKey:
        """The ledger key of what was alerted: ``(event_id, subscription)``."""
        return (self.event.event_id, self.subscription)

    @property
    def idempotency_key(self) -> str:
        """Stable across re-runs: the same event, subscription and version give the same key."""
        material = f"{self.event.event_id}\x1f{self.subscription}\x1f{self.version}"
        return "evtalert-" + hashlib.sha256(material.encode("utf-8")).hexdigest()[:24]

    def delivery_id(self, channel_name: str) -> str:
        """Unique id of this alert on one channel (channel names are redacted labels)."""
        material = f"{self.idempotency_key}\x1f{channel_name}"
        return "alert-" + hashlib.sha256(material.encode("utf-8")).hexdigest()[:24]

    def alerted_state(self) -> AlertedState:
        """What the ledger should remember once this alert is recorded."""
        return AlertedState(headcount=self.event.headcount, status=self.event.status, version=self.version)


def material_changes(
    previous: AlertedState, event: ResolvedEvent, tolerance: float = 0.10
) -> tuple[str, ...]:
    """French descriptions of what changed materially since ``previous`` (empty: nothing)."""
    changes: list[str] = []
    if event.headcount is not None and (
        previous.headcount is None or not headcounts_compatible(previous.headcount, event.headcount, tolerance)
    ):
        changes.append(f"effectif : {format_int_fr(previous.headcount)} → {format_int_fr(event.headcount)}")
    if STATUS_STRENGTH.get(event.status, 0) > STATUS_STRENGTH.get(previous.status, 0):
        changes.append(f"statut : {_status_fr(previous.status)} → {_status_fr(event.status)}")
    return tuple(changes)


def plan_event_alerts(
    events: Iterable[ResolvedEvent],
    subscriptions: Sequence[Subscription],
    already_alerted: Mapping[AlertedKey, AlertedState],
    *,
    tolerance: float = 0.10,
) -> list[EventAlert]:
    """Alerts due, per event and matching subscription (see the module docstring).

    Deterministic: the same inputs in any order give the same list, ordered by the
    event's first appearance, event id, then subscription order in the file."""
    names = [s.name for s in subscriptions]
    if len(set(names)) != len(names):
        raise ValueError("subscription names must be unique")
    by_id: dict[str, ResolvedEvent] = {}
    for event in events:
        if not isinstance(event, ResolvedEvent):
            raise TypeError(f"plan_event_alerts expects ResolvedEvent items, got {type(event).__name__}")
        if event.event_id in by_id and by_id[event.event_id] != event:
            raise ValueError(f"two different events share the id {event.event_id!r}")
        by_id[event.event_id] = event
    planned: list[EventAlert] = []
    for event in sorted(by_id.values(), key=lambda e: (e.first_seen, e.event_id)):
        for subscription in subscriptions:
            if not matches(subscription, event):
                continue
            previous = already_alerted.get((event.event_id, subscription.name))
            if previous is None:
                planned.append(EventAlert("new", event, subscription.name, subscription.mode, 1))
                continue
            changes = material_changes(previous, event, tolerance)
            if changes:
                planned.append(
                    EventAlert(
                        "update", event, subscription.name, subscription.mode, previous.version + 1,
                        changes=changes, previous=previous,
                    )
                )
    return planned


# --------------------------------------------------------------------------- rendering


def _status_fr(status: str | None) -> str:
    return STATUS_LABELS_FR.get(status or "", status or "inconnu")


def _headcount_fr(event: ResolvedEvent) -> str:
    parts: list[str] = []
    if event.headcount_low is not None and event.headcount_high is not None \
            and event.headcount_low != event.headcount_high:
        parts.append(f"{format_int_fr(event.headcount_low)} à {format_int_fr(event.headcount_high)} postes")
    elif event.headcount is not None:
        parts.append(f"{format_int_fr(event.headcount)} postes")
    if event.headcount_percent is not None:
        text = f"{event.headcount_percent:.1f}".rstrip("0").rstrip(".").replace(".", ",")
        parts.append(f"{text} % des effectifs")
    return " / ".join(parts) if parts else "non précisé"


def _wave_fr(event: ResolvedEvent) -> str:
    return "" if event.wave <= 1 else f" ({event.wave}e vague)"


def _link(ui_base_url: str | None) -> str | None:
    return f"{ui_base_url.rstrip('/')}/assets/{EVENTS_ASSET_KEY}" if ui_base_url else None


def render_event_alert(alert: EventAlert, ui_base_url: str | None = None) -> tuple[str, str]:
    """French ``(title, body)`` of one event alert: what, how many, which sources."""
    event = alert.event
    quote = event.representative
    headline = event.company_name + _wave_fr(event)
    if event.headcount is not None:
        headline += f" — {format_int_fr(event.headcount)} postes"
    prefix = "Mise à jour licenciements" if alert.kind == "update" else "Licenciements"
    title = f"{prefix} : {headline} ({_status_fr(event.status)})"
    known = "" if event.known else ", entreprise hors référentiel"
    lines = [
        f"Entreprise : {event.company_name} ({event.company_id}{known})",
        f"Statut : {_status_fr(event.status)}",
        f"Effectif concerné : {_headcount_fr(event)}",
    ]
    if alert.kind == "update":
        lines.append("Changements : " + " ; ".join(alert.changes))
    lines += [
        f"Extrait : « {quote.sentence.strip()} »",
        f"Première mention : {event.first_seen.strftime('%d/%m/%Y %H:%M UTC')}"
        f" — dernière : {event.last_seen.strftime('%d/%m/%Y %H:%M UTC')}",
        f"Sources ({len(event.source_ids)}) : " + ", ".join(event.source_ids),
    ]
    listed = {}
    for mention in event.mentions:
        listed.setdefault(mention.article_id, mention)
    for mention in list(listed.values())[:MAX_LISTED_ARTICLES]:
        lines.append(f"- {mention.article_title or mention.article_id} ({mention.source_name or mention.source_id})"
                     + (f" {mention.url}" if mention.url else ""))
    if len(listed) > MAX_LISTED_ARTICLES:
        lines.append(f"… et {len(listed) - MAX_LISTED_ARTICLES} autres articles.")
    link = _link(ui_base_url)
    if link:
        lines.append(f"Dagster : {link}")
    lines.append(f"Événement : {event.event_id} (version {alert.version})")
    return title, "\n".join(lines)


def render_event_digest(alerts: Sequence[EventAlert], ui_base_url: str | None = None) -> tuple[str, str]:
    """One French ``(title, body)`` listing many event alerts (daily digest, or a flood)."""
    if not alerts:
        raise ValueError("render_event_digest needs at least one alert")
    updates = sum(1 for a in alerts if a.kind == "update")
    new = len(alerts) - updates
    title = f"Licenciements : {len(alerts)} événements ({new} nouveaux, {updates} mises à jour)"
    lines = [title, ""]
    for alert in list(alerts)[:DIGEST_MAX_LINES]:
        event = alert.event
        detail = " ; ".join(alert.changes) if alert.kind == "update" else _headcount_fr(event)
        prefix = "[MAJ] " if alert.kind == "update" else ""
        lines.append(
            f"- {prefix}{event.company_name}{_wave_fr(event)} — {_status_fr(event.status)} — {detail} — "
            f"{len(event.source_ids)} source(s), {len(event.article_ids)} article(s)"
        )
    if len(alerts) > DIGEST_MAX_LINES:
        lines.append(f"… et {len(alerts) - DIGEST_MAX_LINES} autres événements.")
    link = _link(ui_base_url)
    if link:
        lines += ["", f"Détails dans Dagster : {link}"]
    return title, "\n".join(lines)
