"""Tables flattened to text → grids, so that statistics.py reads them like HTML tables.

Portals and mirror sites flatten report tables in two ways: one cell per line, or one
row per line with cells separated by ``|`` (often with rows broken over two lines). Both
become one stream of cells; the stream is cut into rows where a run of values ends, and
a run of labels is cut so that each row holds ONE label followed by its values:

    >>> grid = flat_grid(["一、本年新收政府信息公开申请数量", "3", "0 | 0", "| 1 | 0 | 0 | 4"])
    >>> [[c.text for c in row] for row in grid.rows]
    [['一、本年新收政府信息公开申请数量', '3', '0', '0', '1', '0', '0', '4']]
    >>> grid.rows[0][3].row, grid.rows[0][3].col    # text line 2, second cell of that line
    (2, 1)

Provenance of a flattened cell: ``source_table = -1`` (FLAT_TABLE), ``source_row`` = the
0-based line number in the report's stored ``text``, ``source_col`` = the cell's position
in that line (cells split at ``|``).

Rules the cutter knows, as data (``archive/data/flat_tables.json``): header cells that
start a header row kept whole (指标名称 … of the pre-2019 统计表), and units, which stand
with the values (条, 件: the 统计表's 计量单位 column). A unit glued to its value (条41105,
万元0) stays one cell, as printed; legacy_stats.py reads it as the unit and the value.
"""
from __future__ import annotations

import re
import unicodedata

from archive.labels import load_data, normalise
from archive.tables import Grid, GridCell, squeeze

FLAT_TABLE = -1
_SPLIT = re.compile(r"[|｜]")


def _is_value(text: str) -> bool:
    from archive.statistics import parse_value   # statistics imports this module
    return bool(text) and parse_value(text)[2] or text in _blank_tokens()


def _blank_tokens() -> set[str]:
    data = load_data("value_conventions.json")
    return {unicodedata.normalize("NFKC", t) for t in data["not_reported"]["tokens"] if t}


def _units() -> list[str]:
    return sorted(load_data("value_conventions.json")["units"]["tokens"], key=len, reverse=True)


def _header_rules() -> tuple[set[str], set[str], list[re.Pattern]]:
    data = load_data("flat_tables.json")
    return ({normalise(t) for t in data["header_row_starters"]},
            {normalise(t) for t in data["header_cells"]},
            [re.compile(p) for p in data["header_cell_patterns"]])


def _cells(lines: list[str], first_line: int):
    """(line, col, raw) of every non-empty cell."""
    for offset, line in enumerate(lines):
        parts = _SPLIT.split(line) if _SPLIT.search(line) else [line]
        col = 0
        for part in parts:
            raw = re.sub(r"\s+", " ", part).strip()
            if raw:
                yield first_line + offset, col, raw
                col += 1


def flat_grid(lines: list[str], first_line: int = 0) -> Grid:
    """One grid of the cells of ``lines`` (line numbers counted from ``first_line``)."""
    units = set(_units())
    starters, header_cells, header_patterns = _header_rules()

    def is_header_cell(text: str) -> bool:
        n = normalise(text)
        return n in header_cells or any(p.search(n) for p in header_patterns)
    rows: list[list[GridCell]] = []
    labels: list[GridCell] = []
    values: list[GridCell] = []
    header: list[GridCell] | None = None

    def close():
        nonlocal labels, values, header
        if header is not None:
            rows.append(header)
        rows.extend([cell] for cell in labels[:-1])
        if labels[-1:] or values:
            rows.append(labels[-1:] + values)
        labels, values, header = [], [], None

    for line, col, raw in _cells(lines, first_line):
        cell = GridCell(text=squeeze(raw), raw=raw, is_origin=True, table=FLAT_TABLE,
                        row=line, col=col)
        if header is not None and not labels and not values and is_header_cell(cell.text):
            header.append(cell)
            continue
        if _is_value(cell.text) or cell.text in units:
            values.append(cell)
            continue
        if values:
            close()
        if normalise(cell.text) in starters:
            close()
            header = [cell]
        else:
            labels.append(cell)
    close()
    width = max((len(r) for r in rows), default=0)
    return Grid(table=FLAT_TABLE, rows=[r + [None] * (width - len(r)) for r in rows])
