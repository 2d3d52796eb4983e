"""Alert delivery channels: Apprise URLs and a JSON-lines file, with secret redaction.

Apprise URLs carry secrets (webhook tokens, SMTP passwords, bot tokens). Nothing in
this module ever puts a configured URL, or any secret-looking part of it, into a
channel name, an exception message or a log record:

* ``Channel.name`` is a redacted label: ``json://127.0.0.1:8080/…`` for services
  addressed by host, ``slack://***`` for services whose "host" is itself a token.
* :class:`DeliveryError` / :class:`ChannelConfigError` messages go through
  :func:`redact` with the secrets extracted from the URL (:func:`url_secrets`).
* A filter on the ``apprise`` logger redacts every registered secret from Apprise's
  own log records before they reach any handler (Dagster, root logger…).

No Dagster import here (pure domain code).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol, runtime_checkable
from urllib.parse import parse_qsl, unquote, urlsplit

import apprise

__all__ = [
    "Channel",
    "ChannelConfigError",
    "DeliveryError",
    "AppriseChannel",
    "FileChannel",
    "channels_from_env",
    "split_alert_urls",
    "redact",
    "redact_url",
    "url_secrets",
    "redact_known_secrets",
    "ENV_ALERT_URLS",
    "ENV_ALERT_TIMEOUT",
]

ENV_ALERT_URLS = "MONITOR_ALERT_URLS"
ENV_ALERT_TIMEOUT = "MONITOR_ALERT_TIMEOUT_S"
DEFAULT_TIMEOUT_S = 10.0
REDACTED = "***"
ELLIPSIS = "…"

# Schemes whose host part is a real network address (safe to show); for every
# other Apprise scheme the "host" is often a token (slack://T0/B0/xyz, tgram://bot…).
_HOST_ADDRESSED_SCHEMES = frozenset(
    {"json", "jsons", "xml", "xmls", "form", "forms", "mailto", "mailtos",
     "ntfy", "ntfys", "gotify", "gotifys", "apprise", "apprises", "mmost", "mmosts"}
)
# Query parameters whose values are configuration, not secrets.
_NON_SECRET_QUERY_KEYS = frozenset(
    {"mode", "from", "to", "smtp", "cc", "bcc", "reply", "name", "format", "overflow",
     "method", "rto", "cto", "verify", "retry", "priority", "secure", "tz", "lang", "emojis"}
)
_MIN_SECRET_LEN = 3
_SCHEME_RE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.\-]*)://")
# user:password@ in any URL-ish text
_USERINFO_RE = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)[^/@\s]+@")


class ChannelConfigError(ValueError):
    """A configured alert channel is unusable. The message never contains secrets."""


class DeliveryError(RuntimeError):
    """A delivery attempt failed and the message is known NOT to be confirmed.

    The message is already redacted. Raising it means "retry later is safe"."""


@runtime_checkable
class Channel(Protocol):
    """Something an alert can be delivered to."""

    name: str  # redacted, secret-free and stable label (used as ledger key)

    def send(self, title: str, body: str, idempotency_key: str) -> None:
        """Deliver one message or raise :class:`DeliveryError` (secret-free message)."""


# --------------------------------------------------------------------------- redaction


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each secret (and of its URL-decoded form) by ``***``.

    Longest secrets first so a token containing a shorter secret is fully masked;
    also masks any ``scheme://user:password@`` userinfo left in the text."""
    if not text:
        return text
    variants: set[str] = set()
    for secret in secrets:
        if not secret or len(secret) < _MIN_SECRET_LEN:
            continue
        variants.add(secret)
        variants.add(unquote(secret))
    for secret in sorted(variants, key=len, reverse=True):
        if len(secret) >= _MIN_SECRET_LEN:
            text = text.replace(secret, REDACTED)
    return _USERINFO_RE.sub(lambda m: f"{m.group('scheme')}{REDACTED}@", text)


def _scheme_of(url: str) -> str | None:
    match = _SCHEME_RE.match(url)
    return match.group(1).lower() if match else None


