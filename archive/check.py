"""Consistency checks over extracted statistics. Checks report; they never correct.

    >>> import lxml.html
    >>> from archive.statistics import extract_statistics
    >>> stats = extract_statistics(lxml.html.fromstring(open(
    ...     'tests/fixtures/pingtan_2019_report.html', encoding='utf-8').read()))
    >>> [(c.name, c.passed) for c in run_checks(stats)]   # doctest: +NORMALIZE_WHITESPACE
    [('balance', True), ('results_total', True), ('row_total', True), ('group_rows_empty', True),
     ('non_negative', True), ('reviews_total', True), ('rows_unaligned', True)]

Two kinds of check, both with a name and a description (:func:`descriptions` lists them;
Datasette's description of the ``checks`` table is generated from it):

- the 勾稽 rules of the report's template, read from its data file (``rules``: structured
  formulas over row and column codes, ``archive/templates``). Each rule's ``kind`` is
  evaluated by a function registered with :func:`rule_kind`; every rule of the file is
  checked, so a new template generation brings its rules with it.
- the checks in code, each one function registered with :func:`check` (``rows_unaligned``,
  ``tables_missing``, ``year_consistent``, ``template_matches_year``), and the facts the
  parse stage records itself (``parse_failed``, ``unreadable_format``: :func:`recorded`).

A rule passes only if every column passes, and its detail names every failing column with
its numbers. A column is skipped when one side of the identity is entirely blank (not
reported); within a side, a blank cell next to reported ones counts as 0 (Shanghai 2019
leaves zero cells blank). A rule with nothing to check is not emitted.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from archive.statistics import Statistics
from archive.templates import rules as template_rules, template, templates

EPSILON = 1e-6


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str


@dataclass
class Subject:
    """What the checks look at: the statistics and what the report says about itself."""
    stats: Statistics
    year: int | None = None
    title: str | None = None
    published_date: str | None = None
    text: str = ""
    images: int = 0


@dataclass(frozen=True)
class Registered:
    name: str
    description: str
    run: Callable[[Subject], list[Check]] | None   # None: recorded by the parse stage


CHECKS: dict[str, Registered] = {}
RULE_KINDS: dict[str, Callable] = {}


def check(name: str, description: str):
    """Register a check: a function of a :class:`Subject` returning a Check, a list, or None."""
    def register(fn):
        def run(subject: Subject) -> list[Check]:
            out = fn(subject)
            return [] if out is None else [out] if isinstance(out, Check) else list(out)
        CHECKS[name] = Registered(name, description, run)
        return fn
    return register


def recorded(name: str, description: str) -> Callable[[str], Check]:
    """Register a check the parse stage records itself; returns its constructor (always failing)."""
    CHECKS[name] = Registered(name, description, None)
    return lambda detail: Check(name, False, detail)


def rule_kind(kind: str):
    """Register the evaluator of a rule kind: fn(rule, values, dims) -> list[Check]."""
    def register(fn):
        RULE_KINDS[kind] = fn
        return fn
    return register


def descriptions() -> dict[str, str]:
    """Every check name → its description: the rules of every template (a name shared by
    several templates with different wording lists each), then the checks in code."""
    out: dict[str, list[str]] = {}
    for template_id in templates():
        for rule in template_rules(template_id):
            wording = out.setdefault(rule["name"], [])
            if rule["description"] not in wording:
                wording.append(rule["description"])
    for registered in CHECKS.values():
        out.setdefault(registered.name, []).append(registered.description)
    return {name: " / ".join(wording) for name, wording in out.items()}


def statistics_check_names() -> set[str]:
    """The checks that judge a document's statistics (every template's rules, rows_unaligned)."""
    return {rule["name"] for t in templates() for rule in template_rules(t)} | {"rows_unaligned"}


def checks_table_description() -> str:
    """The description of Datasette's ``checks`` table, generated from the registries."""
    names = "; ".join(f"{name}: {text.rstrip('.')}" for name, text in descriptions().items())
    return ("Consistency checks of each report's figures, one row per check and report; a failing "
            "check is a flag for a human, the figures stay as published. " + names + ".")


# ---------------------------------------------------------------- formatting

def _show(value) -> str:
    if value is None:
        return "blank"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _side(values: list) -> tuple[float, str]:
    total = sum(v for v in values if v is not None)
    text = " + ".join(_show(v) for v in values)
    return total, (f"{text} = {_show(total)}" if len(values) > 1 else text)


def _equation(lhs: list, rhs: list) -> tuple[bool, str] | None:
    """(holds, 'a + b = s ≠ c + d = t') or None when a side is entirely blank."""
    if all(v is None for v in lhs) or all(v is None for v in rhs):
        return None
    (left, left_text), (right, right_text) = _side(lhs), _side(rhs)
    holds = abs(left - right) < EPSILON
    return holds, f"{left_text} {'=' if holds else '≠'} {right_text}"


