"""JSON list APIs paged the way their scripts page them (issue 12, item 2): one loopback
portal per variant, each listing five reports and one notice over three pages of its API. The
crawl must ask for every page (GET with the page in the query, POST with a form or JSON body),
archive every report exactly once and nothing else, without starting a browser."""

import json
import math
import sqlite3

import pytest

from tests.conftest import run_cli
from tests.loopback import HTML, JSON, REPORT, page, serve

pytestmark = pytest.mark.e2e

PER_PAGE = 2
YEARS = (2023, 2022, 2021, 2020, 2019)
NOTICE = "{county}关于做好2023年政府信息公开工作年度报告编制工作的通知"  # a non-report, on page 2


def planted(county):
    items = [(f"{county}{year}年政府信息公开工作年度报告", f"/art/{year}.html") for year in YEARS]
    items.insert(2, (NOTICE.format(county=county), "/art/notice.html"))
    return items


class ApiPortal:
    """Home → 政府信息公开年报 column (an empty list and a script) → the API → report pages."""

    def __init__(self, county, script, page_of, pack, *, method="GET", body=None, wrap=None):
        self.county, self.script, self.page_of, self.pack, self.wrap = county, script, page_of, pack, wrap
        self.method, self.body = method, body  # body: "form" or "json" for a POST API
        self.items = planted(county)
        self.pages = math.ceil(len(self.items) / PER_PAGE)

    def __call__(self, asked):
        if asked.path == "/":
            return 200, HTML, page('<a href="/nb/">政府信息公开年报</a><a href="/about/">关于我们</a>')
        if asked.path == "/nb/":
            return 200, HTML, page(f'<ul id="list"></ul><script src="/js/jquery.js"></script>'
                                   f"<script>{self.script}</script>")
        if asked.path.startswith("/art/"):
            title = next(t for t, u in self.items if u == asked.path)
            return 200, HTML, REPORT.format(title=title)
        if asked.path.startswith("/api/"):
            if asked.method != self.method or (self.body == "json" and asked.json is None) \
                    or (self.body == "form" and not asked.form):
                return 405, JSON, json.dumps({"error": "method"})
            number = self.page_of(asked)
            chunk = self.items[(number - 1) * PER_PAGE: number * PER_PAGE]
            text = json.dumps(self.pack(chunk, number, self.pages, len(self.items)), ensure_ascii=False)
            if self.wrap == "jsonp":
                return 200, "application/javascript; charset=utf-8", f"{asked.query['callback']}({text});"
            return 200, JSON, text
        return 404, HTML, ""


def titled(chunk, title="title", url="url"):
    return [{title: t, url: u, "pubDate": "2024-01-20"} for t, u in chunk]


