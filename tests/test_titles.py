"""The report-title classifier against a labelled list of titles (tests/data/titles.tsv)."""
from archive.titles import is_report_title, strip_chrome
from tests.titles_labelled import labelled, score


def test_the_list_is_large_mixed_and_says_where_each_title_comes_from():
    rows = labelled()
    assert len(rows) >= 1000 and len({t.text for t in rows}) == len(rows)
    assert sum(t.label == "report" for t in rows) >= 400
    assert sum(t.label == "other" for t in rows) >= 400
    assert sum(t.provenance == "real" for t in rows) >= 150
    assert sum(t.provenance == "real" and t.label == "report" for t in rows) >= 20


def test_every_title_is_classified_as_labelled():
    wrong = [f"{t.label}\t{t.provenance}\t{t.text}" for t in labelled()
             if is_report_title(t.text) != (t.label == "report")]
    assert wrong == [], "\n".join(wrong)


def test_precision_and_recall_floor():
    result = score(labelled())
    assert result.precision >= 0.99 and result.recall >= 0.99


def test_the_two_reports_of_issue_12():
    assert is_report_title("关于2022年度政府信息公开情况的报告")
    assert is_report_title("XX县林业局信息公开工作年度报告")


def test_a_column_name_is_not_a_report_without_an_agency():
    for column in ("政府信息公开工作年度报告", "政府信息公开年报", "部门政府信息公开工作年度报告",
                   "乡镇政府信息公开工作年度报告", "县区政府信息公开年度报告", "县政府信息公开工作年度报告"):
        assert not is_report_title(column), column


def test_list_chrome_is_cut_off_but_not_the_title():
    assert strip_chrome("[2023-01-20]龙泉市2022年政府信息公开工作年度报告") == "龙泉市2022年政府信息公开工作年度报告"
    assert strip_chrome("【年报】龙泉市林业局信息公开工作年度报告.pdf") == "龙泉市林业局信息公开工作年度报告"
    assert strip_chrome("龙泉市2022年政府信息公开工作年度报告（2023-01-20）") == "龙泉市2022年政府信息公开工作年度报告"
    assert strip_chrome("2023-01-20") == "2023-01-20"   # nothing but chrome: left as it is


def test_agency_and_year_are_read_through_chrome_and_numerals():
    from archive.metadata import parse_title

    assert parse_title("[2023-01-20]龙泉市2022年政府信息公开工作年度报告") == ("龙泉市", 2022)
    assert parse_title("【年报】龙泉市2022年政府信息公开工作年度报告.pdf") == ("龙泉市", 2022)
    assert parse_title("龙泉市二0二一年政府信息公开工作年度报告") == ("龙泉市", 2021)
    assert parse_title("县林业局信息公开工作年度报告") == ("县林业局", None)   # the year comes from the text
