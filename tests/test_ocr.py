"""Scanned reports are read by OCR (archive/ocr.py): an image-only PDF and an image document
give the same values as the report they are scans of, each value carries its confidence,
low-confidence values are kept and flagged, and the parse workers give OCR the time and
memory it needs within their limits.

The scans are made here from a committed labelled PDF (tests/corpus/scanned.py: 200 dpi,
rotated, noise, specks, JPEG); the labels are that report's expected.json.
"""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from archive.formats import sniff
from archive.limits import Limits
from archive.parse import parse_report
from tests.corpus.labelled import compare, key, load
from tests.corpus.scanned import scan_image, scan_pdf, to_pdf

CASE = Path(__file__).parent / "corpus" / "pdf_mc2022"
DOUBLE_RULED = Path(__file__).parent / "corpus" / "real_shanghai_2019"   # <table border="1" cellspacing="1">
pytestmark = pytest.mark.ocr


@pytest.fixture(scope="module")
def expected():
    return load(CASE)


@pytest.fixture(scope="module")
def scanned_pdf():
    return scan_pdf((CASE / "report.pdf").read_bytes(), seed=7)


@pytest.fixture(scope="module")
def parsed_scan(scanned_pdf, expected):
    return parse_report(scanned_pdf, "application/pdf", "https://example.gov.cn/scan.pdf",
                        expected.get("list_title"))


def test_the_scan_has_no_text_layer(scanned_pdf):
    import pdfplumber

    with pdfplumber.open(io.BytesIO(scanned_pdf)) as pdf:
        assert len(pdf.pages) == 2
        assert all(not page.chars and page.images for page in pdf.pages)


def test_a_scanned_pdf_gives_the_reports_values_and_metadata(parsed_scan, expected):
    result = compare("scan", expected, parsed_scan)
    assert parsed_scan.source_format == "pdf_ocr"
    assert result.cells_expected == 200
    assert result.cells_right >= 198, result.wrong[:5]   # OCR may misread, never silently drop a row
    assert not result.extra
    assert (parsed_scan.title, parsed_scan.agency, parsed_scan.year) == (
        expected["metadata"]["title"], expected["metadata"]["agency"], expected["metadata"]["year"])
    assert parsed_scan.template == "2021"
    assert "2 page(s) read by OCR" in parsed_scan.notes[0]
    assert "总体情况" in parsed_scan.text and "梅川区人民政府办公室" in parsed_scan.text


def test_each_value_carries_its_confidence_and_low_ones_are_flagged(parsed_scan):
    from archive.ocr import settings

    assert all(c.confidence is not None and 0 < c.confidence <= 1 for c in parsed_scan.cells)
    threshold = settings()["low_confidence"]
    low = [c for c in parsed_scan.cells if c.confidence < threshold]
    check = next(c for c in parsed_scan.checks if c.name == "ocr_confidence")
    if low:
        assert not check.passed and f"{len(low)} of {len(parsed_scan.cells)}" in check.detail
        assert repr(low[0].raw) in check.detail   # the check names the cells to verify
    else:
        assert check.passed


def test_the_ocr_check_fails_on_a_low_confidence_value_and_keeps_it():
    from archive.check import Subject, run_all
    from archive.statistics import Cell, Statistics

    cells = [Cell("applications", {"row_code": "1", "row_label": "一、本年新收政府信息公开申请数量", "applicant": "自然人"},
                  11, "11", 1, 3, 2, confidence=0.98),
             Cell("applications", {"row_code": "1", "row_label": "一、本年新收政府信息公开申请数量", "applicant": "总计"},
                  14, "14", 1, 3, 9, confidence=0.41)]
    checks = run_all(Subject(Statistics("2021", cells), 2022))
    ocr = [c for c in checks if c.name == "ocr_confidence"]
    assert len(ocr) == 1 and not ocr[0].passed
    assert "1 of 2" in ocr[0].detail and "'14' (0.41, table 1 row 3 col 9)" in ocr[0].detail
    # a report read as text has no confidences and no OCR check
    plain = [Cell(c.table, c.fields, c.value, c.raw, 1, 3, 2) for c in cells]
    assert not [c for c in run_all(Subject(Statistics("2021", plain), 2022)) if c.name == "ocr_confidence"]


