"""One report document in, one parsed report out: sniff format → read (HTML, DOCX, PDF,
text) → clean → metadata → statistics → checks → sections. Pure: bytes in, data out; the
pipeline and ``reparse`` both call :func:`parse_report`, so a re-parse gives what a crawl
would.

Where the numbers come from, per source (``Cell.source_table/row/col``):
- HTML, DOCX, PDF tables: the table's index in the document, its grid row and column.
- Tables flattened to text (a TXT document, or a page that prints its table as lines):
  ``source_table = -1``, ``source_row`` = 0-based line of the stored ``reports.text``,
  ``source_col`` = the cell's place in that line (cells split at ``|``).

Values: NULL means the report left the cell empty or wrote —, /, 无 (not reported);
0 means it wrote 0 (see ``archive/data/value_conventions.json``).
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field, replace


from archive.charset import decode_html
from archive.check import Subject, run_all, unreadable_format
from archive.clean import (CleanPage, block_text, clean_lines, clean_page, labelled_date, labelled_source, labelled_titles,
                           parse_html, strip_inline_pinyin, to_simplified)
from archive.flat_tables import flat_grid
from archive.convert import convert
from archive.limits import LimitExceeded
from archive.formats import UNREADABLE, Document, read_docx, read_image, read_pdf, read_txt, read_xlsx, sniff
from archive.metadata import parse_title, report_metadata, signature, template_for_year
from archive.search import simplified
from archive.sections import Section, split_sections
from archive.statistics import Cell, Statistics, UnalignedRow, statistics_of
from archive.tables import html_grids

# Recorded with every parse (fetched_reports.parser_version, document_parses): the parse
# stage re-parses whatever was parsed by another version. Bump it whenever parsing
# changes what it stores.
PARSER_VERSION = "2026.12.4.2"
WHITESPACE = re.compile(r"[\s\u00a0\u3000]+")
READERS = {"docx": read_docx, "pdf": read_pdf, "txt": read_txt, "xlsx": read_xlsx, "image": read_image}
OCR_SUFFIX = "_ocr"   # source_format of a document read by OCR: pdf_ocr, image_ocr


@dataclass
class ParsedReport:
    key: str
    title: str | None
    agency: str | None
    year: int | None
    publisher: str | None
    published_date: str | None
    template: str
    source_format: str
    text: str
    cells: list[Cell] = field(default_factory=list)
    checks: list = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    template_confidence: float | None = None   # how clearly the tables' shape named the template
    template_reason: str | None = None         # why: markers found, the year's template
    unaligned: list[UnalignedRow] = field(default_factory=list)   # rows kept as printed
    sources: dict = field(default_factory=dict)   # where title, agency and year were read (metadata.SOURCES)


def report_key(title: str | None, url: str) -> str:
    """What makes two documents the same report: the same title (in Simplified,
    without spaces), wherever it was found; a report without a title is its URL."""
    if title:
        return "title:" + WHITESPACE.sub("", simplified(title))
    return "url:" + url


def _strip_pinyin_lines(text: str) -> str:
    return "\n".join(strip_inline_pinyin(line) for line in text.split("\n"))


def _read_html(body: bytes, content_type: str | None) -> tuple[CleanPage, list, int, object]:
    """The cleaned page, its tables, its image count and its tree (parsed once; tables and
    images are read before clean_page drops scripts, noscript and template elements)."""
    html = strip_inline_pinyin(decode_html(body, content_type))
    tree = parse_html(html)
    if tree is None:   # empty, only comments, or garbage lxml cannot parse
        return clean_page(html), [], 0, html
    images = len(tree.xpath("//body//img"))
    grids = html_grids(tree)
    page = clean_page(html, tree)
    signed_by, signed_on = signature(page.text)
    if signed_on and signed_by is None:   # a dated 落款 whose body line is missing
        page.signed_by = signature(block_text(tree))[0]   # a 落款 line trafilatura dropped
    return page, grids, images, tree


def _read_other(doc: Document) -> CleanPage:
    raw = _strip_pinyin_lines("\n".join(doc.lines))
    text = clean_lines(raw)
    # A labelled date, else the 落款 date (metadata.py), read on every line (the page's
    # 时间：/发布机构 line copied with the text is chrome, dropped from the text). Creation
    # dates of DOCX/PDF files are not used: they are often the defaults of the tool that wrote the file.
    return CleanPage(title=doc.title, text=text, published_date=labelled_date(raw),
                     source=labelled_source(raw), meta=doc.meta, title_candidates=labelled_titles(raw))


def _looks_traditional(text: str) -> bool:
    sample = text[:3000]
    return sum(map(operator.ne, sample, to_simplified(sample))) >= 5   # characters OpenCC changed


def _metadata(page: CleanPage, list_title: str | None):
    """Metadata read on a Simplified copy when the report is in Traditional script, so
    that title patterns match; agency and publisher are then stored in Simplified, the
    title as printed."""
    if not _looks_traditional((page.title or "") + page.text):
        return report_metadata(page, list_title)
    copy = CleanPage(title=to_simplified(page.title) or None, text=to_simplified(page.text),
                     published_date=page.published_date,
                     source=to_simplified(page.source) or None, meta=page.meta,
                     title_candidates=[to_simplified(t) for t in page.title_candidates])
    return report_metadata(copy, to_simplified(list_title) or None, printed=page)


def _statistics(grids: list, page: CleanPage, html, year: int | None) -> Statistics:
    """Tables first; a report without a statistics table may print it flattened to text.
    For an HTML page the flattened table is read from every line of the page (trafilatura
    may drop short lines such as a lone 0), and those lines become the stored text, so
    that ``source_row`` points into ``reports.text``. ``html``: the page's tree or text."""
    stats = statistics_of(grids, year)
    if stats.template is not None:
        return stats
    text = _strip_pinyin_lines(block_text(html)) if html is not None else page.text
    flat = statistics_of([flat_grid(text.split("\n"))], year) if text else stats
    if flat.template is None:
        return stats
    flat.notes.insert(0, "statistics read from a table flattened to text "
                         "(source_table -1, source_row = line of the stored text)")
    page.text = text
    return flat


