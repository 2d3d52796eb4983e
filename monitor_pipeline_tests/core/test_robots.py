"""robots.txt on real loopback servers: allow, deny, user-agent groups, Crawl-delay, 4xx, 5xx,
timeouts, the per-origin cache and its TTL, feeds the publisher explicitly allows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from monitor_pipeline.core.ingest.fetch import FetchRequest, HostSchedule, HttpSettings, OriginCache, fetch_all
from monitor_pipeline.core.ingest.robots import RobotsRules, origin_of, rules_from_fetch
from monitor_pipeline_tests.core.http_fixtures import LoopbackServer, serving

pytestmark = [pytest.mark.timeout(60), pytest.mark.usefixtures("loopback_tripwire")]
PAGE = b"<html><head><title>A</title></head><body><p>Texte.</p></body></html>"
SETTINGS = HttpSettings(connect_timeout_s=2.0, read_timeout_s=2.0, total_timeout_s=5.0, max_retries=1,
                        backoff_base_s=0.01, backoff_max_s=0.05, per_host_min_interval_s=0.0,
                        allow_hosts=("127.0.0.1", "127.0.0.2"), respect_tdm=False)


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer("127.0.0.1") as srv:
        for path in ("/public/a", "/public/b", "/private/c", "/feed.xml"):
            srv.route(path, lambda h: h.send(200, PAGE, {"Content-Type": "text/html; charset=utf-8"}))
        yield srv


def robots(text: str, status: int = 200):
    return lambda h: h.send(status, text.encode(), {"Content-Type": "text/plain"})


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_disallowed_page_is_never_requested_and_allowed_ones_are(server: LoopbackServer) -> None:
    server.route("/robots.txt", robots("User-agent: *\nDisallow: /private/\n"))
    urls = [server.url("/public/a"), server.url("/private/c"), server.url("/public/b")]
    results = fetch_all([FetchRequest(u) for u in urls], SETTINGS)
    assert [r.status for r in results] == ["ok", "robots_disallowed", "ok"]
    refused = results[1]
    assert refused.error == f"{origin_of(server.url())}/robots.txt disallows /private/c for this user agent"
    assert refused.attempts == 0 and refused.body == b"" and refused.body_sha256 is None
    assert server.hits("/private/c") == []
    assert len(server.hits("/robots.txt")) == 1, "fetched once per origin, not once per page"
    assert server.hits("/robots.txt")[0].headers["user-agent"] == SETTINGS.user_agent


def test_the_group_naming_our_user_agent_applies(server: LoopbackServer) -> None:
    server.route("/robots.txt", robots("User-agent: *\nAllow: /\n\nUser-agent: monitor-pipeline\nDisallow: /public/\n"))
    results = fetch_all([FetchRequest(server.url("/public/a")), FetchRequest(server.url("/private/c"))], SETTINGS)
    assert [r.status for r in results] == ["robots_disallowed", "ok"]
    other_agent = replace(SETTINGS, user_agent="another-bot/2.0")
    assert fetch_all([FetchRequest(server.url("/public/a"))], other_agent)[0].status == "ok"


def test_feeds_honour_robots_unless_the_registry_allows_them(server: LoopbackServer) -> None:
    server.route("/robots.txt", robots("User-agent: *\nDisallow: /\n"))
    refused, allowed = fetch_all([FetchRequest(server.url("/feed.xml"), kind="feed"),
                                  FetchRequest(server.url("/feed.xml?x=1"), kind="feed", check_robots=False)], SETTINGS)
    assert refused.status == "robots_disallowed"
    assert allowed.status == "ok" and allowed.body == PAGE
    assert len(server.hits("/feed.xml")) == 1


def test_a_missing_or_forbidden_robots_txt_allows_everything(server: LoopbackServer) -> None:
    assert fetch_all([FetchRequest(server.url("/private/c"))], SETTINGS)[0].status == "ok"  # 404
    server.route("/robots.txt", robots("nope", status=403))
    assert fetch_all([FetchRequest(server.url("/private/c"))], SETTINGS)[0].status == "ok"


@pytest.mark.parametrize("status", [500, 503, 429])
def test_a_failing_robots_txt_stops_the_site_until_it_can_be_read(server: LoopbackServer, status: int) -> None:
    server.route("/robots.txt", robots("busy", status=status))
    clock = Clock()
    cache = OriginCache(clock=clock)
    results = fetch_all([FetchRequest(server.url("/public/a")), FetchRequest(server.url("/public/b"))],
                        SETTINGS, cache=cache)
    assert [r.status for r in results] == ["robots_unavailable"] * 2
    assert "robots.txt could not be read" in results[0].error and f"HTTP {status}" in results[0].error
    assert server.hits("/public/a") == [] and server.hits("/public/b") == []
    tries = len(server.hits("/robots.txt"))
    assert tries >= 1
    # Within the retry delay, robots.txt is not asked again and pages still wait.
    assert fetch_all([FetchRequest(server.url("/public/a"))], SETTINGS, cache=cache)[0].status == "robots_unavailable"
    assert len(server.hits("/robots.txt")) == tries
    # After it, the file is read again; once it answers, the pages are fetched.
    server.route("/robots.txt", robots("User-agent: *\nAllow: /\n"))
    clock.now += SETTINGS.robots_retry_s
    assert fetch_all([FetchRequest(server.url("/public/a"))], SETTINGS, cache=cache)[0].status == "ok"
    assert len(server.hits("/robots.txt")) == tries + 1


def test_a_robots_txt_that_times_out_stops_the_site(server: LoopbackServer) -> None:
    server.route("/robots.txt", lambda h: (h.pause(5), h.send(200, b"User-agent: *\nAllow: /\n")))
    settings = replace(SETTINGS, read_timeout_s=0.3, max_retries=0)
    result = fetch_all([FetchRequest(server.url("/public/a"))], settings)[0]
    assert result.status == "robots_unavailable"
    assert "read timeout" in result.error
    assert server.hits("/public/a") == []


def test_an_unreachable_host_reports_the_connection_error() -> None:
    with LoopbackServer("127.0.0.1") as srv:
        url = srv.url("/public/a")
    result = fetch_all([FetchRequest(url)], replace(SETTINGS, max_retries=0))[0]  # server gone
    assert result.status == "connection_error"


def test_rules_are_cached_for_their_ttl(server: LoopbackServer) -> None:
    server.route("/robots.txt", robots("User-agent: *\nDisallow: /private/\n"))
    clock = Clock()
    cache = OriginCache(clock=clock)
    for _ in range(3):  # three polls within the day: one robots.txt request
        assert fetch_all([FetchRequest(server.url("/private/c"))], SETTINGS, cache=cache)[0].status == "robots_disallowed"
    assert len(server.hits("/robots.txt")) == 1
    server.route("/robots.txt", robots("User-agent: *\nAllow: /\n"))
    clock.now += SETTINGS.robots_ttl_s - 1
    assert fetch_all([FetchRequest(server.url("/private/c"))], SETTINGS, cache=cache)[0].status == "robots_disallowed"
    clock.now += 1
    assert fetch_all([FetchRequest(server.url("/private/c"))], SETTINGS, cache=cache)[0].status == "ok"
    assert len(server.hits("/robots.txt")) == 2


def test_crawl_delay_raises_the_host_interval(server: LoopbackServer) -> None:
    server.route("/robots.txt", robots("User-agent: *\nCrawl-delay: 0.4\n"))
    schedule = HostSchedule()
    urls = [server.url(f"/public/a?n={i}") for i in range(3)]
    results = fetch_all([FetchRequest(u) for u in urls], replace(SETTINGS, per_host_concurrency=2), schedule=schedule)
    assert [r.status for r in results] == ["ok"] * 3
    assert schedule.min_interval["127.0.0.1"] == 0.4
    arrivals = sorted(hit.arrived_at for hit in server.hits("/public/a"))
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:])]
    assert min(gaps) >= 0.4 - 0.03, gaps


def test_a_huge_crawl_delay_is_capped(server: LoopbackServer) -> None:
    server.route("/robots.txt", robots("User-agent: *\nCrawl-delay: 86400\n"))
    schedule = HostSchedule()
    settings = replace(SETTINGS, max_crawl_delay_s=0.2)
    assert fetch_all([FetchRequest(server.url("/public/a"))], settings, schedule=schedule)[0].status == "ok"
    assert schedule.min_interval["127.0.0.1"] == 0.2


def test_a_redirect_to_a_disallowed_path_of_another_site_is_refused() -> None:
    with serving([LoopbackServer("127.0.0.1"), LoopbackServer("127.0.0.2")]) as (first, second):
        first.route("/go", lambda h: h.send(302, headers={"Location": second.url("/private/x")}))
        second.route("/robots.txt", robots("User-agent: *\nDisallow: /private/\n"))
        second.route("/private/x", lambda h: h.send(200, PAGE))
        result = fetch_all([FetchRequest(first.url("/go"))], SETTINGS)[0]
        assert result.status == "robots_disallowed"
        assert result.final_url == second.url("/private/x")
        assert second.hits("/private/x") == []


def test_rules_from_fetch_follow_the_conventions() -> None:
    parsed = rules_from_fetch("https://a.example", "ok", 200, b"User-agent: *\nDisallow: /x\n", None)
    assert not parsed.allows("https://a.example/x/1", "bot") and parsed.allows("https://a.example/y", "bot")
    assert rules_from_fetch("https://a.example", "http_error", 404, b"", "HTTP 404").outcome == "allow_all"
    assert rules_from_fetch("https://a.example", "http_error", 401, b"", "HTTP 401").outcome == "allow_all"
    for status, code in (("http_error", 503), ("http_error", 429), ("timeout", None)):
        assert rules_from_fetch("https://a.example", status, code, b"", "x").outcome == "unavailable"
    assert rules_from_fetch("https://a.example", "tls_error", None, b"", "bad cert").failure_status == "tls_error"
    with pytest.raises(ValueError):
        RobotsRules("https://a.example", "maybe")
    assert origin_of("HTTPS://News.Example:443/a?b") == "https://news.example"
    assert origin_of("http://news.example:8080/a") == "http://news.example:8080"


def test_the_cache_survives_a_round_trip_through_rows(server: LoopbackServer) -> None:
    """The pipeline stores the cache between runs: the next run does not ask robots.txt again."""
    import json as json_module

    server.route("/robots.txt", robots("User-agent: *\nDisallow: /private/\nCrawl-delay: 0.1\n"))
    server.route("/.well-known/tdmrep.json",
                 lambda h: h.send(200, json_module.dumps([{"location": "/public/b", "tdm-reservation": 1}]).encode()))
    clock = Clock()
    first = OriginCache(clock=clock)
    settings = replace(SETTINGS, respect_tdm=True)
    urls = [server.url("/private/c"), server.url("/public/a"), server.url("/public/b")]
    expected = ["robots_disallowed", "ok", "tdm_reserved"]
    assert [r.status for r in fetch_all([FetchRequest(u) for u in urls], settings, cache=first)] == expected
    rows = first.to_rows()
    assert sorted(r["rule_key"].split(" ")[0] for r in rows) == ["robots", "tdmrep"]
    second = OriginCache.from_rows(rows + [{"rule_key": "robots x", "expires_at": "soon", "payload": "{"}], clock=clock)
    assert len(second) == 2
    schedule = HostSchedule()
    assert [r.status for r in fetch_all([FetchRequest(u) for u in urls], settings, cache=second,
                                        schedule=schedule)] == expected
    assert len(server.hits("/robots.txt")) == 1 and len(server.hits("/.well-known/tdmrep.json")) == 1
    assert schedule.min_interval["127.0.0.1"] == 0.1
    clock.now += SETTINGS.robots_ttl_s
    assert OriginCache.from_rows(rows, clock=clock).to_rows() == []
