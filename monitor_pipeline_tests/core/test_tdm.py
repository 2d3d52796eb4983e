"""TDMRep opt-outs on real loopback servers: the ``tdm-reservation`` header, the meta tag, the
origin's ``/.well-known/tdmrep.json``; a licence lifting them; feeds unaffected."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from monitor_pipeline.core.ingest import tdm
from monitor_pipeline.core.ingest.fetch import FetchRequest, HttpSettings, fetch_all
from monitor_pipeline_tests.core.http_fixtures import LoopbackServer

pytestmark = [pytest.mark.timeout(60), pytest.mark.usefixtures("loopback_tripwire")]
PAGE = b"<html><head><title>A</title></head><body><p>Texte complet.</p></body></html>"
META_PAGE = (b'<html><head><meta charset="utf-8"><meta content="1" name="TDM-Reservation">'
             b"<meta name='tdm-policy' content='https://editeur.example/licence.json'></head>"
             b"<body><p>Texte complet.</p></body></html>")
POLICY = "https://editeur.example/licence.json"
SETTINGS = HttpSettings(connect_timeout_s=2.0, read_timeout_s=2.0, total_timeout_s=5.0, max_retries=0,
                        per_host_min_interval_s=0.0, allow_hosts=("127.0.0.1",))
HTML = {"Content-Type": "text/html; charset=utf-8"}


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer("127.0.0.1") as srv:
        srv.route("/free", lambda h: h.send(200, PAGE, HTML))
        srv.route("/reserved-header", lambda h: h.send(200, PAGE, {**HTML, "TDM-Reservation": "1",
                                                                   "TDM-Policy": POLICY}))
        srv.route("/reserved-meta", lambda h: h.send(200, META_PAGE, HTML))
        srv.route("/header-lifts-meta", lambda h: h.send(200, META_PAGE, {**HTML, "tdm-reservation": "0"}))
        yield srv


def test_the_tdm_reservation_header_reserves_the_page_and_its_body_is_not_kept(server: LoopbackServer) -> None:
    free, reserved = fetch_all([FetchRequest(server.url("/free")), FetchRequest(server.url("/reserved-header"))],
                               SETTINGS)
    assert free.status == "ok" and free.body == PAGE
    assert reserved.status == "tdm_reserved"
    assert reserved.body == b"" and reserved.body_sha256 is None
    assert "tdm-reservation response header" in reserved.error and POLICY in reserved.error


def test_the_meta_tag_reserves_the_page(server: LoopbackServer) -> None:
    result = fetch_all([FetchRequest(server.url("/reserved-meta"))], SETTINGS)[0]
    assert result.status == "tdm_reserved"
    assert result.body == b"" and "meta tag" in result.error and POLICY in result.error


def test_a_header_saying_not_reserved_wins_over_the_meta_tag(server: LoopbackServer) -> None:
    assert fetch_all([FetchRequest(server.url("/header-lifts-meta"))], SETTINGS)[0].status == "ok"


def test_the_well_known_file_reserves_matching_pages_without_requesting_them(server: LoopbackServer) -> None:
    rules = [{"location": "/", "tdm-reservation": 0},
             {"location": "/reserved-*", "tdm-reservation": 1, "tdm-policy": POLICY}]
    server.route("/.well-known/tdmrep.json", lambda h: h.send(200, json.dumps(rules).encode(),
                                                               {"Content-Type": "application/json"}))
    server.route("/reserved-site", lambda h: h.send(200, PAGE, HTML))
    results = fetch_all([FetchRequest(server.url("/reserved-site")), FetchRequest(server.url("/free")),
                         FetchRequest(server.url("/reserved-site?p=2"))], SETTINGS)
    assert [r.status for r in results] == ["tdm_reserved", "ok", "tdm_reserved"]
    assert "/.well-known/tdmrep.json" in results[0].error and POLICY in results[0].error
    assert server.hits("/reserved-site") == [], "a page the site reserves is not even requested"
    assert len(server.hits("/.well-known/tdmrep.json")) == 1, "read once per origin"


def test_a_licence_lifts_the_reservation(server: LoopbackServer) -> None:
    results = fetch_all([FetchRequest(server.url("/reserved-header"), check_tdm=False),
                         FetchRequest(server.url("/reserved-meta"), check_tdm=False)], SETTINGS)
    assert [r.status for r in results] == ["ok", "ok"]
    assert results[0].body == PAGE


def test_feeds_are_not_subject_to_the_page_reservation(server: LoopbackServer) -> None:
    """The feed is what the publisher syndicates: its title, link, date and summary are kept."""
    result = fetch_all([FetchRequest(server.url("/reserved-header"), kind="feed")], SETTINGS)[0]
    assert result.status == "ok" and result.body == PAGE
    assert server.hits("/.well-known/tdmrep.json") == []


def test_tdmrep_file_parsing_and_lookup() -> None:
    file = tdm.parse_tdmrep_file(json.dumps([
        {"location": "/", "tdm-reservation": 1},
        {"location": "/libre/*", "tdm-reservation": 0},
        {"location": "/libre/prive$", "tdm-reservation": 1, "tdm-policy": POLICY},
        {"location": 42, "tdm-reservation": 1},  # ignored
    ]).encode())
    assert len(file.rules) == 3 and file.error is None
    assert file.lookup("https://a.example/actu/1").reserved
    assert not file.lookup("https://a.example/libre/x").reserved
    decision = file.lookup("https://a.example/libre/prive")
    assert decision.reserved and decision.policy == POLICY and decision.source == "tdmrep.json"
    assert file.lookup("https://a.example/libre/prive/suite").reserved is False  # "$" anchors the end
    broken = tdm.parse_tdmrep_file(b"{not json")
    assert broken.rules == () and "not valid JSON" in broken.error
    assert tdm.parse_tdmrep_file(b'{"location": "/"}').error == "tdmrep.json must be a JSON array of rules"


def test_header_and_meta_parsing() -> None:
    assert tdm.from_headers({"tdm-reservation": "1"}).reserved
    assert tdm.from_headers({"TDM-Reservation": " 0 "}).reserved is False
    assert tdm.from_headers({"tdm-reservation": "maybe"}) is None and tdm.from_headers({}) is None
    assert tdm.from_html(b"<html><head></head><body>tdm-reservation 1</body></html>") is None
    assert tdm.from_html(b'<meta name=tdm-reservation content=1>').reserved
