"""The fetch budget: one request, all attempts, redirects and backoff sleeps included, never takes
much longer than ``fetch_budget_s``; a slow body is not retried within the same call; one slow
feed does not hold the others (real loopback servers, a dripping one among fast ones)."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from monitor_pipeline.core.ingest.fetch import FetchRequest, HttpSettings, fetch_all
from monitor_pipeline_tests.core.http_fixtures import Handler, LoopbackServer, serving

RSS = b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title></channel></rss>'
BUDGET_S = 1.5
SETTINGS = HttpSettings(connect_timeout_s=2.0, read_timeout_s=2.0, total_timeout_s=1.0, fetch_budget_s=BUDGET_S,
                        max_retries=3, backoff_base_s=0.01, backoff_max_s=5.0, per_host_min_interval_s=0.0,
                        allow_hosts=("127.0.0.1", "127.0.0.2"), respect_robots=False)


pytestmark = [pytest.mark.timeout(60), pytest.mark.usefixtures("loopback_tripwire")]


def drip(h: Handler) -> None:
    """Headers at once, then one byte every 0.2 s (never a read timeout, never the whole body)."""
    def chunks():
        for _ in range(1_000):
            h.pause(0.2)
            yield b"x"
    h.stream(200, chunks(), {"Content-Type": "application/rss+xml", "Content-Length": "1000"})


def test_a_slow_body_is_not_retried_and_the_poll_ends_within_the_budget() -> None:
    with serving([LoopbackServer("127.0.0.1"), LoopbackServer("127.0.0.2")]) as (slow, fast):
        slow.route("/feed.xml", drip)
        fast.route("/feed.xml", lambda h: h.send(200, RSS, {"Content-Type": "application/rss+xml"}))
        requests = [FetchRequest(slow.url("/feed.xml"), kind="feed")]
        requests += [FetchRequest(fast.url(f"/feed.xml?n={i}"), kind="feed") for i in range(10)]
        started = time.monotonic()
        results = fetch_all(requests, SETTINGS)
        wall = time.monotonic() - started
        assert results[0].status == "timeout"
        assert "slow body" in results[0].error and "not retried" in results[0].error
        assert results[0].attempts == 1 and len(slow.hits("/feed.xml")) == 1
        assert [r.status for r in results[1:]] == ["ok"] * 10
    assert wall < BUDGET_S + 5, f"a poll with one dripping feed took {wall:.1f} s"


def test_retries_stop_when_the_budget_is_used_up() -> None:
    """A server answering 503 with Retry-After: 1 would be retried 3 times (3 s and more); the
    budget of 1.5 s allows the first retry only."""
    with LoopbackServer("127.0.0.1") as server:
        server.route("/busy", lambda h: h.send(503, b"busy", {"Retry-After": "1"}))
        started = time.monotonic()
        result = fetch_all([FetchRequest(server.url("/busy"))], SETTINGS)[0]
        wall = time.monotonic() - started
    assert result.status == "http_error" and result.http_status == 503
    assert result.attempts == 2 and len(server.hits("/busy")) == 2
    assert wall < BUDGET_S + 5


def test_each_attempt_gets_only_what_is_left_of_the_budget() -> None:
    """Headers that never come: a read timeout (0.6 s) is retried, but the third attempt gets only the
    0.3 s left of the 1.5 s budget and there is no fourth (4 attempts would take 2.4 s)."""
    settings = replace(SETTINGS, read_timeout_s=0.6, total_timeout_s=5.0, fetch_budget_s=1.5)
    with LoopbackServer("127.0.0.1") as server:
        server.route("/mute", lambda h: (h.pause(10), h.send(200, b"late")))
        started = time.monotonic()
        result = fetch_all([FetchRequest(server.url("/mute"))], settings)[0]
        wall = time.monotonic() - started
        server_hits = server.hits("/mute")
    assert result.status == "timeout"
    assert result.attempts == 3, result
    assert "fetch budget" in result.error and len(server_hits) == 3
    assert wall < 1.5 + 5


def test_the_budget_does_not_count_time_spent_waiting_behind_the_host_interval() -> None:
    """Twelve pages of one host 0.2 s apart take 2.2 s of waiting: a 1.5 s budget per page must not
    time out the last ones, since the clock starts when a page's first attempt starts."""
    settings = replace(SETTINGS, per_host_min_interval_s=0.2, per_host_concurrency=1)
    with LoopbackServer("127.0.0.1") as server:
        server.route("/p", lambda h: h.send(200, b"<html></html>"))
        results = fetch_all([FetchRequest(server.url(f"/p?n={i}")) for i in range(12)], settings)
    assert [r.status for r in results] == ["ok"] * 12


def test_fetch_budget_must_be_positive() -> None:
    with pytest.raises(ValueError, match="fetch_budget_s must be > 0"):
        HttpSettings(fetch_budget_s=0)


def test_a_dripping_robots_txt_costs_the_site_files_budget_only() -> None:
    """robots.txt dripping its body: the site's pages are not fetched (robots_unavailable) and the
    call ends within the site-files budget (0.5 s here) + 5 s, not within the page budget."""
    settings = replace(SETTINGS, respect_robots=True, fetch_budget_s=30.0, total_timeout_s=30.0,
                       site_files_budget_s=0.5)
    with LoopbackServer("127.0.0.1") as server:
        server.route("/robots.txt", drip)
        server.route("/page", lambda h: h.send(200, b"<html></html>"))
        started = time.monotonic()
        result = fetch_all([FetchRequest(server.url("/page"))], settings)[0]
        wall = time.monotonic() - started
        assert result.status == "robots_unavailable" and "fetch budget" in result.error
        assert server.hits("/page") == [] and len(server.hits("/robots.txt")) == 1
    assert wall < 0.5 + 5
