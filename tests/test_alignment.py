"""Section 三 rows aligned by the template's structure (archive/statistics.py RowAligner):
rewording that no alias lists, punctuation, numbering; a row that aligns to nothing is kept
as printed and flagged, never dropped; the template is chosen by the table's shape."""
import lxml.html
import pytest

from archive.check import run_checks
from archive.ingest import ingest_report
from archive.alignment import numbering, similarity
from archive.statistics import extract_statistics
from archive.store import Archive
from nianbao.demo import tables

GIVEN = {"自然人": {"1": 9, "2": 1, "3.1": 3, "3.3.3": 1, "3.4.2": 2, "3.6.1": 1},
         "商业企业": {"1": 2, "3.4.1": 1}}
S3 = tables.complete_s3("2021", GIVEN)


def page(s3_html: str) -> str:
    return f"<html><body><p>三、收到和处理政府信息公开申请情况</p>{s3_html}</body></html>"


def s3_table(**replace) -> str:
    html = tables.s3_table("2021", S3)
    for before, after in replace.items():
        assert f"<p>{before}</p>" in html, before
        html = html.replace(f"<p>{before}</p>", f"<p>{after}</p>")
    return html


def values(stats) -> dict:
    return {(c.fields["row_code"], c.fields["applicant"]): c.value for c in stats.cells
            if c.table == "applications"}


def expected() -> dict:
    return {(code, a): v for code, row in S3.items() for a, v in row.items()}


def test_numbering_and_similarity_ignore_punctuation():
    assert numbering("（三）不予公开") == ("paren", "三") and numbering("2、重复申请") == ("digit", "2")
    assert numbering("本机关不掌握相关政府信息") is None
    assert similarity("1.申请人无正当理由逾期不补正，行政机关不再处理", ["申请人无正当理由逾期不补正、行政机关不再处理"]) == 1.0


@pytest.mark.parametrize("printed", [
    "2.没有现成信息，需要另行制作的",      # numbered, reworded, in no alias list
    "没有现成的信息需要另行制作",          # unnumbered: wording alone
    "2、没有现成信息需要另行制作",         # 、 for .
])
def test_a_reworded_row_aligns_by_structure(printed):
    stats = extract_statistics(lxml.html.fromstring(page(s3_table(**{"2.没有现成信息需要另行制作": printed}))))
    assert values(stats) == expected()
    assert not stats.unaligned
    assert not [n for n in stats.notes if "not understood" in n or "repeated" in n], stats.notes


def test_rows_reworded_all_at_once_keep_every_value():
    stats = extract_statistics(lxml.html.fromstring(page(s3_table(**{
        "3.危及“三安全一稳定”": "3.危及国家安全、公共安全、经济安全、社会稳定",
        "5.属于三类内部事务信息": "5.属于内部事务信息",
        "6.属于四类过程性信息": "6.属于过程性信息",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请":
            "1.申请人无正当理由逾期不补正，行政机关不再处理其政府信息公开申请",
        "四、结转下年度继续办理": "四、结转下一年度继续办理"}))))
    assert values(stats) == expected()
    assert all(c.passed for c in run_checks(stats)), [c for c in run_checks(stats) if not c.passed]


def test_a_row_that_aligns_to_nothing_is_kept_and_flagged():
    extra = ('<tr><td colspan="2"><p>（八）其他情形（本单位自行增加）</p></td>'
             + "".join(f"<td><p>{v}</p></td>" for v in (1, 0, 0, 0, 0, 0, 1)) + "</tr>")
    total = '<tr><td colspan="2"><p>（七）总计</p>'
    html = s3_table().replace(total, extra + total, 1)
    assert extra in html
    stats = extract_statistics(lxml.html.fromstring(page(html)))
    assert values(stats) == expected()                 # every known row still right, none shifted
    [row] = stats.unaligned
    assert row.label == "（八）其他情形（本单位自行增加）"
    assert row.cells == ("三、本年度办理结果", "（八）其他情形（本单位自行增加）", "1", "0", "0", "0", "0", "0", "1")
    check = {c.name: c for c in run_checks(stats)}["rows_unaligned"]
    assert not check.passed and "其他情形" in check.detail


