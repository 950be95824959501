"""The link rules of crawler/discover.py, on real-looking titles and pages."""

import pytest

from crawler.discover import (attachment_links, canonical_url, is_disclosure_nav, is_report_column, is_report_title,
                              page_links, redirect_target)
from crawler.lists.browser import needs_browser
from crawler.lists.trs import script_pager_urls

# Titles of real reports (corpus/pingtan list page, corpus/excerpts, pages_corpus_report_urls.md) and variants.
REPORTS = [
    "平潭综合实验区2021年度政府信息公开工作年度报告",
    "平潭综合实验区2016年度政府信息公开工作年度报告",
    "中村乡2020年政府信息公开工作年度报告",
    "2021年度政府信息公开工作报告",
    "2021年政务公开年报",
    "二〇二一年政府信息公开工作年度报告",
    "始兴县人民政府2022年政府信息公开工作年度报告",
    "2020年度良口镇政府信息公开工作年度报告",
    "某县财政局2022年度政府信息公开工作报告",
    "黄陂区行政审批局2023年政府信息公开工作年度报告",
    "城口县人民政府机关2020年政府信息公开工作年度报告",
    "2012年南平市政府信息公开年度报告",
    "舒兰市市场监督管理局2016年政府信息公开工作年度报告",
    "2023年 政府信息公开 工作年度报告",
    "XX街道办事处2019年度政府信息公开工作年度报告",
    "2018年武汉市政府信息公开工作年度报告",
    "关于2022年度政府信息公开工作年度报告",
]
NOT_REPORTS = [
    "关于做好2021年度政府信息公开工作年度报告编制和报送工作的通知",
    "2022年政务公开工作要点",
    "政府信息公开指南",
    "平潭综合实验区政府信息公开制度",
    "2023年政府工作报告",
    "2022年国民经济和社会发展统计公报",
    "2014年政务公开工作要点的函",
    "政府信息公开年报",
    "2021年度政府信息公开工作年度报告解读",
    "图解：2021年政府信息公开工作年度报告",
    "关于印发2023年政务公开工作要点的通知",
    "信息公开年报",
]


@pytest.mark.parametrize("title", REPORTS)
def test_report_titles_are_recognised(title):
    assert is_report_title(title)


@pytest.mark.parametrize("title", NOT_REPORTS)
def test_other_items_are_rejected(title):
    assert not is_report_title(title)


@pytest.mark.parametrize("text,column", [
    ("政府信息公开年报", True), ("信息公开年报", True), ("年度报告", True), ("政务信息公开年报", True),
    ("部门年报", True), ("乡镇（街道）年报", True), ("2021年度", True),
    ("政府信息公开指南", False), ("政府工作报告", False), ("通知公告", False),
])
def test_report_columns(text, column):
    assert is_report_column(text) is column


@pytest.mark.parametrize("text,nav", [
    ("政府信息公开", True), ("政务公开", True), ("信息公开", True), ("法定主动公开内容", True),
    ("政府信息公开指南", False), ("依申请公开", False), ("办事服务", False), ("互动交流", False),
])
def test_disclosure_nav(text, nav):
    assert is_disclosure_nav(text) is nav


def test_trs_script_pager_builds_the_hidden_pages():
    html = '<script>var countPage = 3; createPageHTML(countPage, 0, "index", "html");</script>'
    assert script_pager_urls(html, "http://127.0.0.1/zwgk/nb/index.html") == [
        "http://127.0.0.1/zwgk/nb/index_1.html", "http://127.0.0.1/zwgk/nb/index_2.html"]
    assert script_pager_urls('<script>createPageHTML(2, 0, "index", "shtml")</script>',
                             "http://h/a/") == ["http://h/a/index_1.shtml"]


def test_links_use_title_attribute_and_read_hanweb_datastore():
    html = """<ul><li><a href="t1.htm" title="XX县2021年度政府信息公开工作年度报告">XX县2021年度政府信息…</a></li></ul>
    <script type="text/xml"><datastore><recordset>
    <record><![CDATA[<li><a href='/art/2022/3/1/art_12_34.html' title='2021年政务公开年报'>2021年政务公开年报</a></li>]]></record>
    </recordset></datastore></script>
    <iframe src="/list/frame.html"></iframe><a href="javascript:void(0)">x</a>"""
    links = page_links(html, "http://h/col/")
    assert {link.url: link.text for link in links} == {
        "http://h/col/t1.htm": "XX县2021年度政府信息公开工作年度报告",
        "http://h/list/frame.html": "",
        "http://h/art/2022/3/1/art_12_34.html": "2021年政务公开年报"}


