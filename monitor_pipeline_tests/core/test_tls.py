"""Real TLS on loopback: a test certificate authority (``trustme``) the client trusts through
``HttpSettings.ca_bundle``; valid, expired, wrong-host and self-signed certificates; HTTPS to HTTP
redirects."""

from __future__ import annotations

import datetime as dt
import ssl
from dataclasses import replace
from pathlib import Path

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from monitor_pipeline.core.ingest.fetch import FetchRequest, HttpSettings, fetch_all
from monitor_pipeline_tests.core.http_fixtures import LoopbackServer

pytestmark = [pytest.mark.timeout(60), pytest.mark.usefixtures("loopback_tripwire")]
RSS = b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title></channel></rss>'


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def settings(ca: trustme.CA, tmp_path: Path) -> HttpSettings:
    bundle = tmp_path / "test-ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    return HttpSettings(connect_timeout_s=2.0, read_timeout_s=2.0, total_timeout_s=5.0, max_retries=2,
                        backoff_base_s=0.01, backoff_max_s=0.05, per_host_min_interval_s=0.0,
                        allow_hosts=("127.0.0.1",), ca_bundle=str(bundle))


def server_context(cert: trustme.LeafCert) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    return ctx


def self_signed_context(tmp_path: Path) -> ssl.SSLContext:
    """A leaf certificate for 127.0.0.1 signed by its own key (no CA at all)."""
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "self.pem", tmp_path / "self.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(cert_path), str(key_path))
    return ctx


def fetch_one(url: str, settings: HttpSettings, kind: str = "feed"):
    return fetch_all([FetchRequest(url, kind=kind)], settings)[0]


def test_a_valid_certificate_from_the_configured_ca_works(ca: trustme.CA, settings: HttpSettings) -> None:
    with LoopbackServer("127.0.0.1", tls=server_context(ca.issue_cert("127.0.0.1"))) as server:
        server.route("/feed.xml", lambda h: h.send(200, RSS, {"Content-Type": "application/rss+xml"}))
        result = fetch_one(server.url("/feed.xml"), settings)
    assert server.url("/").startswith("https://")
    assert result.status == "ok" and result.body == RSS


def test_without_the_test_ca_the_same_server_is_a_tls_error(ca: trustme.CA, settings: HttpSettings) -> None:
    """The default trust store does not know the test CA: verification is never off."""
    with LoopbackServer("127.0.0.1", tls=server_context(ca.issue_cert("127.0.0.1"))) as server:
        server.route("/feed.xml", lambda h: h.send(200, RSS))
        result = fetch_one(server.url("/feed.xml"), replace(settings, ca_bundle=None))
    assert result.status == "tls_error"
    assert "TLS certificate of 127.0.0.1 refused" in result.error
    assert server.hits("/feed.xml") == []


def test_an_expired_certificate_is_a_tls_error_not_retried(ca: trustme.CA, settings: HttpSettings) -> None:
    now = dt.datetime.now(dt.UTC)
    expired = ca.issue_cert("127.0.0.1", not_before=now - dt.timedelta(days=30), not_after=now - dt.timedelta(days=1))
    with LoopbackServer("127.0.0.1", tls=server_context(expired)) as server:
        server.route("/feed.xml", lambda h: h.send(200, RSS))
        result = fetch_one(server.url("/feed.xml"), settings)
    assert result.status == "tls_error"
    assert result.error == "TLS certificate of 127.0.0.1 refused: certificate has expired"
    assert server.hits("/feed.xml") == [], "never retried, and no page after robots.txt's handshake failed"


def test_a_certificate_for_another_host_is_a_tls_error(ca: trustme.CA, settings: HttpSettings) -> None:
    with LoopbackServer("127.0.0.1", tls=server_context(ca.issue_cert("news.example"))) as server:
        server.route("/feed.xml", lambda h: h.send(200, RSS))
        result = fetch_one(server.url("/feed.xml"), settings)
    assert result.status == "tls_error"
    assert "TLS certificate of 127.0.0.1 refused" in result.error
    assert "mismatch" in result.error.lower() or "not valid for" in result.error.lower()
    assert "Traceback" not in result.error and "\n" not in result.error


def test_a_self_signed_certificate_is_a_tls_error(settings: HttpSettings, tmp_path: Path) -> None:
    with LoopbackServer("127.0.0.1", tls=self_signed_context(tmp_path)) as server:
        server.route("/feed.xml", lambda h: h.send(200, RSS))
        result = fetch_one(server.url("/feed.xml"), settings)
    assert result.status == "tls_error"
    assert result.error == "TLS certificate of 127.0.0.1 refused: self-signed certificate"


def test_a_redirect_from_https_to_http_is_refused_unless_allowed(ca: trustme.CA, settings: HttpSettings) -> None:
    with LoopbackServer("127.0.0.1") as plain, \
            LoopbackServer("127.0.0.1", tls=server_context(ca.issue_cert("127.0.0.1"))) as secure:
        plain.route("/feed.xml", lambda h: h.send(200, RSS))
        secure.route("/feed.xml", lambda h: h.send(301, b"", {"Location": plain.url("/feed.xml")}))
        refused = fetch_one(secure.url("/feed.xml"), settings)
        assert refused.status == "tls_error"
        assert "redirect from https to plain http refused" in refused.error
        assert plain.hits("/feed.xml") == [], "the plain-http target is never requested"
        allowed = fetch_one(secure.url("/feed.xml"), replace(settings, allow_https_to_http_redirects=True))
        assert allowed.status == "ok" and allowed.final_url == plain.url("/feed.xml")


def test_a_missing_ca_bundle_is_a_clear_settings_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="ca_bundle: no such file"):
        HttpSettings(ca_bundle=str(tmp_path / "nope.pem"))
