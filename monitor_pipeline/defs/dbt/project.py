"""The dbt project the marts are built with, its manifest, and the dbt command the pipeline runs.

``dg dev`` / ``dagster dev`` parse the project at every load (``prepare_if_dev``), so an edited model
shows at once. ``make install`` prepares the manifest, and ``make test`` / ``make demo`` prepare it
again whenever a model, macro or ``dbt_project.yml`` changed; a fresh clone that has not run make
gets its manifest parsed at its first load."""
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from monitor_pipeline.storage import warehouse

DBT_PROJECT_DIR = warehouse.PROJECT_ROOT / "dbt_project"


def dbt_executable() -> str:
    """The dbt command next to this Python (the venv's), so PATH need not include the venv:
    ``monitor-dbt`` (dbt itself, with a fast ``--version``: see ``monitor_pipeline.dbt_launcher``),
    else ``dbt``."""
    for name in ("monitor-dbt", "dbt"):
        beside = Path(sys.executable).parent / name
        if beside.exists():
            return str(beside)
    return "dbt"


class MonitorDbtCliResource(DbtCliResource):
    """dagster-dbt's resource, without the dbt adapter it builds in the run's own process before every
    invocation. That adapter only serves ``fetch_row_counts()`` and ``fetch_column_metadata()``, which
    this project does not call (row counts come from DuckDB once dbt is done). Building it parses dbt's
    ~500 built-in macros: 0.9-1.2 s per invocation, 2.4-3.5 s in a fresh run process. dagster-dbt has
    no setting for it, so its hook is overridden here. If dagster-dbt stops calling the hook, it simply
    builds the adapter again, and ``test_dbt_launcher`` fails to say so."""

    def _initialize_dbt_core_adapter(self, args):
        return None


def dbt_resource() -> DbtCliResource:
    return MonitorDbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())


dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()
if not dbt_project.manifest_path.exists():  # a fresh clone, before `make install`
    dbt_resource().cli(["parse", "--quiet"], target_path=dbt_project.target_path).wait()
