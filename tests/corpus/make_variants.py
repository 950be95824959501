"""Build the labelled corpus: tests/corpus/<id>/{source file, expected.json}.

    .venv/bin/python tests/corpus/make_variants.py            # every generated report
    .venv/bin/python tests/corpus/make_variants.py --no-pdf   # keep the committed PDFs

Deterministic. The reports are those of the offline portals (nianbao/demo/spec.py: real
prose from ../shared/corpus, table values given there), rendered in the source forms the
archive meets: portal HTML pages (as served), standalone HTML, tables flattened to text (one
cell per line; ``|`` rows with broken rows), tables printed as paragraphs of an HTML page,
DOCX (merged cells), PDF (headless Chromium), Traditional script with inline pinyin, labels
with spaces, line breaks and half-width brackets, a mistyped year, a table shown only as an
image, a pre-2019 统计表 with units glued to values, and planted inconsistencies.

Expected values come from the data the generator writes (tables.complete_s3 & co.), never
from the parser. The real pages (pingtan_2019 … shanghai_2019) have hand-kept expected.json
files that this script does not touch (see tests/corpus/README.md).
"""
from __future__ import annotations

import copy
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

import opencc  # noqa: E402

from archive.clean import parse_date  # noqa: E402  (date strings → ISO, not table values)
from nianbao.demo import spec, tables  # noqa: E402
from nianbao.demo.build import build_site  # noqa: E402
from archive.labels import normalise, template  # noqa: E402

S2T = opencc.OpenCC("s2t")
APPLICANTS = tables.APPLICANTS + [tables.TOTAL]
PINYIN = {"领导": "領(lǐng)導(dǎo)", "公开": "公(gōng)開(kāi)", "政务": "政(zhèng)務(wù)"}


# ------------------------------------------------------------------ the data of a report

BASE_PORTALS = ("pingtan", "meichuan", "tongxi")   # the portals whose reports the corpus varies


def items() -> dict:
    out = {}
    for portal in spec.PORTALS:
        if portal["name"] not in BASE_PORTALS:
            continue
        for item in portal["items"]:
            if item["kind"] == "report" and "text" in item:
                out[item["id"]] = (portal, item)
    return out


def model(item: dict) -> dict:
    """Everything a renderer needs, values completed as the portal tables complete them."""
    t = item["template"]
    m = {"title": item["title"], "agency": item["agency"], "year": item["year"], "template": t,
         "signature": list(item["signature"]),
         "lines": [l for l in (ROOT / "nianbao/demo/texts" / item["text"]).read_text("utf-8").splitlines()
                   if l.strip() and not l.startswith("#")]}
    if t == "pre2019":
        m["legacy_label"], m["legacy"] = item["legacy_year_label"], [list(r) for r in item["legacy"]]
    else:
        m["s2"] = copy.deepcopy(item["s2"])
        m["s3"] = tables.complete_s3(t, item["s3"], 3 if item.get("inconsistent") else 0)
        m["s4"] = tables.complete_s4(item["s4"])
    return m


def canonical_indicators(labels: list[str]) -> dict:
    """The archive stores a 统计表 label in the wording of the form (template_pre2019.json)
    that names most of the page's labels, counting the spellings the form lists as
    variants; other labels as printed, normalised."""
    best, best_form = {}, None
    for form in template("pre2019")["forms"]:
        wording = {}
        for row in form.get("rows", []):
            wording[normalise(row["label"])] = row["label"]
            for variant in row.get("variants") or []:
                spelling = re.split(r"\s\(", variant)[0].strip()
                if spelling and not re.search(r"[A-Za-z]", spelling):
                    wording.setdefault(normalise(spelling), row["label"])
        found = {label: wording[normalise(label)] for label in labels if normalise(label) in wording}
        if len(found) > len(best):
            best, best_form = found, form
    return {label: best.get(label, normalise(label)) for label in labels}


