"""Main-text and metadata extraction from an article's HTML with trafilatura.

Statuses (``ARTICLE_STATUSES``):

* ``ok`` — main text of at least ``min_chars`` characters;
* ``summary_fallback`` — the page yielded no text; the feed summary stands in for it;
* ``empty`` — no text and no feed summary (e.g. a page rendered client-side by JavaScript);
* ``too_short`` — text shorter than ``min_chars`` (kept);
* ``paywalled`` — a paywall notice was found ("Réservé aux abonnés", "Il vous reste 60 % de
  cet article à lire"...); the visible text is kept;
* ``not_html``, ``too_large``, ``timeout`` — set by the callers (content type, body size,
  worker timeout) without running extraction;
* ``error`` — extraction raised; ``error`` holds the message.
"""
from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass
from datetime import datetime

ARTICLE_STATUSES = (
    "ok", "summary_fallback", "empty", "too_short", "paywalled", "not_html", "too_large",
    "error", "timeout",
)

HTML_CONTENT_TYPES = ("text/html", "application/xhtml+xml")

# Paywall notices, matched on short lines of the extracted text (normalized apostrophes and
# spaces): a notice is a line of its own, whereas prose may mention "réservé aux abonnés".
_PAYWALL_TEXT_MARKERS = re.compile(
    r"réservée? aux abonnés"
    r"|il vous reste \d+\s?% de cet article à lire"
    r"|abonnez-vous pour (?:lire|découvrir|accéder à) la suite"
    r"|^article réservé",
    re.IGNORECASE,
)
_PAYWALL_LINE_MAX_CHARS = 160
# Notices specific enough to trust even when the extractor dropped them from the text.
_PAYWALL_HTML_MARKERS = re.compile(
    r"il vous reste\s+\d+(?:\s|&nbsp;|&#160;|\u00a0|\u202f)?%\s+de cet article à lire"
    r"|abonnez-vous pour lire la suite",
    re.IGNORECASE,
)

# Unrendered client-side template expressions: "{{ctrl.content.status}}", "{{ item.title | x }}".
_TEMPLATE_EXPRESSION = re.compile(r"\{\{\s*[A-Za-z_$][\w$]*(?:\.[\w$]+)+[^{}]*\}\}")
_ENABLE_JAVASCRIPT = re.compile(
    r"(?:enable|activer|activez)\s+(?:le\s+)?javascript|javascript\s+(?:is\s+)?(?:required|disabled|désactivé)",
    re.IGNORECASE,
)
CLIENT_SIDE_REASON = "page is rendered client-side (JavaScript templates); no server-side text"

