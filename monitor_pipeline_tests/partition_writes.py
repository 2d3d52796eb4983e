"""Writing a whole partition from rows in memory, for tests that need one written (the pipeline itself
publishes partitions from a spool: ``warehouse.replace_partition_from``). Built on the warehouse's own
``transaction`` and ``insert_many``."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from monitor_pipeline.storage import warehouse


def replace_partition(conn, day: str, tables: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
    """Delete-then-insert the rows of one partition day, for several tables, in one transaction."""
    with warehouse.transaction(conn):
        for table, rows in tables.items():
            if table not in warehouse.TABLES:
                raise ValueError(f"not a warehouse table: {table!r}")
            conn.execute(f"DELETE FROM {table} WHERE partition_day = ?", [day])
            warehouse.insert_many(conn, table, rows)
