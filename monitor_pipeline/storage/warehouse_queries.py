"""Read-only queries over the warehouse that the Dagster layer shows (previews, counts) or judges (asset
checks). Plain Python over a DuckDB connection, like ``warehouse``: the ``defs`` layer holds no SQL."""
from __future__ import annotations

from typing import Any

from monitor_pipeline.storage.warehouse import fetch_dicts

# Extraction outcomes that mean a fetched page gave no usable text.
FAILED_EXTRACTION_STATUSES = ("empty", "error", "timeout", "not_html", "too_large")
# Fetch outcomes: the page never arrived, so extraction is not to blame.
# Pages never extracted for a reason of fetching or of the publisher's choice (robots.txt, TDM
# reservation): not extraction failures.
FETCH_FAILURE_STATUSES = ("timeout", "connection_error", "blocked", "tls_error",
                          "robots_disallowed", "robots_unavailable", "tdm_reserved")

# Markdown previews of the marts, newest first (the analysts' copy shows the same).
MART_PREVIEWS = {
    "company_mentions_daily": "SELECT day, company_name, mentions, articles, sources, clusters "
                              "FROM company_mentions_daily ORDER BY day DESC, mentions DESC LIMIT 10",
    "layoff_mentions_daily": "SELECT day, company_id, counted_events, mentions, max_headcount, first_evidence_url "
                             "FROM layoff_mentions_daily ORDER BY day DESC, counted_events DESC LIMIT 10",
    "layoff_events": "SELECT company_name, wave, status, headcount, articles, sources, "
                     "'[' || coalesce(article_title, url) || '](' || url || ')' AS evidence "
                     "FROM layoff_events ORDER BY last_seen DESC LIMIT 10",
    "company_trends": "SELECT day, company_name, mentions, mentions_7d, round(spike_p_value, 4) AS p_value, is_spike "
                      "FROM company_trends ORDER BY day DESC, mentions DESC LIMIT 10",
}
# Every mart dbt builds; the ones without a preview above show their first rows.
MART_NAMES = (
    "company_mentions_daily", "layoff_mentions_daily", "layoff_events", "layoff_event_mentions", "company_trends",
    "metric_mentions", "source_health_daily", "org_candidates",
)


def mart_preview(conn, mart: str) -> list[dict[str, Any]]:
    if mart not in MART_NAMES:
        raise ValueError(f"not a mart: {mart!r}")
    return fetch_dicts(conn, MART_PREVIEWS.get(mart, f"SELECT * FROM {mart} LIMIT 10"))


def mart_row_count(conn, mart: str) -> int:
    if mart not in MART_NAMES:
        raise ValueError(f"not a mart: {mart!r}")
    return conn.execute(f"SELECT count(*) FROM {mart}").fetchone()[0]


# --------------------------------------------------------------------------- ingest
def feed_health(conn) -> list[dict[str, Any]]:
    """Each feed's polling state, the failing ones first."""
    return fetch_dicts(conn, """
        SELECT feed_id, last_status, consecutive_failures, next_poll_at, disabled_reason
        FROM feed_state ORDER BY consecutive_failures DESC, feed_id""")


def failing_feeds(conn) -> dict[str, Any]:
    """How many feeds there are, how many failed their last poll (by name) and how many are disabled."""
    total, failing, disabled = conn.execute("""
        SELECT count(*), count(*) FILTER (WHERE consecutive_failures > 0),
               count(*) FILTER (WHERE disabled_reason IS NOT NULL)
        FROM feed_state""").fetchone()
    names = [r[0] for r in conn.execute(
        "SELECT feed_id FROM feed_state WHERE consecutive_failures > 0 ORDER BY feed_id").fetchall()]
    return {"feeds": total, "failing": failing, "disabled": disabled, "failing_feeds": names}


def poll_recency(conn, day: str) -> dict[str, Any]:
    """When the day's latest entry was first seen, and the hours since any feed was last polled successfully."""
    latest = conn.execute("SELECT max(first_seen_at) FROM feed_entries WHERE partition_day = ?", [day]).fetchone()[0]
    hours = conn.execute(
        "SELECT date_diff('minute', max(last_success_at), now()) / 60.0 FROM feed_state").fetchone()[0]
    return {"latest_entry_first_seen": latest, "hours_since_successful_poll": hours}


