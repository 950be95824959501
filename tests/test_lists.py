"""The list readers of crawler/lists/ on page and answer texts: which reader detects what,
the requests each makes, how scripts' data calls are read and how answers' paging is."""

import doctest
import importlib
import json
import pkgutil

import pytest
from hypothesis import given, settings, strategies as st

import crawler.lists
from crawler.lists import READERS, ListPage, next_pages, read_answer
from crawler.lists.json_api import paging
from crawler.lists.script_calls import PAGE, script_calls

MODULES = ["crawler.lists"] + [f"crawler.lists.{m.name}" for m in pkgutil.iter_modules(crawler.lists.__path__)]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0


def test_every_reader_has_a_name_a_detect_step_and_next_pages():
    names = [reader.NAME for reader in READERS]
    assert len(set(names)) == len(names)
    assert names[-2:] == ["json", "browser"]  # the last resorts, in that order
    for reader in READERS:
        assert callable(reader.detect) and callable(reader.next_pages)


def vias(html, url="http://h/nb/index.html", **kw):
    return [(r.via, r.url) for r in next_pages(ListPage(url, html, **kw))]


def test_pager_readers_run_together_and_the_last_resorts_only_alone():
    html = ('<script>createPageHTML(2, 0, "index", "html");</script><a href="index_1.html">下一页</a>'
            '<iframe src="/frame/list.jsp?page=1"></iframe><script>$.getJSON("/api/list.json")</script>')
    assert vias(html) == [("script-pager", "http://h/nb/index_1.html"),
                          ("iframe", "http://h/frame/list.jsp?page=1")]  # the pager link is the same page
    assert vias('<script>$.getJSON("/api/list.json")</script>') == [("json", "http://h/api/list.json")]
    assert vias('<div id="app"></div><script>render()</script>') == [("browser", "http://h/nb/index.html")]
    assert vias('<div id="app"></div><script>render()</script>', rendered=True) == []


def test_a_page_showing_reports_is_not_probed_further():
    from crawler.discover import Link
    report = Link("http://h/art/1.html", "甲县2023年政府信息公开工作年度报告")
    assert vias('<script>$.getJSON("/api/list.json")</script>', reports=(report,)) == []


@pytest.mark.parametrize("script,expected", [
    ('var page = 1; $.getJSON("/api/list?col=ndbg&page=" + page, f)', [("GET", "/api/list?col=ndbg&page=1", None, None)]),
    ("function l(n) { fetch('/api/docs?pageNo=' + n) }", [("GET", f"/api/docs?pageNo={PAGE}", None, None)]),
    ("var col = 'nb'; fetch(`/api/x?col=${col}&page=${p}`)", [("GET", f"/api/x?col=nb&page={PAGE}", None, None)]),
    ("$.ajax({url:'/api/list', type:'POST', data:{col:'ndbg', pageNo:1}})",
     [("POST", "/api/list", {"col": "ndbg", "pageNo": 1}, "form")]),
    ("$.ajax({url:'/api/list', method:'post', contentType:'application/json', data: JSON.stringify({page: 1})})",
     [("POST", "/api/list", {"page": 1}, "json")]),
    ("fetch('/api/list', {method: 'POST', body: JSON.stringify({pageIndex: 1, size: 10})})",
     [("POST", "/api/list", {"pageIndex": 1, "size": 10}, "json")]),
    ("fetch('/api/list', {method: 'POST', body: 'col=nb&curPage=1'})",
     [("POST", "/api/list", {"col": "nb", "curPage": "1"}, "form")]),
    ("$.post('/api/list.do', {currentPage: 1})", [("POST", "/api/list.do", {"currentPage": 1}, "form")]),
    ("axios.post('/api/list', {pageNo: 1})", [("POST", "/api/list", {"pageNo": 1}, "json")]),
    ('var legacy = "/api/old.json";', [("GET", "/api/old.json", None, None)]),
    ("document.title = 'x'; show(1);", []),
    ('fetch("/" + ["api", "column", el.getAttribute("data-column")].join("/") + "." + "js" + "on")', []),
])
def test_script_calls(script, expected):
    assert [(c.method, c.url, c.body, c.body_format) for c in script_calls(script)] == expected


