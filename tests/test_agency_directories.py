"""Departments and towns with their own disclosure directories: a real small portal on
loopback whose reports sit one level below a 部门信息公开 / 乡镇信息公开 page."""

import sqlite3

import pytest

from tests.conftest import run_cli, small_portal

pytestmark = pytest.mark.e2e

# Titles in the shapes of real department and town reports (corpus/excerpts 016, 019, 022).
PAGES = {
    "/": '<a href="/zwgk/">政府信息公开</a><a href="/bsfw/">办事服务</a><a href="/czj/">县财政局</a>',
    "/zwgk/": '<a href="/zwgk/bm/">部门信息公开</a><a href="/zwgk/xz/">乡镇信息公开</a><a href="/zwgk/zn/">政府信息公开指南</a>',
    "/zwgk/bm/": '<ul><li><a href="/bm/czj/">县财政局</a></li><li><a href="/bm/tjj/">县统计局</a></li>'
                 '<li><a href="/bm/hd/">互动交流</a></li></ul>',
    "/zwgk/xz/": '<ul><li><a href="/xz/lk/">良口镇人民政府</a></li><li><a href="/xz/cn/">城南街道办事处</a></li></ul>',
    "/bm/czj/": '<a href="/bm/czj/zn.html">政府信息公开指南</a><a href="/bm/czj/nb/">政府信息公开年报</a>',
    "/bm/czj/nb/": '<a href="/bm/czj/nb/1.html">示例县财政局2023年政府信息公开工作年度报告</a>',
    "/bm/tjj/": '<a href="/bm/tjj/nb/">信息公开年报</a>',
    "/bm/tjj/nb/": '<a href="/bm/tjj/nb/1.html">示例县统计局2023年度政府信息公开工作报告</a>',
    "/xz/lk/": '<a href="/xz/lk/nb/">年度报告</a>',
    "/xz/lk/nb/": '<a href="/xz/lk/nb/1.html">良口镇人民政府2023年政府信息公开工作年度报告</a>',
    "/xz/cn/": '<a href="/xz/cn/nb/">政务公开年报</a>',
    "/xz/cn/nb/": '<a href="/xz/cn/nb/1.html">2023年度城南街道办事处政府信息公开工作年度报告</a>',
    "/czj/": "<p>不是信息公开页</p>",
}
REPORT = ("<h1>{title}</h1><p>发布时间：2024-01-20</p><div id='zoom'><p>一、总体情况</p>"
          "<p>{title}依据《中华人民共和国政府信息公开条例》编制。" + "本年度政务公开工作稳步推进。" * 20 +
          "</p></div>")
HTML = "text/html; charset=utf-8"


def answer(path, _headers):
    path = path.split("?")[0]
    if path.endswith("/1.html"):
        listing = PAGES[path[: -len("1.html")]]
        body = REPORT.format(title=listing.split(">")[1].split("<")[0])
    elif path in PAGES:
        body = PAGES[path]
    else:
        return 404, HTML, ""
    return 200, HTML, f"<html><head><title>x</title></head><body>{body}</body></html>"


def test_reports_of_departments_and_towns_are_found(tmp_path):
    with small_portal(answer, tmp_path) as csv_path:
        result = run_cli("crawl", "--portals", csv_path, "--db", tmp_path / "a.db", "--no-robots",
                         "--log-file", tmp_path / "log")
    assert result.returncode == 0, (tmp_path / "log").read_text()[-3000:]
    with sqlite3.connect(tmp_path / "a.db") as conn:
        agencies = sorted(r[0] for r in conn.execute("SELECT agency FROM reports"))
        fetched = {r[0].split(":", 2)[2].split("/", 1)[1] for r in conn.execute("SELECT url FROM fetches")}
    assert agencies == ["城南街道办事处", "示例县统计局", "示例县财政局", "良口镇人民政府"]
    assert "czj/" not in fetched and "bm/hd/" not in fetched  # agency-like links elsewhere are not followed


