"""Polite, bounded, SSRF-safe HTTP fetching of feeds and article pages.

:func:`fetch_all` is the synchronous entry point (``asyncio`` + ``httpx.AsyncClient`` inside). For
every request it guarantees:

* **Bounded time**: connect and read timeouts, a total deadline for each attempt and a budget
  (``fetch_budget_s``) for the request across all its attempts; a slow body is not retried.
* **Bounded memory**: the body is streamed and cut at a byte cap (``feed_max_bytes`` or
  ``page_max_bytes``); gzip/deflate are decompressed here, chunk by chunk with a bounded output, so
  the cap applies to decompressed bytes and a gzip bomb stops at the cap.
* **No SSRF**: every redirect hop is followed manually and checked; at connect time the host is
  resolved once, every address is checked with :func:`~monitor_pipeline.core.ingest.urls.resolve_checked`
  and the socket is opened to a checked address only (no DNS-rebinding window). A refused address
  never receives a packet.
* **Politeness**: a global concurrency limit, a per-host concurrency limit and a minimum interval
  between two requests to the same host; different hosts are fetched in parallel. Each host's
  connections are kept alive between its requests (one small pool per origin).
* **Retries**: exponential backoff with full jitter on timeouts, connection errors and 5xx;
  ``Retry-After`` (seconds or HTTP date, capped by ``backoff_max_s``) honoured on 429/503; no retry
  on other 4xx.
* **Conditional GET**: ``If-None-Match`` / ``If-Modified-Since`` when known; 304 -> ``not_modified``.
* **Publisher opt-outs**: robots.txt (:mod:`~monitor_pipeline.core.ingest.robots`) before every feed
  and page request, its ``Crawl-delay`` raising the host's interval; TDMRep reservations
  (:mod:`~monitor_pipeline.core.ingest.tdm`) for pages, whose body is then never returned. Both are
  read once per origin into an :class:`OriginCache` that can outlive the call.
* **TLS**: certificates always verified (``ca_bundle`` replaces the default CA bundle); a redirect
  from https to http is refused unless ``allow_https_to_http_redirects``: ``tls_error``.

Per-URL failures never raise: they come back as a :class:`FetchResult` whose ``status`` says what
happened and whose ``error`` is a one-line message.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import hashlib
import random
import os
import socket
import ssl
import time
import zlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from monitor_pipeline.core.ingest import tdm
from monitor_pipeline.core.ingest.robots import ROBOTS_MAX_BYTES, OriginCache, RobotsRules, origin_of, robots_url, \
    rules_from_fetch
from monitor_pipeline.core.ingest.urls import (
    BlockedURL,
    InvalidURL,
    Resolver,
    UnresolvableHost,
    UrlPolicy,
    host_and_port,
    resolve_checked,
)

__all__ = [
    "FETCH_STATUSES",
    "FetchRequest",
    "FetchResult",
    "HostSchedule",
    "HttpSettings",
    "OriginCache",
    "fetch_all",
    "fetch_all_async",
    "parse_retry_after",
    "retry_delay",
]

FETCH_STATUSES = (
    "ok", "not_modified", "http_error", "timeout", "too_large", "blocked", "connection_error", "invalid_url",
    "tls_error", "robots_disallowed", "robots_unavailable", "tdm_reserved",
)
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
_RETRY_AFTER_CODES = frozenset({429, 503})
KEEPALIVE_EXPIRY_S = 10.0
MAX_KEPT_ORIGINS = 128  # origins whose idle connections stay open (at most per_host_concurrency each)
_ACCEPT = {
    "feed": "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
    "page": "text/html, application/xhtml+xml;q=0.9, */*;q=0.5",
    "robots": "text/plain, */*;q=0.5",
    "tdmrep": "application/json, */*;q=0.5",
}
_KINDS = ("feed", "page", "robots", "tdmrep")


@dataclass(frozen=True)
class HttpSettings:
    """Timeouts, caps, politeness and retry knobs for :func:`fetch_all`.

    ``total_timeout_s`` bounds one attempt (connect, headers and the whole streamed body), so a
    server dripping one byte per read-timeout cannot hold a slot forever. ``fetch_budget_s`` bounds
    one request across all its attempts, backoff sleeps and redirect hops: each attempt gets the
    smaller of ``total_timeout_s`` and what is left of the budget, and a response that timed out
    while its body was arriving (a slow body) is not retried within the same call (the next poll
    tries again). ``site_files_budget_s`` is the (smaller) budget of a robots.txt or tdmrep.json
    fetch, so a site dripping those delays its first page by seconds, not a minute more.
    ``allow_hosts`` lists host names or IPs that may be fetched although private or loopback (tests,
    a local mirror).

    ``user_agent`` is the one string sent with every request and matched against robots.txt groups.
    ``respect_robots`` / ``respect_tdm`` switch the opt-out checks (on in production; tests of other
    mechanics turn them off to count requests). robots.txt rules live ``robots_ttl_s``, an unreadable
    file is asked again after ``robots_retry_s``, and a Crawl-delay is honoured up to
    ``max_crawl_delay_s``. ``ca_bundle`` is a PEM file of trusted CAs replacing the default bundle.
    """

    connect_timeout_s: float = 5.0
    read_timeout_s: float = 15.0
    total_timeout_s: float = 60.0
    fetch_budget_s: float = 60.0
    site_files_budget_s: float = 15.0
    feed_max_bytes: int = 10 * 2**20
    page_max_bytes: int = 5 * 2**20
    max_concurrency: int = 32
    per_host_concurrency: int = 2
    per_host_min_interval_s: float = 0.25
    max_retries: int = 3
    backoff_base_s: float = 0.5
    backoff_max_s: float = 30.0
    max_redirects: int = 5
    user_agent: str = "monitor-pipeline/0.1 (+https://github.com/monitor-pipeline; press monitoring bot)"
    allow_hosts: tuple[str, ...] = ()
    respect_robots: bool = True
    respect_tdm: bool = True
    robots_ttl_s: float = 24 * 3600.0
    robots_retry_s: float = 1800.0
    max_crawl_delay_s: float = 30.0
    ca_bundle: str | None = None
    allow_https_to_http_redirects: bool = False

    def __post_init__(self) -> None:
        positive = ("connect_timeout_s", "read_timeout_s", "total_timeout_s", "fetch_budget_s", "site_files_budget_s",
                    "feed_max_bytes",
                    "page_max_bytes", "max_concurrency", "per_host_concurrency")
        for name in positive:
            if getattr(self, name) <= 0:
                raise ValueError(f"HttpSettings.{name} must be > 0, got {getattr(self, name)!r}")
        non_negative = ("per_host_min_interval_s", "max_retries", "backoff_base_s", "backoff_max_s", "max_redirects",
                        "robots_ttl_s", "robots_retry_s", "max_crawl_delay_s")
        for name in non_negative:
            if getattr(self, name) < 0:
                raise ValueError(f"HttpSettings.{name} must be >= 0, got {getattr(self, name)!r}")
        if not isinstance(self.user_agent, str) or not self.user_agent.strip() or "\n" in self.user_agent:
            raise ValueError("HttpSettings.user_agent must be a non-empty single-line string")
        if self.ca_bundle is not None and not os.path.isfile(self.ca_bundle):
            raise ValueError(f"HttpSettings.ca_bundle: no such file {self.ca_bundle!r} (a PEM file of trusted CAs)")

    def ssl_context(self) -> ssl.SSLContext:
        """Verification always on; ``ca_bundle`` (a PEM file) replaces the default CA bundle."""
        if self.ca_bundle:
            return ssl.create_default_context(cafile=self.ca_bundle)
        return httpx.create_ssl_context(trust_env=False)

    @property
    def url_policy(self) -> UrlPolicy:
        return UrlPolicy(allow_hosts=frozenset(self.allow_hosts))

    def cap_for(self, kind: str) -> int:
        if kind == "robots":
            return ROBOTS_MAX_BYTES
        if kind == "tdmrep":
            return tdm.TDMREP_MAX_BYTES
        return self.feed_max_bytes if kind == "feed" else self.page_max_bytes


@dataclass(frozen=True)
class FetchRequest:
    """One URL to fetch; ``kind`` ("feed" or "page") selects the byte cap.

    ``check_robots=False`` skips robots.txt for this request (a feed the publisher explicitly
    allows, recorded in the registry); ``check_tdm=False`` skips the TDM reservation of a page (a
    licence recorded in the registry). ``robots`` and ``tdmrep`` kinds are the fetcher's own."""

    url: str
    kind: str = "page"
    etag: str | None = None
    last_modified: str | None = None
    check_robots: bool = True
    check_tdm: bool = True

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"FetchRequest.kind must be 'feed' or 'page', got {self.kind!r}")


