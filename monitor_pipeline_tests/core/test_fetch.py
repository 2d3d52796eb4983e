"""fetch_all against real loopback servers: timeouts, retries, caps, redirects, politeness."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import random
import zlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from monitor_pipeline.core.ingest.fetch import (
    FetchRequest,
    HostSchedule,
    HttpSettings,
    fetch_all,
    parse_retry_after,
    retry_delay,
)
from monitor_pipeline_tests.core.http_fixtures import (
    ConcurrencyTracker,
    Handler,
    LoopbackServer,
    Tripwire,
    fake_resolver,
    serving,
)


pytestmark = [pytest.mark.timeout(60), pytest.mark.usefixtures("loopback_tripwire")]

FAST = HttpSettings(
    connect_timeout_s=2.0,
    read_timeout_s=2.0,
    total_timeout_s=10.0,
    max_retries=2,
    backoff_base_s=0.01,
    backoff_max_s=0.05,
    per_host_min_interval_s=0.0,
    allow_hosts=("127.0.0.1",),
    # These tests count requests and arrivals: no robots.txt or tdmrep.json requests in between
    # (their own tests: test_robots.py, test_tdm.py).
    respect_robots=False,
    respect_tdm=False,
)
RSS = b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title></channel></rss>'


class ExplodingRandom(random.Random):
    """Fails the test if jittered backoff is used where Retry-After should win."""

    def uniform(self, a: float, b: float) -> float:
        raise AssertionError("jitter used although Retry-After was given")


def fetch_one(url: str, settings: HttpSettings = FAST, **kwargs) -> object:
    kind = kwargs.pop("kind", "page")
    etag, last_modified = kwargs.pop("etag", None), kwargs.pop("last_modified", None)
    request = FetchRequest(url, kind=kind, etag=etag, last_modified=last_modified)
    return fetch_all([request], settings, **kwargs)[0]


@pytest.fixture
def server():
    with LoopbackServer("127.0.0.1") as srv:
        yield srv


# --------------------------------------------------------------------------- basics


def test_ok_response_sends_user_agent_and_reports_body(server: LoopbackServer) -> None:
    server.route("/feed.xml", lambda h: h.send(200, RSS, {"Content-Type": "application/rss+xml; charset=utf-8",
                                                          "ETag": '"v1"'}))
    result = fetch_one(server.url("/feed.xml"), kind="feed")
    assert result.status == "ok"
    assert result.http_status == 200
    assert result.body == RSS
    assert result.body_sha256 == hashlib.sha256(RSS).hexdigest()
    assert result.content_type == "application/rss+xml; charset=utf-8"
    assert result.headers["etag"] == '"v1"'
    assert result.attempts == 1 and result.error is None
    seen = server.hits("/feed.xml")[0].headers
    assert seen["user-agent"] == FAST.user_agent
    assert "gzip" in seen["accept-encoding"] and "br" not in seen["accept-encoding"]
    assert "rss" in seen["accept"]


def test_results_keep_input_order_and_failures_do_not_raise(server: LoopbackServer) -> None:
    server.route("/a", lambda h: h.send(200, b"A"))
    server.route("/b", lambda h: h.send(200, b"B"))
    requests = [FetchRequest(server.url("/b")), FetchRequest("ftp://example.org/x"), FetchRequest(server.url("/a")),
                FetchRequest("not a url"), FetchRequest(server.url("/missing"))]
    results = fetch_all(requests, FAST)
    assert [r.status for r in results] == ["ok", "invalid_url", "ok", "invalid_url", "http_error"]
    assert [r.body for r in results][::2] == [b"B", b"A", b"not found"]
    assert "ftp" in results[1].error
    assert all("Traceback" not in (r.error or "") and "\n" not in (r.error or "") for r in results)


def test_on_result_sees_each_result_once_with_its_index(server: LoopbackServer) -> None:
    server.route("/a", lambda h: (h.pause(0.1), h.send(200, b"slow")))
    server.route("/b", lambda h: h.send(200, b"fast"))
    seen = []
    results = fetch_all([FetchRequest(server.url("/a")), FetchRequest(server.url("/b")),
                         FetchRequest(server.url("/missing"))], replace(FAST, per_host_concurrency=3),
                        on_result=lambda index, result: seen.append((index, result)))
    assert sorted(index for index, _ in seen) == [0, 1, 2]
    assert all(results[index] is result for index, result in seen)
    assert [index for index, _ in seen].index(1) < [index for index, _ in seen].index(0), "reported as completed"


def test_fetch_all_works_inside_a_running_event_loop(server: LoopbackServer) -> None:
    server.route("/a", lambda h: h.send(200, b"A"))

    async def caller() -> list:
        return fetch_all([FetchRequest(server.url("/a"))], FAST)

    assert asyncio.run(caller())[0].status == "ok"


def test_unresolvable_host_is_a_connection_error() -> None:
    settings = replace(FAST, max_retries=0)
    result = fetch_one("http://no-such-host.invalid/feed", settings, resolve=fake_resolver({}))
    assert result.status == "connection_error"
    assert "cannot resolve host 'no-such-host.invalid'" in result.error


# --------------------------------------------------------------------------- timeouts & retries


def test_read_timeout_is_reported_and_retried(server: LoopbackServer) -> None:
    server.route("/slow", lambda h: (h.pause(5), h.send(200, b"late")))
    settings = replace(FAST, read_timeout_s=0.3, max_retries=1)
    result = fetch_one(server.url("/slow"), settings)
    assert result.status == "timeout"
    assert result.error == "read timeout: no data for 0.3 s"
    assert result.attempts == 2
    assert len(server.hits("/slow")) == 2


def test_total_deadline_stops_a_slow_drip(server: LoopbackServer) -> None:
    def drip(h: Handler) -> None:
        def chunks():
            for _ in range(100):
                h.pause(0.1)
                yield b"x"
        h.stream(200, chunks(), {"Content-Length": "100"})

    server.route("/drip", drip)
    settings = replace(FAST, read_timeout_s=2.0, total_timeout_s=0.5, max_retries=0)
    result = fetch_one(server.url("/drip"), settings)
    assert result.status == "timeout"
    assert "total deadline" in result.error


def test_500_then_200_is_retried_once(server: LoopbackServer) -> None:
    calls = []

    def flaky(h: Handler) -> None:
        calls.append(1)
        if len(calls) == 1:
            h.send(500, b"boom")
        else:
            h.send(200, b"fine")

    server.route("/flaky", flaky)
    result = fetch_one(server.url("/flaky"))
    assert result.status == "ok" and result.body == b"fine"
    assert result.attempts == 2


def test_persistent_500_gives_up_after_max_retries(server: LoopbackServer) -> None:
    server.route("/down", lambda h: h.send(503, b"down"))
    result = fetch_one(server.url("/down"))
    assert result.status == "http_error"
    assert result.http_status == 503
    assert result.error == "HTTP 503 Service Unavailable"
    assert result.attempts == FAST.max_retries + 1


def test_404_is_not_retried(server: LoopbackServer) -> None:
    result = fetch_one(server.url("/missing"))
    assert result.status == "http_error" and result.http_status == 404
    assert result.attempts == 1
    assert len(server.hits("/missing")) == 1


def test_429_with_retry_after_is_honoured(server: LoopbackServer) -> None:
    calls = []

    def limited(h: Handler) -> None:
        calls.append(1)
        if len(calls) == 1:
            h.send(429, b"slow down", {"Retry-After": "1"})
        else:
            h.send(200, b"ok now")

    server.route("/limited", limited)
    # backoff_max_s caps the server's 1 s; the exploding RNG proves jitter was not used instead.
    settings = replace(FAST, backoff_max_s=0.2)
    result = fetch_one(server.url("/limited"), settings, rng=ExplodingRandom())
    assert result.status == "ok" and result.attempts == 2


def test_parse_retry_after_seconds_and_http_date() -> None:
    now = datetime(2026, 11, 25, 14, 30, tzinfo=UTC)
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=42), usegmt=True), now) == 42.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=42), usegmt=True), now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_retry_delay_caps_retry_after_and_uses_full_jitter() -> None:
    settings = HttpSettings(backoff_base_s=0.5, backoff_max_s=30.0)
    assert retry_delay(0, settings, retry_after_s=120.0) == 30.0
    assert retry_delay(0, settings, retry_after_s=3.0) == 3.0
    rng = random.Random(7)
    delays = [retry_delay(3, settings, rng=rng) for _ in range(200)]
    assert all(0.0 <= d <= 4.0 for d in delays)  # 0.5 * 2**3
    assert min(delays) < 1.0 and max(delays) > 3.0  # full jitter spreads over the whole range
    assert all(0.0 <= retry_delay(20, settings, rng=rng) <= 30.0 for _ in range(50))


# --------------------------------------------------------------------------- conditional GET


def test_conditional_get_returns_not_modified(server: LoopbackServer) -> None:
    def feed(h: Handler) -> None:
        if h.headers.get("If-None-Match") == '"abc"':
            h.send(304, headers={"ETag": '"abc"'})
        else:
            h.send(200, RSS, {"ETag": '"abc"'})

    server.route("/feed", feed)
    first = fetch_one(server.url("/feed"), kind="feed")
    assert first.status == "ok"
    second = fetch_one(server.url("/feed"), kind="feed", etag=first.headers["etag"],
                       last_modified="Wed, 25 Nov 2026 10:00:00 GMT")
    assert second.status == "not_modified" and second.http_status == 304
    assert second.body == b"" and second.body_sha256 is None
    seen = server.hits("/feed")[1].headers
    assert seen["if-none-match"] == '"abc"'
    assert seen["if-modified-since"] == "Wed, 25 Nov 2026 10:00:00 GMT"
    assert "if-none-match" not in server.hits("/feed")[0].headers


# --------------------------------------------------------------------------- redirects & SSRF


def test_redirect_is_followed(server: LoopbackServer) -> None:
    server.route("/old", lambda h: h.send(301, headers={"Location": "/new"}))
    server.route("/new", lambda h: h.send(200, b"moved here"))
    result = fetch_one(server.url("/old"))
    assert result.status == "ok" and result.body == b"moved here"
    assert result.final_url == server.url("/new")
    assert result.redirects == [server.url("/old")]


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        ("http://10.0.0.1/admin", "private address"),
        ("http://intranet.example/secret", "resolves to 192.168.1.20, a private address"),
        ("http://metadata.example/latest", "link-local address"),
        ("http://127.0.0.5/", "loopback address"),
        ("http://[::ffff:10.1.2.3]/", "private address"),
        ("http://100.64.0.7/", "CGNAT"),
    ],
)
def test_redirect_to_a_private_address_is_refused_before_connecting(
    server: LoopbackServer, loopback_tripwire, location: str, reason: str
) -> None:
    server.route("/jump", lambda h: h.send(302, headers={"Location": location}))
    resolver = fake_resolver({"intranet.example": "192.168.1.20", "metadata.example": "169.254.169.254"})
    result = fetch_one(server.url("/jump"), resolve=resolver)
    assert result.status == "blocked"
    assert reason in result.error
    assert result.final_url == location
    assert result.attempts == 2  # the redirect, then the refused hop: blocked is never retried
    assert set(loopback_tripwire.connected) == {"127.0.0.1"}


def test_tripwire_would_catch_a_connection_to_a_non_loopback_address(server: LoopbackServer, loopback_tripwire) -> None:
    """Guards the guard: with the policy deliberately opened, the tripwire (not the network) stops it."""
    server.route("/jump", lambda h: h.send(302, headers={"Location": "http://10.0.0.1/admin"}))
    result = fetch_one(server.url("/jump"), replace(FAST, allow_hosts=("127.0.0.1", "10.0.0.1"), max_retries=0))
    assert result.status == "connection_error"
    assert loopback_tripwire.violations == ["10.0.0.1"]
    loopback_tripwire.violations.clear()


def test_non_http_redirect_is_invalid(server: LoopbackServer) -> None:
    server.route("/jump", lambda h: h.send(302, headers={"Location": "file:///etc/passwd"}))
    result = fetch_one(server.url("/jump"))
    assert result.status == "invalid_url"
    assert "'file'" in result.error


def test_loopback_is_blocked_unless_allowed(server: LoopbackServer, loopback_tripwire) -> None:
    server.route("/a", lambda h: h.send(200, b"A"))
    result = fetch_one(server.url("/a"), replace(FAST, allow_hosts=()))
    assert result.status == "blocked"
    assert "loopback" in result.error
    assert loopback_tripwire.connected == [] and server.hits("/a") == []


def test_redirect_loop_stops(server: LoopbackServer) -> None:
    server.route("/loop", lambda h: h.send(302, headers={"Location": "/loop"}))
    result = fetch_one(server.url("/loop"), replace(FAST, max_redirects=3))
    assert result.status == "http_error"
    assert result.error == "too many redirects (more than 3)"
    assert len(server.hits("/loop")) == 4


# --------------------------------------------------------------------------- byte caps


def test_50_mib_body_is_cut_at_the_cap(server: LoopbackServer) -> None:
    chunk = b"a" * 65536
    total = 50 * 2**20
    server.route("/huge", lambda h: h.stream(200, (chunk for _ in range(total // len(chunk))),
                                             {"Content-Length": str(total)}))
    result = fetch_one(server.url("/huge"))  # default 5 MiB page cap
    assert result.status == "too_large"
    assert result.truncated is True
    assert len(result.body) == FAST.page_max_bytes
    assert result.http_status == 200


def test_feed_kind_uses_the_feed_cap(server: LoopbackServer) -> None:
    server.route("/f", lambda h: h.send(200, b"x" * 1500))
    settings = replace(FAST, feed_max_bytes=1000, page_max_bytes=2000)
    assert fetch_one(server.url("/f"), settings, kind="feed").status == "too_large"
    page = fetch_one(server.url("/f"), settings, kind="page")
    assert page.status == "ok" and len(page.body) == 1500


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """~64 MiB of zeros gzip-compressed to about 64 KiB, built without holding 64 MiB at once."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(2**20)
    parts = [comp.compress(zeros) for _ in range(64)]
    parts.append(comp.flush())
    return b"".join(parts)