def number(v):
    """A value as the generator wrote it → the number it stands for ('21650000元' → 21650000,
    '—' or '' → None: not reported)."""
    if v is None or isinstance(v, (int, float)):
        return v
    digits = re.sub(r"[^\d.+-]", "", v.replace("—", "-")) if re.search(r"\d", v) else ""
    if not digits:
        return None
    return float(digits) if "." in digits else int(digits)


def expected_values(m: dict) -> list[dict]:
    out = []
    if m["template"] == "pre2019":
        canonical = canonical_indicators([r[0] for r in m["legacy"]])
        for indicator, unit, year_value, cumulative in m["legacy"]:
            out.append({"table": "legacy_stats", "indicator": canonical[indicator], "unit": unit,
                        "value": number(year_value)})
            out.append({"table": "legacy_stats", "indicator": canonical[indicator] + "（历年累计）",
                        "unit": unit, "value": number(cumulative)})
        return out
    columns = tables.s2_columns(m["template"])
    for caption, rows in m["s2"].items():
        for content, vals in rows.items():
            out += [{"table": "active_disclosure", "item": caption, "content": content,
                     "metric": metric, "value": number(v)} for metric, v in zip(columns[caption], vals)]
    labels = {r["row_code"]: r["label"] for r in tables.s3_rows(m["template"])}
    for code, row in m["s3"].items():
        out += [{"table": "applications", "row_code": code, "row_label": labels[code],
                 "applicant": a, "value": row[a]} for a in APPLICANTS]
    for proceeding, row in m["s4"].items():
        out += [{"table": "reviews", "proceeding": proceeding, "result": r, "value": v}
                for r, v in row.items()]
    return out


# ------------------------------------------------------------------ reworded rows

# The 2024 wording of section 三 (same rows as the 2021 form, reworded): what the rows are
# printed as in the reports the parser had not seen (issue 13). Expected values keep the
# template's canonical labels: the archive stores labels in the template's wording.
WORDING_2024 = {
    "3.3.3": "3.危及国家安全、公共安全、经济安全、社会稳定",
    "3.3.5": "5.属于内部事务信息",
    "3.3.6": "6.属于过程性信息",
    "3.5.5": "5.要求行政机关确认或者重新出具已获取信息",
    "3.6.1": "1.申请人无正当理由逾期不补正，行政机关不再处理其政府信息公开申请",
    "3.6.2": "2.申请人逾期未按收费通知要求缴纳费用，行政机关不再处理其政府信息公开申请",
    "4": "四、结转下一年度继续办理",
}


def label(m: dict, row: dict) -> str:
    """A section 三 row's label as this report prints it."""
    return m.get("wording", {}).get(row["row_code"], row["label"])


def reworded(html_text: str, m: dict) -> str:
    """An HTML table with the report's own wording of the section 三 rows."""
    for r in tables.s3_rows(m["template"]):
        if r["row_code"] in m.get("wording", {}):
            html_text = html_text.replace(f"<p>{r['label']}</p>", f"<p>{label(m, r)}</p>")
    return html_text


def wording_2024_item(item: dict) -> dict:
    """A 2021-form report in the 2024 wording, with requests in the reworded rows."""
    item = copy.deepcopy(item)
    person = item["s3"].setdefault("自然人", {})
    for code in ("3.3.3", "3.3.5", "3.3.6", "3.5.5", "3.6.1", "3.6.2"):
        person[code] = person.get(code, 0) + 1
    person["1"] = person.get("1", 0) + 6
    person["2"] = person.get("2", 0) + 2      # carried over, so that 四 (reworded) is not 0
    return item


def shaped_2019_item(item: dict, s2_from: dict) -> dict:
    """A report on a 2021-form year printed with the 2019-shaped table (section 二 of the
    2019 form, 三 with a single （六）其他处理 row)."""
    item = copy.deepcopy(item)
    item["template"] = "2019"
    item["s2"] = copy.deepcopy(s2_from["s2"])
    for column in item["s3"].values():
        other = sum(column.pop(code, 0) for code in ("3.6.1", "3.6.2", "3.6.3"))
        if other:
            column["3.6"] = other
    return item


