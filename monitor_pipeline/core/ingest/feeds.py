"""Safe RSS/Atom parsing into clean, identified feed entries.

:func:`parse_feed` takes the *bytes* of a response and its headers (so feedparser sees the
``Content-Type`` charset) and never a URL or a path: feedparser would fetch a URL or open a file.
Before feedparser, documents declaring XML entities are refused (billion laughs, quadratic
blow-up, external entities). Entries are cleaned (HTML unescaped, tags stripped, bounded length),
their links limited to http(s), their dates parsed (RFC 822, ISO 8601, French month names) and
their identity computed from the canonical URL, so the same article reached through two feeds or
through a GUID that moved from ``http`` to ``https`` has one identity.
"""

from __future__ import annotations

import hashlib
import html
import io
import re
import unicodedata
import xml.parsers.expat
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import feedparser

from monitor_pipeline.core.ingest.urls import canonicalize_url

__all__ = [
    "FeedEntry",
    "ParsedFeed",
    "check_expat",
    "clean_text",
    "entry_key",
    "normalize_title",
    "parse_date",
    "parse_feed",
]

TITLE_MAX_CHARS = 1_000
SUMMARY_MAX_CHARS = 5_000
AUTHOR_MAX_CHARS = 200
FUTURE_TOLERANCE = timedelta(days=1)
#: Naive dates in a French press feed are read as Paris time.
NAIVE_DATES_TZ = ZoneInfo("Europe/Paris")
_BENIGN_BOZO = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


@dataclass
class FeedEntry:
    """One feed item, cleaned. ``canonical_url`` is its identity (see :func:`entry_key`)."""

    source_id: str
    url: str
    canonical_url: str
    guid: str | None
    title: str
    summary: str
    author: str | None
    published_raw: str | None
    published_at: datetime | None
    published_in_future: bool
    title_key: str

    @property
    def key(self) -> str:
        """Stable identity across feeds and polls: a hash of the canonical URL."""
        return entry_key(self.canonical_url)


@dataclass
class ParsedFeed:
    """Outcome of :func:`parse_feed`: ``status`` is ``ok``, ``parse_error`` or ``empty``."""

    status: str
    bozo: bool
    error: str | None
    language: str | None
    title: str | None
    entries: list[FeedEntry] = field(default_factory=list)
    version: str | None = None
    warning: str | None = None
    dropped_entries: int = 0
    duplicate_entries: int = 0


# --------------------------------------------------------------------------- safety


def check_expat() -> None:
    """Raise ``RuntimeError`` if pyexpat predates 2.4.1 (no billion-laughs protection)."""
    version = xml.parsers.expat.version_info
    if tuple(version) < (2, 4, 1):
        raise RuntimeError(
            f"expat {'.'.join(map(str, version))} is older than 2.4.1 and has no protection against "
            "entity-expansion (billion laughs) attacks; upgrade Python or its libexpat"
        )


class _Refused(Exception):
    pass


class _PrologDone(Exception):
    pass


_CDATA = b"<![CDATA["
_ENTITY_DECL = re.compile(rb"<!\s*ENTITY", re.IGNORECASE)


def _entity_refusal(body: bytes) -> str | None:
    """Return why the document must be refused, or None.

    Reads the prolog with expat (stopping at the first element) and refuses any entity
    declaration, general or parameter, internal or external. If expat cannot read the prolog
    (malformed documents), falls back to a byte search before the first CDATA section.
    """
    parser = xml.parsers.expat.ParserCreate()

    def refuse(*_args: Any) -> None:
        raise _Refused

    def stop(*_args: Any) -> None:
        raise _PrologDone

    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.StartElementHandler = stop
    data = body.lstrip(b" \t\r\n")  # feeds often have whitespace before the declaration
    try:
        for start in range(0, len(data), 65536):
            parser.Parse(data[start:start + 65536], False)
        parser.Parse(b"", True)
    except _PrologDone:
        return None
    except _Refused:
        return "entity declarations refused"
    except (xml.parsers.expat.ExpatError, LookupError, ValueError):  # malformed, unknown encoding...
        head = data[: 2**20]
        cdata = head.find(_CDATA)
        if _ENTITY_DECL.search(head if cdata < 0 else head[:cdata]):
            return "entity declarations refused"
    return None


