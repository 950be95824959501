"""Statistics tables of the annual reports, drawn with the markup shape of the real pages.

Labels come from the template files in archive/templates/data/ (the one place the project keeps them).
Layout follows corpus/pingtan/2019_report.html and corpus/shanghai_2019_report.html: section 二 is
one table of sub-tables, section 三 has the note cell colspan=3 rowspan=3 and 7 value cells a row,
section 四 has the three-row header over 15 value cells.

    >>> grid = complete_s3("2021", {"自然人": {"1": 2, "3.1": 2}})
    >>> grid["3.7"]["总计"], grid["4"]["自然人"]
    (2, 0)
"""
from archive.templates import template as _registered

APPLICANTS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
TOTAL = "总计"
RESULTS = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
PROCEEDINGS = ["行政复议", "未经复议直接起诉", "复议后起诉"]


def template(template_id: str) -> dict:
    return _registered(template_id)


def s3_rows(template_id: str) -> list[dict]:
    return template(template_id)["section3_requests"]["rows"]


def s2_columns(template_id: str) -> dict[str, list[str]]:
    """caption -> column labels of each sub-table of section 二."""
    subs = template(template_id)["section2_active_disclosure"]["subtables"]
    return {s["caption"]: [c["label"] for c in s["columns"]] for s in subs}


def _cell(text, **attrs) -> str:
    extra = "".join(f' {k}="{v}"' for k, v in attrs.items() if v)
    return f"<td{extra}><p>{text}</p></td>"


def _num(value) -> str:
    return "" if value is None else str(value)


# ---- section 二 --------------------------------------------------------------------------

def s2_table(template_id: str, values: dict) -> str:
    """values: {caption: {row label: [values in column order]}}"""
    rows = []
    for caption, columns in s2_columns(template_id).items():
        rows.append(f'<tr>{_cell("&nbsp;&nbsp;" + caption, colspan=4)}</tr>')
        widths = _spread(len(columns))
        head = "".join(_cell(label, colspan=w if w > 1 else None) for label, w in zip(columns, widths))
        rows.append(f'<tr>{_cell("信息内容")}{head}</tr>')
        for label, vals in values[caption].items():
            cells = "".join(_cell(_num(v), colspan=w if w > 1 else None) for v, w in zip(vals, widths))
            rows.append(f"<tr>{_cell(label)}{cells}</tr>")
    return '<table border="1" cellspacing="0">' + "".join(rows) + "</table>"


def _spread(n: int) -> list[int]:
    """Widths of n value columns in the 3-column value grid (the last one takes the rest)."""
    return [1] * (n - 1) + [3 - (n - 1)]


# ---- section 三 --------------------------------------------------------------------------

def complete_s3(template_id: str, given: dict, plant_error: int = 0) -> dict:
    """Fill (七)总计, 四 and the 总计 column so every template rule holds.

    Returns {row_code: {applicant: value}} for all value rows. With plant_error, 自然人 and 总计
    of row 一 are raised by that amount afterwards (rule S3.balance then fails for both columns).
    """
    rows = [r for r in s3_rows(template_id) if r["kind"] == "leaf"]
    leaves = [r["row_code"] for r in rows if r["row_code"].startswith("3.") and r["row_code"] != "3.7"]
    grid = {r["row_code"]: {} for r in rows}
    for applicant in APPLICANTS:
        col = given.get(applicant, {})
        unknown = set(col) - set(grid)
        assert not unknown, f"unknown row codes {unknown}"
        for code in grid:
            grid[code][applicant] = col.get(code, 0)
        done = sum(grid[c][applicant] for c in leaves)
        grid["3.7"][applicant] = done
        carry = grid["1"][applicant] + grid["2"][applicant] - done
        assert carry >= 0, f"{applicant}: more results than requests"
        grid["4"][applicant] = carry
    for code in grid:
        grid[code][TOTAL] = sum(grid[code][a] for a in APPLICANTS)
    if plant_error:
        grid["1"]["自然人"] += plant_error
        grid["1"][TOTAL] += plant_error
    return grid


