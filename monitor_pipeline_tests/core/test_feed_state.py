"""Feed polling state: due-ness, conditional requests, unchanged bodies, backoff, disabling."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from monitor_pipeline.core.ingest.feed_state import (
    FeedState,
    PollPolicy,
    body_unchanged,
    build_request,
    is_due,
    next_state,
)
from monitor_pipeline.core.ingest.feeds import normalize_title, parse_feed
from monitor_pipeline.core.ingest.fetch import FetchResult, HttpSettings, fetch_all
from monitor_pipeline.core.ingest.registry import FeedSource
from monitor_pipeline_tests.core.http_fixtures import (
    Handler,
    LoopbackServer,
)

pytestmark = pytest.mark.timeout(60)


T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
POLICY = PollPolicy()
SOURCE = FeedSource(id="gazette", name="La Gazette de l'IA", url="https://gazette-ia.example/rss.xml")
SETTINGS = HttpSettings(connect_timeout_s=2, read_timeout_s=2, total_timeout_s=10, max_retries=0,
                        per_host_min_interval_s=0, allow_hosts=("127.0.0.1",))


def result(status: str = "ok", http_status: int | None = 200, body_sha256: str | None = "h1",
           headers: dict[str, str] | None = None, error: str | None = None) -> FetchResult:
    return FetchResult(url=SOURCE.url, final_url=SOURCE.url, status=status, http_status=http_status,
                       headers=headers or {}, body=b"", truncated=False, elapsed_s=0.1, attempts=1, error=error,
                       content_type=None, body_sha256=body_sha256)


def feed_xml(title: str) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Gazette</title>'
            f"<item><title>{title}</title>"
            f"<link>https://gazette-ia.example/{normalize_title(title).replace(' ', '-')}</link></item>"
            "</channel></rss>").encode()


# --------------------------------------------------------------------------- pure functions


def test_new_feed_is_due_and_fetched_unconditionally() -> None:
    assert is_due(None, T0)
    request = build_request(SOURCE, None, T0, POLICY)
    assert request.url == SOURCE.url and request.kind == "feed"
    assert request.etag is None and request.last_modified is None


def test_success_stores_validators_and_schedules_next_poll() -> None:
    state = next_state(SOURCE, None, result(headers={"etag": '"e1"', "last-modified": "Wed, 25 Nov 2026 07:00:00 GMT"}),
                       True, T0, POLICY)
    assert state.feed_id == "gazette"
    assert (state.etag, state.last_modified, state.last_body_sha256) == ('"e1"', "Wed, 25 Nov 2026 07:00:00 GMT", "h1")
    assert state.last_success_at == T0 and state.last_unconditional_at == T0
    assert state.next_poll_at == T0 + timedelta(minutes=60)
    assert not is_due(state, T0 + timedelta(minutes=59))
    assert is_due(state, T0 + timedelta(minutes=60))


def test_feed_interval_overrides_the_default() -> None:
    fast = replace(SOURCE, poll_interval_minutes=15)
    state = next_state(fast, None, result(), True, T0, POLICY)
    assert state.next_poll_at == T0 + timedelta(minutes=15)


def test_conditional_request_until_an_unconditional_one_is_due() -> None:
    state = FeedState("gazette", etag='"e1"', last_modified="Wed, 25 Nov 2026 07:00:00 GMT", last_unconditional_at=T0)
    conditional = build_request(SOURCE, state, T0 + timedelta(hours=11, minutes=59), POLICY)
    assert conditional.etag == '"e1"' and conditional.last_modified == "Wed, 25 Nov 2026 07:00:00 GMT"
    unconditional = build_request(SOURCE, state, T0 + timedelta(hours=12), POLICY)
    assert unconditional.etag is None and unconditional.last_modified is None


def test_body_unchanged() -> None:
    state = FeedState("gazette", last_body_sha256="h1")
    assert body_unchanged(state, result(body_sha256="h1"))
    assert not body_unchanged(state, result(body_sha256="h2"))
    assert body_unchanged(state, result(status="not_modified", http_status=304, body_sha256=None))
    assert not body_unchanged(None, result(body_sha256="h1"))
    assert not body_unchanged(state, result(status="http_error", http_status=500, body_sha256=None))


def test_failures_back_off_exponentially_then_disable() -> None:
    policy = PollPolicy(default_interval_minutes=60, max_consecutive_failures=4, max_backoff_minutes=180)
    state = None
    delays = []
    now = T0
    for _ in range(4):
        state = next_state(SOURCE, state, result("timeout", None, None, error="read timeout"), False, now, policy)
        delays.append(state.next_poll_at - now)
        now = state.next_poll_at
    assert delays == [timedelta(minutes=60), timedelta(minutes=120), timedelta(minutes=180), timedelta(minutes=180)]
    assert state.consecutive_failures == 4
    assert state.disabled_reason == "4 consecutive failures, last: timeout (read timeout)"
    assert not is_due(state, now + timedelta(days=30))


def test_success_resets_failures() -> None:
    state = FeedState("gazette", consecutive_failures=3, last_error="boom")
    state = next_state(SOURCE, state, result(), True, T0, POLICY)
    assert state.consecutive_failures == 0 and state.last_error is None and state.disabled_reason is None


def test_parse_failure_counts_as_failure_and_keeps_old_validators() -> None:
    state = FeedState("gazette", etag='"old"', last_body_sha256="h0", last_unconditional_at=T0)
    after = next_state(SOURCE, state, result(headers={"etag": '"broken"'}, body_sha256="h9"), False, T0, POLICY)
    assert after.last_status == "parse_error"
    assert after.consecutive_failures == 1
    assert (after.etag, after.last_body_sha256) == ('"old"', "h0")


def test_gone_feed_is_disabled_at_once() -> None:
    state = next_state(SOURCE, None, result("http_error", 410, None, error="HTTP 410 Gone"), False, T0, POLICY)
    assert state.disabled_reason and "410" in state.disabled_reason
    assert not is_due(state, T0 + timedelta(days=1))


def test_not_modified_keeps_validators_and_hash() -> None:
    state = FeedState("gazette", etag='"e1"', last_modified="x", last_body_sha256="h1", last_unconditional_at=T0)
    after = next_state(SOURCE, state, result("not_modified", 304, None), True, T0 + timedelta(hours=1), POLICY)
    assert (after.etag, after.last_modified, after.last_body_sha256) == ('"e1"', "x", "h1")
    assert after.last_unconditional_at == T0
    assert after.last_status == "not_modified" and after.consecutive_failures == 0


# --------------------------------------------------------------------------- against a server


@pytest.mark.timeout(60)
@pytest.mark.usefixtures("loopback_tripwire")
def test_304_flow_against_a_server() -> None:
    def handler(h: Handler) -> None:
        if h.headers.get("If-None-Match") == '"v1"':
            h.send(304, headers={"ETag": '"v1"'})
        else:
            h.send(200, feed_xml("Première version"), {"ETag": '"v1"', "Content-Type": "application/rss+xml"})

    with LoopbackServer() as srv:
        srv.route("/rss.xml", handler)
        source = replace(SOURCE, url=srv.url("/rss.xml"))
        first = fetch_all([build_request(source, None, T0, POLICY)], SETTINGS)[0]
        parsed = parse_feed(first.body, first.headers, source.id)
        state = next_state(source, None, first, parsed.status == "ok", T0, POLICY)
        assert state.etag == '"v1"'

        t1 = state.next_poll_at
        assert is_due(state, t1)
        second = fetch_all([build_request(source, state, t1, POLICY)], SETTINGS)[0]
        assert second.status == "not_modified"
        assert body_unchanged(state, second)
        state = next_state(source, state, second, True, t1, POLICY)
        assert state.last_status == "not_modified" and state.consecutive_failures == 0
        assert [r.headers.get("if-none-match") for r in srv.hits("/rss.xml")] == [None, '"v1"']


@pytest.mark.timeout(60)
@pytest.mark.usefixtures("loopback_tripwire")
def test_etag_that_never_changes_while_the_body_does() -> None:
    """A server that always answers 304 to its (frozen) ETag hides new items until the periodic
    unconditional fetch; a server that ignores validators is caught by the body hash."""
    bodies = [feed_xml("Version A")]

    def sticky(h: Handler) -> None:
        if h.headers.get("If-None-Match") == '"frozen"':
            h.send(304, headers={"ETag": '"frozen"'})
        else:
            h.send(200, bodies[-1], {"ETag": '"frozen"'})

    def ignores_validators(h: Handler) -> None:
        h.send(200, bodies[-1], {"ETag": '"frozen"'})

    with LoopbackServer() as srv:
        srv.route("/sticky", sticky)
        srv.route("/ignores", ignores_validators)
        for path in ("/sticky", "/ignores"):
            bodies[:] = [feed_xml("Version A")]
            source = replace(SOURCE, url=srv.url(path))
            first = fetch_all([build_request(source, None, T0, POLICY)], SETTINGS)[0]
            state = next_state(source, None, first, True, T0, POLICY)

            # Same body again: a server ignoring validators answers 200, the hash says "unchanged".
            t1 = T0 + timedelta(hours=1)
            again = fetch_all([build_request(source, state, t1, POLICY)], SETTINGS)[0]
            assert body_unchanged(state, again)
            state = next_state(source, state, again, True, t1, POLICY)

            # The body changes, the ETag does not.
            bodies.append(feed_xml("Version B"))
            t2 = T0 + timedelta(hours=2)
            conditional = fetch_all([build_request(source, state, t2, POLICY)], SETTINGS)[0]
            if path == "/sticky":
                assert conditional.status == "not_modified"  # hidden until the unconditional fetch
                t13 = T0 + timedelta(hours=13)
                request = build_request(source, state, t13, POLICY)
                assert request.etag is None
                fresh = fetch_all([request], SETTINGS)[0]
                assert fresh.status == "ok" and not body_unchanged(state, fresh)
                state = next_state(source, state, fresh, True, t13, POLICY)
                assert state.last_unconditional_at == t13
            else:
                assert conditional.status == "ok"
                assert not body_unchanged(state, conditional)
            assert b"Version B" in (fresh.body if path == "/sticky" else conditional.body)
