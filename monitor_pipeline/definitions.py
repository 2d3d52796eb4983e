"""The Dagster code location: ``dg dev``, ``dg check defs`` and ``workspace.yaml`` load ``defs`` from
here; everything in it is found in the ``defs/`` folder (one sub-folder per domain)."""
from pathlib import Path

import dagster as dg


def build_definitions(resource_overrides: dict | None = None) -> dg.Definitions:
    """Everything under ``defs/``, with some resources replaced (the demo's and the tests' feed list)."""
    loaded = dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
    if not resource_overrides:
        return loaded
    return dg.Definitions(
        assets=loaded.assets, asset_checks=loaded.asset_checks, jobs=loaded.jobs, schedules=loaded.schedules,
        sensors=loaded.sensors, resources={**(loaded.resources or {}), **resource_overrides},
        executor=loaded.executor, loggers=loaded.loggers, metadata=loaded.metadata,
        component_tree=loaded.component_tree,
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()
