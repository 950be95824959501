"""Show crawled documents without ever running their scripts.

A crawled page is untrusted HTML. Two ways out, both safe:

- :func:`document_tables`: the page's ``<table>`` elements rebuilt from their cell *text*
  (rowspan/colspan kept), to be rendered by an autoescaping template. Nothing of the
  page's markup survives, so ``<img onerror=…>`` in a cell shows as text.
- :func:`cleaned_document`: the page with scripts, event handlers, forms, frames and
  ``javascript:`` links removed (lxml_html_clean), served in a sandboxed ``<iframe>``
  with a ``Content-Security-Policy: sandbox`` header (see :data:`DOCUMENT_HEADERS`):
  even a script the cleaner missed could not run.

>>> [[c["text"] for c in row] for row in document_tables(b"<table><tr><td>&lt;b&gt;1</td></tr></table>", None)[0]]
[['<b>1']]
"""

from __future__ import annotations

import lxml.etree
import lxml.html
from lxml_html_clean import Cleaner

from archive.limits import LimitExceeded
from archive.charset import decode_html
from archive.tables import html_grids

# The archived copy may load nothing from anywhere and run nothing; inline styles only.
DOCUMENT_CSP = ("sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
                "form-action 'none'")
DOCUMENT_HEADERS = {"Content-Security-Policy": DOCUMENT_CSP, "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "no-referrer", "Cache-Control": "private, max-age=3600"}
_CLEANER = Cleaner(scripts=True, javascript=True, comments=True, style=False, inline_style=False,
                   links=True, meta=True, page_structure=False, processing_instructions=True,
                   embedded=True, frames=True, forms=True, annoying_tags=True,
                   remove_unknown_tags=False, safe_attrs_only=True,
                   kill_tags=["base"])  # a <base> would send every relative link off-site


def is_html(content_type: str | None, body: bytes) -> bool:
    if content_type:
        return "html" in content_type.lower()
    return body.lstrip()[:1] == b"<"


def document_tables(body: bytes, content_type: str | None) -> list[list[list[dict]]]:
    """The document's statistics tables as rows of cells ``{text, rowspan, colspan, row, col}``:
    plain text, indexed like the provenance columns (source_table, source_row, source_col)."""
    text = decode_html(body, content_type)
    try:
        grids = html_grids(lxml.html.fromstring(text)) if text.strip() else []
    except (LimitExceeded, lxml.etree.ParserError, ValueError):  # a hostile or empty page: no tables
        return []
    tables = []
    for grid in grids:
        rows = []
        for r, row in enumerate(grid.rows):
            rows.append([{"text": cell.raw, "rowspan": cell.rowspan, "colspan": cell.colspan,
                          "row": cell.row, "col": cell.col}
                         for cell in row if cell is not None and cell.is_origin and cell.row == r])
        tables.append(rows)
    return tables


def cleaned_document(body: bytes, content_type: str | None) -> str:
    """The archived page as HTML without scripts, handlers, forms or frames."""
    text = decode_html(body, content_type)
    if not text.strip():
        return ""
    return _CLEANER.clean_html(text)


def document_source(body: bytes, content_type: str | None) -> str:
    """The archived page's source as text (to be served as text/plain)."""
    return decode_html(body, content_type) if is_html(content_type, body) else ""
