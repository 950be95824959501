"""A report's statistics tables → canonical cells.

    >>> import lxml.html
    >>> stats = extract_statistics(lxml.html.fromstring(open(
    ...     'tests/fixtures/pingtan_2021_report.html', encoding='utf-8').read()))
    >>> stats.template
    '2021'
    >>> [c.value for c in stats.cells if c.table == 'applications'
    ...  and c.fields['row_code'] == '1'][:3]
    [64, 0, 0]

Tables are found by their labels (from ``archive/templates/data/template_*.json``), never
by position in the page. Value cells are mapped to columns by their ORDER in a row, since
Word-pasted tables disagree on spans between header and data rows.

The template is chosen by the tables' shape (the labels only one generation prints), with
the report's year as a prior; the choice is recorded with its confidence and reason. Rows of
section 三 are aligned to the template by its structure (exact labels and aliases, then the
numbering 一、（一）1. under the right parent, then wording similar up to punctuation); a
row that aligns to nothing is kept as printed (``Statistics.unaligned``), never dropped.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache

from archive.labels import LabelIndex, index_of, load_data, loose, normalise, template
from archive.tables import Grid, GridCell, html_grids, squeeze
from archive.templates import for_year, template_ids

PRIOR_WEIGHT = 0.5        # the year's template counts as half a marker in the shape vote
NUMBERED_SIMILARITY = 0.34   # wording a numbered row must share with the template row it numbers
WORDING_SIMILARITY = 0.75    # wording an unnumbered row must share with a template row


@dataclass(frozen=True)
class Cell:
    table: str      # 'active_disclosure' | 'applications' | 'reviews' | 'legacy_stats'
    fields: dict    # the table's columns, canonical labels (see module docs)
    value: int | float | None   # None = not reported (blank, —, /, 无); 0 stays 0
    raw: str        # the cell text as on the page
    source_table: int
    source_row: int
    source_col: int


@dataclass(frozen=True)
class UnalignedRow:
    """A row of a statistics table that matched no template row: kept as printed."""
    section: str          # the table it sits in: 'applications'
    source_table: int
    source_row: int
    label: str            # the label cell as printed
    cells: tuple[str, ...]   # every cell of the row as printed, label first


@dataclass
class Statistics:
    template: str | None          # '2019' | '2021' | 'pre2019' | None
    cells: list[Cell] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    variant: str | None = None    # pre2019: form_id of template_pre2019.json
    unaligned: list[UnalignedRow] = field(default_factory=list)
    confidence: float | None = None   # how clearly the tables' shape names the template
    reason: str | None = None         # why this template (markers found, the year's prior)


# ---------------------------------------------------------------- values

@lru_cache(maxsize=1)
def _conventions() -> tuple[frozenset[str], re.Pattern, frozenset[str]]:
    """Blank tokens, the value pattern (sign, number, unit around it) and the unit tokens
    of ``value_conventions.json`` (read once)."""
    data = load_data("value_conventions.json")
    blanks = frozenset(unicodedata.normalize("NFKC", t) for t in data["not_reported"]["tokens"])
    minus = "".join(data["minus_signs"]["chars"])
    value_re = re.compile(r"(\D*?)([+" + re.escape(minus) + r"]?)(\d[\d,]*(?:\.\d+)?)(\D*)")
    return blanks, value_re, frozenset(data["units"]["tokens"])


@lru_cache(maxsize=1 << 16)
def parse_value(text: str) -> tuple[int | float | None, str | None, bool]:
    """(value, unit, understood). Blank-like cells give (None, None, True).

    >>> parse_value('75394432.52元'), parse_value('—208'), parse_value('—')
    ((75394432.52, '元', True), (-208, None, True), (None, None, True))
    >>> parse_value('条 41105'), parse_value('+823'), parse_value('见附件')
    ((41105, '条', True), (823, None, True), (None, None, False))
    """
    blanks, value_re, units = _conventions()
    t = unicodedata.normalize("NFKC", squeeze(text or ""))
    if t in blanks:
        return None, None, True
    m = value_re.fullmatch(t)
    if not m:
        return None, None, False
    before, sign, number, after = m.groups()
    unit = before or after
    if (before and after) or (unit and unit not in units):
        return None, None, False
    number = number.replace(",", "")
    value: int | float = float(number) if "." in number else int(number)
    if sign and sign != "+":
        value = -value
    return value, unit or None, True


def value_cell(table: str, fields: dict, cell: GridCell, row: int,
                notes: list[str]) -> Cell:
    value, unit, ok = parse_value(cell.text)
    where = "/".join(str(v) for v in fields.values())
    if not ok:
        notes.append(f"{table} {where}: value not understood: {cell.raw!r}")
    if unit:
        fields = {**fields, "unit": unit}
        if table != "legacy_stats":
            notes.append(f"{table} {where}: unit {unit} written in the value cell")
    return Cell(table, fields, value, cell.raw, cell.table, cell.row, cell.col)


# ---------------------------------------------------------------- detection

@dataclass(frozen=True)
class TemplateChoice:
    template: str | None
    confidence: float | None
    reason: str


def detect_template(grids: list[Grid], year: int | None = None) -> str | None:
    """The template whose marker labels (``detection.markers``) occur most often."""
    return choose_template(grids, year).template


def choose_template(grids: list[Grid], year: int | None = None) -> TemplateChoice:
    """The template the tables' shape names: the one with most of its own marker labels
    (compared up to punctuation), the year's template winning ties and counting as half a
    marker in the confidence (its share of the vote).

    >>> choose_template([], 2023)
    TemplateChoice(template=None, confidence=None, reason='no statistics table')
    """
    texts = {c.text for g in grids for row in g.rows for c in row if c and c.is_origin}
    prior = for_year(year)
    scores: dict[str, tuple[int, int]] = {}
    for template_id in template_ids():
        markers = template(template_id)["detection"]["markers"]
        index = LabelIndex((m, m) for m in markers)
        hits = {index.lookup(t) for t in texts} - {None}
        scores[template_id] = (len(hits), len(markers))
    ranked = sorted(scores, key=lambda t: (scores[t][0], t == prior), reverse=True)
    best = ranked[0] if ranked and scores[ranked[0]][0] else None
    if best is None:
        return TemplateChoice(None, None, "no statistics table")
    weight = lambda t: scores[t][0] + (PRIOR_WEIGHT if t == prior else 0)   # noqa: E731
    confidence = round(weight(best) / sum(weight(t) for t in scores), 2)
    shape = ", ".join(f"{t} {found}/{total}" for t, (found, total) in scores.items() if found or t == best)
    said = f"year {year} calls for {prior}" if prior != "unknown" else "no year to compare"
    return TemplateChoice(best, confidence, f"markers found: {shape}; {said}")


# ---------------------------------------------------------------- section 二

def _active_disclosure(grids: list[Grid], data: dict, notes: list[str]) -> list[Cell]:
    subtables = data["section2_active_disclosure"]["subtables"]
    captions = index_of(s["caption"] for s in subtables)
    headers = index_of({s["label_column"] for s in subtables})
    by_caption = {s["caption"]: s for s in subtables}
    contents = {s["caption"]: index_of((r["label"] for r in s["rows"]), data) for s in subtables}
    columns = {s["caption"]: index_of((c["label"] for c in s["columns"]), data) for s in subtables}
    cells: list[Cell] = []
    for grid in grids:
        current, metrics = None, None
        for r in range(len(grid.rows)):
            every = grid.distinct_cells(r)
            row = [c for c in every if c.text]
            if not row:
                continue
            caption = captions.lookup(row[0].text)
            if caption and len(row) == 1:
                current, metrics = by_caption[caption], None
                continue
            if headers.lookup(row[0].text):
                current = current or _subtable_by_columns(row[1:], subtables, columns)
                if current:
                    index = columns[current["caption"]]
                    metrics = [index.lookup(c.text) or normalise(c.text) for c in row[1:]]
                continue
            found = _find_content(row[0].text, current, subtables, contents)
            if not found:
                continue
            if current is not found:
                known = {c["label"] for c in found["columns"]}
                metrics = metrics if metrics and set(metrics) <= known else None
                current = found
            names = metrics or [c["label"] for c in current["columns"]]
            values = every[every.index(row[0]) + 1:]   # blanks included: map by order
            content = contents[current["caption"]].lookup(row[0].text)
            if len(values) != len(names):
                notes.append(f"active_disclosure {content}: {len(values)} value cells "
                             f"for {len(names)} columns")
            for name, cell in zip(names, values):
                fields = {"item": current["caption"], "content": content, "metric": name}
                cells.append(value_cell("active_disclosure", fields, cell, r, notes))
    return cells


def _subtable_by_columns(row, subtables, columns) -> dict | None:
    scores = [(sum(columns[s["caption"]].lookup(c.text) is not None for c in row), s)
              for s in subtables]
    best = max(scores, key=lambda pair: pair[0], default=(0, None))
    return best[1] if best[0] else None


def _find_content(text, current, subtables, contents) -> dict | None:
    if current and contents[current["caption"]].lookup(text):
        return current
    return next((s for s in subtables if contents[s["caption"]].lookup(text)), None)


# ---------------------------------------------------------------- section 三

_NUMBERING = re.compile(r"^(?:([一二三四五六七八九十]+)、|\(([一二三四五六七八九十]+)\)|(\d+)\.(?!\d))")
_LEVELS = ("top", "paren", "digit")


def numbering(label: str) -> tuple[str, str] | None:
    """The form's numbering at the start of a label: ('top', '四'), ('paren', '六'), ('digit', '3').

    >>> numbering('四、结转下一年度继续办理'), numbering('（六）其他处理'), numbering('3、其他')
    (('top', '四'), ('paren', '六'), ('digit', '3'))
    """
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
            same = [r for r in self.rows if self.numbers[r["row_code"]] == number
                    and r["parent"] == parent and r["row_code"] not in self.seen]
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


def _applications(grids: list[Grid], data: dict, notes: list[str]
                  ) -> tuple[list[Cell], list[UnalignedRow]]:
    applicants = [c["label"] for c in data["section3_requests"]["columns"]]
    aligner = RowAligner(data)
    cells: list[Cell] = []
    unaligned: list[UnalignedRow] = []
    for grid in grids:
        rows = [grid.distinct_cells(r) for r in range(len(grid.rows))]
        exact = [aligner.exact(row) for row in rows]
        with_values = [r for r, (p, spec_row) in enumerate(exact)
                       if spec_row and _values_row(rows[r][p + 1:])]
        if not with_values:
            continue
        first, last = with_values[0], with_values[-1]
        # rows of seven values next to the known rows belong to the table too
        while first > 0 and _trailing_count(rows[first - 1]) == len(applicants):
            first -= 1
        while last + 1 < len(rows) and _trailing_count(rows[last + 1]) == len(applicants):
            last += 1
        structured = len(with_values) >= 3
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
                        unaligned.append(UnalignedRow("applications", row[position].table, r,
                                                      row[position].raw, tuple(c.raw for c in row)))
                        notes.append(f"applications: row {row[position].raw!r} matches no row of the "
                                     "template; kept in unaligned_rows")
                    continue
            if spec_row is None:
                continue
            aligner.note(spec_row)
            values = row[position + 1:]
            if not _values_row(values):
                continue     # a header row that happens to hold a row label (总计)
            code, label = spec_row["row_code"], spec_row["label"]
            if spec_row["kind"] == "group" and not any(c.text for c in values):
                continue     # label-only group row (三、本年度办理结果 …)
            if code in aligner.seen:
                notes.append(f"applications {code} {label}: row repeated, later copy ignored")
                continue
            aligner.seen.add(code)
            if how != "label":
                notes.append(f"applications {code} {label}: aligned by {how} from {row[position].raw!r}")
            if spec_row["kind"] == "group":
                notes.append(f"applications {code} {label}: group row carries values")
            if len(values) != len(applicants):
                notes.append(f"applications {code} {label}: {len(values)} value cells, "
                             f"expected {len(applicants)}")
            for applicant, cell in zip(applicants, values):
                fields = {"row_code": code, "row_label": label, "applicant": applicant}
                cells.append(value_cell("applications", fields, cell, r, notes))
    return cells, unaligned


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


# ---------------------------------------------------------------- section 四

def _reviews(grids: list[Grid], data: dict, notes: list[str]) -> list[Cell]:
    spec = data["section4_review_litigation"]
    header_labels = {p["label"] for p in spec["proceedings"]}
    header_labels |= {h for p in spec["proceedings"] for h in p["header_path"]}
    headers = index_of(header_labels)
    flat = [(p["label"], res["label"]) for p in spec["proceedings"] for res in spec["results"]]
    for grid in grids:
        header_rows = [r for r in range(len(grid.rows))
                       if any(headers.lookup(c.text) for c in grid.distinct_cells(r))]
        if not header_rows:
            continue
        for r in range(header_rows[-1] + 1, len(grid.rows)):
            row = _trailing_values(grid.distinct_cells(r))
            if len(row) < 2:
                continue
            if len(row) != len(flat):
                notes.append(f"reviews: {len(row)} value cells, expected {len(flat)}")
            return [value_cell("reviews", {"proceeding": p, "result": res}, cell, r, notes)
                    for (p, res), cell in zip(flat, row)]
        notes.append("reviews: header found but no row of values")
    return []


def _trailing_values(row: list[GridCell]) -> list[GridCell]:
    """The value cells at the end of a row. A table flattened to text may leave the last
    header cell (总计) in front of the values; an HTML values row is all values."""
    k = len(row)
    while k > 0 and parse_value(row[k - 1].text)[2]:
        k -= 1
    return row[k:] if k == 0 or row[k - 1].table < 0 else []


# ---------------------------------------------------------------- entry point

def extract_statistics(tree) -> Statistics:
    """Detect the template and read every statistics table of a report page."""
    return statistics_of(html_grids(tree))


def statistics_of(grids: list[Grid], year: int | None = None) -> Statistics:
    """Choose the template (by the tables' shape; ``year`` as a prior) and read every
    statistics table of the grids (HTML, DOCX, PDF tables or text-flattened tables alike)."""
    choice = choose_template(grids, year)
    template_id = choice.template
    if template_id is None:
        return Statistics(None, [], ["no statistics table found"] if grids else [])
    notes: list[str] = []
    data = template(template_id)
    if data["layout"] == "legacy_forms":
        from archive.legacy_stats import extract_legacy   # it builds on this module
        variant, cells = extract_legacy(grids, data, notes)
        return Statistics(template_id, cells, notes, variant, confidence=choice.confidence,
                          reason=choice.reason)
    applications, unaligned = _applications(grids, data, notes)
    cells = _active_disclosure(grids, data, notes) + applications + _reviews(grids, data, notes)
    for table in ("active_disclosure", "applications", "reviews"):
        if not any(c.table == table for c in cells):
            notes.append(f"{table}: table not found")
    return Statistics(template_id, cells, notes, unaligned=unaligned, confidence=choice.confidence,
                      reason=choice.reason)