def test_a_scanned_image_document_is_read(expected):
    image = scan_image((CASE / "report.pdf").read_bytes(), seed=3, kind="JPEG")
    assert sniff(image, "image/jpeg", "https://example.gov.cn/scan.jpg") == "image"
    parsed = parse_report(image, "image/jpeg", "https://example.gov.cn/scan.jpg")
    assert parsed.source_format == "image_ocr"
    result = compare("image", expected, parsed)
    assert result.cells_right >= 198, result.wrong[:5]   # the first page holds every table
    assert parsed.title == expected["metadata"]["title"]


def test_skew_is_measured_and_undone():
    import numpy as np
    import pypdfium2
    from PIL import Image

    from archive.ocr import grey, skew_angle

    document = pypdfium2.PdfDocument((CASE / "report.pdf").read_bytes())
    page = document[0].render(scale=150 / 72).to_pil().convert("L")
    document.close()
    for angle in (-1.3, 0.0, 0.8, 2.5):
        turned = page.rotate(angle, resample=Image.BICUBIC, fillcolor=255)   # counter-clockwise
        assert abs(skew_angle(grey(np.asarray(turned))) + angle) <= 0.15, angle   # turned back


def test_a_row_broken_by_a_page_break_is_joined():
    from archive.ocr import PageText, join_broken_row
    from archive.tables import Grid, GridCell

    def row(index, r, texts, confidence=0.99):
        return [GridCell(t, t, True, index, r, c, 1, 1, confidence) for c, t in enumerate(texts)]

    end = Grid(0, [row(0, 0, ["4.保护第三方合法权益", "1", "1"]), row(0, 1, ["5.属于三类内部事务信", "0", "0"])])
    rest = Grid(1, [row(1, 0, ["息", "", ""]), row(1, 1, ["6.属于四类过程性信息", "2", "2"])])
    before = PageText([(900.0, end)], [end], 0.0, [])
    after = PageText([(80.0, rest)], [rest], 0.0, [])
    assert join_broken_row(before, after)
    assert [c.text for c in end.rows[-1]] == ["5.属于三类内部事务信息", "0", "0"]
    assert [c.text for c in rest.rows[0]] == ["6.属于四类过程性信息", "2", "2"]
    # a numbered row at the top of the next page starts a row of its own
    assert not join_broken_row(PageText([(900.0, end)], [end], 0.0, []), after)
    # a row of numbers under a header row (section 四's values after a page break) too
    header = Grid(2, [row(2, 0, ["结果维持", "结果纠正", "总计"])])
    values = Grid(3, [row(3, 0, ["1", "0", "1"])])
    assert not join_broken_row(PageText([(900.0, header)], [header], 0.0, []),
                               PageText([(80.0, values)], [values], 0.0, []))
    assert [c.text for c in header.rows[-1]] == ["结果维持", "结果纠正", "总计"] and values.rows
    # nor a row with values of its own, after a whole row or under a header row
    for above in (["行政处罚", "540", "873"], ["信息内容", "上一年项目数量", "处理决定数量"]):
        last, first = Grid(4, [row(4, 0, above)]), Grid(5, [row(5, 0, ["行政强制", "12", "0"])])
        assert not join_broken_row(PageText([(900.0, last)], [last], 0.0, []),
                                   PageText([(80.0, first)], [first], 0.0, []))


def test_the_sandboxed_worker_gives_ocr_its_time_and_memory(scanned_pdf, expected):
    """Under the default address space (1 GiB, less than onnxruntime needs) and a wall time
    shorter than the scan takes, the worker still reads it: OCR is granted its own limits."""
    from archive.workers import Job, ParsePool

    limits = Limits(wall_seconds=4, ocr_seconds_per_page=60)
    with ParsePool(workers=1, limits=limits) as pool:
        outcomes = list(pool.run([Job("scan", "https://example.gov.cn/scan.pdf", scanned_pdf,
                                      "application/pdf", expected.get("list_title"))]))
    assert [o.status for o in outcomes] == ["ok"], outcomes[0].detail
    assert outcomes[0].seconds > 4   # it did run past wall_seconds
    assert outcomes[0].parsed.source_format == "pdf_ocr"
    assert compare("scan", expected, outcomes[0].parsed).cells_right >= 198