def _rule(name: str, results: dict[str, tuple[bool, str] | None]) -> list[Check]:
    checked = {column: r for column, r in results.items() if r is not None}
    if not checked:
        return []
    failing = [f"{column}: {text}" for column, (holds, text) in checked.items() if not holds]
    skipped = [column for column, r in results.items() if r is None]
    if failing:
        detail = "; ".join(failing)
    else:
        names = ", ".join(checked) if len(checked) <= 8 else f"{len(checked)} rows"
        detail = f"holds for {names}"
    if skipped:
        detail += f" (skipped, blank: {', '.join(skipped)})"
    return [Check(name, not failing, detail)]


# ---------------------------------------------------------------- values by code

@dataclass
class Dims:
    """One statistics table's values keyed by dimension codes, and how to show a code."""
    names: tuple[str, ...]
    values: dict[tuple, object]
    order: dict[str, list[str]]      # dimension → its codes in display order
    shown: dict[tuple[str, str], str]

    def key(self, term: dict) -> tuple:
        return tuple(term.get(d) for d in self.names)

    def matching(self, term: dict) -> list[tuple]:
        return [k for k in self.values if all(k[self.names.index(d)] == c for d, c in term.items())]


def _codes(entries: list[dict]) -> dict[str, str]:
    return {e["label"]: e["code"] for e in entries}


def _sort_codes(codes) -> list[str]:
    return sorted(codes, key=lambda c: [int(x) if x.isdigit() else 0 for x in c.split(".")])


def dims_of(stats: Statistics, table: str) -> Dims | None:
    """The values of one table of the statistics by codes (None when it has none)."""
    cells = [c for c in stats.cells if c.table == table]
    if table == "legacy_stats":
        values = {(c.fields["row_code"], c.fields["column"]): c.value for c in cells if "row_code" in c.fields}
        rows = _sort_codes({r for r, _ in values})
        return Dims(("row", "column"), values, {"row": rows, "column": ["year", "cumulative"]},
                    {}) if values else None
    data = template(stats.template)
    if table == "applications":
        spec = data["section3_requests"]
        applicant = _codes(spec["columns"])
        labels = {r["row_code"]: r["label"] for r in spec["rows"]}
        values = {(c.fields["row_code"], applicant.get(c.fields["applicant"])): c.value for c in cells}
        shown = {("applicant", code): label for label, code in applicant.items()}
        shown |= {("row", code): f"{code} {labels.get(code, '')}" for code, _ in values}
        order = {"row": _sort_codes({r for r, _ in values}), "applicant": list(applicant.values())}
        return Dims(("row", "applicant"), values, order, shown) if values else None
    if table == "reviews":
        spec = data["section4_review_litigation"]
        proceeding, result = _codes(spec["proceedings"]), _codes(spec["results"])
        values = {(proceeding.get(c.fields["proceeding"]), result.get(c.fields["result"])): c.value
                  for c in cells}
        shown = {("proceeding", code): label for label, code in proceeding.items()}
        shown |= {("result", code): label for label, code in result.items()}
        order = {"proceeding": list(proceeding.values()), "result": list(result.values())}
        return Dims(("proceeding", "result"), values, order, shown) if values else None
    return None


# ---------------------------------------------------------------- rule kinds

def _for_each(rule: dict, dims: Dims):
    dimension = rule.get("for_each")
    if dimension is None:
        yield "all", {}
        return
    for code in dims.order[dimension]:
        yield dims.shown.get((dimension, code), code), {dimension: code}


@rule_kind("sum_equal")
def _sum_equal(rule: dict, dims: Dims) -> list[Check]:
    """sum(lhs) == sum(rhs), for each code of ``for_each``."""
    results = {}
    for shown, fixed in _for_each(rule, dims):
        lhs = [dims.values.get(dims.key({**t, **fixed})) for t in rule["lhs"]]
        rhs = [dims.values.get(dims.key({**t, **fixed})) for t in rule["rhs"]]
        results[shown] = _equation(lhs, rhs)
    return _rule(rule["name"], results)


@rule_kind("at_least")
def _at_least(rule: dict, dims: Dims) -> list[Check]:
    """sum(lhs) ≥ sum(rhs), for each code of ``for_each``; skipped where a side is blank."""
    results = {}
    for shown, fixed in _for_each(rule, dims):
        lhs = [dims.values.get(dims.key({**t, **fixed})) for t in rule["lhs"]]
        rhs = [dims.values.get(dims.key({**t, **fixed})) for t in rule["rhs"]]
        if any(v is None for v in lhs + rhs):
            continue
        left, right = sum(lhs), sum(rhs)
        holds = left + EPSILON >= right
        results[shown] = (holds, f"{_show(left)} {'≥' if holds else '<'} {_show(right)}")
    return _rule(rule["name"], results)


