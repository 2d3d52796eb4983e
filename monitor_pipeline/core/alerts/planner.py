"""Layoff alerts: which events deserve an alert, and the French text of each alert.

* :func:`plan_alerts` diffs the counted layoff events of the warehouse against what
  was already alerted (``alerted_events`` in the alert ledger): a new event key gives
  a ``new`` alert, a known key whose headcount or status changed gives one ``update``
  alert describing the change, anything else gives nothing.
* :func:`render_alert` / :func:`render_digest` produce ``(title, body)`` in French.

Pure domain code: no Dagster, no I/O.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

__all__ = [
    "LayoffEvent",
    "AlertedState",
    "PlannedAlert",
    "COUNTED_STATUSES",
    "plan_alerts",
    "render_alert",
    "render_digest",
    "format_int_fr",
    "dagster_asset_link",
]

COUNTED_STATUSES = ("announced", "planned", "executed")
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
ALERT_ASSET_KEY = "layoff_mentions"
DIGEST_MAX_LINES = 50


@dataclass(frozen=True)
class LayoffEvent:
    """One counted layoff event: a company within one syndication cluster."""

    event_key: str  # f"{company_id}:{cluster_id}"
    company_id: str
    company_name: str
    status: str
    headcount: int | None
    headcount_percent: float | None
    sentence: str
    article_id: str
    article_title: str | None
    url: str
    source_id: str
    source_name: str | None
    published_at: datetime | None
    partition_day: str


@dataclass(frozen=True)
class AlertedState:
    """What the last alert for an event said (row of ``alerted_events``)."""

    headcount: int | None
    status: str
    version: int = 1


@dataclass(frozen=True)
class PlannedAlert:
    """An alert to send. ``version`` is 1 for ``new`` and increases with each update."""

    kind: str  # "new" | "update"
    event: LayoffEvent
    version: int
    changes: tuple[str, ...] = field(default_factory=tuple)
    previous: AlertedState | None = None

    @property
    def event_key(self) -> str:
        return self.event.event_key


# --------------------------------------------------------------------------- planning


def _representative_sort_key(event: LayoffEvent) -> tuple:
    published = _as_utc(event.published_at)
    return (
        published is None,
        published or datetime.min.replace(tzinfo=timezone.utc),
        event.source_id,
        event.article_id,
    )


def _as_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _collapse(events: Iterable[LayoffEvent]) -> dict[str, LayoffEvent]:
    """One event per key whatever the input order: the earliest publication wins.

    Syndicated copies of the same story share the event key and add nothing."""
    by_key: dict[str, LayoffEvent] = {}
    for event in events:
        if not isinstance(event, LayoffEvent):
            raise TypeError(f"plan_alerts expects LayoffEvent items, got {type(event).__name__}")
        if not event.event_key:
            raise ValueError(f"layoff event without event_key (article {event.article_id!r})")
        if event.status not in COUNTED_STATUSES:
            continue
        current = by_key.get(event.event_key)
        if current is None or _representative_sort_key(event) < _representative_sort_key(current):
            by_key[event.event_key] = event
    return by_key


def _describe_changes(previous: AlertedState, event: LayoffEvent) -> tuple[str, ...]:
    changes: list[str] = []
    # A headcount that disappears (copy without a figure) is not news: only a new figure is.
    if event.headcount is not None and event.headcount != previous.headcount:
        before = format_int_fr(previous.headcount) if previous.headcount is not None else "non précisé"
        changes.append(f"effectif : {before} → {format_int_fr(event.headcount)}")
    if event.status != previous.status:
        changes.append(f"statut : {previous.status} → {event.status}")
    return tuple(changes)


def plan_alerts(
    events: Iterable[LayoffEvent], already_alerted: Mapping[str, AlertedState]
) -> list[PlannedAlert]:
    """Alerts due for ``events`` given what was already alerted.

    Only counted statuses (announced, planned, executed) are considered; other rows
    are ignored. Deterministic: identical inputs (in any order) give identical plans,
    ordered by publication time then event key."""
    planned: list[PlannedAlert] = []
    for key, event in _collapse(events).items():
        previous = already_alerted.get(key)
        if previous is None:
            planned.append(PlannedAlert(kind="new", event=event, version=1))
            continue
        changes = _describe_changes(previous, event)
        if changes:
            planned.append(
                PlannedAlert(
                    kind="update",
                    event=event,
                    version=previous.version + 1,
                    changes=changes,
                    previous=previous,
                )
            )
    planned.sort(key=lambda p: (_representative_sort_key(p.event)[:2], p.event_key, p.version))
    return planned


# --------------------------------------------------------------------------- rendering


def format_int_fr(value: int | None) -> str:
    """``1200`` → ``"1 200"`` (French thousands separator, plain space)."""
    if value is None:
        return "non précisé"
    return f"{int(value):,}".replace(",", " ")


def _format_percent_fr(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") + " %"


def _plural(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count <= 1 else plural}"


def _status_fr(status: str) -> str:
    return STATUS_LABELS_FR.get(status, status)


def _headcount_fr(event: LayoffEvent) -> str:
    parts: list[str] = []
    if event.headcount is not None:
        parts.append(f"{format_int_fr(event.headcount)} postes")
    if event.headcount_percent is not None:
        parts.append(f"{_format_percent_fr(event.headcount_percent)} des effectifs")
    return " / ".join(parts) if parts else "non précisé"


def _published_fr(event: LayoffEvent) -> str:
    published = _as_utc(event.published_at)
    return published.strftime("%d/%m/%Y %H:%M UTC") if published else "inconnue"


def dagster_asset_link(ui_base_url: str | None) -> str | None:
    """Link to the ``layoff_mentions`` asset in the Dagster UI, if a base URL is set."""
    if not ui_base_url:
        return None
    return f"{ui_base_url.rstrip('/')}/assets/{ALERT_ASSET_KEY}"


def render_alert(planned: PlannedAlert, ui_base_url: str | None) -> tuple[str, str]:
    """French ``(title, body)`` for one alert."""
    event = planned.event
    headline = event.company_name
    if event.headcount is not None:
        headline += f" — {format_int_fr(event.headcount)} postes"
    if planned.kind == "update":
        title = f"Mise à jour licenciements : {headline} ({_status_fr(event.status)})"
    else:
        title = f"Licenciements : {headline} ({_status_fr(event.status)})"
    lines = [
        f"Entreprise : {event.company_name} ({event.company_id})",
        f"Statut : {_status_fr(event.status)} ({event.status})",
        f"Effectif concerné : {_headcount_fr(event)}",
    ]
    if planned.kind == "update":
        lines.append("Changements : " + " ; ".join(planned.changes))
    lines += [
        f"Extrait : « {event.sentence.strip()} »",
        f"Article : {event.article_title or '(sans titre)'}",
        f"Lien : {event.url}",
        f"Source : {event.source_name or event.source_id} ({event.source_id})",
        f"Publication : {_published_fr(event)}",
    ]
    link = dagster_asset_link(ui_base_url)
    if link:
        lines.append(f"Dagster : {link}")
    lines.append(f"Événement : {event.event_key} (version {planned.version})")
    return title, "\n".join(lines)


def render_digest(planned_list: Sequence[PlannedAlert], ui_base_url: str | None) -> tuple[str, str]:
    """One French ``(title, body)`` summarising many alerts (instead of a flood)."""
    if not planned_list:
        raise ValueError("render_digest needs at least one planned alert")
    new = sum(1 for p in planned_list if p.kind == "new")
    updates = len(planned_list) - new
    title = (
        f"Licenciements : {len(planned_list)} alertes "
        f"({_plural(new, 'nouvelle', 'nouvelles')}, {_plural(updates, 'mise à jour', 'mises à jour')})"
    )
    lines = [
        f"{len(planned_list)} événements de licenciement à signaler "
        f"({_plural(new, 'nouveau', 'nouveaux')}, {_plural(updates, 'mise à jour', 'mises à jour')}) :",
        "",
    ]
    for planned in list(planned_list)[:DIGEST_MAX_LINES]:
        event = planned.event
        prefix = "[MAJ] " if planned.kind == "update" else ""
        detail = " ; ".join(planned.changes) if planned.kind == "update" else _headcount_fr(event)
        lines.append(
            f"- {prefix}{event.company_name} — {_status_fr(event.status)} — {detail} — "
            f"{event.article_title or '(sans titre)'} ({event.source_name or event.source_id}, "
            f"{_published_fr(event)}) {event.url}"
        )
    hidden = len(planned_list) - DIGEST_MAX_LINES
    if hidden > 0:
        lines.append(f"… et {hidden} autres événements.")
    link = dagster_asset_link(ui_base_url)
    if link:
        lines += ["", f"Détails dans Dagster : {link}"]
    return title, "\n".join(lines)
