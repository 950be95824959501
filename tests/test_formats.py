"""Format dispatch, tables flattened to text, sections and metadata checks."""
import doctest
import json
from pathlib import Path

import pytest

import archive.check
import archive.flat_tables
import archive.formats
import archive.sections
from archive.parse import parse_report

CORPUS = Path(__file__).parent / "corpus"


@pytest.mark.parametrize("module", [archive.flat_tables, archive.formats, archive.sections,
                                    archive.check])
def test_doctests(module):
    assert doctest.testmod(module).failed == 0


def _parse(case):
    expected = json.loads((CORPUS / case / "expected.json").read_text(encoding="utf-8"))
    body = (CORPUS / case / expected["source"]).read_bytes()
    return parse_report(body, expected.get("content_type"), f"https://x.gov.cn/{expected['source']}",
                        expected.get("list_title"))


def test_flattened_cells_point_at_a_line_of_the_stored_text():
    parsed = _parse("text_pipes_tx2020")
    lines = parsed.text.split("\n")
    for cell in parsed.cells:
        assert cell.source_table == -1
        cells_of_line = [c.strip() for c in lines[cell.source_row].split("|") if c.strip()]
        assert cells_of_line[cell.source_col] == cell.raw


def test_docx_and_pdf_cells_carry_table_row_and_column():
    for case in ("docx_pt2022", "pdf_mc2022"):
        parsed = _parse(case)
        assert parsed.source_format in ("docx", "pdf")
        assert all(c.source_table >= 0 and c.source_row >= 0 for c in parsed.cells)


def test_unreadable_format_is_a_failing_check_not_an_error():
    parsed = parse_report(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "application/msword",
                          "https://x.gov.cn/a.doc", "某县2020年政府信息公开工作年度报告")
    assert (parsed.source_format, parsed.text, parsed.year) == ("doc", "", 2020)
    assert [(c.name, c.passed) for c in parsed.checks] == [("unreadable_format", False)]


def test_sections_of_a_report():
    parsed = _parse("portal_mc2022")
    assert [s.number for s in parsed.sections] == ["一", "二", "三", "四", "五", "六"]
    assert parsed.sections[0].title == "总体情况"


def test_traditional_report_keeps_its_script_without_pinyin():
    parsed = _parse("traditional_tx-czj2023")
    assert "(gōng)" not in parsed.text and "開" in parsed.text


def test_image_only_tables_are_flagged():
    parsed = _parse("image_tables_tx2020")
    missing = [c for c in parsed.checks if c.name == "tables_missing"]
    assert missing and "image" in missing[0].detail


def test_year_typo_is_read_and_flagged():
    parsed = _parse("typo_year_mc2022")
    assert parsed.year == 2022
    check = next(c for c in parsed.checks if c.name == "year_consistent")
    assert not check.passed and "20221" in check.detail


def test_template_mismatch_is_flagged():
    from archive.check import metadata_checks
    [check] = metadata_checks(None, 2022, None, "", "2019")
    assert (check.name, check.passed) == ("template_matches_year", False)
    assert "2019" in check.detail and "2021" in check.detail
