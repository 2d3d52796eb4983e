"""A dbt-duckdb plugin for the scale profile's dbt target (``dbt_project/profiles.yml``, target ``scale``):
it loads ``ducklake`` and ``postgres_scanner`` from their PyPI packages on every connection dbt opens,
before dbt attaches the lake. dbt-duckdb's own ``extensions`` setting would run ``INSTALL`` (a download)."""
from __future__ import annotations

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from monitor_pipeline.storage import extensions


class Plugin(BasePlugin):
    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        extensions.load_extensions(conn, extensions.DUCKLAKE, extensions.POSTGRES)
