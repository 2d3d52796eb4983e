"""A tiny threaded HTTP (or HTTPS) server on a loopback address, for fetch tests.

Tests register one handler per path; a handler receives the request handler object and answers
with :meth:`Handler.send` or :meth:`Handler.stream`. The server records every request and counts
simultaneous in-flight requests per host (and across hosts with a shared
:class:`ConcurrencyTracker`). Everything binds to 127.0.0.0/8 only. With ``tls=`` (a server-side
``ssl.SSLContext``, e.g. from a ``trustme`` test CA) the server speaks HTTPS; each connection's TLS
handshake runs in its own handler thread, so a client refusing the certificate never stalls the
accept loop.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from monitor_pipeline.core.ingest import fetch as fetch_module


@dataclass
class SeenRequest:
    """One request as the server saw it."""

    host: str
    path: str
    headers: dict[str, str]
    arrived_at: float = field(default_factory=time.monotonic)


@dataclass
class ConcurrencyTracker:
    """Counts simultaneous in-flight requests, per server host and overall."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    current: dict[str, int] = field(default_factory=dict)
    peak: dict[str, int] = field(default_factory=dict)
    total_current: int = 0
    total_peak: int = 0

    def enter(self, host: str) -> None:
        with self.lock:
            self.current[host] = self.current.get(host, 0) + 1
            self.peak[host] = max(self.peak.get(host, 0), self.current[host])
            self.total_current += 1
            self.total_peak = max(self.total_peak, self.total_current)

    def exit(self, host: str) -> None:
        with self.lock:
            self.current[host] -= 1
            self.total_current -= 1


class Handler(BaseHTTPRequestHandler):
    """Request handler; ``self.server.owner`` is the :class:`LoopbackServer`."""

    server: Any

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence the default stderr log
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        owner: LoopbackServer = self.server.owner
        path = self.path.split("?", 1)[0]
        owner.record(SeenRequest(owner.host, self.path, {k.lower(): v for k, v in self.headers.items()}))
        owner.tracker.enter(owner.host)
        try:
            route = owner.routes.get(path)
            if route is None:
                self.send(404, b"not found")
            else:
                route(self)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client hung up (byte cap reached, timeout): expected in these tests
        finally:
            owner.tracker.exit(owner.host)

    def send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        """Answer with a complete body (Content-Length set unless given)."""
        self.send_response(status)
        headers = dict(headers or {})
        headers.setdefault("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if body:
            self.wfile.write(body)

    def stream(self, status: int, chunks: Iterable[bytes], headers: dict[str, str] | None = None) -> None:
        """Answer with a body produced chunk by chunk (never held in memory at once)."""
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        for chunk in chunks:
            self.wfile.write(chunk)

    def pause(self, seconds: float) -> None:
        """Sleep, but wake up at once when the server shuts down."""
        self.server.owner.stopping.wait(seconds)


class KeepAliveHandler(Handler):
    """HTTP/1.1: the connection stays open between requests (``send`` always sets Content-Length)."""

    protocol_version = "HTTP/1.1"


class _TLSServer(ThreadingHTTPServer):
    """Wraps each accepted connection in TLS; the handshake happens in the handler's thread."""

    tls: ssl.SSLContext

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, address = super().get_request()
        return self.tls.wrap_socket(conn, server_side=True, do_handshake_on_connect=False), address

    def finish_request(self, request: Any, client_address: Any) -> None:
        try:
            request.do_handshake()
        except (ssl.SSLError, OSError):
            return  # the client refused the certificate (the test checks what the client reports)
        super().finish_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client hanging up mid-request is expected in these tests


class LoopbackServer:
    """Threaded HTTP/1.0 server (HTTP/1.1 with ``keep_alive``, HTTPS with ``tls``) on ``host`` (must
    be in 127.0.0.0/8) and a free port."""

    def __init__(self, host: str = "127.0.0.1", tracker: ConcurrencyTracker | None = None,
                 keep_alive: bool = False, tls: ssl.SSLContext | None = None) -> None:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"test servers bind to loopback only, got {host}")
        self.host = host
        self.tracker = tracker or ConcurrencyTracker()
        self.routes: dict[str, Callable[[Handler], None]] = {}
        self.requests: list[SeenRequest] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        handler = KeepAliveHandler if keep_alive else Handler
        if tls is None:
            self.httpd = ThreadingHTTPServer((host, 0), handler)
        else:
            self.httpd = _TLSServer((host, 0), handler)
            self.httpd.tls = tls
        self.scheme = "http" if tls is None else "https"
        self.httpd.daemon_threads = True
        self.httpd.owner = self  # type: ignore[attr-defined]
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def url(self, path: str = "/") -> str:
        return f"{self.scheme}://{self.host}:{self.port}{path}"

    def route(self, path: str, handler: Callable[[Handler], None]) -> None:
        self.routes[path] = handler

    def record(self, seen: SeenRequest) -> None:
        with self._lock:
            self.requests.append(seen)

    def hits(self, path: str) -> list[SeenRequest]:
        with self._lock:
            return [r for r in self.requests if r.path.split("?", 1)[0] == path]

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)


@contextlib.contextmanager
def serving(servers: Sequence[LoopbackServer]) -> Iterator[Sequence[LoopbackServer]]:
    """Run several servers for the duration of a block; every started one is stopped."""
    with contextlib.ExitStack() as stack:
        for server in servers:
            stack.enter_context(server)
        yield servers


def fake_resolver(mapping: dict[str, str]) -> Callable[..., list[tuple]]:
    """A ``getaddrinfo`` stand-in: names in ``mapping`` resolve to the given IP, IP literals to
    themselves, anything else fails like an unknown name. No DNS query is ever sent."""

    def resolve(host: str, port: int, *args: Any, **kwargs: Any) -> list[tuple]:
        ip = mapping.get(host)
        if ip is None:
            try:
                ip = str(ipaddress.ip_address(host))
            except ValueError:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
        family = socket.AF_INET6 if ":" in ip else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (ip, port))]

    return resolve


@dataclass
class Tripwire:
    """IPs the fetcher connected to, and the non-loopback ones it tried (and was stopped)."""

    connected: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)


def install_tripwire(monkeypatch: pytest.MonkeyPatch) -> Iterator[Tripwire]:
    """Fixture body: stop any TCP connection to a non-loopback address before it is opened, and
    fail the test. Use it as ``yield from install_tripwire(monkeypatch)`` in a fixture.

    The fetcher turns every exception into a result, so the violation is recorded and asserted at
    teardown rather than relying on the exception escaping.
    """
    wire = Tripwire()
    real_open = fetch_module._open_tcp

    async def guarded_open(backend: Any, ip: str, port: int, **kwargs: Any) -> Any:
        if not ipaddress.ip_address(ip).is_loopback:
            wire.violations.append(ip)
            raise ConnectionRefusedError(f"tripwire: non-loopback connection to {ip} stopped")
        wire.connected.append(ip)
        return await real_open(backend, ip, port, **kwargs)

    monkeypatch.setattr(fetch_module, "_open_tcp", guarded_open)
    yield wire
    assert not wire.violations, f"the fetcher tried to connect to non-loopback addresses: {wire.violations}"
