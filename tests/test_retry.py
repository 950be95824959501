"""Retries with back-off against a real flaky server on loopback."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import run_cli

pytestmark = pytest.mark.e2e


class Flaky(BaseHTTPRequestHandler):
    """Answers 503 twice on every path, then a small home page."""
    hits: dict = {}
    times: list = []

    def do_GET(self):
        Flaky.times.append(time.monotonic())
        count = Flaky.hits[self.path] = Flaky.hits.get(self.path, 0) + 1
        if self.path != "/robots.txt" and count <= 2:
            self.send_response(503)
            self.end_headers()
            return
        body = "<html><body><a href='/x.html'>办事服务</a></body></html>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_server_errors_are_retried_with_backoff(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    csv_path = tmp_path / "p.csv"
    csv_path.write_text(f"name,url\nflaky,http://127.0.0.1:{server.server_port}/\n", encoding="utf-8")
    try:
        result = run_cli("crawl", "--portals", csv_path, "--db", tmp_path / "a.db", "--no-robots",
                         "-s", "RETRY_BACKOFF_BASE=0.5", "--log-file", tmp_path / "log")
    finally:
        server.shutdown()
    assert result.returncode == 0, (tmp_path / "log").read_text()
    assert Flaky.hits["/"] == 3
    home = [t for t in Flaky.times]
    assert home[1] - home[0] >= 0.45 and home[2] - home[1] >= 0.95  # 0.5 s, then 1 s
