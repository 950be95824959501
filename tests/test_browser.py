"""The archive in a real browser: headless Chromium (Playwright driving Debian's
/usr/bin/chromium) against a real `nianbao serve` on loopback. Screenshots go to
test-artifacts/ (a few are copied by hand to docs/ for the README)."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import ARTIFACTS, ROOT, free_port, wait_for_http

pytestmark = pytest.mark.e2e
CHROMIUM = "/usr/bin/chromium"
XSS_PAGE = ROOT / "tests" / "fixtures" / "xss_report.html"
CHART_FRAGMENT = "#g.mark=line&g.x_column=year&g.x_type=ordinal&g.y_column=new_requests&g.y_type=quantitative"

playwright_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip("no /usr/bin/chromium", allow_module_level=True)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with playwright_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium")), executable_path=CHROMIUM, headless=True,
            viewport={"width": 1280, "height": 900}, locale="zh-CN",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield context
        context.close()


@pytest.fixture
def page(browser):
    page = browser.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    page.close()


def shot(page, name, full_page=False):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def test_search_a_chinese_term_and_open_a_report(page, datasette_url, crawled):
    """国家秘密 finds the reports whose own words mention it (not every report whose table
    prints the label), each with its section and a readable excerpt."""
    from tests.test_datasette import prose_matches

    page.goto(datasette_url + "/")
    page.fill("#nianbao-q", "国家秘密")
    page.press("#nianbao-q", "Enter")
    results = page.locator("table.nianbao-results tbody tr")
    results.first.wait_for()
    expected = prose_matches(crawled, "国家秘密")
    assert 1 <= results.count() == len(expected) < 10
    marks = page.locator("table.nianbao-results mark").all_inner_texts()
    assert marks and set(marks) == {"国家秘密"}
    for snippet in page.locator("table.nianbao-results td.snippet").all_inner_texts():
        assert "国家秘密" in snippet and "家秘 秘密" not in snippet and " | " not in snippet
    assert all(page.locator("table.nianbao-results td.section").all_inner_texts())
    shot(page, "search")
    page.locator("table.nianbao-results a", has_text="平潭综合实验区2022年度").click()
    page.wait_for_url("**/-/report/*")
    table = page.locator("table.nianbao-published").first
    table.wait_for()
    assert any("本年新收政府信息公开申请数量" in t for t in page.locator("table.nianbao-published").all_inner_texts())
    assert page.locator("a.original").get_attribute("href").startswith("http://127.0.0.11")
    page.locator("table.nianbao-published").nth(1).scroll_into_view_if_needed()
    shot(page, "report")
    shot(page, "report-full", full_page=True)


def test_search_box_on_the_reports_table_finds_traditional_with_simplified(page, datasette_url):
    page.goto(f"{datasette_url}/archive/reports?_search={quote('公开')}&_col=agency&_col=year")
    page.locator("table.rows-and-columns tbody tr").first.wait_for()
    assert page.locator("table.rows-and-columns tbody tr").count() >= 10
    assert "公开" in page.input_value("#_search")


def test_run_a_canned_query_with_a_parameter(page, datasette_url):
    page.goto(f"{datasette_url}/archive/top_requests")
    page.fill("input[name=year]", "2022")
    page.click("form.sql input[type=submit]")
    page.wait_for_url("**year=2022**")
    first = page.locator("table.rows-and-columns tbody tr").first
    first.wait_for()
    assert "平潭综合实验区" in first.inner_text() and "62" in first.inner_text()
    shot(page, "canned-query")


def test_see_a_chart(page, datasette_url):
    page.goto(f"{datasette_url}/archive/requests_over_years?province=&agency={CHART_FRAGMENT}")
    chart = page.locator(".vega-embed canvas.marks, .vega-embed svg.marks").first
    chart.wait_for(timeout=15000)
    box = chart.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 50
    chart.scroll_into_view_if_needed()
    shot(page, "chart")


def test_readers_summary_with_chinese_headings_and_folded_descriptions(page, datasette_url):
    """报告概要: the form's own labels as headings, the rows right under the title, and the
    column descriptions folded under one line (each also a header tooltip)."""
    from archive.summaries import READERS_VIEW

    page.goto(f"{datasette_url}/archive/{quote(READERS_VIEW)}")
    first = page.locator("table.rows-and-columns tbody tr").first
    first.wait_for()
    headers = page.locator("table.rows-and-columns th").all_inner_texts()
    assert any("本年新收政府信息公开申请数量（件）" in h for h in headers)
    assert any("不予公开：属于国家秘密（件）" in h for h in headers)
    fold = page.locator("details.nianbao-column-descriptions")
    assert fold.count() == 1 and fold.get_attribute("open") is None
    assert not page.locator("dl.column-descriptions").is_visible()
    assert first.bounding_box()["y"] < 900  # the data is on the first screen
    tooltip = page.locator("table.rows-and-columns th[data-column='年度']").get_attribute("title")
    assert tooltip and "report_summary.year" in tooltip
    shot(page, "readers-summary")
    fold.locator("summary").click()
    assert page.locator("dl.column-descriptions").is_visible()


def test_download_for_excel(page, datasette_url, tmp_path):
    """The CSV link saves a file that starts with a BOM; the xlsx link saves a workbook."""
    from openpyxl import load_workbook

    page.goto(f"{datasette_url}/archive/report_summary?year=2022")
    page.locator("table.rows-and-columns tbody tr").first.wait_for()
    shot(page, "download-links")
    with page.expect_download() as download:
        page.locator("a[href*='.csv']").first.click()
    csv_file = tmp_path / download.value.suggested_filename
    download.value.save_as(csv_file)
    body = csv_file.read_bytes()
    assert csv_file.suffix == ".csv" and body.startswith(b"\xef\xbb\xbf")
    assert "report_id" in body.decode("utf-8-sig").splitlines()[0]
    with page.expect_download() as download:
        page.locator("a[href*='.xlsx']").first.click()
    xlsx_file = tmp_path / download.value.suggested_filename
    download.value.save_as(xlsx_file)
    assert xlsx_file.suffix == ".xlsx" and xlsx_file.read_bytes()[:2] == b"PK"
    rows = list(load_workbook(xlsx_file).active.iter_rows(values_only=True))
    assert rows[0][0] == "report_id" and len(rows) > 1 and all(r[2] == 2022 for r in rows[1:])


def test_start_here_then_cite_a_figure(page, datasette_url):
    """From the home page: Start here → the example figure's permalink, with the cell
    highlighted in the table as published."""
    page.goto(datasette_url + "/")
    page.click("text=Start here")
    page.wait_for_url("**/-/start")
    assert page.locator("ol.nianbao-questions li").count() == 3
    shot(page, "start-here")
    page.click("a.nianbao-example-cell")
    page.wait_for_url("**/-/cell/**")
    cited = page.locator("td.nianbao-cited")
    cited.wait_for()
    assert cited.inner_text().strip() == page.locator("dd.as-printed").inner_text().strip()
    assert "nianbao 存档链接" in page.locator("p.nianbao-citation").inner_text()
    cited.scroll_into_view_if_needed()
    shot(page, "cite-a-figure")


def test_one_agency_year_on_year_chart(page, datasette_url, crawled):
    from tests.test_datasette import sql

    (report_id,), = sql(crawled, "SELECT id FROM reports WHERE title LIKE '平潭综合实验区2022年度%'")
    page.goto(f"{datasette_url}/-/report/{report_id}")
    chart = page.locator("svg.nianbao-chart")
    chart.wait_for()
    box = chart.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 100
    assert page.locator("svg.nianbao-chart rect[data-series='new_requests']").count() >= 4
    chart.scroll_into_view_if_needed()
    shot(page, "year-on-year")


# -- a crawled page with script payloads shows as text ----------------------------------------

@contextmanager
def serving(db: Path):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "nianbao.cli", "serve", "--db", str(db), "--port", str(port)],
                               cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/-/versions.json")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def xss_archive(tmp_path_factory):
    from archive.ingest import ingest_report
    from archive.store import Archive

    db = tmp_path_factory.mktemp("xss") / "archive.db"
    archive = Archive(db)
    outcome = ingest_report(archive, "http://127.0.0.99/xxgk/2024/xss.html", XSS_PAGE.read_bytes(),
                            "text/html; charset=utf-8", None, "测试县人民政府2023年政府信息公开工作年度报告")
    assert outcome == "new"
    report_id, digest = archive.db.execute("SELECT id, document_sha256 FROM reports").fetchone()
    archive.db.close()
    with serving(db) as url:
        yield url, report_id, digest


def no_script_ran(page):
    assert page.dialogs == []
    assert page.evaluate("window.pwned === undefined")


def test_payloads_on_the_report_page_show_as_text(page, xss_archive):
    url, report_id, _ = xss_archive
    page.goto(f"{url}/-/report/{report_id}")
    page.wait_for_load_state("load")
    text = page.locator(".nianbao-text").inner_text()
    assert '<script>alert("text")</script>' in text and "<img src=x onerror=alert(1)>" in text
    cells = page.locator("table.nianbao-published").inner_text()
    assert "CELL-PAYLOAD <img src=x onerror=alert(3)>" in cells
    page.locator("table.nianbao-published td", has_text="规章").click()
    assert page.locator("table.nianbao-published b").count() == 0  # rebuilt from text: no markup survives
    no_script_ran(page)
    assert page.locator(".nianbao-text script, .nianbao-text img, table.nianbao-published img").count() == 0
    shot(page, "xss-report", full_page=True)


def test_payloads_in_the_archived_copy_do_not_run(page, xss_archive):
    url, _, digest = xss_archive
    page.goto(f"{url}/-/archived/{digest}")
    frame = page.frame_locator("iframe.nianbao-archived")
    body = frame.locator("body")
    body.wait_for()
    assert '<script>alert("text")</script>' in body.inner_text()
    assert "CELL-PAYLOAD <img src=x onerror=alert(3)>" in body.inner_text()
    frame.locator("a", has_text="相关链接").click()
    no_script_ran(page)
    assert frame.locator("script").count() == 0 and frame.locator("[onerror], [onload], [onclick]").count() == 0
    # frames, objects, forms, <base> and refreshes are gone; a data: link opens nothing that runs
    assert frame.locator("iframe, object, embed, form, base, meta[http-equiv]").count() == 0
    if frame.locator("a", has_text="数据链接").count():
        frame.locator("a", has_text="数据链接").click()
    no_script_ran(page)
    shot(page, "xss-archived")
    # Even opened directly (not in the iframe), the document runs nothing: CSP sandbox.
    page.goto(f"{url}/-/archived/{digest}/document")
    page.wait_for_load_state("load")
    no_script_ran(page)
    page.goto(f"{url}/-/archived/{digest}/document?as=source")
    assert "<script>window.top.pwned" in page.locator("body").inner_text()
    no_script_ran(page)