_HTML_LANG = re.compile(r"<html\b[^>]*?\blang\s*=\s*[\"']?\s*([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*)", re.IGNORECASE)
_PUBLISHED_META = re.compile(
    r"<meta\b[^>]*?(?:property|name|itemprop)\s*=\s*[\"'](?:article:published_time|datePublished|"
    r"og:article:published_time|pubdate|publishdate|dc\.date\.issued)[\"'][^>]*>",
    re.IGNORECASE,
)
_CONTENT_ATTR = re.compile(r"\bcontent\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)
_BLOCK_TAGS = re.compile(r"<\s*(?:br|/p|/div|/li|/h[1-6]|/blockquote|/tr)\b[^>]*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"[ \t\u00a0\u202f]+")


@dataclass
class ExtractedArticle:
    status: str
    title: str | None
    author: str | None
    published_at: str | None  # ISO date or datetime found in the HTML
    sitename: str | None
    description: str | None
    text: str
    html_lang: str | None
    error: str | None = None
    reason: str | None = None  # why the status is not "ok", in words (e.g. client-side page)


def is_html_content_type(content_type: str | None) -> bool:
    """True for text/html and application/xhtml+xml (parameters ignored).

    A missing content type counts as HTML: servers often omit it and the extractor copes
    with anything that is not markup by returning no text.
    """
    if content_type is None or not content_type.strip():
        return True
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type in HTML_CONTENT_TYPES


def extract_article(
    html: str,
    url: str | None = None,
    feed_summary: str | None = None,
    min_chars: int = 200,
) -> ExtractedArticle:
    """Extract main text and metadata; never raises (status "error" carries the message)."""
    html_lang = find_html_lang(html)
    try:
        document = _run_trafilatura(html, url)
    except Exception as exc:  # trafilatura/lxml failures on hostile markup
        return ExtractedArticle(
            status="error", title=None, author=None, published_at=None, sitename=None,
            description=None, text="", html_lang=html_lang,
            error=f"extraction failed: {type(exc).__name__}: {exc}",
        )

    text = (getattr(document, "text", None) or "").strip() if document is not None else ""
    article = ExtractedArticle(
        status="ok",
        title=_clean_meta(getattr(document, "title", None)),
        author=_clean_meta(getattr(document, "author", None)),
        published_at=find_published_at(html) or _clean_meta(getattr(document, "date", None)),
        sitename=_clean_meta(getattr(document, "sitename", None)),
        description=_clean_meta(getattr(document, "description", None)),
        text=text,
        html_lang=html_lang,
    )
    if text and looks_client_side_rendered(text):
        article.text = ""
        article.reason = CLIENT_SIDE_REASON
    article.status = _status_for(article, html, feed_summary, min_chars)
    return article


def _status_for(article: ExtractedArticle, html: str, feed_summary: str | None, min_chars: int) -> str:
    """Decide the status; may replace the text with the feed summary."""
    if article.text and is_paywalled(article.text, html):
        article.reason = "paywall notice found; only the free part of the text is available"
        return "paywalled"
    if not article.text:
        summary = summary_to_text(feed_summary)
        prefix = f"{article.reason}; " if article.reason else ""
        if summary:
            article.text = summary
            article.reason = prefix + "no text extracted from the page; feed summary used"
            return "summary_fallback"
        article.reason = prefix + "no text extracted from the page and no feed summary"
        return "empty"
    if len(article.text) < min_chars:
        article.reason = f"text has {len(article.text)} characters, fewer than {min_chars}"
        return "too_short"
    return "ok"


def looks_client_side_rendered(text: str) -> bool:
    """True when the extracted "text" is the skeleton of a JavaScript-rendered page:
    unrendered template expressions ("{{ctrl.content.title}}") or, on a short text, a request
    to enable JavaScript."""
    if len(_TEMPLATE_EXPRESSION.findall(text)) >= 2:
        return True
    return len(text) < 500 and bool(_ENABLE_JAVASCRIPT.search(text))


_DATE_PARAMS = {
    # htmldate's extensive search falls back to dateparser, whose first use costs several
    # seconds per worker process; on the real-world pages it found no more correct dates
    # (18/24 either way). Feeds usually give the date anyway.
    "extensive_search": False,
    "original_date": True,
}


def _run_trafilatura(html: str, url: str | None):
    """Main text and the metadata fields we keep (title, author, date, sitename, description).

    The HTML is parsed once; the tree serves both the metadata and the text extraction
    (``bare_extraction`` works on a copy). Same results as ``bare_extraction(with_metadata=True)``
    without the categories, tags, license and hostname searches, which we do not store
    (about a third of trafilatura's metadata time). ``None`` when trafilatura finds no text.
    """
    import trafilatura
    from trafilatura.utils import load_html

    tree = load_html(html)
    if tree is None:
        return None
    metadata = _article_metadata(tree, url)
    document = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=False,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
    )
    if document is None:
        return None
    for field in ("title", "author", "date", "sitename", "description"):
        setattr(document, field, getattr(metadata, field))
    return document


def _article_metadata(tree, url: str | None):
    """trafilatura's ``extract_metadata`` steps for the fields we keep, in the same order
    (meta tags, JSON-LD, title, author, canonical URL, htmldate, sitename), then the same
    trimming."""
    from htmldate import find_date
    from trafilatura.metadata import (
        META_URL, examine_meta, extract_author, extract_meta_json, extract_sitename,
        extract_title, extract_url,
    )

    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None
    try:
        metadata = extract_meta_json(tree, metadata)
    except Exception:  # trafilatura tolerates bugs in its JSON-LD parsing the same way
        pass
    if not metadata.title:
        metadata.title = extract_title(tree)
    if not metadata.author:
        metadata.author = extract_author(tree)
    if not metadata.url:
        metadata.url = extract_url(tree, url)
    metadata.date = find_date(tree, **_DATE_PARAMS, url=metadata.url)
    if not metadata.sitename:
        metadata.sitename = extract_sitename(tree)
    if metadata.sitename:
        metadata.sitename = metadata.sitename.lstrip("@")
        if metadata.sitename and "." not in metadata.sitename and not metadata.sitename[0].isupper():
            metadata.sitename = metadata.sitename.title()
    elif metadata.url:
        match = META_URL.match(metadata.url)
        if match:
            metadata.sitename = match[1]
    metadata.clean_and_trim()
    return metadata


def is_paywalled(text: str, html: str = "") -> bool:
    """True when the text (or, for unambiguous notices, the raw HTML) shows a paywall."""
    normalized = text.replace("\u2019", "'").replace("\u00a0", " ").replace("\u202f", " ")
    for line in normalized.splitlines():
        line = line.strip()
        if len(line) <= _PAYWALL_LINE_MAX_CHARS and _PAYWALL_TEXT_MARKERS.search(line):
            return True
    if not html:
        return False
    # The regex scans a 100 KB page in several milliseconds; a substring test on the
    # lower-cased page (every notice contains one of these) skips it on most pages. The needles
    # are ASCII, so lower-casing the UTF-8 bytes (ASCII letters only) finds them wherever
    # str.lower would, in a quarter of the time on a page with accented text.
    lowered = html.encode("utf-8", "surrogatepass").lower()
    if b"de cet article" not in lowered and b"abonnez-vous pour lire la suite" not in lowered:
        return False
    return bool(_PAYWALL_HTML_MARKERS.search(html))


def find_html_lang(html: str) -> str | None:
    """The ``lang`` attribute of the ``<html>`` element, lower-cased ("fr", "fr-fr")."""
    match = _HTML_LANG.search(html[:20000])
    return match.group(1).replace("_", "-").lower() if match else None


def find_published_at(html: str) -> str | None:
    """ISO datetime from an ``article:published_time``-style meta tag, when parsable."""
    for tag in _PUBLISHED_META.finditer(html[:200000]):
        content = _CONTENT_ATTR.search(tag.group(0))
        if not content:
            continue
        value = content.group(1).strip()
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            continue
        return parsed.isoformat()
    return None


def summary_to_text(summary: str | None) -> str:
    """Plain text of a feed summary that may contain HTML (tags dropped, entities decoded)."""
    if not summary:
        return ""
    text = _BLOCK_TAGS.sub("\n", summary)
    text = html_lib.unescape(_ANY_TAG.sub("", text))
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _clean_meta(value: object) -> str | None:
    if value is None:
        return None
    text = html_lib.unescape(str(value)).strip()
    return text or None