# --------------------------------------------------------------------------- charset

_SINGLE_BYTE_WESTERN = frozenset({
    "iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "iso-8859-15", "iso8859-15", "latin-9",
    "windows-1252", "cp1252", "us-ascii", "ascii",
})
_XML_DECL_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_CHARSET_PARAM = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._-]+)", re.IGNORECASE)


def _declared_charset(body: bytes, headers: Mapping[str, str]) -> str | None:
    match = _CHARSET_PARAM.search(headers.get("content-type", ""))
    if match:
        return match.group(1).lower()
    decl = _XML_DECL_ENCODING.match(body[:512])
    return decl.group(1).decode("ascii").lower() if decl else None


def _fix_utf8_declared_as_latin(body: bytes, headers: dict[str, str]) -> str | None:
    """UTF-8 bytes declared as Latin-1/Windows-1252 would decode "successfully" into mojibake
    ("Ã©"). Valid multi-byte UTF-8 is vanishingly unlikely in real Latin-1 text, so in that case
    tell feedparser the truth through the content-type header. Returns a warning or None."""
    declared = _declared_charset(body, headers)
    if declared not in _SINGLE_BYTE_WESTERN or body.isascii():
        return None
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    content_type = headers.get("content-type", "").split(";", 1)[0].strip() or "application/xml"
    if "xml" not in content_type:
        content_type = "application/xml"
    headers["content-type"] = f"{content_type}; charset=utf-8"
    return f"body is UTF-8 although declared as {declared}; decoded as UTF-8"


# --------------------------------------------------------------------------- text


_SCRIPT_STYLE = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_BLOCK_TAG = re.compile(
    r"</?(?:p|br|div|li|ul|ol|h[1-6]|tr|td|th|blockquote|section|article|figure|figcaption)\b[^>]*>",
    re.IGNORECASE,
)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<![^<>]*>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\ufeff]")
_SPACES = re.compile(r"\s+")


def _strip_tags(text: str) -> str:
    text = _SCRIPT_STYLE.sub(" ", text)
    text = _COMMENT.sub(" ", text)
    text = _BLOCK_TAG.sub(" ", text)
    return _TAG.sub("", text)


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.8:
        cut = cut[:space]
    return cut.rstrip() + "…"


def clean_text(value: str | None, limit: int) -> str:
    """HTML to plain text: tags stripped, entities unescaped (twice for double-escaped feeds),
    control characters removed, whitespace collapsed, at most ``limit`` characters."""
    text = value or ""
    for _ in range(2):
        text = _strip_tags(text)
        unescaped = html.unescape(text)
        if unescaped == text:
            break
        text = unescaped
    text = _strip_tags(text)
    text = _CONTROL.sub("", text)
    text = _SPACES.sub(" ", text).strip()
    return _truncate(text, limit)


def normalize_title(title: str) -> str:
    """Title key for identity/near-duplicate checks: no accents, case-folded, punctuation and
    extra spaces removed ("L’IA : Mistral lève 600 M€" -> "l ia mistral leve 600 m")."""
    text = unicodedata.normalize("NFKD", title or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold()
    text = re.sub(r"[^\w]+", " ", text)
    return _SPACES.sub(" ", text.replace("_", " ")).strip()


def entry_key(canonical_url: str) -> str:
    """Compact stable identity of an article: first 32 hex chars of SHA-256(canonical URL)."""
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:32]


# --------------------------------------------------------------------------- dates

