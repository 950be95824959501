"""Hostile documents, made here (nothing is downloaded): each is small on the wire and
costs unbounded work or memory to a parser without limits.

- :func:`far_cell_xlsx`: a 5 KB spreadsheet whose one far cell is XFD1048576 (a reader
  that walks the sheet's rectangle builds 17 billion cells);
- :func:`docx_zip_bomb`: a DOCX whose document.xml unpacks to ``size`` bytes;
- :func:`huge_html`: a page of ``megabytes`` MB of paragraphs (slow to extract).
"""

from __future__ import annotations

import io
import zipfile
from functools import lru_cache

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
    '"/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
    'document.main+xml"/></Types>')
RELATIONSHIPS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')


@lru_cache(maxsize=None)
def far_cell_xlsx() -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet["A1"] = "本年新收政府信息公开申请数量"
    sheet["XFD1048576"] = 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@lru_cache(maxsize=None)
def docx_zip_bomb(size: int = 300 << 20) -> bytes:
    head = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{W_NS}">'
            "<w:body><w:p><w:r><w:t>").encode()
    tail = b"</w:t></w:r></w:p></w:body></w:document>"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as docx:
        docx.writestr("[Content_Types].xml", CONTENT_TYPES)
        docx.writestr("_rels/.rels", RELATIONSHIPS)
        with docx.open("word/document.xml", "w", force_zip64=True) as member:
            member.write(head)
            block = b" " * (1 << 20)
            for _ in range(size >> 20):
                member.write(block)
            member.write(tail)
    return out.getvalue()


@lru_cache(maxsize=None)
def huge_html(megabytes: int = 8) -> bytes:
    paragraph = "<p>本机关依法做好政府信息公开工作，第{}段，" + "政务公开" * 40 + "。</p>\n"
    count = megabytes * (1 << 20) // len(paragraph.encode())
    body = "".join(paragraph.format(i) for i in range(count))
    return (f"<html><head><title>某县2023年政府信息公开工作年度报告</title></head><body>"
            f"<div id='zoom'>{body}</div></body></html>").encode()
