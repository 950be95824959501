"""Layout-changed alarms: the rule (crawler/alarms.py), its tables, and a real portal on loopback
whose layout changes between two crawls."""

from __future__ import annotations

import sqlite3

import pytest

from archive.store import Archive
from crawler.alarms import Alarm, PortalRun, layout_alarms
from tests.conftest import run_cli, small_portal

GOOD = PortalRun("示例县", reports_listed=10, reports_new=10, lists_read=2, report_column_found=True)


def run(listed, column=True, **kw):
    return PortalRun("示例县", reports_listed=listed, report_column_found=column, **kw)


# -- the rule ------------------------------------------------------------------------------

def test_no_alarm_on_the_first_run():
    assert layout_alarms(run(0, column=False), None) == []
    assert layout_alarms(run(7), None) == []


def test_no_alarm_on_a_normal_run():
    assert layout_alarms(run(10), GOOD) == []
    assert layout_alarms(run(12), GOOD) == []
    assert layout_alarms(run(5), GOOD) == []   # exactly half: not more than 50% fewer


def test_a_drop_of_more_than_half_raises_reports_dropped():
    (alarm,) = layout_alarms(run(4), GOOD)
    assert (alarm.kind, alarm.before, alarm.after) == ("reports_dropped", 10, 4)
    assert "down from 10" in alarm.message


def test_a_drop_to_zero_raises_no_reports():
    (alarm,) = layout_alarms(run(0), GOOD)
    assert (alarm.kind, alarm.before, alarm.after) == ("no_reports", 10, 0)


def test_a_missing_report_column_is_an_alarm_of_its_own():
    kinds = [a.kind for a in layout_alarms(run(0, column=False), GOOD)]
    assert kinds == ["column_missing", "no_reports"]
    # the column gone while reports are still listed (through another path): still named
    assert [a.kind for a in layout_alarms(run(10, column=False), GOOD)] == ["column_missing"]


def test_an_unreachable_host_is_named_in_the_message():
    (alarm,) = layout_alarms(run(0, unreachable="www.x.gov.cn: DNSLookupError"), GOOD)
    assert "unreachable" in alarm.message and "DNSLookupError" in alarm.message


def test_a_run_shut_down_half_way_raises_nothing():
    assert layout_alarms(run(0, complete=False), GOOD) == []


# -- the tables ----------------------------------------------------------------------------

def test_last_good_run_skips_empty_and_incomplete_runs(tmp_path):
    archive = Archive(tmp_path / "a.db")
    archive.save_portal_runs([GOOD.row(1), run(3).row(1) | {"portal": "乙县"}])
    archive.save_portal_runs([run(0).row(2), run(9, complete=False).row(2) | {"portal": "乙县"}])
    archive.save_portal_runs([run(0).row(2)])   # written twice: one row
    last = archive.last_good_portal_runs(before_run=3)
    assert (last["示例县"]["run_id"], last["示例县"]["reports_listed"]) == (1, 10)
    assert (last["乙县"]["run_id"], last["乙县"]["reports_listed"]) == (1, 3)
    assert archive.last_good_portal_runs(before_run=1) == {}
    assert archive.db["portal_runs"].count == 4
    alarm = Alarm("示例县", "no_reports", 10, 0, "no reports listed")
    archive.save_alarms(2, [alarm])
    archive.save_alarms(2, [alarm])
    assert archive.db["alarms"].count == 1


