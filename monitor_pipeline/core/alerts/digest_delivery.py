"""The daily digest, delivered: one message per ``daily_digest`` subscription and day
(``digest:<day>``), carrying the digest's HTML (with its chart) and a plain-text version.

The digest itself (its data and HTML) is built by :mod:`monitor_pipeline.digest`; this module words
its plain-text version and addresses it. Channels that render HTML (e-mail) get the HTML, the
others the text (see ``AppriseChannel.send_html``).

Mail clients seldom show an inline SVG: for e-mail, :func:`email_html` puts the chart as a PNG
(:func:`chart_png`) referenced by ``cid:``, which the e-mail channel sends inline in the message.

Pure domain code: no Dagster, no I/O.
"""
from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from monitor_pipeline.core.alerts.ledger import OutgoingMessage
from monitor_pipeline.core.alerts.event_alerts import format_int_fr
from monitor_pipeline.core.alerts.subscriptions import Subscription

__all__ = ["DIGEST_KIND", "digest_subscriptions", "render_digest_text", "chart_items", "chart_png", "email_html",
           "digest_messages"]

DIGEST_KIND = "digest"
MAX_LINES_PER_SECTION = 10
CHART_LABEL = "Mentions par entreprise"
_SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)


def digest_subscriptions(subscriptions: Sequence[Subscription]) -> list[Subscription]:
    """Subscriptions in ``mode: daily_digest``."""
    return [s for s in subscriptions if s.mode == "daily_digest"]


def _day_fr(day: str) -> str:
    return "/".join(reversed(day.split("-")))


def _section(title: str, rows: Sequence[Mapping[str, Any]], line) -> list[str]:
    lines = ["", f"{title} ({len(rows)})"]
    if not rows:
        return lines + ["  aucun"]
    lines += [f"- {line(row)}" for row in rows[:MAX_LINES_PER_SECTION]]
    if len(rows) > MAX_LINES_PER_SECTION:
        lines.append(f"  … et {len(rows) - MAX_LINES_PER_SECTION} autres")
    return lines


def render_digest_text(day: str, data: Mapping[str, Sequence[Mapping[str, Any]]]) -> tuple[str, str]:
    """French ``(title, text)`` of the digest of ``day`` (``YYYY-MM-DD``) from the digest's data
    (``companies``, ``layoffs``, ``spikes``, ``feeds``, as :func:`monitor_pipeline.digest.digest_data`)."""
    title = f"Veille IA — digest du {_day_fr(day)}"
    lines = [title]
    lines += _section("Entreprises les plus citées", data.get("companies", ()), lambda r: (
        f"{r['company_name']} : {format_int_fr(r['mentions'])} mentions, {format_int_fr(r['articles'])} articles"))
    lines += _section("Plans de licenciements", data.get("layoffs", ()), lambda r: (
        f"{r['company_name']} — {r['status']} — "
        + (f"{format_int_fr(r['headcount'])} postes" if r.get("headcount") is not None else "effectif non précisé")
        + (f" — {r['url']}" if r.get("url") else "")))
    lines += _section("Pics de mentions", data.get("spikes", ()), lambda r: (
        f"{r['company_name']} : {format_int_fr(r['mentions'])} mentions (attendu {r['expected']})"))
    feeds = data.get("feeds", ())
    failures = sum(int(r.get("failures") or 0) for r in feeds)
    lines += ["", f"Flux : {len(feeds)} suivis, {format_int_fr(failures)} échecs de récupération"]
    return title, "\n".join(lines)


def chart_items(data: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[tuple[str, int]]:
    """The bars of the digest's chart: (company, mentions) of the day's most cited companies."""
    return [(r["company_name"] or "?", int(r["mentions"])) for r in data.get("companies", ())]


def chart_png(items: Sequence[tuple[str, int]]) -> bytes:
    """The digest's bar chart as a PNG image (matplotlib, no global pyplot state)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.5, max(1.6, 0.32 * len(items) + 0.9)), layout="constrained")
    axes = figure.subplots()
    if items:
        labels, values = zip(*reversed(items))
        axes.bar_label(axes.barh(labels, values, color="#3b6ea5"), padding=3)
    else:
        axes.text(0.5, 0.5, "Aucune donnée.", ha="center", va="center", transform=axes.transAxes)
    axes.set_title(CHART_LABEL)
    axes.set_xticks([])
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def email_html(html: str, chart_file_name: str) -> str:
    """The digest's HTML with its inline SVG chart replaced by the PNG ``cid:<chart_file_name>``."""
    image = f'<img src="cid:{escape(chart_file_name)}" alt="{CHART_LABEL}">'
    return _SVG.sub(lambda _: image, html, count=1)


def digest_messages(day: str, title: str, text: str, html: str, subscriptions: Sequence[Subscription],
                    images: Sequence[str] = ()) -> list[OutgoingMessage]:
    """One message per digest subscription for ``day`` (``images``: the files the HTML shows by ``cid:``)."""
    return [OutgoingMessage(f"digest:{day}", DIGEST_KIND, s.name, title, text, html, tuple(images))
            for s in digest_subscriptions(subscriptions)]
