"""End to end: the offline portals on 127.0.0.x, the real crawl (Scrapy, and Chromium for
the JavaScript-built list), a real SQLite archive, checked row by row against
nianbao/demo/expected.json."""

import sqlite3
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.e2e


def query(db, sql, params=()):
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def planted(expected):
    for portal in expected["portals"]:
        for report in portal["reports"]:
            yield portal, report


def report_row(crawled, portal, report):
    rows = query(crawled["db"],
                 "SELECT DISTINCT r.id, r.agency, r.year, r.publisher, r.published_date, r.template, r.title, u.url "
                 "FROM reports r JOIN report_urls u ON u.report_id = r.id WHERE u.url LIKE ?",
                 (f"%{portal['host']}%{report['path']}%",))
    rows = {row[:-1] for row in rows if urlsplit(row[-1]).path == urlsplit(report["path"]).path}
    assert len(rows) == 1, f"{report['title']} ({report['path']}): {rows}"
    return rows.pop()


def test_every_url_of_a_report_is_recorded(crawled, expected):
    for portal, report in planted(expected):
        report_id = report_row(crawled, portal, report)[0]
        urls = {urlsplit(u).path + (f"?{urlsplit(u).query}" if urlsplit(u).query else "")
                for (u,) in query(crawled["db"], "SELECT url FROM report_urls WHERE report_id = ?", (report_id,))}
        for also in report.get("also_at", []):
            if urlsplit(also).query and not urlsplit(also).query.startswith(("from=", "utm_")):
                assert also in urls, (report["title"], also)
            else:  # tracking parameters are dropped: the URL is the report's own
                assert urlsplit(also).path in {u.split("?")[0] for u in urls}, (report["title"], also)


def test_crawl_exits_cleanly_both_times(crawled):
    assert crawled["first"].returncode == 0, crawled["first"].stderr[-3000:]
    assert crawled["second"].returncode == 0, crawled["second"].stderr[-3000:]


def test_every_planted_report_is_archived_exactly_once(crawled, expected):
    wanted = sorted(report["title"] for _, report in planted(expected))
    titles = sorted(row[0] for row in query(crawled["db"], "SELECT title FROM reports"))
    assert titles == wanted


@pytest.mark.parametrize("field", ["agency", "year", "publisher", "published_date", "template"])
def test_report_metadata(crawled, expected, field):
    column = {"agency": 1, "year": 2, "publisher": 3, "published_date": 4, "template": 5}[field]
    got = {report["title"]: report_row(crawled, portal, report)[column] for portal, report in planted(expected)}
    assert got == {report["title"]: report[field] for _, report in planted(expected)}


def test_no_non_report_is_archived(crawled, expected):
    urls = [row[0] for row in query(crawled["db"], "SELECT url FROM report_urls")]
    titles = [row[0] for row in query(crawled["db"], "SELECT title FROM reports")]
    for portal in expected["portals"]:
        for item in portal["non_reports"]:
            assert item["title"] not in titles
            if "path" in item:
                assert not [u for u in urls if urlsplit(u).path == item["path"]]


def test_other_hosts_are_never_fetched(crawled, expected):
    hosts = {portal["host"] for portal in expected["portals"]}
    fetched = {urlsplit(row[0]).hostname for row in query(crawled["db"], "SELECT url FROM pages")}
    assert fetched <= hosts


@pytest.mark.parametrize("table,keys", [
    ("applications", ("row_code", "applicant")),
    ("active_disclosure", ("item", "content", "metric")),
    ("reviews", ("proceeding", "result")),
    ("legacy_stats", ("indicator", "unit")),
])
def test_table_values(crawled, expected, table, keys):
    checked = 0
    for portal, report in planted(expected):
        report_id = report_row(crawled, portal, report)[0]
        for value in report["values"]:
            if value["table"] != table:
                continue
            where = " AND ".join(f"{k} = ?" for k in keys)
            rows = query(crawled["db"], f"SELECT value FROM {table} WHERE report_id = ? AND {where}",
                         (report_id, *[value[k] for k in keys]))
            assert rows == [(value["value"],)], f"{report['title']}: {value}"
            checked += 1
    assert checked >= 3


