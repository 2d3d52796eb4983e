"""Full-text search over the articles of the analysts' database (DuckDB's ``fts`` extension).

Storage layer, no Dagster. The extension comes from the ``duckdb-extension-fts`` PyPI package pinned
at DuckDB's exact version and is loaded from that package's directory; DuckDB never downloads an
extension here (``autoinstall_known_extensions`` is switched off first).

The index (schema ``fts_main_article_search``) is built into the analysts' file before it is
published: article titles and texts, lower-cased, accents folded, French stop words left out, words
reduced to their French Snowball stem, ranked with BM25. Analysts query it in SQL with
``fts_main_article_search.match_bm25(article_id, 'plan de départs')`` over ``articles``;
``search_articles`` (``monitor-pipeline search``) gives the same scores from a table of precomputed
per-(term, article) BM25 weights sorted by term, which reads only the postings of the query's words.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from difflib import get_close_matches
from pathlib import Path
from typing import Any

import duckdb
import yaml

from monitor_pipeline.core.text.snippet import best_snippet
from monitor_pipeline.storage import extensions

FTS_SCHEMA = "fts_main_article_search"
STEMMER = "french"
STOPWORDS_FILE = Path(__file__).resolve().parents[1] / "data" / "search_stopwords.yaml"
# The extension's tokenizer splits on ASCII punctuation and whitespace only; French text also has
# typographic apostrophes, guillemets, dashes and non-breaking spaces. Every character that is not a
# letter, a digit or whitespace becomes a space, in the indexed text and in the query alike.
PUNCTUATION_RE = r"[^\p{L}\p{N}\s]+"

# The index input is a scratch table, dropped once the index is built (the index keeps its own
# copies of what it needs: dictionary, postings, document lengths, stop words).
_BUILD_SQL = (
    f"""CREATE OR REPLACE TABLE article_search AS
        SELECT article_id,
               regexp_replace(coalesce(title, ''), '{PUNCTUATION_RE}', ' ', 'g') AS title,
               regexp_replace(coalesce(text, ''), '{PUNCTUATION_RE}', ' ', 'g') AS text
        FROM articles
        WHERE coalesce(title, text) IS NOT NULL""",
    f"""PRAGMA create_fts_index('article_search', 'article_id', 'title', 'text', stemmer='{STEMMER}',
        stopwords='search_stopwords', strip_accents=1, lower=1, overwrite=1)""",
    "DROP TABLE article_search",
    "DROP TABLE search_stopwords",
    # Postings sorted by term: a query reads only the row groups of its terms (zone maps), for
    # match_bm25 as for search_articles.
    f"CREATE OR REPLACE TABLE {FTS_SCHEMA}.terms AS SELECT * FROM {FTS_SCHEMA}.terms ORDER BY termid, docid",
    # Impact-ordered postings: each (term, article) pair with its BM25 weight, computed once here with
    # match_bm25's formula and defaults (k = 1.2, b = 0.75); an article's score for a query is the sum
    # of the weights of the query terms it holds, exactly match_bm25's score.
    # The article's day rides along so that --since filters while reading the postings.
    f"""CREATE OR REPLACE TABLE {FTS_SCHEMA}.postings AS
        WITH st AS (SELECT num_docs, avgdl FROM {FTS_SCHEMA}.stats),
        tf AS (SELECT termid, docid, count(*) AS tf FROM {FTS_SCHEMA}.terms GROUP BY termid, docid)
        SELECT tf.termid, tf.docid, a.partition_day AS day,
               log(((st.num_docs - dict.df) + 0.5) / (dict.df + 0.5) + 1)
                 * tf.tf * (1.2 + 1) / (tf.tf + 1.2 * (1 - 0.75 + 0.75 * (docs.len / st.avgdl))) AS weight
        FROM tf JOIN {FTS_SCHEMA}.dict AS dict USING (termid) JOIN {FTS_SCHEMA}.docs AS docs USING (docid)
             JOIN articles AS a ON a.article_id = docs.name, st
        ORDER BY tf.termid, tf.docid""",
    # A search fetches its ten articles by id: an index makes that a lookup, not a scan of the texts.
    "CREATE UNIQUE INDEX IF NOT EXISTS articles_article_id ON articles (article_id)",
)


class SearchUnavailable(RuntimeError):
    """The fts extension or the index is missing."""


class SearchQueryError(ValueError):
    """A query that cannot be answered as asked (empty, only stop words, unknown company…)."""


def fts_extension_path() -> Path:
    """The fts extension file shipped by the ``duckdb-extension-fts`` package for this DuckDB."""
    try:
        return extensions.extension_path(extensions.FTS)
    except extensions.ExtensionUnavailable as exc:
        raise SearchUnavailable(str(exc)) from None


def load_fts(conn: duckdb.DuckDBPyConnection) -> None:
    """Load the fts extension from the installed package (never from the network)."""
    try:
        extensions.load_extensions(conn, extensions.FTS)
    except extensions.ExtensionUnavailable as exc:
        raise SearchUnavailable(str(exc)) from None


def load_stopwords(path: Path = STOPWORDS_FILE) -> list[str]:
    return [str(w) for w in yaml.safe_load(path.read_text(encoding="utf-8"))]


def build_search_index(conn: duckdb.DuckDBPyConnection) -> int:
    """Build (or rebuild) the article index in the database ``conn`` is open on; returns the number of
    articles indexed (0, and no index, when the database has no ``articles`` table)."""
    has_articles = conn.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND table_name = 'articles'").fetchone()[0]
    if not has_articles:
        return 0
    load_fts(conn)
    conn.execute("SET enable_progress_bar = false")
    conn.execute("CREATE OR REPLACE TABLE search_stopwords AS "
                 "SELECT DISTINCT lower(strip_accents(w)) AS sw FROM (SELECT unnest(?::VARCHAR[]) AS w)",
                 [load_stopwords()])
    for sql in _BUILD_SQL:
        conn.execute(sql)
    return conn.execute(f"SELECT num_docs FROM {FTS_SCHEMA}.stats").fetchone()[0]


def build_search_index_in_file(path: str | Path) -> int:
    """``build_search_index`` on a database file nobody else has open (the analysts' copy before it is
    renamed into place)."""
    conn = duckdb.connect(str(path))
    try:
        indexed = build_search_index(conn)
        conn.execute("CHECKPOINT")
        return indexed
    finally:
        conn.close()


def has_search_index(conn: duckdb.DuckDBPyConnection) -> bool:
    return bool(conn.execute("SELECT count(*) FROM duckdb_schemas() WHERE database_name = current_database() "
                             "AND schema_name = ?", [FTS_SCHEMA]).fetchone()[0])


def query_terms(conn: duckdb.DuckDBPyConnection, query: str) -> list[tuple[str, str]]:
    """(word, stem) of each searchable word of ``query``, tokenized as the index was; raises
    ``SearchQueryError`` when nothing searchable is left."""
    if not query or not query.strip():
        raise SearchQueryError("empty query: give one or more words, e.g. \"plan de départs\"")
    rows = conn.execute(
        f"""SELECT t, t IN (SELECT sw FROM {FTS_SCHEMA}.stopwords) AS stop, stem(t, '{STEMMER}') AS s
            FROM (SELECT unnest({FTS_SCHEMA}.tokenize(regexp_replace(?, '{PUNCTUATION_RE}', ' ', 'g'))) AS t)
            WHERE t <> ''""", [query]).fetchall()
    terms = list(dict.fromkeys((t, s) for t, stop, s in rows if not stop))
    if not terms:
        dropped = ", ".join(sorted({t for t, _, _ in rows})) or query.strip()
        raise SearchQueryError(f"nothing to search for in {query!r}: only stop words ({dropped}); "
                               "add a meaningful word")
    return terms


def _table_exists(conn: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(conn.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
                             "AND schema_name = 'main' AND table_name = ?", [table]).fetchone()[0])


def _placeholders(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


def _check_company(conn: duckdb.DuckDBPyConnection, company: str) -> None:
    ids = [r[0] for r in conn.execute("SELECT company_id FROM companies ORDER BY company_id").fetchall()] \
        if _table_exists(conn, "companies") else []
    if company not in ids:
        close = get_close_matches(company, ids, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else " (company ids are in the companies table)"
        raise SearchQueryError(f"unknown company id {company!r}{hint}")


def search_articles(conn: duckdb.DuckDBPyConnection, query: str, *, company: str | None = None,
                    since: date | None = None, limit: int = 10) -> list[dict[str, Any]]:
    """Articles matching ``query`` (any of its words), best BM25 score first, optionally only those
    mentioning ``company`` (a company id) or seen on or after ``since``. Each hit carries title, source,
    day, URL, score and a snippet."""
    if limit < 1:
        raise SearchQueryError(f"--limit must be at least 1, not {limit}")
    load_fts(conn)
    if not has_search_index(conn):
        raise SearchUnavailable("this database has no search index: it is built when the analysts' copy is "
                                "published (run `make demo` or the daily job)")
    terms = query_terms(conn, query)
    if company is not None:
        _check_company(conn, company)
    stems = [s for _, s in terms]
    termids = [r[0] for r in conn.execute(f"SELECT termid FROM {FTS_SCHEMA}.dict WHERE term IN "
                                          "(SELECT unnest(?::VARCHAR[]))", [stems]).fetchall()]
    if not termids:
        return []
    # Three short queries, every value a bound parameter (the SQL fragments are constants): the best
    # ``limit`` documents from the postings of the query terms, their article ids, the articles.
    where, params = [f"termid IN ({_placeholders(termids)})"], list(termids)
    if since is not None:
        where.append("day >= ?::DATE")
        params.append(since)
    if company is not None:
        if not _table_exists(conn, "company_mentions"):
            raise SearchUnavailable("this database has no company_mentions table: --company cannot filter")
        where.append(f"""docid IN (SELECT d.docid FROM {FTS_SCHEMA}.docs AS d
                                   JOIN company_mentions AS m ON m.article_id = d.name WHERE m.company_id = ?)""")
        params.append(company)
    top = conn.execute(f"""
        SELECT docid, sum(weight) AS score FROM {FTS_SCHEMA}.postings
        WHERE {" AND ".join(where)}
        GROUP BY docid
        ORDER BY score DESC, docid
        LIMIT ?""", params + [limit]).fetchall()
    if not top:
        return []
    docids = [d for d, _ in top]
    names = dict(conn.execute(f"SELECT docid, name FROM {FTS_SCHEMA}.docs WHERE docid IN ({_placeholders(docids)})",
                              docids).fetchall())
    source = ("LEFT JOIN feeds AS f ON f.feed_id = a.source_id", "f.name") if _table_exists(conn, "feeds") \
        else ("", "NULL")
    articles = {r[0]: r for r in conn.execute(f"""
        SELECT a.article_id, a.title, a.source_id, {source[1]} AS source_name, a.partition_day AS day, a.url,
               a.published_at, coalesce(a.text, a.title) AS text
        FROM articles AS a {source[0]}
        WHERE a.article_id IN ({_placeholders(docids)})""", [names[d] for d in docids]).fetchall()}
    rows = [articles[names[d]][:7] + (score, articles[names[d]][7]) for d, score in top]
    hits = []
    for article_id, title, source_id, source_name, day, url, published_at, score, text in rows:
        hits.append({"article_id": article_id, "title": title, "source_id": source_id,
                     "source": source_name or source_id, "day": day, "url": url, "published_at": published_at,
                     "score": round(float(score), 4), "snippet": best_snippet(text, stems)})
    return hits

