"""The daily digest: a small static HTML report (top companies, layoff events, spikes, feed health)
with an inline SVG bar chart. Plain Python; reads the analysts' copy."""
from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from monitor_pipeline.storage import warehouse


def bar_chart_svg(items: list[tuple[str, int]], width: int = 520, bar_height: int = 18) -> str:
    """Horizontal bars, one per (label, value); no external dependency."""
    if not items:
        return "<p>Aucune donnée.</p>"
    top = max(v for _, v in items) or 1
    label_width = 170
    rows = []
    for i, (label, value) in enumerate(items):
        y = i * (bar_height + 6)
        length = int((width - label_width - 40) * value / top)
        rows.append(
            f'<text x="0" y="{y + bar_height - 4}" font-size="12">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length}" height="{bar_height}" fill="#3b6ea5"/>'
            f'<text x="{label_width + length + 4}" y="{y + bar_height - 4}" font-size="12">{value}</text>'
        )
    height = len(items) * (bar_height + 6)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'role="img" aria-label="Mentions par entreprise">{"".join(rows)}</svg>')


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    if not rows:
        return "<p>Aucune ligne.</p>"
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = []
    for row in rows:
        cells = []
        for c in columns:
            value = row.get(c)
            text = "" if value is None else str(value)
            if c == "url" and text:
                cells.append(f'<td><a href="{escape(text)}">{escape(text)}</a></td>')
            else:
                cells.append(f"<td>{escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def digest_data(analytics_file: Path, day: str) -> dict[str, list[dict[str, Any]]]:
    with warehouse.analysts_connection(analytics_file) as conn:
        return {
            "companies": warehouse.fetch_dicts(conn, """
                SELECT company_name, mentions, articles, clusters FROM company_mentions_daily
                WHERE day = ? ORDER BY articles DESC, mentions DESC, company_name LIMIT 15""", [day]),
            "layoffs": warehouse.fetch_dicts(conn, """
                SELECT company_name, status, headcount, sources, url FROM layoff_events
                WHERE event_id IN (SELECT event_id FROM layoff_event_mentions WHERE day = ?)
                ORDER BY company_name, first_seen""", [day]),
            "spikes": warehouse.fetch_dicts(conn, """
                SELECT company_name, mentions, round(expected_daily, 2) AS expected, round(spike_p_value, 4) AS p_value
                FROM company_trends WHERE day = ? AND is_spike ORDER BY spike_p_value""", [day]),
            "feeds": warehouse.fetch_dicts(conn, """
                SELECT feed_id, fetches, failures, new_entries, articles, extracted_ok, round(french_share, 2) AS french_share
                FROM source_health_daily WHERE day = ? ORDER BY feed_id""", [day]),
        }


def render_digest_html(day: str, data: dict[str, list[dict[str, Any]]]) -> str:
    chart = bar_chart_svg([(r["company_name"] or "?", int(r["mentions"])) for r in data["companies"]])
    return f"""<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Veille IA — {escape(day)}</title>
<style>body{{font-family:sans-serif;max-width:60rem;margin:2rem auto}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:.2rem .5rem;font-size:.9rem}}</style></head>
<body><h1>Veille IA — {escape(day)}</h1>
<h2>Entreprises les plus citées</h2>{chart}
{_table(data["companies"], ["company_name", "mentions", "articles", "clusters"])}
<h2>Plans de licenciements</h2>{_table(data["layoffs"], ["company_name", "status", "headcount", "sources", "url"])}
<h2>Pics de mentions</h2>{_table(data["spikes"], ["company_name", "mentions", "expected", "p_value"])}
<h2>Santé des flux</h2>{_table(data["feeds"], ["feed_id", "fetches", "failures", "new_entries", "articles", "extracted_ok", "french_share"])}
</body></html>
"""


def write_daily_digest(analytics_file: Path, reports_dir: Path, day: str) -> tuple[Path, dict[str, int]]:
    data = digest_data(analytics_file, day)
    reports_dir.mkdir(parents=True, exist_ok=True)
    target = reports_dir / f"digest-{day}.html"
    target.write_text(render_digest_html(day, data), encoding="utf-8")
    return target, {k: len(v) for k, v in data.items()}