def test_gzip_bomb_stops_at_the_cap(server: LoopbackServer, gzip_bomb: bytes) -> None:
    assert len(gzip_bomb) < 2**20
    server.route("/bomb", lambda h: h.send(200, gzip_bomb, {"Content-Encoding": "gzip"}))
    settings = replace(FAST, page_max_bytes=2**20)
    result = fetch_one(server.url("/bomb"), settings)
    assert result.status == "too_large" and result.truncated
    assert len(result.body) == 2**20
    assert result.body == bytes(2**20)


@pytest.mark.parametrize("encoding", ["gzip", "deflate-zlib", "deflate-raw"])
def test_compressed_bodies_are_decoded(server: LoopbackServer, encoding: str) -> None:
    text = "Mistral AI lève 600 millions d'euros ".encode() * 200
    if encoding == "gzip":
        payload, header = gzip.compress(text), "gzip"
    elif encoding == "deflate-zlib":
        payload, header = zlib.compress(text), "deflate"
    else:
        raw = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
        payload, header = raw.compress(text) + raw.flush(), "deflate"
    server.route("/z", lambda h: h.send(200, payload, {"Content-Encoding": header}))
    result = fetch_one(server.url("/z"))
    assert result.status == "ok"
    assert result.body == text


def test_corrupt_gzip_is_a_clear_error(server: LoopbackServer) -> None:
    server.route("/bad", lambda h: h.send(200, b"\x1f\x8bnot really gzip at all", {"Content-Encoding": "gzip"}))
    result = fetch_one(server.url("/bad"))
    assert result.status == "connection_error"
    assert result.error.startswith("corrupt gzip body")


