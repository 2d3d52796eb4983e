"""One partition per day, keyed by the day an entry was first seen (Europe/Paris)."""
from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg

PIPELINE_TIMEZONE = "Europe/Paris"
# The first day the pipeline holds data for; backfills start here at the earliest.
PARTITIONS_START = "2026-01-01"

daily_partitions = dg.DailyPartitionsDefinition(
    start_date=PARTITIONS_START,
    timezone=PIPELINE_TIMEZONE,
    end_offset=1,  # today's partition exists, so the hourly poll can fill it as the day goes
)


def today_partition_key(now: datetime | None = None) -> str:
    now = now or datetime.now(ZoneInfo(PIPELINE_TIMEZONE))
    return now.astimezone(ZoneInfo(PIPELINE_TIMEZONE)).date().isoformat()