# ------------------------------------------------------------------ planted inconsistencies

def plant(m: dict, rule: str) -> None:
    s3, s4 = m["s3"], m["s4"]
    if rule == "balance":            # 四 raised: 一 + 二 ≠ 三(七) + 四
        for a in ("自然人", "总计"):
            s3["4"][a] += 2
    elif rule == "results_total":    # (七)总计 raised, 四 lowered: only the sum of 三 breaks
        for a in ("自然人", "总计"):
            s3["3.7"][a] += 1
            s3["4"][a] -= 1
    elif rule == "row_total":        # the 总计 column moves between two rows
        s3["3.1"]["总计"] += 1
        s3["3.2"]["总计"] -= 1
    elif rule == "reviews_total":
        s4["行政复议"]["总计"] += 1


# ------------------------------------------------------------------ table rows (text forms)

def table_rows(m: dict, which: str, glue_units: bool = False) -> list[list[str]]:
    t = m["template"]
    num = lambda v: "" if v is None else str(v)  # noqa: E731
    if which == "legacy":
        rows = [["指标名称", "计量单位", m["legacy_label"], "历年累计"]]
        for ind, unit, y, c in m["legacy"]:
            rows.append([ind, unit + num(y), num(c)] if glue_units else [ind, unit, num(y), num(c)])
        return rows
    if which == "s2":
        rows = []
        for caption, columns in tables.s2_columns(t).items():
            rows += [[caption], ["信息内容", *columns]]
            rows += [[label, *map(num, vals)] for label, vals in m["s2"][caption].items()]
        return rows
    if which == "s3":
        note = tables.template(t)["section3_requests"]["note_cell"]
        rows = [[note, "申请人情况"], ["自然人", "法人或其他组织", "总计"], tables.APPLICANTS[1:]]
        for r in tables.s3_rows(t):
            if r["kind"] == "group":
                rows.append([label(m, r)])
            else:
                rows.append([label(m, r), *(num(m["s3"][r["row_code"]][a]) for a in APPLICANTS)])
        return rows
    return [["行政复议", "行政诉讼"], [*tables.RESULTS, "未经复议直接起诉", "复议后起诉"],
            tables.RESULTS * 2,
            [num(m["s4"][p][r]) for p in tables.PROCEEDINGS for r in tables.RESULTS]]


def body_parts(m: dict):
    """('p', line) and ('table', which) in reading order, then the 落款."""
    for line in m["lines"]:
        if line.startswith("[[table:"):
            yield "table", line[len("[[table:"):-2]
        else:
            yield "p", line
    yield "p", m["signature"][0]
    yield "p", m["signature"][1]


def render_text(m: dict, mode: str, glue_units: bool = False) -> str:
    """mode 'cells': one cell per line; 'pipes': | between cells, every third row broken."""
    out = [m["title"]]
    for kind, value in body_parts(m):
        if kind == "p":
            out.append(value)
            continue
        for k, row in enumerate(table_rows(m, value, glue_units)):
            if mode == "cells":
                out += [c if c else "—" for c in row]
            elif k % 3 == 2 and len(row) > 4:
                out += [" | ".join(row[:3]), "| " + " | ".join(row[3:])]
            else:
                out.append(" | ".join(row))
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------ HTML

def html_table(m: dict, which: str) -> str:
    t = m["template"]
    if which == "s2":
        return tables.s2_table(t, m["s2"])
    if which == "s3":
        return reworded(tables.s3_table(t, m["s3"]), m)
    if which == "s4":
        return tables.s4_table(m["s4"])
    return tables.legacy_table(m["legacy_label"], m["legacy"])


