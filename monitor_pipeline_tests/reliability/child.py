"""A pipeline stage run in a child process, with optional injected faults, for the crash tests.

Usage: ``python -m monitor_pipeline_tests.reliability.child '<json spec>'``. The spec names the stage
(``poll``, ``fetch_pages``, ``build_articles``, ``replace_large``), the DuckDB file, the day, and faults:

* ``hang_in_table``: after rows are inserted into this table (inside the open transaction), create
  ``marker`` and sleep ``hold_s`` seconds, so the parent can SIGKILL the run mid-write or observe
  another writer waiting for the lock;
* ``marker_before_connect``: create that file just before the first connection attempt;
* ``marker_before_write``: create ``marker`` just before a large partition write starts (no hook:
  the parent kills at an arbitrary moment of the real write);
* ``fsize_limit``: RLIMIT_FSIZE in bytes, the largest file the run may write (a full disk): the
  write-ahead log and any database growth beyond it fail with EFBIG.

The last stdout line is a JSON object: ``{"ok": true, "report": ...}`` or
``{"ok": false, "error_type": ..., "error": ...}``.
"""
from __future__ import annotations

import json
import os
import resource
import signal
import sys
import time
from dataclasses import fields, is_dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from monitor_pipeline_tests.partition_writes import replace_partition
from monitor_pipeline import stages
from monitor_pipeline.storage import warehouse
from monitor_pipeline.core.ingest.feed_state import PollPolicy
from monitor_pipeline.core.ingest.fetch import HttpSettings
from monitor_pipeline.core.ingest.registry import FeedSource
from monitor_pipeline.storage.spool import SPOOL_CATALOG


def connection_factory(db: str, kind: str, marker_before_connect: str | None = None):
    """``resource``: Dagster's DuckDBResource (what the assets use); ``retry``: warehouse.connect_with_retry.

    With ``marker_before_connect``, that file is created just before the first connection attempt."""
    inner = _plain_factory(db, kind)
    if not marker_before_connect:
        return inner

    def connect():
        Path(marker_before_connect).touch()
        return inner()

    return connect


def _plain_factory(db: str, kind: str):
    if kind == "resource":
        from dagster_duckdb import DuckDBResource

        return DuckDBResource(database=db).get_connection

    return warehouse.connection_factory(db, timeout_s=60)


def install_hang_hook(table: str, marker: str, hold_s: float) -> None:
    """Sleep inside the working database's write transaction right after rows reach ``table``
    (a direct insert, or the copy from a stage's spool; appends to the spool itself are not it)."""
    original_insert, original_copy = warehouse.insert_many, warehouse._copy_rows

    def hold(conn, name) -> None:
        in_spool = conn.cursor().execute("SELECT current_database()").fetchone()[0] == SPOOL_CATALOG
        if name == table and not in_spool:
            Path(marker).write_text(str(os.getpid()))
            time.sleep(hold_s)

    def hooked_insert(conn, name, rows):
        original_insert(conn, name, rows)
        if rows:
            hold(conn, name)

    def hooked_copy(conn, name, catalog):
        original_copy(conn, name, catalog)
        hold(conn, name)

    warehouse.insert_many = hooked_insert
    warehouse._copy_rows = hooked_copy


def large_rows(day: str, count: int, tag: str) -> list[dict[str, Any]]:
    text = "Une entreprise française d'intelligence artificielle recrute des ingénieurs à Lyon. " * 20
    return [{"article_id": f"{tag}-{day}-{i:06d}", "partition_day": day, "source_id": "charge",
             "url": f"https://presse.example/{tag}/{i}", "status": "ok", "title": f"Article {tag} {i}",
             "language": "fr", "text": text, "word_count": 240} for i in range(count)]


def run(spec: dict[str, Any]) -> Any:
    db, day = spec["db"], spec["day"]
    connect = connection_factory(db, spec.get("factory", "retry"), spec.get("marker_before_connect"))
    if spec.get("hang_in_table"):
        install_hang_hook(spec["hang_in_table"], spec["marker"], float(spec.get("hold_s", 60)))
    if spec.get("fsize_limit"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG (an error) instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (int(spec["fsize_limit"]), resource.RLIM_INFINITY))
    stage = spec["stage"]
    http = HttpSettings(**spec.get("http", {}))
    now = datetime.fromisoformat(spec["now"]) if spec.get("now") else None
    if stage == "poll":
        sources = [FeedSource(**s) for s in spec["sources"]]
        return stages.poll_feeds(connect, sources, http, PollPolicy(), day, now=now)
    if stage == "fetch_pages":
        return stages.fetch_pages(connect, day, http)
    if stage == "build_articles":
        return stages.build_articles(connect, day, workers=1, timeout_s=30)
    if stage == "replace_large":
        rows = large_rows(day, int(spec["rows"]), spec.get("tag", "new"))
        with connect() as conn:
            warehouse.ensure_schema(conn)
            if spec.get("marker_before_write"):
                Path(spec["marker"]).write_text(str(os.getpid()))
            replace_partition(conn, day, {"articles": rows})
        return {"rows": len(rows)}
    raise ValueError(f"unknown stage {stage!r}")


def jsonable(value: Any) -> Any:
    """Reports hold Counters keyed by tuples: make every mapping key a string."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def main(argv: list[str]) -> int:
    spec = json.loads(argv[1])
    try:
        report = run(spec)
    except Exception as exc:  # reported to the parent, which asserts on it
        print(json.dumps({"ok": False, "error_type": type(exc).__name__, "error": str(exc)}), flush=True)
        return 1
    body = {f.name: getattr(report, f.name) for f in fields(report)} if is_dataclass(report) else report
    print(json.dumps({"ok": True, "report": jsonable(body)}, default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