# --------------------------------------------------------------------------- politeness


def test_per_host_limit_holds_while_hosts_run_in_parallel() -> None:
    tracker = ConcurrencyTracker()
    hosts = ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
    servers = [LoopbackServer(host, tracker) for host in hosts]
    for srv in servers:
        srv.route("/slow", lambda h: (h.pause(0.25), h.send(200, b"done")))
    settings = replace(FAST, per_host_concurrency=2, max_concurrency=16, allow_hosts=tuple(hosts))
    with serving(servers):
        requests = [FetchRequest(srv.url(f"/slow?n={i}")) for srv in servers for i in range(6)]
        results = fetch_all(requests, settings)
    assert all(r.status == "ok" for r in results)
    assert all(len(srv.hits("/slow")) == 6 for srv in servers)
    for host in hosts:
        assert tracker.peak[host] <= 2, f"{host} saw {tracker.peak[host]} simultaneous requests"
    assert tracker.total_peak >= 3, "different hosts should be fetched in parallel"


def test_min_interval_between_starts_holds_when_global_slots_are_scarce() -> None:
    """A request that waited for a global slot must still start ``per_host_min_interval_s`` after
    its host's previous request (the interval counts from the real start, not from the host slot).

    One global slot: host A's slow request holds it while host B's first request waits; B's second
    request gets its host slot meanwhile, and must not start right behind B's first."""
    interval = 0.2
    slow, fast = LoopbackServer("127.0.0.1"), LoopbackServer("127.0.0.2")
    slow.route("/r", lambda h: (h.pause(0.35), h.send(200, b"slow")))
    fast.route("/r", lambda h: h.send(200, b"fast"))
    settings = replace(FAST, per_host_concurrency=2, max_concurrency=1, per_host_min_interval_s=interval,
                       allow_hosts=("127.0.0.1", "127.0.0.2"))
    with slow, fast:
        results = fetch_all([FetchRequest(slow.url("/r")), FetchRequest(fast.url("/r?n=1")),
                             FetchRequest(fast.url("/r?n=2"))], settings)
    assert all(r.status == "ok" for r in results)
    first, second = sorted(hit.arrived_at for hit in fast.hits("/r"))
    assert second - first >= interval - 0.03, f"started {second - first:.3f} s apart"


