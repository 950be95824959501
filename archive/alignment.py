"""Section 三 rows of a page aligned to the template's rows by the template's structure.

An exact label or alias wins (compared without spaces, numbering or punctuation); otherwise a
numbered row (一、（一）1.) takes the template row with that number under the current parent
when their wording is similar enough; otherwise an unnumbered row takes the one template row
whose wording is clearly the most similar. A row in the table that aligns to nothing is kept
as printed (:class:`archive.statistics.UnalignedRow`), never dropped.

    >>> numbering('四、结转下一年度继续办理'), numbering('（六）其他处理'), numbering('3、其他')
    (('top', '四'), ('paren', '六'), ('digit', '3'))
"""
from __future__ import annotations

import re
from difflib import SequenceMatcher

from archive.labels import LabelIndex, loose, normalise
from archive.statistics import Cell, UnalignedRow, parse_value, value_cell
from archive.tables import Grid, GridCell

NUMBERED_SIMILARITY = 0.34   # wording a numbered row must share with the template row it numbers
WORDING_SIMILARITY = 0.75    # wording an unnumbered row must share with a template row


_NUMBERING = re.compile(r"^(?:([一二三四五六七八九十]+)、|\(([一二三四五六七八九十]+)\)|(\d+)\.(?!\d))")
_LEVELS = ("top", "paren", "digit")


def numbering(label: str) -> tuple[str, str] | None:
    """The form's numbering at the start of a label: ('top', '四'), ('paren', '六'), ('digit', '3')."""
    m = _NUMBERING.match(normalise(label))
    if not m:
        return None
    level = next(i for i in range(3) if m.group(i + 1))
    return _LEVELS[level], m.group(level + 1)


def similarity(label: str, spellings: list[str]) -> float:
    """How much of the wording two labels share, punctuation and numbering ignored (0–1)."""
    a = loose(label)
    return max((SequenceMatcher(None, a, loose(s)).ratio() for s in spellings if a and loose(s)),
               default=0.0)


class RowAligner:
    """Section 三 rows of a page → template row codes, by the template's structure.

    An exact label or alias wins; otherwise a numbered row (一、（一）1.) takes the
    template row with the same number under the current parent when their wording is
    similar enough; otherwise an unnumbered row takes the one template row whose wording
    is clearly the most similar. Each template row is taken once.
    """

    def __init__(self, data: dict):
        spec = data["section3_requests"]
        self.rows = spec["rows"]
        self.by_label = {r["label"]: r for r in self.rows}
        pairs = [(r["label"], r["label"]) for r in self.rows]
        pairs += [(alias, r["label"]) for r in self.rows for alias in r.get("aliases", [])]
        self.index = LabelIndex(pairs)
        self.spellings = {r["row_code"]: [r["label"], *r.get("aliases", [])] for r in self.rows}
        self.numbers = {r["row_code"]: numbering(r["label"]) for r in self.rows}
        self.level = {code: n[0] for code, n in self.numbers.items() if n}
        self.context: dict[str, str] = {}     # numbering level → code of the latest row at it
        self.seen: set[str] = set()

    def exact(self, row: list[GridCell]) -> tuple[int | None, dict | None]:
        """The row's label cell when it names a template row; a heading in a cell on the left
        of an unknown label (（三）不予公开 beside a reworded 5.属于内部事务信息) is not the row's."""
        position, label = _row_label(row, self.index, self.by_label)
        split = _split_row(row)
        if label is None or (split is not None and position < split):
            return (split if label else None), None
        return position, self.by_label[label]

    def note(self, spec_row: dict) -> None:
        """A row (or a heading in a left cell) at a numbering level sets the parent below it."""
        level = self.level.get(spec_row["row_code"])
        if level:
            self.context[level] = spec_row["row_code"]
            for deeper in _LEVELS[_LEVELS.index(level) + 1:]:
                self.context.pop(deeper, None)

    def structural(self, label: str) -> tuple[dict | None, str]:
        """(template row, how) for a label no exact lookup knows."""
        number = numbering(label)
        if number:
            depth = _LEVELS.index(number[0])
            parent = self.context.get(_LEVELS[depth - 1]) if depth else None
            numbered = [r for r in self.rows if self.numbers[r["row_code"]] == number
                        and r["row_code"] not in self.seen]
            # under the current parent; a table that never printed the parent's heading
            # still has one row of that number at that level
            same = [r for r in numbered if r["parent"] == parent] or numbered
            if len(same) == 1 and similarity(label, self.spellings[same[0]["row_code"]]) >= NUMBERED_SIMILARITY:
                return same[0], "numbering"
        scored = sorted(((similarity(label, self.spellings[r["row_code"]]), r["row_code"]) for r in self.rows
                         if r["row_code"] not in self.seen), reverse=True)
        if scored and scored[0][0] >= WORDING_SIMILARITY and (len(scored) == 1 or scored[1][0] < scored[0][0] - 0.1):
            return next(r for r in self.rows if r["row_code"] == scored[0][1]), "wording"
        return None, ""


