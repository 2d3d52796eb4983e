"""The `monitor-pipeline` subcommands: the same core and storage code as the assets, JSON or text out."""
from __future__ import annotations

import sys
from pathlib import Path


def analysts_database(db_arg: str | Path | None) -> Path | None:
    """The analysts' database a command reads (``--db`` or the published copy); None, after one clear
    line on stderr, when it does not exist yet."""
    from monitor_pipeline.storage import warehouse

    db = Path(db_arg or warehouse.analytics_path())
    if not db.is_file():
        print(f"error: no analysts' database at {db}: run `make demo` (or the daily job) first", file=sys.stderr)
        return None
    return db
