"""The whole Dagster job for one partition, run the way `make demo` runs it (``demo.run_partition``:
dead-run check, process tags, pool wait watch), in a child process the crash tests can SIGKILL.

Usage: ``python -m monitor_pipeline_tests.reliability.pipeline_child '<json spec>'``, with
``DAGSTER_HOME`` and ``MONITOR_WAREHOUSE_PATH`` in the environment. Spec: ``registry`` (feed registry
file), ``day``, optional ``pool_wait_limit_s``, and optionally a hold point (test hooks live here, not
in the package):

* ``hold_at``: one of ``HOLD_POINTS``. When the run reaches it (holding the warehouse pool slot and,
  for the Python stages, inside the working database's write transaction) the child writes ``marker``
  and waits until ``release`` exists (or ``hold_s`` passes): the parent SIGKILLs it there, or keeps
  it holding the slot while another run waits.

The last stdout line is a JSON object: ``{"ok": bool, "run_id": ..., "status": ...}``.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

#: hold point -> what it wraps. Python stages: right after rows reach the table inside the write
#: transaction (a direct insert, or the copy from the stage's spool). dbt: after dbt reported its
#: first built model (dbt is mid-build). publish: the analysts' copy is written to its temporary
#: file, just before the atomic rename.
HOLD_POINTS = {
    "poll": "feed_entries",
    "pages": "article_pages",
    "articles": "articles",
    "mentions": "company_mentions",
    "dbt": None,
    "publish": None,
}


def _hold(marker: str, release: str | None, hold_s: float) -> None:
    """Write ``marker`` (this process's pid) and wait for ``release``. Only the first run to get here
    holds: a run that finds the marker already written goes on (the next run of the same code
    location, in the daemon test)."""
    try:
        with open(marker, "x", encoding="ascii") as f:
            f.write(str(os.getpid()))
    except FileExistsError:
        return
    deadline = time.monotonic() + hold_s
    while time.monotonic() < deadline and not (release and Path(release).exists()):
        time.sleep(0.05)


def install_hold(point: str, marker: str, release: str | None, hold_s: float) -> None:
    from monitor_pipeline.storage import warehouse

    table = HOLD_POINTS[point]
    if table is not None:
        _hold_inside_transaction(table, marker, release, hold_s)
        return
    if point == "dbt":
        from dagster_dbt.core.dbt_cli_invocation import DbtCliInvocation

        original_stream = DbtCliInvocation.stream

        def stream(self, *args, **kwargs):
            for index, event in enumerate(original_stream(self, *args, **kwargs)):
                yield event
                if index == 0:
                    _hold(marker, release, hold_s)

        DbtCliInvocation.stream = stream
        return
    if point == "publish":
        original_replace = os.replace

        def replace(src, dst, *args, **kwargs):
            if Path(dst).name == warehouse.analytics_path().name:
                _hold(marker, release, hold_s)
            return original_replace(src, dst, *args, **kwargs)

        warehouse.os.replace = replace
        return
    raise ValueError(f"unknown hold point {point!r}")


def _hold_inside_transaction(table: str, marker: str, release: str | None, hold_s: float) -> None:
    """Hold inside the working database's write transaction right after rows reach ``table`` (the
    stages write through ``warehouse.insert_many`` and ``warehouse._copy_rows``; the spools' own
    appends are not it)."""
    from monitor_pipeline.storage import warehouse
    from monitor_pipeline.storage.spool import SPOOL_CATALOG

    original_insert, original_copy = warehouse.insert_many, warehouse._copy_rows

    def reached(conn, name) -> None:
        in_spool = conn.cursor().execute("SELECT current_database()").fetchone()[0] == SPOOL_CATALOG
        if name == table and not in_spool:
            _hold(marker, release, hold_s)

    def insert_many(conn, name, rows):
        original_insert(conn, name, rows)
        if rows:
            reached(conn, name)

    def copy_rows(conn, name, catalog):
        original_copy(conn, name, catalog)
        reached(conn, name)

    warehouse.insert_many = insert_many
    warehouse._copy_rows = copy_rows


def main(argv: list[str]) -> int:
    spec: dict[str, Any] = json.loads(argv[1])
    if spec.get("hold_at"):
        install_hold(spec["hold_at"], spec["marker"], spec.get("release"), float(spec.get("hold_s", 300)))
    import warnings

    import dagster as dg

    from monitor_pipeline.demo import run_partition

    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    warnings.filterwarnings("ignore", category=dg.PreviewWarning)
    instance = dg.DagsterInstance.get()
    result = run_partition(spec["registry"], spec["day"], instance, pool_wait_limit_s=spec.get("pool_wait_limit_s"))
    run = instance.get_run_by_id(result.run_id)
    print(json.dumps({"ok": result.success, "run_id": result.run_id, "status": run.status.value}), flush=True)
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
