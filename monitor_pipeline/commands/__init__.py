"""The `monitor-pipeline` subcommands: the same core and storage code as the assets, JSON or text out."""
from __future__ import annotations

import sys
from pathlib import Path


def analysts_database(db_arg: str | Path | None) -> Path | None:
    """The analysts' database a command reads (``--db`` or the published copy); None, after one clear
    line on stderr, when it does not exist yet."""
    from monitor_pipeline.storage import warehouse
    from monitor_pipeline.storage.profile import ProfileError, profile_from_env

    try:
        scale = profile_from_env().is_scale
    except ProfileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None
    if scale and not db_arg:
        print("error: full-text search is unavailable in the scale profile (MONITOR_PROFILE=scale): it reads the "
              "embedded profile's analysts' copy and its index, which the scale profile does not publish. "
              "`monitor-pipeline sql` opens the lake itself (docs/ANALYSTS.md, \"Reading the lake\"); "
              "--db reads an embedded analysts' copy", file=sys.stderr)
        return None
    db = Path(db_arg or warehouse.analytics_path())
    if not db.is_file():
        print(f"error: no analysts' database at {db}: run `make demo` (or the daily job) first", file=sys.stderr)
        return None
    return db