_FR_MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "mar": 3,
    "avril": 4, "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8,
    "septembre": 9, "sept": 9, "sep": 9, "octobre": 10, "oct": 10, "novembre": 11, "nov": 11,
    "decembre": 12, "dec": 12,
}
_FR_DATE = re.compile(
    r"^(?:(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|lun|mar|mer|jeu|ven|sam|dim)\.?,?\s+)?"
    r"(?P<day>\d{1,2})(?:er)?\s+(?P<month>[a-z]+)\.?\s+(?P<year>\d{4})"
    r"(?:\s*(?:a|,|-)?\s*(?P<hour>\d{1,2})\s*(?:h|:)\s*(?P<minute>\d{2})?(?::(?P<second>\d{2}))?)?"
    r"\s*(?P<tz>z|utc|gmt|[+-]\d{2}:?\d{2})?$"
)


def _strip_accents(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def _parse_french(raw: str) -> datetime | None:
    m = _FR_DATE.match(_SPACES.sub(" ", _strip_accents(raw).lower()).strip())
    if not m:
        return None
    month = _FR_MONTHS.get(m["month"])
    if month is None:
        return None
    try:
        naive = datetime(int(m["year"]), month, int(m["day"]), int(m["hour"] or 0), int(m["minute"] or 0),
                         int(m["second"] or 0))
    except ValueError:
        return None
    tz = m["tz"]
    if not tz:
        return naive.replace(tzinfo=NAIVE_DATES_TZ)
    if tz in ("z", "utc", "gmt"):
        return naive.replace(tzinfo=UTC)
    sign = 1 if tz[0] == "+" else -1
    digits = tz[1:].replace(":", "")
    return naive.replace(tzinfo=timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))))


def parse_date(raw: str | None) -> datetime | None:
    """Parse an RFC 822, ISO 8601 or French ("25 novembre 2026 14:30") date to aware UTC.

    Dates without a time zone are read as Paris time. Returns None when nothing matches.
    """
    if not raw or not raw.strip():
        return None
    text = raw.strip()
    parsed: datetime | None = None
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is None:
        try:
            parsed = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            parsed = None
    if parsed is None:
        parsed = _parse_french(text)
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=NAIVE_DATES_TZ)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _entry_date(entry: Mapping[str, Any]) -> tuple[str | None, datetime | None]:
    for key in ("published", "updated", "created"):
        raw = entry.get(key)
        if raw and str(raw).strip():
            raw = str(raw).strip()[:200]
            when = parse_date(raw)
            struct = entry.get(f"{key}_parsed")
            if when is None and struct:
                try:
                    when = datetime(*struct[:6], tzinfo=UTC)
                except (TypeError, ValueError):
                    when = None
            return raw, when
    return None, None


# --------------------------------------------------------------------------- entries


def _is_http_url(value: str | None) -> bool:
    if not value:
        return False
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _entry_link(entry: Mapping[str, Any]) -> str | None:
    """The article URL: ``link``, else an alternate link, else a permalink-looking GUID."""
    candidates = [entry.get("link")]
    for link in entry.get("links") or []:
        if link.get("rel", "alternate") == "alternate":
            candidates.append(link.get("href"))
    candidates.append(entry.get("id"))
    for candidate in candidates:
        if candidate and _is_http_url(str(candidate)):
            return str(candidate).strip()
    return None


def _entry_summary(entry: Mapping[str, Any]) -> str:
    summary = entry.get("summary")
    if not summary:
        content = entry.get("content") or []
        summary = content[0].get("value") if content else ""
    return clean_text(summary, SUMMARY_MAX_CHARS)


def _bozo_message(exc: BaseException | None) -> str:
    if exc is None:
        return "malformed feed"
    text = str(exc).strip().splitlines()
    message = text[0] if text else type(exc).__name__
    return message.replace("<unknown>:", "line ", 1)[:300]