def _copy_confidences(stats: Statistics, grids: list) -> None:
    """Each value read by OCR carries the confidence of the cell it came from."""
    scores = {cell.source: cell.confidence for grid in grids for row in grid.rows for cell in row
              if cell is not None and cell.is_origin}
    stats.cells = [replace(cell, confidence=scores.get((cell.source_table, cell.source_row, cell.source_col)))
                   for cell in stats.cells]


def _unreadable(source_format: str, url: str, list_title: str | None,
                damage: str | None = None) -> ParsedReport:
    agency, year = parse_title(list_title)
    why = (f"is damaged ({damage})" if damage else
           "cannot be read here (LibreOffice missing or could not open it)")
    check = unreadable_format(f"this {source_format.upper()} document {why}; the raw document is "
                              "kept for a later parse")
    return ParsedReport(key=report_key(list_title, url), title=list_title, agency=agency,
                        year=year, publisher=None, published_date=None,
                        template=template_for_year(year), source_format=source_format, text="",
                        checks=[check], notes=[check.detail],
                        sources={k: "listing" for k, v in (("title", list_title), ("agency", agency), ("year", year)) if v})


def parse_report(body: bytes, content_type: str | None, url: str,
                 list_title: str | None = None) -> ParsedReport:
    source_format = sniff(body, content_type, url)
    readable_as = source_format
    if source_format in UNREADABLE:
        converted = convert(body, source_format)
        if converted is None:
            return _unreadable(source_format, url, list_title)
        body, readable_as = converted
    images, html, doc = 0, None, None
    if readable_as == "html":
        page, grids, images, html = _read_html(body, content_type)
    else:
        try:
            doc = READERS[readable_as](body)
        except (LimitExceeded, MemoryError):
            raise
        except Exception as error:  # a damaged file (bad zip, broken PDF): a finding, not a crash
            return _unreadable(source_format, url, list_title, f"{type(error).__name__}: {error}"[:300])
        page, grids = _read_other(doc), doc.grids
    page.text = _strip_pinyin_lines(page.text)
    page.title = strip_inline_pinyin(page.title) or None
    page.title_candidates = [strip_inline_pinyin(t) for t in page.title_candidates]
    meta = _metadata(page, list_title)
    page.title = meta.title
    stats = _statistics(grids, page, html, meta.year)
    notes = list(stats.notes)
    if doc is not None and doc.ocr_pages:
        source_format += OCR_SUFFIX
        _copy_confidences(stats, grids)
        notes.insert(0, f"{doc.ocr_pages} page(s) read by OCR (mean confidence {doc.ocr_confidence})")
        notes += doc.notes
    # The template is the one the tables follow (their shape); without tables, the year's.
    template = stats.template or meta.template
    reason = stats.reason if stats.template else (
        f"no statistics table; the year {meta.year} calls for {template}" if template != "unknown"
        else "no statistics table and no year")
    checks = run_all(Subject(stats, meta.year, page.title, meta.published_date, page.text, images))
    return ParsedReport(
        key=report_key(page.title, url), title=page.title, agency=meta.agency, year=meta.year,
        publisher=meta.publisher, published_date=meta.published_date, template=template,
        source_format=source_format, text=page.text, cells=list(stats.cells), checks=checks,
        notes=notes, sections=split_sections(page.text),
        template_confidence=stats.confidence, template_reason=reason, unaligned=list(stats.unaligned),
        sources=meta.sources)
