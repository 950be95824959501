"""Dead hosts: a fleet on loopback with a refused port, a server that never answers, one that
hangs up at once, a name that resolves nowhere, a slow host and a healthy one. The crawl finishes, the live portals' reports
are archived, the dead ones are recorded, and a dead host is asked once, not retried."""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from scrapy import Request
from scrapy.exceptions import CannotResolveHostError, DownloadConnectionRefusedError, DownloadTimeoutError
from scrapy.utils.test import get_crawler
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TimeoutError

from crawler.portal_runs import DeadHost, DeadHosts, RunRecorder, is_connection_failure
from crawler.scope import ScopeDNSRefusal
from tests.conftest import free_port, run_cli
from tests.test_layout_alarms import Layout


# -- the middleware, with real requests and the exceptions Twisted raises ------------------------

def middleware(**settings):
    crawler = get_crawler(settings_dict=settings)
    crawler.stats.open_spider()
    return DeadHosts(crawler), RunRecorder.of(crawler)


def test_a_host_that_never_answered_is_given_up_at_its_first_connection_failure():
    mw, recorder = middleware()
    first = Request("http://127.0.0.1:9/", meta={"portal": "甲县"})
    assert mw.process_exception(first, ConnectionRefusedError("refused")) is None
    assert first.meta["dont_retry"] is True
    assert "ConnectionRefusedError" in recorder.dead["127.0.0.1:9"]
    with pytest.raises(DeadHost, match="127.0.0.1:9 is unreachable"):
        mw.process_request(Request("http://127.0.0.1:9/zwgk/", meta={"portal": "甲县"}))
    assert mw.process_request(Request("http://127.0.0.1:10/")) is None  # another host is not touched
    assert recorder.dropped["127.0.0.1:9"] == 1


def test_a_host_that_answered_is_given_up_only_after_failures_in_a_row():
    mw, recorder = middleware(NIANBAO_DEAD_HOST_FAILURES=3)
    request = Request("http://127.0.0.1:9/a")
    mw.process_response(request, object())
    for attempt in range(2):
        failing = Request(f"http://127.0.0.1:9/{attempt}")
        mw.process_exception(failing, TimeoutError("took longer than 3 seconds"))
        assert "dont_retry" not in failing.meta  # retried as usual
    mw.process_response(request, object())     # an answer in between starts the count again
    for attempt in range(2):
        mw.process_exception(Request(f"http://127.0.0.1:9/b{attempt}"), TimeoutError("slow"))
    assert recorder.dead == {}
    mw.process_exception(Request("http://127.0.0.1:9/c"), TimeoutError("slow"))
    assert "TimeoutError" in recorder.dead["127.0.0.1:9"]


def wrapped(outer, inner):
    """An exception as Scrapy 2.19 raises it: its own type, Twisted's as the cause."""
    try:
        try:
            raise inner
        except Exception as error:
            raise outer(str(error)) from error
    except Exception as error:
        return error


def test_what_counts_as_a_connection_failure():
    assert is_connection_failure(DNSLookupError("www.x.invalid"))
    assert is_connection_failure(TimeoutError("took longer"))
    assert is_connection_failure(wrapped(CannotResolveHostError, DNSLookupError("www.x.invalid")))
    assert is_connection_failure(DownloadTimeoutError("Getting / took longer than 3.0 seconds."))
    assert is_connection_failure(DownloadConnectionRefusedError("111: Connection refused."))
    assert not is_connection_failure(ScopeDNSRefusal("resolves to a private address"))  # policy, not dead
    assert not is_connection_failure(wrapped(CannotResolveHostError, ScopeDNSRefusal("private address")))
    assert not is_connection_failure(ValueError("bad page"))


# -- a fleet on loopback ------------------------------------------------------------------------

@contextmanager
def serving(answer, delay=0.0):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            time.sleep(delay)
            status, content_type, text = answer(self.path, self.headers)
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def never_answering(hang_up: bool = False):
    """Accepts every connection and never says a word (``hang_up``: closes it at once).
    Yields (url, connections accepted)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted, stop = [], threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
                if hang_up:
                    accepted[-1].close()
            except (socket.timeout, OSError):
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/", accepted
    finally:
        stop.set()
        thread.join(2)
        for conn in accepted:
            conn.close()
        listener.close()


@pytest.mark.e2e
def test_a_fleet_with_dead_and_slow_hosts_finishes_and_records_the_dead(tmp_path):
    healthy, slow = Layout(reports=3), Layout(reports=2)
    with serving(healthy.answer) as healthy_url, serving(slow.answer, delay=1.0) as slow_url, \
            never_answering() as (silent_url, accepted), never_answering(hang_up=True) as (rude_url, hung_up):
        fleet = {"健康县": healthy_url, "迟缓县": slow_url, "拒绝县": f"http://127.0.0.1:{free_port()}/",
                 "沉默县": silent_url, "挂断县": rude_url, "无名县": "http://www.nianbao-dead.invalid/"}
        csv_path = tmp_path / "portals.csv"
        csv_path.write_text("name,url\n" + "".join(f"{n},{u}\n" for n, u in fleet.items()), encoding="utf-8")
        db = tmp_path / "archive.db"
        result = run_cli("crawl", "--portals", csv_path, "--db", db, "--log-file", tmp_path / "crawl.log",
                         "--no-parse", "-s", "DOWNLOAD_TIMEOUT=3", "-s", "AUTOTHROTTLE_START_DELAY=0",
                         timeout=240)
        connections_to_silent, connections_hung_up = len(accepted), len(hung_up)
    log = (tmp_path / "crawl.log").read_text(encoding="utf-8")
    assert result.returncode == 1, result.stderr + log  # done, with failures recorded
    conn = sqlite3.connect(db)
    archived = dict(conn.execute("SELECT portal, count(*) FROM fetched_reports GROUP BY portal"))
    assert archived == {"健康县": 3, "迟缓县": 2}
    runs = {portal: (listed, unreachable) for portal, listed, unreachable in
            conn.execute("SELECT portal, reports_listed, unreachable FROM portal_runs")}
    assert runs["健康县"] == (3, None) and runs["迟缓县"] == (2, None)
    assert "ConnectionRefusedError" in runs["拒绝县"][1]
    assert "TimeoutError" in runs["沉默县"][1]
    assert "CannotResolveHostError" in runs["无名县"][1]
    assert "DownloadFailedError" in runs["挂断县"][1]
    # robots.txt failed first; the home page was then not asked for, and nothing was retried
    assert connections_to_silent == 1 and connections_hung_up == 1
    for portal in ("拒绝县", "沉默县", "挂断县", "无名县"):
        (error,) = conn.execute("SELECT error FROM pages WHERE portal = ?", [portal]).fetchone()
        assert error.startswith("DeadHost: host ") and "unreachable" in error
    assert sum("its other requests are dropped" in line for line in log.splitlines()) == 4