@dataclass
class FetchResult:
    """What happened to one :class:`FetchRequest` (``status`` is one of :data:`FETCH_STATUSES`)."""

    url: str
    final_url: str | None
    status: str
    http_status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    truncated: bool = False
    elapsed_s: float = 0.0
    attempts: int = 0
    error: str | None = None
    content_type: str | None = None
    body_sha256: str | None = None
    redirects: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


# --------------------------------------------------------------------------- retry timing


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), or None."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


def retry_delay(
    retry_index: int, settings: HttpSettings, retry_after_s: float | None = None, rng: random.Random | None = None
) -> float:
    """Delay before retry number ``retry_index`` (0-based).

    ``Retry-After`` wins when given (capped by ``backoff_max_s``); otherwise exponential backoff
    with full jitter: uniform in ``[0, min(backoff_max_s, backoff_base_s * 2**retry_index)]``.
    """
    if retry_after_s is not None:
        return min(max(0.0, retry_after_s), settings.backoff_max_s)
    ceiling = min(settings.backoff_max_s, settings.backoff_base_s * (2 ** min(retry_index, 30)))
    return (rng or random).uniform(0.0, ceiling)


# --------------------------------------------------------------------------- bounded decoding


class _Undecodable(Exception):
    """The body cannot be decoded (unsupported or corrupt content-encoding)."""


