"""The DuckDB warehouse: schema (DDL), per-partition writes, and the analysts' read-only copy.

Plain Python (no Dagster). Every write happens in one short transaction on a connection the
caller opened, so a crash leaves the previous state and nothing holds the file lock for long.
The same code writes the scale profile's DuckLake (``storage.lake``): there the schema drops the
constraints DuckLake has not (primary keys, UNIQUE) and a transaction that conflicts with a
concurrent writer is run again (``write_transaction``).
"""
from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import duckdb

from monitor_pipeline.storage import lake
from monitor_pipeline.storage.profile import profile_from_env
from monitor_pipeline.storage.sql_text import attach_sql

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# What the stages take: each call opens the working database, closed when the block ends.
ConnectionFactory = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]
WAREHOUSE_ENV_VAR = "MONITOR_WAREHOUSE_PATH"
DEFAULT_WAREHOUSE_PATH = PROJECT_ROOT / "data" / "warehouse.duckdb"


def warehouse_path() -> str:
    """The working database path: env var shared with the dbt profile, default under data/."""
    return os.environ.get(WAREHOUSE_ENV_VAR) or str(DEFAULT_WAREHOUSE_PATH)


def analytics_path(working_path: str | None = None) -> Path:
    """The analysts' copy lives next to the working database."""
    return Path(working_path or warehouse_path()).with_name("analytics.duckdb")