def url_secrets(url: str) -> list[str]:
    """The parts of an Apprise URL that must never be shown.

    The whole URL, user, password, every path segment, query values (except known
    configuration keys) and, for token-addressed schemes, the host."""
    secrets = [url.strip()]
    scheme = _scheme_of(url)
    try:
        parts = urlsplit(url.strip())
        username, password, hostname = parts.username, parts.password, parts.hostname
    except ValueError:  # e.g. an invalid port: fall back to masking the whole netloc
        rest = url.split("://", 1)[-1]
        secrets.append(rest.split("/", 1)[0])
        secrets.extend(s for s in rest.split("/")[1:] if s)
        return [s for s in secrets if s]
    secrets += [username or "", password or ""]
    if parts.netloc and "@" in parts.netloc:
        secrets.append(parts.netloc.rsplit("@", 1)[0])
    if scheme not in _HOST_ADDRESSED_SCHEMES and hostname:
        secrets.append(hostname)
        secrets.append(parts.netloc.rsplit("@", 1)[-1])
    secrets += [seg for seg in parts.path.split("/") if seg]
    if parts.path.strip("/"):
        secrets.append(parts.path.strip("/"))
    for key, value in parse_qsl(parts.query, keep_blank_values=False):
        if key.lower().lstrip("+:-") not in _NON_SECRET_QUERY_KEYS:
            secrets.append(value)
    if parts.fragment:
        secrets.append(parts.fragment)
    return [s for s in secrets if s and len(s) >= _MIN_SECRET_LEN]


def redact_url(url: str) -> str:
    """A secret-free label for an Apprise URL.

    ``json://user:pw@127.0.0.1:8080/hook?x=1`` → ``json://127.0.0.1:8080/…``;
    ``slack://TokenA/TokenB/TokenC`` → ``slack://***``."""
    scheme = _scheme_of(url) or "unknown"
    if scheme not in _HOST_ADDRESSED_SCHEMES:
        return f"{scheme}://{REDACTED}"
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return f"{scheme}://{REDACTED}"
    label = f"{scheme}://{host}" + (f":{port}" if port else "")
    if parts.path.strip("/") or parts.query:
        label += f"/{ELLIPSIS}"
    return label


class _SecretRegistry(logging.Filter):
    """Logging filter installed on the ``apprise`` logger: redacts registered secrets."""

    def __init__(self) -> None:
        super().__init__("apprise-redaction")
        self._lock = threading.Lock()
        self._secrets: set[str] = set()

    def add(self, secrets: Iterable[str]) -> None:
        with self._lock:
            self._secrets.update(s for s in secrets if s)

    def snapshot(self) -> list[str]:
        with self._lock:
            return list(self._secrets)

    def filter(self, record: logging.LogRecord) -> bool:  # noqa: A003 - logging API
        secrets = self.snapshot()
        if secrets:
            try:
                message = record.getMessage()
            except Exception:  # badly formatted third-party record: drop its args
                message = str(record.msg)
            record.msg, record.args = redact(message, secrets), None
        return True


_REGISTRY = _SecretRegistry()
_APPRISE_LOGGER = logging.getLogger("apprise")
if not any(isinstance(f, _SecretRegistry) for f in _APPRISE_LOGGER.filters):
    _APPRISE_LOGGER.addFilter(_REGISTRY)


def redact_known_secrets(text: str) -> str:
    """Redact every secret of every channel constructed in this process."""
    return redact(text, _REGISTRY.snapshot())


# --------------------------------------------------------------------------- channels


def _fingerprint(url: str) -> str:
    return hashlib.sha256(url.strip().encode("utf-8")).hexdigest()[:8]


