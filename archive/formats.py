"""Which format a report document is, and DOCX / PDF / plain text → a :class:`Document`.

HTML pages go through clean.py; the other formats are read here into the same parts a
page gives: a title, text lines (paragraphs; a table row is one line, cells joined by
`` | ``), and the tables as :class:`archive.tables.Grid` (spans kept), so statistics.py
reads every source the same way.

    >>> sniff(b'%PDF-1.4 ...', None, 'x.htm'), sniff(b'PK\\x03\\x04', None, 'a.docx')
    ('pdf', 'docx')
    >>> sniff(OLE_MAGIC + bytes(8), None, 'a.wps'), sniff('年报'.encode(), 'text/plain', 'a')
    ('wps', 'txt')

Provenance: ``source_table`` is the table's index in the document (DOCX: body order;
PDF: page order, top to bottom), ``source_row``/``source_col`` its grid row and column.
XLSX sheets are read with openpyxl (each sheet one table, merged cells kept).
DOC, WPS and XLS (OLE compound files) are first converted by LibreOffice
(:mod:`archive.convert`); where that fails the caller records an ``unreadable_format`` check.
"""
from __future__ import annotations

import bisect
import io
import logging
import re
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field

from archive import ocr
from archive.limits import before_ocr, check_grid, check_image, check_zip
from archive.tables import Grid, GridCell, grid_lines, squeeze

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
UNREADABLE = ("doc", "wps", "xls")
_EXTENSIONS = {"pdf": "pdf", "docx": "docx", "doc": "doc", "wps": "wps", "xls": "xls",
               "xlsx": "xlsx", "txt": "txt", "et": "xls"}


@dataclass
class Document:
    title: str | None
    lines: list[str]
    grids: list[Grid] = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    ocr_pages: int = 0                   # pages read by OCR (archive.ocr): a scan
    ocr_confidence: float | None = None  # OCR's mean recognition score over those pages
    notes: list[str] = field(default_factory=list)


IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*")
HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|div|p|table)\b",
                        re.I | re.S)
BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def sniff(body: bytes, content_type: str | None, url: str) -> str:
    """html | pdf | docx | xlsx | doc | wps | xls | txt | image: magic bytes first (a portal's
    declared type is often wrong), then the declared type, then the URL's extension.

    >>> sniff(b"<html><body>2021 annual report</body></html>", "application/pdf", "a.pdf")
    'html'
    """
    ctype = (content_type or "").split(";")[0].strip().lower()
    ext = re.sub(r"[?#].*$", "", url or "").rsplit(".", 1)[-1].lower()
    head = body[:1024]
    for bom in BOMS:
        if head.startswith(bom):
            head = head[len(bom):]
            break
    if head.lstrip().startswith(b"%PDF"):
        return "pdf"
    if body.startswith(IMAGE_MAGIC) or (body[:4] == b"RIFF" and body[8:12] == b"WEBP") \
            or (body[:2] == b"BM" and int.from_bytes(body[2:6], "little") == len(body)):   # BMP: its own size
        return "image"
    if body.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(body)).namelist()
        except (zipfile.BadZipFile, ValueError, OSError):
            names = []
        if "word/document.xml" in names:
            return "docx"
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
        if ext in ("docx", "xlsx"):
            return ext
    if body.startswith(OLE_MAGIC):
        if ext in ("doc", "wps", "xls") or "excel" in ctype:
            return _EXTENSIONS.get(ext, "xls" if "excel" in ctype else "doc")
        return "wps" if "wps" in ctype else "doc"
    if HTML_START.match(head):
        return "html"
    if b"%PDF-" in head:
        return "pdf"  # a PDF after some junk bytes (readers accept a header within 1 KB)
    if ctype == "application/pdf":
        return "pdf"
    if ctype == "text/plain" or ext == "txt":
        return "txt"
    if ctype in ("", "text/html", "application/xhtml+xml") or re.search(rb"<(html|body|p|div|table)\b", head, re.I):
        return "html"
    return _EXTENSIONS.get(ext, "html")


