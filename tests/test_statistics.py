"""archive.tables, archive.labels and archive.statistics on real report pages.

Expected values were read by eye from the tables of the fixtures (tests/fixtures/README.md).
"""
from pathlib import Path

import lxml.html
import pytest

from archive.labels import LabelIndex, core, normalise
from archive.statistics import extract_statistics, parse_value
from archive.tables import html_grids

FIXTURES = Path(__file__).parent / "fixtures"


def page(name: str):
    return lxml.html.fromstring((FIXTURES / name).read_text(encoding="utf-8"))


def cell(stats, table, **fields):
    found = [c for c in stats.cells if c.table == table
             and all(c.fields.get(k) == v for k, v in fields.items())]
    assert len(found) == 1, (table, fields, found)
    return found[0]


def value(stats, table, **fields):
    return cell(stats, table, **fields).value


def row(stats, code):
    return [c.value for c in stats.cells
            if c.table == "applications" and c.fields["row_code"] == code]


@pytest.fixture(scope="module")
def pingtan2019():
    return extract_statistics(page("pingtan_2019_report.html"))


@pytest.fixture(scope="module")
def pingtan2021():
    return extract_statistics(page("pingtan_2021_report.html"))


@pytest.fixture(scope="module")
def shanghai2019():
    return extract_statistics(page("shanghai_2019_report.html"))


# ---------------------------------------------------------------- tables

def test_grid_expands_spans_and_cleans_text():
    tree = lxml.html.fromstring(
        "<div><table><tr><td rowspan=2>本年新<br>制作数量</td><td colspan=2>结<p>果</p>维持</td></tr>"
        "<tr><td>&nbsp;1</td><td>\u3000２ </td></tr></table></div>")
    grid = html_grids(tree)[0]
    assert [[c.text for c in r] for r in grid.rows] == [
        ["本年新制作数量", "结果维持", "结果维持"], ["本年新制作数量", "1", "２"]]
    assert grid.rows[0][0].is_origin and not grid.rows[1][0].is_origin
    assert grid.rows[1][0].source == (0, 0, 0)
    assert [c.text for c in grid.distinct_cells(0)] == ["本年新制作数量", "结果维持"]
    assert [c.text for c in grid.own_cells(1)] == ["1", "２"]
    assert grid.rows[0][1].raw == "结 果 维持"


def test_nested_tables_give_the_innermost_only():
    tree = lxml.html.fromstring(
        "<div><table><tr><td><table><tr><td>a</td></tr></table></td></tr></table>"
        "<table><tr><td>b</td><td>c</td></tr><tr><td>d</td></tr></table></div>")
    grids = html_grids(tree)
    assert [[c.text if c else None for c in r] for g in grids for r in g.rows] == [
        ["a"], ["b", "c"], ["d", None]]
    assert [g.table for g in grids] == [0, 1]


def test_irregular_header_spans_of_pingtan_2021():
    grid = html_grids(page("pingtan_2021_report.html"))[1]
    # Header 自然人 colspan=2 and data 商业企业 colspan=2: same grid column, different cells.
    assert grid.rows[1][4].text == "自然人" and grid.rows[3][4].text == "0"
    values = [c.text for c in grid.distinct_cells(3)][1:]
    assert values == ["64", "0", "0", "2", "0", "4", "70"]


# ---------------------------------------------------------------- labels and values

def test_normalise_labels():
    assert normalise("本年新 制作数量") == normalise("本年新制作数量")
    assert normalise("（七）總計") == normalise("(七)总计")
    assert normalise("国办公开办函〔2019〕60号") == normalise("国办公开办函[2019]60号")
    assert normalise("其中：1、网站公开") == normalise("其中:1.网站公开")
    assert normalise("一.本年度办理结果") == normalise("一、本年度办理结果")
    assert core("（二）部分公开（区分处理的，只计这一情形，不计其他情形）") == "部分公开"


def test_label_index_exact_core_and_ambiguous():
    index = LabelIndex([("1.属于国家秘密", "1.属于国家秘密"), ("其他", "A"), ("3.其他", "B")])
    assert index.lookup("1、屬於國家秘密") == "1.属于国家秘密"
    assert index.lookup("属于国家秘密") == "1.属于国家秘密"     # renumbered page
    assert index.lookup("其他") == "A"                        # exact wins over core
    assert index.lookup("4.其他") is None                     # core ambiguous
    assert index.lookup("") is None


