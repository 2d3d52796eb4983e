"""URL identity and URL safety.

Two concerns that every fetch and every feed entry go through:

* :func:`canonicalize_url` gives one spelling per article (scheme, host case, tracking
  parameters, AMP variants, trailing slashes...), so the same article reached through two
  feeds, or through a GUID that switched from ``http`` to ``https``, has one identity.
* :func:`check_url` refuses URLs that would make the fetcher talk to the machine's own network
  (loopback, private ranges, link-local, CGNAT, multicast...): a feed or a redirect must never be
  able to reach an internal service (SSRF).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

__all__ = [
    "BlockedURL",
    "InvalidURL",
    "UnresolvableHost",
    "UrlPolicy",
    "blocked_reason",
    "canonicalize_url",
    "check_url",
    "host_and_port",
    "resolve_checked",
]

# --------------------------------------------------------------------------- canonical form

#: Query parameters that only track the reader and never select content.
TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        "xtor", "xts", "xtref", "fbclid", "gclid", "gclsrc", "dclid", "msclkid", "yclid",
        "mc_cid", "mc_eid", "_hsenc", "_hsmi", "hsctatracking", "igshid", "ocid", "cmpid",
        "ns_source", "ns_mchannel", "ns_campaign", "ns_linkname", "ns_fee", "_ga", "_gl",
        "at_medium", "at_campaign", "at_creation", "at_format", "at_link", "at_send_date",
        "at_recipient_id", "at_recipient_list", "at_emailtype", "at_platform", "at_source",
        "ito", "ens_id", "vero_id", "oly_enc_id", "oly_anon_id", "wt.mc_id", "wt_mc_id",
        "amp", "outputtype", "utm",
    }
)
TRACKING_PREFIXES: tuple[str, ...] = ("utm_", "pk_", "mtm_", "at_")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_MAX_PASSES = 8


def _is_tracking(key: str) -> bool:
    name = unquote(key).strip().lower()
    if name == "outputtype":  # Le Monde style ``?outputType=amp``; only the AMP value is noise
        return True
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def _clean_query(query: str) -> str:
    """Drop tracking pairs, empty pairs, then sort what is left (raw encoding kept)."""
    pairs = [p for p in query.split("&") if p and p != "="]
    kept = [p for p in pairs if not _is_tracking(p.split("=", 1)[0])]
    return "&".join(sorted(kept))


def _clean_host(host: str) -> str:
    host = host.lower().rstrip(".")
    while host.startswith("amp.") and host.count(".") >= 2:
        host = host[4:]
    return host


def _clean_path(path: str) -> str:
    if not path:
        return "/"
    segments = path.split("/")

    def drop_trailing_empty() -> None:
        while len(segments) > 1 and segments[-1] == "":
            segments.pop()

    drop_trailing_empty()
    # "/article/amp" and "/article/amp/" -> "/article" (a page that is only "/amp" stays)
    while len(segments) > 2 and segments[-1].lower() == "amp":
        segments.pop()
        drop_trailing_empty()
    # "/amp/article" -> "/article"
    while len(segments) > 2 and segments[1].lower() == "amp":
        del segments[1]
    last = segments[-1]
    while last.lower().endswith(".amp.html"):
        last = last[: -len(".amp.html")] + ".html"
    segments[-1] = last
    path = "/".join(segments)
    return path if path.startswith("/") else "/" + path


def _netloc(parts: SplitResult, scheme: str) -> str | None:
    host = parts.hostname
    if not host:
        return None
    host = _clean_host(host)
    if not host:
        return None
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:  # invalid port: keep as written, lower-cased
        return parts.netloc.lower()
    userinfo = ""
    if "@" in parts.netloc:
        userinfo = parts.netloc.rsplit("@", 1)[0] + "@"
    if port is not None and port not in (_DEFAULT_PORTS.get(scheme), _DEFAULT_PORTS["https"]):
        return f"{userinfo}{host}:{port}"
    return f"{userinfo}{host}"


def _canonicalize_once(url: str) -> str:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    if parts.scheme not in ("http", "https"):
        return url.strip()
    netloc = _netloc(parts, parts.scheme)
    if netloc is None:
        return url.strip()
    return urlunsplit(("https", netloc, _clean_path(parts.path), _clean_query(parts.query), ""))


def canonicalize_url(url: str) -> str:
    """Return the canonical spelling of an article URL (idempotent).

    Lower-cases scheme and host, uses ``https`` for ``http``, drops the default port, the
    fragment, tracking parameters (``utm_*``, ``xtor``, ``fbclid``, ``gclid``, ``mc_cid``...),
    sorts the remaining query parameters, removes a trailing slash (except for the root) and maps
    AMP variants (``/amp/`` prefix or suffix, ``?amp``, ``amp.`` sub-domain, ``.amp.html``) to the
    regular page. Strings that are not http(s) URLs with a host are returned stripped, unchanged.
    """
    current = url
    for _ in range(_MAX_PASSES):
        nxt = _canonicalize_once(current)
        if nxt == current:
            break
        current = nxt
    return current


# --------------------------------------------------------------------------- URL safety


class BlockedURL(Exception):
    """The URL must not be fetched: non-http(s) scheme, or a host on a non-public network."""


class InvalidURL(BlockedURL):
    """The URL is not a usable http(s) URL (bad scheme, no host, unparsable)."""


class UnresolvableHost(BlockedURL):
    """The host name does not resolve (DNS failure); not a policy refusal."""


@dataclass(frozen=True)
class UrlPolicy:
    """Which private hosts may be fetched anyway (tests, an intranet mirror...).

    ``allow_hosts`` holds host names (``"localhost"``) or IP addresses (``"127.0.0.1"``).
    """

    allow_hosts: frozenset[str] = frozenset()

    def allows(self, host_or_ip: str) -> bool:
        return host_or_ip.lower().rstrip(".").strip("[]") in self._normalized

    @property
    def _normalized(self) -> frozenset[str]:
        return frozenset(h.lower().rstrip(".").strip("[]") for h in self.allow_hosts)


_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

Resolver = Callable[..., Iterable[tuple]]


def blocked_reason(ip: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why this address must not be contacted, or ``None`` when it is a public address."""
    addr = ipaddress.ip_address(ip) if isinstance(ip, str) else ip
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped is not None:
            return blocked_reason(addr.ipv4_mapped)
        if addr in _NAT64:
            return blocked_reason(ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF))
        if addr.sixtofour is not None:
            return blocked_reason(addr.sixtofour)
    checks = (
        ("unspecified", addr.is_unspecified),
        ("loopback", addr.is_loopback),
        ("link-local", addr.is_link_local),
        ("multicast", addr.is_multicast),
        ("CGNAT (100.64.0.0/10)", isinstance(addr, ipaddress.IPv4Address) and addr in _CGNAT),
        ("reserved", addr.is_reserved),
        ("private", addr.is_private),
        ("not globally routable", not addr.is_global),
    )
    for reason, hit in checks:
        if hit:
            return f"{reason} address"
    return None