@rule_kind("blank")
def _blank(rule: dict, dims: Dims) -> list[Check]:
    """Every cell named by ``cells`` (a term matches all its cells) is blank or absent."""
    results = {}
    for term in rule["cells"]:
        shown = ", ".join(dims.shown.get(item, item[1]) for item in term.items())
        filled = [k for k in dims.matching(term) if dims.values[k] is not None]
        text = ", ".join(f"{'/'.join(dims.shown.get((d, c), c) for d, c in zip(dims.names, k) if d not in term)}"
                         f" = {_show(dims.values[k])}" for k in filled)
        results[shown] = (not filled, f"values printed in a heading row ({text}) ≠ blank" if filled else "blank")
    return _rule(rule["name"], results)


@rule_kind("non_negative_integer")
def _non_negative_integer(rule: dict, dims: Dims) -> list[Check]:
    """Every reported value of the table is a whole number, 0 or more."""
    bad = [(k, v) for k, v in dims.values.items()
           if v is not None and (v < 0 or float(v) != int(v))]
    reported = sum(v is not None for v in dims.values.values())
    if not reported:
        return []
    if not bad:
        return [Check(rule["name"], True, f"{reported} values, all whole and ≥ 0")]
    text = "; ".join(f"{'/'.join(dims.shown.get((d, c), c) for d, c in zip(dims.names, k))}: "
                     f"{_show(v)} ≠ a whole number ≥ 0" for k, v in bad[:10])
    return [Check(rule["name"], False, text)]


def rule_checks(stats: Statistics) -> list[Check]:
    """Every rule of the statistics' template (a legacy 统计表: its form's rules), in file order."""
    if stats.template is None:
        return []
    rules = template_rules(stats.template)
    if template(stats.template)["layout"] == "legacy_forms":
        rules = [r for r in rules if r["form"] == stats.variant]
    out: list[Check] = []
    tables: dict[str, Dims | None] = {}
    for rule in rules:
        if rule["table"] not in tables:
            tables[rule["table"]] = dims_of(stats, rule["table"])
        dims = tables[rule["table"]]
        if dims is not None:
            out += RULE_KINDS[rule["kind"]](rule, dims)
    return out


# ---------------------------------------------------------------- checks in code

@check("rows_unaligned", "A row of a statistics table that matched no row of the report's template "
                         "(by code, numbering, order or wording) is kept as printed in unaligned_rows, "
                         "never dropped; this check fails and names it.")
def rows_unaligned(subject: Subject):
    stats = subject.stats
    if stats.template is None or template(stats.template)["layout"] != "national":
        return None
    if not stats.unaligned:
        if not any(c.table == "applications" for c in stats.cells):
            return None
        return Check("rows_unaligned", True, f"every row found in the {stats.template} template")
    rows = "; ".join(f"{u.label!r} ({u.section}, table {u.source_table} row {u.source_row})"
                     for u in stats.unaligned[:10])
    return Check("rows_unaligned", False, f"{len(stats.unaligned)} row(s) match no row of the "
                                          f"{stats.template} template, kept in unaligned_rows: {rows}")


@check("ocr_confidence", "Values read by OCR from a scanned document whose recognition confidence is "
                         "under the threshold of archive/data/ocr.json (or whose letters were read as "
                         "digits) are kept, and this check fails and names them: verify them against "
                         "the archived scan. Each value's confidence is in its table's confidence column.")
def ocr_confidence(subject: Subject):
    from archive.ocr import settings

    scored = [c for c in subject.stats.cells if c.confidence is not None]
    if not scored:
        return None
    threshold = settings()["low_confidence"]
    low = [c for c in scored if c.confidence < threshold]
    if not low:
        return Check("ocr_confidence", True, f"all {len(scored)} values read by OCR with confidence ≥ {threshold}")
    named = "; ".join(f"{' / '.join(str(v) for v in c.fields.values() if v)} = {c.raw!r} ({c.confidence:.2f}, "
                      f"table {c.source_table} row {c.source_row} col {c.source_col})" for c in low[:8])
    return Check("ocr_confidence", False, f"{len(low)} of {len(scored)} values read by OCR with confidence "
                                          f"under {threshold}: {named}{' …' if len(low) > 8 else ''}")


TABLES_MISSING = "report year uses a table template but no statistics table was found"


@check("tables_missing", "The report's year calls for the national table template (2019 onwards) "
                         "but no statistics table was found (perhaps an image).")