def test_a_shared_schedule_keeps_the_interval_across_calls() -> None:
    """A stage fetching in batches passes one HostSchedule to every call: the first request of a
    batch waits the interval after the host's last request of the previous batch."""
    interval = 0.3
    settings = replace(FAST, per_host_min_interval_s=interval, allow_hosts=("127.0.0.1",))
    with LoopbackServer("127.0.0.1") as server:
        server.route("/p", lambda h: h.send(200, b"page"))
        schedule = HostSchedule()
        for batch in range(2):
            assert fetch_all([FetchRequest(server.url(f"/p?b={batch}"))], settings, schedule=schedule)[0].ok
        for batch in range(2, 4):  # separate calls without a shared schedule start at once
            assert fetch_all([FetchRequest(server.url(f"/p?b={batch}"))], settings)[0].ok
        arrivals = [hit.arrived_at for hit in server.hits("/p")]
    assert arrivals[1] - arrivals[0] >= interval - 0.03
    assert arrivals[3] - arrivals[2] < interval - 0.03


def test_a_host_keeps_its_connection_between_spaced_requests(loopback_tripwire: Tripwire) -> None:
    """Each host's requests come an interval apart with other hosts' requests in between; the
    host's idle connection must survive them (a pool shared by all hosts and sized for the global
    limit evicted it, so every request opened a new connection)."""
    hosts = ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
    servers = [LoopbackServer(host, keep_alive=True) for host in hosts]
    for srv in servers:
        srv.route("/p", lambda h: h.send(200, b"page"))
    settings = replace(FAST, per_host_concurrency=1, max_concurrency=1, per_host_min_interval_s=0.05,
                       allow_hosts=tuple(hosts))
    with serving(servers):
        results = fetch_all([FetchRequest(srv.url(f"/p?n={i}")) for i in range(4) for srv in servers], settings)
    assert all(r.status == "ok" for r in results)
    assert all(len(srv.hits("/p")) == 4 for srv in servers)
    assert sorted(loopback_tripwire.connected) == hosts, "one connection per host, reused"


