"""analyst_queries: a year of synthetic mentions, the real dbt marts, the analysts' example queries.

Base tables shaped like the pipeline's (``warehouse.TABLES``) are filled with DuckDB SQL (one
million company mentions over 365 days ending today), ``dbt build`` builds the real marts on them,
``publish_analytics_copy`` makes the analysts' file, and every ```sql block of docs/ANALYSTS.md
runs against it (read-only), several times; the median per query is reported.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

from monitor_pipeline.storage import search_index
from monitor_pipeline.bench import pipeline as product
from monitor_pipeline.bench.timing import Stopwatch, median

warehouse = product.warehouse_module()

ANALYSTS_DOC = warehouse.PROJECT_ROOT / "docs" / "ANALYSTS.md"
DBT_DIR = warehouse.PROJECT_ROOT / "dbt_project"


def example_queries(doc: Path = ANALYSTS_DOC) -> list[tuple[str, str]]:
    """(heading, sql) for each ```sql block, the heading being the nearest ### title above it."""
    text = doc.read_text(encoding="utf-8")
    out, heading = [], ""
    for block in re.finditer(r"^### ([^\n]+)$|^```sql\n(.*?)^```", text, re.M | re.S):
        if block.group(1):
            heading = block.group(1).strip()
        else:
            out.append((heading, block.group(2).strip().rstrip(";")))
    return out


def fill_base_tables(conn: duckdb.DuckDBPyConnection, mentions: int, days: int = 365) -> dict[str, int]:
    """Synthetic rows for the Python-written tables (all generated in SQL)."""
    warehouse.ensure_schema(conn)
    companies = product.knowledge_base_companies()
    warehouse.insert_rows(conn, "companies", companies)
    n_companies = len(companies)
    n_articles = mentions // 5
    conn.execute("CREATE TEMP TABLE company_ids AS SELECT row_number() OVER (ORDER BY company_id) - 1 AS k, "
                 "company_id, name FROM companies")
    conn.execute("""
        INSERT INTO feeds (feed_id, name, url, language, enabled) SELECT 'feed-' || i, 'Flux ' || i, 'https://example.org/' || i || '.xml', 'fr', true
        FROM range(50) t(i)""")
    conn.execute("""
        INSERT INTO feed_state (feed_id, last_status, consecutive_failures, next_poll_at, disabled_reason)
        SELECT 'feed-' || i, CASE WHEN i % 10 = 0 THEN 'timeout' ELSE 'ok' END,
               CASE WHEN i % 10 = 0 THEN i % 7 ELSE 0 END, now() + INTERVAL 1 HOUR,
               CASE WHEN i = 49 THEN 'HTTP 410 Gone' END
        FROM range(50) t(i)""")
    conn.execute(f"""
        INSERT INTO feed_fetches (feed_id, partition_day, fetched_at, status, http_status, bytes, elapsed_s, attempts,
                                  entries_seen, entries_new, bozo, error)
        SELECT 'feed-' || (i % 50), current_date - CAST((i // 50) % {days} AS INTEGER),
               now() - to_hours(i // 50), CASE WHEN hash(i) % 20 = 0 THEN 'timeout' ELSE 'ok' END, 200,
               50000, 0.4, 1, 20, (hash(i) % 5)::INTEGER, false, NULL
        FROM range({days * 50 * 4}) t(i)""")
    conn.execute(f"""
        INSERT INTO articles (article_id, partition_day, source_id, url, status, title, language, language_probability,
                              text, word_count, published_at, first_seen_at, cluster_id)
        SELECT 'a' || i, current_date - CAST(i % {days} AS INTEGER), 'feed-' || (hash(i) % 50),
               'https://example.org/articles/' || i, CASE WHEN hash(i) % 25 = 0 THEN 'paywalled' ELSE 'ok' END,
               'Titre de l''article ' || i, CASE WHEN hash(i) % 30 = 0 THEN 'en' ELSE 'fr' END, 0.99,
               'Texte de l''article ' || i, 450, now() - to_hours(i % ({days} * 24)), now() - to_hours(i % ({days} * 24)),
               CASE WHEN i % 5 = 0 AND i >= {days} THEN 'a' || (i - {days} * (1 + hash(i) % 1)) ELSE 'a' || i END
        FROM range({n_articles}) t(i)""")
    # mentions: Zipf-like popularity (a few companies get most mentions)
    conn.execute(f"""
        INSERT INTO company_mentions (article_id, partition_day, company_id, company_name, surface, via,
                                      char_start, char_end, sentence, tagger_version, known)
        SELECT 'a' || (i % {n_articles}), current_date - CAST((i % {n_articles}) % {days} AS INTEGER),
               c.company_id, c.name, c.name, 'name', 10, 20,
               c.name || ' a annoncé de nouveaux résultats trimestriels.', 'tagger-1.0', true
        FROM range({mentions}) t(i)
        JOIN company_ids c ON c.k = CAST(floor(pow(hash(i) % 10000 / 10000.0, 3) * {n_companies}) AS INTEGER)""")
    statuses = "['announced', 'planned', 'executed', 'denied', 'negated', 'hypothetical', 'generic', 'postponed']"
    conn.execute(f"""
        INSERT INTO layoff_mentions (article_id, partition_day, mention_index, company_id, status, counted,
                                     headcount, headcount_percent, trigger, sentence, char_start, char_end,
                                     cluster_id, tagger_version, company_name, known)
        SELECT 'a' || a, current_date - CAST(a % {days} AS INTEGER), 0, CASE WHEN s = 'generic' THEN NULL ELSE c.company_id END,
               s, s IN ('announced', 'planned', 'executed'), (hash(i) % 3000)::BIGINT, NULL, 'supprimer',
               c.name || ' va supprimer des postes.', 0, 30, CASE WHEN a % 5 = 0 AND a >= {days} THEN 'a' || (a - {days}) ELSE 'a' || a END,
               'tagger-1.0', CASE WHEN s = 'generic' THEN NULL ELSE c.name END, s <> 'generic'
        FROM (SELECT i, (hash(i * 7) % {n_articles}) AS a, {statuses}[CAST(1 + hash(i) % 8 AS BIGINT)] AS s FROM range({mentions // 20}) t(i))
        JOIN company_ids c ON c.k = CAST(hash(i * 13) % {n_companies} AS BIGINT)""")
    conn.execute(f"""
        INSERT INTO numeric_facts (article_id, partition_day, text, value, unit, kind, qualifier, noun, range_low,
                                   company_id, char_start, char_end, sentence, tagger_version)
        SELECT 'a' || a, current_date - CAST(a % {days} AS INTEGER), (hash(i) % 900)::VARCHAR || ' millions d''euros',
               (hash(i) % 900) * 1e6, 'EUR', ['money', 'count', 'percent'][CAST(1 + hash(i) % 3 AS BIGINT)], NULL, 'levée', NULL,
               c.company_id, 0, 20, 'Une phrase.', 'tagger-1.0'
        FROM (SELECT i, hash(i * 3) % {n_articles} AS a FROM range({mentions // 4}) t(i))
        JOIN company_ids c ON c.k = CAST(hash(i * 11) % {n_companies} AS BIGINT)""")
    conn.execute(f"""
        INSERT INTO org_candidate_mentions (article_id, partition_day, name, sentence)
        SELECT 'a' || (hash(i) % {n_articles}), current_date - CAST(hash(i) % {days} AS INTEGER),
               'Organisation ' || (hash(i * 5) % 2000), 'Une phrase qui cite une organisation.'
        FROM range({mentions // 10}) t(i)""")
    return {t: warehouse.table_count(conn, t) for t in (
        "articles", "company_mentions", "layoff_mentions", "numeric_facts", "org_candidate_mentions",
        "feed_fetches")}


def dbt_build(db_path: Path, work: Path) -> None:
    env = dict(os.environ, MONITOR_WAREHOUSE_PATH=str(db_path), DBT_SEND_ANONYMOUS_USAGE_STATS="false",
               DO_NOT_TRACK="1")
    dbt = Path(sys.executable).parent / "dbt"
    proc = subprocess.run(
        [str(dbt), "build", "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR),
         "--target-path", str(work / "target"), "--log-path", str(work / "logs"), "--quiet"],
        capture_output=True, text=True, env=env, timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(f"dbt build failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")


def analyst_queries(mentions: int, repeats: int = 5) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-analytics-") as tmp:
        work = Path(tmp)
        db_path = work / "warehouse.duckdb"
        conn = duckdb.connect(str(db_path))
        with Stopwatch() as fill:
            counts = fill_base_tables(conn, mentions)
        conn.close()
        with Stopwatch() as build:
            dbt_build(db_path, work)
        conn = duckdb.connect(str(db_path))
        with Stopwatch() as publish:
            published = warehouse.publish_analytics_copy(conn, work / "analytics.duckdb")
        conn.close()
        reader = duckdb.connect(str(work / "analytics.duckdb"), read_only=True)
        search_index.load_fts(reader)  # the guide's full-text search query
        queries = []
        try:
            for heading, sql in example_queries():
                times, rows = [], 0
                for _ in range(repeats):
                    with Stopwatch() as sw:
                        rows = len(reader.execute(sql).fetchall())
                    times.append(sw.seconds)
                queries.append({"query": heading, "median_ms": round(1000 * median(times), 2), "rows": rows})
        finally:
            reader.close()
    slowest = max(q["median_ms"] for q in queries)
    return {"ratio": round(slowest / 200.0, 4), "target": 1.0, "met": slowest < 200.0, "rounds": repeats,
            "reference": "200 ms per query (an analyst's interactive budget); each query run "
                         f"{repeats} times, median",
            "slowest_ms": slowest, "queries": queries, "base_rows": counts, "published_rows": published,
            "fill_s": round(fill.seconds, 2), "dbt_build_s": round(build.seconds, 2),
            "publish_s": round(publish.seconds, 2),
            "note": "ratio = slowest query median / 200 ms; marts built by the real dbt project (full build)"}
