"""archive/clean.py on real report pages (tests/fixtures/, sources in tests/fixtures/README.md)."""
from __future__ import annotations

import html
from pathlib import Path

import pytest

from archive.clean import (clean_page, is_boilerplate_line, page_patterns, parse_date,
                           strip_inline_pinyin, to_simplified)

FIXTURES = Path(__file__).parent / "fixtures"
PHRASES = page_patterns()["boilerplate_lines"]["phrases"]


def read(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def excerpt_page(name: str, title: str | None = None) -> str:
    """A small HTML page around a text excerpt: every line of the excerpt (chrome included,
    first SOURCE line excluded) becomes a <p> of one <div>, as a flat portal page would."""
    lines = read(f"excerpts/{name}").splitlines()[1:]
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines if line.strip())
    head = f"<title>{html.escape(title)}</title>" if title else ""
    return f"<html><head><meta charset='utf-8'>{head}</head><body><div class='main'>{body}</div></body></html>"


def assert_no_boilerplate(text: str) -> None:
    for phrase in PHRASES:
        assert phrase not in text, phrase


SECTIONS_2021 = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                 "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]


@pytest.fixture(scope="module")
def pingtan_2021():
    return clean_page(read("pingtan_2021_report.html"))


def test_pingtan_2021_title_date_source(pingtan_2021):
    assert pingtan_2021.title == "平潭综合实验区2021年度政府信息公开工作年度报告"
    assert pingtan_2021.published_date == "2022-02-08"
    assert pingtan_2021.source == "平潭县人民政府"


def test_pingtan_2021_meta(pingtan_2021):
    meta = pingtan_2021.meta
    assert meta["SiteName"] == "平潭综合实验区党工委管委会"
    assert meta["ColumnName"] == "政府信息公开年报"
    assert meta["PubDate"] == "2022-02-08 16:34"
    assert meta["Author"] == "管委会办公室"
    assert "ContentSource" not in meta  # empty content="" is not kept


def test_pingtan_2021_text(pingtan_2021):
    text = pingtan_2021.text
    lines = text.split("\n")
    for heading in SECTIONS_2021:
        assert heading in lines, heading
    assert "本年度全区共收到70件申请，及时依法依规办结69件，1件结转下年度继续办理。" in text
    assert lines[-1] == "2021年，无收取信息处理费情况。"
    assert text.startswith("根据《中华人民共和国政府信息公开条例》")
    assert "| 行政规范性文件 | 69 | 3 | 665 |" in text  # table cells stay readable
    assert_no_boilerplate(text)
    for chrome in ("微信 微博 QQ空间", "文件下载", "相关链接", "附件下载"):
        assert chrome not in text


def test_pingtan_2019():
    page = clean_page(read("pingtan_2019_report.html"))
    assert page.title == "平潭综合实验区2019年度政府信息公开工作年度报告"
    assert page.published_date == "2020-01-20"
    assert page.source == "平潭县人民政府"
    lines = page.text.split("\n")
    for heading in ("一、总体情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"):
        assert heading in lines
    # the body prints the title on two lines; it is kept as printed
    assert lines[:2] == ["平潭综合实验区2019年", "政府信息公开工作年度报告"]
    assert "今年，我区政府信息公开单位共公布政府信息2599条" in page.text
    assert lines[-1] == "无其他需要报告的事项"
    assert_no_boilerplate(page.text)


def test_trap_letter_keeps_signature():
    page = clean_page(read("trap_2014_workpoints_letter.html"))
    assert page.title == "关于2014年政府信息公开工作要点落实情况的函"
    assert page.published_date == "2014-12-10"
    assert page.text.split("\n")[-2:] == ["平潭综合实验区管委会办公室", "2014年12月10日"]
    assert page.text.startswith("省政府办公厅：")
    assert_no_boilerplate(page.text)


def test_shanghai_2019_without_meta_tags():
    page = clean_page(read("shanghai_2019_report.html"))
    assert page.meta == {}
    assert page.title == "2019年上海市人民政府办公厅政府信息公开工作年度报告"  # first text line
    assert page.published_date == "2020-01-31"  # 发布日期：2020-01-31
    assert "发布日期" not in page.text
    assert "2019年，通过“中国上海”门户网站、《上海市人民政府公报》等平台主动公开规章13件" in page.text
    assert page.text.split("\n")[-2:] == ["六、其他需要报告的事项", "无。"]


def test_pingtan_2023_excerpt_footer_removed():
    page = clean_page(read("pingtan_2023_report_article_EXCERPT.html"))
    assert page.title == "平潭综合实验区2023年度政府信息公开工作年度报告"
    assert page.published_date == "2024-03-08"
    assert page.source == "平潭综合实验区管委会办公室"
    assert page.meta["ContentSource"] == "平潭综合实验区管委会办公室"
    assert "二、主动公开政府信息情况" in page.text.split("\n")
    assert_no_boilerplate(page.text)
    assert "联系我们" not in page.text


def test_excerpt_016_town_chrome():
    page = clean_page(excerpt_page("016_excerpt.txt"))
    lines = page.text.split("\n")
    assert lines[0] == "中村乡2020年政府信息公开工作年度报告"
    assert page.title == "中村乡2020年政府信息公开工作年度报告"
    assert "一、总体情况" in lines and "二、主动公开政府信息情况" in lines
    assert_no_boilerplate(page.text)
    assert "访问量" not in page.text and "无障碍" not in page.text


def test_excerpt_020_click_rate_print_close():
    page = clean_page(excerpt_page("020_excerpt.txt"))
    assert page.published_date == "2023-01-31"
    assert page.source is None  # 「来源: 作者:」 has an empty value
    assert "【 打印 】" not in page.text and "点击率" not in page.text
    assert "||||" not in page.text
    assert "网站总访问量达442868人次" in page.text  # a report sentence is not chrome