def test_context_paths_and_undeclared_values():
    request = first_request("axios.post(ctx + '/api/list', {pageNum: this.pageNum, pageSize: 10, kw: this.kw, col: ''})")
    assert (request.url, json.loads(request.body)) == ("http://h/api/list", {"pageNum": 1, "pageSize": 10, "col": ""})


def test_get_data_goes_to_the_query_and_a_post_keeps_its_url():
    [call] = script_calls("$.getJSON('/api/list', {col: 'nb', page: 1}, show)")
    assert (call.url, call.query) == ("/api/list", {"col": "nb", "page": 1})
    [first] = vias("<script>$.getJSON('/api/list', {col: 'nb', page: 1}, show)</script>")
    assert first == ("json", "http://h/api/list?col=nb&page=1")


@pytest.mark.parametrize("answer,expected", [
    ({"pageCount": 3, "list": []}, {"count": 3}),
    ({"code": 0, "data": {"totalPage": 4, "records": [{"count": 99}]}}, {"count": 4}),
    ({"data": {"page": {"totalPages": "5"}}}, {"count": 5}),
    ({"total": 41, "pageSize": 20}, {"total": 41, "size": 20}),
    ({"data": {"hasNext": False}}, {"has_next": False}),
    ({"last": False, "number": 0}, {"has_next": True}),
    ({"pages": [1, 2], "list": [{"pageCount": 7}]}, {}),  # items and lists are not paging
])
def test_paging_of_answers(answer, expected):
    found = {k: v for k, v in paging(answer).items() if k in ("count", "total", "size", "has_next")}
    assert found == expected


def first_request(script):
    [request] = next_pages(ListPage("http://h/nb/", f"<script>{script}</script>"))
    return request


def answer(items, **paging_fields):
    return json.dumps({"list": [{"title": f"甲县{y}年政府信息公开工作年度报告", "url": f"/art/{y}.html"} for y in items],
                       **paging_fields})


def test_pages_follow_from_page_count_and_each_answer_asks_only_for_later_pages():
    first = first_request('$.getJSON("/api/list?col=nb&pageNo=" + n)')
    links, more = read_answer("json", answer([2023, 2022], pageCount=3), first.url, first.state)
    assert [link.url for link in links] == ["http://h/art/2023.html", "http://h/art/2022.html"]
    assert [r.url for r in more] == ["http://h/api/list?col=nb&pageNo=2", "http://h/api/list?col=nb&pageNo=3"]
    _, after = read_answer("json", answer([2021], pageCount=3), more[1].url, more[1].state)
    assert after == []


def test_a_huge_page_count_is_asked_for_a_window_at_a_time():
    from crawler.lists.json_api import MAX_PAGES
    first = first_request('$.getJSON("/api/list?page=" + n)')
    _, more = read_answer("json", answer([2023], pageCount=10**9), first.url, first.state)
    assert len(more) == MAX_PAGES and more[-1].url.endswith(f"page={MAX_PAGES + 1}")
    assert read_answer("json", answer([2022], pageCount=10**9), more[0].url, more[0].state)[1] == []
    _, window = read_answer("json", answer([2021], pageCount=10**9), more[-1].url, more[-1].state)
    assert window[0].url.endswith(f"page={MAX_PAGES + 2}") and len(window) == MAX_PAGES


def test_offsets_and_totals():
    first = first_request('$.get("/api/list.do?start=0&limit=10", show)')
    _, more = read_answer("json", answer([2023], totalCount=25), first.url, first.state)
    assert [r.url for r in more] == ["http://h/api/list.do?start=10&limit=10", "http://h/api/list.do?start=20&limit=10"]


def test_a_total_with_the_page_size_the_request_named():
    first = first_request('$.getJSON("/api/list?pageIndex=1&pageSize=4")')
    _, more = read_answer("json", answer([2023], data={"total": "9"}), first.url, first.state)
    assert [r.url for r in more] == ["http://h/api/list?pageIndex=2&pageSize=4", "http://h/api/list?pageIndex=3&pageSize=4"]


def test_has_next_asks_one_page_at_a_time_and_stops():
    first = first_request("axios.get('/api/a', {params: {currentPage: 1}})")
    _, more = read_answer("json", answer([2023], hasNext=True), first.url, first.state)
    assert [r.url for r in more] == ["http://h/api/a?currentPage=2"]
    assert read_answer("json", answer([2022], hasNext=False), more[0].url, more[0].state)[1] == []
    assert read_answer("json", answer([], hasNext=True), more[0].url, more[0].state)[1] == []  # nothing listed