def render_html(m: dict, table_mode: str = "html", published: str | None = None,
                style: str = "") -> str:
    """table_mode 'html' (tables), 'paragraphs' (a <p> per cell, as some portals flatten
    them), 'pipes' (a <p> per row, cells joined by |), 'image' (an <img> per table)."""
    esc = html.escape
    parts = [f"<h1>{esc(m['title'])}</h1>"]
    if published:
        parts.append(f'<div class="info">发布时间：{published}</div>')
    for kind, value in body_parts(m):
        if kind == "p":
            parts.append(f"<p>{esc(value)}</p>")
        elif table_mode == "html":
            parts.append(html_table(m, value))
        elif table_mode == "image":
            parts.append(f'<p><img src="/uploads/table_{value}.png" alt=""></p>')
        else:
            for row in table_rows(m, value):
                if table_mode == "paragraphs":
                    parts += [f"<p>{esc(c) if c else '—'}</p>" for c in row]
                else:
                    parts.append(f"<p>{esc(' | '.join(row))}</p>")
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{esc(m["title"])}</title>'
            f"<style>{style}</style></head><body><div class=\"article\">{''.join(parts)}</div></body></html>\n")


# ------------------------------------------------------------------ DOCX

def _merge(table, r0, c0, r1, c1, text):
    cell = table.cell(r0, c0).merge(table.cell(r1, c1)) if (r0, c0) != (r1, c1) else table.cell(r0, c0)
    cell.text = text


def docx_table(document, m: dict, which: str):
    t = m["template"]
    if which == "legacy":
        rows = table_rows(m, "legacy")
        table = document.add_table(rows=len(rows), cols=4)
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                table.cell(r, c).text = text
    elif which == "s2":
        rows = table_rows(m, "s2")
        table = document.add_table(rows=len(rows), cols=4)
        for r, row in enumerate(rows):
            if len(row) == 1:
                _merge(table, r, 0, r, 3, row[0])
                continue
            for c, text in enumerate(row[:-1]):
                table.cell(r, c).text = text
            _merge(table, r, len(row) - 1, r, 3, row[-1])     # the last column takes the rest
    elif which == "s4":
        table = document.add_table(rows=4, cols=15)
        _merge(table, 0, 0, 0, 4, "行政复议")
        _merge(table, 0, 5, 0, 14, "行政诉讼")
        for c, result in enumerate(tables.RESULTS):
            _merge(table, 1, c, 2, c, result)
        _merge(table, 1, 5, 1, 9, "未经复议直接起诉")
        _merge(table, 1, 10, 1, 14, "复议后起诉")
        for c, result in enumerate(tables.RESULTS * 2):
            table.cell(2, 5 + c).text = result
        for c, value in enumerate(table_rows(m, "s4")[-1]):
            table.cell(3, c).text = value
    else:
        spec_rows = tables.s3_rows(t)
        leaves = [r for r in spec_rows if r["kind"] == "leaf"]
        table = document.add_table(rows=3 + len(leaves), cols=10)
        note = tables.template(t)["section3_requests"]["note_cell"]
        _merge(table, 0, 0, 2, 2, note)
        _merge(table, 0, 3, 0, 9, "申请人情况")
        _merge(table, 1, 3, 2, 3, "自然人")
        _merge(table, 1, 4, 1, 8, "法人或其他组织")
        _merge(table, 1, 9, 2, 9, "总计")
        for c, a in enumerate(tables.APPLICANTS[1:]):
            table.cell(2, 4 + c).text = a
        groups = {r["row_code"]: r for r in spec_rows if r["kind"] == "group"}
        result_rows = [i for i, r in enumerate(leaves) if r["row_code"].startswith("3.")]
        for code, group in groups.items():
            members = [i for i, r in enumerate(leaves) if r["parent"] == code]
            if members:
                _merge(table, 3 + members[0], 1, 3 + members[-1], 1, group["label"])
        for i, r in enumerate(leaves):
            row = 3 + i
            for c, a in enumerate(APPLICANTS):
                table.cell(row, 3 + c).text = str(m["s3"][r["row_code"]][a])
            if not r["row_code"].startswith("3."):
                _merge(table, row, 0, row, 2, label(m, r))
            elif r["parent"] in groups:
                table.cell(row, 2).text = label(m, r)
            else:
                _merge(table, row, 1, row, 2, label(m, r))
        _merge(table, 3 + result_rows[0], 0, 3 + result_rows[-1], 0, "三、本年度办理结果")
    table.style = "Table Grid"


