"""archive/metadata.py: titles, years, 落款, publisher, template (sources: tests/fixtures/README.md)."""
from __future__ import annotations

from pathlib import Path

import pytest

from archive.clean import CleanPage, clean_page
from archive.metadata import (parse_title, report_metadata, signature, template_for_year,
                              text_years, title_year_candidates)

FIXTURES = Path(__file__).parent / "fixtures"

# Titles: the Pingtan ones are real (shared corpus pingtan_text/ 标题: lines), as are 中村乡, 湖口县大垅乡,
# 区统计局, 云县人民政府, 县政府办, 山阳县人民政府, 宝鸡市凤县人民政府 (excerpts/016–022), 2019年上海市…
# (shanghai_2019_report.html) and those named in excerpts/pages_corpus_report_urls.md; the rest
# follow the same shapes (county/town/bureau/街道, 年/年度, Chinese numerals, typos).
TITLES = [
    ("平潭综合实验区2011年政府信息公开工作年度报告", "平潭综合实验区", 2011),
    ("平潭县人民政府2012年政府信息公开工作年度报告", "平潭县人民政府", 2012),
    ("平潭综合实验区管委会2014年度政府信息公开工作年度报告", "平潭综合实验区管委会", 2014),
    ("平潭综合实验区2021年度政府信息公开工作年度报告", "平潭综合实验区", 2021),
    ("平潭综合实验区2025年度政府信息公开工作年度报告", "平潭综合实验区", 2025),
    ("2020年度良口镇政府信息公开工作年度报告", "良口镇", 2020),
    ("XX县财政局2022年度政府信息公开工作报告", "XX县财政局", 2022),
    ("中村乡2020年政府信息公开工作年度报告", "中村乡", 2020),
    ("湖口县大垅乡2020年政府信息公开工作年度报告", "湖口县大垅乡", 2020),
    ("区统计局2023年政府信息公开工作年度报告", "区统计局", 2023),
    ("云县人民政府2022年政府信息公开工作年度报告", "云县人民政府", 2022),
    ("县政府办2022年度政府信息公开工作年度报告", "县政府办", 2022),
    ("山阳县人民政府2020年政府信息公开工作年度报告", "山阳县人民政府", 2020),
    ("宝鸡市凤县人民政府2020年度政府信息公开工作年度报告", "宝鸡市凤县人民政府", 2020),
    ("2019年上海市人民政府办公厅政府信息公开工作年度报告", "上海市人民政府办公厅", 2019),
    ("2022年上海市政府信息公开工作年度报告", "上海市", 2022),
    ("2018年武汉市政府信息公开工作年度报告", "武汉市", 2018),
    ("南平市2012年政府信息公开工作年度报告", "南平市", 2012),
    ("泰州市人民政府2017年政府信息公开工作年度报告", "泰州市人民政府", 2017),
    ("舒兰市市场监督管理局2016年政府信息公开工作年度报告", "舒兰市市场监督管理局", 2016),
    ("城口县人民政府机关2020年政府信息公开工作年度报告", "城口县人民政府机关", 2020),
    ("黔江区2023年政府信息公开工作年度报告", "黔江区", 2023),
    ("黄陂区行政审批局2023年政府信息公开工作年度报告", "黄陂区行政审批局", 2023),
    ("孝感市临空经济区2023年政府信息公开工作年度报告", "孝感市临空经济区", 2023),
    ("徐水区2023年政府信息公开工作年度报告", "徐水区", 2023),
    ("XX街道办事处2021年度政府信息公开工作年度报告", "XX街道办事处", 2021),
    ("2021年度XX街道政府信息公开工作年度报告", "XX街道", 2021),
    ("XX区XX街道2022年政府信息公开工作年度报告", "XX区XX街道", 2022),
    ("XX县教育局2019年政府信息公开年度报告", "XX县教育局", 2019),
    ("XX县卫生健康局2020年度政府信息公开年报", "XX县卫生健康局", 2020),
    ("XX镇人民政府2018年政府信息公开工作报告", "XX镇人民政府", 2018),
    ("XX县2015年政务公开工作年度报告", "XX县", 2015),
    ("XX市生态环境局2024年政府信息公开工作年度报告", "XX市生态环境局", 2024),
    ("二〇二一年XX县人民政府信息公开工作年度报告", "XX县人民政府", 2021),
    ("二○二一年度XX区政府信息公开工作年度报告", "XX区", 2021),
    ("XX县人民政府二〇二〇年政府信息公开工作年度报告", "XX县人民政府", 2020),
    ("二零一九年XX乡政府信息公开工作年度报告", "XX乡", 2019),
    ("关于XX县2020年政府信息公开工作年度报告的通知", "XX县", 2020),
    ("XX区教育局关于2020年度政府信息公开工作年度报告", "XX区教育局", 2020),
    ("关于公布XX市自然资源局2021年度政府信息公开工作年度报告的公告", "XX市自然资源局", 2021),
    ("《XX县水利局2022年度政府信息公开工作年度报告》", "XX县水利局", 2022),
    ("“XX镇2019年政府信息公开工作年度报告”", "XX镇", 2019),
    ("2019年政府信息公开工作年度报告（XX县财政局）", "XX县财政局", 2019),
    ("2021年度政府信息公开工作年度报告", None, 2021),
    ("平潭综合实验区2019年 政府信息公开工作年度报告", "平潭综合实验区", 2019),
    ("XX县 2021 年度 政府信息公开工作年度报告", "XX县", 2021),
    ("XX县２０２２年政府信息公开工作年度报告", "XX县", 2022),
    ("XX县2013政府信息公开工作年度报告", "XX县", 2013),
    ("政府信息公开工作年度报告", None, None),
    ("XX县20201年政府信息公开工作年度报告", "XX县", None),  # typo, ambiguous without a date
]