# Column lists are the single source of truth for the Python-written tables.
TABLES: dict[str, str] = {
    "feeds": """
        feed_id VARCHAR PRIMARY KEY, name VARCHAR, url VARCHAR, language VARCHAR, enabled BOOLEAN,
        feed_allowed_by_publisher VARCHAR, tdm_licence VARCHAR""",
    # robots.txt and TDMRep rules per origin, kept between runs for their TTL (core.ingest.robots.OriginCache)
    "origin_rules": """
        rule_key VARCHAR PRIMARY KEY, expires_at DOUBLE, payload VARCHAR""",
    "feed_state": """
        feed_id VARCHAR PRIMARY KEY, etag VARCHAR, last_modified VARCHAR, last_body_sha256 VARCHAR,
        last_status VARCHAR, last_http_status INTEGER, last_attempt_at TIMESTAMPTZ, last_success_at TIMESTAMPTZ,
        last_unconditional_at TIMESTAMPTZ, consecutive_failures INTEGER, next_poll_at TIMESTAMPTZ,
        disabled_reason VARCHAR, last_error VARCHAR""",
    "feed_fetches": """
        feed_id VARCHAR, partition_day DATE, fetched_at TIMESTAMPTZ, status VARCHAR, http_status INTEGER,
        bytes BIGINT, elapsed_s DOUBLE, attempts INTEGER, entries_seen INTEGER, entries_new INTEGER,
        bozo BOOLEAN, error VARCHAR""",
    "feed_entries": """
        entry_id VARCHAR PRIMARY KEY, partition_day DATE NOT NULL, source_id VARCHAR NOT NULL, url VARCHAR,
        canonical_url VARCHAR UNIQUE, guid VARCHAR, title VARCHAR, title_key VARCHAR, summary VARCHAR,
        author VARCHAR, published_raw VARCHAR, published_at TIMESTAMPTZ, published_in_future BOOLEAN,
        feed_language VARCHAR, first_seen_at TIMESTAMPTZ NOT NULL""",
    "article_pages": """
        entry_id VARCHAR PRIMARY KEY, partition_day DATE NOT NULL, url VARCHAR, final_url VARCHAR,
        status VARCHAR, http_status INTEGER, content_type VARCHAR, bytes BIGINT, truncated BOOLEAN,
        content_sha256 VARCHAR, fetched_at TIMESTAMPTZ, attempts INTEGER, error VARCHAR""",
    "articles": """
        article_id VARCHAR PRIMARY KEY, partition_day DATE NOT NULL, source_id VARCHAR, url VARCHAR,
        status VARCHAR, title VARCHAR, author VARCHAR, sitename VARCHAR, description VARCHAR,
        html_lang VARCHAR, feed_language VARCHAR, language VARCHAR, language_probability DOUBLE,
        language_disagrees BOOLEAN, encoding VARCHAR, encoding_source VARCHAR, text VARCHAR,
        paragraphs_json VARCHAR, sentences_json VARCHAR, word_count INTEGER, published_at TIMESTAMPTZ, published_at_source VARCHAR,
        html_published_at VARCHAR, feed_published_at TIMESTAMPTZ, first_seen_at TIMESTAMPTZ,
        cluster_id VARCHAR, signature BLOB, error VARCHAR""",
    # Each page's processed article, kept under its extraction key (core.text.extraction_key) by the pages
    # stage, which extracts pages while the others download; the articles stage reuses it instead of
    # extracting the page again (storage.page_extractions).
    "page_extractions": """
        extraction_key VARCHAR PRIMARY KEY, partition_day DATE NOT NULL, entry_id VARCHAR, fingerprint VARCHAR,
        article_json VARCHAR, signature BLOB""",
    # Each French article's tags, kept under their tagging key (core.tagging.tagging_key), by the pages stage
    # (it tags each article once extracted) and by the mentions stage; the mentions stage reuses them
    # instead of tagging the article again (storage.article_tags).
    "article_tags": """
        tagging_key VARCHAR PRIMARY KEY, partition_day DATE NOT NULL, article_id VARCHAR, fingerprint VARCHAR,
        result_json VARCHAR""",
    "company_mentions": """
        article_id VARCHAR, partition_day DATE, company_id VARCHAR, company_name VARCHAR, surface VARCHAR,
        via VARCHAR, char_start INTEGER, char_end INTEGER, sentence VARCHAR, tagger_version VARCHAR,
        known BOOLEAN""",
    "numeric_facts": """
        article_id VARCHAR, partition_day DATE, text VARCHAR, value DOUBLE, unit VARCHAR, kind VARCHAR,
        qualifier VARCHAR, noun VARCHAR, range_low DOUBLE, company_id VARCHAR, char_start INTEGER,
        char_end INTEGER, sentence VARCHAR, tagger_version VARCHAR""",
    "layoff_mentions": """
        article_id VARCHAR, partition_day DATE, mention_index INTEGER, company_id VARCHAR, status VARCHAR,
        counted BOOLEAN, headcount BIGINT, headcount_percent DOUBLE, trigger VARCHAR, sentence VARCHAR,
        char_start INTEGER, char_end INTEGER, cluster_id VARCHAR, tagger_version VARCHAR,
        company_name VARCHAR, known BOOLEAN, headcount_low BIGINT, headcount_high BIGINT,
        headcount_qualifier VARCHAR, trigger_start INTEGER, trigger_end INTEGER, rule VARCHAR""",
    "org_candidate_mentions": """
        article_id VARCHAR, partition_day DATE, name VARCHAR, sentence VARCHAR""",
    "companies": """
        company_id VARCHAR PRIMARY KEY, name VARCHAR, country VARCHAR, sector VARCHAR, wikidata VARCHAR""",
    # days whose raw pages the retention policy removed (storage.retention), recorded before the removal
    "page_retention": """
        partition_day DATE PRIMARY KEY, retention_days INTEGER, removed_at TIMESTAMPTZ, pages BIGINT,
        completed_at TIMESTAMPTZ""",
    # Layoff events across sources (core.events.resolve_events over every day), replaced whole at each
    # resolution: one row per real-world event, and which mentions support it (core.events.event_row,
    # event_mention_rows). The dbt marts layoff_events and layoff_event_mentions read them.
    "layoff_event_resolution": """
        event_id VARCHAR PRIMARY KEY, company_id VARCHAR, company_name VARCHAR, known BOOLEAN, wave INTEGER,
        status VARCHAR, headcount BIGINT, headcount_low BIGINT, headcount_high BIGINT, headcount_percent DOUBLE,
        first_seen TIMESTAMPTZ, last_seen TIMESTAMPTZ, first_day DATE, last_day DATE, articles INTEGER,
        sources INTEGER, mentions INTEGER, changes INTEGER, founding_article_id VARCHAR,
        founding_mention_index INTEGER, sentence VARCHAR, article_id VARCHAR, url VARCHAR, source_id VARCHAR""",
    "layoff_event_resolution_mentions": """
        event_id VARCHAR, article_id VARCHAR, mention_index INTEGER, company_id VARCHAR, source_id VARCHAR,
        cluster_id VARCHAR, day DATE, published_at TIMESTAMPTZ, status VARCHAR, headcount BIGINT,
        sentence VARCHAR, is_founding BOOLEAN""",
}