class AppriseChannel:
    """Delivers alerts through one Apprise URL (json://, mailto://, slack://, …).

    Validated at construction: an unknown scheme or a URL Apprise cannot load raises
    :class:`ChannelConfigError` naming the scheme only. ``send`` turns Apprise's
    ``False`` result into :class:`DeliveryError` carrying Apprise's (redacted) log.

    The idempotency key is appended to the body (``Réf. alerte : …``) for every
    service, sent as the ``X-Idempotency-Key`` header where the service supports
    custom headers (json/xml/form webhooks, e-mail) and as the ``idempotency_key``
    field of json:// payloads, so receivers can deduplicate.
    """

    def __init__(
        self, url: str, *, timeout_s: float = DEFAULT_TIMEOUT_S, label: str | None = None
    ) -> None:
        if not isinstance(url, str) or not url.strip():
            raise ChannelConfigError("empty alert channel URL")
        self._url = url.strip()
        self._secrets = url_secrets(self._url)
        _REGISTRY.add(self._secrets)
        scheme = _scheme_of(self._url)
        if scheme is None:
            raise ChannelConfigError(
                "alert channel URL has no scheme (expected an Apprise URL such as "
                "json://host/path, mailto://… or slack://…)"
            )
        self.scheme = scheme
        if scheme not in apprise.apprise.N_MGR:
            raise ChannelConfigError(
                f"unsupported alert channel scheme {scheme!r}: not an Apprise service "
                "(see https://appriseit.com/services/)"
            )
        self.fingerprint = _fingerprint(self._url)
        self.name = label or redact_url(self._url)
        if not timeout_s or timeout_s <= 0:
            raise ChannelConfigError(f"alert channel timeout must be > 0 seconds, got {timeout_s!r}")
        self.timeout_s = float(timeout_s)
        self._plugin()  # validate now, fail fast

    def __repr__(self) -> str:
        return f"AppriseChannel({self.name!r})"

    def _plugin(self):
        try:
            plugin = apprise.Apprise.instantiate(self._url, suppress_exceptions=False)
        except Exception as exc:  # plugin constructor rejected its arguments
            reason = redact(str(exc), self._secrets)
            raise ChannelConfigError(
                f"invalid {self.scheme}:// alert channel URL ({self.name}): {reason}"
            ) from None
        if plugin is None:
            raise ChannelConfigError(
                f"invalid {self.scheme}:// alert channel URL ({self.name}): "
                "Apprise could not parse it; check the URL format for this service"
            )
        query = dict(parse_qsl(urlsplit(self._url).query))
        if "cto" not in query:
            plugin.socket_connect_timeout = self.timeout_s
        if "rto" not in query:
            plugin.socket_read_timeout = self.timeout_s
        if "retry" not in query and hasattr(plugin, "service_retry"):
            plugin.service_retry = 0  # retries are the ledger's job, never Apprise's
        return plugin

    def send(self, title: str, body: str, idempotency_key: str) -> None:
        plugin = self._plugin()
        headers = getattr(plugin, "headers", None)
        if isinstance(headers, dict):
            headers["X-Idempotency-Key"] = idempotency_key
        extras = getattr(plugin, "payload_extras", None)
        if isinstance(extras, dict) and self.scheme in ("json", "jsons"):
            extras["idempotency_key"] = idempotency_key
        sender = apprise.Apprise()
        sender.add(plugin)
        full_body = f"{body}\n\nRéf. alerte : {idempotency_key}"
        self._notify(sender, body=full_body, title=title, body_format=apprise.NotifyFormat.TEXT)

    def _notify(self, sender: apprise.Apprise, **message) -> None:
        """``sender.notify(**message)``, its failure raised as a redacted :class:`DeliveryError`."""
        try:
            result = sender.notify(**message)
        except Exception as exc:  # Apprise normally never raises; be defensive
            raise DeliveryError(
                f"{self.name}: {type(exc).__name__}: {redact(str(exc), self._secrets)}"
            ) from None
        if not result:
            raise DeliveryError(f"{self.name}: {self._failure_reason(result)}")

    def send_html(self, title: str, html: str, text: str, idempotency_key: str,
                  images: Sequence[str] = ()) -> None:
        """Deliver an HTML message: services whose default format is HTML (e-mail: a multipart message
        whose plain-text part Apprise derives from the HTML) get ``html``, with the ``images`` (file
        paths) inline where they support it (e-mail: ``<img src="cid:FILE NAME">``); the others ``text``."""
        plugin = self._plugin()
        if plugin.resolve_format() != apprise.NotifyFormat.HTML:
            self.send(title, text, idempotency_key)
            return
        headers = getattr(plugin, "headers", None)
        if isinstance(headers, dict):
            headers["X-Idempotency-Key"] = idempotency_key
        if images and hasattr(plugin, "inline"):
            plugin.inline = True  # images referenced by cid: travel inside the message (RFC 2387)
        sender = apprise.Apprise()
        sender.add(plugin)
        footer = f'<p style="color:#666;font-size:.8rem">Réf. alerte : {idempotency_key}</p>'
        body = html.replace("</body>", footer + "</body>") if "</body>" in html else html + footer
        attach = apprise.AppriseAttachment([str(path) for path in images]) if images else None
        self._notify(sender, body=body, title=title, body_format=apprise.NotifyFormat.HTML, attach=attach)

    def _failure_reason(self, result) -> str:
        lines: list[str] = []
        try:
            for entry in result.logs():
                if entry.level in ("WARNING", "ERROR", "CRITICAL"):
                    lines.append(str(entry.message))
        except Exception:  # older Apprise: bool result without logs
            pass
        reason = "; ".join(lines[-3:]) or "Apprise reported a failed delivery"
        return redact(reason, self._secrets + _REGISTRY.snapshot())[:500]


