"""Jobs: the whole chain for one day, and the recomputation from stored HTML (no network).
Both are partitioned like their assets (daily, Europe/Paris); Dagster infers it from the selection."""
import dagster as dg

daily_pipeline_job = dg.define_asset_job(
    "daily_pipeline",
    selection=dg.AssetSelection.all(),
    description="Poll, fetch, extract, tag, aggregate and publish one day.",
)

# A backfill after a tagger or extraction improvement: everything downstream of the stored pages.
recompute_job = dg.define_asset_job(
    "recompute_from_stored_html",
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("ingest"),
    description="Recompute articles, mentions and marts from stored HTML, with no network.",
)