class _BoundedDecoder:
    """Decodes a content-encoding chunk by chunk, never producing more than asked for."""

    def __init__(self, encoding: str) -> None:
        codings = [c.strip().lower() for c in encoding.split(",") if c.strip() and c.strip().lower() != "identity"]
        if len(codings) > 1:
            raise _Undecodable(f"unsupported stacked content-encoding {encoding!r}")
        self.coding = codings[0] if codings else ""
        if self.coding not in ("", "gzip", "x-gzip", "deflate"):
            raise _Undecodable(f"unsupported content-encoding {self.coding!r}")
        self._obj: Any = None
        self._pending = b""

    def _new_obj(self, first: bytes) -> Any:
        if self.coding in ("gzip", "x-gzip"):
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        # "deflate" is zlib-wrapped per the RFC, raw deflate in practice for some servers.
        zlib_header = len(first) >= 2 and (first[0] & 0x0F) == 8 and ((first[0] << 8) | first[1]) % 31 == 0
        return zlib.decompressobj(zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS)

    def feed(self, data: bytes, max_out: int) -> bytes:
        """Decode ``data``; return at most ``max_out`` bytes (more input pending means over cap)."""
        if not self.coding:
            return data[:max_out]
        data = self._pending + data
        self._pending = b""
        out = bytearray()
        try:
            while data and len(out) < max_out:
                if self._obj is None:
                    if len(data) < 2:
                        self._pending = data
                        break
                    self._obj = self._new_obj(data)
                out += self._obj.decompress(data, max_out - len(out))
                if self._obj.unconsumed_tail:
                    break  # output limit reached with input left: over the cap
                data = b""
                if self._obj.eof:
                    rest = self._obj.unused_data
                    self._obj = None
                    if self.coding == "deflate" or not rest.startswith(b"\x1f\x8b"):
                        break  # trailing garbage after the stream is ignored
                    data = rest  # next gzip member
        except zlib.error as exc:
            raise _Undecodable(f"corrupt {self.coding} body: {exc}") from None
        return bytes(out)


# --------------------------------------------------------------------------- guarded connections