VARIANTS = {
    # "/api/list?col=ndbg&page=" + page, the page declared; {"pageCount": N}
    "concat-page": ApiPortal(
        "甲县", 'var page = 1; $.getJSON("/api/list?col=ndbg&page=" + page, function (d) { show(d.list); });',
        lambda a: int(a.query["page"]),
        lambda chunk, n, pages, total: {"pageCount": pages, "list": titled(chunk)}),
    # '…&pageNo=' + n, n a function's parameter; {"data": {"totalPage": N}}
    "concat-pageNo": ApiPortal(
        "乙县", "function load(n) { return fetch('/api/docs?channel=nb&pageNo=' + n).then(r => r.json()); } load(1);",
        lambda a: int(a.query["pageNo"]),
        lambda chunk, n, pages, total: {"code": 0, "data": {"totalPage": pages,
                                                              "records": titled(chunk, "docTitle", "docUrl")}}),
    # the page in a literal query string; {"total": T, "pageSize": S}
    "total-pageSize": ApiPortal(
        "丙县", '$.ajax({url: "/api/list.json?pageIndex=1&pageSize=2", dataType: "json", success: show});',
        lambda a: int(a.query["pageIndex"]),
        lambda chunk, n, pages, total: {"total": total, "pageSize": PER_PAGE, "rows": titled(chunk)}),
    # axios params with currentPage; only {"hasNext": true} under data
    "hasNext": ApiPortal(
        "丁县", "axios.get('/api/articles', {params: {column: 'ndbg', currentPage: 1}}).then(show);",
        lambda a: int(a.query["currentPage"]),
        lambda chunk, n, pages, total: {"data": {"hasNext": n < pages, "items": titled(chunk, "name", "link")}}),
    # start/limit offsets; {"totalCount": T}
    "offsets": ApiPortal(
        "戊县", '$.get("/api/list.do?start=0&limit=2&col=nb", show);',
        lambda a: int(a.query["start"]) // int(a.query["limit"]) + 1,
        lambda chunk, n, pages, total: {"totalCount": total, "data": titled(chunk)}),
    # pages counted from 0 ("…&page=" + p, var p = 0); {"totalPages": N, "number": 0}
    "zero-based": ApiPortal(
        "己县", 'var p = 0; fetch("/api/search?size=2&page=" + p).then(function (r) { return r.json(); });',
        lambda a: int(a.query["page"]) + 1,
        lambda chunk, n, pages, total: {"content": titled(chunk), "totalPages": pages, "number": n - 1}),
    # $.ajax POST with a form body: data {col, pageNo}
    "post-form": ApiPortal(
        "庚县", "$.ajax({url:'/api/list', type:'POST', data:{col:'ndbg', pageNo:1}, success: show});",
        lambda a: int(a.form["pageNo"]),
        lambda chunk, n, pages, total: {"pageCount": pages, "list": titled(chunk)}, method="POST", body="form"),
    # fetch POST with a JSON body: JSON.stringify({pageIndex, col}); {"data": {"total", "pageSize"}}
    "post-json": ApiPortal(
        "辛县", "fetch('/api/list', {method: 'POST', headers: {'Content-Type': 'application/json'}, "
                "body: JSON.stringify({pageIndex: 1, col: 'ndbg'})}).then(function (r) { return r.json(); });",
        lambda a: int(a.json["pageIndex"]),
        lambda chunk, n, pages, total: {"data": {"total": total, "pageSize": PER_PAGE, "list": titled(chunk)}},
        method="POST", body="json"),
    # JSONP: "&callback=?" as jQuery writes it, answered as cb({...}) in application/javascript
    "jsonp": ApiPortal(
        "卯县", 'var page = 1; $.getJSON("/api/jsonp?col=nb&page=" + page + "&callback=?", show);',
        lambda a: int(a.query["page"]),
        lambda chunk, n, pages, total: {"pageCount": pages, "list": titled(chunk)}, wrap="jsonp"),
}


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    directory = tmp_path_factory.mktemp("apis")
    with serve(VARIANTS, directory) as (csv_path, asked):
        result = run_cli("crawl", "--portals", csv_path, "--db", directory / "a.db", "--no-robots",
                         "--log-file", directory / "log")
    return {"result": result, "db": directory / "a.db", "asked": asked, "log": directory / "log"}


def query(db, sql, params=()):
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def test_crawl_succeeds_without_a_browser(crawl):
    assert crawl["result"].returncode == 0, crawl["log"].read_text()[-3000:]
    assert query(crawl["db"], "SELECT errors, browser_renders FROM crawl_runs") == [(0, 0)]


def test_every_planted_report_on_every_page_is_archived_once(crawl):
    titles = sorted(t for (t,) in query(crawl["db"], "SELECT title FROM reports"))
    wanted = sorted(t for portal in VARIANTS.values() for t, _ in portal.items if "通知" not in t)
    assert titles == wanted
    notices = [t for t in titles if "通知" in t]
    assert notices == []


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_each_api_page_is_asked_once_the_scripts_way(crawl, name):
    portal = VARIANTS[name]
    api = [a for a in crawl["asked"][name] if a.path.startswith("/api/")]
    assert sorted(portal.page_of(a) for a in api) == list(range(1, portal.pages + 1)), api
    assert {a.method for a in api} == {portal.method}
    reports = query(crawl["db"], "SELECT count(*), min(f.via) FROM fetches f WHERE f.portal = ? AND f.kind = 'report'",
                    (name,))
    assert reports == [(len(YEARS), "json")]


def test_post_pages_are_recorded_one_row_each(crawl):
    rows = query(crawl["db"], "SELECT url, via, status FROM pages WHERE portal = 'post-json' AND url LIKE '%/api/%'")
    assert len(rows) == 3 and {(via, status) for _, via, status in rows} == {("json", 200)}
    assert sorted(json.loads(url.split("#POST:", 1)[1])["pageIndex"] for url, _, _ in rows) == [1, 2, 3]


def test_api_pages_are_bounded_by_the_page_budget(tmp_path):
    """An API that claims 500 pages: the crawl asks for no more than the budget."""
    def pack(chunk, n, pages, total):
        return {"pageCount": 500, "list": titled(chunk)}

    endless = ApiPortal("壬县", 'var page = 1; $.getJSON("/api/list?page=" + page, show);',
                        lambda a: int(a.query["page"]), pack)
    with serve({"endless": endless}, tmp_path) as (csv_path, asked):
        result = run_cli("crawl", "--portals", csv_path, "--db", tmp_path / "a.db", "--no-robots",
                         "-s", "NIANBAO_PAGE_BUDGET=12", "--log-file", tmp_path / "log")
    assert result.returncode == 1  # the budget was reached
    assert len(asked["endless"]) <= 12
    assert query(tmp_path / "a.db", "SELECT budget_refused > 0 FROM crawl_runs") == [(1,)]
