"""A hostile portal and canary servers, crawled for real (Scrapy, Chromium, the parse
workers): no request ever leaves the portal's scope, the bombs cost bounded time and
memory, every failure is recorded with exit code 1, and the good reports are kept.

Canaries: one on another loopback address, one on another port of the portal's own
address. Cases (issue 11): a list script that fetches from and navigates to a canary
(rendered in Chromium), HTTP redirects to a canary, to another port and to a public
off-site host, a meta refresh and an absolute pager link to a canary, a portal URL with
credentials, an HTML report served as application/pdf, a GBK page with no charset
declared anywhere, a gzip bomb and an endless 300 MB page."""

import gzip
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT
from tests.hostile.portal import canary, hostile_portal

pytestmark = pytest.mark.e2e

HTML = "text/html; charset=utf-8"
REPORT = ("<html><head><meta charset='utf-8'><title>{title}</title></head><body><h1>{title}</h1>"
          "<div id='zoom'><p>一、总体情况</p><p>{title}依据《中华人民共和国政府信息公开条例》编制。"
          + "本年度政务公开工作稳步推进，主动公开政府信息。" * 20 + "</p></div></body></html>")


def page(html: str, status: int = 200, content_type: str = HTML, **options) -> tuple:
    return (status, content_type, html.encode("utf-8"), options)


def redirect(location: str) -> tuple:
    return (302, HTML, b"", {"headers": {"Location": location}})


def routes(far: str, near: str) -> dict:
    """``far``: the canary on another address; ``near``: the canary on the portal's address."""
    titles = {name: f"示例县{agency}2023年政府信息公开工作年度报告" for name, agency in [
        ("good", "人民政府办公室"), ("gbk", "财政局"), ("typed", "教育局"), ("moved", "民政局"),
        ("offsite", "司法局"), ("port", "水利局"), ("refresh", "交通运输局"), ("bomb", "审计局"),
        ("huge", "统计局"), ("direct", "商务局")]}
    links = {name: f"/nb/{name}.html" for name in titles}
    links["direct"] = f"{far}/nb/direct.html"
    listing = "".join(f'<li><a href="{links[n]}">{t}</a></li>' for n, t in titles.items())
    gbk = REPORT.format(title=titles["gbk"]).replace("<meta charset='utf-8'>", "").encode("gbk")
    return {
        "/robots.txt": (200, "text/plain", b"User-agent: *\nAllow: /\n", {}),
        "/": page('<a href="/xxgk/">政府信息公开</a>'),
        "/xxgk/": page('<a href="/nb/">政府信息公开年报</a><a href="/js/">政务公开年报</a>'),
        "/nb/": page(f'<ul>{listing}</ul><a href="{far}/nb/index_2.html">下一页</a>'),
        "/nb/good.html": page(REPORT.format(title=titles["good"])),
        "/nb/gbk.html": (200, "text/html", gbk, {}),
        "/nb/typed.html": page(REPORT.format(title=titles["typed"]), content_type="application/pdf"),
        "/nb/moved.html": redirect(f"{far}/nb/stolen.html"),
        "/nb/offsite.html": redirect("http://www.nianbao-offsite.example/nb/report.html"),
        "/nb/port.html": redirect(f"{near}/nb/other-port.html"),
        "/nb/refresh.html": page(f'<html><head><meta http-equiv="refresh" content="0;url={far}/refresh.html">'
                                 f'<title>{titles["refresh"]}</title></head><body></body></html>'),
        "/nb/bomb.html": (200, HTML, gzip.compress(bytes(64 << 20), 9), {"headers": {"Content-Encoding": "gzip"}}),
        "/nb/huge.html": (200, HTML, b"", {"announce": 300 << 20}),
        "/js/": page(f'<div id="list">加载中</div><img src="{far}/pixel.png"><script>'
                     f'fetch("{far}/api/list.json").catch(function () {{}});'
                     f'setTimeout(function () {{ location.href = "{far}/private.html"; }}, 100);</script>'),
    }, titles


def test_the_crawl_stays_in_scope_and_survives_the_bombs(tmp_path):
    db = tmp_path / "a.db"
    with canary("127.0.0.32") as (far, far_asked), canary("127.0.0.31") as (near, near_asked):
        table, titles = routes(far, near)
        with hostile_portal(table, host="127.0.0.31") as (url, hits):
            with_credentials = url.replace("http://", "http://reader:secret@")
            (tmp_path / "p.csv").write_text(f"name,url\n示例县,{with_credentials}\n", encoding="utf-8")
            # the crawl runs under a small wrapper that reports its peak memory (children included)
            started = time.monotonic()
            result = subprocess.run(
                [sys.executable, "-c", "import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
                 "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(code)",
                 sys.executable, "-m", "nianbao.cli", "crawl", "--portals", str(tmp_path / "p.csv"), "--db", str(db),
                 "--log-file", str(tmp_path / "log"), "-s", f"DOWNLOAD_MAXSIZE={4 << 20}", "-s", "RETRY_TIMES=0"],
                cwd=ROOT, capture_output=True, text=True, timeout=300)
            elapsed = time.monotonic() - started
    log = (tmp_path / "log").read_text()
    assert far_asked == [] and near_asked == [], (far_asked, near_asked)
    assert result.returncode == 1, result.stderr + log[-3000:]
    peak_kib = int(result.stdout.split()[-1])
    assert peak_kib < 1_500_000 and elapsed < 150, (peak_kib, elapsed)
    assert "/nb/good.html" in hits and "/js/" in hits
    with sqlite3.connect(db) as conn:
        reports = {r[0]: r[1:] for r in conn.execute("SELECT title, agency, source_format, text FROM reports")}
        pages = {r[0]: r[1:] for r in conn.execute("SELECT url, kind, via, error FROM pages")}
    # good reports kept: plain, GBK with no declaration, HTML served as application/pdf
    for name in ("good", "gbk", "typed"):
        assert titles[name] in reports, (name, sorted(reports))
    assert reports[titles["gbk"]][0] == "示例县财政局" and "主动公开政府信息" in reports[titles["gbk"]][2]
    assert reports[titles["typed"]][1] == "html"
    # every refusal recorded with its reason, and none is a failure
    refused = {u: e for u, (_, _, e) in pages.items() if e and e.startswith("OutOfScope")}
    assert any(u.startswith(far) and "stolen" in u for u in refused), refused
    assert any("nianbao-offsite.example" in u and "off-site" in e for u, e in refused.items()), refused
    assert any(u.startswith(near) for u in refused), refused
    browser = {u for u, (kind, via, _) in pages.items() if kind == "refused" and via == "browser"}
    assert {f"{far}/api/list.json", f"{far}/private.html"} <= browser, browser
    # the bombs are failed fetches, recorded
    failed = {u.rsplit("/", 1)[-1]: e for u, (_, _, e) in pages.items() if e and not e.startswith("OutOfScope")}
    assert {"bomb.html", "huge.html"} <= set(failed), failed
    # credentials were never sent nor stored
    assert not any("secret" in u for u in pages) and "secret" not in log