def test_canonical_url_drops_tracking_and_fragment():
    assert canonical_url("http://H/a/t.htm?from=list&utm_source=x#top") == "http://h/a/t.htm"
    assert canonical_url("http://h/list?page=2") == "http://h/list?page=2"


def test_redirects_without_http():
    assert redirect_target('<meta http-equiv="refresh" content="0;url=/zwgk/">', "http://h/") == "http://h/zwgk/"
    assert redirect_target('<script>window.location.href="/new/index.html";</script>', "http://h/") == \
        "http://h/new/index.html"
    assert redirect_target("<p>plain</p>", "http://h/") is None
    # a pager function building an address is not a redirect
    assert redirect_target('<script>function goPage(n){location.href="list.jsp?page="+n;}</script>', "http://h/") is None


def test_needs_browser_only_for_scripted_empty_lists():
    assert needs_browser('<ul id="list"></ul><script src="/list.js"></script>', report_links=0)
    assert not needs_browser('<ul id="list"></ul><script src="/list.js"></script>', report_links=3)
    assert not needs_browser('<ul id="list"></ul>', report_links=0)


def test_more_link_is_named_by_its_box_and_xml_datastores_are_read():
    html = """<div class="box_title"><span>政府信息公开年报</span><a class="more" href="/nb/index.jsp">更多&gt;&gt;</a></div>
    <ul><li><a href="/x.html"><img src="i.png"></a></li></ul>"""
    links = {link.url: link.text for link in page_links(html, "http://h/")}
    assert is_report_column(links["http://h/nb/index.jsp"])
    assert links["http://h/x.html"] == ""
    xml = """<datastore><recordset><record><![CDATA[<li><a href='/art/1.html' title='柳塘区2022年政务公开年报'>柳塘区2022年政务…</a></li>]]></record></recordset></datastore>"""
    assert [(link.url, link.text) for link in page_links(xml, "http://h/module/web/jpage/dataproxy.jsp")] == [
        ("http://h/art/1.html", "柳塘区2022年政务公开年报")]


@pytest.mark.parametrize("text", ["柳塘区2022年法治政府建设年度报告", "关于公布《柳塘区人民政府2022年政府信息公开工作年度报告》的通知",
                                  "2021年政府信息公开工作年度报告解读"])
def test_items_are_not_columns(text):
    assert not is_report_column(text)


def test_links_named_by_their_row_or_opened_by_script():
    html = """<table><tr><td>XX县2021年政府信息公开工作年度报告</td><td>2022-01-20</td>
    <td><a href="/info/1.htm">查看</a></td></tr></table>
    <ul><li><a href="javascript:void(0)" onclick="window.open('/art/2022/1/2/art_5_6.html')">2021年政务公开年报</a></li></ul>
    <iframe src="/pdfjs/web/viewer.html?file=/upload/2022/nb.pdf"></iframe>"""
    links = {link.url: link for link in page_links(html, "http://h/")}
    assert is_report_title(links["http://h/info/1.htm"].text)
    assert links["http://h/art/2022/1/2/art_5_6.html"].text == "2021年政务公开年报"
    viewer = "http://h/pdfjs/web/viewer.html?file=%2Fupload%2F2022%2Fnb.pdf"
    assert viewer in links and [a.url for a in attachment_links(list(links.values()))] == [
        "http://h/upload/2022/nb.pdf"]


def test_image_links_are_named_by_their_picture():
    links = page_links('<a href="/zwgk/"><img src="a.png" alt="政务公开"></a>', "http://h/")
    assert [(link.url, link.text) for link in links] == [("http://h/zwgk/", "政务公开")]


@pytest.mark.parametrize("text,group", [
    ("部门信息公开目录", True), ("政府工作部门", True), ("直属事业单位", True), ("乡镇（街道）", True), ("县直部门", True),
    ("县财政局", False), ("良口镇人民政府", False), ("互动交流", False), ("办事服务", False), ("部门年报", False),
])
def test_directory_groups(text, group):
    from crawler.discover import is_directory_group
    assert is_directory_group(text) is group