async def _open_tcp(backend: httpcore.AsyncNetworkBackend, ip: str, port: int, **kwargs: Any) -> Any:
    """Open a TCP connection to an already-checked IP (single choke point, patched by tests)."""
    return await backend.connect_tcp(ip, port, **kwargs)


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolve + check at connect time, then connect to a checked address only."""

    def __init__(self, policy: UrlPolicy, resolve: Resolver) -> None:
        self._policy = policy
        self._resolve = resolve
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        ips = await loop.run_in_executor(None, resolve_checked, host, port, self._policy, self._resolve)
        last_exc: Exception | None = None
        for ip in ips[:4]:
            try:
                return await _open_tcp(self._inner, ip, port, timeout=timeout, local_address=local_address,
                                       socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout, OSError) as exc:
                last_exc = exc
        assert last_exc is not None
        raise last_exc

    async def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Any = None) -> Any:
        raise BlockedURL("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class _OriginTransport(httpx.AsyncHTTPTransport):
    """httpx transport over one small httpcore pool (one origin's connections); no proxies."""

    def __init__(self, connections: int, ssl_context: Any, backend: httpcore.AsyncNetworkBackend) -> None:
        super().__init__(verify=ssl_context, trust_env=False, retries=0)
        self.pool = self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=connections,
            max_keepalive_connections=connections,
            keepalive_expiry=KEEPALIVE_EXPIRY_S,
            http1=True,
            http2=False,
            retries=0,
            network_backend=backend,
        )

    def is_idle(self) -> bool:
        """No request in flight or waiting: every connection is idle or closed."""
        return all(c.is_idle() or c.is_closed() for c in self.pool.connections)


