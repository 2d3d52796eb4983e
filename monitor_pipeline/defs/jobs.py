"""Jobs for manual runs and backfills: the whole chain for one day, and the recomputation from stored
HTML (no network). Both are partitioned like their assets (daily, Europe/Paris); Dagster infers it
from the selection. Routine runs come from the assets' automation conditions, not from these jobs."""
import os

import dagster as dg

# Run monitoring (deploy/dagster.yaml) cancels, then fails, a run past this many seconds: a day's run
# takes 1-3 minutes, so an hour means it hangs; it then stops holding the warehouse pool.
MAX_RUNTIME_TAGS = {"dagster/max_runtime": os.environ.get("MONITOR_MAX_RUNTIME_S", "3600")}

# The retention sweep (group `maintenance`) runs on its own cron, never as part of a day's run.
MAINTENANCE = dg.AssetSelection.groups("maintenance")

daily_pipeline_job = dg.define_asset_job(
    "daily_pipeline",
    selection=dg.AssetSelection.all() - MAINTENANCE,
    description="Poll, fetch, extract, tag, aggregate and publish one day.",
    run_tags=MAX_RUNTIME_TAGS,
)

# A backfill after a tagger or extraction improvement: everything downstream of the stored pages.
recompute_job = dg.define_asset_job(
    "recompute_from_stored_html",
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("ingest") - MAINTENANCE,
    description="Recompute articles, mentions and marts from stored HTML, with no network.",
    run_tags=MAX_RUNTIME_TAGS,
)


@dg.definitions
def jobs_and_executor() -> dg.Definitions:
    """Every job, including the UI's ad-hoc materializations, runs its steps one after another in the run's
    own process (the in-process executor). The default multiprocess executor starts one process per step,
    and each of them imports the code location, loads spaCy and starts the extraction workers again: a
    300-page day took 112 s that way against 27 s in process. The steps that write the warehouse are
    serialized by their pool anyway; extraction and tagging keep their own worker processes."""
    return dg.Definitions(jobs=[daily_pipeline_job, recompute_job], executor=dg.in_process_executor)