def test_idle_origins_beyond_the_cap_are_closed(monkeypatch: pytest.MonkeyPatch, loopback_tripwire: Tripwire) -> None:
    """At most MAX_KEPT_ORIGINS origins keep connections open; the least recently used idle one
    is closed when another origin needs one, and a later request to it reconnects."""
    import httpx

    from monitor_pipeline.core.ingest import fetch as fetch_module

    monkeypatch.setattr(fetch_module, "MAX_KEPT_ORIGINS", 2)
    hosts = ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
    servers = [LoopbackServer(host, keep_alive=True) for host in hosts]
    for srv in servers:
        srv.route("/p", lambda h: h.send(200, b"page"))

    async def run() -> list[int]:
        transport = fetch_module._GuardedTransport(2, replace(FAST, allow_hosts=tuple(hosts)).url_policy,
                                                   fetch_module.socket.getaddrinfo)
        open_origins = []
        async with httpx.AsyncClient(transport=transport) as client:
            for srv in servers + servers[:1]:  # 1, 2, 3 (closes 1's connection), then 1 again
                assert (await client.get(srv.url("/p"))).status_code == 200
                open_origins.append(transport.open_origins)
        return open_origins

    with serving(servers):
        open_origins = asyncio.run(run())
    assert open_origins == [1, 2, 2, 2]
    assert loopback_tripwire.connected == hosts + hosts[:1]


