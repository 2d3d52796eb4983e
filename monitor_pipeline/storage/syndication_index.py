"""Candidate pairs for syndication clustering, computed by DuckDB in a build's spool file.

The LSH banding of ``core.text.syndication`` as SQL: each signature (the day's new ones in the spool's
``articles`` table, the known ones of the days before copied beside them; processed known first, then
new ones in article_id order) becomes BANDS rows (band number, the band's ROWS hash values as hex); two
articles sharing a band are candidates. DuckDB holds these tables on disk and spills its joins: Python
holds only the signatures as one array (512 bytes each) and gets the candidate pairs (quadratic in the
size of a shared bucket) as ranks, a batch at a time, to verify and resolve them
(``syndication.resolve_candidates``).
"""
from __future__ import annotations

from collections.abc import Iterator

import duckdb

KNOWN = "syndication_known"
COPY_BATCH_ROWS = 5_000  # known signatures copied from the warehouse at a time
FETCH_ROWS = 10_000  # signatures or candidate pairs fetched at a time


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
    """Rank the signatures to cluster (table ``syndication_index``: k = 1… for the known ones, then the new
    ones, each in article_id order) and cut them into bands (table ``syndication_bands``). A known
    article_id appears once (the first copied); a new article already known is not indexed (it keeps
    its known cluster), nor is an empty signature. ValueError when a signature has not
    ``signature_bytes`` bytes. The rank is computed on the ids only: DuckDB spills these joins within
    the spool's memory limit, where a window or sort carrying 512-byte signatures ran out of it."""
    spool.execute(f"DELETE FROM {KNOWN} WHERE rowid NOT IN (SELECT min(rowid) FROM {KNOWN} GROUP BY article_id)")
    bad = spool.execute(f"""
        SELECT octet_length(signature) FROM {KNOWN} WHERE octet_length(signature) <> ?
        UNION ALL SELECT octet_length(signature) FROM articles
        WHERE octet_length(signature) NOT IN (0, ?) AND article_id NOT IN (SELECT article_id FROM {KNOWN})
        LIMIT 1""", [signature_bytes, signature_bytes]).fetchone()
    if bad is not None:
        raise ValueError(f"signature must be {signature_bytes} bytes, got {bad[0]}")
    spool.execute(f"""
        CREATE OR REPLACE TABLE syndication_index AS
        WITH ids AS (
            SELECT article_id, false AS is_new FROM {KNOWN} WHERE signature <> $empty
            UNION ALL
            SELECT article_id, true AS is_new FROM articles
            WHERE signature IS NOT NULL AND octet_length(signature) > 0 AND signature <> $empty
              AND article_id NOT IN (SELECT article_id FROM {KNOWN})),
        ranked AS (SELECT row_number() OVER (ORDER BY is_new, article_id) AS k, article_id, is_new FROM ids)
        SELECT r.k, r.article_id, r.is_new, kn.cluster_id, kn.signature
        FROM ranked r JOIN {KNOWN} kn USING (article_id) WHERE NOT r.is_new
        UNION ALL
        SELECT r.k, r.article_id, r.is_new, r.article_id AS cluster_id, a.signature
        FROM ranked r JOIN articles a USING (article_id) WHERE r.is_new""", {"empty": empty_signature})
    hex_chars = 2 * band_bytes
    spool.execute("""
        CREATE OR REPLACE TABLE syndication_bands AS
        WITH hexed AS MATERIALIZED (SELECT k, hex(signature) AS signature_hex FROM syndication_index)
        SELECT k, b, substring(signature_hex, b * ? + 1, ?) AS band_key
        FROM hexed, range(?) AS t(b)""", [hex_chars, hex_chars, bands])


def indexed(spool: duckdb.DuckDBPyConnection) -> Iterator[tuple[int, str, bool, str, bytes]]:
    """(k, article_id, is_new, cluster_id, signature) of the indexed signatures, by k."""
    cursor = spool.execute("SELECT k, article_id, is_new, cluster_id, signature FROM syndication_index ORDER BY k")
    while batch := cursor.fetchmany(FETCH_ROWS):
        yield from batch


def candidate_pairs(spool: duckdb.DuckDBPyConnection) -> Iterator[list[tuple[int, int]]]:
    """Batches of (k of a new article, k of an article ranked before it sharing a band with it), by the first k.
    Only ranks: DuckDB spills the pairs (quadratic in the size of a shared bucket) to disk."""
    cursor = spool.execute("""
        SELECT DISTINCT x.k AS me, y.k AS other
        FROM syndication_bands x JOIN syndication_bands y ON x.b = y.b AND x.band_key = y.band_key AND y.k < x.k
        WHERE x.k IN (SELECT k FROM syndication_index WHERE is_new)
        ORDER BY me""")
    while batch := cursor.fetchmany(FETCH_ROWS):
        yield batch


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
