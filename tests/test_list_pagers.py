"""The pagers only a reader of their CMS family can follow, each on a loopback portal:
a 博达 VSB list whose pager shows a few page numbers and a jump box
(``_simple_list_gotopage_fun(N, …)``), and JSP lists paged by ``javascript:goPage(n)`` over a
POSTed form or by setting ``location.href``. Every report on every page is archived once; fetches.via names the reader."""

import sqlite3

import pytest

from tests.conftest import run_cli
from tests.loopback import HTML, REPORT, page, serve

pytestmark = pytest.mark.e2e

PAGES, PER_PAGE = 5, 2


def titles(county):
    return [f"{county}{2023 - k}年政府信息公开工作年度报告" for k in range(PAGES * PER_PAGE)]


def rows(items):
    return "".join(f'<li><a href="/art/{t[2:6]}.htm" title="{t}">{t}</a></li>' for t in items)


def report_or_none(asked, items):
    for title in items:
        if asked.path == f"/art/{title[2:6]}.htm":
            return 200, HTML, REPORT.format(title=title)
    return 404, HTML, ""


def vsb(asked):
    """ndbg.htm is page 1, ndbg/4.htm … ndbg/1.htm the others; the pager links only the next two."""
    items = titles("癸县")
    if asked.path == "/":
        return 200, HTML, page('<a href="/xxgk/ndbg.htm">政府信息公开年报</a>')
    number = 1 if asked.path == "/xxgk/ndbg.htm" else None
    if asked.path.startswith("/xxgk/ndbg/") and asked.path.endswith(".htm"):
        number = PAGES - int(asked.path.rsplit("/", 1)[1][:-4]) + 1
    if number is None:
        return report_or_none(asked, items)
    path = lambda k: "/xxgk/ndbg.htm" if k == 1 else f"/xxgk/ndbg/{PAGES - k + 1}.htm"  # noqa: E731
    shown = " ".join(f'<a href="{path(k)}">{k}</a>' for k in range(number + 1, min(number + 2, PAGES) + 1))
    pager = (f'<div class="pb_sys_common">共{PAGES * PER_PAGE}条 {number}/{PAGES} {shown} ... '
             f'<input id="u8_goto" value="{number}"><a href="javascript:;" '
             f"onclick=\"_simple_list_gotopage_fun({PAGES},'u8_goto',2)\">跳转</a></div>")
    return 200, HTML, page(f"<ul>{rows(items[(number - 1) * PER_PAGE: number * PER_PAGE])}</ul>{pager}")


def jsp(asked):
    """list.jsp answers page 1 to a GET and any page to the POSTed form."""
    items = titles("子县")
    if asked.path == "/":
        return 200, HTML, page('<a href="/nb/list.jsp">政府信息公开年报</a>')
    if asked.path != "/nb/list.jsp":
        return report_or_none(asked, items)
    if asked.method == "POST" and asked.form.get("channelId") != "12":
        return 400, HTML, page("缺少参数")
    number = int(asked.form.get("pageNo", 1))
    pager = (f'<form name="pageForm" action="list.jsp" method="post"><input type="hidden" name="channelId" value="12">'
             f'<input type="hidden" name="pageNo" value="{number}"></form>'
             f'共{PAGES}页 当前第{number}页 <a href="javascript:goPage({number + 1})">下一页</a>'
             "<script>function goPage(n){document.pageForm.pageNo.value=n;document.pageForm.submit();}</script>")
    return 200, HTML, page(f"<ul>{rows(items[(number - 1) * PER_PAGE: number * PER_PAGE])}</ul>{pager}")


def jsp_href(asked):
    """list.jsp?channelId=9&pageIndex=n, reached only through goPage(n) setting location.href."""
    items = titles("丑县")
    if asked.path == "/":
        return 200, HTML, page('<a href="/nb/list.jsp?channelId=9">政府信息公开年报</a>')
    if asked.path != "/nb/list.jsp":
        return report_or_none(asked, items)
    number = int(asked.query.get("pageIndex", 1))
    pager = (f'第{number}/{PAGES}页 <a href="javascript:void(0)" onclick="goPage({number + 1})">下一页</a>'
             '<script>var channel = "9"; function goPage(n) { window.location.href = '
             '"list.jsp?channelId=" + channel + "&pageIndex=" + n; }</script>')
    return 200, HTML, page(f"<ul>{rows(items[(number - 1) * PER_PAGE: number * PER_PAGE])}</ul>{pager}")


@pytest.mark.parametrize("name,answer,via", [("vsb", vsb, "vsb-pager"), ("jsp", jsp, "jsp-pager"),
                                             ("jsp-href", jsp_href, "jsp-pager")])
def test_pagers_of_cms_families(tmp_path, name, answer, via):
    with serve({name: answer}, tmp_path) as (csv_path, asked):
        result = run_cli("crawl", "--portals", csv_path, "--db", tmp_path / "a.db", "--no-robots",
                         "--log-file", tmp_path / "log")
    assert result.returncode == 0, (tmp_path / "log").read_text()[-3000:]
    county = {"vsb": "癸县", "jsp": "子县", "jsp-href": "丑县"}[name]
    with sqlite3.connect(tmp_path / "a.db") as conn:
        got = sorted(t for (t,) in conn.execute("SELECT title FROM reports"))
        list_vias = {v for (v,) in conn.execute("SELECT via FROM fetches WHERE kind = 'list'")}
        renders = conn.execute("SELECT browser_renders FROM crawl_runs").fetchone()[0]
    assert got == sorted(titles(county))
    assert via in list_vias and renders == 0
    lists = [a for a in asked[name] if not a.path.startswith("/art/") and a.path != "/"]
    assert len(lists) == PAGES  # each page once
