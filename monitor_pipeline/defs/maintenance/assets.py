"""Maintenance: the retention policy (raw pages, the lake's old snapshots), applied once a day."""
from datetime import datetime, timezone
from typing import Any

import dagster as dg
from dagster_duckdb import DuckDBResource

from monitor_pipeline.defs.policies import PIPELINE_TIMEZONE, WAREHOUSE_POOL, today_partition_key
from monitor_pipeline.defs.resources import RetentionResource, retention_cron
from monitor_pipeline.storage import warehouse
from monitor_pipeline.storage.retention import ducklake_catalog, expire_snapshots, remove_old_pages


@dg.asset(
    kinds={"python", "duckdb"},
    group_name="maintenance",
    pool=WAREHOUSE_POOL,
    automation_condition=dg.AutomationCondition.on_cron(retention_cron(), PIPELINE_TIMEZONE),
)
def retention_sweep(context: dg.AssetExecutionContext, duckdb: DuckDBResource,
                    retention: RetentionResource) -> dg.MaterializeResult:
    """Applies the retention policy (MONITOR_PAGE_RETENTION_DAYS, MONITOR_SNAPSHOT_RETENTION_DAYS; unset:
    keep everything): removes the raw pages of the days older than the page retention (content a kept
    day shares stays; the days removed are recorded in ``page_retention`` first, so a rebuild of one says
    why it cannot), and, on the scale profile's DuckLake, expires the snapshots older than the snapshot
    retention and deletes the data files no snapshot left needs. Articles, mentions and marts are never
    touched. Daily on MONITOR_RETENTION_CRON (04:30 Europe/Paris by default)."""
    now = datetime.now(timezone.utc)
    today = datetime.fromisoformat(today_partition_key()).date()
    metadata: dict[str, Any] = {
        "page_retention_days": retention.page_retention_days if retention.page_retention_days else "keep",
        "snapshot_retention_days": retention.snapshot_retention_days if retention.snapshot_retention_days else "keep",
    }
    with duckdb.get_connection() as conn:
        pages = remove_old_pages(conn, warehouse.page_store(conn), retention.page_retention_days, today, now)
        catalog = ducklake_catalog(conn)
        snapshots = expire_snapshots(conn, catalog, retention.snapshot_retention_days, now) if catalog else None
    if pages.cutoff_day is not None:
        metadata.update({
            "pages_kept_from_day": pages.cutoff_day.isoformat(),
            "days_whose_pages_were_removed": ", ".join(pages.days) or "none",
            "page_files_removed": pages.files_removed,
            "page_bytes_freed": pages.bytes_freed,
            "page_files_shared_with_kept_days": pages.files_shared_with_kept_days,
        })
        if pages.files_recently_stored:
            context.log.warning(f"{pages.files_recently_stored} page files of expired days were stored again "
                                "within the last hour: kept for now, removed by the next sweep")
    if snapshots is not None and snapshots.older_than is not None:
        metadata.update({"snapshots_expired": snapshots.snapshots_expired,
                         "lake_files_deleted": snapshots.files_deleted,
                         "snapshots_left": snapshots.snapshots_left})
    elif retention.snapshot_retention_days and catalog is None:
        metadata["snapshots"] = "no DuckLake (embedded profile): no snapshots to expire"
    return dg.MaterializeResult(metadata=metadata)