def test_excerpt_021_metadata_block():
    page = clean_page(excerpt_page("021_excerpt.txt", "县政府办2022年度政府信息公开工作年度报告-府谷县人民政府"))
    assert page.title == "县政府办2022年度政府信息公开工作年度报告"
    assert page.published_date == "2023-01-18"  # 发布日期 outranks 成文日期; no colon on the page
    assert page.source == "县政府办公室"  # 发布机构 县政府办公室
    lines = page.text.split("\n")
    assert lines[0] == "县政府办2022年度政府信息公开工作年度报告"
    for chrome in ("今天是", "简体 | 繁体", "当前位置", "索引号", "公文时效", "标   题"):
        assert chrome not in page.text
    assert "一、总体情况" in lines


def test_excerpt_022_breadcrumb_arrows_and_index_block():
    page = clean_page(excerpt_page("022_excerpt.txt"))
    assert page.published_date == "2021-02-20"
    assert page.source == "市政府办"
    assert page.text.split("\n")[0] == "山阳县人民政府2020年政府信息公开工作年度报告"
    assert "索 引 号" not in page.text and "网站首页" not in page.text and "名  称" not in page.text


@pytest.mark.parametrize("name", ["017_excerpt.txt", "018_excerpt.txt", "019_excerpt.txt"])
def test_excerpts_keep_sections(name):
    page = clean_page(excerpt_page(name))
    assert "一、总体情况" in page.text.split("\n")
    assert_no_boilerplate(page.text)


def test_today_widget_is_not_the_date():
    page = clean_page(
        "<html><body><div class='top'>今天是：2022年02月10日 星期四</div>"
        "<div class='top'>时间：2022年02月11日 星期五</div>"
        "<h1>XX县2021年政府信息公开工作年度报告</h1><div class='TRS_Editor'>"
        "<p>一、总体情况</p><p>2021年，我县主动公开政府信息100条。</p></div>"
        "<meta name='PubDate' content='2022-02-09 10:00'></body></html>")
    assert page.published_date == "2022-02-09"
    assert page.title == "XX县2021年政府信息公开工作年度报告"


@pytest.mark.parametrize("label, expected", [
    ("发布时间：2022-02-08", "2022-02-08"),
    ("发布日期：2022年02月08日", "2022-02-08"),
    ("时间: 2022/2/8 10:30", "2022-02-08"),
    ("成文日期 2022.2.8", "2022-02-08"),
    ("统计时间：2021-12-31 发布时间：2022-01-05", "2022-01-05"),
    ("成文日期：2022-01-20 发布日期：2022-02-03", "2022-02-03"),  # 成文日期 only as a last resort
    ("时间：2022-02-08</div><div>相关文章 发布日期：2023-05-01", "2022-02-08"),  # earliest wins
])
def test_labelled_dates(label, expected):
    page = clean_page(f"<html><body><div>{label}</div><div id='zoom'><p>正文</p></div></body></html>")
    assert page.published_date == expected


def test_fallback_to_container_when_extractor_finds_little():
    body = "".join(f"<p>第{i}段：本机关依法公开政府信息。</p>" for i in range(3))
    page = clean_page("<html><head><title>XX局2020年政府信息公开工作年度报告_XX县人民政府</title></head>"
                      f"<body><div id='zoom'>{body}<p>XX县XX局</p><p>2021年1月20日</p></div></body></html>")
    assert page.title == "XX局2020年政府信息公开工作年度报告"
    assert "第0段：本机关依法公开政府信息。" in page.text
    assert page.text.endswith("XX县XX局\n2021年1月20日")


def test_empty_and_garbage_input():
    assert clean_page("").text == ""
    assert clean_page("").title is None
    page = clean_page("not html at all")
    assert page.published_date is None and page.source is None


def test_parse_date():
    assert parse_date("2022/2/8 10:30") == "2022-02-08"
    assert parse_date("2022年2月8日") == "2022-02-08"
    assert parse_date("2022-02-30") is None
    assert parse_date(None) is None


def test_is_boilerplate_line():
    assert is_boilerplate_line("关怀版 无障碍 无障碍")
    assert is_boilerplate_line("您当前所在位置: 首页 > 乡镇信息公开 > 中村乡 > 政务信息公开年报")
    assert is_boilerplate_line("字号：[ 大 中 小 ]")
    assert is_boilerplate_line("网站标识码：3590000001 公安备案号：35012899001-19002 闽ICP备09032658号")
    assert not is_boilerplate_line("一、总体情况")
    assert not is_boilerplate_line("2021年，无收取信息处理费情况。")


def test_strip_inline_pinyin():
    assert strip_inline_pinyin("領(lǐng)導(dǎo)") == "領導"
    assert strip_inline_pinyin("加强组织领（lǐng）导（dǎo）。") == "加强组织领导。"
    assert strip_inline_pinyin("领导(ling3 dao3)小组") == "领导小组"
    assert strip_inline_pinyin("政务新媒体(APP)和平台(app)") == "政务新媒体(APP)和平台(app)"
    assert strip_inline_pinyin("（一）主动公开(2021年)") == "（一）主动公开(2021年)"
    assert strip_inline_pinyin("") == ""


def test_to_simplified():
    assert to_simplified("政府資訊公開工作年度報告") == "政府资讯公开工作年度报告"
    assert to_simplified("領導小組") == "领导小组"
    assert to_simplified(to_simplified("一、總體情況")) == "一、总体情况"
    assert to_simplified(None) == ""
