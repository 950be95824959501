"""One report document in, one parsed report out: decode → clean → metadata →
statistics → checks. Pure: bytes in, data out; the pipeline and ``reparse``
both call :func:`parse_report`, so a re-parse gives what a crawl would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.html
from w3lib.encoding import html_to_unicode

from archive.check import run_checks, tables_missing_check
from archive.clean import clean_page
from archive.metadata import report_metadata
from archive.search import simplified
from archive.statistics import Cell, extract_statistics

WHITESPACE = re.compile(r"[\s\u00a0\u3000]+")


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


def decode_html(body: bytes, content_type: str | None) -> str:
    """Decode as Scrapy does: HTTP charset, then BOM, then <meta>, then detection."""
    _encoding, text = html_to_unicode(content_type or "", body)
    return text


def report_key(title: str | None, url: str) -> str:
    """What makes two documents the same report: the same title (in Simplified,
    without spaces), wherever it was found; a report without a title is its URL."""
    if title:
        return "title:" + WHITESPACE.sub("", simplified(title))
    return "url:" + url


def parse_report(body: bytes, content_type: str | None, url: str,
                 list_title: str | None = None) -> ParsedReport:
    html = decode_html(body, content_type)
    page = clean_page(html)
    if not page.title and list_title:
        page.title = list_title
    meta = report_metadata(page)
    tree = lxml.html.fromstring(html) if html.strip() else lxml.html.fromstring("<html/>")
    stats = extract_statistics(tree)
    template = meta.template
    if template == "unknown" and stats.template:
        template = stats.template
    checks = list(run_checks(stats))
    if stats.template is None and template in ("2019", "2021"):
        checks.append(tables_missing_check())
    return ParsedReport(
        key=report_key(page.title, url), title=page.title, agency=meta.agency, year=meta.year,
        publisher=meta.publisher, published_date=meta.published_date, template=template,
        source_format="html", text=page.text, cells=list(stats.cells), checks=checks,
        notes=list(stats.notes))
