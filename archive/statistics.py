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
from functools import lru_cache

from archive.labels import LabelIndex, index_of, load_data, normalise, template
from archive.tables import Grid, GridCell, html_grids, squeeze
from archive.templates import for_year, template_ids

PRIOR_WEIGHT = 0.5        # the year's template counts as half a marker in the shape vote
MIN_ROWS = 5              # rows of section 三 that make a table one without any marker label


@dataclass(frozen=True)
class Cell:
    table: str      # 'active_disclosure' | 'applications' | 'reviews' | 'legacy_stats'
    fields: dict    # the table's columns, canonical labels (see module docs)
    value: int | float | None   # None = not reported (blank, —, /, 无); 0 stays 0
    raw: str        # the cell text as on the page
    source_table: int
    source_row: int
    source_col: int
    confidence: float | None = None   # OCR's recognition score of the cell (None: read as text)


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
    (``detection.markers``, compared up to punctuation; ``markers_with_values`` count only on
    a row that carries values, e.g. the 2019 form's （六）其他处理, a heading in 2021's), the
    year's template winning ties and counting as half a marker in the confidence (its share
    of the vote).

    >>> choose_template([], 2023)
    TemplateChoice(template=None, confidence=None, reason='no statistics table')
    """
    texts, valued = set(), set()
    for grid in grids:
        for r in range(len(grid.rows)):
            row = grid.distinct_cells(r)
            for i, cell in enumerate(row):
                if cell.is_origin:
                    texts.add(cell.text)
                    after = [parse_value(c.text)[2] for c in row[i + 1:] if c.text]
                    if len(after) >= 2 and all(after):   # the row's label, values after it
                        valued.add(cell.text)
    prior = for_year(year)
    scores: dict[str, tuple[int, int]] = {}
    for template_id in template_ids():
        detection = template(template_id)["detection"]
        hits = _hits(detection["markers"], texts) | _hits(detection.get("markers_with_values", []), valued)
        scores[template_id] = (len(hits), len(detection["markers"]) + len(detection.get("markers_with_values", [])))
    ranked = sorted(scores, key=lambda t: (scores[t][0], t == prior), reverse=True)
    best = ranked[0] if ranked and scores[ranked[0]][0] else None
    if best is None:
        return _by_rows(texts, year, prior)
    weight = lambda t: scores[t][0] + (PRIOR_WEIGHT if t == prior else 0)   # noqa: E731
    confidence = round(weight(best) / sum(weight(t) for t in scores), 2)
    shape = ", ".join(f"{t} {found}/{total}" for t, (found, total) in scores.items() if found or t == best)
    said = f"year {year} calls for {prior}" if prior != "unknown" else "no year to compare"
    return TemplateChoice(best, confidence, f"markers found: {shape}; {said}")


def _by_rows(texts: set[str], year: int | None, prior: str) -> TemplateChoice:
    """No marker label at all (a section 三 table alone, its distinctive rows reworded): a
    table with rows of section 三 follows the year's template if that is a table template,
    else the newest one."""
    national = template_ids("national")
    rows = {r["label"] for t in national for r in template(t)["section3_requests"]["rows"]}
    found = _hits(sorted(rows), texts)
    if len(found) < MIN_ROWS:
        return TemplateChoice(None, None, "no statistics table")
    chosen = prior if prior in national else national[0]
    said = f"the year {year} calls for it" if chosen == prior else f"the newest; year {year} calls for {prior}"
    return TemplateChoice(chosen, 0.5 if chosen == prior else 0.25,
                          f"no marker labels; {len(found)} rows of section 三 found; {chosen}: {said}")


def _hits(markers: list[str], texts: set[str]) -> set[str]:
    if not markers:
        return set()
    index = LabelIndex((m, m) for m in markers)
    return {index.lookup(t) for t in texts} - {None}


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

# archive/alignment.py (rows aligned to the template by its structure; it builds on this module)


# ---------------------------------------------------------------- section 四

def _reviews(grids: list[Grid], data: dict, notes: list[str]) -> list[Cell]:
    spec = data["section4_review_litigation"]
    header_labels = {p["label"] for p in spec["proceedings"]}
    header_labels |= {h for p in spec["proceedings"] for h in p["header_path"]}
    headers = index_of(header_labels)
    flat = [(p["label"], res["label"]) for p in spec["proceedings"] for res in spec["results"]]
    found_in: dict[int, list[int]] = {}

    def header_rows(i: int) -> list[int]:   # each grid's header rows, found once, when needed
        if i not in found_in:
            grid = grids[i]
            found_in[i] = [r for r in range(len(grid.rows))
                           if any(headers.lookup(c.text) for c in grid.distinct_cells(r))]
        return found_in[i]

    for i, grid in enumerate(grids):
        found = header_rows(i)
        if not found:
            continue
        # the values row: below the header, or at the top of the next table when the table
        # was cut by a page break under its header (a PDF's tables end at each page)
        candidates = [(grid, r) for r in range(found[-1] + 1, len(grid.rows))]
        if i + 1 < len(grids) and not header_rows(i + 1):
            candidates += [(grids[i + 1], r) for r in range(min(3, len(grids[i + 1].rows)))]
        for source, r in candidates:
            row = _trailing_values(source.distinct_cells(r))
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
    from archive.alignment import read_applications   # it builds on this module
    applications, unaligned = read_applications(grids, data, notes)
    cells = _active_disclosure(grids, data, notes) + applications + _reviews(grids, data, notes)
    for table in ("active_disclosure", "applications", "reviews"):
        if not any(c.table == table for c in cells):
            notes.append(f"{table}: table not found")
    return Statistics(template_id, cells, notes, unaligned=unaligned, confidence=choice.confidence,
                      reason=choice.reason)
