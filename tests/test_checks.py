"""archive.check on real report pages and on copies with one value changed."""
from pathlib import Path

import lxml.html
import pytest

from archive.check import Check, run_checks, tables_missing_check
from archive.statistics import Statistics, extract_statistics
from tests.test_statistics import PRE2019, TRADITIONAL_2019

FIXTURES = Path(__file__).parent / "fixtures"
RULES = ["balance", "results_total", "row_total", "group_rows_empty", "non_negative", "reviews_total",
         "rows_unaligned"]


def page(name: str):
    return lxml.html.fromstring((FIXTURES / name).read_text(encoding="utf-8"))


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


def set_cell(tree, table: int, row: int, td: int, text: str):
    """Replace the text of the td-th <td> of a row (source coordinates of the page)."""
    cell = list(list(tree.xpath("//table")[table].iter("tr"))[row].iter("td"))[td]
    for child in list(cell):
        cell.remove(child)
    cell.text = text
    return tree


@pytest.mark.parametrize("name", ["pingtan_2019_report.html", "pingtan_2021_report.html",
                                  "shanghai_2019_report.html"])
def test_consistent_reports_pass_every_check(name):
    checks = run_checks(extract_statistics(page(name)))
    assert [c.name for c in checks] == RULES
    assert all(c.passed for c in checks), [c for c in checks if not c.passed]


def test_blank_columns_are_skipped_not_zero():
    checks = by_name(run_checks(extract_statistics(page("shanghai_2019_report.html"))))
    assert "skipped, blank: 科研机构, 社会公益组织" in checks["balance"].detail
    assert "复议后起诉" in checks["reviews_total"].detail


def test_changed_value_fails_balance_naming_the_column():
    # Pingtan 2021, section 三, row 一 (table 1, row 3): 自然人 64 → 65
    tree = set_cell(page("pingtan_2021_report.html"), 1, 3, 1, "65")
    checks = by_name(run_checks(extract_statistics(tree)))
    balance = checks["balance"]
    assert not balance.passed
    assert balance.detail == "自然人: 65 + 0 = 65 ≠ 63 + 1 = 64"
    assert not checks["row_total"].passed
    assert checks["row_total"].detail.startswith("1 一、本年新收政府信息公开申请数量: 70 ≠ 65 + 0")
    assert checks["results_total"].passed and checks["reviews_total"].passed


def test_changed_leaf_fails_results_total():
    # Pingtan 2019, row 3.5.2 重复申请 (table 1, row 19): 自然人 3 → 4
    tree = set_cell(page("pingtan_2019_report.html"), 1, 19, 1, "4")
    checks = by_name(run_checks(extract_statistics(tree)))
    assert not checks["results_total"].passed
    assert checks["results_total"].detail.startswith("自然人: 23 ≠ 7 + 1 + 0")
    assert checks["results_total"].detail.endswith("= 24")
    assert checks["balance"].passed


def test_changed_review_fails_reviews_total():
    # Pingtan 2021, section 四 (table 2, row 3): 行政复议 结果维持 1 → 2
    tree = set_cell(page("pingtan_2021_report.html"), 2, 3, 0, "2")
    check = by_name(run_checks(extract_statistics(tree)))["reviews_total"]
    assert (check.passed, check.detail) == (False, "行政复议: 3 ≠ 2 + 0 + 2 + 0 = 4")


def test_truncated_table_emits_no_failing_check():
    checks = run_checks(extract_statistics(page("pingtan_2023_report_article_EXCERPT.html")))
    assert all(c.passed for c in checks)
    assert "reviews_total" not in by_name(checks)


def test_traditional_variant_checks():
    checks = by_name(run_checks(extract_statistics(lxml.html.fromstring(TRADITIONAL_2019))))
    assert checks["row_total"].passed
    assert checks["results_total"].passed       # 3 = 1 + 2 (other leaves absent)
    assert "balance" in checks                  # 一 present, 二/四 absent: counted as blank


def test_pre2019_soft_identities():
    checks = by_name(run_checks(extract_statistics(lxml.html.fromstring(PRE2019))))
    assert checks["B.published"].passed and checks["B.requests"].passed
    assert checks["B.cumulative"].passed
    assert "B.replies" not in checks            # rows 3.x absent: not emitted
    broken = PRE2019.replace("<td>41100</td>", "<td>41000</td>")
    check = by_name(run_checks(extract_statistics(lxml.html.fromstring(broken))))["B.published"]
    assert (check.passed, check.detail) == (False, "year: 41105 ≠ 41000 + 5 = 41005")


def test_no_statistics_no_checks_and_missing_helper():
    assert run_checks(Statistics(None, [], [])) == []
    missing = tables_missing_check()
    assert (missing.name, missing.passed) == ("tables_missing", False)
