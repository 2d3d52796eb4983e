"""robots.txt rules (RFC 9309, parsed with ``protego``) and the per-origin cache they live in.

:func:`rules_from_fetch` turns the outcome of fetching ``/robots.txt`` into :class:`RobotsRules`,
following the usual conventions:

* 2xx: the file is parsed (its first ``ROBOTS_MAX_BYTES`` only, as RFC 9309 allows);
* 4xx other than 429 (no file, forbidden...): everything is allowed;
* 429, 5xx, a timeout or a connection error: the site is *unavailable*: no page of that origin is
  fetched until the file can be read, which is tried again after ``retry_s``. A connection, TLS or
  address failure is passed on to the page as its own status (the page would fail the same way);
  429, 5xx and timeouts give the page the status ``robots_unavailable``.

:class:`OriginCache` keeps what was learnt about an origin (its robots rules, its TDMRep file) for
a time to live (24 h by default for robots.txt), so each origin's file is fetched once per TTL and
not once per page. The fetcher (:mod:`monitor_pipeline.core.ingest.fetch`) consults it before
every request; one cache can be shared by successive ``fetch_all`` calls.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from protego import Protego

from monitor_pipeline.core.ingest import tdm

__all__ = [
    "ROBOTS_MAX_BYTES",
    "OriginCache",
    "RobotsRules",
    "origin_of",
    "robots_url",
    "rules_from_fetch",
]

ROBOTS_MAX_BYTES = 500 * 1024


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url`` (the unit robots.txt and TDMRep files apply to)."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    port = parts.port
    netloc = host if port in (None, default) else f"{host}:{port}"
    return f"{parts.scheme.lower()}://{netloc}"


def robots_url(url: str) -> str:
    return origin_of(url) + "/robots.txt"


@dataclass
class RobotsRules:
    """What an origin's robots.txt says. ``outcome`` is ``parsed`` (a file was read), ``allow_all``
    (no file: 4xx) or ``unavailable`` (429, 5xx, timeout: fetch nothing until ``expires_at``).
    ``failure_status`` keeps a fetch status worth passing on to the page (``connection_error``,
    ``tls_error``, ``blocked``) when the file could not be read for that reason."""

    origin: str
    outcome: str
    http_status: int | None = None
    error: str | None = None
    text: str = ""
    failure_status: str | None = None
    _parser: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.outcome not in ("parsed", "allow_all", "unavailable"):
            raise ValueError(f"unknown robots outcome {self.outcome!r}")
        if self.outcome == "parsed" and self._parser is None:
            self._parser = Protego.parse(self.text)

    def to_dict(self) -> dict[str, Any]:
        return {"origin": self.origin, "outcome": self.outcome, "http_status": self.http_status,
                "error": self.error, "text": self.text, "failure_status": self.failure_status}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RobotsRules:
        return cls(data["origin"], data["outcome"], data.get("http_status"), data.get("error"),
                   data.get("text") or "", data.get("failure_status"))

    def allows(self, url: str, user_agent: str) -> bool:
        """Whether ``user_agent`` may fetch ``url`` (always False while ``unavailable``)."""
        if self.outcome == "allow_all":
            return True
        if self.outcome == "unavailable":
            return False
        parts = urlsplit(url)
        if parts.path in ("/robots.txt",):
            return True  # RFC 9309: the file itself is always allowed
        return bool(self._parser.can_fetch(url, user_agent))

    def crawl_delay(self, user_agent: str) -> float | None:
        """The ``Crawl-delay`` (seconds) of the group matching ``user_agent``, or None."""
        if self.outcome != "parsed":
            return None
        delay = self._parser.crawl_delay(user_agent)
        if delay is None:
            rate = self._parser.request_rate(user_agent)
            if rate is not None and rate.requests:
                delay = rate.seconds / rate.requests
        return float(delay) if delay is not None and delay > 0 else None


def rules_from_fetch(origin: str, status: str, http_status: int | None, body: bytes,
                     error: str | None) -> RobotsRules:
    """The rules for ``origin`` from the fetch of its ``/robots.txt`` (see the module docstring)."""
    if status in ("ok", "too_large"):  # too_large: the first ROBOTS_MAX_BYTES are parsed
        text = body[:ROBOTS_MAX_BYTES].decode("utf-8", errors="replace")
        return RobotsRules(origin, "parsed", http_status, text=text)
    if status == "http_error" and http_status is not None and 400 <= http_status < 500 and http_status != 429:
        return RobotsRules(origin, "allow_all", http_status)
    reason = error or status
    if http_status is not None and status == "http_error":
        reason = f"HTTP {http_status}"
    # The page would fail the same way: report that (clearer), it is not fetched either way.
    passed_on = status if status in ("tls_error", "blocked", "invalid_url", "connection_error") else None
    return RobotsRules(origin, "unavailable", http_status, error=reason, failure_status=passed_on)


@dataclass
class _Entry:
    value: Any
    expires_at: float


_CODECS: dict[str, tuple[Callable[[Any], dict], Callable[[Mapping[str, Any]], Any]]] = {
    "robots": (RobotsRules.to_dict, RobotsRules.from_dict),
    "tdmrep": (tdm.TdmRepFile.to_dict, tdm.TdmRepFile.from_dict),
}


class OriginCache:
    """Per-origin facts with a time to live: ``("robots", origin)`` → :class:`RobotsRules`,
    ``("tdmrep", origin)`` → TDMRep rules. ``clock`` is injectable for tests (``time.time``).

    :meth:`to_rows` / :meth:`from_rows` carry it from one run to the next (the pipeline keeps
    the rows in the warehouse), so the TTL holds across runs: one robots.txt request per origin
    per TTL, not one per run."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._entries: dict[tuple[str, str], _Entry] = {}

    def get(self, kind: str, origin: str) -> Any | None:
        entry = self._entries.get((kind, origin))
        if entry is None:
            return None
        if self._clock() >= entry.expires_at:
            del self._entries[(kind, origin)]
            return None
        return entry.value

    def put(self, kind: str, origin: str, value: Any, ttl_s: float) -> None:
        self._entries[(kind, origin)] = _Entry(value, self._clock() + ttl_s)

    def __len__(self) -> int:
        return len(self._entries)

    def to_rows(self) -> list[dict[str, Any]]:
        """The live entries as ``rule_key`` (``"kind origin"``), ``expires_at`` (epoch s), ``payload`` (JSON)."""
        now = self._clock()
        return [{"rule_key": f"{kind} {origin}", "expires_at": entry.expires_at,
                 "payload": json.dumps(_CODECS[kind][0](entry.value), ensure_ascii=False)}
                for (kind, origin), entry in self._entries.items() if entry.expires_at > now and kind in _CODECS]

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]], clock: Callable[[], float] = time.time) -> OriginCache:
        """A cache holding the given rows' entries (expired or unreadable rows are skipped)."""
        cache = cls(clock)
        now = clock()
        for row in rows:
            try:
                kind, origin = str(row["rule_key"]).split(" ", 1)
                expires_at = float(row["expires_at"])
                if kind not in _CODECS or expires_at <= now:
                    continue
                value = _CODECS[kind][1](json.loads(row["payload"]))
            except (KeyError, TypeError, ValueError):
                continue  # a row written by another version: fetched again instead
            cache._entries[(kind, origin)] = _Entry(value, expires_at)
        return cache
