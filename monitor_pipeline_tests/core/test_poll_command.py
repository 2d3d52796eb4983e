"""`monitor-pipeline poll`: JSON lines out, exit codes."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from monitor_pipeline.commands import poll
from monitor_pipeline_tests.core.http_fixtures import (
    LoopbackServer,
)


pytestmark = [pytest.mark.timeout(60), pytest.mark.usefixtures("loopback_tripwire")]

FEED = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Veille IA</title>'
        "<item><title>Le cloud souverain accélère</title><link>https://veille.example/cloud</link></item>"
        "<item><title>Un nouveau modèle de langage français</title><link>https://veille.example/llm</link></item>"
        "</channel></rss>").encode()


def run_poll(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict], str]:
    parser = argparse.ArgumentParser(prog="monitor-pipeline poll")
    poll.add_arguments(parser)
    code = poll.run(parser.parse_args(argv))
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines() if line.strip()], err


@pytest.fixture
def server():
    with LoopbackServer() as srv:
        srv.route("/feed.xml", lambda h: h.send(200, FEED, {"Content-Type": "application/rss+xml"}))
        srv.route("/page.html", lambda h: h.send(200, b"<html><body>Bonjour</body></html>",
                                                 {"Content-Type": "text/html"}))
        srv.route("/gone", lambda h: h.send(410, b"gone"))
        srv.route("/to-private", lambda h: h.send(302, headers={"Location": "http://192.168.0.1/feed"}))
        yield srv


def test_poll_urls_prints_one_json_line_per_feed(server: LoopbackServer, capsys) -> None:
    urls = [server.url(p) for p in ("/feed.xml", "/page.html", "/gone", "/to-private")]
    code, lines, _ = run_poll([*urls, "--allow-host", "127.0.0.1", "--retries", "0"], capsys)
    assert code == 0
    assert [line["url"] for line in lines] == urls
    ok, page, gone, private = lines
    assert ok["status"] == "ok" and ok["entries"] == 2 and ok["http_status"] == 200
    assert ok["bytes"] == len(FEED) and ok["error"] is None and ok["elapsed_s"] >= 0
    assert page["status"] == "parse_error" and page["entries"] == 0 and page["error"]
    assert gone["status"] == "http_error" and gone["http_status"] == 410 and gone["error"] == "HTTP 410 Gone"
    assert private["status"] == "blocked" and "private address" in private["error"]
    for line in lines:
        assert {"url", "status", "http_status", "entries", "bytes", "elapsed_s", "error"} <= line.keys()
        assert "Traceback" not in (line["error"] or "")


def test_poll_without_allow_host_blocks_loopback(server: LoopbackServer, capsys) -> None:
    code, [line], _ = run_poll([server.url("/feed.xml")], capsys)
    assert code == 0
    assert line["status"] == "blocked" and "loopback" in line["error"]
    assert server.hits("/feed.xml") == []


def test_poll_registry_skips_disabled_feeds(server: LoopbackServer, tmp_path: Path, capsys) -> None:
    registry = tmp_path / "feeds.yaml"
    registry.write_text(
        "feeds:\n"
        f"  - {{id: veille, name: Veille, url: '{server.url('/feed.xml')}'}}\n"
        f"  - {{id: eteint, name: Eteint, url: '{server.url('/gone')}', enabled: false}}\n",
        encoding="utf-8",
    )
    code, lines, _ = run_poll(["--registry", str(registry), "--allow-host", "127.0.0.1"], capsys)
    assert code == 0
    assert [(line["feed_id"], line["status"], line["entries"]) for line in lines] == [("veille", "ok", 2)]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "give at least one feed URL"),
        (["ftp://example.org/feed"], "not an http(s) URL"),
        (["--registry", "/nonexistent/feeds.yaml"], "registry file not found"),
        (["https://a.example/rss", "--registry", "x.yaml"], "not both"),
        (["https://a.example/rss", "--timeout", "0"], "--timeout must be > 0"),
    ],
)
def test_bad_arguments_exit_2(argv: list[str], message: str, capsys) -> None:
    code, lines, err = run_poll(argv, capsys)
    assert code == 2 and lines == []
    assert message in err


def test_invalid_registry_exits_2(tmp_path: Path, capsys) -> None:
    registry = tmp_path / "feeds.yaml"
    registry.write_text("feeds:\n  - {id: a, name: A, url: 'gopher://a.example/'}\n", encoding="utf-8")
    code, _, err = run_poll(["--registry", str(registry)], capsys)
    assert code == 2
    assert "feed #1 (id 'a')" in err and "must use http or https" in err


def test_poll_shows_robots_tls_and_budget_statuses(tmp_path: Path, capsys) -> None:
    """The new statuses in the JSON lines: a feed robots.txt disallows, one behind a certificate
    the client does not trust, one dripping its body past the budget (attempted once)."""
    import trustme

    from monitor_pipeline_tests.core.test_tls import server_context

    ca = trustme.CA()
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))

    def drip(h) -> None:
        def chunks():
            for _ in range(100):
                h.pause(0.2)
                yield b"x"
        h.stream(200, chunks(), {"Content-Type": "application/rss+xml", "Content-Length": "100"})

    with LoopbackServer() as plain, LoopbackServer(tls=server_context(ca.issue_cert("127.0.0.1"))) as secure:
        plain.route("/robots.txt", lambda h: h.send(200, b"User-agent: *\nDisallow: /private/\n"))
        plain.route("/private/feed.xml", lambda h: h.send(200, FEED))
        plain.route("/drip.xml", drip)
        secure.route("/feed.xml", lambda h: h.send(200, FEED, {"Content-Type": "application/rss+xml"}))
        urls = [plain.url("/private/feed.xml"), secure.url("/feed.xml"), plain.url("/drip.xml")]
        code, lines, _ = run_poll([*urls, "--allow-host", "127.0.0.1", "--budget", "1"], capsys)
        assert code == 0
        assert [line["status"] for line in lines] == ["robots_disallowed", "tls_error", "timeout"]
        assert "robots.txt disallows /private/feed.xml" in lines[0]["error"]
        assert "TLS certificate of 127.0.0.1 refused" in lines[1]["error"]
        assert lines[2]["attempts"] == 1 and "fetch budget" in lines[2]["error"]
        assert plain.hits("/private/feed.xml") == [] and len(plain.hits("/drip.xml")) == 1
        code, [trusted], _ = run_poll([secure.url("/feed.xml"), "--allow-host", "127.0.0.1", "--ca-bundle", str(bundle)],
                                      capsys)
        assert trusted["status"] == "ok" and trusted["entries"] == 2


def test_poll_refuses_a_missing_ca_bundle(capsys) -> None:
    code, lines, err = run_poll(["https://127.0.0.1/feed.xml", "--ca-bundle", "/nonexistent/ca.pem"], capsys)
    assert code == 2 and lines == []
    assert "ca_bundle: no such file" in err