@pytest.mark.parametrize("text, expected", [
    ("0", (0, None, True)), ("24252.311082", (24252.311082, None, True)),
    ("609.11万元", (609.11, "万元", True)), ("75394432.52元", (75394432.52, "元", True)),
    ("+823", (823, None, True)), ("-67", (-67, None, True)), ("—208", (-208, None, True)),
    ("条 41105", (41105, "条", True)), ("1,234", (1234, None, True)),
    ("", (None, None, True)), ("\u00a0", (None, None, True)), ("—", (None, None, True)),
    ("-", (None, None, True)), ("/", (None, None, True)), ("无", (None, None, True)),
    ("\\", (None, None, True)), ("见附件", (None, None, False)),
])
def test_parse_value(text, expected):
    assert parse_value(text) == expected


# ---------------------------------------------------------------- Pingtan 2019

def test_pingtan_2019(pingtan2019):
    s = pingtan2019
    assert s.template == "2019"
    ad = "active_disclosure"
    assert value(s, ad, content="规章", metric="本年新制作数量") == 0   # bare text in <td>
    assert value(s, ad, item="第二十条第（一）项", content="规范性文件",
                 metric="对外公开总数量") == 89
    assert value(s, ad, content="其他对外管理服务事项", metric="上一年项目数量") == 10
    assert value(s, ad, content="行政处罚", metric="处理决定数量") == 430
    assert value(s, ad, content="行政事业性收费", metric="本年增/减") == 0
    amount = cell(s, ad, content="政府集中采购", metric="采购总金额")
    assert (amount.value, amount.fields["unit"], amount.raw) == (75394432.52, "元", "75394432.52元")
    assert row(s, "1") == [23, 0, 0, 0, 0, 0, 23]
    assert value(s, "applications", row_code="3.4.1", applicant="自然人") == 7
    assert value(s, "applications", row_code="3.4.3", applicant="总计") == 5
    assert value(s, "applications", row_code="3.5.2", applicant="自然人") == 3
    assert value(s, "applications", row_code="3.6", applicant="自然人") == 0
    assert row(s, "3.7") == [23, 0, 0, 0, 0, 0, 23]
    assert len([c for c in s.cells if c.table == "applications"]) == 23 * 7
    reviews = [c for c in s.cells if c.table == "reviews"]
    assert len(reviews) == 15 and {c.value for c in reviews} == {0}
    assert cell(s, "applications", row_code="3.4.1", applicant="自然人").source_row == 15


# ---------------------------------------------------------------- Pingtan 2021

def test_pingtan_2021(pingtan2021):
    s = pingtan2021
    assert s.template == "2021"
    ad = "active_disclosure"
    assert value(s, ad, content="行政规范性文件", metric="本年制发件数") == 69
    assert value(s, ad, content="行政规范性文件", metric="现行有效件数") == 665
    assert value(s, ad, content="行政许可", metric="本年处理决定数量") == 2293
    assert value(s, ad, item="第二十条第（六）项", content="行政强制") == 42
    fee = value(s, ad, content="行政事业性收费", metric="本年收费金额（单位：万元）")
    assert fee == 24252.311082 and isinstance(fee, float)
    assert row(s, "1") == [64, 0, 0, 2, 0, 4, 70]
    first = cell(s, "applications", row_code="1", applicant="自然人")
    assert (first.source_table, first.source_row, first.source_col) == (1, 3, 3)
    assert row(s, "3.6.3") == [1, 0, 0, 0, 0, 0, 1]
    assert value(s, "applications", row_code="3.3.7", applicant="自然人") == 6
    assert value(s, "applications", row_code="3.4.1", applicant="其他") == 3
    assert row(s, "3.7") == [63, 0, 0, 2, 0, 4, 69]
    assert row(s, "4") == [1, 0, 0, 0, 0, 0, 1]
    assert not any(c.fields["row_code"] == "3.6" for c in s.cells if c.table == "applications")
    assert value(s, "reviews", proceeding="行政复议", result="其他结果") == 2
    assert value(s, "reviews", proceeding="行政复议", result="总计") == 3
    assert value(s, "reviews", proceeding="未经复议直接起诉", result="结果维持") == 12
    assert value(s, "reviews", proceeding="复议后起诉", result="总计") == 0
    assert s.notes == []


# ---------------------------------------------------------------- Shanghai 2019

