"""Feed servers misbehaving during a real poll (``stages.poll_feeds`` over several feeds).

One poll mixes healthy feeds with a server dying mid-response, a connection reset, a one-byte-per-
second drip, a 100 MB document, a DNS failure, an entity-expansion document, and names that resolve
(directly or after a redirect) to internal addresses. Each failing feed gets a bounded outcome
recorded in ``feed_state`` and ``feed_fetches``; the healthy feeds are stored as if nothing happened.
Names are resolved by a fake resolver (no DNS query); the tripwire stops any non-loopback connection.
"""
from __future__ import annotations

import functools
import io
import socket
import struct

import pytest

from monitor_pipeline import stages
from monitor_pipeline.core.ingest.feed_state import PollPolicy
from monitor_pipeline.core.ingest.fetch import fetch_all
from monitor_pipeline.core.ingest.registry import FeedSource
from monitor_pipeline_tests.core.http_fixtures import Handler, LoopbackServer, fake_resolver
from monitor_pipeline_tests.reliability.conftest import DAY, fast_http, query
from monitor_pipeline_tests.reliability.corpus import headline, rss, rss_item

pytestmark = pytest.mark.timeout(60)

BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
                  b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
                  b'<rss version="2.0"><channel><title>&c;</title><item><title>&c;</title>'
                  b'<link>https://presse.example/x</link></item></channel></rss>')


def good_feed(server: LoopbackServer, first: int) -> bytes:
    return rss("".join(rss_item(headline(n), f"https://presse.example/article/{n}") for n in range(first, first + 10)))


def die_mid_response(h: Handler) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "application/rss+xml")
    h.send_header("Content-Length", "50000")
    h.end_headers()
    h.wfile.write(good_feed(h.server.owner, 0)[:300])
    h.wfile.flush()
    h.connection.shutdown(socket.SHUT_RDWR)  # the server process dies: FIN after a partial body


def reset_connection(h: Handler) -> None:
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.connection.close()  # linger 0: the peer gets an RST
    h.wfile, h.rfile = io.BytesIO(), io.BytesIO()  # let http.server finish quietly
    h.close_connection = True


def drip(h: Handler) -> None:
    def one_byte_per_second():
        for byte in good_feed(h.server.owner, 0):
            yield bytes([byte])
            h.pause(1.0)

    h.stream(200, one_byte_per_second(), {"Content-Type": "application/rss+xml"})


def hundred_megabytes(h: Handler) -> None:
    item = rss_item("Une dépêche parmi cent mégaoctets", "https://presse.example/geant").encode() * 100
    chunks = (item for _ in range(100 * 2**20 // len(item)))
    h.stream(200, (rss(b"".decode())[:-len("</channel></rss>")], *chunks),
             {"Content-Type": "application/rss+xml", "Content-Length": str(100 * 2**20)})


@pytest.fixture
def servers():
    with LoopbackServer("127.0.0.2") as public, LoopbackServer("127.0.0.1") as forbidden:
        yield public, forbidden


def test_one_poll_survives_every_server_fault_and_records_each_outcome(servers, connect, db_path, monkeypatch):
    public, forbidden = servers
    public.route("/a.xml", lambda h: h.send(200, good_feed(public, 0), {"Content-Type": "application/rss+xml"}))
    public.route("/b.xml", lambda h: h.send(200, good_feed(public, 50), {"Content-Type": "application/rss+xml"}))
    public.route("/coupe.xml", die_mid_response)
    public.route("/reset.xml", reset_connection)
    public.route("/goutte.xml", drip)
    public.route("/geant.xml", hundred_megabytes)
    public.route("/entites.xml", lambda h: h.send(200, BILLION_LAUGHS, {"Content-Type": "application/rss+xml"}))
    public.route("/demenage.xml", lambda h: h.send(301, headers={"Location": f"http://alias-local.example:{forbidden.port}/x.xml"}))
    public.route("/vers-prive.xml", lambda h: h.send(302, headers={"Location": "http://10.1.2.3/feed.xml"}))
    forbidden.route("/x.xml", lambda h: h.send(200, good_feed(forbidden, 0)))
    resolver = fake_resolver({"alias-local.example": "127.0.0.1", "intranet.example": "10.0.0.5",
                              "metadata.example": "169.254.169.254", "flux.presse.example": "127.0.0.2"})
    monkeypatch.setattr(stages.poll, "fetch_all", functools.partial(fetch_all, resolve=resolver))
    base = f"http://flux.presse.example:{public.port}"
    feeds = {
        "sain-a": (f"{base}/a.xml", "ok"),
        "sain-b": (f"{base}/b.xml", "ok"),
        "coupe": (f"{base}/coupe.xml", "connection_error"),
        "reset": (f"{base}/reset.xml", "connection_error"),
        "goutte": (f"{base}/goutte.xml", "timeout"),
        "geant": (f"{base}/geant.xml", "too_large"),
        "entites": (f"{base}/entites.xml", "parse_error"),
        "sans-dns": ("http://flux.panne-dns.example/rss", "connection_error"),
        "intranet": ("http://intranet.example/rss", "blocked"),
        "metadonnees": ("http://metadata.example/latest/meta-data/", "blocked"),
        "alias-local": (f"http://alias-local.example:{forbidden.port}/x.xml", "blocked"),
        "redirige-local": (f"{base}/demenage.xml", "blocked"),
        "redirige-prive": (f"{base}/vers-prive.xml", "blocked"),
    }
    sources = [FeedSource(id=fid, name=fid, url=url) for fid, (url, _) in feeds.items()]
    http = fast_http("127.0.0.2", feed_max_bytes=2**20, total_timeout_s=2.0)

    report = stages.poll_feeds(connect, sources, http, PollPolicy(), DAY)

    state = {fid: (status, error) for fid, status, error in
             query(db_path, "SELECT feed_id, last_status, last_error FROM feed_state")}
    assert {fid: status for fid, (status, _) in state.items()} == {fid: s for fid, (_, s) in feeds.items()}
    fetches = dict(query(db_path, "SELECT feed_id, status FROM feed_fetches"))
    assert fetches == {fid: s for fid, (_, s) in feeds.items()}
    for fid, (_, expected) in feeds.items():
        if expected != "ok":
            assert state[fid][1], f"{fid}: no error message recorded"
            assert "\n" not in state[fid][1]
    assert "Name or service not known" in state["sans-dns"][1]
    assert "10.0.0.5" in state["intranet"][1] and "169.254.169.254" in state["metadonnees"][1]
    assert "cap" in state["geant"][1]
    errors = dict(query(db_path, "SELECT feed_id, error FROM feed_fetches"))
    assert errors["entites"] == "entity declarations refused"  # feed_state keeps "feed did not parse"
    # the healthy feeds are complete, and nothing was ever sent to the forbidden loopback server
    assert report.new_per_source == {"sain-a": 10, "sain-b": 10}
    assert query(db_path, "SELECT count(*), count(DISTINCT canonical_url) FROM feed_entries")[0] == (20, 20)
    assert forbidden.requests == []
    assert sorted(report.failing_feeds) == sorted(f for f, (_, s) in feeds.items() if s != "ok")