def parse_feed(
    body: bytes,
    headers: Mapping[str, str],
    source_id: str,
    now: datetime | None = None,
    base_url: str | None = None,
) -> ParsedFeed:
    """Parse feed bytes into cleaned entries.

    ``headers`` are the HTTP response headers (their ``Content-Type`` charset guides decoding);
    ``base_url`` (the feed URL) resolves relative links. A malformed ("bozo") feed whose entries
    parsed is kept (status ``ok``, ``bozo`` True, ``warning`` says why); a feed yielding nothing is
    ``parse_error``; a valid feed with no items is ``empty``. Entries whose link is not http(s)
    are dropped, as are repeats of the same canonical URL within the feed.
    """
    now = now or datetime.now(UTC)
    if not isinstance(body, (bytes, bytearray)):
        raise TypeError("parse_feed takes the response body as bytes, never a URL or a path")
    if not body.strip():
        return ParsedFeed("parse_error", True, "empty body", None, None)
    refusal = _entity_refusal(bytes(body))
    if refusal:
        return ParsedFeed("parse_error", True, refusal, None, None)

    response_headers = {str(k).lower(): str(v) for k, v in headers.items()}
    if base_url and "content-location" not in response_headers:
        response_headers["content-location"] = base_url
    charset_note = _fix_utf8_declared_as_latin(bytes(body), response_headers)
    parsed = feedparser.parse(io.BytesIO(bytes(body)), response_headers=response_headers)

    bozo = bool(parsed.get("bozo"))
    bozo_exc = parsed.get("bozo_exception")
    bozo_note = _bozo_message(bozo_exc) if bozo else None
    if charset_note:
        bozo = True
        bozo_note = f"{charset_note}; {bozo_note}" if bozo_note else charset_note
    feed_meta = parsed.get("feed") or {}
    language = (feed_meta.get("language") or "").strip().lower() or None
    title = clean_text(feed_meta.get("title"), TITLE_MAX_CHARS) or None
    version = parsed.get("version") or None

    entries: list[FeedEntry] = []
    seen: set[str] = set()
    dropped = duplicates = 0
    raw_entries = parsed.get("entries") or []
    for raw in raw_entries:
        link = _entry_link(raw)
        if link is None:
            dropped += 1
            continue
        canonical = canonicalize_url(link)
        if canonical in seen:
            duplicates += 1
            continue
        seen.add(canonical)
        published_raw, published_at = _entry_date(raw)
        in_future = published_at is not None and published_at > now + FUTURE_TOLERANCE
        entry_title = clean_text(raw.get("title"), TITLE_MAX_CHARS)
        guid = (str(raw.get("id")).strip()[:2000] or None) if raw.get("id") else None
        author = clean_text(raw.get("author"), AUTHOR_MAX_CHARS) or None
        entries.append(
            FeedEntry(
                source_id=source_id,
                url=link,
                canonical_url=canonical,
                guid=guid,
                title=entry_title,
                summary=_entry_summary(raw),
                author=author,
                published_raw=published_raw,
                published_at=None if in_future else published_at,
                published_in_future=in_future,
                title_key=normalize_title(entry_title),
            )
        )

    warning = bozo_note
    if dropped:
        note = f"{dropped} entr{'y' if dropped == 1 else 'ies'} dropped (no http(s) link)"
        warning = f"{warning}; {note}" if warning else note
    common = dict(bozo=bozo, language=language, title=title, version=version, dropped_entries=dropped,
                  duplicate_entries=duplicates)
    if entries:
        return ParsedFeed("ok", error=None, entries=entries, warning=warning, **common)
    if raw_entries:
        return ParsedFeed("empty", error=None, warning=warning, **common)
    serious_bozo = bozo and not isinstance(bozo_exc, _BENIGN_BOZO)
    if version and not serious_bozo:
        return ParsedFeed("empty", error=None, warning=warning, **common)
    error = bozo_note if serious_bozo else "not an RSS or Atom feed (no feed structure found)"
    return ParsedFeed("parse_error", error=error, warning=None, **common)