class FileChannel:
    """Appends each alert as one JSON line (the fallback when no URL is configured)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.name = f"file://{self.path.name}"

    def __repr__(self) -> str:
        return f"FileChannel({str(self.path)!r})"

    def send(self, title: str, body: str, idempotency_key: str) -> None:
        record = {
            "idempotency_key": idempotency_key,
            "title": title,
            "body": body,
            "written_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise DeliveryError(f"{self.name}: cannot append to {self.path}: {exc.strerror}") from None

    def send_html(self, title: str, html: str, text: str, idempotency_key: str,
                  images: Sequence[str] = ()) -> None:
        """A JSON line has no HTML rendering: the plain-text version is written."""
        self.send(title, text, idempotency_key)


# --------------------------------------------------------------------------- configuration

_URL_START = re.compile(r"[,\s]+(?=[A-Za-z][A-Za-z0-9+.\-]*://)")


def split_alert_urls(value: str) -> list[str]:
    """Split a space- or comma-separated list of Apprise URLs.

    Commas inside a URL (``?to=a@x.fr,b@x.fr``) are kept: a separator is only a
    comma/space run followed by ``scheme://``."""
    urls: list[str] = []
    for chunk in (value or "").split():
        urls.extend(part.strip(", ") for part in _URL_START.split(chunk))
    return [u for u in urls if u]


def channels_from_env(
    env: Mapping[str, str] | None = None,
    data_dir: str | os.PathLike[str] = "data",
) -> list[Channel]:
    """Channels configured by ``MONITOR_ALERT_URLS``; none → ``[FileChannel(data_dir/alerts.jsonl)]``.

    ``MONITOR_ALERT_TIMEOUT_S`` (default 10) bounds each network connect/read.

    Raises :class:`ChannelConfigError` naming the entry number and scheme (never the
    secret) when an URL is unusable. Two URLs with the same redacted label get a
    short fingerprint suffix (``slack://***#1a2b3c4d``) so ledger keys stay distinct."""
    env = os.environ if env is None else env
    urls = split_alert_urls(env.get(ENV_ALERT_URLS, ""))
    if not urls:
        return [FileChannel(Path(data_dir) / "alerts.jsonl")]
    raw_timeout = env.get(ENV_ALERT_TIMEOUT, "").strip()
    try:
        timeout_s = float(raw_timeout) if raw_timeout else DEFAULT_TIMEOUT_S
    except ValueError:
        raise ChannelConfigError(f"{ENV_ALERT_TIMEOUT} must be a number of seconds, got {raw_timeout!r}") from None
    channels: list[AppriseChannel] = []
    for number, url in enumerate(urls, start=1):
        try:
            channels.append(AppriseChannel(url, timeout_s=timeout_s))
        except ChannelConfigError as exc:
            raise ChannelConfigError(f"{ENV_ALERT_URLS} entry #{number}: {exc}") from None
    return distinct_channels(channels)


def distinct_channels(channels: Sequence[Channel]) -> list[Channel]:
    """Apprise channels whose redacted names collide get their fingerprint appended; the same
    destination twice is delivered to once."""
    counts: dict[str, int] = {}
    for channel in channels:
        counts[channel.name] = counts.get(channel.name, 0) + 1
    seen: set[str] = set()
    result: list[Channel] = []
    for channel in channels:
        if counts[channel.name] > 1 and isinstance(channel, AppriseChannel):
            channel.name = f"{channel.name}#{channel.fingerprint}"
        if channel.name in seen:  # the same destination twice: deliver once
            continue
        seen.add(channel.name)
        result.append(channel)
    return result
