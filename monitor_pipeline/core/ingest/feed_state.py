"""Per-feed polling state: when to poll next, which validators to send, when to give up.

Pure functions over :class:`FeedState` (the Dagster layer stores one row per feed in DuckDB):

* :func:`is_due` — is it time to poll this feed?
* :func:`build_request` — the :class:`FetchRequest`, conditional (ETag / Last-Modified) except for
  a periodic unconditional fetch that catches servers whose validators never change; robots.txt
  is consulted unless the registry records the publisher's permission for the feed.
* :func:`body_unchanged` — 304, or a 200 whose body hash equals the last one (servers ignoring
  conditional headers): nothing new to parse.
* :func:`next_state` — the state after a poll: success resets the failure count; failures back
  off exponentially; too many failures in a row (or a permanent error) disable the feed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from monitor_pipeline.core.ingest.fetch import FetchRequest, FetchResult
from monitor_pipeline.core.ingest.registry import FeedSource

__all__ = [
    "FeedState",
    "PollPolicy",
    "body_unchanged",
    "build_request",
    "is_due",
    "next_state",
    "poll_interval",
    "unconditional_due",
]

#: Statuses that mean the feed answered and nothing is wrong with it.
_SUCCESS = frozenset({"ok", "not_modified"})
#: HTTP statuses that will not fix themselves: disable at once.
_PERMANENT_HTTP = {410: "HTTP 410 Gone: the feed was removed"}


@dataclass
class FeedState:
    """What the pipeline remembers about one feed between polls."""

    feed_id: str
    etag: str | None = None
    last_modified: str | None = None
    last_body_sha256: str | None = None
    last_status: str | None = None
    last_http_status: int | None = None
    last_attempt_at: datetime | None = None
    last_success_at: datetime | None = None
    last_unconditional_at: datetime | None = None
    consecutive_failures: int = 0
    next_poll_at: datetime | None = None
    disabled_reason: str | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class PollPolicy:
    """How often to poll, how to back off, when to give up."""

    default_interval_minutes: int = 60
    max_consecutive_failures: int = 8
    max_backoff_minutes: int = 24 * 60
    unconditional_every_hours: int = 12


def poll_interval(source: FeedSource, policy: PollPolicy) -> timedelta:
    """The feed's own interval, else the policy default."""
    return timedelta(minutes=source.poll_interval_minutes or policy.default_interval_minutes)


def is_due(state: FeedState | None, now: datetime) -> bool:
    """True for a never-polled feed or once ``next_poll_at`` is reached; never for a disabled feed."""
    if state is None:
        return True
    if state.disabled_reason:
        return False
    return state.next_poll_at is None or now >= state.next_poll_at


def unconditional_due(state: FeedState | None, now: datetime, policy: PollPolicy) -> bool:
    """True when the next request should ignore the validators (none yet, or the last
    unconditional fetch is ``unconditional_every_hours`` old)."""
    if state is None or (not state.etag and not state.last_modified):
        return True
    if state.last_unconditional_at is None:
        return True
    return now - state.last_unconditional_at >= timedelta(hours=policy.unconditional_every_hours)


def build_request(source: FeedSource, state: FeedState | None, now: datetime, policy: PollPolicy) -> FetchRequest:
    """The request for this poll: conditional unless an unconditional fetch is due."""
    check_robots = source.feed_allowed_by_publisher is None  # the registry records the publisher's permission
    if state is None or unconditional_due(state, now, policy):
        return FetchRequest(url=source.url, kind="feed", check_robots=check_robots)
    return FetchRequest(url=source.url, kind="feed", etag=state.etag, last_modified=state.last_modified,
                        check_robots=check_robots)


def body_unchanged(state: FeedState | None, result: FetchResult) -> bool:
    """True for a 304, or a 200 whose body hash equals the last stored one."""
    if result.status == "not_modified":
        return True
    return (
        state is not None
        and result.status == "ok"
        and state.last_body_sha256 is not None
        and result.body_sha256 == state.last_body_sha256
    )


def _backoff(source: FeedSource, failures: int, policy: PollPolicy) -> timedelta:
    """Interval × 2^(failures-1), capped: the first failure retries at the normal pace."""
    base = poll_interval(source, policy)
    factor = 2 ** min(max(failures - 1, 0), 20)
    return min(base * factor, timedelta(minutes=policy.max_backoff_minutes))


def next_state(
    source: FeedSource,
    state: FeedState | None,
    result: FetchResult,
    parsed_ok: bool,
    now: datetime,
    policy: PollPolicy,
) -> FeedState:
    """The state after one poll of ``source``.

    ``parsed_ok`` says whether an ``ok`` body parsed into a feed (ignored for other statuses).
    Validators and body hash are stored only for a body that parsed, so a broken feed is fetched
    in full again next time rather than answered by a 304.
    """
    previous = state or FeedState(feed_id=source.id)
    was_unconditional = unconditional_due(state, now, policy)
    status = result.status
    if status == "ok" and not parsed_ok:
        status = "parse_error"
    new = replace(previous, last_status=status, last_http_status=result.http_status, last_attempt_at=now,
                  last_error=result.error if status != "parse_error" else (result.error or "feed did not parse"))

    if status in _SUCCESS:
        new.consecutive_failures = 0
        new.last_success_at = now
        new.last_error = None
        new.disabled_reason = None
        new.next_poll_at = now + poll_interval(source, policy)
        etag = result.headers.get("etag")
        last_modified = result.headers.get("last-modified")
        if status == "ok":
            new.etag = etag
            new.last_modified = last_modified
            new.last_body_sha256 = result.body_sha256
            if was_unconditional:
                new.last_unconditional_at = now
        else:  # 304: a server may refresh its validators
            new.etag = etag or previous.etag
            new.last_modified = last_modified or previous.last_modified
        return new

    new.consecutive_failures = previous.consecutive_failures + 1
    new.next_poll_at = now + _backoff(source, new.consecutive_failures, policy)
    permanent = _PERMANENT_HTTP.get(result.http_status or 0) if status == "http_error" else None
    if status == "invalid_url":
        permanent = f"invalid feed URL: {result.error or source.url}"
    if permanent:
        new.disabled_reason = permanent
    elif new.consecutive_failures >= policy.max_consecutive_failures:
        detail = new.last_error or status
        new.disabled_reason = f"{new.consecutive_failures} consecutive failures, last: {status} ({detail})"
    return new
