"""Resources: the warehouse, the feed poller settings, quality thresholds, alert settings, dbt."""

import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject
from dagster_duckdb import DuckDBResource

from monitor_pipeline import warehouse
from monitor_pipeline.core.ingest.feed_state import PollPolicy
from monitor_pipeline.core.ingest.fetch import HttpSettings
from monitor_pipeline.core.ingest.registry import FeedSource, default_registry_path, load_registry

DBT_PROJECT_DIR = warehouse.PROJECT_ROOT / "dbt_project"
dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR)


class FeedPollerResource(dg.ConfigurableResource):
    """Which feeds to poll and how politely: the registry file and the HTTP limits."""

    registry_path: str = str(default_registry_path())
    allow_hosts: list[str] = []
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 15.0
    max_concurrency: int = 32
    per_host_concurrency: int = 2
    per_host_min_interval_s: float = 0.25
    max_retries: int = 3
    feed_max_bytes: int = 10 * 2**20
    page_max_bytes: int = 5 * 2**20
    default_interval_minutes: int = 60
    max_consecutive_failures: int = 8

    def sources(self) -> list[FeedSource]:
        return load_registry(self.registry_path)

    def http_settings(self) -> HttpSettings:
        return HttpSettings(
            connect_timeout_s=self.connect_timeout_s, read_timeout_s=self.read_timeout_s,
            max_concurrency=self.max_concurrency, per_host_concurrency=self.per_host_concurrency,
            per_host_min_interval_s=self.per_host_min_interval_s, max_retries=self.max_retries,
            feed_max_bytes=self.feed_max_bytes, page_max_bytes=self.page_max_bytes,
            allow_hosts=tuple(self.allow_hosts),
        )

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


def warehouse_resource(path: str | None = None) -> DuckDBResource:
    database = path or warehouse.warehouse_path()
    Path(database).parent.mkdir(parents=True, exist_ok=True)
    return DuckDBResource(database=database)


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


def _manifest_is_stale(project: DbtProject) -> bool:
    if not project.manifest_path.exists():
        return True
    built = project.manifest_path.stat().st_mtime
    sources = [project.project_dir / "dbt_project.yml", *project.project_dir.glob("models/**/*"),
               *project.project_dir.glob("macros/**/*"), *project.project_dir.glob("tests/**/*")]
    return any(p.is_file() and p.stat().st_mtime > built for p in sources)


def ensure_dbt_manifest(project: DbtProject = dbt_project) -> Path:
    """`dagster dev` parses the project itself; everywhere else, parse when the manifest is missing or
    older than the project's files (so a fresh clone and an edited model both just work)."""
    if _manifest_is_stale(project):
        dbt_resource().cli(["parse", "--quiet"], target_path=project.target_path).wait()
    return project.manifest_path
