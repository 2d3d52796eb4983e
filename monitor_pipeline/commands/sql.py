"""`monitor-pipeline sql` (`make sql`): the DuckDB command line on the analysts' database, read-only.

The CLI is the ``duckdb-cli`` package at the project's pinned DuckDB version; the full-text search
extension is loaded from its PyPI package (nothing is downloaded), so the guide's search query works.
Without ``-c`` it opens the interactive prompt (``.quit`` to leave); SQL piped on stdin is run too.
In the scale profile (MONITOR_PROFILE=scale) it opens the lake itself, read-only: ``ducklake`` and
``postgres_scanner`` loaded from their packages, the lake attached as ``lake`` (no full-text search there).
``--ide`` opens Harlequin (a terminal SQL IDE, the optional ``ide`` extra: ``make sql-ide``) instead.
"""
from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["add_arguments", "run", "cli_command"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", type=Path, default=None,
                        help="database to open (default: data/analytics.duckdb next to the working database)")
    parser.add_argument("-c", "--command", dest="sql", default=None, help="run this SQL, print the result and exit")
    parser.add_argument("--ide", action="store_true",
                        help="open Harlequin instead of the DuckDB prompt (pip install -e '.[ide]'; make sql-ide)")


def duckdb_cli_binary() -> str:
    """The DuckDB CLI binary of the ``duckdb-cli`` package (the same DuckDB version as the library)."""
    spec = importlib.util.find_spec("duckdb_cli")
    if spec is not None and spec.submodule_search_locations:
        binary = Path(next(iter(spec.submodule_search_locations))) / "duckdb"
        if binary.is_file():
            return str(binary)
    import duckdb

    raise FileNotFoundError(f"the DuckDB CLI is not installed: pip install 'duckdb-cli=={duckdb.__version__}' "
                            "(a dependency of monitor_pipeline; `make install`)")


def init_sql() -> str:
    """What a session runs first: no extension download, the fts extension from its package."""
    from monitor_pipeline.storage import search_index
    from monitor_pipeline.storage.sql_text import sql_string_literal

    return ("SET autoinstall_known_extensions = false; "
            f"LOAD {sql_string_literal(search_index.fts_extension_path())};")


def ide_command(db: Path, init_file: Path) -> list[str]:
    """Harlequin on ``db``, read-only, running ``init_file`` (``init_sql()``) first."""
    binary = Path(sys.executable).with_name("harlequin")
    if not binary.is_file():
        raise FileNotFoundError("Harlequin is not installed: pip install -e '.[ide]' (or run `make sql-ide`)")
    return [str(binary), "--read-only", "--init-path", str(init_file), str(db)]


def cli_command(db: Path, sql: str | None = None) -> list[str]:
    """The argv that opens ``db`` read-only with the fts extension loaded from its package."""
    argv = [duckdb_cli_binary(), "-readonly", "-cmd", init_sql(), str(db)]
    if sql is not None:
        argv += ["-c", sql]
    return argv


def lake_init_sql(profile) -> str:
    """What a session on the lake runs first: the lake's extensions from their packages, then its ATTACH."""
    from monitor_pipeline.storage import extensions, lake
    from monitor_pipeline.storage.sql_text import sql_string_literal

    loads = " ".join(f"LOAD {sql_string_literal(extensions.extension_path(e))};"
                     for e in (extensions.DUCKLAKE, extensions.POSTGRES))
    return (f"SET autoinstall_known_extensions = false; {loads} "
            f"{lake.attach_lake_sql(profile, read_only=True)}; USE {lake.LAKE_ALIAS};")


def run(args: argparse.Namespace) -> int:
    from monitor_pipeline.commands import analysts_database
    from monitor_pipeline.storage import search_index
    from monitor_pipeline.storage.profile import ProfileError, profile_from_env

    try:
        profile = profile_from_env()
    except ProfileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if profile.is_scale and args.db is None and not args.ide:
        argv = [duckdb_cli_binary(), "-cmd", lake_init_sql(profile)] + (["-c", args.sql] if args.sql else [])
        sys.stdout.flush()
        return subprocess.call(argv)
    db = analysts_database(args.db)
    if db is None:
        return 2
    try:
        if args.ide:
            with tempfile.TemporaryDirectory(prefix="monitor-sql-") as tmp:
                init_file = Path(tmp) / "init.sql"
                init_file.write_text(init_sql() + "\n", encoding="utf-8")
                return subprocess.call(ide_command(db, init_file))
        argv = cli_command(db, args.sql)
    except (FileNotFoundError, search_index.SearchUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    sys.stdout.flush()
    return subprocess.call(argv)
