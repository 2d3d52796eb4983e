"""A loopback HTTP server for the bundled sample corpus (demo, tests, benchmarks).

Serves ``sample_corpus/site/`` and replaces the ASCII placeholder ``{{BASE}}`` with the server's
own base URL, so feeds and pages link to wherever the server runs. ``routes*.yaml`` files give
per-path behaviour: ``status`` (e.g. 404), ``delay_s`` (a page that times out), ``content_type``,
``headers`` (extra response headers, e.g. a ``tdm-reservation``). ``site/robots.txt`` is served like
any file.
"""
from __future__ import annotations

import mimetypes
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

SAMPLE_CORPUS_DIR = Path(__file__).resolve().parent / "sample_corpus"
PLACEHOLDER = b"{{BASE}}"


def load_routes(corpus_dir: Path) -> dict[str, dict]:
    routes: dict[str, dict] = {}
    for path in sorted(corpus_dir.glob("routes*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for route, spec in (data.get("routes") or {}).items():
            routes[route] = dict(spec or {})
    return routes


def _default_content_type(path: Path, body: bytes) -> str:
    if path.suffix == ".xml":
        return "application/atom+xml" if b"<feed" in body[:500] else "application/rss+xml"
    if path.suffix in (".html", ".htm"):
        return "text/html; charset=utf-8"
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


class SampleCorpusServer:
    """Context manager: ``with SampleCorpusServer() as server: server.base_url``."""

    def __init__(self, corpus_dir: Path = SAMPLE_CORPUS_DIR, host: str = "127.0.0.1", port: int = 0):
        self.corpus_dir = Path(corpus_dir)
        self.site_dir = self.corpus_dir / "site"
        self.routes = load_routes(self.corpus_dir)
        self.requests: list[str] = []
        self._stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test and demo output quiet
                pass

            def do_GET(self):  # noqa: N802 (http.server API)
                server.requests.append(self.path)
                route = server.routes.get(self.path.split("?")[0], {})
                if route.get("delay_s"):
                    # interruptible sleep, so shutting the server down never waits for it
                    server._stop.wait(float(route["delay_s"]))
                status = int(route.get("status", 200))
                file_path = (server.site_dir / self.path.split("?")[0].lstrip("/")).resolve()
                inside = server.site_dir.resolve() in file_path.parents
                if status == 200 and (not inside or not file_path.is_file()):
                    status = 404
                if status != 200:
                    body = f"<html><body><h1>{status}</h1></body></html>".encode()
                    content_type = "text/html; charset=utf-8"
                else:
                    body = file_path.read_bytes().replace(PLACEHOLDER, server.base_url.encode("ascii"))
                    content_type = route.get("content_type") or _default_content_type(file_path, body)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    for name, value in (route.get("headers") or {}).items():
                        self.send_header(str(name), str(value))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self._httpd = ThreadingHTTPServer((host, port), Handler)
        self._httpd.daemon_threads = True
        self.host, self.port = self._httpd.server_address[:2]
        self.base_url = f"http://{self.host}:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def registry_yaml(self) -> str:
        """The sample feed registry, pointing at this server."""
        text = (self.corpus_dir / "feeds.yaml").read_text(encoding="utf-8")
        return text.replace("{{BASE}}", self.base_url)

    def __enter__(self) -> "SampleCorpusServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()


if __name__ == "__main__":
    with SampleCorpusServer(port=8765) as srv:
        print(f"serving {srv.site_dir} at {srv.base_url}")
        while True:
            time.sleep(3600)
