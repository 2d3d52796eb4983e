"""Original French press-style feeds and pages generated for the reliability tests, served on loopback.

:class:`PressSite` wraps a :class:`~monitor_pipeline_tests.core.http_fixtures.LoopbackServer`: it serves
``/feed/<name>.xml`` (an RSS feed whose item count can grow between polls) and ``/article/<n>``
(an HTML article page). Everything binds to 127.0.0.0/8.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from monitor_pipeline.core.ingest.registry import FeedSource
from monitor_pipeline_tests.core.http_fixtures import Handler, LoopbackServer

CITIES = ("Lyon", "Nantes", "Grenoble", "Toulouse", "Lille", "Rennes", "Bordeaux", "Montpellier")
TOPICS = ("l'IA générative", "les agents conversationnels", "la vision par ordinateur", "les modèles de langage")


def headline(n: int) -> str:
    """An original, unique French headline for article ``n``."""
    city = CITIES[n % len(CITIES)]
    topic = TOPICS[(n // len(CITIES)) % len(TOPICS)]
    return f"À {city}, une jeune pousse mise sur {topic} et lève {n + 2} millions d'euros (dépêche {n})"


def article_html(n: int) -> bytes:
    """An original article page about a fictional start-up, long enough to be extracted."""
    city = CITIES[n % len(CITIES)]
    paragraphs = [
        f"La jeune pousse installée à {city} a annoncé mardi une levée de fonds de {n + 2} millions d'euros "
        "auprès de plusieurs investisseurs régionaux, afin d'accélérer le développement de ses outils "
        "d'intelligence artificielle destinés aux industriels.",
        "Ses fondateurs, passés par des laboratoires publics, comptent recruter une trentaine d'ingénieurs "
        "d'ici la fin de l'année et ouvrir un bureau commercial en Allemagne.",
        "Le marché visé reste étroit, reconnaît la direction, mais la demande des usines pour des systèmes "
        "de contrôle qualité automatisés progresse nettement depuis deux ans.",
    ]
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{escape(headline(n))}</title>'
            f"</head><body><article><h1>{escape(headline(n))}</h1>{body}</article></body></html>").encode("utf-8")


def rss(items: str, title: str = "Flux de test") -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<language>fr</language>{items}</channel></rss>").encode("utf-8")


def rss_item(title: str, link: str, guid: str | None = None, description: str = "Résumé de la dépêche.") -> str:
    guid_xml = f"<guid>{escape(guid)}</guid>" if guid else ""
    return (f"<item><title>{escape(title)}</title><link>{escape(link)}</link>{guid_xml}"
            f"<description>{escape(description)}</description>"
            "<pubDate>Tue, 04 Mar 2025 09:30:00 +0100</pubDate></item>")


@dataclass
class PressSite:
    """Feeds with a growing number of items and the article pages they link to."""

    server: LoopbackServer
    feeds: dict[str, range] = field(default_factory=dict)

    def add_feed(self, name: str, articles: range) -> FeedSource:
        self.feeds[name] = articles
        self.server.route(f"/feed/{name}.xml", lambda h, name=name: self._serve_feed(h, name))
        for n in articles:
            self._route_article(n)
        return FeedSource(id=name, name=f"Flux {name}", url=self.server.url(f"/feed/{name}.xml"))

    def set_articles(self, name: str, articles: range) -> None:
        self.feeds[name] = articles
        for n in articles:
            self._route_article(n)

    def _route_article(self, n: int) -> None:
        self.server.route(f"/article/{n}", lambda h, n=n: h.send(
            200, article_html(n), {"Content-Type": "text/html; charset=utf-8"}))

    def _serve_feed(self, handler: Handler, name: str) -> None:
        items = "".join(rss_item(headline(n), self.server.url(f"/article/{n}"), guid=f"urn:test:{n}")
                        for n in self.feeds[name])
        handler.send(200, rss(items, f"Flux {name}"), {"Content-Type": "application/rss+xml; charset=utf-8"})