def host_and_port(url: str) -> tuple[str, int]:
    """Host and port of an http(s) URL; raises :class:`InvalidURL` for anything else."""
    try:
        parts = urlsplit(url.strip())
    except ValueError as exc:
        raise InvalidURL(f"unparsable URL {url!r}: {exc}") from None
    if parts.scheme not in ("http", "https"):
        shown = parts.scheme or "none"
        raise InvalidURL(f"scheme {shown!r} refused, only http and https: {url!r}")
    host = parts.hostname
    if not host:
        raise InvalidURL(f"URL has no host: {url!r}")
    try:
        port = parts.port or _DEFAULT_PORTS[parts.scheme]
    except ValueError:
        raise InvalidURL(f"invalid port in URL {url!r}") from None
    return host.rstrip("."), port


def _ip_literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


def resolve_checked(
    host: str, port: int, policy: UrlPolicy, resolve: Resolver = socket.getaddrinfo
) -> list[str]:
    """Resolve ``host`` and return the IP addresses the policy lets us contact.

    Raises :class:`BlockedURL` if any resolved address is non-public and not allowed (one bad
    address is enough: an attacker controlling DNS could pick it), :class:`UnresolvableHost`
    when resolution fails.
    """
    host = host.rstrip(".")
    host_allowed = policy.allows(host)
    literal = _ip_literal(host)
    if literal is not None:
        ips = [literal]
    else:
        try:
            infos = resolve(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise UnresolvableHost(f"cannot resolve host {host!r}: {exc}") from None
        ips = []
        for info in infos:
            ip = str(info[4][0]).split("%", 1)[0]  # drop an IPv6 zone id
            if ip not in ips:
                ips.append(ip)
        if not ips:
            raise UnresolvableHost(f"cannot resolve host {host!r}: no address")
    for ip in ips:
        if host_allowed or policy.allows(ip):
            continue
        try:
            reason = blocked_reason(ip)
        except ValueError:
            raise BlockedURL(f"host {host!r} resolved to an invalid address {ip!r}") from None
        if reason and literal is not None:
            raise BlockedURL(f"refused to fetch {host}: {reason}")
        if reason:
            raise BlockedURL(f"refused to fetch host {host!r}: it resolves to {ip}, a {reason}")
    return ips


def check_url(url: str, policy: UrlPolicy, resolve: Resolver = socket.getaddrinfo) -> None:
    """Raise :class:`BlockedURL` unless ``url`` is an http(s) URL whose host is public.

    The host is resolved with ``resolve`` (``socket.getaddrinfo`` signature); loopback, private,
    link-local, CGNAT, multicast, reserved and unspecified addresses (IPv4, IPv6, IPv4-mapped) are
    refused unless the host name or the resolved IP is in ``policy.allow_hosts``.
    """
    host, port = host_and_port(url)
    resolve_checked(host, port, policy, resolve)