def test_origin_cap_holds_under_concurrent_requests(monkeypatch: pytest.MonkeyPatch,
                                                    loopback_tripwire: Tripwire) -> None:
    """Many hosts at once with a cap of 2 kept origins: requests opening new origins close idle ones
    concurrently, and none of them may fail or leave a host with two pools."""
    from monitor_pipeline.core.ingest import fetch as fetch_module

    monkeypatch.setattr(fetch_module, "MAX_KEPT_ORIGINS", 2)
    hosts = [f"127.0.0.{i}" for i in range(1, 9)]
    servers = [LoopbackServer(host, keep_alive=True) for host in hosts]
    for srv in servers:
        srv.route("/p", lambda h: (h.pause(0.01), h.send(200, b"page")))
    settings = replace(FAST, per_host_concurrency=2, max_concurrency=8, allow_hosts=tuple(hosts))
    with serving(servers):
        results = fetch_all([FetchRequest(srv.url(f"/p?n={i}")) for i in range(6) for srv in servers], settings)
    assert [r.error for r in results if r.status != "ok"] == []
    assert all(len(srv.hits("/p")) == 6 for srv in servers)


def test_global_concurrency_limit_holds() -> None:
    tracker = ConcurrencyTracker()
    hosts = ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
    servers = [LoopbackServer(host, tracker) for host in hosts]
    for srv in servers:
        srv.route("/slow", lambda h: (h.pause(0.15), h.send(200, b"done")))
    settings = replace(FAST, per_host_concurrency=4, max_concurrency=2, allow_hosts=tuple(hosts))
    with serving(servers):
        results = fetch_all([FetchRequest(srv.url(f"/slow?n={i}")) for srv in servers for i in range(3)], settings)
    assert all(r.status == "ok" for r in results)
    assert tracker.total_peak <= 2


def test_interleaving_by_host_spreads_each_host_evenly_and_keeps_its_order():
    from monitor_pipeline.core.ingest.fetch import interleaved_by_host

    urls = [f"https://a.test/{i}" for i in range(6)] + [f"https://b.test/{i}" for i in range(2)] + \
        [f"https://C.test/{i}" for i in range(4)]
    out = interleaved_by_host(urls, lambda u: u)
    assert sorted(out) == sorted(urls)
    assert out[:3] == ["https://a.test/0", "https://b.test/0", "https://C.test/0"]
    for host in ("a.test", "b.test", "C.test"):  # each host's own order is kept
        own = [u for u in out if host in u]
        assert own == [u for u in urls if host in u]
    first_half = out[:6]  # a batch of half the pages holds about half of each host's pages
    assert sum("a.test" in u for u in first_half) == 2 and sum("C.test" in u for u in first_half) == 2
