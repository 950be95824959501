"""Politeness against real small servers on loopback: retries with back-off, robots.txt,
the User-Agent, the per-portal page budget."""

import sqlite3
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crawler.settings import NIANBAO_CONTACT_URL
from tests.conftest import run_cli

pytestmark = pytest.mark.e2e


class Portal(BaseHTTPRequestHandler):
    """A home page linking 政务公开 pages; robots.txt forbids /private/. ``flaky``: every path
    but robots.txt answers 503 twice before it works."""
    flaky = False
    hits: dict = {}
    times: list = []
    agents: set = set()

    def do_GET(self):
        Portal.times.append(time.monotonic())
        Portal.agents.add(self.headers.get("User-Agent"))
        count = Portal.hits[self.path] = Portal.hits.get(self.path, 0) + 1
        if self.path == "/robots.txt":
            return self.answer("User-agent: *\nDisallow: /private/\n", "text/plain")
        if Portal.flaky and count <= 2:
            self.send_response(503)
            self.end_headers()
            return
        links = "".join(f"<a href='/{d}/{n}.html'>政务公开{n}</a>" for d in ("public", "private") for n in range(3))
        self.answer(f"<html><body>{links}</body></html>", "text/html; charset=utf-8")

    def answer(self, text, content_type):
        body = text.encode()
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture()
def portal(tmp_path):
    Portal.hits, Portal.times, Portal.agents, Portal.flaky = {}, [], set(), False
    server = ThreadingHTTPServer(("127.0.0.1", 0), Portal)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    csv_path = tmp_path / "p.csv"
    csv_path.write_text(f"name,url\nsmall,http://127.0.0.1:{server.server_port}/\n", encoding="utf-8")
    yield csv_path
    server.shutdown()


def crawl(csv_path, tmp_path, *args):
    return run_cli("crawl", "--portals", csv_path, "--db", tmp_path / "a.db", "--log-file", tmp_path / "log", *args)


def test_robots_txt_is_obeyed_and_the_user_agent_names_us(portal, tmp_path):
    assert crawl(portal, tmp_path).returncode == 0
    assert not [path for path in Portal.hits if path.startswith("/private/")]
    assert {f"/public/{n}.html" for n in range(3)} <= set(Portal.hits)
    assert Portal.agents == {f"nianbao/0.1 (+{NIANBAO_CONTACT_URL}; annual-report archive)"}


def test_robots_txt_can_be_switched_off(portal, tmp_path):
    assert crawl(portal, tmp_path, "--no-robots").returncode == 0
    assert {f"/private/{n}.html" for n in range(3)} <= set(Portal.hits)


def test_page_budget_per_portal(portal, tmp_path):
    assert crawl(portal, tmp_path, "--no-robots", "-s", "NIANBAO_PAGE_BUDGET=3").returncode == 0
    assert len([path for path in Portal.hits if path != "/robots.txt"]) == 3
    with sqlite3.connect(tmp_path / "a.db") as conn:
        assert conn.execute("SELECT count(*) FROM fetches").fetchone()[0] == 3


def test_server_errors_are_retried_with_backoff(portal, tmp_path):
    Portal.flaky = True
    result = crawl(portal, tmp_path, "--no-robots", "-s", "RETRY_BACKOFF_BASE=0.5", "-s", "NIANBAO_PAGE_BUDGET=1")
    assert result.returncode == 0, (tmp_path / "log").read_text()
    assert Portal.hits["/"] == 3
    assert Portal.times[1] - Portal.times[0] >= 0.45 and Portal.times[2] - Portal.times[1] >= 0.95  # 0.5 s, 1 s
