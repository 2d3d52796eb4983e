"""A stage's output rows kept on disk while it computes, then published in one short transaction.

A stage that holds a whole partition's rows in memory grows with the partition (20,000 articles
with their text, sentence offsets and mentions are gigabytes of Python objects). Instead it
appends each batch to a private DuckDB file (the spool: no other process opens it, so no lock is
ever waited for), and at the end ``publish`` attaches that file to the working database and
replaces the partition with one DELETE + INSERT … SELECT per table in a single transaction:
DuckDB streams the copy, the working file is locked only for that copy, and a run that fails or
is killed before ``publish`` leaves the previous partition untouched.
"""
from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb

from monitor_pipeline.storage import warehouse
from monitor_pipeline.storage.sql_text import attach_sql

SPOOL_CATALOG = "spool"  # the spool file's stem, hence its catalog name once attached
# DuckDB keeps a transaction's uncommitted rows in memory, and a file's blocks in its buffer cache, up
# to its memory limit (by default 80 % of the RAM): 20,000 articles published in one transaction held
# ~3 times their size. The spool is capped (the rest is spilled to a temp file), so its memory does not
# grow with the partition. The publishing transaction is not: rows it inserts into a table with a primary
# key stay in memory until the commit, and a 32MB cap ran out of memory at 20,000 articles.
SPOOL_MEMORY_LIMIT = "64MB"


class PartitionSpool:
    """Rows for some of the warehouse's tables, appended in batches, published for one day.

    Appended rows are written to the spool once ``buffer_rows`` of them are pending (0: at every
    append): each write is a DataFrame scan and a commit, worth batching for small rows."""

    def __init__(self, tables: Iterable[str], buffer_rows: int = 0) -> None:
        self.tables = list(tables)
        unknown = [t for t in self.tables if t not in warehouse.TABLES]
        if unknown:
            raise ValueError(f"not warehouse tables: {unknown}")
        self._dir = Path(tempfile.mkdtemp(prefix="monitor-spool-"))
        self.path = self._dir / f"{SPOOL_CATALOG}.duckdb"
        self._conn: duckdb.DuckDBPyConnection | None = duckdb.connect(
            str(self.path), config={"memory_limit": SPOOL_MEMORY_LIMIT, "threads": 1})
        self.rows = dict.fromkeys(self.tables, 0)
        self.buffer_rows = buffer_rows
        self._pending: dict[str, list[Mapping[str, Any]]] = {t: [] for t in self.tables}
        self._pending_count = 0
        for table in self.tables:
            self._conn.execute(f"CREATE TABLE {table} ({warehouse.TABLES[table]})")

    def __enter__(self) -> "PartitionSpool":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The spool's own connection, every appended row written."""
        if self._conn is None:
            raise RuntimeError("the spool is closed")
        self.flush()
        return self._conn

    def append(self, batches: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
        """Append one batch of rows per table."""
        if self._conn is None:
            raise RuntimeError("the spool is closed")
        for table, rows in batches.items():
            if table not in self._pending:
                raise ValueError(f"{table!r} is not spooled here")
            self._pending[table].extend(rows)
            self._pending_count += len(rows)
            self.rows[table] += len(rows)
        if self._pending_count >= self.buffer_rows:
            self.flush()

    def flush(self) -> None:
        """Write the pending rows to the spool file."""
        for table, rows in self._pending.items():
            if rows:
                warehouse.insert_rows(self._conn, table, rows)
                self._pending[table] = []
        self._pending_count = 0

    def publish(self, conn: duckdb.DuckDBPyConnection, day: str) -> None:
        """Replace ``day``'s rows of every spooled table in the working database, in one transaction."""
        if self._conn is not None:
            self.flush()
            self._conn.close()
            self._conn = None
        # No memory cap here: a transaction's rows for a table with a primary key stay in memory until the
        # commit (a 32MB cap ran out of memory at 20,000 articles), so the publish takes DuckDB's default.
        conn.execute(attach_sql(self.path, SPOOL_CATALOG, read_only=True))
        try:
            warehouse.replace_partition_from(conn, day, SPOOL_CATALOG, self.tables)
        finally:
            conn.execute(f"DETACH {SPOOL_CATALOG}")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        shutil.rmtree(self._dir, ignore_errors=True)
