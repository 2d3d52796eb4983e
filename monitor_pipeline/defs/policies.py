"""Policies every domain of the Dagster layer shares: the daily partitions, the warehouse pool, how a
backfill splits into runs, and how network steps retry."""
import warnings
from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg

from monitor_pipeline import stages
from monitor_pipeline.storage.profile import profile_from_env

PIPELINE_TIMEZONE = "Europe/Paris"
# The first day the pipeline holds data for; backfills start here at the earliest.
PARTITIONS_START = "2026-01-01"

# One partition per day, keyed by the day an entry was first seen (Europe/Paris).
daily_partitions = dg.DailyPartitionsDefinition(
    start_date=PARTITIONS_START,
    timezone=PIPELINE_TIMEZONE,
    end_offset=1,  # today's partition exists, so the hourly poll can fill it as the day goes
)

# Every step that writes the working DuckDB file takes this pool: DuckDB allows one writing process.
WAREHOUSE_POOL = "duckdb_warehouse"

# Each run handles one day: a backfill of N days is N small runs the pool serializes.
ONE_DAY_PER_RUN = dg.BackfillPolicy.multi_run(max_partitions_per_run=1)

# Scale profile: several runs build dbt models on the same lake; a build that lost a race with another run's
# (a DuckLake commit conflict, two creations of the same staging view) is run again, spread out. Each model's
# writes are one transaction and idempotent per partition window, so a rerun loses or duplicates nothing.
LAKE_DBT_RETRY = dg.RetryPolicy(max_retries=4, delay=2, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.FULL)


def dbt_retry_policy() -> dg.RetryPolicy | None:
    """LAKE_DBT_RETRY in the scale profile; none in the embedded one (one writer: a failing model fails the
    run at once)."""
    return LAKE_DBT_RETRY if profile_from_env().is_scale else None


# Feeds and pages come over the network: a failed step is retried, spread out so hosts are not hammered.
NETWORK_RETRY = dg.RetryPolicy(max_retries=2, delay=10, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.FULL)


def today_partition_key(now: datetime | None = None) -> str:
    """Today's partition key in the pipeline's timezone."""
    now = now or datetime.now(ZoneInfo(PIPELINE_TIMEZONE))
    return now.astimezone(ZoneInfo(PIPELINE_TIMEZONE)).date().isoformat()


def lookback(days: int) -> dg.TimeWindowPartitionMapping:
    """A partition reads the ``days`` partitions before it (a self-dependency Dagster can see: lineage,
    and backfills run the days in order). The first days of the range simply have fewer."""
    with warnings.catch_warnings():
        # `allow_nonexistent_upstream_partitions` (what lets those first days run) is beta in Dagster 1.13:
        # its warning, printed on every load, would end up in every command's output.
        warnings.simplefilter("ignore", dg.BetaWarning)
        return dg.TimeWindowPartitionMapping(start_offset=-days, end_offset=-1,
                                             allow_nonexistent_upstream_partitions=True)


# articles compares a day's pages with the syndication signatures of the 14 days before.
SYNDICATION_LOOKBACK = lookback(stages.SYNDICATION_LOOKBACK_DAYS)
# The poll skips an entry whose title its source published in the 7 days before.
TITLE_LOOKBACK = lookback(stages.TITLE_LOOKBACK_DAYS)
