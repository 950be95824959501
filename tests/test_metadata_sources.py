"""Metadata from messy documents (issue 13 item 3): the title cleaned of chrome and chosen
among every place a document names it, the agency from the body's own words, the 发布机构
field or the list when the title lacks it, the year from the text's period, and where each
was read stored beside it (``reports.title_source``, ``agency_source``, ``year_source``).

The corpus (tests/corpus/meta_*, real_excerpt_*) holds every trap at its labels; these tests
pin the mechanisms on small inputs, and the archive's columns."""
import doctest
import sqlite3

import pytest

import archive.clean
import archive.metadata
from archive.clean import CleanPage
from archive.ingest import ingest_report
from archive.metadata import clean_title, report_metadata
from archive.store import Archive


@pytest.mark.parametrize("module", [archive.metadata, archive.clean])
def test_doctests(module):
    assert doctest.testmod(module).failed == 0


def page(text: str, title: str | None = None, source: str | None = None, candidates=()) -> CleanPage:
    return CleanPage(title=title, text=text, published_date=None, source=source, meta={},
                     title_candidates=list(candidates))


@pytest.mark.parametrize("chrome", ["登录 | 注册", "关怀版 无障碍 | ", "[2021-01-20]", "政府信息公开",
                                    "您当前所在位置：首页 > 政务公开 > 年报 > "])
def test_chrome_in_front_of_a_title_is_removed(chrome):
    title = "抚松县松江河镇人民政府2020年政府信息公开工作年度报告"
    assert clean_title(chrome + title) == title
    meta = report_metadata(page("一、总体情况", title=chrome + title))
    assert (meta.title, meta.agency, meta.year) == (title, "抚松县松江河镇人民政府", 2020)


def test_a_column_name_alone_is_not_a_title():
    """<title>政府信息公开福州市晋安区</title> names the column and the place, not the report:
    the heading the page prints is the title."""
    meta = report_metadata(page("正文", title="政府信息公开福州市晋安区",
                                candidates=["福州市晋安区2021年政府信息公开工作年度报告"]))
    assert (meta.title, meta.agency, meta.year, meta.sources["title"]) == (
        "福州市晋安区2021年政府信息公开工作年度报告", "福州市晋安区", 2021, "page")


def test_a_title_split_over_two_lines_is_joined():
    meta = report_metadata(page("石家庄市教育局\n2021年政府信息公开工作年度报告\n一、总体情况\n……",
                                title="石家庄市人民政府"))
    assert (meta.title, meta.agency, meta.sources["title"]) == (
        "石家庄市教育局2021年政府信息公开工作年度报告", "石家庄市教育局", "text")


@pytest.mark.parametrize("sentence", [
    "根据《条例》规定，现向社会公布2021年石家庄市教育局政府信息公开工作年度报告。",
    "本报告由石家庄市教育局根据《中华人民共和国政府信息公开条例》要求编制。",
    "本报告由石家庄市教育局编制，全文包括总体情况等六个部分。"])
def test_an_agency_named_only_in_the_body_is_found(sentence):
    meta = report_metadata(page(f"{sentence}\n一、总体情况\n2021年，我局……", title="2021年政府信息公开工作年度报告"))
    assert (meta.title, meta.agency, meta.sources["agency"]) == (
        "2021年政府信息公开工作年度报告", "石家庄市教育局", "body")


def test_the_agency_falls_back_to_the_publisher_field_then_the_list():
    text = "一、总体情况\n我局……"
    by_field = report_metadata(page(text, title="2021年政府信息公开工作年度报告", source="某县民政局"))
    assert (by_field.agency, by_field.sources["agency"]) == ("某县民政局", "publisher")
    by_list = report_metadata(page(text, title="2021年政府信息公开工作年度报告"),
                              list_title="某县民政局2021年政府信息公开工作年度报告")
    # the list's title names the agency too: it is the better title
    assert (by_list.title, by_list.agency, by_list.sources) == (
        "某县民政局2021年政府信息公开工作年度报告", "某县民政局",
        {"title": "listing", "agency": "title", "year": "title"})


def test_the_year_comes_from_the_period_before_next_years_plans():
    text = ("本年度报告中所列数据的统计期限自2022年1月1日起至2022年12月31日止。\n"
            "2023年，我局将采取以下措施加以改进。\n2023年，继续……")
    meta = report_metadata(page(text, title="某县民政局政府信息公开工作年度报告"))
    assert (meta.year, meta.sources["year"], meta.template) == (2022, "body", "2021")


def test_the_archive_records_where_each_field_was_read(tmp_path):
    body = ("<html><head><meta charset='utf-8'><title>某县人民政府</title></head><body>"
            "<h1>2022年政府信息公开工作年度报告</h1><p>根据《条例》规定，现向社会公布2022年某县民政局政府信息"
            "公开工作年度报告。</p><p>一、总体情况</p><p>2022年，我局……</p></body></html>").encode()
    archive = Archive(tmp_path / "a.db")
    for _ in range(2):   # idempotent
        ingest_report(archive, "http://127.0.0.1/r.html", body, "text/html", "x", None)
    archive.close()
    with sqlite3.connect(tmp_path / "a.db") as conn:
        rows = conn.execute("SELECT title, agency, year, title_source, agency_source, year_source "
                            "FROM reports").fetchall()
    assert rows == [("2022年政府信息公开工作年度报告", "某县民政局", 2022, "page", "body", "title")]


def test_an_old_archive_gets_the_source_columns(tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE reports (id INTEGER PRIMARY KEY, url TEXT, title TEXT, agency TEXT, "
                     "year INTEGER, publisher TEXT, published_date TEXT, template TEXT, source_format TEXT, "
                     "text TEXT, text_simplified TEXT, portal TEXT, list_title TEXT, document_sha256 TEXT, "
                     "fetched_at TEXT, parse_notes TEXT)")
    archive = Archive(path)
    assert {"title_source", "agency_source", "year_source"} <= {c.name for c in archive.db["reports"].columns}
    archive.close()