def test_planted_problems_are_flagged_and_nothing_else(crawled, expected):
    for portal, report in planted(expected):
        report_id = report_row(crawled, portal, report)[0]
        failed = query(crawled["db"], "SELECT check_name, detail FROM checks WHERE report_id = ? AND passed = 0",
                       (report_id,))
        wanted = set(report.get("failing_checks", [])) | ({"balance"} if report["inconsistent"] else set())
        assert {name for name, _ in failed} == wanted, (report["title"], failed)
        if report["inconsistent"]:
            assert any("自然人" in detail for name, detail in failed if name == "balance")


def test_no_boilerplate_in_report_text(crawled, expected):
    unreadable = {r["title"] for _, r in planted(expected) if "unreadable_format" in r.get("failing_checks", [])}
    for (title, text) in query(crawled["db"], "SELECT title, text FROM reports"):
        assert text and (len(text) > 200 or title in unreadable), title
        for phrase in expected["boilerplate"]:
            assert phrase not in text, f"{title}: {phrase}"


def test_second_crawl_adds_nothing_and_fetches_little(crawled):
    runs = query(crawled["db"], "SELECT new_reports, changed_reports, errors, exit_status FROM crawl_runs ORDER BY id")
    assert len(runs) == 2
    assert runs[1] == (0, 0, 0, "ok")
    first_requests = query(crawled["db"], "SELECT requests FROM crawl_runs WHERE id = 1")[0][0]
    full_fetches = query(crawled["db"], "SELECT count(*) FROM pages WHERE run_id = 2 AND status = 200")[0][0]
    assert full_fetches <= 0.1 * first_requests, (full_fetches, first_requests)
    assert runs[0][0] == query(crawled["db"], "SELECT count(*) FROM reports")[0][0]
    duplicates = query(crawled["db"], "SELECT report_id, check_name, count(*) FROM checks GROUP BY 1, 2 HAVING count(*) > 1")
    assert duplicates == []


def list_ways(portal) -> set:
    return {way for column in portal["columns"] for way in column["list_via"]}


def test_browser_only_where_nothing_else_finds_the_list(crawled, expected):
    rendered = {name for (name,) in query(crawled["db"], "SELECT DISTINCT portal FROM fetches "
                                                        "WHERE via = 'browser' AND kind IN ('column', 'list')")}
    assert rendered == {p["name"] for p in expected["portals"] if "browser" in list_ways(p)}
    browser_columns = sum("browser" in c["list_via"] for p in expected["portals"] for c in p["columns"])
    renders = query(crawled["db"], "SELECT browser_renders FROM crawl_runs ORDER BY id")
    assert renders == [(browser_columns,), (browser_columns,)]  # nothing else starts the browser
    for portal in expected["portals"]:
        ways = {via for (via,) in query(crawled["db"], "SELECT DISTINCT via FROM fetches WHERE portal = ? "
                                                       "AND kind IN ('list', 'report')", (portal["name"],))}
        assert list_ways(portal) - {"static"} <= ways, (portal["name"], ways)


def test_gbk_portal_text_is_decoded(crawled, expected):
    gbk = [portal for portal in expected["portals"] if portal["encoding"].lower() in ("gbk", "gb18030", "gb2312")]
    assert gbk
    for portal in gbk:
        for report in portal["reports"]:
            row = report_row(crawled, portal, report)
            assert row[6] == report["title"]


def test_reparse_rebuilds_the_crawled_archive_without_network(crawled, tmp_path):
    """The portals are down by now: reparse reads only the kept documents."""
    import shutil

    from tests.conftest import run_cli

    copy = tmp_path / "copy.db"
    shutil.copy(crawled["db"], copy)
    shutil.copy(str(crawled["db"]).replace(".db", ".documents.db"), tmp_path / "copy.documents.db")
    with sqlite3.connect(copy) as conn:
        conn.execute("UPDATE applications_values SET value = -1")
        conn.execute("DELETE FROM checks")
    result = run_cli("reparse", "--db", copy)
    assert result.returncode == 0, result.stderr[-2000:]
    tables = ("reports", "applications", "active_disclosure", "reviews", "legacy_stats", "checks", "sections")
    for table in tables:
        columns = "*" if table != "reports" else "id, title, agency, year, publisher, published_date, template, text"
        original = query(crawled["db"], f"SELECT {columns} FROM {table} ORDER BY 1, 2, 3")
        assert query(copy, f"SELECT {columns} FROM {table} ORDER BY 1, 2, 3") == original, table
