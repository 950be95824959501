"""A crawl of a portal with hostile attachments finishes in bounded time, keeps every
other report, and records each failure with the limit it hit (exit code 1)."""

import sqlite3
import time

import pytest

from tests.conftest import run_cli
from tests.hostile import docx_zip_bomb, far_cell_xlsx
from tests.hostile.portal import hostile_portal

pytestmark = pytest.mark.e2e

HTML = "text/html; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
REPORTS = {  # path → title, attachment path
    "/nb/good.html": ("示例县财政局2023年政府信息公开工作年度报告", None),
    "/nb/far.html": ("示例县教育局2023年政府信息公开工作年度报告", "/files/table.xlsx"),
    "/nb/bomb.html": ("示例县卫生健康局2023年政府信息公开工作年度报告", "/files/report.docx"),
    "/nb/big.html": ("示例县统计局2023年政府信息公开工作年度报告", "/files/big.pdf"),
    "/nb/cut.html": ("示例县民政局2023年政府信息公开工作年度报告", None),
}
BODY = ("<p>一、总体情况</p><p>{title}依据《中华人民共和国政府信息公开条例》编制。"
        + "本年度政务公开工作稳步推进。" * 30 + "</p>")


def page(html: str) -> tuple:
    return (200, HTML, f"<html><head><meta charset='utf-8'></head><body>{html}</body></html>".encode(), {})


def routes() -> dict:
    listing = "".join(f'<li><a href="{p}">{t}</a></li>' for p, (t, _) in REPORTS.items())
    table = {
        "/robots.txt": (200, "text/plain", b"User-agent: *\nAllow: /\n", {}),
        "/": page('<a href="/xxgk/">政府信息公开</a>'),
        "/xxgk/": page('<a href="/nb/">政府信息公开年报</a>'),
        "/nb/": page(f"<ul>{listing}</ul>"),
        "/files/table.xlsx": (200, XLSX, far_cell_xlsx(), {}),
        "/files/report.docx": (200, DOCX, docx_zip_bomb(), {}),
        "/files/big.pdf": (200, "application/pdf", b"%PDF-1.4\n" + b"0" * (3 << 20), {}),
    }
    for path, (title, attached) in REPORTS.items():
        link = f'<p>附件：<a href="{attached}">{title}{attached[-5:]}</a></p>' if attached else ""
        html = f"<h1>{title}</h1><div id='zoom'>{BODY.format(title=title)}{link}</div>"
        table[path] = page(html)
    status, ctype, body, _ = table["/nb/cut.html"]
    table["/nb/cut.html"] = (status, ctype, body + b" " * 20000, {"truncate": len(body) // 2})
    return table


def test_hostile_attachments_are_recorded_and_the_crawl_goes_on(tmp_path):
    db = tmp_path / "a.db"
    with hostile_portal(routes()) as (url, hits):
        (tmp_path / "p.csv").write_text(f"name,url\n示例县,{url}\n", encoding="utf-8")
        started = time.monotonic()
        result = run_cli("crawl", "--portals", tmp_path / "p.csv", "--db", db, "--log-file", tmp_path / "log",
                         "-s", f"DOWNLOAD_MAXSIZE={2 << 20}", "-s", "RETRY_TIMES=0", timeout=300)
        elapsed = time.monotonic() - started
    log = (tmp_path / "log").read_text()
    assert result.returncode == 1, result.stderr + log[-3000:]
    assert elapsed < 120
    with sqlite3.connect(db) as conn:
        titles = {r[0] for r in conn.execute("SELECT title FROM reports")}
        limits = dict(conn.execute("SELECT url, limit_hit FROM document_parses WHERE status = 'limit'"))
        errors = dict(conn.execute("SELECT url, error FROM pages WHERE error IS NOT NULL"))
        failing = {r[0] for r in conn.execute("SELECT r.title FROM checks c JOIN reports r ON r.id = c.report_id "
                                              "WHERE c.check_name = 'parse_failed' AND NOT c.passed")}
        run = conn.execute("SELECT exit_status, failed_documents FROM crawl_runs").fetchone()
    assert "示例县财政局2023年政府信息公开工作年度报告" in titles   # the good report
    # the hostile attachments hit named limits; their reports keep a row from the listing
    assert {u.rsplit("/", 1)[1]: l for u, l in limits.items()} == {
        "table.xlsx": "grid_cells", "report.docx": "decompressed_bytes"}
    assert failing == {"示例县教育局2023年政府信息公开工作年度报告", "示例县卫生健康局2023年政府信息公开工作年度报告"}
    # an oversized download and a truncated one are failed fetches, not silent
    by_name = {u.rsplit("/", 1)[1]: e for u, e in errors.items()}
    assert "big.pdf" in by_name and "cut.html" in by_name, errors
    assert run == ("errors", 2)