def _split_row(row: list[GridCell]) -> int | None:
    """Index of the label cell: the last non-empty cell that is not a value."""
    for i in range(len(row) - 1, -1, -1):
        if row[i].text and not parse_value(row[i].text)[2]:
            return i
    return None


def read_applications(grids: list[Grid], data: dict, notes: list[str]
                      ) -> tuple[list[Cell], list[UnalignedRow]]:
    """The cells of section 三, and the rows of its table that align to no template row."""
    applicants = [c["label"] for c in data["section3_requests"]["columns"]]
    aligner = RowAligner(data)
    tables = []
    for grid in grids:
        rows = [grid.distinct_cells(r) for r in range(len(grid.rows))]
        exact = [aligner.exact(row) for row in rows]
        known = [r for r, (p, spec_row) in enumerate(exact) if spec_row and _values_row(rows[r][p + 1:])]
        if known:
            tables.append((rows, exact, _region(rows, known, len(applicants))))
    # the table is the document's when it has at least 3 known rows, however many pieces
    # (pages of a PDF) it was printed in; only then are unknown rows aligned or kept
    structured = sum(len([r for r, (_, s) in enumerate(e) if s]) for _, e, _ in tables) >= 3
    cells: list[Cell] = []
    unaligned: list[UnalignedRow] = []
    for rows, exact, (first, last) in tables:
        for r, row in enumerate(rows):
            position, spec_row = exact[r]
            for cell in row[:position or 0]:   # headings in left cells (三、本年度办理结果, （三）…)
                found = aligner.index.lookup(cell.text)
                if found:
                    aligner.note(aligner.by_label[found])
            how = "label"
            if spec_row is None and structured and first <= r <= last:
                position = _split_row(row)
                if position is None:
                    continue
                spec_row, how = aligner.structural(row[position].text)
                if spec_row is None:
                    if _values_row(row[position + 1:]):
                        label = row[position]
                        unaligned.append(UnalignedRow("applications", label.table, label.row, label.raw,
                                                      tuple(c.raw for c in row)))
                        notes.append(f"applications: row {label.raw!r} matches no row of the "
                                     "template; kept in unaligned_rows")
                    continue
            if spec_row is not None:
                cells += _row_cells(aligner, spec_row, how, row, position, r, applicants, notes)
    return cells, unaligned


def _region(rows: list[list[GridCell]], known: list[int], width: int) -> tuple[int, int]:
    """First and last row of the table around its known rows: rows of ``width`` values next
    to them belong to it too (a reworded first or last row)."""
    first, last = known[0], known[-1]
    while first > 0 and _trailing_count(rows[first - 1]) == width:
        first -= 1
    while last + 1 < len(rows) and _trailing_count(rows[last + 1]) == width:
        last += 1
    return first, last


def _row_cells(aligner: RowAligner, spec_row: dict, how: str, row: list[GridCell], position: int,
               r: int, applicants: list[str], notes: list[str]) -> list[Cell]:
    aligner.note(spec_row)
    values = row[position + 1:]
    if not _values_row(values):
        return []    # a header row that happens to hold a row label (总计)
    code, label = spec_row["row_code"], spec_row["label"]
    if spec_row["kind"] == "group" and not any(c.text for c in values):
        return []    # label-only group row (三、本年度办理结果 …)
    if code in aligner.seen:
        notes.append(f"applications {code} {label}: row repeated, later copy ignored")
        return []
    aligner.seen.add(code)
    if how != "label":
        notes.append(f"applications {code} {label}: aligned by {how} from {row[position].raw!r}")
    if spec_row["kind"] == "group":
        notes.append(f"applications {code} {label}: group row carries values")
    if len(values) != len(applicants):
        notes.append(f"applications {code} {label}: {len(values)} value cells, expected {len(applicants)}")
    return [value_cell("applications", {"row_code": code, "row_label": label, "applicant": applicant},
                       cell, r, notes) for applicant, cell in zip(applicants, values)]


def _values_row(values: list[GridCell]) -> bool:
    understood = sum(parse_value(c.text)[2] for c in values)
    return bool(values) and understood * 2 > len(values)


def _trailing_count(row: list[GridCell]) -> int:
    k = len(row)
    while k > 0 and parse_value(row[k - 1].text)[2]:
        k -= 1
    return len(row) - k if k > 0 else 0


def _row_label(row: list[GridCell], labels: LabelIndex, rows: dict):
    """(position, canonical label) of the rightmost cell naming a template row."""
    for i in range(len(row) - 1, -1, -1):
        found = labels.lookup_all(row[i].text)
        if len(found) > 1:   # same wording under two parents: the cells on the left decide
            parents = {normalise(c.text) for c in row[:i]}
            found = [f for f in found if _parent_label(f, rows) in parents] or found[:1]
        if found:
            return i, found[0]
    return None, None


def _parent_label(label: str, rows: dict) -> str | None:
    parent = rows[label]["parent"]
    return next((normalise(r["label"]) for r in rows.values() if r["row_code"] == parent), None)
