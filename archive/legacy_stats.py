"""Pre-2019 政府信息公开情况统计表 (指标名称 | 计量单位 | value | 历年累计) → cells.

There was no single national table before 2019 (see template_pre2019.json), so rows are
mapped to the labels of the best-matching form when they match, and otherwise keep the
page's own (normalised) label. The reporting-year column gives one cell per indicator;
a cumulative column gives a second cell named ``indicator（历年累计）`` (the header's
own wording in the parentheses).
"""
from __future__ import annotations

import re

from archive.labels import LabelIndex, core, normalise
from archive.statistics import Cell, parse_value, value_cell
from archive.tables import Grid, GridCell

VALUE_ROLES = ("year", "cumulative")


def _matchers(forms: list[dict]) -> list[tuple[re.Pattern, str, str]]:
    """(regex on the normalised header, core of the header, role) per form column."""
    out = []
    for form in forms:
        for column in form["columns"]:
            if "code" not in column:
                continue
            pattern = re.escape(normalise(column["label"])).replace(r"\{year\}", r"\d{4}")
            out.append((re.compile(pattern), core(column["label"]), column["code"]))
    return out


def _role(text: str, matchers) -> str | None:
    n, c = normalise(text), core(text)
    for regex, core_label, role in matchers:
        if regex.fullmatch(n) or (c and c == core_label and "{" not in core_label):
            return role
    return None


def _header(grid: Grid, matchers) -> tuple[int | None, list[str | None]]:
    for r in range(len(grid.rows)):
        roles = [_role(c.text, matchers) for c in grid.distinct_cells(r)]
        if "indicator" in roles:
            # A value column the forms do not name (e.g. 本年度) is the reporting year.
            if "year" not in roles:
                first_free = next((i for i, x in enumerate(roles)
                                   if x is None and i > roles.index("indicator")), None)
                if first_free is not None:
                    roles[first_free] = "year"
            return r, roles
    return None, []


def _variant_spellings(row: dict) -> list[str]:
    """Row variants that are spellings (the JSON mixes spellings with remarks)."""
    out = []
    for variant in row.get("variants") or []:
        spelling = re.split(r"\s\(", variant)[0].strip()
        if spelling and not re.search(r"[A-Za-z]", spelling):
            out.append(spelling)
    return out


def _form_index(form: dict) -> LabelIndex:
    pairs = []
    for row in form["rows"]:
        pairs.append((row["label"], row["label"]))
        pairs += [(v, row["label"]) for v in _variant_spellings(row)]
    return LabelIndex(pairs)


def _glued_unit_at(cells: list[GridCell], roles: list, extra: int) -> int | None:
    """Role index of the unit column when the row is one cell short because the unit is
    glued to the value (条41105, 万元0), else None."""
    if "unit" not in roles or len(cells) - extra != len(roles) - 1:
        return None
    at = roles.index("unit")
    j = at + extra if at > roles.index("indicator") else at
    if j >= len(cells):
        return None
    value, unit, ok = parse_value(cells[j].text)
    return at if ok and unit and value is not None else None


def _page_rows(grid: Grid, header_row: int, roles: list[str | None], notes: list[str]):
    """(row index, indicator text, {role: cell}) for each data row under the header."""
    indicator_at = roles.index("indicator")
    for r in range(header_row + 1, len(grid.rows)):
        cells = grid.distinct_cells(r)
        if not any(c.text for c in cells):
            continue
        extra = max(len(cells) - len(roles), 0)  # indicator split over several cells
        label_cells = cells[indicator_at: indicator_at + extra + 1]
        indicator = "".join(c.text for c in label_cells)
        by_role: dict[str, GridCell] = {}
        glued = _glued_unit_at(cells, roles, extra)
        for i, role in enumerate(roles):
            j = i + extra if i > indicator_at else i
            if glued is not None and i > glued:
                j -= 1           # 条41105: the unit cell holds the year's value too
            if role and role != "indicator" and 0 <= j < len(cells):
                by_role[role] = cells[j]
        if not indicator:
            continue
        if len(cells) < len(roles):
            notes.append(f"legacy_stats {indicator}: {len(cells)} cells, header has {len(roles)}")
        yield r, indicator, by_role


def extract_legacy(grids: list[Grid], data: dict, notes: list[str]) -> tuple[str | None, list[Cell]]:
    """(form_id of the best-matching form or None, cells) of every 统计表 in the grids."""
    matchers = _matchers(data["forms"])
    found = []            # (grid, row, indicator, by_role, role labels)
    for grid in grids:
        header_row, roles = _header(grid, matchers)
        if header_row is None:
            continue
        headers = grid.distinct_cells(header_row)
        role_labels = {role: core(headers[i].text) for i, role in enumerate(roles) if role}
        for r, indicator, by_role in _page_rows(grid, header_row, roles, notes):
            found.append((r, indicator, by_role, role_labels))
    if not found:
        notes.append("legacy_stats: table not found")
        return None, []
    indexes = {f["form_id"]: (_form_index(f), f) for f in data["forms"]}
    scores = {fid: sum(ix.lookup(ind) is not None for _, ind, _, _ in found)
              for fid, (ix, _) in indexes.items()}
    form_id = max(scores, key=scores.get)
    if scores[form_id] == 0:
        form_id = None
        notes.append("legacy_stats: no row matches a known form; page labels kept")
    index, form = indexes[form_id] if form_id else (LabelIndex([]), {"rows": []})
    rows = {row["label"]: row for row in form["rows"]}
    cells: list[Cell] = []
    for r, indicator, by_role, role_labels in found:
        canonical = index.lookup(indicator)
        if canonical is None and form_id:
            notes.append(f"legacy_stats: unknown indicator {normalise(indicator)}")
        spec = rows.get(canonical, {})
        unit = by_role["unit"].text if "unit" in by_role else ""
        unit = parse_value(unit)[1] or unit     # 条41105 → 条
        unit = unit if unit and not re.fullmatch(r"[-—/\\]*", unit) else spec.get("unit")
        for role in VALUE_ROLES:
            if role not in by_role:
                continue
            name = canonical or normalise(indicator)
            if role != "year":
                name = f"{name}（{role_labels[role]}）"
            fields = {"indicator": name, "unit": unit, "column": role}
            if spec.get("row_code"):
                fields["row_code"] = spec["row_code"]
            cells.append(value_cell("legacy_stats", fields, by_role[role], r, notes))
    return form_id, cells