def test_unaligned_rows_are_stored_once_with_the_template_choice(tmp_path):
    extra = ('<tr><td colspan="3"><p>五、本年度撤回申请数量</p></td>'
             + "".join(f"<td><p>{v}</p></td>" for v in (2, 0, 0, 0, 0, 0, 2)) + "</tr>")
    html = s3_table().replace("</table>", extra + "</table>", 1)
    body = (f"<html><head><meta charset='utf-8'><title>某县2022年政府信息公开工作年度报告</title></head><body>"
            f"<h1>某县2022年政府信息公开工作年度报告</h1>{html}</body></html>").encode()
    archive = Archive(tmp_path / "a.db")
    for _ in range(2):   # idempotent
        ingest_report(archive, "http://127.0.0.1/r.html", body, "text/html", "x", None)
    rows = archive.db.execute("SELECT section, label, cells, document_sha256 FROM unaligned_rows").fetchall()
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("applications", "五、本年度撤回申请数量", '["五、本年度撤回申请数量","2","0","0","0","0","0","2"]')]
    assert rows[0][3] and archive.db.execute("SELECT 1 FROM documents WHERE sha256 = ?", [rows[0][3]]).fetchone()
    template, confidence, reason = archive.db.execute(
        "SELECT template, template_confidence, template_reason FROM reports").fetchone()
    assert template == "2021" and 0 < confidence <= 1 and "year 2022 calls for 2021" in reason
    failed = archive.db.execute("SELECT check_name FROM checks WHERE passed = 0").fetchall()
    assert ("rows_unaligned",) in failed
    report_id = archive.db.execute("SELECT id FROM reports").fetchone()[0]
    archive.close()
    # the report page shows the kept row and why the template was chosen (Datasette in process)
    import asyncio
    from datasette.app import Datasette
    response = asyncio.run(Datasette([str(tmp_path / "a.db")]).client.get(f"/-/report/{report_id}"))
    assert response.status_code == 200
    page = response.text
    assert "Rows not in the template" in page and "<td>五、本年度撤回申请数量</td>" in page
    assert "year 2022 calls for 2021" in page


def test_an_old_archive_gets_the_new_columns_and_table(tmp_path):
    import sqlite3
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE reports (id INTEGER PRIMARY KEY, url TEXT, title TEXT, agency TEXT, "
                     "year INTEGER, publisher TEXT, published_date TEXT, template TEXT, source_format TEXT, "
                     "text TEXT, text_simplified TEXT, portal TEXT, list_title TEXT, document_sha256 TEXT, "
                     "fetched_at TEXT, parse_notes TEXT)")
        conn.execute("INSERT INTO reports(id, title, template) VALUES (1, 'x', '2021')")
    archive = Archive(path)
    columns = {c.name for c in archive.db["reports"].columns}
    assert {"template_confidence", "template_reason"} <= columns
    assert archive.db.execute("SELECT title, template FROM reports").fetchall() == [("x", "2021")]
    assert "unaligned_rows" in archive.db.table_names()


def test_a_table_printed_in_pieces_aligns_its_reworded_rows():
    """A table split over two pages (two tables, no 三、 heading printed): the second piece has
    only two known rows, and （七）合计 is aligned by its number and wording."""
    def tr(label, row):
        return f"<tr><td><p>{label}</p></td>" + "".join(f"<td><p>{v}</p></td>" for v in row) + "</tr>"
    rows = {code: [S3[code][a] for a in (*tables.APPLICANTS, tables.TOTAL)] for code in S3}
    first = ("<table>" + tr("一、本年新收政府信息公开申请数量", rows["1"])
             + tr("二、上年结转政府信息公开申请数量", rows["2"]) + tr("（一）予以公开", rows["3.1"])
             + tr("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", rows["3.6.1"]) + "</table>")
    second = ("<table>" + tr("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", rows["3.2"])
              + tr("（七）合计", rows["3.7"]) + tr("四、结转下年度继续办理", rows["4"]) + "</table>")
    stats = extract_statistics(lxml.html.fromstring(page(first + "<p>（续表）</p>" + second)))
    got = values(stats)
    assert {code for code, _ in got} == {"1", "2", "3.1", "3.6.1", "3.2", "3.7", "4"}
    assert all(got[(code, a)] == S3[code][a] for code, a in got)
    assert not stats.unaligned


def s3_grids(template_id: str, drop=()) -> list:
    from archive.tables import html_grids
    html = tables.s3_table(template_id, tables.complete_s3(template_id, {"自然人": {"1": 3, "3.1": 3}}))
    tree = lxml.html.fromstring(page(html))
    for label in drop:
        for cell in tree.xpath(f'//td[p="{label}"]'):
            cell.getparent().getparent().remove(cell.getparent())
    return html_grids(tree)


def test_the_template_is_chosen_by_the_table_not_the_year():
    from archive.statistics import choose_template
    choice = choose_template(s3_grids("2019"), 2022)   # （六）其他处理 carries values: the 2019 form
    assert choice.template == "2019" and "year 2022 calls for 2021" in choice.reason
    choice = choose_template(s3_grids("2021"), 2020)   # （六） is a heading, 1.–3. below it: 2021
    assert choice.template == "2021" and "2019" not in choice.reason.split(";")[0]


def test_a_table_without_marker_labels_follows_its_year():
    from archive.statistics import choose_template
    grids = s3_grids("2021", drop=["1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
                                   "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"])
    assert choose_template(grids, 2022).template == "2021"
    assert choose_template(grids, 2020).template == "2019"
    choice = choose_template(grids, None)
    assert choice.template == "2021" and choice.confidence < 0.5 and "no marker labels" in choice.reason