def test_shanghai_2019_blank_is_none_and_spans_by_order(shanghai2019):
    s = shanghai2019
    assert s.template == "2019"
    ad = "active_disclosure"
    assert value(s, ad, content="规章", metric="本年新公开数量") == 13
    assert value(s, ad, content="规章", metric="对外公开总数量") == 524
    assert value(s, ad, content="规范性文件", metric="对外公开总数量") == 368
    # header 本年增/减 has colspan=2, data 上一年项目数量 has colspan=2: mapped by order
    assert [c.fields["metric"] for c in s.cells if c.table == ad
            and c.fields["content"] == "行政许可"] == ["上一年项目数量", "本年增/减", "处理决定数量"]
    assert value(s, ad, content="政府集中采购", metric="采购总金额") == 251000
    assert row(s, "1") == [821, 35, None, None, 2, 1, 859]
    assert row(s, "3.1") == [258, 12, None, None, 1, 1, None]
    assert row(s, "3.3.2") == [None] * 7
    assert row(s, "3.7") == [767, 35, None, None, 2, 1, 805]
    assert row(s, "4") == [72, None, None, None, None, None, 72]
    assert cell(s, "applications", row_code="3.1", applicant="总计").raw == ""
    assert value(s, "reviews", proceeding="行政复议", result="结果维持") == 5
    assert value(s, "reviews", proceeding="行政复议", result="结果纠正") is None
    assert value(s, "reviews", proceeding="未经复议直接起诉", result="总计") == 9


def test_pingtan_2023_excerpt_truncated_table_is_noted():
    s = extract_statistics(page("pingtan_2023_report_article_EXCERPT.html"))
    assert s.template == "2021"
    assert value(s, "active_disclosure", content="行政规范性文件", metric="本年废止件数") == 132
    assert value(s, "active_disclosure", content="行政事业性收费") == 5949.088667
    assert row(s, "1") == [80]
    assert any("1 value cells, expected 7" in n for n in s.notes)
    assert "reviews: table not found" in s.notes


def test_page_without_tables():
    s = extract_statistics(lxml.html.fromstring("<div><p>一、总体情况</p></div>"))
    assert (s.template, s.cells) == (None, [])


# ---------------------------------------------------------------- variants

TRADITIONAL_2019 = """<div>
<table>
 <tr><td colspan=4>第二十條第(一)項</td></tr>
 <tr><td>信息內容</td><td>本年新 制作數量</td><td>本年新<br>公開數量</td><td>對外公開總數量</td></tr>
 <tr><td>規　章</td><td>—</td><td>無</td><td>3</td></tr>
 <tr><td>規範性文件</td><td>5</td><td>&nbsp;4</td><td>/</td></tr>
</table>
<table>
 <tr><td colspan=3 rowspan=2>說明</td><td>自然人</td><td>商業 企業</td><td>科研機構</td>
     <td>社會公益組織</td><td>法律服務機構</td><td>其他</td><td>總計</td></tr>
 <tr><td colspan=7>&nbsp;</td></tr>
 <tr><td colspan=3>一、本年新收政府信息公開申請數量</td><td>2</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>3</td></tr>
 <tr><td rowspan=2>三、本年度辦理結果</td><td rowspan=2>(三)不予公開</td>
     <td>1、屬於國家秘密</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td></tr>
 <tr><td>2、其他法律行政法規禁止公開</td><td>1</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>2</td></tr>
 <tr><td colspan=3>(七) 總 計</td><td>2</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>3</td></tr>
</table></div>"""


def test_traditional_and_spaced_labels():
    s = extract_statistics(lxml.html.fromstring(TRADITIONAL_2019))
    assert s.template == "2019"
    ad = "active_disclosure"
    assert value(s, ad, item="第二十条第（一）项", content="规章", metric="本年新制作数量") is None
    assert value(s, ad, content="规章", metric="本年新公开数量") is None
    assert value(s, ad, content="规章", metric="对外公开总数量") == 3
    assert value(s, ad, content="规范性文件", metric="本年新公开数量") == 4
    assert value(s, ad, content="规范性文件", metric="对外公开总数量") is None
    assert row(s, "1") == [2, 1, 0, 0, 0, 0, 3]
    assert cell(s, "applications", row_code="3.3.1", applicant="总计").fields["row_label"] \
        == "1.属于国家秘密"
    assert row(s, "3.3.2") == [1, 1, 0, 0, 0, 0, 2]
    assert row(s, "3.7") == [2, 1, 0, 0, 0, 0, 3]