def render_docx(m: dict, path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph(m["title"])
    for kind, value in body_parts(m):
        if kind == "p":
            document.add_paragraph(value)
        else:
            docx_table(document, m, value)
    document.save(path)


# ------------------------------------------------------------------ PDF

PDF_STYLE = ("body{font-family:'WenQuanYi Micro Hei';font-size:9px} p{margin:2px 0}"
             "table{border-collapse:collapse;page-break-inside:avoid;margin:4px 0}"
             "td{border:1px solid #000;padding:1px 2px;font-size:8px}")


def render_pdf(m: dict, path: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "report.html"
        source.write_text(render_html(m, style=PDF_STYLE), encoding="utf-8")
        subprocess.run(["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
                        f"--user-data-dir={tmp}/profile", "--no-pdf-header-footer",
                        f"--print-to-pdf={path}", source.as_uri()],
                       check=True, capture_output=True, timeout=120)


# ------------------------------------------------------------------ variants of script and labels

def traditional(text: str) -> str:
    """s2t, then pinyin glosses after a few words (as some mirror sites print them)."""
    out = S2T.convert(text)
    for simplified_word, glossed in PINYIN.items():
        out = out.replace(S2T.convert(simplified_word), glossed, 2)
    return out


def scramble_labels(page: str) -> str:
    """Spaces and line breaks inside label cells, half-width brackets, 1、 for 1."""
    for before, after in [("本年新收政府信息公开申请数量", "本年新收政府 信息公开申请数量"),
                          ("本年制发件数", "本年制发<br>件数"), ("本年新制作数量", "本年新<br>制作数量"),
                          ("属于国家秘密", "属于国家 秘密"), ("结果维持", "结果<br>维持"),
                          ("信息内容", "信 息 内 容")]:
        page = page.replace(before, after)
    page = page.replace("<p>（", "<p>(").replace("）", ")").replace("第二十条第(", "第二十条第〔")
    return page.replace("<p>1.", "<p>1、").replace("<p>2.", "<p>2、")


# ------------------------------------------------------------------ the corpus

def meta(m: dict, fmt: str, *, published: str | None = None, title: str | None = None,
         agency_publisher=None) -> dict:
    pub = published or parse_date(m["signature"][1]) or _cn_date(m["signature"][1])
    return {"title": title or m["title"], "agency": m["agency"], "year": m["year"],
            "publisher": agency_publisher or m["signature"][0], "published_date": pub,
            "template": m["template"], "source_format": fmt}


def _cn_date(text: str) -> str:
    from archive.metadata import signature
    return signature("x\n" + text)[1]


def write(case: str, filename: str, data: bytes | str, expected: dict) -> None:
    folder = HERE / case
    folder.mkdir(exist_ok=True)
    path = folder / filename
    if isinstance(data, str):
        data = data.encode("utf-8")
    if data:
        path.write_bytes(data)
    expected = {"id": case, "source": filename, **expected}
    (folder / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n",
                                          encoding="utf-8")


def case(m, form, fmt, failing=(), values=None, note="", **meta_args):
    return {"form": form, "note": note, "metadata": meta(m, fmt, **meta_args),
            "values": expected_values(m) if values is None else values,
            "failing_checks": sorted(failing)}


def build(make_pdf: bool = True) -> list[str]:
    made = []
    base = items()
    # 1. the offline portals' report pages, as served (portal chrome, metadata labels, GBK)
    for pid, (portal, item) in base.items():
        site = build_site(portal)
        page = site[item["path"]]
        m = model(item)
        failing = ["balance"] if item.get("inconsistent") else []
        exp = case(m, "html-portal", "html", failing, published=item["published"][:10],
                   agency_publisher=item.get("source") or m["signature"][0],
                   note=f"served by nianbao/demo ({portal['name']}, {portal['encoding']})")
        exp["content_type"] = page.content_type
        write(f"portal_{pid}", "page.html", page.body, exp)
        made.append(f"portal_{pid}")

    def variant(case_id, pid, form, fmt, render, failing=(), mutate=None, item=None, **kw):
        m = model(item or base[pid][1])
        if mutate:
            mutate(m)
        if base[pid][1].get("inconsistent"):
            failing = tuple(failing) + ("balance",)
        if any(v < 0 for row in m.get("s3", {}).values() for v in row.values() if v is not None):
            failing = tuple(failing) + ("non_negative",)   # the document prints a negative count
        filename, data = render(m)
        exp = case(m, form, fmt, failing, **kw)
        exp["content_type"] = {"html": "text/html; charset=utf-8", "txt": "text/plain; charset=utf-8",
                               "docx": None, "pdf": "application/pdf"}.get(fmt)
        exp["based_on"] = f"nianbao/demo/spec.py {pid}"
        write(case_id, filename, data, exp)
        made.append(case_id)
        return exp

    txt = lambda mode, glue=False: lambda m: ("report.txt", render_text(m, mode, glue))  # noqa: E731
    page = lambda mode="html", f=lambda s: s: lambda m: ("report.html", f(render_html(m, mode)))  # noqa: E731,E501

    # 2. tables flattened to text
    variant("text_cells_pt2022", "pt2022", "text-cells", "txt", txt("cells"))
    variant("text_cells_lk2020", "lk2020", "text-cells", "txt", txt("cells"))
    variant("text_cells_mc2016", "mc2016", "text-cells", "txt", txt("cells"))
    variant("text_pipes_mc2022", "mc2022", "text-pipes", "txt", txt("pipes"))
    variant("text_pipes_tx2020", "tx2020", "text-pipes", "txt", txt("pipes"))
    variant("text_pipes_tp2020", "tp2020", "text-pipes", "txt", txt("pipes"))
    variant("text_glued_pt2013", "pt2013", "text-glued-units", "txt", txt("pipes", True))
    variant("text_glued_mc2016", "mc2016", "text-glued-units", "txt", txt("cells", True))
    variant("html_paragraphs_cn2022", "cn2022", "html-flat", "html", page("paragraphs"))
    variant("html_pipes_pt2020", "pt2020", "html-flat", "html", page("pipes"))
    variant("html_paragraphs_pt2013", "pt2013", "html-flat", "html", page("paragraphs"))
    # 3. standalone HTML tables and their variants
    variant("html_tables_tx-czj2023", "tx-czj2023", "html", "html", page())
    variant("html_labels_pt2020", "pt2020", "html-labels", "html", page(f=scramble_labels))
    variant("html_labels_mc2022", "mc2022", "html-labels", "html", page(f=scramble_labels))
    for pid in ("tx-czj2023", "lk2020"):
        m0 = model(base[pid][1])
        variant(f"traditional_{pid}", pid, "traditional+pinyin", "html",
                page(f=traditional), title=S2T.convert(m0["title"]))
    m0 = model(base["cn2022"][1])
    variant("traditional_text_cn2022", "cn2022", "traditional+pinyin", "txt",
            lambda m: ("report.txt", traditional(render_text(m, "pipes"))),
            title=S2T.convert(m0["title"]))

    for case_id, pid, old, new in [("typo_year_mc2022", "mc2022", "2022年", "20221年"),
                                   ("typo_year_lk2020", "lk2020", "2020年", "20200年"),
                                   ("typo_year_pt2020", "pt2020", "2020年度", "20120年度")]:
        m0 = model(base[pid][1])
        bad = m0["title"].replace(old, new)
        variant(case_id, pid, "typo-year", "html",
                lambda m, bad=bad: ("report.html", render_html({**m, "title": bad})),
                failing=("year_consistent",), title=bad)
    variant("image_tables_tx2020", "tx2020", "image-only", "html", page("image"),
            failing=("tables_missing",), values=[])
    variant("image_tables_mc2022", "mc2022", "image-only", "html", page("image"),
            failing=("tables_missing",), values=[])
    # 4. planted inconsistencies
    for rule, pid, form in [("balance", "pt2022", "html"), ("results_total", "mc2022", "html"),
                            ("row_total", "cn2022", "text-pipes"), ("reviews_total", "lk2020", "html"),
                            ("balance", "tp2020", "docx")]:
        render = {"html": page(), "text-pipes": txt("pipes"),
                  "docx": lambda m: ("report.docx", _docx_bytes(m))}[form]
        fmt = {"html": "html", "text-pipes": "txt", "docx": "docx"}[form]
        variant(f"planted_{rule}_{pid}", pid, form, fmt, render, failing=(rule,),
                mutate=lambda m, rule=rule: plant(m, rule))
    # 5. DOCX
    for pid in ("pt2022", "tx2020", "mc2016", "cn2022"):
        variant(f"docx_{pid}", pid, "docx", "docx", lambda m: ("report.docx", _docx_bytes(m)))
    # 5b. rows reworded (the 2024 wording of the 2021 form) and a 2023 report printed with
    #     the 2019-shaped table (its template is the table's, and template_matches_year fails)
    for case_id, pid, form, fmt, render in [
            ("wording2024_docx_cn2022", "cn2022", "docx", "docx", lambda m: ("report.docx", _docx_bytes(m))),
            ("wording2024_html_mc2022", "mc2022", "html", "html", page())]:
        variant(case_id, pid, form, fmt, render, item=wording_2024_item(base[pid][1]),
                mutate=lambda m: m.update(wording=WORDING_2024),
                note="section 三 in the 2024 wording (same rows as the 2021 form, reworded)")
    variant("shape2019_html_tx-czj2023", "tx-czj2023", "html", "html", page(),
            item=shaped_2019_item(base["tx-czj2023"][1], base["tx2020"][1]),
            failing=("template_matches_year",),
            note="a 2023 report printed with the 2019-shaped table (section 二 from the 2019 form)")
    # 6. PDF (Chromium); the committed files are kept with --no-pdf
    for pid in ("mc2022", "lk2020", "pt2013", "tx-czj2023"):
        case_id = f"pdf_{pid}"
        keep = (HERE / case_id / "report.pdf")
        if make_pdf or not keep.exists():
            variant(case_id, pid, "pdf", "pdf", lambda m: ("report.pdf", _pdf_bytes(m)))
        else:
            variant(case_id, pid, "pdf", "pdf", lambda m: ("report.pdf", b""))
    # 7. a format that cannot be read here
    m0 = model(base["tx2020"][1])
    write("unreadable_doc_tx2020", "report.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
          {"form": "doc", "note": "an OLE compound file (Word 97-2003); the list title is all we know",
           "content_type": "application/msword", "list_title": m0["title"],
           "metadata": {"title": m0["title"], "agency": m0["agency"], "year": m0["year"],
                        "publisher": None, "published_date": None, "template": m0["template"],
                        "source_format": "doc"},
           "values": [], "failing_checks": ["unreadable_format"]})
    made.append("unreadable_doc_tx2020")
    return made


def _docx_bytes(m: dict) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.docx"
        render_docx(m, path)
        return path.read_bytes()


def _pdf_bytes(m: dict) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.pdf"
        render_pdf(m, path)
        return path.read_bytes()


if __name__ == "__main__":
    names = build(make_pdf="--no-pdf" not in sys.argv)
    print(f"{len(names)} generated cases in {HERE}")
