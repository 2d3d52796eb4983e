"""Loopback HTTP servers for the benchmark corpus: one threaded server per loopback address.

Feeds and pages are spread over many addresses (127.0.0.2, 127.0.0.3, …: all of 127.0.0.0/8 is
local on Linux), so the fetcher's per-host politeness limits really apply. Every response can be
delayed by ``latency_s`` (simulating a remote site). Each server counts, per address, the requests
in flight and the open connections, and remembers the maxima seen: the fetcher must never have
more than ``per_host_concurrency`` requests in flight to one host. Feeds carry an ``ETag`` and
honour ``If-None-Match`` (answer 304), as real feed servers do.
"""
from __future__ import annotations

import hashlib
import re
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from monitor_pipeline.bench.corpus import Corpus

_PAGE = re.compile(r"^/articles/(\d+)\.html$")
_FEED = re.compile(r"^/feeds/(\d+)\.xml$")


def loopback_hosts(count: int, first: int = 2) -> list[str]:
    """``count`` loopback addresses 127.0.0.<first> …  (only loopback addresses are ever bound)."""
    if not 1 <= count <= 250:
        raise ValueError(f"between 1 and 250 loopback hosts, got {count}")
    return [f"127.0.0.{first + k}" for k in range(count)]


class _Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight: Counter = Counter()
        self.max_in_flight: Counter = Counter()
        self.open_conns: Counter = Counter()
        self.max_open_conns: Counter = Counter()
        self.requests: Counter = Counter()  # "page" / "feed" / "feed_304" / "other"

    def enter(self, host: str, kind: str) -> None:
        with self.lock:
            self.in_flight[host] += 1
            self.requests[kind] += 1
            self.max_in_flight[host] = max(self.max_in_flight[host], self.in_flight[host])

    def leave(self, host: str) -> None:
        with self.lock:
            self.in_flight[host] -= 1

    def connect(self, host: str, delta: int) -> None:
        with self.lock:
            self.open_conns[host] += delta
            self.max_open_conns[host] = max(self.max_open_conns[host], self.open_conns[host])


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # many clients connect at once at the start of a run


class BenchServers:
    """Context manager serving ``corpus`` on ``hosts`` (one ThreadingHTTPServer each, ephemeral ports)."""

    def __init__(self, corpus: Corpus, hosts: list[str], latency_s: float = 0.0) -> None:
        self.corpus, self.hosts, self.latency_s = corpus, hosts, latency_s
        self.stats = _Stats()
        self._stop = threading.Event()
        self._servers: list[ThreadingHTTPServer] = []
        self._threads: list[threading.Thread] = []
        self.base_urls: list[str] = []

    # ------------------------------------------------------------------ urls
    def host_of_feed(self, j: int) -> int:
        return j % len(self.hosts)

    def feed_url(self, j: int) -> str:
        return self.base_urls[self.host_of_feed(j)] + self.corpus.feed_url_path(j)

    def page_url(self, i: int) -> str:
        return self.base_urls[self.host_of_feed(self.corpus.feed_of(i))] + self.corpus.page_url_path(i)

    def reset_stats(self) -> None:
        self.stats = _Stats()

    @property
    def max_in_flight_per_host(self) -> int:
        return max(self.stats.max_in_flight.values(), default=0)

    @property
    def max_open_connections_per_host(self) -> int:
        return max(self.stats.max_open_conns.values(), default=0)

    # ------------------------------------------------------------------ serving
    def _handler(self, host: str, base_url: str):
        bench = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, like real sites

            def log_message(self, *args):  # quiet
                pass

            def setup(self):
                super().setup()
                bench.stats.connect(host, +1)

            def finish(self):
                try:
                    super().finish()
                finally:
                    bench.stats.connect(host, -1)

            def do_GET(self):  # noqa: N802 (http.server API)
                path = self.path.split("?")[0]
                page, feed = _PAGE.match(path), _FEED.match(path)
                kind = "page" if page else "feed" if feed else "other"
                stats = bench.stats
                stats.enter(host, kind)
                try:
                    if bench.latency_s:
                        bench._stop.wait(bench.latency_s)
                    status, ctype, body, headers = 404, "text/html; charset=utf-8", b"<h1>404</h1>", {}
                    if page and int(page.group(1)) < bench.corpus.n_pages:
                        status, body = 200, bench.corpus.page_html(int(page.group(1)), base_url)
                    elif feed and int(feed.group(1)) < bench.corpus.n_feeds:
                        body = bench.corpus.feed_xml(int(feed.group(1)), base_url)
                        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                        headers["ETag"] = etag
                        if self.headers.get("If-None-Match") == etag:
                            status, body = 304, b""
                            with stats.lock:
                                stats.requests["feed_304"] += 1
                        else:
                            status, ctype = 200, "application/rss+xml; charset=utf-8"
                    self.send_response(status)
                    if status != 304:
                        self.send_header("Content-Type", ctype)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True
                finally:
                    stats.leave(host)

        return Handler

    def __enter__(self) -> "BenchServers":
        for host in self.hosts:
            httpd = _Server((host, 0), self._handler(host, ""))
            base_url = f"http://{host}:{httpd.server_address[1]}"
            httpd.RequestHandlerClass = self._handler(host, base_url)
            self._servers.append(httpd)
            self.base_urls.append(base_url)
        for httpd in self._servers:
            thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for httpd in self._servers:
            httpd.shutdown()
            httpd.server_close()