# Directories nested 3–4 levels, as county portals nest them: 政务公开 → 政府信息公开 → 部门 →
# 部门信息公开目录 → 政府工作部门 → 县财政局 → 信息公开目录 → 法定主动公开内容 → 年报 → 2023年度
# → report; towns under 乡镇（街道）; a department's own sub-unit directory under 直属单位.
NESTED = {
    "/": '<a href="/zwgk/">政务公开</a><a href="/czj/">县财政局</a>',
    "/zwgk/": '<a href="/zwgk/xxgk/">政府信息公开</a><a href="/zwgk/hd/">互动交流</a>',
    "/zwgk/xxgk/": '<a href="/zwgk/xxgk/bm/">部门</a><a href="/zwgk/xxgk/zn/">政府信息公开指南</a>',
    "/zwgk/xxgk/bm/": '<a href="/ml/">部门信息公开目录</a><a href="/zwgk/xxgk/bm/hd/">互动交流</a>',
    "/ml/": '<ul><li><a href="/ml/gzbm/">政府工作部门</a></li><li><a href="/ml/xz/">乡镇（街道）</a></li>'
            '<li><a href="/ml/zs/">直属事业单位</a></li></ul>',
    "/ml/gzbm/": '<ul><li><a href="/bm/czj/">县财政局</a></li><li><a href="/bm/tjj/">县统计局</a></li></ul>',
    "/ml/zs/": '<ul><li><a href="/bm/zx/">县融媒体中心</a></li></ul>',
    "/ml/xz/": '<ul><li><a href="/xz/lk/">良口镇人民政府</a></li><li><a href="/xz/cn/">城南街道办事处</a></li></ul>',
    "/bm/czj/": '<a href="/bm/czj/ml/">信息公开目录</a><a href="/bm/czj/jg/">机构职能</a><a href="/bm/fz/">县法制办</a>',
    "/bm/czj/ml/": '<a href="/bm/czj/ml/fd/">法定主动公开内容</a><a href="/bm/czj/zn/">政府信息公开指南</a>',
    "/bm/czj/ml/fd/": '<a href="/bm/czj/nb/">政府信息公开年报</a>',
    "/bm/czj/nb/": '<a href="/bm/czj/nb/2023/">2023年度</a><a href="/bm/czj/nb/2022/">2022年度</a>',
    "/bm/czj/nb/2023/": '<a href="/bm/czj/nb/2023/1.html">示例县财政局2023年政府信息公开工作年度报告</a>',
    "/bm/czj/nb/2022/": '<a href="/bm/czj/nb/2022/1.html">示例县财政局2022年政府信息公开工作年度报告</a>',
    "/bm/tjj/": '<a href="/bm/tjj/xxgk/">政府信息公开</a>',
    "/bm/tjj/xxgk/": '<a href="/bm/tjj/nb/">信息公开年报</a>',
    "/bm/tjj/nb/": '<a href="/bm/tjj/nb/1.html">示例县统计局2023年度政府信息公开工作报告</a>',
    "/bm/zx/": '<a href="/bm/zx/nb/">年度报告</a>',
    "/bm/zx/nb/": '<a href="/bm/zx/nb/1.html">示例县融媒体中心2023年政府信息公开工作年度报告</a>',
    "/xz/lk/": '<a href="/xz/lk/gk/">政务公开</a>',
    "/xz/lk/gk/": '<a href="/xz/lk/gk/ml/">公开目录</a>',
    "/xz/lk/gk/ml/": '<a href="/xz/lk/nb/">年度报告</a>',
    "/xz/lk/nb/": '<a href="/xz/lk/nb/1.html">良口镇人民政府2023年政府信息公开工作年度报告</a>',
    "/xz/cn/": '<a href="/xz/cn/nb/">政务公开年报</a>',
    "/xz/cn/nb/": '<a href="/xz/cn/nb/2023/">2023年</a>',
    "/xz/cn/nb/2023/": '<a href="/xz/cn/nb/2023/1.html">2023年度城南街道办事处政府信息公开工作年度报告</a>',
    "/czj/": "<p>不是信息公开页</p>",
    "/bm/fz/": '<a href="/bm/fz/nb/">政府信息公开年报</a>',
    "/bm/fz/nb/": '<a href="/bm/fz/nb/1.html">示例县法制办2023年政府信息公开工作年度报告</a>',
}


def nested_answer(path, _headers):
    path = path.split("?")[0]
    if path.endswith("/1.html"):
        listing = NESTED[path[: -len("1.html")]]
        body = REPORT.format(title=listing.split(">")[1].split("<")[0])
    elif path in NESTED:
        body = NESTED[path]
    else:
        return 404, HTML, ""
    return 200, HTML, f"<html><head><title>x</title></head><body>{body}</body></html>"


def test_directories_nested_three_and_four_levels_are_followed(tmp_path):
    with small_portal(nested_answer, tmp_path) as csv_path:
        result = run_cli("crawl", "--portals", csv_path, "--db", tmp_path / "a.db", "--no-robots",
                         "--log-file", tmp_path / "log")
    assert result.returncode == 0, (tmp_path / "log").read_text()[-3000:]
    with sqlite3.connect(tmp_path / "a.db") as conn:
        titles = sorted(r[0] for r in conn.execute("SELECT title FROM reports"))
        fetched = {r[0].split(":", 2)[2].split("/", 1)[1] for r in conn.execute("SELECT url FROM fetches")}
        runs = conn.execute("SELECT budget_refused FROM crawl_runs").fetchall()
    assert titles == sorted([
        "示例县财政局2023年政府信息公开工作年度报告", "示例县财政局2022年政府信息公开工作年度报告",
        "示例县统计局2023年度政府信息公开工作报告", "示例县融媒体中心2023年政府信息公开工作年度报告",
        "良口镇人民政府2023年政府信息公开工作年度报告", "2023年度城南街道办事处政府信息公开工作年度报告"])
    # agency-like links outside directories (home page, an agency's own page) are not followed
    assert not {"czj/", "bm/fz/", "bm/czj/jg/", "zwgk/hd/"} & fetched
    assert runs == [(0,)]
