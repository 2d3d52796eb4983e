"""Load driver: 2,000 feeds and 50,000 entries served on several loopback addresses with random
latency, errors, resets and hangs, polled once by ``stages.poll_feeds`` into a temp DuckDB file.

Run it with ``python -m monitor_pipeline_tests.reliability.load_driver`` (prints JSON figures) or
through ``test_load.py`` (part of ``make test``). The feed servers run in a separate process so
the peak RSS measured is the poller's own.

Each host serves a robots.txt allowing the feeds. Feed ``i`` behaves by ``i % 50``: 0 → HTTP 500 every time, 1 → 404, 2 → hangs past the total
deadline, 3 → an HTML maintenance page served as RSS, 4 → connection reset; every other feed answers a valid RSS document of
``entries_per_feed`` items after a random delay (0-``max_latency_s``).
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import resource
import socket
import struct
import tempfile
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROBOTS = b"User-agent: *\nDisallow: /admin/\n"
FAULTS = {0: "http_error", 1: "http_error", 2: "timeout", 3: "parse_error", 4: "connection_error"}


def expected_status(index: int) -> str:
    return FAULTS.get(index % 50, "ok")


def feed_body(index: int, entries: int) -> bytes:
    items = "".join(
        f"<item><title>Flux {index} : la dépêche {k} sur l'intelligence artificielle en région</title>"
        f"<link>https://presse-{index % 97}.example/flux-{index}/article-{k}</link><guid>urn:charge:{index}:{k}</guid>"
        f"<description>Résumé {k} du flux {index} : une entreprise française investit dans l'IA.</description>"
        "<pubDate>Tue, 04 Mar 2025 09:30:00 +0100</pubDate></item>"
        for k in range(entries))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Flux {index}</title>'
            f"<language>fr</language>{items}</channel></rss>").encode("utf-8")


def _handler(entries: int, max_latency_s: float, stop: threading.Event, seed: int):
    rng = random.Random(seed)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            if self.path == "/robots.txt":  # read once per host (the poller honours robots.txt)
                return self._send(200, ROBOTS, "text/plain")
            index = int(self.path.rsplit("/", 1)[-1].split(".")[0])
            with lock:
                delay = rng.uniform(0, max_latency_s)
            stop.wait(delay)
            kind = index % 50
            try:
                if kind == 0:
                    return self._send(500, b"erreur interne")
                if kind == 1:
                    return self._send(404, b"introuvable")
                if kind == 2:
                    stop.wait(30)
                    return
                if kind == 3:
                    return self._send(200, b"<html><body><p>Maintenance en cours</p></body></html>", "application/rss+xml")
                if kind == 4:
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()
                    self.close_connection = True
                    return
                self._send(200, feed_body(index, entries), "application/rss+xml; charset=utf-8")
            except OSError:
                pass

        def finish(self) -> None:
            try:
                super().finish()
            except (OSError, ValueError):
                pass

        def _send(self, status: int, body: bytes, content_type: str = "text/plain") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def _serve(hosts: list[str], ports: "multiprocessing.Queue", entries: int, max_latency_s: float,
           stop_event: "multiprocessing.synchronize.Event") -> None:
    stop = threading.Event()
    servers = []
    for i, host in enumerate(hosts):
        server = ThreadingHTTPServer((host, 0), _handler(entries, max_latency_s, stop, seed=i))
        server.daemon_threads = True
        server.request_queue_size = 256
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        servers.append(server)
        ports.put((host, server.server_address[1]))
    stop_event.wait()
    stop.set()
    for server in servers:
        server.shutdown()
        server.server_close()


@contextmanager
def feed_servers(hosts: list[str], entries: int, max_latency_s: float):
    """Start the loopback feed servers in another process; yield {host: port}."""
    ctx = multiprocessing.get_context("spawn")
    ports, stop = ctx.Queue(), ctx.Event()
    proc = ctx.Process(target=_serve, args=(hosts, ports, entries, max_latency_s, stop), daemon=True)
    proc.start()
    try:
        yield dict(ports.get(timeout=60) for _ in hosts)
    finally:
        stop.set()
        proc.join(timeout=10)
        if proc.is_alive():
            proc.kill()


def run_load(feeds: int = 2_000, entries_per_feed: int = 28, hosts: int = 8, max_latency_s: float = 0.3,
             db_dir: str | None = None) -> dict[str, Any]:
    """Serve, poll once, and return the figures (wall time, peak RSS, statuses, row counts)."""
    import duckdb

    from monitor_pipeline import stages

    from monitor_pipeline.storage import warehouse
    from monitor_pipeline.core.ingest.feed_state import PollPolicy
    from monitor_pipeline.core.ingest.fetch import HttpSettings
    from monitor_pipeline.core.ingest.registry import FeedSource

    addresses = [f"127.0.0.{11 + i}" for i in range(hosts)]
    db = Path(db_dir or tempfile.mkdtemp(prefix="monitor-load-")) / "warehouse.duckdb"

    connect = warehouse.connection_factory(db)

    http = HttpSettings(connect_timeout_s=2.0, read_timeout_s=2.0, total_timeout_s=3.0, max_retries=1,
                        backoff_base_s=0.05, backoff_max_s=0.2, max_concurrency=64, per_host_concurrency=8,
                        per_host_min_interval_s=0.0, allow_hosts=tuple(addresses))
    rss_before_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with feed_servers(addresses, entries_per_feed, max_latency_s) as ports:
        sources = [FeedSource(id=f"flux-{i:05d}", name=f"Flux {i}",
                              url=f"http://{addresses[i % hosts]}:{ports[addresses[i % hosts]]}/feed/{i}.xml")
                   for i in range(feeds)]
        started = time.monotonic()
        report = stages.poll_feeds(connect, sources, http, PollPolicy(), "2025-03-04")
        wall_s = time.monotonic() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    conn = duckdb.connect(str(db), read_only=True)
    try:
        state_rows = conn.execute("SELECT count(*) FROM feed_state").fetchone()[0]
        statuses = dict(conn.execute("SELECT last_status, count(*) FROM feed_state GROUP BY 1 ORDER BY 1").fetchall())
        mismatched = [fid for fid, status in conn.execute("SELECT feed_id, last_status FROM feed_state").fetchall()
                      if status != expected_status(int(fid.split("-")[1]))]
        entries = conn.execute("SELECT count(*), count(DISTINCT canonical_url) FROM feed_entries").fetchone()
    finally:
        conn.close()
    expected: dict[str, int] = {}
    for i in range(feeds):
        expected[expected_status(i)] = expected.get(expected_status(i), 0) + 1
    return {
        "feeds": feeds, "entries_served": sum(1 for i in range(feeds) if expected_status(i) == "ok") * entries_per_feed,
        "hosts": addresses, "wall_s": round(wall_s, 1), "peak_rss_mib": round(peak_kib / 1024, 1),
        "rss_before_poll_mib": round(rss_before_kib / 1024, 1), "feed_state_rows": state_rows,
        "statuses": statuses, "expected_statuses": expected, "mismatched_feeds": mismatched[:20],
        "entries_stored": entries[0], "distinct_entries": entries[1], "report_entries_new": report.entries_new,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=2_000)
    parser.add_argument("--entries-per-feed", type=int, default=28)
    parser.add_argument("--hosts", type=int, default=8)
    args = parser.parse_args()
    print(json.dumps(run_load(args.feeds, args.entries_per_feed, args.hosts), indent=2))


if __name__ == "__main__":
    main()
