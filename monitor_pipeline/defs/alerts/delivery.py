"""What the operators', spike and digest deliveries share: the channels of the subscriptions
(``AlertsResource``, from ``MONITOR_SUBSCRIPTIONS``) and one call into the ledger's exactly-once delivery."""
from collections.abc import Sequence
from datetime import datetime, timezone

import dagster as dg

from monitor_pipeline.core.alerts.ledger import DeliveryReport, OutgoingMessage, deliver_messages
from monitor_pipeline.core.alerts.subscriptions import Subscription, resolve_channels
from monitor_pipeline.defs.markdown_metadata import markdown_table
from monitor_pipeline.defs.resources import AlertsResource

# A delivery that failed is recorded in the ledger, then the asset's step fails: Dagster retries it, spread out.
DELIVERY_RETRY = dg.RetryPolicy(max_retries=3, delay=60, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.FULL)


def deliver(messages: Sequence[OutgoingMessage], recipients: Sequence[Subscription], alerts: AlertsResource,
            retry_kinds: Sequence[str] = ()) -> DeliveryReport:
    """Deliver ``messages`` (and due retries of ``retry_kinds``) once per channel of the ``recipients`` (the
    subscriptions that receive this kind: only their channels are resolved), through the ledger. Without
    recipients the ledger is not even opened."""
    if not recipients:
        return DeliveryReport()
    channels = {s.name: resolve_channels(s, alerts.channel_env(), data_dir=alerts.ledger_file().parent)
                for s in recipients}
    return deliver_messages(messages, channels, alerts.ledger_file(),
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
