"""Spike alerts: a company mentioned far more than usual on one day, once per company, day and
subscription (``spike:<company>:<day>``), to the subscriptions with ``spikes: true`` whose
``companies`` filter, if any, lists the company.

What counts as a spike comes from ``company_trends`` (a Poisson tail test against the 28 days before):
:class:`SpikeThreshold` applies its own minimum count and maximum p-value to the mart's columns, so the
alerting threshold can be tuned without rebuilding the mart.

Pure domain code: no Dagster, no I/O.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from monitor_pipeline.core.alerts.ledger import OutgoingMessage
from monitor_pipeline.core.alerts.event_alerts import format_int_fr
from monitor_pipeline.core.alerts.subscriptions import Subscription, wants_spike

__all__ = ["SPIKE_KIND", "SpikeThreshold", "Spike", "spike_messages"]

SPIKE_KIND = "spike"
TRENDS_ASSET_KEY = "company_trends"


@dataclass(frozen=True)
class SpikeThreshold:
    """A day is alerted when ``mentions >= min_mentions`` and ``p_value < max_p_value``, within the
    ``lookback_days`` latest days of the mart (older spikes were the previous days' business)."""

    min_mentions: int = 3
    max_p_value: float = 0.01
    lookback_days: int = 2

    def __post_init__(self) -> None:
        if self.min_mentions < 1:
            raise ValueError(f"min_mentions must be >= 1, got {self.min_mentions}")
        if not 0.0 < self.max_p_value <= 1.0:
            raise ValueError(f"max_p_value must be in ]0, 1], got {self.max_p_value}")
        if self.lookback_days < 1:
            raise ValueError(f"lookback_days must be >= 1, got {self.lookback_days}")


@dataclass(frozen=True)
class Spike:
    """One company on one day (``YYYY-MM-DD``) over the threshold."""

    company_id: str
    company_name: str
    day: str
    mentions: int
    expected_daily: float
    p_value: float

    @property
    def key(self) -> str:
        return f"spike:{self.company_id}:{self.day}"


def _decimal_fr(value: float, digits: int) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def spike_messages(spikes: Iterable[Spike], subscriptions: Sequence[Subscription],
                   ui_base_url: str | None = None) -> list[OutgoingMessage]:
    """One message per spike and subscription that wants it, in day then company order."""
    messages: list[OutgoingMessage] = []
    for spike in sorted(spikes, key=lambda s: (s.day, s.company_id)):
        day_fr = "/".join(reversed(spike.day.split("-")))
        title = f"Pic de mentions : {spike.company_name} le {day_fr} ({format_int_fr(spike.mentions)} mentions)"
        lines = [
            f"Entreprise : {spike.company_name} ({spike.company_id})",
            f"Jour : {day_fr}",
            f"Mentions : {format_int_fr(spike.mentions)} (attendu : {_decimal_fr(spike.expected_daily, 2)} par jour)",
            f"Probabilité d'un tel nombre par hasard : {spike.p_value:.2e}",
        ]
        if ui_base_url:
            lines.append(f"Dagster : {ui_base_url.rstrip('/')}/assets/{TRENDS_ASSET_KEY}")
        body = "\n".join(lines)
        messages += [OutgoingMessage(spike.key, SPIKE_KIND, s.name, title, body)
                     for s in subscriptions if wants_spike(s, spike.company_id)]
    return messages
