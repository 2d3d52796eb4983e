"""Which warehouse the pipeline writes: the profile, read from the environment and checked here.

- ``embedded`` (the default, ``make demo``): one DuckDB file (``MONITOR_WAREHOUSE_PATH``), one writing
  process at a time, the analysts' read-only copy beside it.
- ``scale``: a DuckLake whose catalog is a Postgres database (``MONITOR_LAKE_CATALOG``, a libpq
  connection string) and whose data files live under ``MONITOR_LAKE_DATA_PATH`` (a shared directory or
  ``s3://…``); several processes write different partitions at once and analysts attach the lake.
  ``MONITOR_WAREHOUSE_PATH``'s directory still holds the raw page store, the alert ledger and reports.

Pure: no connection is opened here. ``monitor_pipeline.defs.resources`` builds the Dagster resource from
the same variables.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROFILE_ENV = "MONITOR_PROFILE"
LAKE_CATALOG_ENV = "MONITOR_LAKE_CATALOG"
LAKE_DATA_PATH_ENV = "MONITOR_LAKE_DATA_PATH"
EMBEDDED, SCALE = "embedded", "scale"
PROFILES = (EMBEDDED, SCALE)
# Data paths DuckDB reaches through an extension (httpfs, azure) rather than the local file system.
REMOTE_SCHEMES = ("s3://", "gcs://", "gs://", "r2://", "az://", "azure://", "abfss://", "hf://")


class ProfileError(ValueError):
    """The profile's variables hold values the pipeline cannot use."""


@dataclass(frozen=True)
class WarehouseProfile:
    name: str = EMBEDDED
    lake_catalog: str = ""  # libpq connection string of the DuckLake catalog database (scale)
    lake_data_path: str = ""  # where DuckLake writes its Parquet files (scale)

    def __post_init__(self) -> None:
        if self.name not in PROFILES:
            raise ProfileError(f"{PROFILE_ENV} must be one of {', '.join(PROFILES)}, got {self.name!r}")
        if self.name == SCALE:
            if not self.lake_catalog.strip():
                raise ProfileError(f"{PROFILE_ENV}=scale needs {LAKE_CATALOG_ENV}: the libpq connection string of "
                                   "the Postgres database holding the DuckLake catalog, e.g. "
                                   "'host=db port=5432 dbname=lake user=monitor'")
            if not self.lake_data_path.strip():
                raise ProfileError(f"{PROFILE_ENV}=scale needs {LAKE_DATA_PATH_ENV}: the directory (shared by every "
                                   "machine that writes) or s3://bucket/prefix/ where the lake's data files go")
            if "\x00" in self.lake_catalog + self.lake_data_path:
                raise ProfileError(f"{LAKE_CATALOG_ENV} and {LAKE_DATA_PATH_ENV} cannot contain NUL characters")

    @property
    def is_scale(self) -> bool:
        return self.name == SCALE

    def data_path(self) -> str:
        """The lake's data path as DuckLake wants it: a remote URL as given, a local directory absolute,
        created, with a trailing separator."""
        if self.lake_data_path.startswith(REMOTE_SCHEMES):
            return self.lake_data_path
        local = Path(self.lake_data_path).expanduser().resolve()
        local.mkdir(parents=True, exist_ok=True)
        return str(local) + os.sep


def profile_from_env(environ: Mapping[str, str] | None = None) -> WarehouseProfile:
    """The profile the environment asks for (``embedded`` when ``MONITOR_PROFILE`` is unset or blank);
    raises ProfileError naming the variable when a value is unusable."""
    env = os.environ if environ is None else environ
    name = (env.get(PROFILE_ENV) or "").strip().lower() or EMBEDDED
    return WarehouseProfile(name=name, lake_catalog=(env.get(LAKE_CATALOG_ENV) or "").strip(),
                            lake_data_path=(env.get(LAKE_DATA_PATH_ENV) or "").strip())