def test_post_bodies_carry_the_page_and_differ_in_their_keys():
    first = first_request("fetch('/api/list', {method: 'POST', body: JSON.stringify({pageIndex: 1, col: 'nb'})})")
    assert (first.method, json.loads(first.body), first.content_type) == (
        "POST", {"pageIndex": 1, "col": "nb"}, "application/json")
    _, more = read_answer("json", answer([2023], data={"total": 3, "pageSize": 1}), first.url, first.state)
    assert [json.loads(r.body)["pageIndex"] for r in more] == [2, 3]
    assert len({r.key for r in [first, *more]}) == 3 and all(r.url == "http://h/api/list" for r in more)
    form = first_request("$.ajax({url:'/api/list', type:'POST', data:{col:'nb', pageNo:1}})")
    _, more = read_answer("json", answer([2023], pageCount=2), form.url, form.state)
    assert [(r.body, r.content_type) for r in more] == [("col=nb&pageNo=2", "application/x-www-form-urlencoded")]


def test_an_api_without_a_page_parameter_is_paged_with_the_answers_own_key():
    first = first_request('$.getJSON("/api/list.json")')
    _, more = read_answer("json", answer([2023], pageCount=2, pageNo=1), first.url, first.state)
    assert [r.url for r in more] == ["http://h/api/list.json?pageNo=2"]
    assert read_answer("json", answer([2023]), first.url, first.state)[1] == []  # no paging: nothing guessed


def test_bad_answers_list_nothing():
    assert read_answer("json", "<html>not json</html>", "http://h/api/x", None) == ([], [])
    assert read_answer("json", '{"pageCount": "many"}', "http://h/api/x", None) == ([], [])


def test_html_inside_an_answer_is_read():
    text = json.dumps({"html": "<li><a href='/art/1.html'>甲县2023年政府信息公开工作年度报告</a></li>", "pageCount": 1})
    links, _ = read_answer("json", text, "http://h/api/x", None)
    assert [(link.url, link.text) for link in links] == [("http://h/art/1.html", "甲县2023年政府信息公开工作年度报告")]


def test_form_pager_and_vsb_pager():
    jsp = ('<form action="list.jsp" method="get"><input type="hidden" name="columnId" value="7">'
           '<input type="hidden" name="curPage" value="2"></form>第2/3页 <a href="javascript:goPage(3)">下一页</a>')
    assert vias(jsp, "http://h/nb/list.jsp") == [("jsp-pager", "http://h/nb/list.jsp?columnId=7&curPage=3")]
    vsb = "<script>function go(){_simple_list_gotopage_fun(3,'u8_goto',2)}</script>"
    assert vias(vsb, "http://h/xxgk/ndbg/1.htm") == [("vsb-pager", "http://h/xxgk/ndbg/2.htm"),
                                                   ("vsb-pager", "http://h/xxgk/ndbg/1.htm")]


# ---- hostile input: any page text or answer gives requests or nothing, never an exception --------


JS_BITS = st.sampled_from(["fetch(", "$.ajax({", "url:", "'/api/list?page='", "+", "n", ")", "}", "{", ",", "'",
                           '"', "`${", "JSON.stringify(", "data:{pageNo:1}", "type:'POST'", "createPageHTML(",
                           "_simple_list_gotopage_fun(", "共9页", "²", "9", 'createPageHTML(²,0,"i","h")',
                           "<form action=x><input name=pageNo>", "location.href=", "\\", "\x00"])


@settings(max_examples=300, deadline=None)
@given(st.lists(JS_BITS | st.text(max_size=8), max_size=30))
def test_any_script_text_is_read_without_error(bits):
    script = "".join(bits)
    for request in next_pages(ListPage("http://h/nb/", f"<script>{script}</script><p>{script}</p>")):
        assert request.url.startswith("http") and request.via


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.text(max_size=10),
                           lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.sampled_from(["pageCount", "total", "pageSize", "hasNext", "data",
                                                              "list", "title", "url", "pageNo", "last", "x"]),
                                             inner, max_size=5), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_any_answer_is_read_without_error(data):
    first = first_request('$.getJSON("/api/list?page=" + n)')
    links, more = read_answer("json", json.dumps(data), first.url, first.state)
    assert len(more) <= 1000 and all(r.url.startswith("http://h/api/list?page=") for r in more)