def test_the_pages_read_by_ocr_are_limited(scanned_pdf):
    from archive.workers import Job, ParsePool

    with ParsePool(workers=1, limits=Limits(ocr_pages=1)) as pool:
        [outcome] = list(pool.run([Job("scan", "https://example.gov.cn/scan.pdf", scanned_pdf,
                                       "application/pdf", None)]))
    assert outcome.status == "ok"
    assert "1 page(s) read by OCR" in outcome.parsed.notes[0]
    assert any("1 scanned page(s) after page 1 not read: over the limit ocr_pages" in n for n in outcome.parsed.notes)
    assert "梅川区人民政府办公室" not in outcome.parsed.text   # the signature is on page 2


def test_a_scanned_report_is_archived_with_its_confidences(tmp_path, scanned_pdf):
    """Through the parse stage (a sandboxed worker) into a real archive: the report, each
    value's confidence, the OCR check; a second parse adds nothing."""
    from archive.stage import parse_fetched
    from archive.store import Archive

    archive = Archive(tmp_path / "a.db")
    url = "http://127.0.0.1/scan.pdf"
    archive.save_fetched_report(url, "梅川区", "梅川区人民政府2022年政府信息公开工作年度报告",
                                [{"url": url, "body": scanned_pdf, "content_type": "application/pdf", "role": "page"}])
    parse_fetched(archive, workers=1)
    db = archive.db
    assert db.execute("SELECT title, year, source_format FROM reports").fetchall() == [
        ("梅川区人民政府2022年政府信息公开工作年度报告", 2022, "pdf_ocr")]
    assert db.execute("SELECT source_format, status FROM document_parses").fetchall() == [("pdf_ocr", "ok")]
    stored = db.execute("SELECT count(*), min(confidence), max(confidence) FROM applications").fetchone()
    assert stored[0] == 175 and 0 < stored[1] <= stored[2] <= 1
    assert db.execute("SELECT value, confidence IS NOT NULL FROM applications WHERE row_code = '1' "
                      "AND applicant = '总计'").fetchone() == (14, 1)
    assert db.execute("SELECT count(*) FROM checks WHERE check_name = 'ocr_confidence'").fetchone() == (1,)
    before = db.execute("SELECT count(*) FROM applications_values").fetchone()
    parse_fetched(archive, workers=1)
    assert db.execute("SELECT count(*) FROM applications_values").fetchone() == before


def test_a_double_ruled_table_printed_over_pages_is_read_whole():
    """The real Shanghai 2019 report page, whose tables have cellspacing: every cell is its
    own box, so every rule is two lines and each column rule is broken at every row. Printed
    by Chromium over five pages and scanned, every column is found in every row, and section
    四's values, printed on the page after its header, are read."""
    expected = load(DOUBLE_RULED)
    scan = scan_pdf(to_pdf(DOUBLE_RULED / expected["source"]), seed=0)
    parsed = parse_report(scan, "application/pdf", "https://example.gov.cn/scan.pdf", expected.get("list_title"))
    assert parsed.source_format == "pdf_ocr"
    result = compare("scan", expected, parsed)
    assert result.cells_right >= result.cells_expected - 2, result.wrong[:5]

    def value(table, **fields):
        return next(c.value for c in parsed.cells if c.table == table
                    and all(c.fields.get(k) == v for k, v in fields.items()))

    assert value("applications", row_code="3.7", applicant="总计") == 805   # the table's bottom rows
    assert value("reviews", proceeding="未经复议直接起诉", result="总计") == 9   # after the page break


def test_a_table_cut_by_a_page_break_is_open_at_the_cut():
    """The rows above a table's first rule (it began on the page before) are rows of the
    table: its column rules run on past its last row rule, so the cut is a row boundary."""
    import numpy as np

    from archive.ocr import find_tables

    horizontal = np.zeros((400, 600), np.uint8)
    vertical = np.zeros((400, 600), np.uint8)
    for y in (200, 260):               # the first and the last row rule on this page
        horizontal[y:y + 2, 50:551] = 255
    for x in (50, 250, 400, 550):      # column rules from the top of the page (the cut)
        vertical[40:340, x:x + 2] = 255   # and on past the last row rule (another cut)
    [table] = find_tables(horizontal, vertical, height=30)
    assert len(table.xs) == 4
    assert len(table.ys) == 4 and table.ys[0] < 60 and table.ys[-1] > 320
    assert len(table.cells) == 9   # three rows of three cells: the open rows are rows
    # a table closed at both ends has only its own rows
    vertical[:] = 0
    for x in (50, 250, 400, 550):
        vertical[200:262, x:x + 2] = 255
    [table] = find_tables(horizontal, vertical, height=30)
    assert len(table.ys) == 2 and len(table.cells) == 3
