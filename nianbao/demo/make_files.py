"""Write the attachment files of the 石桥县 portal into files/ (run once; the files are committed).

    .venv/bin/python -m nianbao.demo.make_files

DOCX by python-docx (real tables, merged cells), XLSX by openpyxl, PDF by printing HTML in
headless Chromium (/usr/bin/chromium, font fonts-wqy-microhei), the image-only tables by a
Chromium screenshot reduced to 1 bit with Pillow. DOC and WPS are placeholders: the OLE
compound-file magic and a note, not a real document (nothing here writes Word 97 or WPS).
The server only reads the bytes; it never needs Chromium. Contents come from the same spec
and texts as the HTML pages, so expected.json holds for every format.
"""
import base64
import io
import re
import subprocess
import tempfile
from pathlib import Path

import lxml.html

from . import spec_patterns, tables
from .build_patterns import FILES, PatternSiteBuilder

CHROMIUM = "/usr/bin/chromium"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
CSS = ('body{font-family:"WenQuanYi Micro Hei";font-size:9pt} table{border-collapse:collapse;margin:4pt 0}'
       'td{border:1px solid #000;padding:1px 3px;font-size:8pt} td p{margin:0}')


def blocks(item) -> list:
    """The report as lxml elements (<p> and <table>), as its HTML page shows it."""
    builder = PatternSiteBuilder(spec_patterns.SHIQIAO)
    body = builder.article_body(item) + builder.signature(item)
    return lxml.html.fragments_fromstring(body)


def number(text: str):
    return int(text) if re.fullmatch(r"-?\d+", text) else float(text) if re.fullmatch(r"-?\d+\.\d+", text) else text


def write_docx(item, path: Path, with_tables=True) -> None:
    import docx
    doc = docx.Document()
    for el in blocks(item):
        if el.tag == "table":
            if with_tables:
                grid = tables.html_grid(el)
                rows = max(r + rs for r, _, rs, _, _ in grid)
                cols = max(c + cs for _, c, _, cs, _ in grid)
                table = doc.add_table(rows=rows, cols=cols)
                table.style = "Table Grid"
                for r, c, rs, cs, text in grid:
                    cell = table.cell(r, c)
                    if rs > 1 or cs > 1:
                        cell = cell.merge(table.cell(r + rs - 1, c + cs - 1))
                    cell.text = text
        else:
            doc.add_paragraph(el.text_content())
    doc.core_properties.title = item["title"]
    doc.save(path)
    slim_docx(path)


def slim_docx(path: Path) -> None:
    """Drop the optional parts python-docx's template carries (stylesWithEffects, thumbnail):
    a third of the file."""
    import zipfile
    drop = {"word/stylesWithEffects.xml", "docProps/thumbnail.jpeg"}
    with zipfile.ZipFile(path) as old:
        parts = {i.filename: old.read(i.filename) for i in old.infolist() if i.filename not in drop}
    for name in ("[Content_Types].xml", "_rels/.rels", "word/_rels/document.xml.rels"):
        parts[name] = re.sub(rb"<(Override|Relationship)\b[^>]*(stylesWithEffects|thumbnail)[^>]*/>", b"",
                             parts[name])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as new:
        for name, data in parts.items():
            new.writestr(name, data)


def write_xlsx(item, path: Path) -> None:
    import openpyxl
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "统计表"
    sheet.append([f"{item['agency']}{item['year']}年度政府信息公开情况统计表"])
    top = 2
    for el in blocks(item):
        if el.tag != "table":
            continue
        grid = tables.html_grid(el)
        for r, c, rs, cs, text in grid:
            sheet.cell(top + r + 1, c + 1, number(text) if text else None)
            if rs > 1 or cs > 1:
                sheet.merge_cells(start_row=top + r + 1, start_column=c + 1,
                                  end_row=top + r + rs, end_column=c + cs)
        top += max(r + rs for r, _, rs, _, _ in grid) + 1
    book.save(path)


def chromium(args: list[str]) -> None:
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
                        *args], check=True, capture_output=True, timeout=120)


def html_doc(inner: str) -> str:
    return f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{CSS}</style></head><body>{inner}</body></html>'


def write_pdf(item, path: Path, tables_as_image=False) -> None:
    """Headings, the first paragraphs and every table of the report (a full text would make
    each file ~100 KB: Chromium embeds a font subset of every character used)."""
    parts, prose = [], 0
    for el in blocks(item):
        if el.tag != "table" and len(el.text_content()) > 40:
            prose += 1
            if prose > (1 if tables_as_image else 3):
                continue
        markup = lxml.html.tostring(el, encoding="unicode")
        if el.tag == "table" and tables_as_image:
            markup = f'<p><img src="data:image/png;base64,{table_image(markup)}" style="width:100%"></p>'
        parts.append(markup)
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html_doc("".join(parts)), encoding="utf-8")
        chromium(["--no-pdf-header-footer", "--disable-pdf-tagging", f"--print-to-pdf={path}", page.as_uri()])


def table_image(markup: str) -> str:
    """A screenshot of one table, as a 1-bit PNG in base64 (what a scanned table amounts to)."""
    from PIL import Image
    with tempfile.TemporaryDirectory() as tmp:
        page, shot = Path(tmp) / "table.html", Path(tmp) / "table.png"
        page.write_text(html_doc(f'<div style="width:640px">{markup}</div>'), encoding="utf-8")
        chromium(["--window-size=660,900", "--hide-scrollbars", f"--screenshot={shot}", page.as_uri()])
        image = Image.open(shot).convert("L")
        box = Image.eval(image, lambda v: 255 - v).getbbox()
        image = image.crop(box).point(lambda v: 255 if v > 160 else 0).convert("1")
        out = io.BytesIO()
        image.save(out, "PNG", optimize=True)
    return base64.b64encode(out.getvalue()).decode()


def write_placeholder(item, path: Path) -> None:
    note = (f"nianbao test placeholder for {path.name}: an OLE compound-file header only, "
            "not a readable Word/WPS document.\n").encode("ascii", "replace")
    path.write_bytes(OLE_MAGIC + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00" + note.ljust(488, b"\x00"))


def main() -> None:
    FILES.mkdir(exist_ok=True)
    for item in spec_patterns.SHIQIAO["items"]:
        for att in item.get("attachments", []):
            path = FILES / att["file"]
            kind = path.suffix
            if kind == ".docx":
                write_docx(item, path, with_tables=att["part"] != "text")
            elif kind == ".xlsx":
                write_xlsx(item, path)
            elif kind == ".pdf":
                write_pdf(item, path, tables_as_image=item.get("tables_as_image", False))
            else:
                write_placeholder(item, path)
            print(f"{path.stat().st_size:8d}  {path}")


if __name__ == "__main__":
    main()