def decode_text(body: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (covers GBK/GB2312)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return body.decode(encoding)
        except UnicodeDecodeError:
            continue
    return body.decode("utf-8", "replace")


def _title_from(lines: list[str]) -> str | None:
    """The first lines up to one ending like a report title (titles wrap over two lines)."""
    for i, line in enumerate(lines[:4]):
        joined = "".join(l.strip() for l in lines[:i + 1])
        if re.search(r"(报告|報告|年报|年報)$", joined) and len(joined) <= 80:
            return joined
    return None


def read_txt(body: bytes) -> Document:
    lines = [l.rstrip() for l in decode_text(body).splitlines()]
    lines = [l for l in lines if l.strip()]
    return Document(_title_from(lines), lines)


# ------------------------------------------------------------------ DOCX

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _tc_text(tc) -> str:
    paragraphs = ["".join(t.text or "" for t in p.iter(_W + "t")) for p in tc.iter(_W + "p")]
    return " ".join(p.strip() for p in paragraphs if p.strip())


def _docx_grid(tbl, index: int) -> Grid:
    """A w:tbl → Grid; gridSpan is a colspan, vMerge="continue" continues the cell above."""
    slots: dict[tuple[int, int], GridCell] = {}
    trs = tbl.findall(_W + "tr")
    for r, tr in enumerate(trs):
        c = 0
        for tc in tr.findall(_W + "tc"):
            pr = tc.find(_W + "tcPr")
            span = pr.find(_W + "gridSpan") if pr is not None else None
            merge = pr.find(_W + "vMerge") if pr is not None else None
            colspan = int(span.get(_W + "val", "1")) if span is not None else 1
            continues = merge is not None and merge.get(_W + "val", "continue") == "continue"
            check_grid(len(trs), c + colspan)
            above = slots.get((r - 1, c))
            if continues and above is not None:
                for dc in range(colspan):
                    source = slots.get((r - 1, c + dc), above)
                    slots[(r, c + dc)] = GridCell(source.text, source.raw, False, index,
                                                  source.row, source.col, source.rowspan + 1,
                                                  source.colspan)
            else:
                raw = _tc_text(tc)
                for dc in range(colspan):
                    slots[(r, c + dc)] = GridCell(squeeze(raw), raw, dc == 0, index, r, c, 1,
                                                  colspan)
            c += colspan
    width = max((c + 1 for _, c in slots), default=0)
    check_grid(len(trs), width)
    return Grid(index, [[slots.get((r, c)) for c in range(width)] for r in range(len(trs))])


def read_docx(body: bytes) -> Document:
    import docx   # python-docx

    check_zip(body)
    document = docx.Document(io.BytesIO(body))
    lines: list[str] = []
    grids: list[Grid] = []
    for element in document.element.body.iterchildren():
        if element.tag == _W + "p":
            text = "".join(t.text or "" for t in element.iter(_W + "t")).strip()
            if text:
                lines.append(text)
        elif element.tag == _W + "tbl":
            grid = _docx_grid(element, len(grids))
            grids.append(grid)
            lines += [l for l in grid_lines(grid) if l]
    props = document.core_properties
    meta = {k: v for k, v in (("title", props.title), ("created", props.created)) if v}
    return Document(_title_from(lines), lines, grids, meta)


# ------------------------------------------------------------------ XLSX

def _xlsx_grid(sheet, index: int) -> Grid:
    """A worksheet → Grid; a merged range is one cell spanning its rows and columns."""
    def text(value) -> str:
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()

    check_grid(sheet.max_row, sheet.max_column)
    merged = {}
    for block in sheet.merged_cells.ranges:
        for r in range(block.min_row, block.max_row + 1):
            for c in range(block.min_col, block.max_col + 1):
                merged[(r, c)] = (block.min_row, block.min_col, block.max_row - block.min_row + 1,
                                  block.max_col - block.min_col + 1)
    rows = []
    for r in range(1, sheet.max_row + 1):
        row = []
        for c in range(1, sheet.max_column + 1):
            top, left, rowspan, colspan = merged.get((r, c), (r, c, 1, 1))
            raw = text(sheet.cell(top, left).value)
            row.append(GridCell(squeeze(raw), raw, (top, left) == (r, c), index, top - 1, left - 1,
                                rowspan, colspan))
        while row and not row[-1].raw and (r, len(row)) not in merged:
            row.pop()  # a sheet is a rectangle; the table's row ends at its last cell
        rows.append(row + [None] * (sheet.max_column - len(row)))
    return Grid(index, rows)


def read_xlsx(body: bytes) -> Document:
    import openpyxl

    check_zip(body)
    book = openpyxl.load_workbook(io.BytesIO(body), data_only=True)
    grids = [_xlsx_grid(sheet, i) for i, sheet in enumerate(book.worksheets)]
    lines = [line for grid in grids for line in grid_lines(grid) if line]
    return Document(_title_from(lines), lines, grids, {"sheets": book.sheetnames})


# ------------------------------------------------------------------ PDF

def _edges(values: list[float], tolerance: float = 2.0) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > tolerance:
            out.append(v)
    return out


def _nearest(edges: list[float], v: float) -> int:
    return min(range(len(edges)), key=lambda i: abs(edges[i] - v))


class _PageChars:
    """A page's characters indexed by their centres (computed once a page), to find the
    characters of a cell without filtering the whole page for each cell."""

    def __init__(self, page):
        self.chars = page.chars
        centres = [((c["top"] + c["bottom"]) / 2, (c["x0"] + c["x1"]) / 2) for c in self.chars]
        self.order = sorted(range(len(centres)), key=lambda i: centres[i][0])
        self.ys = [centres[i][0] for i in self.order]
        self.xs = [cx for _, cx in centres]

    def text(self, box: tuple) -> str:
        """What ``page.filter(<chars whose centre is in box>).crop(box, strict=False)
        .extract_text()`` gives: the chars centred in the box, clipped to it, laid out."""
        from pdfplumber.utils import chars_to_textmap, crop_to_bbox

        x0, top, x1, bottom = box
        lo, hi = bisect.bisect_left(self.ys, top), bisect.bisect_right(self.ys, bottom)
        picked = sorted(i for i in self.order[lo:hi] if x0 <= self.xs[i] <= x1)
        chars = crop_to_bbox([self.chars[i] for i in picked], box)
        if not chars:
            return ""
        return chars_to_textmap(chars, layout_bbox=box, layout_width=x1 - x0,
                                layout_height=bottom - top).as_string


def _pdf_grid(page, table, index: int, chars: _PageChars | None = None) -> Grid:
    """pdfplumber table → Grid, spans rebuilt from the cells' bounding boxes."""
    chars = chars or _PageChars(page)
    boxes = table.cells
    xs = _edges([b[0] for b in boxes] + [b[2] for b in boxes])
    ys = _edges([b[1] for b in boxes] + [b[3] for b in boxes])
    slots: dict[tuple[int, int], GridCell] = {}
    for x0, top, x1, bottom in sorted(boxes, key=lambda b: (b[1], b[0])):
        r0, r1 = _nearest(ys, top), _nearest(ys, bottom)
        c0, c1 = _nearest(xs, x0), _nearest(xs, x1)
        if r1 <= r0 or c1 <= c0 or (r0, c0) in slots:
            continue
        raw = re.sub(r"\s+", " ", chars.text((x0, top, x1, bottom)) or "").strip()
        for r in range(r0, r1):
            for c in range(c0, c1):
                slots[(r, c)] = GridCell(squeeze(raw), raw, (r, c) == (r0, c0), index, r0, c0,
                                         r1 - r0, c1 - c0)
    rows = [[slots.get((r, c)) for c in range(len(xs) - 1)] for r in range(len(ys) - 1)]
    return Grid(index, [row for row in rows if any(row)])


SCANNED_PAGE_CHARS = 20   # a page with fewer characters than this and an image on it is a scan


def _is_scan(page) -> bool:
    if len(page.chars) >= SCANNED_PAGE_CHARS or not page.images:
        return False
    area = float(page.width * page.height) or 1.0
    covered = sum(abs((i["x1"] - i["x0"]) * (i["bottom"] - i["top"])) for i in page.images)
    return covered >= 0.3 * area


def read_pdf(body: bytes) -> Document:
    """Text and tables of every page; a page that is only an image (a scan) is read by
    OCR (:mod:`archive.ocr`), at most ``ocr_pages`` of them."""
    import pdfplumber

    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    pages: list = []   # each page's lines, or the PageText OCR made of it
    grids: list[Grid] = []
    notes: list[str] = []
    with pdfplumber.open(io.BytesIO(body)) as pdf:
        meta = {k: v for k, v in (pdf.metadata or {}).items() if isinstance(v, str)}
        scans = [i for i, page in enumerate(pdf.pages) if _is_scan(page)]
        allowed = set(scans[:before_ocr(len(scans))]) if scans else set()
        if len(allowed) < len(scans):
            notes.append(f"{len(scans) - len(allowed)} scanned page(s) after page {max(allowed) + 1 if allowed else 0} "
                         "not read: over the limit ocr_pages")
        with _rendered_pages(body, allowed) as render:
            for number, page in enumerate(pdf.pages):
                if number in allowed:
                    page_text = ocr.read_page(render(number), len(grids))
                    grids += page_text.grids
                    pages.append(page_text)
                    continue
                tables = page.find_tables()
                boxes = [t.bbox for t in tables]

                def outside(obj, boxes=boxes):
                    cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
                    return not any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in boxes)

                items: list[tuple[float, list[str]]] = []
                chars = _PageChars(page) if tables else None
                for table in tables:
                    grid = _pdf_grid(page, table, len(grids), chars)
                    grids.append(grid)
                    items.append((table.bbox[1], [l for l in grid_lines(grid) if l]))
                text_page = page.filter(lambda o: o.get("object_type") != "char" or outside(o))
                for line in text_page.extract_text_lines():
                    items.append((line["top"], [line["text"].strip()]))
                pages.append([l for _, block in sorted(items, key=lambda pair: pair[0]) for l in block if l])
    lines = ocr.document_lines(pages)
    return Document(_title_from(lines), lines, grids, meta, ocr_pages=len(allowed),
                    ocr_confidence=ocr.mean_confidence(pages), notes=notes)