def columns(table: str) -> list[str]:
    """Column names of a Python-written table, in DDL order."""
    names = []
    for part in TABLES[table].split(","):
        part = part.strip()
        if part and not part.startswith(("PRIMARY", "UNIQUE")):
            names.append(part.split()[0])
    return names


# DuckLake supports NOT NULL but no PRIMARY KEY, UNIQUE, index or sequence: on the lake the tables are
# created without them. Nothing relies on them to write (upserts delete by key, then insert), and the
# pipeline's keys stay unique by construction (the same writes run on the embedded file, where they hold).
_LAKE_UNSUPPORTED_CONSTRAINTS = re.compile(r"\s+(PRIMARY KEY|UNIQUE)\b")


def lake_ddl(table: str) -> str:
    """The column list of ``table`` as DuckLake takes it: constraints it has not left out."""
    return _LAKE_UNSUPPORTED_CONSTRAINTS.sub("", TABLES[table])


# Tables renamed since an earlier version: (old name, new name), renamed in place at the first connection.
RENAMED_TABLES = (("metric_mentions_raw", "numeric_facts"),)


def _rename_old_tables(conn: duckdb.DuckDBPyConnection) -> None:
    present = {r[0] for r in conn.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()").fetchall()}
    for old, new in RENAMED_TABLES:
        if old in present and new not in present:
            conn.execute(f"ALTER TABLE {old} RENAME TO {new}")  # our own constant names, not outside data


def ensure_schema(conn: duckdb.DuckDBPyConnection) -> None:
    if lake.is_lake(conn):
        if _lake_schema_is_current(conn):  # one catalog read rather than two write transactions
            return
        write_transaction(conn, _rename_old_tables)
        write_transaction(conn, _ensure_lake_schema)
        return
    _rename_old_tables(conn)
    for table, ddl in TABLES.items():
        conn.execute(f"CREATE TABLE IF NOT EXISTS {table} ({ddl})")
    _add_new_columns(conn)
    _move_stored_html_to_page_store(conn)


def _lake_schema_is_current(conn: duckdb.DuckDBPyConnection) -> bool:
    """Whether the lake already has every table and column of this version, and no table to rename."""
    present = set(conn.execute("SELECT table_name, column_name FROM duckdb_columns() "
                               "WHERE schema_name = 'main' AND database_name = current_database()").fetchall())
    tables = {table for table, _ in present}
    if any(old in tables for old, _ in RENAMED_TABLES):
        return False
    return all((table, column) in present for table in TABLES for column in column_types(table))


def _ensure_lake_schema(conn: duckdb.DuckDBPyConnection) -> None:
    """The lake's tables, made once: a per-day table is partitioned by its day, so replacing one day
    rewrites only that day's files (and two writers of different days never touch the same file)."""
    present = {r[0] for r in conn.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()").fetchall()}
    for table in TABLES:
        if table in present:
            continue
        conn.execute(f"CREATE TABLE {table} ({lake_ddl(table)})")
        if "partition_day" in column_types(table):
            conn.execute(f"ALTER TABLE {table} SET PARTITIONED BY (partition_day)")
    _add_new_columns(conn)


def _add_new_columns(conn: duckdb.DuckDBPyConnection) -> None:
    """Warehouses written by an older version lack the columns added since (they are appended at
    the end of their table's DDL): add them, empty."""
    present = set(conn.execute("SELECT table_name, column_name FROM duckdb_columns() "
                               "WHERE schema_name = 'main' AND database_name = current_database()").fetchall())
    for table in TABLES:
        for column, sql_type in column_types(table).items():
            if (table, column) not in present and any(t == table for t, _ in present):
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}")


def database_file(conn: duckdb.DuckDBPyConnection) -> Path:
    """The file of the connection's database (the working warehouse)."""
    row = conn.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    if not row or not row[0] or row[0] == ":memory:":
        raise ValueError("the warehouse must be a database file: raw pages are stored beside it")
    return Path(row[0])


def page_store(conn: duckdb.DuckDBPyConnection):
    """The raw page store beside the connection's database file: warehouse.duckdb → warehouse.pages/.
    On the lake, beside MONITOR_WAREHOUSE_PATH (a directory every writing machine shares)."""
    from monitor_pipeline.storage.page_store import PageStore

    db = Path(warehouse_path()) if lake.is_lake(conn) else database_file(conn)
    return PageStore(db.with_name(db.stem + ".pages"))


def _move_stored_html_to_page_store(conn: duckdb.DuckDBPyConnection) -> None:
    """Warehouses written before the page store kept compressed HTML in article_pages.html_zlib:
    move those pages to the store (by content hash), then drop the column."""
    has_column = conn.execute("""SELECT count(*) FROM duckdb_columns()
        WHERE database_name = current_database() AND table_name = 'article_pages'
          AND column_name = 'html_zlib'""").fetchone()[0]
    if not has_column:
        return
    import zlib

    store = page_store(conn)
    offset = 0
    while True:
        batch = conn.execute("""SELECT content_sha256, html_zlib FROM article_pages
            WHERE html_zlib IS NOT NULL AND content_sha256 IS NOT NULL
            ORDER BY entry_id LIMIT 200 OFFSET ?""", [offset]).fetchall()
        for sha, blob in batch:
            store.put(zlib.decompress(blob), sha)
        if len(batch) < 200:
            break
        offset += len(batch)
    conn.execute("ALTER TABLE article_pages DROP COLUMN html_zlib")


def column_types(table: str) -> dict[str, str]:
    """Column name -> declared SQL type (first word, upper case) of a Python-written table, in DDL order."""
    types = {}
    for part in TABLES[table].split(","):
        words = part.strip().split()
        if words and words[0] not in ("PRIMARY", "UNIQUE"):
            types[words[0]] = words[1].upper()
    return types


def _as_timestamptz(value: Any) -> Any:
    # A naive datetime means local time, as when DuckDB binds it to a TIMESTAMPTZ parameter.
    return value.astimezone(timezone.utc) if isinstance(value, datetime) else value


def _as_date(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return date.fromisoformat(value)
    return value


def _typed_column(values: list[Any], sql_type: str) -> Any:
    """A DataFrame column whose pandas type matches the SQL type (NULL-safe), so DuckDB's scan never
    guesses a type from a sample of values."""
    import pandas as pd

    if sql_type in ("INTEGER", "BIGINT"):
        return pd.array(values, dtype="Int64")
    if sql_type == "DOUBLE":
        return pd.array(values, dtype="Float64")
    if sql_type == "BOOLEAN":
        return pd.array(values, dtype="boolean")
    if sql_type == "TIMESTAMPTZ":
        values = [_as_timestamptz(v) for v in values]
    elif sql_type == "DATE":
        values = [_as_date(v) for v in values]
    return pd.Series(values, dtype=object)


def insert_many(conn, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows, within the caller's transaction, with one scan of a typed DataFrame: DuckDB's ``executemany`` (or multi-row VALUES)
    costs ~0.3-0.5 ms a row, which held the file lock for seconds per partition; this costs microseconds."""
    if not rows:
        return
    import pandas as pd

    types = column_types(table)
    frame = pd.DataFrame({c: _typed_column([row.get(c) for row in rows], t) for c, t in types.items()})
    view = "_insert_many_rows"
    conn.register(view, frame)
    try:
        conn.execute(f"INSERT INTO {table} ({', '.join(types)}) SELECT {', '.join(types)} FROM {view}")
    except BaseException:
        try:  # in an aborted transaction unregistering fails too: keep the real error (re-registering replaces)
            conn.unregister(view)
        except duckdb.Error:
            pass
        raise
    conn.unregister(view)


def rollback_quietly(conn) -> None:
    """Roll back after a failed write without hiding why it failed: when DuckDB has already aborted
    the transaction (a failed COMMIT: disk full, file not writable), ROLLBACK itself raises
    "no transaction is active", which would replace the real error."""
    try:
        conn.execute("ROLLBACK")
    except duckdb.Error:
        pass


@contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One explicit transaction: committed when the block ends, rolled back (without hiding the
    original error) when it raises."""
    conn.execute("BEGIN TRANSACTION")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        rollback_quietly(conn)
        raise


def write_transaction(conn: duckdb.DuckDBPyConnection, write: Callable[[duckdb.DuckDBPyConnection], None]) -> None:
    """``write(conn)`` in one transaction. On the lake, a transaction that lost a race with a concurrent
    writer is rolled back and run again whole (``lake.retry_conflicts``): ``write`` must only depend on
    what it reads inside the transaction."""
    def once() -> None:
        with transaction(conn):
            write(conn)

    if lake.is_lake(conn):
        lake.retry_conflicts(once)
    else:
        once()


def replace_partition_from(conn: duckdb.DuckDBPyConnection, day: str, catalog: str, tables: Sequence[str]) -> None:
    """Delete-then-copy one partition day of several tables from an attached database (same table
    names and columns, e.g. a spool) in one transaction; DuckDB streams the copy."""
    def replace(conn: duckdb.DuckDBPyConnection) -> None:
        for table in tables:
            conn.execute(f"DELETE FROM {table} WHERE partition_day = ?", [day])
            _copy_rows(conn, table, catalog)

    write_transaction(conn, replace)


def _copy_rows(conn: duckdb.DuckDBPyConnection, table: str, catalog: str) -> None:
    if table not in TABLES or not catalog.isidentifier():
        raise ValueError(f"cannot copy {catalog!r}.{table!r}")
    names = ", ".join(column_types(table))
    conn.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {catalog}.{table}")


def upsert_rows(conn, table: str, key: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Replace rows by primary key (one transaction)."""
    if not rows:
        return
    def upsert(conn) -> None:
        conn.execute(f"DELETE FROM {table} WHERE {key} IN (SELECT unnest(?))", [[r[key] for r in rows]])
        insert_many(conn, table, rows)

    write_transaction(conn, upsert)


def insert_rows(conn, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
    write_transaction(conn, lambda conn: insert_many(conn, table, rows))


def fetch_dicts(conn, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    cursor = conn.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def table_count(conn, table: str, day: str | None = None) -> int:
    if day is None:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    return conn.execute(f"SELECT count(*) FROM {table} WHERE partition_day = ?", [day]).fetchone()[0]


# Tables analysts get: marts built by dbt plus the mention tables with their evidence.
ANALYTICS_TABLES = (
    "company_mentions_daily", "layoff_mentions_daily", "company_trends", "metric_mentions",
    "source_health_daily", "org_candidates", "layoff_events", "layoff_event_mentions",
    "company_mentions", "layoff_mentions", "articles", "companies", "feeds", "feed_state",
)


ANALYTICS_TMP_PREFIX = ".analytics-"


def _remove_unfinished_copies(directory: Path) -> None:
    """Temporary copies a killed publish left behind (its ``finally`` never ran). Only one publish
    runs at a time (the ``duckdb_warehouse`` pool), so any such file is a leftover."""
    for leftover in directory.glob(ANALYTICS_TMP_PREFIX + "*.duckdb*"):
        leftover.unlink(missing_ok=True)


def publish_analytics_copy(
    conn: duckdb.DuckDBPyConnection, target: Path, tables: Iterable[str] = ANALYTICS_TABLES
) -> dict[str, int]:
    """Copy the analysts' tables from the working database (``conn``) into a fresh file, then atomically
    rename it over ``target``.

    A reader that opened the old file keeps its snapshot (the old inode lives until it closes).
    Returns row counts per published table.
    """
    from monitor_pipeline.storage import search_index

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_unfinished_copies(target.parent)
    fd, tmp_name = tempfile.mkstemp(prefix=ANALYTICS_TMP_PREFIX, suffix=".duckdb", dir=target.parent)
    os.close(fd)
    os.unlink(tmp_name)  # DuckDB wants to create the file itself
    existing = {r[0] for r in conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database()"
    ).fetchall()}
    counts: dict[str, int] = {}
    try:
        conn.execute(attach_sql(tmp_name, "analytics_publish"))
        try:
            for table in tables:
                if table in existing:
                    conn.execute(f"CREATE TABLE analytics_publish.main.{table} AS SELECT * FROM {table}")
                    counts[table] = conn.execute(
                        f"SELECT count(*) FROM analytics_publish.main.{table}").fetchone()[0]
        finally:
            conn.execute("DETACH analytics_publish")
        search_index.build_search_index_in_file(tmp_name)  # issue 23: full-text index, published with the file
        os.replace(tmp_name, target)
    finally:
        for leftover in (Path(tmp_name), Path(tmp_name + ".wal")):
            if leftover.exists():
                leftover.unlink()
    return counts


def connect_with_retry(path: str, read_only: bool = False, timeout_s: float = 60.0) -> duckdb.DuckDBPyConnection:
    """Open DuckDB, waiting while another process holds the file lock (bounded)."""
    deadline = time.monotonic() + timeout_s
    delay = 0.05
    while True:
        try:
            return duckdb.connect(path, read_only=read_only)
        except duckdb.IOException as exc:
            # Only a lock held by another process is worth waiting for; a missing directory or a
            # file that cannot be written is reported at once.
            if "lock" not in str(exc).lower() or time.monotonic() >= deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


@contextmanager
def analysts_connection(analytics_file: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """What analysts (and the digest and the spike alerts) read, read-only: the analytics copy in the
    embedded profile, the lake itself in the scale profile (snapshot isolation: runs write meanwhile)."""
    profile = profile_from_env()
    if profile.is_scale:
        with lake.lake_connection(profile, read_only=True) as conn:
            yield conn
        return
    with connect_with_retry(str(analytics_file or analytics_path()), read_only=True) as conn:
        yield conn


def connection_factory(path: str | os.PathLike[str], timeout_s: float = 60.0):
    """The connection factory the stages take: each call opens the file (waiting, bounded, while
    another process holds its lock) and closes it when the block ends."""

    @contextmanager
    def connect() -> Iterator[duckdb.DuckDBPyConnection]:
        conn = connect_with_retry(str(path), timeout_s=timeout_s)
        try:
            yield conn
        finally:
            conn.close()

    return connect


def profile_connection_factory(profile, path: str | os.PathLike[str]):
    """The stages' connection factory for a profile: the lake (scale) or the DuckDB file ``path``."""
    if profile.is_scale:
        return lake.LakeConnections(profile)
    return connection_factory(path)
