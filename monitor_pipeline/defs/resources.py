"""The resources, and every setting a user may change, read from the environment in this one place.

Each setting is an environment variable (the README's configuration table lists them). A variable
that is set reaches the resource as a ``dg.EnvVar`` (the UI shows where the value comes from);
a malformed value fails the code location's load, naming the variable.
"""
import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource
from pydantic import Field

from monitor_pipeline.storage import lake, retention, warehouse
from monitor_pipeline.storage import profile as profiles
from monitor_pipeline.core.alerts.channels import Channel, channels_from_env, ENV_ALERT_TIMEOUT, ENV_ALERT_URLS
from monitor_pipeline.core.ingest.feed_state import PollPolicy
from monitor_pipeline.core.ingest.fetch import HttpSettings
from monitor_pipeline.core.ingest.registry import FeedSource, default_registry_path, load_registry
from monitor_pipeline.core.alerts.ledger import AlertSettings
from monitor_pipeline.core.alerts.subscriptions import ENV_SUBSCRIPTIONS, Subscription, load_subscriptions
from monitor_pipeline.core.events import ResolutionSettings
from monitor_pipeline.defs.dbt.project import dbt_resource

FEEDS_PATH_ENV = "MONITOR_FEEDS_PATH"
POLL_CRON_ENV = "MONITOR_POLL_CRON"
DAILY_CRON_ENV = "MONITOR_DAILY_CRON"
RETENTION_CRON_ENV = "MONITOR_RETENTION_CRON"


class SettingError(ValueError):
    """A configuration variable holds a value the pipeline cannot use."""


def env_setting(name: str, default: Any, parse: Callable[[str], Any] = str, expected: str = "a string") -> Any:
    """The setting ``name``: ``default`` when unset or blank, else the variable itself (``dg.EnvVar``,
    or the number it holds), validated now so a bad value fails the load."""
    raw = dg.EnvVar(name).get_value()
    if raw is None or not raw.strip():
        return default
    try:
        parse(raw)
    except ValueError:
        raise SettingError(f"{name} must be {expected}, got {raw!r}") from None
    return dg.EnvVar(name) if parse is str else parse(raw)


def positive_float(raw: str) -> float:
    value = float(raw)
    if value <= 0:
        raise ValueError(raw)
    return value