class _GuardedTransport(httpx.AsyncBaseTransport):
    """One small keep-alive pool per origin (scheme, host, port), on :class:`_GuardedBackend`.

    A host's requests come ``per_host_min_interval_s`` apart with other hosts' requests in between,
    so one shared pool sized for the global limit evicts each host's idle connection before its next
    request (every request paid a new connection), and a shared pool sized for every host is scanned
    whole by httpcore on each request. Per-origin pools keep each host's connection alive at a
    constant cost; at most ``MAX_KEPT_ORIGINS`` of them stay open, the least recently used idle one
    being closed first.
    """

    def __init__(self, per_origin_connections: int, policy: UrlPolicy, resolve: Resolver,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self._connections = per_origin_connections
        self._ssl_context = ssl_context or httpx.create_ssl_context(trust_env=False)
        self._backend = _GuardedBackend(policy, resolve)
        self._origins: OrderedDict[tuple[bytes, bytes, int | None], _OriginTransport] = OrderedDict()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        key = (url.raw_scheme, url.raw_host, url.port)
        transport = self._origins.get(key)
        if transport is None:
            await self._close_idle_origins(keep=MAX_KEPT_ORIGINS - 1)
            transport = self._origins.get(key)  # another request may have opened it meanwhile
            if transport is None:
                transport = self._origins[key] = _OriginTransport(self._connections, self._ssl_context,
                                                                  self._backend)
        else:
            self._origins.move_to_end(key)
        return await transport.handle_async_request(request)

    async def _close_idle_origins(self, keep: int) -> None:
        for key in list(self._origins):  # least recently used first
            if len(self._origins) <= keep:
                return
            transport = self._origins.get(key)  # may be gone: closing awaits, other requests run
            if transport is not None and transport.is_idle():
                del self._origins[key]
                await transport.aclose()

    @property
    def open_origins(self) -> int:
        return len(self._origins)

    async def aclose(self) -> None:
        transports, self._origins = list(self._origins.values()), OrderedDict()
        for transport in transports:
            await transport.aclose()


# --------------------------------------------------------------------------- politeness


T = TypeVar("T")


def interleaved_by_host(items: Sequence[T], url_of: Callable[[T], str]) -> list[T]:
    """``items`` reordered round-robin over their URLs' hosts (first each host's first item, then each
    host's second, ...), keeping each host's own order. Fetched in batches, a batch then holds an equal
    share of every host's pages: its slowest host, for which the whole batch waits, is no slower than
    the others, instead of holding twice its share when the order happened to cluster it."""
    by_host: dict[str, list[T]] = {}
    for item in items:
        by_host.setdefault((urlsplit(url_of(item)).hostname or "").lower(), []).append(item)
    ranked = [(rank, order, item) for order, host_items in enumerate(by_host.values())
              for rank, item in enumerate(host_items)]
    return [item for _, _, item in sorted(ranked, key=lambda r: (r[0], r[1]))]


class HostSchedule:
    """When each host may next be sent a request (``time.monotonic()`` seconds).

    Pass the same schedule to successive :func:`fetch_all` calls (a stage fetching in batches)
    so that the per-host interval also holds from one call to the next; each call otherwise
    starts with a fresh one. ``min_interval`` holds the hosts whose robots.txt Crawl-delay raised
    their interval. Used by one call at a time."""

    def __init__(self) -> None:
        self.next_start: dict[str, float] = {}
        #: per-host interval raised above ``per_host_min_interval_s`` by a robots.txt Crawl-delay
        self.min_interval: dict[str, float] = {}


class _HostGate:
    """Per-host concurrency limit plus a minimum interval between request starts."""

    def __init__(self, concurrency: int, min_interval_s: float, host: str, schedule: HostSchedule) -> None:
        self._sem = asyncio.Semaphore(concurrency)
        self._lock = asyncio.Lock()
        self._host, self._schedule = host, schedule
        self._interval = min_interval_s

    @property
    def _next_start(self) -> float:
        return self._schedule.next_start.get(self._host, 0.0)

    @_next_start.setter
    def _next_start(self, value: float) -> None:
        self._schedule.next_start[self._host] = value

    @contextlib.asynccontextmanager
    async def slot(self, global_sem: asyncio.Semaphore) -> AsyncIterator[None]:
        """Hold a host slot and a global slot. The interval runs from the moment both are held:
        a request that waited for a global slot never starts right after its host's previous one."""
        async with self._sem:
            async with self._lock:
                wait = self._next_start - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                await global_sem.acquire()
                interval = max(self._interval, self._schedule.min_interval.get(self._host, 0.0))
                self._next_start = time.monotonic() + interval
            try:
                yield
            finally:
                global_sem.release()


# --------------------------------------------------------------------------- one attempt


@dataclass
class _Attempt:
    """Outcome of one HTTP exchange (one hop, one try)."""

    status: str
    http_status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    truncated: bool = False
    error: str | None = None
    retriable: bool = False
    location: str | None = None
    retry_after_s: float | None = None


def _tls_problem(exc: BaseException, host: str) -> str | None:
    """A one-line description when ``exc`` comes from a TLS failure (certificate or handshake)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError):
            reason = current.verify_message or current.reason or "invalid certificate"
            return f"TLS certificate of {host} refused: {reason}"
        if isinstance(current, ssl.SSLError):
            return f"TLS handshake with {host} failed: {current.reason or _one_line(current)}"
        current = current.__cause__ or current.__context__
    return None


class _Budget:
    """Time left for one request across its attempts, backoff sleeps and redirect hops. The clock
    starts when the first attempt holds its slots, so waiting behind the politeness gates (many
    pages of one host) does not eat the budget."""

    def __init__(self, budget_s: float) -> None:
        self.budget_s = budget_s
        self.started: float | None = None

    def remaining(self) -> float:
        if self.started is None:
            self.started = time.monotonic()
        return self.budget_s - (time.monotonic() - self.started)

    def exhausted_message(self) -> str:
        return f"fetch budget of {self.budget_s:g} s across all attempts used up"


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


class _Fetcher:
    def __init__(self, settings: HttpSettings, resolve: Resolver, rng: random.Random | None,
                 schedule: HostSchedule | None = None, cache: OriginCache | None = None) -> None:
        self.settings = settings
        self.cache = cache if cache is not None else OriginCache()
        self._origin_locks: dict[tuple[str, str], asyncio.Lock] = {}
        self.rng = rng or random.Random()
        self.gates: dict[str, _HostGate] = {}
        self.schedule = schedule if schedule is not None else HostSchedule()
        self.global_sem = asyncio.Semaphore(settings.max_concurrency)
        self.transport = _GuardedTransport(settings.per_host_concurrency, settings.url_policy, resolve,
                                           settings.ssl_context())
        self.client = httpx.AsyncClient(
            transport=self.transport,
            timeout=httpx.Timeout(connect=settings.connect_timeout_s, read=settings.read_timeout_s,
                                  write=settings.read_timeout_s, pool=settings.total_timeout_s),
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate",
                     "Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"},
        )

    def _gate(self, host: str) -> _HostGate:
        gate = self.gates.get(host)
        if gate is None:
            s = self.settings
            gate = self.gates[host] = _HostGate(s.per_host_concurrency, s.per_host_min_interval_s, host,
                                                self.schedule)
        return gate

    async def _read_capped(self, resp: httpx.Response, cap: int) -> tuple[bytes, bool]:
        decoder = _BoundedDecoder(resp.headers.get("content-encoding", ""))
        body = bytearray()
        raw_total = 0
        async for chunk in resp.aiter_raw():
            raw_total += len(chunk)
            body += decoder.feed(chunk, cap + 1 - len(body))
            if len(body) > cap or raw_total > cap:
                return bytes(body[:cap]), True
        return bytes(body), False

    async def _exchange(self, url: str, headers: dict[str, str], cap: int, deadline_s: float,
                        phase: list[str], check_tdm: bool) -> _Attempt:
        async with asyncio.timeout(deadline_s):
            async with self.client.stream("GET", url, headers=headers) as resp:
                phase[0] = "body"  # headers are in: a timeout from now on is a slow body
                code = resp.status_code
                resp_headers = {k.lower(): v for k, v in resp.headers.items()}
                retry_after = parse_retry_after(resp.headers.get("retry-after")) if code in _RETRY_AFTER_CODES else None
                if code in _REDIRECT_CODES and resp.headers.get("location"):
                    return _Attempt("redirect", code, resp_headers, location=resp.headers["location"])
                if code == 304:
                    return _Attempt("not_modified", code, resp_headers)
                if check_tdm and 200 <= code < 300:
                    decision = tdm.from_headers(resp_headers)
                    if decision is not None and decision.reserved:  # stop at the headers: the body is not read
                        return _Attempt("tdm_reserved", code, resp_headers, error=decision.describe())
                    if decision is not None:
                        check_tdm = False  # the header says "not reserved": it wins over the meta tag
                body, truncated = await self._read_capped(resp, cap)
                if truncated:
                    status = "too_large" if code < 400 else "http_error"
                    error = f"body larger than the {cap} byte cap, cut at the cap"
                    return _Attempt(status, code, resp_headers, body, True, error)
                if 200 <= code < 300:
                    decision = tdm.from_html(body) if check_tdm else None
                    if decision is not None and decision.reserved:  # the body is dropped, never kept
                        return _Attempt("tdm_reserved", code, resp_headers, error=decision.describe())
                    return _Attempt("ok", code, resp_headers, body)
                reason = resp.reason_phrase or ""
                error = f"HTTP {code} {reason}".strip()
                if code in _REDIRECT_CODES:
                    error = f"HTTP {code} redirect without a Location header"
                retriable = code >= 500 or code == 429
                return _Attempt("http_error", code, resp_headers, body, False, error, retriable,
                                retry_after_s=retry_after)

    async def attempt(self, url: str, headers: dict[str, str], cap: int, budget: _Budget,
                      check_tdm: bool = False) -> _Attempt:
        """One guarded HTTP exchange within what is left of ``budget``; every failure becomes an
        :class:`_Attempt`. A timeout once the response headers are in (a slow body) or at the total
        deadline is not retriable: the same server would most likely hold the next attempt as long."""
        s = self.settings
        host = (urlsplit(url).hostname or "").lower()
        async with self._gate(host).slot(self.global_sem):
            remaining = budget.remaining()
            if remaining <= 0:
                return _Attempt("timeout", error=budget.exhausted_message())
            deadline = min(s.total_timeout_s, remaining)
            phase = ["headers"]
            try:
                return await self._exchange(url, headers, cap, deadline, phase, check_tdm)
            except TimeoutError:
                if deadline < s.total_timeout_s:
                    message = f"no complete response within the fetch budget ({budget.exhausted_message()})"
                else:
                    message = f"no complete response within {s.total_timeout_s:g} s (total deadline)"
                if phase[0] == "body":
                    message += "; slow body, not retried before the next poll"
                return _Attempt("timeout", error=message)
            except httpx.ConnectTimeout:
                return _Attempt("timeout", error=f"connect timeout after {s.connect_timeout_s:g} s", retriable=True)
            except httpx.ReadTimeout:
                if phase[0] == "body":
                    return _Attempt("timeout", error=f"read timeout: no data for {s.read_timeout_s:g} s while the "
                                                     "body was arriving (slow body, not retried before the next poll)")
                return _Attempt("timeout", error=f"read timeout: no data for {s.read_timeout_s:g} s", retriable=True)
            except httpx.TimeoutException as exc:
                return _Attempt("timeout", error=f"timeout ({type(exc).__name__})", retriable=True)
            except UnresolvableHost as exc:
                return _Attempt("connection_error", error=_one_line(exc), retriable=True)
            except InvalidURL as exc:
                return _Attempt("invalid_url", error=_one_line(exc))
            except BlockedURL as exc:
                return _Attempt("blocked", error=_one_line(exc))
            except _Undecodable as exc:
                return _Attempt("connection_error", error=_one_line(exc))
            except httpx.TransportError as exc:
                tls = _tls_problem(exc, host)
                if tls is not None:
                    return _Attempt("tls_error", error=tls)
                return _Attempt("connection_error", error=f"{type(exc).__name__}: {_one_line(exc)}", retriable=True)
            except (httpx.InvalidURL, httpx.UnsupportedProtocol, UnicodeError, ValueError) as exc:
                return _Attempt("invalid_url", error=f"invalid URL: {_one_line(exc)}")
            except Exception as exc:  # noqa: BLE001 - a per-URL failure must never escape
                return _Attempt("connection_error", error=f"unexpected {type(exc).__name__}: {_one_line(exc)}")

    async def fetch(self, request: FetchRequest) -> FetchResult:
        s = self.settings
        start = time.monotonic()
        cap = s.cap_for(request.kind)
        headers = {"Accept": _ACCEPT.get(request.kind, _ACCEPT["page"])}
        if request.etag:
            headers["If-None-Match"] = request.etag
        if request.last_modified:
            headers["If-Modified-Since"] = request.last_modified
        url = request.url.strip()
        attempts = 0
        hops: list[str] = []

        def done(status: str, outcome: _Attempt | None = None, error: str | None = None) -> FetchResult:
            """The result; only an ``ok`` body is kept (a reserved page's body never leaves here)."""
            o = outcome or _Attempt(status)
            body = o.body
            return FetchResult(
                url=request.url, final_url=url, status=status, http_status=o.http_status, headers=o.headers,
                body=body, truncated=o.truncated, elapsed_s=time.monotonic() - start, attempts=attempts,
                error=error if error is not None else o.error, content_type=o.headers.get("content-type"),
                body_sha256=hashlib.sha256(body).hexdigest() if status == "ok" else None, redirects=hops,
            )

        budget = _Budget(s.site_files_budget_s if request.kind in ("robots", "tdmrep") else s.fetch_budget_s)
        check_robots = s.respect_robots and request.check_robots and request.kind in ("feed", "page")
        check_tdm = s.respect_tdm and request.check_tdm and request.kind == "page"
        for _hop in range(s.max_redirects + 1):
            try:
                host_and_port(url)
            except InvalidURL as exc:
                return done("invalid_url", error=_one_line(exc))
            if check_robots:
                refusal = await self._robots_refusal(url)
                if refusal is not None:
                    return done(*refusal)
            if check_tdm:
                decision = (await self._tdmrep_file(url)).lookup(url)
                if decision is not None and decision.reserved:  # the page is not even requested
                    return done("tdm_reserved", error=decision.describe(origin_of(url)))
            retry = 0
            while True:
                attempts += 1
                outcome = await self.attempt(url, headers, cap, budget, check_tdm)
                if not outcome.retriable or retry >= s.max_retries:
                    break
                delay = retry_delay(retry, s, outcome.retry_after_s, self.rng)
                if delay >= budget.remaining():
                    break  # the retry could not start within the budget: the next poll tries again
                await asyncio.sleep(delay)
                retry += 1
            if outcome.status != "redirect":
                return done(outcome.status, outcome)
            hops.append(url)
            target = urljoin(url, (outcome.location or "").strip())
            if (urlsplit(url).scheme == "https" and urlsplit(target).scheme.lower() == "http"
                    and not s.allow_https_to_http_redirects):
                return done("tls_error", error=f"redirect from https to plain http refused ({target}); "
                                               "allow_https_to_http_redirects permits it")
            url = target
        return done("http_error", error=f"too many redirects (more than {s.max_redirects})")

    async def _origin_fact(self, kind: str, url: str, load: Callable[[str], Any], ttl_s: Callable[[Any], float]) -> Any:
        """The cached ``kind`` fact of ``url``'s origin, loaded once (concurrent requests wait)."""
        origin = origin_of(url)
        value = self.cache.get(kind, origin)
        if value is not None:
            return value
        lock = self._origin_locks.setdefault((kind, origin), asyncio.Lock())
        async with lock:
            value = self.cache.get(kind, origin)
            if value is None:
                value = await load(origin)
                self.cache.put(kind, origin, value, ttl_s(value))
        return value

    async def _load_robots(self, origin: str) -> RobotsRules:
        result = await self.fetch(FetchRequest(robots_url(origin), kind="robots", check_robots=False))
        return rules_from_fetch(origin, result.status, result.http_status, result.body, result.error)

    async def _robots_refusal(self, url: str) -> tuple[str, None, str] | None:
        """``(status, None, error)`` when robots.txt forbids ``url`` now, else None; a Crawl-delay
        raises the host's interval (capped at ``max_crawl_delay_s``)."""
        s = self.settings
        rules = await self._origin_fact(
            "robots", url, self._load_robots,
            lambda r: s.robots_retry_s if r.outcome == "unavailable" else s.robots_ttl_s)
        delay = rules.crawl_delay(s.user_agent)
        if delay is not None:
            host = (urlsplit(url).hostname or "").lower()
            self.schedule.min_interval[host] = max(self.schedule.min_interval.get(host, 0.0),
                                                   min(delay, s.max_crawl_delay_s))
        if rules.outcome == "unavailable":
            if rules.failure_status is not None:  # connection, TLS, address: the page would fail the same way
                return rules.failure_status, None, rules.error
            return ("robots_unavailable", None,
                    f"{rules.origin}/robots.txt could not be read ({rules.error}); no page of this site is "
                    f"fetched until it can (next try in {s.robots_retry_s:g} s or at the next run)")
        if not rules.allows(url, s.user_agent):
            path = urlsplit(url).path or "/"
            return "robots_disallowed", None, f"{rules.origin}/robots.txt disallows {path[:200]} for this user agent"
        return None

    async def _load_tdmrep(self, origin: str) -> tdm.TdmRepFile:
        result = await self.fetch(FetchRequest(origin + tdm.TDMREP_PATH, kind="tdmrep", check_robots=False))
        if result.status != "ok":
            return tdm.TdmRepFile()  # no site-wide file: the page's header and meta tag still count
        return tdm.parse_tdmrep_file(result.body)

    async def _tdmrep_file(self, url: str) -> tdm.TdmRepFile:
        return await self._origin_fact("tdmrep", url, self._load_tdmrep, lambda _f: self.settings.robots_ttl_s)

    async def aclose(self) -> None:
        await self.client.aclose()


async def fetch_all_async(
    requests: Sequence[FetchRequest], settings: HttpSettings, *, resolve: Resolver = socket.getaddrinfo,
    rng: random.Random | None = None, schedule: HostSchedule | None = None,
    on_result: Callable[[int, FetchResult], None] | None = None, cache: OriginCache | None = None,
) -> list[FetchResult]:
    """Async version of :func:`fetch_all` (results in input order)."""
    fetcher = _Fetcher(settings, resolve, rng, schedule, cache)

    async def fetch(index: int, request: FetchRequest) -> FetchResult:
        result = await fetcher.fetch(request)
        if on_result is not None:
            on_result(index, result)
        return result

    try:
        return list(await asyncio.gather(*(fetch(i, r) for i, r in enumerate(requests))))
    finally:
        await fetcher.aclose()


def fetch_all(
    requests: Sequence[FetchRequest], settings: HttpSettings, *, resolve: Resolver = socket.getaddrinfo,
    rng: random.Random | None = None, schedule: HostSchedule | None = None,
    on_result: Callable[[int, FetchResult], None] | None = None, cache: OriginCache | None = None,
) -> list[FetchResult]:
    """Fetch every request concurrently; return results in input order; never raise per URL.

    ``resolve`` (``socket.getaddrinfo`` signature) and ``rng`` (jitter) can be injected for tests;
    ``schedule`` carries the per-host intervals over from an earlier call, ``cache`` the robots.txt
    and TDMRep files already read (each is fetched once per origin and TTL). ``on_result(index, result)``
    is called as each request completes, in the fetching thread, between network waits: it must
    be quick (hand heavy work to a thread) and must not raise.
    Safe to call from code already running an event loop (it then runs in a worker thread).
    """
    reqs = list(requests)
    if not reqs:
        return []

    def run() -> list[FetchResult]:
        return asyncio.run(fetch_all_async(reqs, settings, resolve=resolve, rng=rng, schedule=schedule,
                                           on_result=on_result, cache=cache))

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return run()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()
