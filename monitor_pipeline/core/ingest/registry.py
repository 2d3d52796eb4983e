"""The feed registry: which RSS/Atom feeds the pipeline watches.

The registry is data, kept in ``monitor_pipeline/data/feeds.yaml``::

    feeds:
      - id: lemagit
        name: LeMagIT
        url: https://www.lemagit.fr/rss/ContentSyndication.xml
        language: fr            # optional, default "fr"
        enabled: true           # optional, default true
        poll_interval_minutes: 30   # optional, default: the pipeline's policy
        feed_allowed_by_publisher: "email from the editor, 2026-03-02"   # optional, see below
        tdm_licence: "CFC agreement 2026-114"                           # optional, see below

``feed_allowed_by_publisher`` records that the publisher explicitly allows this feed to be polled
although its robots.txt disallows it: the feed (never its article pages) is then fetched without
consulting robots.txt. ``tdm_licence`` records a licence or agreement covering text and data mining
of this source: its pages' TDMRep reservations (``tdm-reservation``) are then not applied. Both
take a short text saying where the permission is recorded, never a bare ``true``.

:func:`load_registry` validates every entry and raises :class:`RegistryError` with a message that
names the file, the entry (id, or position when the id is missing) and the problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

__all__ = ["FeedSource", "RegistryError", "default_registry_path", "load_registry"]

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_KNOWN_KEYS = ("id", "name", "url", "language", "enabled", "poll_interval_minutes", "feed_allowed_by_publisher",
               "tdm_licence")
_PERMISSION_MAX_CHARS = 300
_REQUIRED_KEYS = ("id", "name", "url")
_MAX_INTERVAL_MINUTES = 7 * 24 * 60


@dataclass(frozen=True)
class FeedSource:
    """One feed to poll."""

    id: str
    name: str
    url: str
    language: str = "fr"
    enabled: bool = True
    poll_interval_minutes: int | None = None
    feed_allowed_by_publisher: str | None = None
    tdm_licence: str | None = None


class RegistryError(ValueError):
    """The registry file is missing, malformed, or one of its entries is invalid."""


def default_registry_path() -> Path:
    """The registry shipped with the package: ``monitor_pipeline/data/feeds.yaml``."""
    return Path(__file__).resolve().parents[2] / "data" / "feeds.yaml"


def _url_problem(url: Any) -> str | None:
    if not isinstance(url, str) or not url.strip():
        return "url must be a non-empty string"
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        return f"url {url!r} is not a valid URL ({exc})"
    if parts.scheme not in ("http", "https"):
        return f"url {url!r} must use http or https (got scheme {parts.scheme or 'none'!r})"
    if not parts.hostname:
        return f"url {url!r} has no host"
    return None


def _check_entry(raw: Any, label: str) -> FeedSource:
    """Validate one registry entry; ``label`` says which entry it is in error messages."""
    if not isinstance(raw, dict):
        raise RegistryError(f"{label}: must be a mapping with id, name and url, got {type(raw).__name__}")
    unknown = sorted(str(k) for k in raw if k not in _KNOWN_KEYS)
    if unknown:
        raise RegistryError(f"{label}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(_KNOWN_KEYS)}")
    missing = [k for k in _REQUIRED_KEYS if raw.get(k) in (None, "")]
    if missing:
        raise RegistryError(f"{label}: missing required key(s) {', '.join(missing)}")
    feed_id = raw["id"]
    if not isinstance(feed_id, str) or not _ID_RE.match(feed_id):
        raise RegistryError(f"{label}: id {feed_id!r} must be lower-case letters, digits, '-' or '_' (max 64)")
    if not isinstance(raw["name"], str) or not raw["name"].strip():
        raise RegistryError(f"{label}: name must be a non-empty string")
    problem = _url_problem(raw["url"])
    if problem:
        raise RegistryError(f"{label}: {problem}")
    language = raw.get("language", "fr")
    if not isinstance(language, str) or not _LANG_RE.match(language):
        raise RegistryError(f"{label}: language {language!r} must be a language code such as 'fr' or 'en'")
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise RegistryError(f"{label}: enabled must be true or false, got {enabled!r}")
    interval = raw.get("poll_interval_minutes")
    if interval is not None and (
        isinstance(interval, bool) or not isinstance(interval, int) or not 1 <= interval <= _MAX_INTERVAL_MINUTES
    ):
        raise RegistryError(
            f"{label}: poll_interval_minutes must be an integer between 1 and {_MAX_INTERVAL_MINUTES}, got {interval!r}"
        )
    permissions = {key: _permission(raw, key, label) for key in ("feed_allowed_by_publisher", "tdm_licence")}
    return FeedSource(
        id=feed_id,
        name=raw["name"].strip(),
        url=raw["url"].strip(),
        language=language,
        enabled=enabled,
        poll_interval_minutes=interval,
        **permissions,
    )


def _permission(raw: dict, key: str, label: str) -> str | None:
    """A recorded permission: a short single-line text saying where it is documented."""
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise RegistryError(
            f"{label}: {key} must be a short text saying where the permission is recorded "
            f"(e.g. 'email from the editor, 2026-03-02'), got {value!r}")
    if "\n" in value.strip() or len(value.strip()) > _PERMISSION_MAX_CHARS:
        raise RegistryError(f"{label}: {key} must be a single line of at most {_PERMISSION_MAX_CHARS} characters")
    return value.strip()


def load_registry(path: str | Path) -> list[FeedSource]:
    """Read and validate a feed registry YAML file.

    Raises :class:`RegistryError` for a missing or unreadable file, malformed YAML, a document
    without a ``feeds`` list, unknown keys, a duplicate id or URL, or an invalid field.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RegistryError(f"{path}: registry file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RegistryError(f"{path}: cannot read registry file ({exc})") from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" at line {mark.line + 1}, column {mark.column + 1}"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise RegistryError(f"{path}: malformed YAML{where}: {problem}") from None
    if not isinstance(doc, dict) or "feeds" not in doc:
        raise RegistryError(f"{path}: expected a mapping with a 'feeds' list at the top level")
    extra = sorted(str(k) for k in doc if k != "feeds")
    if extra:
        raise RegistryError(f"{path}: unknown top-level key(s) {', '.join(extra)}; only 'feeds' is allowed")
    feeds = doc["feeds"]
    if not isinstance(feeds, list):
        raise RegistryError(f"{path}: 'feeds' must be a list, got {type(feeds).__name__}")

    sources: list[FeedSource] = []
    seen_ids: dict[str, int] = {}
    seen_urls: dict[str, str] = {}
    for index, raw in enumerate(feeds):
        feed_id = raw.get("id") if isinstance(raw, dict) else None
        label = f"{path}: feed #{index + 1}" + (f" (id {feed_id!r})" if isinstance(feed_id, str) else "")
        source = _check_entry(raw, label)
        if source.id in seen_ids:
            raise RegistryError(f"{label}: duplicate id, already used by feed #{seen_ids[source.id] + 1}")
        if source.url in seen_urls:
            raise RegistryError(f"{label}: duplicate url {source.url!r}, already used by id {seen_urls[source.url]!r}")
        seen_ids[source.id] = index
        seen_urls[source.url] = source.id
        sources.append(source)
    return sources
