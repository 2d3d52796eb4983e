"""The scale profile's warehouse: a DuckLake whose catalog is a Postgres database and whose data files
live under a shared directory or object storage.

Each connection is an in-memory DuckDB that loads ``ducklake`` and ``postgres_scanner`` from their
packages, attaches the lake as ``lake`` and makes it the default catalog, so every statement the
embedded warehouse runs (``FROM articles``, ``current_database()``…) reaches the lake unchanged.

Several processes write at once. DuckLake itself retries a commit that raced another one when the
two change different things; when they changed the same thing (two deletes in one data file, two
upserts of one table), the loser's commit fails and ``retry_conflicts`` runs its whole transaction
again on the new snapshot, after a backoff with full jitter. A failed commit writes nothing, so a
retry never duplicates a row and a transaction that gives up leaves the previous snapshot.
"""
from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import duckdb

from monitor_pipeline.storage import extensions
from monitor_pipeline.storage.profile import WarehouseProfile
from monitor_pipeline.storage.sql_text import attach_sql

LAKE_ALIAS = "lake"
# A write transaction that keeps conflicting is retried this many times, waiting base * 2^attempt
# (at most MAX) times a random factor in [0, 1): concurrent losers do not retry in lockstep.
CONFLICT_RETRIES = 12
CONFLICT_BACKOFF_BASE_S = 0.05
CONFLICT_BACKOFF_MAX_S = 2.0
# What DuckLake and DuckDB say when a transaction lost a race with another writer.
_CONFLICT_MARKERS = ("conflict", "concurrent", "could not serialize")
T = TypeVar("T")


class LakeWriteConflict(RuntimeError):
    """A write kept conflicting with concurrent writers after every retry (nothing of it was committed)."""


def attach_lake_sql(profile: WarehouseProfile, alias: str = LAKE_ALIAS, read_only: bool = False) -> str:
    """The one ATTACH statement of the lake (ATTACH takes no bound parameter: the values are the
    deployment's own configuration, quoted)."""
    return attach_sql(f"ducklake:postgres:{profile.lake_catalog}", alias, read_only=read_only,
                      data_path=None if read_only else profile.data_path())


def connect_lake(profile: WarehouseProfile, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection whose default catalog is the lake."""
    if not profile.is_scale:
        raise ValueError(f"the {profile.name} profile has no lake")
    conn = duckdb.connect()
    try:
        extensions.load_extensions(conn, extensions.DUCKLAKE, extensions.POSTGRES)
        conn.execute(attach_lake_sql(profile, read_only=read_only))
        conn.execute(f"USE {LAKE_ALIAS}")
    except BaseException:
        conn.close()
        raise
    return conn


@contextmanager
def lake_connection(profile: WarehouseProfile, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    conn = connect_lake(profile, read_only=read_only)
    try:
        yield conn
    finally:
        conn.close()


class LakeConnections:
    """A connection factory for one process's stages: the first call opens one DuckDB instance that
    loads the extensions and attaches the lake; every call yields a connection of its own on that
    instance (its own transaction, the lake as its default catalog), closed when the block ends.

    Loading the two extensions and attaching the catalog cost about 0.3 s each time on this machine,
    once per call when every call opened its own instance; a run's stages call the factory about ten
    times. The instance lives as long as the factory (one step, one run process)."""

    def __init__(self, profile: WarehouseProfile, read_only: bool = False) -> None:
        if not profile.is_scale:
            raise ValueError(f"the {profile.name} profile has no lake")
        self.profile, self.read_only = profile, read_only
        self._instance: duckdb.DuckDBPyConnection | None = None
        self._lock = threading.Lock()

    @contextmanager
    def __call__(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._lock:
            if self._instance is None:
                self._instance = connect_lake(self.profile, read_only=self.read_only)
            conn = self._instance.cursor()  # same instance: extensions and the attached lake shared
        try:
            conn.execute(f"USE {LAKE_ALIAS}")
            yield conn
        finally:
            conn.close()

    def close(self) -> None:
        with self._lock:
            if self._instance is not None:
                self._instance.close()
                self._instance = None


def is_lake(conn: duckdb.DuckDBPyConnection) -> bool:
    """Whether the connection's default catalog is a DuckLake."""
    row = conn.execute("SELECT type FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return bool(row) and row[0] == "ducklake"


def is_conflict(exc: BaseException) -> bool:
    """A failure caused by a concurrent writer, worth running the transaction again for."""
    return isinstance(exc, duckdb.Error) and any(m in str(exc).lower() for m in _CONFLICT_MARKERS)


def backoff_s(attempt: int, rng: random.Random | None = None) -> float:
    """Full jitter: uniform in [0, min(MAX, BASE * 2^attempt))."""
    ceiling = min(CONFLICT_BACKOFF_MAX_S, CONFLICT_BACKOFF_BASE_S * 2 ** attempt)
    return (rng or random).uniform(0.0, ceiling)


def retry_conflicts(attempt_once: Callable[[], T], retries: int = CONFLICT_RETRIES,
                    sleep: Callable[[float], None] = time.sleep) -> T:
    """Run ``attempt_once`` (one whole transaction, rolled back when it raises) until it does not fail
    on a write conflict; after ``retries`` conflicts, LakeWriteConflict."""
    for attempt in range(retries + 1):
        try:
            return attempt_once()
        except duckdb.Error as exc:
            if not is_conflict(exc):
                raise
            if attempt == retries:
                raise LakeWriteConflict(
                    f"gave up after {retries + 1} attempts, each conflicting with a concurrent writer; nothing "
                    f"of this write was committed. Last error: {exc}") from exc
            sleep(backoff_s(attempt))
    raise AssertionError("unreachable")