@contextmanager
def _rendered_pages(body: bytes, numbers: set[int]):
    """``render(n)``: page n as a grey image at OCR's resolution (the PDF opened once, and
    only when a page is to be OCRed)."""
    if not numbers:
        yield None
        return
    import pypdfium2

    document = pypdfium2.PdfDocument(body)
    scale = ocr.settings()["dpi"] / 72

    def render(number: int):
        page = document[number]
        width, height = page.get_size()
        check_image(int(width * scale), int(height * scale))
        return page.render(scale=scale, grayscale=True).to_numpy()

    try:
        yield render
    finally:
        document.close()


# ------------------------------------------------------------------ images

MAX_IMAGE_SIDE = 3500   # larger scans are reduced before OCR (text stays legible)


def read_image(body: bytes) -> Document:
    """An image document (PNG, JPEG, TIFF, GIF, BMP, WebP; every frame of a multi-page
    TIFF is a page), read by OCR."""
    import numpy
    from PIL import Image, ImageSequence

    with Image.open(io.BytesIO(body)) as image:
        check_image(*image.size)
        frames = sum(1 for _ in ImageSequence.Iterator(image))
        allowed = before_ocr(frames)
        pages, grids = [], []
        for index, frame in enumerate(ImageSequence.Iterator(image)):
            if index >= allowed:
                break
            frame = frame.convert("L")
            if max(frame.size) > MAX_IMAGE_SIDE:
                ratio = MAX_IMAGE_SIDE / max(frame.size)
                frame = frame.resize((int(frame.width * ratio), int(frame.height * ratio)), Image.LANCZOS)
            pages.append(ocr.read_page(numpy.asarray(frame), len(grids)))
            grids += pages[-1].grids
    notes = [f"{frames - allowed} image frame(s) not read: over the limit ocr_pages"] if frames > allowed else []
    lines = ocr.document_lines(pages)
    return Document(_title_from(lines), lines, grids, {}, ocr_pages=len(pages),
                    ocr_confidence=ocr.mean_confidence(pages), notes=notes)
