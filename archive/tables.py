"""HTML tables → rectangular grids that honour rowspan/colspan.

Report tables are pasted from Word into CMS editors, so spans are irregular and a
header's grid column often does not line up with the data row beneath it. This module
only expands the tables faithfully; it knows nothing about what the tables mean.

    >>> import lxml.html
    >>> tree = lxml.html.fromstring(
    ...     '<table><tr><td rowspan=2>本年新<br>制作数量</td><td>1</td></tr>'
    ...     '<tr><td colspan=2>&nbsp;2</td></tr></table>')
    >>> grid = html_grids(tree)[0]
    >>> [[c.text if c else None for c in row] for row in grid.rows]
    [['本年新制作数量', '1', None], ['本年新制作数量', '2', '2']]
    >>> [c.text for c in grid.distinct_cells(1)]
    ['本年新制作数量', '2']
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.html

from archive.limits import check_grid

# Tags whose boundaries separate words in the raw text of a cell.
_BLOCK_TAGS = {"p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6"}
_SKIP_TAGS = {"script", "style"}
_WHITESPACE = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")
_MAX_SPAN = 1000


@dataclass(frozen=True)
class GridCell:
    """One slot of a grid. A spanning source cell fills several slots: the top-left one
    is the origin (``is_origin``), the others are copies pointing at the same source."""

    text: str        # all whitespace removed (incl. &nbsp;, U+3000): the form used for labels
    raw: str         # whitespace collapsed to single spaces: the text as a reader sees it
    is_origin: bool
    table: int       # index of the table in html_grids() order (document order)
    row: int         # row index of the source cell's top-left slot
    col: int         # grid column of the source cell's top-left slot
    rowspan: int = 1
    colspan: int = 1
    confidence: float | None = None   # OCR's recognition score (archive.ocr); None when read as text

    @property
    def source(self) -> tuple[int, int, int]:
        return (self.table, self.row, self.col)


@dataclass
class Grid:
    table: int
    rows: list[list[GridCell | None]] = field(default_factory=list)

    @property
    def width(self) -> int:
        return len(self.rows[0]) if self.rows else 0

    def distinct_cells(self, row: int) -> list[GridCell]:
        """The row's cells in order, each source cell once (spanned copies from rows
        above included). Map value cells by this order, not by grid column."""
        seen: set[tuple[int, int]] = set()
        out = []
        for cell in self.rows[row]:
            if cell is None or (cell.row, cell.col) in seen:
                continue
            seen.add((cell.row, cell.col))
            out.append(cell)
        return out

    def own_cells(self, row: int) -> list[GridCell]:
        """The cells that start in this row (no copies from rowspans above)."""
        return [c for c in self.distinct_cells(row) if c.row == row]


def cell_text(element: lxml.html.HtmlElement) -> str:
    """Raw text of a cell: block boundaries and <br> become spaces, whitespace collapsed."""
    parts: list[str] = []
    append = parts.append

    def children(el) -> None:
        for child in el:
            tag = child.tag
            if isinstance(tag, str):  # else comments, processing instructions: tail only
                tag = tag.lower()
                if tag not in _SKIP_TAGS:
                    block = tag in _BLOCK_TAGS
                    if block:
                        append(" ")
                    if child.text:
                        append(child.text)
                    if len(child):
                        children(child)
                    if block:
                        append(" ")
            if child.tail:
                append(child.tail)

    if not isinstance(element.tag, str):
        return _WHITESPACE.sub(" ", element.tail or "").strip()
    if element.tag.lower() not in _SKIP_TAGS:   # spaces around the cell itself are stripped
        if element.text:
            append(element.text)
        children(element)
    return _WHITESPACE.sub(" ", "".join(parts)).strip()


def squeeze(text: str) -> str:
    """Remove every kind of whitespace (used for labels and values)."""
    return _WHITESPACE.sub("", text)


_SPAN = re.compile(r"\s*(\d+)")


def _span(value: str | None, default: int = 1) -> int:
    match = _SPAN.match(value or "")
    if not match:
        return default
    return min(int(match.group(1)), _MAX_SPAN)


def _expand(table, index: int) -> Grid:
    trs = list(table.iter("tr"))
    nrows = len(trs)
    slots: dict[tuple[int, int], GridCell] = {}
    for r, tr in enumerate(trs):
        c = 0
        for td in tr:
            if not isinstance(td.tag, str) or td.tag.lower() not in ("td", "th"):
                continue
            while (r, c) in slots:
                c += 1
            rowspan = _span(td.get("rowspan"))
            rowspan = nrows - r if rowspan == 0 else min(rowspan, nrows - r)
            colspan = max(_span(td.get("colspan")), 1)
            check_grid(nrows, c + colspan)
            raw = cell_text(td)
            text = squeeze(raw)
            origin = GridCell(text, raw, True, index, r, c, rowspan, colspan)
            if rowspan == 1 and colspan == 1:
                slots[(r, c)] = origin
            else:   # GridCell is frozen: the slots a span covers share one copy
                spanned = GridCell(text, raw, False, index, r, c, rowspan, colspan)
                for dr in range(rowspan):
                    for dc in range(colspan):
                        slots[(r + dr, c + dc)] = spanned if dr or dc else origin
            c += colspan
    width = max((c + 1 for (_, c) in slots), default=0)
    rows = [[slots.get((r, c)) for c in range(width)] for r in range(nrows)]
    return Grid(table=index, rows=rows)


def html_grids(tree: lxml.html.HtmlElement) -> list[Grid]:
    """Every innermost <table> of the tree (tables holding tables are layout and skipped;
    their inner tables are kept), in document order, expanded to a grid."""
    tables = [t for t in tree.iter("table") if t.find(".//table") is None]
    return [_expand(t, i) for i, t in enumerate(tables)]


def grid_lines(grid: Grid) -> list[str]:
    """A grid as text lines, one a row, its cells joined by `` | `` (how every reader lays a
    table into a document's text)."""
    return [" | ".join(c.raw for c in grid.own_cells(r) if c.raw) for r in range(len(grid.rows))]
