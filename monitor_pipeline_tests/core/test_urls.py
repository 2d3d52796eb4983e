"""canonicalize_url (identity) and check_url (SSRF guard)."""

from __future__ import annotations

import socket

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor_pipeline.core.ingest.urls import (
    BlockedURL,
    InvalidURL,
    UnresolvableHost,
    UrlPolicy,
    blocked_reason,
    canonicalize_url,
    check_url,
)
from monitor_pipeline_tests.core.http_fixtures import fake_resolver

pytestmark = pytest.mark.timeout(60)

# --------------------------------------------------------------------------- canonical form


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://WWW.LeMagIT.fr/actualites/123/", "https://www.lemagit.fr/actualites/123"),
        ("https://www.lemonde.fr/pixels/article.html?xtor=RSS-3208#commentaires",
         "https://www.lemonde.fr/pixels/article.html"),
        ("https://x.fr/a?utm_source=rss&utm_medium=feed&id=7&b=2&fbclid=abc&gclid=z&mc_cid=1",
         "https://x.fr/a?b=2&id=7"),
        ("http://x.fr:80/a", "https://x.fr/a"),
        ("https://x.fr:443/a", "https://x.fr/a"),
        ("https://x.fr:8443/a", "https://x.fr:8443/a"),
        ("https://x.fr/", "https://x.fr/"),
        ("https://x.fr", "https://x.fr/"),
        ("https://www.numerama.com/tech/12345-ia.html/amp/", "https://www.numerama.com/tech/12345-ia.html"),
        ("https://www.journaldunet.com/amp/1234-mistral/", "https://www.journaldunet.com/1234-mistral"),
        ("https://amp.lefigaro.fr/secteur/high-tech/ia.php", "https://lefigaro.fr/secteur/high-tech/ia.php"),
        ("https://www.clubic.com/ia/article.amp.html", "https://www.clubic.com/ia/article.html"),
        ("https://www.bfmtv.com/tech/ia.html?amp", "https://www.bfmtv.com/tech/ia.html"),
        ("https://www.lemonde.fr/a.html?outputType=amp", "https://www.lemonde.fr/a.html"),
        ("https://x.fr/amp", "https://x.fr/amp"),  # a page literally called /amp stays
    ],
)
def test_canonicalize_url(url: str, expected: str) -> None:
    assert canonicalize_url(url) == expected


def test_http_and_https_guids_share_one_identity() -> None:
    assert canonicalize_url("http://www.silicon.fr/ia-generative-123.html") == canonicalize_url(
        "https://www.silicon.fr/ia-generative-123.html?utm_source=rss")


def test_non_http_strings_are_returned_stripped() -> None:
    assert canonicalize_url("  urn:uuid:1234  ") == "urn:uuid:1234"
    assert canonicalize_url("javascript:alert(1)") == "javascript:alert(1)"


_segment = st.text(alphabet="abcAMP-_.~%20é/", min_size=0, max_size=12)
_key = st.sampled_from(["utm_source", "xtor", "id", "page", "amp", "b", "a", "fbclid", "Q", "outputType"])
_query = st.lists(st.tuples(_key, st.text(alphabet="ab1=%+", max_size=4)), max_size=5).map(
    lambda pairs: "&".join(f"{k}={v}" for k, v in pairs))
_structured = st.builds(
    lambda scheme, sub, host, port, path, query, frag: (
        f"{scheme}://{sub}{host}{port}/{path}" + (f"?{query}" if query else "") + (f"#{frag}" if frag else "")),
    st.sampled_from(["http", "https", "HTTP", "ftp"]),
    st.sampled_from(["", "amp.", "www.", "AMP.amp."]),
    st.sampled_from(["lemagit.fr", "EXAMPLE.com", "127.0.0.1", "[::1]", "x.fr."]),
    st.sampled_from(["", ":80", ":443", ":8080", ":99999"]),
    st.lists(st.one_of(_segment, st.just("amp"), st.just("a.amp.html")), max_size=5).map("/".join),
    _query,
    st.text(max_size=5),
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(_structured, st.text(max_size=40)))
def test_canonicalize_is_idempotent(url: str) -> None:
    once = canonicalize_url(url)
    assert canonicalize_url(once) == once


# --------------------------------------------------------------------------- URL safety


@pytest.mark.parametrize(
    ("ip", "reason"),
    [
        ("127.0.0.1", "loopback"), ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("192.168.0.10", "private"),
        ("169.254.169.254", "link-local"), ("100.64.0.1", "CGNAT"), ("224.0.0.251", "multicast"),
        ("240.0.0.1", "reserved"), ("0.0.0.0", "unspecified"), ("::1", "loopback"), ("::", "unspecified"),
        ("fe80::1", "link-local"), ("fc00::1", "private"), ("ff02::1", "multicast"),
        ("::ffff:10.0.0.1", "private"), ("::ffff:127.0.0.1", "loopback"), ("64:ff9b::a00:1", "private"),
    ],
)
def test_blocked_reason_for_non_public_addresses(ip: str, reason: str) -> None:
    assert reason in (blocked_reason(ip) or "")


@pytest.mark.parametrize("ip", ["8.8.8.8", "151.101.2.132", "2a04:4e42::644"])
def test_public_addresses_are_allowed(ip: str) -> None:
    assert blocked_reason(ip) is None


def test_check_url_refuses_private_ip_literals() -> None:
    with pytest.raises(BlockedURL, match="private address"):
        check_url("http://192.168.1.1/admin", UrlPolicy())


def test_check_url_resolves_host_names() -> None:
    resolver = fake_resolver({"feeds.example": "93.184.216.34", "evil.example": "10.0.0.8"})
    check_url("https://feeds.example/rss", UrlPolicy(), resolve=resolver)
    with pytest.raises(BlockedURL, match="'evil.example': it resolves to 10.0.0.8, a private address"):
        check_url("https://evil.example/rss", UrlPolicy(), resolve=resolver)


def test_one_private_address_among_public_ones_is_enough_to_refuse() -> None:
    def resolve(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    with pytest.raises(BlockedURL, match="loopback"):
        check_url("https://rebind.example/", UrlPolicy(), resolve=resolve)


@pytest.mark.parametrize("url", ["ftp://x.fr/feed", "javascript:alert(1)", "file:///etc/passwd", "http:///nohost",
                                 "data:text/html,hi", "http://x.fr:99999/"])
def test_check_url_refuses_non_http_or_hostless(url: str) -> None:
    with pytest.raises(InvalidURL):
        check_url(url, UrlPolicy())


def test_allow_hosts_accepts_host_name_or_resolved_ip() -> None:
    resolver = fake_resolver({"intranet.example": "10.0.0.5", "mirror.example": "127.0.0.1"})
    check_url("http://intranet.example/", UrlPolicy(frozenset({"intranet.example"})), resolve=resolver)
    check_url("http://mirror.example/", UrlPolicy(frozenset({"127.0.0.1"})), resolve=resolver)
    check_url("http://127.0.0.1:8080/", UrlPolicy(frozenset({"127.0.0.1"})))
    with pytest.raises(BlockedURL):
        check_url("http://127.0.0.2:8080/", UrlPolicy(frozenset({"127.0.0.1"})))


def test_unresolvable_host_is_reported() -> None:
    with pytest.raises(UnresolvableHost, match="cannot resolve host 'nowhere.invalid'"):
        check_url("http://nowhere.invalid/", UrlPolicy(), resolve=fake_resolver({}))