@pytest.mark.parametrize("title, agency, year", TITLES)
def test_parse_title(title, agency, year):
    assert parse_title(title) == (agency, year)


def test_enough_titles():
    assert len(TITLES) >= 40


@pytest.mark.parametrize("title, published, expected", [
    ("XX县20201年政府信息公开工作年度报告", "2022-01-20", ("XX县", 2021)),
    ("XX县20201年政府信息公开工作年度报告", "2021-02-03", ("XX县", 2020)),
    ("XX镇20120年度政府信息公开工作年度报告", "2013-03-01", ("XX镇", 2012)),
    ("XX镇20120年度政府信息公开工作年度报告", "2021-01-15", ("XX镇", 2020)),
    ("XX镇20120年度政府信息公开工作年度报告", "2011-03-31", ("XX镇", 2010)),
    ("XX县2021年政府信息公开工作年度报告", "2025-01-01", ("XX县", 2021)),  # a clean year is never overridden
])
def test_typo_years_follow_the_published_date(title, published, expected):
    assert parse_title(title, published_date=published) == expected


def test_typo_year_from_text_when_no_date():
    text = "一、总体情况\n2021年，我县主动公开政府信息100条。\n本报告统计期限自2021年1月1日起。"
    assert parse_title("XX县20201年政府信息公开工作年度报告", text=text) == ("XX县", 2021)


def test_title_year_candidates():
    assert title_year_candidates("XX县20201年政府信息公开工作年度报告")[0] == [2020, 2021]
    assert title_year_candidates("关于2014年政府信息公开工作要点落实情况的函")[0] == [2014]
    assert title_year_candidates("XX县政府信息公开指南")[0] == []


def test_text_years():
    counts = text_years("现公布宝鸡市凤县人民政府2020年度政府信息公开工作年度报告。统计期限自2020年1月1日起。\n2020年，我县…")
    assert counts.most_common(1)[0][0] == 2020


@pytest.mark.parametrize("text, expected", [
    ("……改进措施。\nXX县人民政府办公室\n2022年1月28日", ("XX县人民政府办公室", "2022-01-28")),
    ("……\n平潭综合实验区管委会办公室\n2014年12月10日", ("平潭综合实验区管委会办公室", "2014-12-10")),
    ("……\nXX镇人民政府\n二〇二二年一月二十八日", ("XX镇人民政府", "2022-01-28")),
    ("……\nXX县财政局\n二○二一年十二月三十一日", ("XX县财政局", "2021-12-31")),
    ("……\nXX街道办事处 2023年2月10日", ("XX街道办事处", "2023-02-10")),
    ("……\nXX县统计局\n2024-01-15", ("XX县统计局", "2024-01-15")),
    ("……无其他需要报告的事项。\n2022年1月28日", (None, "2022-01-28")),
    ("六、其他需要报告的事项\n2021年，无收取信息处理费情况。", (None, None)),
    ("本报告所列数据的统计期限自2021年1月1日起至2021年12月31日", (None, None)),
    ("", (None, None)),
    ("……\nXX县人民政府办公室\n2022年1月28日\n附件：统计表", ("XX县人民政府办公室", "2022-01-28")),
])
def test_signature(text, expected):
    assert signature(text) == expected


@pytest.mark.parametrize("year, template", [
    (2008, "pre2019"), (2018, "pre2019"), (2019, "2019"), (2020, "2019"), (2021, "2021"),
    (2025, "2021"), (None, "unknown"),
])
def test_template_for_year(year, template):
    assert template_for_year(year) == template


def test_report_metadata_pingtan_2021():
    page = clean_page((FIXTURES / "pingtan_2021_report.html").read_text(encoding="utf-8"))
    meta = report_metadata(page)
    assert (meta.agency, meta.year, meta.template) == ("平潭综合实验区", 2021, "2021")
    assert meta.published_date == "2022-02-08"
    assert meta.publisher == "平潭县人民政府"  # the page's 来源


def test_report_metadata_pingtan_2019():
    meta = report_metadata(clean_page((FIXTURES / "pingtan_2019_report.html").read_text(encoding="utf-8")))
    assert (meta.agency, meta.year, meta.template, meta.published_date) == (
        "平潭综合实验区", 2019, "2019", "2020-01-20")


def test_report_metadata_shanghai_title_from_text():
    meta = report_metadata(clean_page((FIXTURES / "shanghai_2019_report.html").read_text(encoding="utf-8")))
    assert (meta.agency, meta.year, meta.template) == ("上海市人民政府办公厅", 2019, "2019")
    assert meta.publisher is None and meta.published_date == "2020-01-31"


def test_report_metadata_signature_fallbacks():
    page = CleanPage(title="XX县20201年政府信息公开工作年度报告", source=None, published_date=None,
                     text="一、总体情况\n……\nXX县人民政府办公室\n2022年1月28日", meta={})
    meta = report_metadata(page)
    assert (meta.agency, meta.year, meta.template) == ("XX县", 2021, "2021")
    assert meta.publisher == "XX县人民政府办公室"
    assert meta.published_date == "2022-01-28"


def test_report_metadata_year_from_text_without_title():
    page = CleanPage(title=None, source=None, published_date="2021-02-20", meta={},
                     text="根据《条例》规定，现公布XX县2020年度政府信息公开工作年度报告。\n一、总体情况\n2020年，我县…")
    meta = report_metadata(page)
    # no title printed: the title the body announces names the agency and the year
    assert (meta.agency, meta.year, meta.template) == ("XX县", 2020, "2019")
    assert meta.title == "XX县2020年度政府信息公开工作年度报告"
    assert meta.sources == {"title": "body", "agency": "title", "year": "title"}
