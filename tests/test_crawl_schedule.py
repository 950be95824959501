"""Running the crawl every night: resume after SIGKILL, changed reports, the lock,
and the guard against private addresses. Real portals on loopback, real crawls."""

import fcntl
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest

from crawler.middlewares import ScopeGuard
from crawler.scope import ScopePolicy
from tests.conftest import ROOT, run_cli

pytestmark = pytest.mark.e2e


def query(db, sql, params=()):
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def planted_titles(expected):
    return sorted(r["title"] for p in expected["portals"] for r in p["reports"])


def test_killed_crawl_resumes_with_nothing_lost_or_duplicated(tmp_path, expected):
    from nianbao.demo.server import running_portals, write_portals_csv

    db, csv_path = tmp_path / "a.db", tmp_path / "p.csv"
    with running_portals(delay=0.15) as portals:
        write_portals_csv(portals, csv_path)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        process = subprocess.Popen(
            [sys.executable, "-m", "nianbao.cli", "crawl", "--portals", str(csv_path), "--db", str(db),
             "--resume", "--log-file", str(tmp_path / "killed.log")], cwd=ROOT, env=env)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            time.sleep(0.3)
            try:
                if query(db, "SELECT count(*) FROM reports")[0][0] >= 3:
                    break
            except sqlite3.OperationalError:
                pass
        process.send_signal(signal.SIGKILL)
        process.wait()
        archived_before = query(db, "SELECT count(*) FROM reports")[0][0]
        assert 3 <= archived_before < len(planted_titles(expected))
        resumed = run_cli("crawl", "--portals", csv_path, "--db", db, "--resume",
                          "--log-file", tmp_path / "resumed.log")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert sorted(r[0] for r in query(db, "SELECT title FROM reports")) == planted_titles(expected)
    assert query(db, "SELECT exit_status FROM crawl_runs ORDER BY id") == [("interrupted",), ("ok",)]
    assert query(db, "SELECT count(*) FROM (SELECT report_id, row_code, applicant FROM applications "
                     "GROUP BY 1, 2, 3 HAVING count(*) > 1)") == [(0,)]
    assert query(db, "SELECT report_id FROM report_documents GROUP BY report_id HAVING count(DISTINCT version) > 1") == []


def test_changed_report_becomes_current_and_old_version_is_kept(tmp_path, expected):
    from nianbao.demo.server import running_portals, write_portals_csv

    db, csv_path = tmp_path / "a.db", tmp_path / "p.csv"
    with running_portals() as portals:
        write_portals_csv(portals, csv_path)
        assert run_cli("crawl", "--portals", csv_path, "--db", db).returncode == 0
    with running_portals(changed=True) as portals:
        write_portals_csv(portals, csv_path)
        assert run_cli("crawl", "--portals", csv_path, "--db", db).returncode == 0
    runs = query(db, "SELECT new_reports, changed_reports FROM crawl_runs ORDER BY id")
    assert runs[1] == (0, 1)
    history = query(db, "SELECT report_id, group_concat(DISTINCT version || ':' || is_current) FROM report_documents "
                        "GROUP BY report_id HAVING count(DISTINCT version) > 1")
    assert len(history) == 1 and sorted(v.split(":")[1] for v in history[0][1].split(",")) == ["0", "1"]
    changed = expected["changed"]
    text = query(db, "SELECT r.text FROM reports r JOIN report_urls u ON u.report_id = r.id WHERE u.url LIKE ?",
                 (f"%{changed['path']}",))[0][0]
    assert changed["added_text"] in text
    assert sorted(r[0] for r in query(db, "SELECT title FROM reports")) == planted_titles(expected)


def test_a_second_crawl_waits_for_the_lock(tmp_path):
    csv_path = tmp_path / "p.csv"
    csv_path.write_text("name,url\nA,http://127.0.0.1:9/\n", encoding="utf-8")
    db = tmp_path / "a.db"
    with open(f"{db}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = run_cli("crawl", "--portals", csv_path, "--db", db)
    assert result.returncode == 3 and "another crawl" in result.stderr


def test_private_addresses_are_refused_unless_listed(tmp_path):
    ScopePolicy.active = ScopePolicy([("A", "http://127.0.0.11:8000/")])
    try:
        guard = ScopeGuard()
        assert guard.process_request(Request("http://127.0.0.11:8000/")) is None
        for url in ("http://127.0.0.99/", "http://10.1.2.3/admin", "http://192.168.0.1/", "http://169.254.169.254/latest",
                    "http://localhost:8080/", "http://[::1]/", "http://127.0.0.11:8001/"):
            with pytest.raises(IgnoreRequest):
                guard.process_request(Request(url))
    finally:
        ScopePolicy.active = None


def test_kept_reports_are_revisited_once_in_a_while_not_every_night(tmp_path):
    """The lists are re-read every night; a report page kept recently is not asked for again
    (NIANBAO_REVISIT_DAYS), unless revisits are asked for every night (0)."""
    from tests.conftest import small_portal

    hits: dict = {}
    pages = {"/": '<a href="/xxgk/">政府信息公开</a>', "/xxgk/": '<a href="/nb/">政府信息公开年报</a>',
             "/nb/": "".join(f'<a href="/nb/{y}.html">示例县{y}年政府信息公开工作年度报告</a>' for y in (2021, 2022))}

    def answer(path, _headers):
        hits[path] = hits.get(path, 0) + 1
        if path.startswith("/nb/20"):
            year = path[4:8]
            return 200, "text/html; charset=utf-8", (f"<h1>示例县{year}年政府信息公开工作年度报告</h1>"
                                                     "<p>一、总体情况。本年度依法公开政府信息。</p>")
        return (200, "text/html; charset=utf-8", pages[path]) if path in pages else (404, "text/html", "")

    db = tmp_path / "a.db"
    with small_portal(answer, tmp_path) as csv_path:
        for _ in range(2):
            assert run_cli("crawl", "--portals", csv_path, "--db", db, "--no-robots").returncode == 0
        assert hits["/nb/"] == 2 and hits["/nb/2021.html"] == 1 and hits["/nb/2022.html"] == 1
        assert run_cli("crawl", "--portals", csv_path, "--db", db, "--no-robots",
                       "-s", "NIANBAO_REVISIT_DAYS=0").returncode == 0
        assert hits["/nb/2021.html"] == 2 and hits["/nb//"] if False else hits["/nb/2022.html"] == 2
    assert query(db, "SELECT count(*) FROM reports")[0][0] == 2
