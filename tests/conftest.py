"""Shared fixtures: real servers on loopback, real crawls, real SQLite files."""

from __future__ import annotations

import json
import os
import threading
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = ROOT / "nianbao" / "demo" / "expected.json"
ARTIFACTS = ROOT / "test-artifacts"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def run_cli(*args, timeout=600) -> subprocess.CompletedProcess:
    """Run `nianbao ARGS` in a fresh interpreter (Scrapy's reactor starts once per process)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "nianbao.cli", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, env=env)


def wait_for_http(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read().decode("utf-8"))


@pytest.fixture(scope="session")
def expected() -> dict:
    return json.loads(EXPECTED.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def crawled(tmp_path_factory):
    """The offline portals crawled once for the whole session: (db path, csv path, crawl result)."""
    from nianbao.demo.server import running_portals, write_portals_csv

    workdir = tmp_path_factory.mktemp("crawl")
    db, csv_path = workdir / "archive.db", workdir / "portals.csv"
    with running_portals() as portals:
        write_portals_csv(portals, csv_path)
        first = run_cli("crawl", "--portals", csv_path, "--db", db, "--log-file", workdir / "crawl1.log")
        second = run_cli("crawl", "--portals", csv_path, "--db", db, "--log-file", workdir / "crawl2.log")
    return {"db": db, "csv": csv_path, "first": first, "second": second, "portals": portals,
            "log": (workdir / "crawl1.log")}


@pytest.fixture(scope="session")
def datasette_url(crawled):
    """A real Datasette server (nianbao serve) on loopback over the crawled archive."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # its log goes to a file: a pipe nobody reads fills up (64 kB of access lines) and the
    # server then blocks on its next log line
    log = open(Path(crawled["db"]).with_name("datasette.log"), "wb")
    process = subprocess.Popen([sys.executable, "-m", "nianbao.cli", "serve", "--db", str(crawled["db"]),
                                "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(url + "/-/versions.json")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@contextmanager
def small_portal(answer, directory: Path, name: str = "示例县"):
    """A one-portal site on loopback for a focused crawl test: ``answer(path, headers)``
    returns (status, content type, text or bytes). Yields the portals file naming it."""
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            status, content_type, text = answer(self.path, self.headers)
            data = text if isinstance(text, bytes) else text.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    csv_path = directory / "portals.csv"
    csv_path.write_text(f"name,url\n{name},http://127.0.0.1:{server.server_port}/\n", encoding="utf-8")
    try:
        yield csv_path
    finally:
        server.shutdown()


@pytest.fixture
def redis_url(tmp_path):
    """A real redis-server of the test's own (tests/redis_server.py); its URL, with a password."""
    from tests.redis_server import running_redis

    with running_redis(tmp_path / "redis") as url:
        yield url
