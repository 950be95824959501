"""A list script names a data address that no longer answers: the crawler falls back to
rendering the list in Chromium, and the dead address is recorded without failing the crawl."""

import json
import sqlite3

import pytest

from tests.conftest import run_cli, small_portal

pytestmark = pytest.mark.e2e

TITLE = "示例县2023年政府信息公开工作年度报告"
LIST = """<ul id="list"></ul><script>
var legacy = "/api/old.json";   // left over from an earlier version of the site
fetch("/api/" + "live." + "js" + "on").then(function (r) { return r.json(); }).then(function (d) {
  d.items.forEach(function (i) {
    var li = document.createElement("li");
    li.innerHTML = '<a href="' + i.u + '">' + i.t + '</a>';
    document.getElementById("list").appendChild(li);
  });
});
</script>"""
PAGES = {
    "/": ("text/html", '<a href="/nb/">政府信息公开年报</a>'),
    "/nb/": ("text/html", LIST),
    "/api/live.json": ("application/json", json.dumps({"items": [{"t": TITLE, "u": "/nb/1.html"}]})),
    "/nb/1.html": ("text/html", f"<h1>{TITLE}</h1><p>发布时间：2024-01-20</p><div id='zoom'>"
                                + "<p>一、总体情况</p><p>" + "本年度政务公开工作稳步推进。" * 20 + "</p></div>"),
}


def answer(path, _headers):
    if path not in PAGES:
        return 404, "text/html", ""
    content_type, body = PAGES[path]
    text = body if content_type != "text/html" else f"<html><body>{body}</body></html>"
    return 200, f"{content_type}; charset=utf-8", text


def test_dead_data_address_falls_back_to_the_browser(tmp_path):
    with small_portal(answer, tmp_path) as csv_path:
        result = run_cli("crawl", "--portals", csv_path, "--db", tmp_path / "a.db", "--no-robots",
                         "--log-file", tmp_path / "log")
    assert result.returncode == 0, (tmp_path / "log").read_text()[-3000:]
    with sqlite3.connect(tmp_path / "a.db") as conn:
        assert [r[0] for r in conn.execute("SELECT title FROM reports")] == [TITLE]
        assert conn.execute("SELECT status, error IS NOT NULL FROM pages WHERE url LIKE '%old.json'").fetchone() == (404, 1)
        assert conn.execute("SELECT errors, browser_renders FROM crawl_runs").fetchone() == (0, 1)
        assert conn.execute("SELECT via FROM fetches WHERE url LIKE '%/nb/1.html'").fetchone() == ("browser",)