def test_an_archive_from_before_the_alarms_gets_the_tables(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE crawl_runs (id INTEGER PRIMARY KEY, started TEXT, finished TEXT, portals INTEGER, "
                 "pages INTEGER DEFAULT 0, new_reports INTEGER DEFAULT 0, changed_reports INTEGER DEFAULT 0, "
                 "errors INTEGER DEFAULT 0, exit_status TEXT, requests INTEGER, not_modified INTEGER, "
                 "browser_renders INTEGER)")
    conn.execute("INSERT INTO crawl_runs(started, portals) VALUES ('2026-01-01', 3)")
    conn.commit()
    conn.close()
    archive = Archive(path)
    assert {"portal_runs", "alarms"} <= set(archive.db.table_names())
    assert archive.db["crawl_runs"].count == 1


# -- end to end: a portal whose layout changes between two crawls ---------------------------------

class Layout:
    """示例县's portal: home → 政府信息公开 → the 年报 column → ``reports`` report pages.
    ``column`` is the column link's name; ``markup`` "links" or "buttons" (the list draws its
    items as buttons without links: nothing to follow)."""

    def __init__(self, reports: int):
        self.reports, self.column, self.markup = reports, "政府信息公开年报", "links"

    def answer(self, path, headers):
        page = "<html><head><meta charset='utf-8'><title>示例县人民政府</title></head><body>{}</body></html>"
        if path == "/":
            return 200, "text/html; charset=utf-8", page.format('<a href="/zwgk/">政府信息公开</a>')
        if path == "/zwgk/":
            return 200, "text/html; charset=utf-8", page.format(
                f'<a href="/zwgk/nb/">{self.column}</a> <a href="/zwgk/dt/">工作动态</a>')
        if path == "/zwgk/nb/":
            titles = [f"示例县{2010 + i}年政府信息公开工作年度报告" for i in range(self.reports)]
            if self.markup == "links":
                items = "".join(f'<li><a href="/zwgk/nb/{i}.html">{t}</a></li>' for i, t in enumerate(titles))
            else:
                items = "".join(f'<li><button class="item">{t}</button></li>' for t in titles)
            return 200, "text/html; charset=utf-8", page.format(f"<ul>{items}</ul>")
        if path.startswith("/zwgk/nb/") and path.endswith(".html"):
            return 200, "text/html; charset=utf-8", page.format(
                "<h1>示例县政府信息公开工作年度报告</h1><p>本报告由示例县人民政府办公室编制。</p>")
        return 404, "text/html", "not found"


def crawl(csv_path, db, log):
    return run_cli("crawl", "--portals", csv_path, "--db", db, "--log-file", log, "--no-parse",
                   "-s", "AUTOTHROTTLE_START_DELAY=0", "-s", "RETRY_BACKOFF_BASE=0.1", timeout=300)


@pytest.mark.e2e
@pytest.mark.parametrize("change", ["column renamed", "list markup changed", "half the reports gone"])
def test_a_layout_change_raises_alarms_exit_1_and_one_log_line(tmp_path, change):
    layout = Layout(reports=6)
    db = tmp_path / "archive.db"
    with small_portal(layout.answer, tmp_path) as csv_path:
        first = crawl(csv_path, db, tmp_path / "crawl1.log")
        if change == "column renamed":
            layout.column = "年度工作"
        elif change == "list markup changed":
            layout.markup = "buttons"
        else:
            layout.reports = 2
        second = crawl(csv_path, db, tmp_path / "crawl2.log")
    assert first.returncode == 0, first.stderr + (tmp_path / "crawl1.log").read_text()
    assert second.returncode == 1, second.stderr
    conn = sqlite3.connect(db)
    runs = conn.execute("SELECT run_id, reports_listed, reports_new, lists_read, report_column_found, failures "
                        "FROM portal_runs WHERE portal = '示例县' ORDER BY run_id").fetchall()
    after = {"column renamed": (0, 0, 0), "list markup changed": (0, 1, 1),
             "half the reports gone": (2, 1, 1)}[change]
    assert runs[0][1:] == (6, 6, 1, 1, 0)
    assert (runs[1][1], runs[1][3], runs[1][4]) == after
    alarms = conn.execute("SELECT run_id, portal, kind, before, after FROM alarms ORDER BY id").fetchall()
    expected = {"column renamed": [("column_missing", 1, 0), ("no_reports", 6, 0)],
                "list markup changed": [("no_reports", 6, 0)],
                "half the reports gone": [("reports_dropped", 6, 2)]}[change]
    assert alarms == [(runs[1][0], "示例县", *kind) for kind in expected]
    log = (tmp_path / "crawl2.log").read_text(encoding="utf-8")
    lines = [line for line in log.splitlines() if "alarm(s)" in line]
    assert len(lines) == 1 and "示例县" in lines[0] and expected[0][0] in lines[0]
    assert "alarm(s)" not in (tmp_path / "crawl1.log").read_text(encoding="utf-8")


@pytest.mark.e2e
def test_an_unchanged_second_crawl_raises_nothing(tmp_path):
    """The second night revisits no report (kept recently): they are still listed, so no alarm."""
    layout = Layout(reports=4)
    db = tmp_path / "archive.db"
    with small_portal(layout.answer, tmp_path) as csv_path:
        codes = [crawl(csv_path, db, tmp_path / f"crawl{n}.log").returncode for n in (1, 2)]
    assert codes == [0, 0]
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT reports_listed, reports_new FROM portal_runs ORDER BY run_id").fetchall() == \
        [(4, 4), (4, 0)]
    assert conn.execute("SELECT count(*) FROM alarms").fetchone()[0] == 0


# -- where the operator looks: Datasette's home page and the alarms query ------------------------

def test_the_alarms_are_on_the_home_page_and_in_a_canned_query(tmp_path):
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT, free_port, get_json, wait_for_http

    db = tmp_path / "archive.db"
    archive = Archive(db)
    archive.save_portals([type("P", (), {"name": "示例县", "url": "http://127.0.0.1:9/", "host": "127.0.0.1:9",
                                          "region_code": "", "province": "", "city": "", "level": ""})()])
    first, second = archive.start_run(1), archive.start_run(1)
    archive.save_portal_runs([GOOD.row(first), run(0, column=False).row(second)])
    archive.save_alarms(second, layout_alarms(run(0, column=False), GOOD))
    archive.close()
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "nianbao.cli", "serve", "--db", str(db), "--port", str(port)],
                              cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(url + "/-/versions.json")
        import urllib.request

        home = urllib.request.urlopen(url + "/", timeout=30).read().decode("utf-8")
        assert "The last crawl raised 2 layout-changed alarms" in home
        assert "/archive/layout_alarms" in home and "/archive/alarms" in home
        rows = get_json(url + "/archive/layout_alarms.json?_shape=array")
        assert [(r["portal"], r["kind"], r["before"], r["after"]) for r in rows] == \
            [("示例县", "column_missing", 1, 0), ("示例县", "no_reports", 10, 0)]
        table = get_json(url + "/archive/alarms.json?_shape=array&_sort=kind")
        assert len(table) == 2
    finally:
        server.terminate()
        server.wait(timeout=10)