def tables_missing(subject: Subject):
    from archive.metadata import template_for_year
    expected = template_for_year(subject.year)
    if subject.stats.template is not None or expected == "unknown" \
            or template(expected)["layout"] != "national":
        return None
    detail = TABLES_MISSING
    if subject.images:
        detail += f"; the report shows {subject.images} image(s), which may hold the tables"
    return tables_missing_check(detail)


def tables_missing_check(detail: str = TABLES_MISSING) -> Check:
    """For the caller that knows the report year: a 2019/2021 report without tables."""
    return Check("tables_missing", False, detail)


@check("year_consistent", "The title's year agrees with the period the text names and the "
                          "publication date (a mistyped title year such as 20201年 fails).")
def year_consistent(subject: Subject):
    from archive.metadata import text_years, title_token
    year, title, published_date = subject.year, subject.title, subject.published_date
    if year is None:
        return None
    problems, facts = [], []
    token = title_token(title) if title else None
    if token and re.fullmatch(r"\d{5}", token[0]):
        problems.append(f"title writes {token[0]}{token[1]}, read as {year}")
    elif token:
        facts.append(f"title {token[0]}")
    counts = text_years(subject.text or "")
    if counts:
        named = counts.most_common(1)[0][0]
        (problems if named != year else facts).append(
            f"text names {named}" + ("" if named == year else f" ≠ {year}"))
    if published_date:
        pub = int(published_date[:4])
        if pub not in (year, year + 1):
            problems.append(f"published {published_date}, not in {year} or {year + 1}")
        else:
            facts.append(f"published {published_date}")
    if not (problems or facts):
        return None
    detail = "; ".join(problems + (facts if problems else [])) if problems else ", ".join(facts)
    return Check("year_consistent", not problems, detail)


@check("template_matches_year", "The template the tables follow (chosen by their shape) is the one "
                                "the report's year calls for (templates' applies_to_report_years).")
def template_matches_year(subject: Subject):
    from archive.metadata import template_for_year
    expected, found = template_for_year(subject.year), subject.stats.template
    if not found or expected == "unknown":
        return None
    year = subject.year
    holds = found == expected
    detail = (f"tables follow the {found} template, as {year} reports should" if holds
              else f"tables follow the {found} template; a {year} report uses {expected}")
    return Check("template_matches_year", holds, detail)


parse_failed = recorded("parse_failed", "A document of the report could not be parsed (over a limit "
                                        "of the parse workers, or broken); the row holds what its "
                                        "listing says and the raw document is kept.")
unreadable_format = recorded("unreadable_format", "A DOC/WPS/XLS (or damaged) document that could "
                                                  "not be opened; the raw document is kept.")


# ---------------------------------------------------------------- entry points

def run_all(subject: Subject) -> list[Check]:
    """The template's rules, then every registered check, in registration order."""
    out = rule_checks(subject.stats)
    for registered in CHECKS.values():
        if registered.run is not None:
            out += registered.run(subject)
    return out


def run_checks(stats: Statistics) -> list[Check]:
    """The checks of the statistics alone: the template's rules and ``rows_unaligned``."""
    if stats.template is None:
        return []
    return rule_checks(stats) + CHECKS["rows_unaligned"].run(Subject(stats))


def metadata_checks(title: str | None, year: int | None, published_date: str | None,
                    text: str, table_template: str | None) -> list[Check]:
    """``year_consistent`` and ``template_matches_year``. A check with nothing to compare is
    not emitted.

    >>> [(c.name, c.passed, c.detail) for c in metadata_checks(
    ...     "XX县20201年政府信息公开工作年度报告", 2021, "2022-01-20", "", "2021")]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('year_consistent', False, 'title writes 20201年, read as 2021; published 2022-01-20'),
     ('template_matches_year', True, 'tables follow the 2021 template, as 2021 reports should')]
    """
    subject = Subject(Statistics(table_template), year, title, published_date, text)
    return [*CHECKS["year_consistent"].run(subject), *CHECKS["template_matches_year"].run(subject)]


# ---------------------------------------------------------------- Datasette's description

def write_metadata(path) -> bool:
    """Write the generated description of the ``checks`` table into Datasette's metadata
    file; True when it changed. ``python -m archive.check`` runs it on the shipped file
    (``tests/test_checks_registry.py`` fails while the two differ)."""
    import json
    from pathlib import Path

    path = Path(path)
    metadata = json.loads(path.read_text(encoding="utf-8"))
    checks = metadata["databases"]["archive"]["tables"]["checks"]
    if checks.get("description") == checks_table_description():
        return False
    checks["description"] = checks_table_description()
    path.write_text(json.dumps(metadata, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return True


if __name__ == "__main__":
    from importlib import resources
    shipped = resources.files("archive.datasette_plugin").joinpath("metadata.json")
    print("updated" if write_metadata(str(shipped)) else "up to date", shipped)