PRE2019 = """<div><p>附件：平潭综合实验区2015年政府信息公开情况统计表</p>
<table>
 <tr><td>指标名称</td><td>计量单位</td><td>2015年度</td><td>历年累计</td></tr>
 <tr><td>主动公开文件数</td><td>条</td><td>41105</td><td>52210</td></tr>
 <tr><td>其中：1、政府网站公开数</td><td>条</td><td>41100</td><td>52200</td></tr>
 <tr><td>2、政府公报公开数</td><td>条</td><td>5</td><td>10</td></tr>
 <tr><td>受理依申请公开信息总数</td><td>条</td><td>3</td><td>12</td></tr>
 <tr><td>其中：1.当面申请数</td><td>条</td><td>1</td><td>4</td></tr>
 <tr><td>2.网上申请数</td><td>条</td><td>2</td><td>6</td></tr>
 <tr><td>3.信函、传真申请数</td><td>条</td><td>0</td><td>2</td></tr>
 <tr><td>政府信息公开收费减免金额</td><td>元</td><td>0</td><td>—</td></tr>
 <tr><td>网站专栏访问人次</td><td>人次</td><td>1500</td><td>9000</td></tr>
 <tr><td>行政复议数</td><td>件</td><td>0</td><td>1</td></tr>
</table></div>"""

PRE2019_GLUED = """<table>
 <tr><td>指标名称</td><td>2013年度</td></tr>
 <tr><td>主动公开信息数</td><td>条41105</td></tr>
 <tr><td>其中：1、网站公开</td><td>条 41100</td></tr>
 <tr><td>2、政府公报公开</td><td>条5</td></tr>
</table>"""


def test_pre2019_statistics_table():
    s = extract_statistics(lxml.html.fromstring(PRE2019))
    assert (s.template, s.variant) == ("pre2019", "fujian_B_2014_2018")
    stats = "legacy_stats"
    first = cell(s, stats, indicator="主动公开文件数")
    assert (first.value, first.fields["unit"], first.fields["row_code"]) == (41105, "条", "1")
    assert value(s, stats, indicator="主动公开文件数（历年累计）") == 52210
    assert value(s, stats, indicator="其中：1、政府网站公开数", column="year") == 41100
    assert value(s, stats, indicator="其中：1、当面申请数（历年累计）", column="cumulative") == 4
    assert value(s, stats, indicator="政府信息公开收费减免金额（历年累计）") is None
    # not in the form: the page's own (normalised) label is kept
    assert value(s, stats, indicator="网站专栏访问人次", column="year") == 1500
    assert "legacy_stats: unknown indicator 网站专栏访问人次" in s.notes


def test_pre2019_unit_glued_to_value():
    s = extract_statistics(lxml.html.fromstring(PRE2019_GLUED))
    assert (s.template, s.variant) == ("pre2019", "fujian_A_2011_2013")
    first = cell(s, "legacy_stats", indicator="主动公开信息数")
    assert (first.value, first.fields["unit"], first.raw) == (41105, "条", "条41105")
    assert value(s, "legacy_stats", indicator="其中：1.网站公开") == 41100


def test_reviews_whose_values_row_was_cut_from_its_header_by_a_page_break(shanghai2019):
    """A PDF's tables end at each page: section 四's header on one page and its row of
    values at the top of the next come as two tables. The values are read from the next
    table, and the same as from the whole table."""
    tree = page("shanghai_2019_report.html")
    table = next(t for t in tree.iter("table") if "结果维持" in t.text_content() and "行政复议" in t.text_content())
    rows = [tr for tr in table.iter("tr")]
    values_row = rows[-1]
    values_row.getparent().remove(values_row)
    cut = lxml.html.fromstring("<table></table>")
    cut.append(values_row)
    table.addnext(cut)
    assert len(list(table.iter("tr"))) == len(rows) - 1
    whole = {tuple(c.fields.values()): c.value for c in shanghai2019.cells if c.table == "reviews"}
    split = extract_statistics(tree)
    assert {tuple(c.fields.values()): c.value for c in split.cells if c.table == "reviews"} == whole
    assert value(split, "reviews", proceeding="未经复议直接起诉", result="总计") == 9
    assert not any("header found but no row of values" in note for note in split.notes)