# --------------------------------------------------------------------------- articles
def articles_preview(conn, day: str, limit: int = 15) -> list[dict[str, Any]]:
    return fetch_dicts(conn, """
        SELECT source_id, status, language, left(title, 70) AS title, word_count
        FROM articles WHERE partition_day = ? ORDER BY source_id, title LIMIT ?""", [day, limit])


def article_coverage(conn, day: str) -> dict[str, int]:
    """The day's feed entries, its article rows, and the new entries its successful fetches reported."""
    entries = conn.execute("SELECT count(*) FROM feed_entries WHERE partition_day = ?", [day]).fetchone()[0]
    articles = conn.execute("SELECT count(*) FROM articles WHERE partition_day = ?", [day]).fetchone()[0]
    announced = conn.execute("""
        SELECT coalesce(sum(entries_new), 0) FROM feed_fetches
        WHERE partition_day = ? AND status = 'ok'""", [day]).fetchone()[0]
    return {"entries": entries, "articles": articles, "new_entries_reported_by_feeds": int(announced)}


def extraction_failures(conn, day: str) -> tuple[int, int]:
    """(fetched pages, pages whose extraction failed or came out empty) for the day."""
    total, failed = conn.execute(
        "SELECT count(*), count(*) FILTER (WHERE status IN (SELECT unnest(?))) FROM articles "
        "WHERE partition_day = ? AND status NOT LIKE 'http_%' AND status NOT IN (SELECT unnest(?))",
        [list(FAILED_EXTRACTION_STATUSES), day, list(FETCH_FAILURE_STATUSES)],
    ).fetchone()
    return total, failed


def french_articles(conn, day: str) -> tuple[int, int]:
    """(articles with a detected language, French articles) for the day."""
    return conn.execute(
        "SELECT count(*) FILTER (WHERE language <> 'und'), count(*) FILTER (WHERE language = 'fr') "
        "FROM articles WHERE partition_day = ?", [day]).fetchone()


# --------------------------------------------------------------------------- mentions
def layoff_mentions_preview(conn, day: str, limit: int = 20) -> list[dict[str, Any]]:
    return fetch_dicts(conn, """
        SELECT coalesce(company_id, '-') AS company, status, headcount, left(sentence, 100) AS sentence
        FROM layoff_mentions WHERE partition_day = ? ORDER BY counted DESC, company LIMIT ?""", [day, limit])


def metric_mentions_preview(conn, day: str, limit: int = 15) -> list[dict[str, Any]]:
    return fetch_dicts(conn, """
        SELECT text, value, kind, unit, coalesce(company_id, '-') AS company
        FROM numeric_facts WHERE partition_day = ? ORDER BY article_id, char_start LIMIT ?""", [day, limit])


# --------------------------------------------------------------------------- marts
def counted_layoff_events(conn) -> list[dict[str, Any]]:
    """The real-world layoff events of the ``layoff_events`` mart, latest first (empty before dbt first
    built it): company, status, headcount, how many articles and outlets support each."""
    tables = {r[0] for r in conn.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if "layoff_events" not in tables:
        return []
    return fetch_dicts(conn, """
        SELECT event_id, company_id, company_name, known, wave, status, headcount, headcount_percent,
               first_seen, last_seen, articles, sources, sentence, article_id, article_title, url, source_id,
               source_name
        FROM layoff_events ORDER BY last_seen DESC, event_id""")


def recent_company_spikes(conn, min_mentions: int, max_p_value: float, days: int) -> list[dict[str, Any]]:
    """Rows of ``company_trends`` over the alert threshold in the ``days`` latest days of the mart
    (empty before dbt first built it)."""
    tables = {r[0] for r in conn.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if "company_trends" not in tables:
        return []
    return fetch_dicts(conn, """
        SELECT company_id, coalesce(company_name, company_id) AS company_name, cast(day AS VARCHAR) AS day,
               mentions, expected_daily, spike_p_value
        FROM company_trends
        WHERE mentions >= ? AND spike_p_value < ?
          AND day > (SELECT max(day) FROM company_trends) - CAST(? AS INTEGER)
        ORDER BY day, company_id""", [min_mentions, max_p_value, days])
