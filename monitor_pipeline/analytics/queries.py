"""The data behind the analysts' charts, read from the analysts' database only (read-only).

Each function takes an open connection and returns a pandas DataFrame. Periods are anchored on the
latest day in the data (not today), so an older copy still charts its own last weeks.
"""
from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from monitor_pipeline.storage import warehouse

COUNTED_STATUSES = ("announced", "planned", "executed")


def connect(path: str | Path | None = None) -> duckdb.DuckDBPyConnection:
    """The analysts' database, read-only (waits, bounded, while a publish holds the lock)."""
    return warehouse.connect_with_retry(str(path or warehouse.analytics_path()), read_only=True)


def layoff_events_per_week(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Real-world layoff events per ISO week (Monday) of their first article, and status: columns week,
    status, events."""
    return conn.execute("""
        SELECT CAST(date_trunc('week', first_day) AS DATE) AS week, status, count(*) AS events
        FROM layoff_events
        GROUP BY ALL
        ORDER BY week, status""").df()


def top_companies(conn: duckdb.DuckDBPyConnection, n: int = 10, days: int = 28) -> pd.DataFrame:
    """The ``n`` companies with the most mentions over the last ``days`` days: company_id,
    company_name, mentions, articles."""
    return conn.execute("""
        WITH last AS (SELECT max(day) AS last_day FROM company_mentions_daily)
        SELECT company_id, any_value(company_name) AS company_name, sum(mentions) AS mentions,
               sum(articles) AS articles
        FROM company_mentions_daily, last
        WHERE day > last_day - to_days(CAST(? AS INTEGER))
        GROUP BY company_id
        ORDER BY mentions DESC, articles DESC, company_id
        LIMIT ?""", [days, n]).df()


def company_trend(conn: duckdb.DuckDBPyConnection, company_ids: list[str], days: int = 90) -> pd.DataFrame:
    """Daily mentions and the 28-day rolling sum of these companies over the last ``days`` days."""
    return conn.execute("""
        WITH last AS (SELECT max(day) AS last_day FROM company_trends)
        SELECT company_id, company_name, day, mentions, mentions_28d, is_spike
        FROM company_trends, last
        WHERE company_id IN (SELECT unnest(?::VARCHAR[])) AND day > last_day - to_days(CAST(? AS INTEGER))
        ORDER BY company_id, day""", [company_ids, days]).df()


def spikes(conn: duckdb.DuckDBPyConnection, days: int = 28, n: int = 15) -> pd.DataFrame:
    """Spike days (Poisson tail test against the 28 days before) of the last ``days`` days, most
    surprising first: company_name, day, mentions, expected_daily, spike_p_value."""
    return conn.execute("""
        WITH last AS (SELECT max(day) AS last_day FROM company_trends)
        SELECT company_id, company_name, day, mentions, expected_daily, spike_p_value
        FROM company_trends, last
        WHERE is_spike AND day > last_day - to_days(CAST(? AS INTEGER))
        ORDER BY spike_p_value, mentions DESC, company_id
        LIMIT ?""", [days, n]).df()


def largest_money_figures(conn: duckdb.DuckDBPyConnection, days: int = 30, n: int = 10) -> pd.DataFrame:
    """The ``n`` largest money amounts stated in the last ``days`` days (one row per figure, distinct
    article and text): company_name, noun, text, value, unit, day, url."""
    return conn.execute("""
        WITH last AS (SELECT max(day) AS last_day FROM metric_mentions)
        SELECT company_name, noun, text, value, unit, day, url
        FROM metric_mentions, last
        WHERE kind = 'money' AND value IS NOT NULL AND day > last_day - to_days(CAST(? AS INTEGER))
        QUALIFY row_number() OVER (PARTITION BY article_id, text ORDER BY company_name NULLS LAST) = 1
        ORDER BY value DESC, day DESC, text
        LIMIT ?""", [days, n]).df()