def whole_days(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise ValueError(raw)
    return value


def share(raw: str) -> float:
    value = float(raw)
    if not 0.0 <= value <= 1.0:
        raise ValueError(raw)
    return value


class FeedPollerResource(dg.ConfigurableResource):
    """Which feeds to poll and how politely: the registry file, the HTTP limits and the poll policy."""

    registry_path: str = Field(default=str(default_registry_path()),
                               description="The feed list (YAML); MONITOR_FEEDS_PATH points at one's own.")
    http: dict[str, Any] = Field(default={}, description=(
        "Overrides of core.ingest.fetch.HttpSettings fields (timeouts, concurrency, politeness, allow_hosts)."))
    default_interval_minutes: int = 60
    max_consecutive_failures: int = 8

    def sources(self) -> list[FeedSource]:
        return load_registry(self.registry_path)

    def http_settings(self) -> HttpSettings:
        overrides = dict(self.http)
        if "allow_hosts" in overrides:
            overrides["allow_hosts"] = tuple(overrides["allow_hosts"])
        unknown = set(overrides) - {f.name for f in dataclasses.fields(HttpSettings)}
        if unknown:
            raise SettingError(f"unknown HTTP settings: {', '.join(sorted(unknown))}")
        return dataclasses.replace(HttpSettings(), **overrides)

    def poll_policy(self) -> PollPolicy:
        return PollPolicy(default_interval_minutes=self.default_interval_minutes,
                          max_consecutive_failures=self.max_consecutive_failures)


class QualityThresholdsResource(dg.ConfigurableResource):
    """Thresholds of the data-quality asset checks (configuration, not literals in code)."""

    max_failed_extraction_share: float = 0.3
    min_french_share: float = 0.6
    max_failing_feed_share: float = 0.25
    max_hours_since_successful_poll: float = 3.0


class ProcessingResource(dg.ConfigurableResource):
    """CPU settings of the extraction stage."""

    workers: int = 2
    per_document_timeout_s: float = 30.0


class EventsResource(dg.ConfigurableResource):
    """How layoff mentions are grouped into real-world events (core.events.ResolutionSettings)."""

    window_days: int = Field(default=30, description=(
        "An event stays open this many days after its latest article (MONITOR_EVENT_WINDOW_DAYS)."))

    def settings(self) -> ResolutionSettings:
        return ResolutionSettings(window_days=self.window_days)


class AlertsResource(dg.ConfigurableResource):
    """Who receives which alerts (the subscriptions file, else one default subscription to the Apprise
    URLs or a JSON-lines file beside the ledger) and how a delivery batch behaves."""

    subscriptions_path: str = Field(default="", description=(
        "The subscriptions file (YAML, MONITOR_SUBSCRIPTIONS); empty: one default subscription."))
    ledger_path: str = Field(default="", description="The delivery ledger; empty: alerts.duckdb beside the warehouse.")
    alert_urls: str = Field(default="", description="Apprise URLs, space- or comma-separated (secrets: never logged).")
    channel_timeout_s: float = 10.0
    digest_threshold: int = 10
    ui_base_url: str = ""
    backoff_base_s: float = 60.0
    backoff_max_s: float = 3600.0

    def ledger_file(self) -> Path:
        return Path(self.ledger_path or Path(warehouse.warehouse_path()).with_name("alerts.duckdb"))

    def channel_env(self) -> dict[str, str]:
        """What a subscription's channels are resolved against: the process environment (``env:NAME``
        channels), with this resource's URLs and timeout for the default channel."""
        import os

        return {**os.environ, ENV_ALERT_URLS: self.alert_urls, ENV_ALERT_TIMEOUT: str(self.channel_timeout_s)}

    def channels(self) -> list[Channel]:
        """The default subscription's channels (MONITOR_ALERT_URLS, else the JSON-lines file)."""
        return channels_from_env(self.channel_env(), data_dir=self.ledger_file().parent)

    def subscriptions(self) -> list[Subscription]:
        """The subscriptions (file, else the default one); raises SubscriptionsError naming the line."""
        return load_subscriptions(self.subscriptions_path or None)

    def settings(self) -> AlertSettings:
        return AlertSettings(digest_threshold=self.digest_threshold, ui_base_url=self.ui_base_url or None,
                             backoff_base_s=self.backoff_base_s, backoff_max_s=self.backoff_max_s)


class RetentionResource(dg.ConfigurableResource):
    """How long raw pages and the lake's snapshots are kept (``storage.retention``); unset: forever."""

    page_retention_days: int | None = Field(default=None, description=(
        f"Raw pages of the days older than this many days are removed ({retention.PAGE_RETENTION_ENV})."))
    snapshot_retention_days: int | None = Field(default=None, description=(
        f"DuckLake snapshots older than this many days are expired, their files deleted "
        f"({retention.SNAPSHOT_RETENTION_ENV}; scale profile)."))


def retention_from_env() -> RetentionResource:
    days = "a whole number of days >= 1 (unset: keep everything)"
    return RetentionResource(
        page_retention_days=env_setting(retention.PAGE_RETENTION_ENV, None, whole_days, days),
        snapshot_retention_days=env_setting(retention.SNAPSHOT_RETENTION_ENV, None, whole_days, days),
    )


class WarehouseResource(DuckDBResource):
    """The warehouse every asset writes: the DuckDB file ``database`` (embedded profile), or the DuckLake
    (scale profile) whose catalog and data path are set here. ``database``'s directory holds the raw
    page store, the alert ledger and reports in both profiles."""

    profile: str = Field(default=profiles.EMBEDDED, description="embedded (one DuckDB file) or scale (DuckLake).")
    lake_catalog: str = Field(default="", description="scale: libpq connection string of the DuckLake catalog.")
    lake_data_path: str = Field(default="", description="scale: directory or s3://… URL of the lake's data files.")

    def warehouse_profile(self) -> profiles.WarehouseProfile:
        return profiles.WarehouseProfile(self.profile, self.lake_catalog, self.lake_data_path)

    @property
    def is_scale(self) -> bool:
        return self.profile == profiles.SCALE

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if not self.is_scale:
            with super().get_connection() as conn:
                yield conn
            return
        with lake.lake_connection(self.warehouse_profile()) as conn:
            yield conn


def warehouse_resource() -> WarehouseResource:
    """The working DuckDB file (MONITOR_WAREHOUSE_PATH, shared with the dbt profile; default data/), or,
    with MONITOR_PROFILE=scale, the lake (MONITOR_LAKE_CATALOG, MONITOR_LAKE_DATA_PATH)."""
    try:
        chosen = profiles.profile_from_env()
    except profiles.ProfileError as exc:
        raise SettingError(str(exc)) from None
    Path(warehouse.warehouse_path()).parent.mkdir(parents=True, exist_ok=True)
    database = env_setting(warehouse.WAREHOUSE_ENV_VAR, str(warehouse.DEFAULT_WAREHOUSE_PATH))
    if not chosen.is_scale:
        return WarehouseResource(database=database)
    return WarehouseResource(database=database, profile=chosen.name,
                             lake_catalog=dg.EnvVar(profiles.LAKE_CATALOG_ENV),
                             lake_data_path=dg.EnvVar(profiles.LAKE_DATA_PATH_ENV))


def feed_poller_from_env() -> FeedPollerResource:
    registry = env_setting(FEEDS_PATH_ENV, str(default_registry_path()))
    path = Path(registry.get_value() if isinstance(registry, dg.EnvVar) else registry)
    if not path.is_file():
        raise SettingError(f"{FEEDS_PATH_ENV} must name a feed list (YAML file), got {str(path)!r}: no such file")
    return FeedPollerResource(registry_path=registry)


def quality_thresholds_from_env() -> QualityThresholdsResource:
    defaults = QualityThresholdsResource()
    fraction = "a share between 0 and 1"
    return QualityThresholdsResource(
        max_failed_extraction_share=env_setting(
            "MONITOR_MAX_FAILED_EXTRACTION_SHARE", defaults.max_failed_extraction_share, share, fraction),
        min_french_share=env_setting("MONITOR_MIN_FRENCH_SHARE", defaults.min_french_share, share, fraction),
        max_failing_feed_share=env_setting(
            "MONITOR_MAX_FAILING_FEED_SHARE", defaults.max_failing_feed_share, share, fraction),
        max_hours_since_successful_poll=env_setting(
            "MONITOR_MAX_HOURS_SINCE_POLL", defaults.max_hours_since_successful_poll, positive_float,
            "a positive number of hours"),
    )


def non_negative_int(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise ValueError(raw)
    return value


def events_from_env() -> EventsResource:
    return EventsResource(window_days=env_setting(
        "MONITOR_EVENT_WINDOW_DAYS", EventsResource().window_days, non_negative_int, "a whole number of days"))


def alerts_from_env() -> AlertsResource:
    defaults = AlertsResource()
    seconds = "a positive number of seconds"
    resource = AlertsResource(
        subscriptions_path=env_setting(ENV_SUBSCRIPTIONS, ""),
        ledger_path=env_setting("MONITOR_ALERT_LEDGER_PATH", ""),
        alert_urls=env_setting(ENV_ALERT_URLS, ""),
        channel_timeout_s=env_setting(ENV_ALERT_TIMEOUT, defaults.channel_timeout_s, positive_float, seconds),
        digest_threshold=env_setting("MONITOR_ALERT_DIGEST_THRESHOLD", defaults.digest_threshold, int, "an integer"),
        ui_base_url=env_setting("MONITOR_DAGSTER_UI_URL", ""),
        backoff_base_s=env_setting("MONITOR_ALERT_BACKOFF_BASE_S", defaults.backoff_base_s, positive_float, seconds),
        backoff_max_s=env_setting("MONITOR_ALERT_BACKOFF_MAX_S", defaults.backoff_max_s, positive_float, seconds),
    )
    try:  # the ledger's own rules (digest threshold >= 1, base <= max backoff), checked at load
        AlertSettings(digest_threshold=resource.digest_threshold, backoff_base_s=resource.backoff_base_s,
                      backoff_max_s=resource.backoff_max_s)
    except ValueError as exc:
        raise SettingError(f"alert settings (MONITOR_ALERT_*): {exc}") from None
    # an invalid subscriptions file fails the load, naming its line and the reason
    load_subscriptions(dg.EnvVar(ENV_SUBSCRIPTIONS).get_value() or None)
    return resource


def cron_setting(name: str, default: str) -> str:
    """A cron expression (read when the code location loads: automation conditions are built then)."""
    value = dg.EnvVar(name).get_value() or default
    try:
        dg.AutomationCondition.cron_tick_passed(value)
    except Exception:
        raise SettingError(f"{name} must be a cron expression such as {default!r}, got {value!r}") from None
    return value


def poll_cron() -> str:
    """When today's partition is polled (and its chain rebuilt): hourly by default."""
    return cron_setting(POLL_CRON_ENV, "0 * * * *")


def daily_cron() -> str:
    """When yesterday's partition is rebuilt from stored HTML, once the day is complete: 06:00 by default."""
    return cron_setting(DAILY_CRON_ENV, "0 6 * * *")


def retention_cron() -> str:
    """When the retention policy is applied: daily at 04:30 by default (before the 06:00 rebuild)."""
    return cron_setting(RETENTION_CRON_ENV, "30 4 * * *")


def resources_from_env() -> dict[str, dg.ConfigurableResource]:
    return {
        "duckdb": warehouse_resource(),
        "dbt": dbt_resource(),
        "feeds": feed_poller_from_env(),
        "processing": ProcessingResource(),
        "quality": quality_thresholds_from_env(),
        "alerts": alerts_from_env(),
        "retention": retention_from_env(),
        "events": events_from_env(),
    }


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=resources_from_env())
