"""Candidate pairs for syndication clustering, computed by DuckDB in a build's spool file.

The LSH banding of ``core.text.syndication`` as SQL: each signature (the day's new ones in the spool's
``articles`` table, the known ones of the days before copied beside them; processed known first, then
new ones in article_id order) becomes BANDS rows (band number, the band's ROWS hash values as hex); two
articles sharing a band are candidates. DuckDB holds these tables on
disk and spills its joins, so memory does not grow with the partition: Python only sees the candidate
pairs, one at a time, to verify and resolve them (``syndication.resolve_candidates``).
"""
from __future__ import annotations

from collections.abc import Iterator

import duckdb

KNOWN = "syndication_known"
COPY_BATCH_ROWS = 5_000  # known signatures copied from the warehouse at a time
FETCH_ROWS = 1_000  # candidate pairs fetched at a time


def copy_known_signatures(source: duckdb.DuckDBPyConnection, spool: duckdb.DuckDBPyConnection,
                          day: str, since) -> None:
    """Copy the known signatures (articles of the days from ``since`` to the day before ``day``, and
    after it) from the warehouse into the spool, ``COPY_BATCH_ROWS`` at a time."""
    import pandas as pd

    spool.execute(f"CREATE TABLE {KNOWN} (article_id VARCHAR, cluster_id VARCHAR, signature BLOB)")
    cursor = source.execute("""
        SELECT article_id, cluster_id, signature FROM articles
        WHERE partition_day <> ? AND partition_day >= ? AND signature IS NOT NULL""", [day, since])
    while batch := cursor.fetchmany(COPY_BATCH_ROWS):
        frame = pd.DataFrame(batch, columns=["article_id", "cluster_id", "signature"], dtype=object)
        spool.register("_known_batch", frame)
        try:
            spool.execute(f"INSERT INTO {KNOWN} SELECT article_id, cluster_id, signature FROM _known_batch")
        finally:
            spool.unregister("_known_batch")


def index_signatures(spool: duckdb.DuckDBPyConnection, empty_signature: bytes, signature_bytes: int,
                     bands: int, band_bytes: int) -> None:
    """The signatures to cluster (table ``syndication_index``: known ones, then new ones) cut into bands
    (table ``syndication_bands``). A known article_id appears once (the first copied); a new article
    already known is not indexed (it keeps its known cluster), nor is an empty signature. ValueError when
    a signature has not ``signature_bytes`` bytes. No window function, no sort and no aggregate over
    signatures here: DuckDB spills these joins to disk within the spool's memory limit."""
    spool.execute(f"DELETE FROM {KNOWN} WHERE rowid NOT IN (SELECT min(rowid) FROM {KNOWN} GROUP BY article_id)")
    spool.execute(f"""
        CREATE OR REPLACE TABLE syndication_index AS
        WITH known AS (SELECT article_id, cluster_id, signature FROM {KNOWN}),
        new AS (
            SELECT article_id, article_id AS cluster_id, signature FROM articles
            WHERE signature IS NOT NULL AND octet_length(signature) > 0
              AND article_id NOT IN (SELECT article_id FROM {KNOWN}))
        SELECT *, false AS is_new FROM known UNION ALL SELECT *, true AS is_new FROM new""")
    bad = spool.execute("SELECT octet_length(signature) FROM syndication_index WHERE octet_length(signature) <> ? "
                        "LIMIT 1", [signature_bytes]).fetchone()
    if bad is not None:
        raise ValueError(f"signature must be {signature_bytes} bytes, got {bad[0]}")
    spool.execute("DELETE FROM syndication_index WHERE signature = ?", [empty_signature])
    hex_chars = 2 * band_bytes
    spool.execute("""
        CREATE OR REPLACE TABLE syndication_bands AS
        WITH hexed AS MATERIALIZED (SELECT article_id, is_new, hex(signature) AS signature_hex FROM syndication_index)
        SELECT article_id, is_new, b, substring(signature_hex, b * ? + 1, ?) AS band_key
        FROM hexed, range(?) AS t(b)""", [hex_chars, hex_chars, bands])


def candidate_pairs(spool: duckdb.DuckDBPyConnection) -> Iterator[tuple[str, bytes, str, bool, str, bytes]]:
    """(new article_id, its signature, an article_id processed before it (known, or new with a lesser id)
    sharing a band with it, whether that one is new, its cluster_id, its signature), ordered by the new
    article_id."""
    cursor = spool.execute("""
        WITH pairs AS (
            SELECT DISTINCT x.article_id AS me, y.article_id AS other
            FROM syndication_bands x JOIN syndication_bands y ON x.b = y.b AND x.band_key = y.band_key
            WHERE x.is_new AND (NOT y.is_new OR y.article_id < x.article_id))
        SELECT n.article_id, n.signature, o.article_id, o.is_new, o.cluster_id, o.signature
        FROM pairs JOIN syndication_index n ON n.article_id = pairs.me
        JOIN syndication_index o ON o.article_id = pairs.other
        ORDER BY n.article_id""")
    while batch := cursor.fetchmany(FETCH_ROWS):
        yield from batch


def new_articles_already_known(spool: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(article_id, known cluster_id) of the day's articles with a signature whose id is already known
    with another cluster (they keep it); normally none."""
    return spool.execute(f"""
        SELECT a.article_id, k.cluster_id FROM articles a
        JOIN {KNOWN} k USING (article_id)
        WHERE a.signature IS NOT NULL AND octet_length(a.signature) > 0
          AND k.cluster_id IS DISTINCT FROM a.article_id
        ORDER BY a.article_id""").fetchall()


def cluster_count(spool: duckdb.DuckDBPyConnection) -> int:
    return spool.execute("SELECT count(DISTINCT cluster_id) FROM articles").fetchone()[0]


def drop(spool: duckdb.DuckDBPyConnection) -> None:
    for table in ("syndication_bands", "syndication_index", KNOWN):
        spool.execute(f"DROP TABLE IF EXISTS {table}")


def day_entries(connect, day: str, batch_rows: int) -> Iterator[dict]:
    """The day's feed entries with their fetch status, in entry_id order, read ``batch_rows`` at a time
    (each batch on a short connection: nothing holds the working file while the pages are processed)."""
    from monitor_pipeline.storage import warehouse

    after = ""
    while True:
        with connect() as conn:
            rows = warehouse.fetch_dicts(conn, """
                SELECT e.entry_id, e.source_id, e.url, e.title AS feed_title, e.summary, e.published_at,
                       e.first_seen_at, e.feed_language, p.status, p.http_status, p.content_type,
                       p.content_sha256, p.final_url
                FROM feed_entries e LEFT JOIN article_pages p USING (entry_id)
                WHERE e.partition_day = ? AND e.entry_id > ? ORDER BY e.entry_id LIMIT ?""",
                                         [day, after, batch_rows])
        yield from rows
        if len(rows) < batch_rows:
            return
        after = rows[-1]["entry_id"]
