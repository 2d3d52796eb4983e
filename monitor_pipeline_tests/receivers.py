"""Loopback test receivers for alert delivery: a JSON webhook and an SMTP server.

Both are context managers bound to 127.0.0.1 on a free port, exposing ``.url``
(an Apprise URL that targets the receiver, ready for ``MONITOR_ALERT_URLS``),
``.port``, ``.received`` (successfully accepted messages, in order) and
``fail_next(n)`` (reject the next *n* deliveries: HTTP 500 / SMTP 451).

    with WebhookReceiver() as hook, SmtpReceiver() as smtp:
        env = {"MONITOR_ALERT_URLS": f"{hook.url} {smtp.url}"}
        ...
        assert hook.received[0]["json"]["title"] == "..."
        assert smtp.received[0]["subject"] == "..."

``SmtpReceiver.apprise_url(user, password)`` adds a login (AUTH over plain text).
"""
from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import logging
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["WebhookReceiver", "SmtpReceiver", "free_port", "wait_for"]


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout_s: float = 5.0, interval_s: float = 0.02) -> bool:
    """Poll ``predicate`` until true or ``timeout_s`` elapsed (bounded wait)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval_s)
    return bool(predicate())


class _FailureBudget:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._remaining = 0

    def set(self, n: int) -> None:
        with self._lock:
            self._remaining = max(0, int(n))

    def take(self) -> bool:
        """True when this delivery must be rejected."""
        with self._lock:
            if self._remaining > 0:
                self._remaining -= 1
                return True
            return False


# --------------------------------------------------------------------------- webhook


class WebhookReceiver:
    """JSON webhook on 127.0.0.1 recording each POST (path, headers, parsed JSON).

    ``received`` holds the requests answered 200; ``rejected`` those answered 500
    because of ``fail_next``; ``requests`` all of them."""

    def __init__(self, path: str = "/hook") -> None:
        self.path = path if path.startswith("/") else f"/{path}"
        self.received: list[dict[str, Any]] = []
        self.rejected: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self._failures = _FailureBudget()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """Apprise URL posting JSON to this receiver (for MONITOR_ALERT_URLS)."""
        return f"json://127.0.0.1:{self.port}{self.path}"

    apprise_url = url

    @property
    def http_url(self) -> str:
        """Plain http URL of the hook."""
        return f"http://127.0.0.1:{self.port}{self.path}"

    def fail_next(self, n: int) -> None:
        """Answer the next ``n`` requests with HTTP 500 (they are not 'received')."""
        self._failures.set(n)

    def idempotency_keys(self) -> list[str]:
        return [r["headers"].get("X-Idempotency-Key", "") for r in self.received]

    def __enter__(self) -> "WebhookReceiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    payload = json.loads(raw.decode("utf-8")) if raw else None
                except (UnicodeDecodeError, json.JSONDecodeError):
                    payload = None
                record = {
                    "path": self.path,
                    "headers": dict(self.headers.items()),
                    "json": payload,
                    "raw": raw,
                }
                receiver.requests.append(record)
                if receiver._failures.take():
                    receiver.rejected.append(record)
                    self._reply(500, b'{"error": "injected failure"}')
                    return
                receiver.received.append(record)
                self._reply(200, b'{"ok": true}')

            do_PUT = do_POST  # noqa: N815

            def _reply(self, code: int, body: bytes) -> None:
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:  # silence stderr
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.timeout = 2
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


# --------------------------------------------------------------------------- SMTP


class _DropLoginDataWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:  # noqa: A003 - logging API
        return "login_data is deprecated" not in str(record.msg)


def _silence_login_data_warning() -> None:
    """aiosmtpd logs a deprecation warning about its own Session.login_data on AUTH."""
    mail_log = logging.getLogger("mail.log")
    if not any(isinstance(f, _DropLoginDataWarning) for f in mail_log.filters):
        mail_log.addFilter(_DropLoginDataWarning())


class SmtpReceiver:
    """aiosmtpd SMTP server on 127.0.0.1 (no TLS) recording each accepted message.

    Accepts AUTH LOGIN/PLAIN over plain text with any credentials (recorded in
    ``logins``) so Apprise's ``mailto://user:pass@…`` path is exercised. Each entry
    of ``received`` has mail_from, rcpt_tos, subject, text (decoded plain-text
    part), headers and raw bytes."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.rejected: list[dict[str, Any]] = []
        self.logins: list[tuple[str, str]] = []
        self._failures = _FailureBudget()
        self._controller = None
        self.port = 0

    @property
    def url(self) -> str:
        """Apprise mailto:// URL for this server, without login (for MONITOR_ALERT_URLS)."""
        return self.apprise_url()

    def apprise_url(
        self,
        user: str | None = None,
        password: str | None = None,
        sender: str = "alertes@veille.example",
        to: str = "equipe@veille.example",
    ) -> str:
        """Apprise mailto:// URL for this plain-text server (``mode=insecure``: no TLS)."""
        auth = f"{user}:{password}@" if user and password else ""
        return (
            f"mailto://{auth}127.0.0.1:{self.port}"
            f"?smtp=127.0.0.1&from={sender}&to={to}&mode=insecure&format=text"
        )

    def fail_next(self, n: int) -> None:
        """Reject the next ``n`` messages with ``451`` (temporary failure)."""
        self._failures.set(n)

    def __enter__(self) -> "SmtpReceiver":
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        receiver = self
        _silence_login_data_warning()

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                raw = envelope.original_content or envelope.content
                if isinstance(raw, str):
                    raw = raw.encode("utf-8")
                message = email.message_from_bytes(raw, policy=email.policy.default)
                text_part = message.get_body(preferencelist=("plain", "html"))
                record = {
                    "mail_from": envelope.mail_from,
                    "rcpt_tos": list(envelope.rcpt_tos),
                    "subject": str(message.get("Subject", "")),
                    "headers": {k: str(v) for k, v in message.items()},
                    "text": text_part.get_content() if text_part is not None else "",
                    "raw": raw,
                }
                if receiver._failures.take():
                    receiver.rejected.append(record)
                    return "451 4.3.0 injected temporary failure"
                receiver.received.append(record)
                return "250 OK"

        def authenticator(server, session, envelope, mechanism, auth_data):
            if isinstance(auth_data, LoginPassword):
                receiver.logins.append(
                    (auth_data.login.decode("utf-8", "replace"),
                     auth_data.password.decode("utf-8", "replace"))
                )
            return AuthResult(success=True)

        last_error: Exception | None = None
        for _ in range(5):  # the free port can be taken between probe and bind
            self.port = free_port()
            controller = Controller(
                Handler(),
                hostname="127.0.0.1",
                port=self.port,
                ready_timeout=5.0,
                authenticator=authenticator,
                auth_require_tls=False,
            )
            try:
                controller.start()
            except Exception as exc:  # pragma: no cover - port race
                last_error = exc
                continue
            self._controller = controller
            return self
        raise RuntimeError(f"could not start the SMTP receiver: {last_error}")

    def __exit__(self, *exc: object) -> None:
        if self._controller is not None:
            self._controller.stop()
