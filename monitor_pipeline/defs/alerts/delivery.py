"""What the operators', spike and digest deliveries share: the subscriptions (``MONITOR_SUBSCRIPTIONS``)
and their channels, and one call into the ledger's exactly-once delivery."""
import os
from collections.abc import Sequence
from datetime import datetime, timezone

import dagster as dg
from pydantic import Field

from monitor_pipeline.core.alerts.channels import ENV_ALERT_TIMEOUT, ENV_ALERT_URLS, Channel
from monitor_pipeline.core.alerts.ledger import DeliveryReport, OutgoingMessage, deliver_messages
from monitor_pipeline.core.alerts.subscriptions import (
    ENV_SUBSCRIPTIONS,
    Subscription,
    load_subscriptions,
    resolve_channels,
)
from monitor_pipeline.defs.markdown_metadata import markdown_table
from monitor_pipeline.defs.resources import AlertsResource, env_setting

# A delivery that failed is recorded in the ledger, then the asset's step fails: Dagster retries it, spread out.
DELIVERY_RETRY = dg.RetryPolicy(max_retries=3, delay=60, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.FULL)


class AlertSubscriptionsResource(dg.ConfigurableResource):
    """The subscriptions file (YAML); empty: the default subscription (``MONITOR_ALERT_URLS``, layoff
    events only, so no operator, spike or digest message)."""

    path: str = Field(default="", description="The subscriptions file (MONITOR_SUBSCRIPTIONS); empty: the default.")

    def load(self) -> list[Subscription]:
        """The subscriptions; an invalid file raises ``SubscriptionsError`` naming the line and the reason."""
        return load_subscriptions(self.path or None)

    def channels(self, subscriptions: Sequence[Subscription], alerts: AlertsResource) -> dict[str, list[Channel]]:
        """The channels of each subscription, by name (``env:`` references looked up in the environment)."""
        env = {**os.environ, ENV_ALERT_URLS: alerts.alert_urls, ENV_ALERT_TIMEOUT: str(alerts.channel_timeout_s)}
        return {s.name: resolve_channels(s, env, data_dir=alerts.ledger_file().parent) for s in subscriptions}


def deliver(messages: Sequence[OutgoingMessage], recipients: Sequence[Subscription], alerts: AlertsResource,
            subscribers: AlertSubscriptionsResource, retry_kinds: Sequence[str] = ()) -> DeliveryReport:
    """Deliver ``messages`` (and due retries of ``retry_kinds``) once per channel of the ``recipients`` (the
    subscriptions that receive this kind: only their channels are resolved), through the ledger. Without
    recipients the ledger is not even opened."""
    if not recipients:
        return DeliveryReport()
    return deliver_messages(messages, subscribers.channels(recipients, alerts), alerts.ledger_file(),
                            datetime.now(timezone.utc), alerts.settings(), retry_kinds=retry_kinds)


def report_metadata(report: DeliveryReport, subscriptions: Sequence[Subscription]) -> dict[str, dg.MetadataValue]:
    """Sent, failed, unconfirmed and suppressed per subscription (every subscription listed, even idle)."""
    rows = [{"subscription": s.name, **report.by_subscription.get(
        s.name, {"sent": 0, "failed": 0, "unconfirmed": 0, "suppressed": 0})} for s in subscriptions]
    return {
        "sent": dg.MetadataValue.int(report.total("sent")),
        "failed": dg.MetadataValue.int(report.total("failed")),
        "suppressed": dg.MetadataValue.int(report.total("suppressed")),
        "by_subscription": dg.MetadataValue.md(markdown_table(rows, limit=100)),
        "deliveries": dg.MetadataValue.json(report.to_metadata()["details"]),
    }


def summary(report: DeliveryReport) -> str:
    return (f"sent {report.total('sent')}, failed {report.total('failed')}, "
            f"unconfirmed {report.total('unconfirmed')}, suppressed {report.total('suppressed')}")


@dg.definitions
def subscriptions_resource() -> dg.Definitions:
    """The subscriptions resource; an invalid file fails the load, naming its line and the reason."""
    load_subscriptions(dg.EnvVar(ENV_SUBSCRIPTIONS).get_value() or None)
    return dg.Definitions(resources={
        "alert_subscriptions": AlertSubscriptionsResource(path=env_setting(ENV_SUBSCRIPTIONS, "")),
    })