def s3_table(template_id: str, grid: dict) -> str:
    rows_meta = s3_rows(template_id)
    note = template(template_id)["section3_requests"]["note_cell"]
    head = [
        f'<tr>{_cell(note, colspan=3, rowspan=3)}{_cell("申请人情况", colspan=7)}</tr>',
        f'<tr>{_cell("自然人", rowspan=2)}{_cell("法人或其他组织", colspan=5)}{_cell("总计", rowspan=2)}</tr>',
        "<tr>" + "".join(_cell(a) for a in APPLICANTS[1:]) + "</tr>",
    ]
    results = [r for r in rows_meta if r["row_code"].startswith("3.")]
    n_result_rows = sum(1 for r in results if r["kind"] == "leaf")
    groups = {r["row_code"]: r for r in results if r["kind"] == "group"}
    body, first_result, open_group = [], True, None
    for r in rows_meta:
        code = r["row_code"]
        if r["kind"] == "group":
            continue
        values = "".join(_cell(_num(grid[code][a])) for a in APPLICANTS + [TOTAL])
        if not code.startswith("3."):
            body.append(f'<tr>{_cell(r["label"], colspan=3)}{values}</tr>')
            continue
        lead = ""
        if first_result:
            lead, first_result = _cell("三、本年度办理结果", rowspan=n_result_rows), False
        parent = r["parent"]
        if parent in groups:
            if parent != open_group:
                open_group = parent
                size = sum(1 for x in results if x["parent"] == parent)
                lead += _cell(groups[parent]["label"], rowspan=size)
            lead += _cell(r["label"])
        else:
            lead += _cell(r["label"], colspan=2)
        body.append(f"<tr>{lead}{values}</tr>")
    return '<table border="1" cellspacing="0">' + "".join(head + body) + "</table>"


# ---- section 四 --------------------------------------------------------------------------

def complete_s4(given: dict) -> dict:
    """{proceeding: [维持, 纠正, 其他, 尚未审结]} -> {proceeding: {result: value}} with 总计."""
    out = {}
    for p in PROCEEDINGS:
        vals = list(given[p]) + [sum(given[p])]
        out[p] = dict(zip(RESULTS, vals))
    return out


def s4_table(grid: dict) -> str:
    head = [
        f'<tr>{_cell("行政复议", colspan=5)}{_cell("行政诉讼", colspan=10)}</tr>',
        "<tr>" + "".join(_cell(r, rowspan=2) for r in RESULTS)
        + _cell("未经复议直接起诉", colspan=5) + _cell("复议后起诉", colspan=5) + "</tr>",
        "<tr>" + "".join(_cell(r) for r in RESULTS * 2) + "</tr>",
    ]
    values = "".join(_cell(_num(grid[p][r])) for p in PROCEEDINGS for r in RESULTS)
    return '<table border="1" cellspacing="0">' + "".join(head) + f"<tr>{values}</tr></table>"


# ---- 政府信息公开情况统计表 (reports up to 2018) --------------------------------------------

def legacy_table(year_label: str, rows: list) -> str:
    head = "<tr>" + "".join(_cell(h) for h in ["指标名称", "计量单位", year_label, "历年累计"]) + "</tr>"
    body = "".join(f"<tr>{_cell(i)}{_cell(u)}{_cell(_num(y))}{_cell(_num(c))}</tr>"
                   for i, u, y, c in rows)
    return '<table border="1" cellspacing="0">' + head + body + "</table>"


# ---- the same tables as cells, for DOCX and XLSX files ---------------------------------------

def html_grid(table) -> list[tuple[int, int, int, int, str]]:
    """(row, col, rowspan, colspan, text) of every cell of an lxml <table>, spans resolved."""
    taken, cells = set(), []
    for r, tr in enumerate(table.xpath(".//tr")):
        c = 0
        for td in tr.xpath("./td | ./th"):
            while (r, c) in taken:
                c += 1
            rs, cs = int(td.get("rowspan", 1)), int(td.get("colspan", 1))
            taken |= {(r + i, c + j) for i in range(rs) for j in range(cs)}
            cells.append((r, c, rs, cs, td.text_content().replace("\xa0", " ").strip()))
            c += cs
    return cells
