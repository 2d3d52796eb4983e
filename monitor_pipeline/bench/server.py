"""Loopback HTTP servers for the benchmark corpus: one threaded server per loopback address.

The servers run in a child process of their own, as a remote site would: generating 130 KB pages
in the measured process would take its interpreter lock away from the pipeline being measured.
The parent talks to the child over a pipe (base URLs, counters, reset, stop).

Feeds and pages are spread over many addresses (127.0.0.2, 127.0.0.3, …: all of 127.0.0.0/8 is
local on Linux), so the fetcher's per-host politeness limits really apply. Every response can be
delayed by ``latency_s`` (simulating a remote site). Each server counts, per address, the requests
in flight and the open connections, and remembers the maxima seen: the fetcher must never have
more than ``per_host_concurrency`` requests in flight to one host. Feeds carry an ``ETag`` and
honour ``If-None-Match`` (answer 304), as real feed servers do.
"""
from __future__ import annotations

import hashlib
import multiprocessing
import re
import threading
from collections import Counter
from dataclasses import dataclass
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


@dataclass(frozen=True)
class StatsSnapshot:
    """The child's counters at one moment (per host maxima, request counts by kind)."""

    requests: Counter
    max_in_flight: Counter
    max_open_conns: Counter


class _Serving:
    """What runs in the child process: the servers and their counters."""

    def __init__(self, corpus: Corpus, hosts: list[str], latency_s: float) -> None:
        self.corpus, self.hosts, self.latency_s = corpus, hosts, latency_s
        self.stats = _Stats()
        self._stop = threading.Event()
        self._servers: list[ThreadingHTTPServer] = []
        self.base_urls: list[str] = []

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

    def start(self) -> None:
        for host in self.hosts:
            httpd = _Server((host, 0), self._handler(host, ""))
            base_url = f"http://{host}:{httpd.server_address[1]}"
            httpd.RequestHandlerClass = self._handler(host, base_url)
            self._servers.append(httpd)
            self.base_urls.append(base_url)
        for httpd in self._servers:
            threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()

    def snapshot(self) -> StatsSnapshot:
        with self.stats.lock:
            return StatsSnapshot(Counter(self.stats.requests), Counter(self.stats.max_in_flight),
                                 Counter(self.stats.max_open_conns))

    def stop(self) -> None:
        self._stop.set()
        for httpd in self._servers:
            httpd.shutdown()
            httpd.server_close()


def _serve(conn, corpus: Corpus, hosts: list[str], latency_s: float) -> None:
    """Child process: serve until told to stop (or until the parent goes away)."""
    serving = _Serving(corpus, hosts, latency_s)
    try:
        serving.start()
        conn.send(("ready", serving.base_urls))
        while True:
            try:
                command = conn.recv()
            except EOFError:
                break
            if command == "stats":
                conn.send(serving.snapshot())
            elif command == "reset":
                serving.stats = _Stats()
                conn.send("ok")
            elif command == "stop":
                break
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises it
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        serving.stop()
        conn.close()


class BenchServers:
    """Context manager serving ``corpus`` on ``hosts`` (one ThreadingHTTPServer each, ephemeral
    ports) from a child process."""

    START_TIMEOUT_S = 60.0

    def __init__(self, corpus: Corpus, hosts: list[str], latency_s: float = 0.0) -> None:
        self.corpus, self.hosts, self.latency_s = corpus, hosts, latency_s
        self.base_urls: list[str] = []
        self._conn = None
        self._process = None

    # ------------------------------------------------------------------ urls
    def host_of_feed(self, j: int) -> int:
        return j % len(self.hosts)

    def feed_url(self, j: int) -> str:
        return self.base_urls[self.host_of_feed(j)] + self.corpus.feed_url_path(j)

    def page_url(self, i: int) -> str:
        return self.base_urls[self.host_of_feed(self.corpus.feed_of(i))] + self.corpus.page_url_path(i)

    # ------------------------------------------------------------------ counters
    def _ask(self, command: str):
        self._conn.send(command)
        return self._conn.recv()

    @property
    def stats(self) -> StatsSnapshot:
        return self._ask("stats")

    def reset_stats(self) -> None:
        self._ask("reset")

    @property
    def max_in_flight_per_host(self) -> int:
        return max(self.stats.max_in_flight.values(), default=0)

    @property
    def max_open_connections_per_host(self) -> int:
        return max(self.stats.max_open_conns.values(), default=0)

    # ------------------------------------------------------------------ serving
    def __enter__(self) -> "BenchServers":
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, self.corpus, self.hosts, self.latency_s),
                                        name="bench-servers", daemon=True)
        self._process.start()
        child.close()
        if not self._conn.poll(self.START_TIMEOUT_S):
            self.__exit__()
            raise RuntimeError(f"benchmark servers did not start within {self.START_TIMEOUT_S:g} s")
        status, payload = self._conn.recv()
        if status != "ready":
            self.__exit__()
            raise RuntimeError(f"benchmark servers failed to start: {payload}")
        self.base_urls = payload
        return self

    def __exit__(self, *exc) -> None:
        try:
            self._conn.send("stop")
        except (OSError, ValueError):
            pass
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._conn.close()
