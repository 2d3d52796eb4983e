"""Spike alerts: the companies whose daily mentions are a spike in ``company_trends``, once per company,
day and subscription (``spikes: true``), each delivery batch a run with its logs and metadata."""
import dagster as dg
import yaml
from pydantic import Field

from monitor_pipeline.core.alerts.spike_alerts import SPIKE_KIND, Spike, SpikeThreshold, spike_messages
from monitor_pipeline.core.alerts.subscriptions import spike_subscriptions
from monitor_pipeline.defs.alerts.delivery import (
    DELIVERY_RETRY,
    deliver,
    report_metadata,
    summary,
)
from monitor_pipeline.defs.dbt.project import DBT_PROJECT_DIR
from monitor_pipeline.defs.resources import AlertsResource, SettingError, env_setting, positive_float
from monitor_pipeline.storage import warehouse, warehouse_queries

def dbt_spike_threshold() -> SpikeThreshold:
    """The mart's own threshold (the ``spike_min_count`` and ``spike_max_p_value`` dbt vars): the default."""
    variables = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
    return SpikeThreshold(min_mentions=int(variables["spike_min_count"]),
                          max_p_value=float(variables["spike_max_p_value"]))


class SpikeAlertsResource(dg.ConfigurableResource):
    """When a company's day in ``company_trends`` is alerted as a spike."""

    min_mentions: int = Field(default=3, description="At least this many mentions that day.")
    max_p_value: float = Field(default=0.01, description="Poisson tail probability below this.")
    lookback_days: int = Field(default=2, description="Only the latest days of the mart (no flood of old spikes).")

    def threshold(self) -> SpikeThreshold:
        return SpikeThreshold(self.min_mentions, self.max_p_value, self.lookback_days)


def spike_alerts_from_env() -> SpikeAlertsResource:
    default = dbt_spike_threshold()
    whole = "a whole number >= 1"
    resource = SpikeAlertsResource(
        min_mentions=env_setting("MONITOR_SPIKE_MIN_MENTIONS", default.min_mentions, int, whole),
        max_p_value=env_setting("MONITOR_SPIKE_MAX_P_VALUE", default.max_p_value, positive_float,
                                "a probability in ]0, 1]"),
        lookback_days=env_setting("MONITOR_SPIKE_LOOKBACK_DAYS", default.lookback_days, int, whole),
    )
    try:
        resource.threshold()
    except ValueError as exc:
        raise SettingError(f"spike alert settings (MONITOR_SPIKE_*): {exc}") from None
    return resource


@dg.asset(
    deps=["company_trends", "analytics_copy"],
    kinds={"apprise"},
    group_name="alerts",
    automation_condition=dg.AutomationCondition.eager(),
    retry_policy=DELIVERY_RETRY,
)
def company_spike_alerts(context: dg.AssetExecutionContext, alerts: AlertsResource,
                         spike_alerts: SpikeAlertsResource) -> dg.MaterializeResult:
    """Alerts the subscriptions with ``spikes: true`` (and, if they list companies, only of those) when a
    company's mentions of one of the latest days of ``company_trends`` are a spike (the threshold of
    ``spike_alerts``), once per company, day and subscription; read from the analysts' copy, so nothing
    waits for the warehouse. A failed delivery is recorded, then the step fails and is retried."""
    threshold = spike_alerts.threshold()
    analytics = warehouse.analytics_path()
    rows = []
    if analytics.exists():
        with warehouse.connect_with_retry(str(analytics), read_only=True) as conn:
            rows = warehouse_queries.recent_company_spikes(
                conn, threshold.min_mentions, threshold.max_p_value, threshold.lookback_days)
    spikes = [Spike(r["company_id"], r["company_name"], r["day"], int(r["mentions"]), float(r["expected_daily"]),
                    float(r["spike_p_value"])) for r in rows]
    subscribers = spike_subscriptions(alerts.subscriptions())
    messages = spike_messages(spikes, subscribers, alerts.ui_base_url or None)
    report = deliver(messages, subscribers, alerts, retry_kinds=[SPIKE_KIND])
    context.log.info(f"{len(spikes)} spike(s); {summary(report)}")
    metadata = {"spikes": dg.MetadataValue.int(len(spikes)),
                "threshold": dg.MetadataValue.text(
                    f"mentions >= {threshold.min_mentions}, p < {threshold.max_p_value}, "
                    f"latest {threshold.lookback_days} day(s)"),
                **report_metadata(report, subscribers)}
    if report.total("failed"):
        raise dg.Failure(f"{report.total('failed')} spike alert delivery(ies) failed; retried with backoff",
                         metadata=metadata)
    return dg.MaterializeResult(metadata=metadata)


@dg.definitions
def spike_alert_definitions() -> dg.Definitions:
    """The asset and its threshold (a module with a ``dg.definitions`` function is loaded through it alone)."""
    return dg.Definitions(assets=[company_spike_alerts], resources={"spike_alerts": spike_alerts_from_env()})
