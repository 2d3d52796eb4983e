"""Layoff alerts as an asset: each delivery batch is a run, with its logs, retries and metadata."""
from datetime import datetime, timezone

import dagster as dg
from dagster_duckdb import DuckDBResource

from monitor_pipeline import stages
from monitor_pipeline.core.alerts.ledger import Recipient, TickReport, run_alert_tick
from monitor_pipeline.core.alerts.subscriptions import SubscriptionsError, resolve_channels
from monitor_pipeline.defs.markdown_metadata import markdown_table
from monitor_pipeline.defs.resources import AlertsResource, EventsResource
from monitor_pipeline.storage import warehouse

# A step that failed on something passing (the ledger or the warehouse locked a while, a full disk) is
# tried again, spread out. A channel that is down is NOT a step failure: its deliveries stay in the
# ledger as failed, with their own backoff, and the next run retries them.
ALERT_RETRY = dg.RetryPolicy(max_retries=3, delay=15, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.FULL)
OUTCOMES = ("planned", "sent", "failed", "suppressed", "pending", "unconfirmed")


def recipients(alerts: AlertsResource) -> list[Recipient]:
    """The subscriptions with their channels resolved now, so a missing ``env:`` variable or an unusable
    URL fails here, naming the file and line (never the URL)."""
    env, data_dir = alerts.channel_env(), alerts.ledger_file().parent
    found = []
    for subscription in alerts.subscriptions():
        channels = resolve_channels(subscription, env, data_dir) if subscription.mode == "immediate" else []
        found.append(Recipient(subscription, channels))
    return found


def report_metadata(report: TickReport, events: int) -> dict:
    """Secret-free metadata: counts per subscription (channels appear by their redacted names only)."""
    per_subscription = [{"subscription": name, "mode": part.mode, "matching": part.matching,
                         **{outcome: getattr(part, outcome) for outcome in OUTCOMES}}
                        for name, part in report.subscriptions.items()]
    problems = [{"event": key, "subscription": sub, "channel": channel, "status": status, "error": error}
                for key, sub, channel, status, error in report.details if status in ("failed", "unconfirmed")]
    return {
        "events": events,
        **{outcome: getattr(report, outcome) for outcome in ("planned", "sent", "failed", "pending", "unconfirmed")},
        "per_subscription": dg.MetadataValue.md(markdown_table(per_subscription, limit=50)),
        "sent_per_subscription": dg.MetadataValue.json({p["subscription"]: p["sent"] for p in per_subscription}),
        "delivery_problems": dg.MetadataValue.md(markdown_table(problems, limit=30)),
    }


@dg.asset(
    deps=["layoff_events"],
    kinds={"python", "apprise"},
    group_name="alerts",
    automation_condition=dg.AutomationCondition.eager(),
    retry_policy=ALERT_RETRY,
)
def layoff_alerts(context: dg.AssetExecutionContext, duckdb: DuckDBResource, alerts: AlertsResource,
                  events: EventsResource) -> dg.MaterializeResult:
    """Alerts the people who watch a company, once per real-world layoff event and subscription
    (MONITOR_SUBSCRIPTIONS, else one default subscription to MONITOR_ALERT_URLS or data/alerts.jsonl),
    with one follow-up when its status or headcount changes materially. Every delivery goes through the
    alerts ledger (data/alerts.duckdb): idempotency keys, nothing resent after a crash between sending
    and recording, a channel that is down retried with backoff at the next runs while the others get
    their alerts. Subscriptions in daily_digest mode get the daily digest instead. Not in the warehouse
    pool: it reads the warehouse briefly, then only talks to the network and the ledger."""
    try:
        found = recipients(alerts)
    except SubscriptionsError as exc:  # a configuration error: retrying would not help
        raise dg.Failure(description=f"subscriptions: {exc}", allow_retries=False) from None
    resolved = stages.current_layoff_events(warehouse.connection_factory(duckdb.database), events.settings(),
                                            stored_only=True)
    report = run_alert_tick(resolved, found, alerts.ledger_file(), datetime.now(timezone.utc), alerts.settings())
    for name, part in report.subscriptions.items():
        context.log.info(f"subscription {name} ({part.mode}): {part.matching} matching events, sent {part.sent}, "
                         f"failed {part.failed}, suppressed {part.suppressed}, pending {part.pending}")
    return dg.MaterializeResult(metadata=report_metadata(report, len(resolved)))
