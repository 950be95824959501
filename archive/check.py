"""Consistency checks over extracted statistics. Checks report; they never correct.

    >>> import lxml.html
    >>> from archive.statistics import extract_statistics
    >>> stats = extract_statistics(lxml.html.fromstring(open(
    ...     'tests/fixtures/pingtan_2019_report.html', encoding='utf-8').read()))
    >>> [(c.name, c.passed) for c in run_checks(stats)]
    [('balance', True), ('results_total', True), ('row_total', True), ('reviews_total', True)]

One Check per rule; it passes only if every column passes, and its detail names every
failing column with its numbers. A column is skipped when one side of the identity is
entirely blank (not reported); within a side, a blank cell next to reported ones counts
as 0 (Shanghai 2019 leaves zero cells blank). A rule with nothing to check is not emitted.
The formulas of ``balance`` and ``results_total`` are read from the template JSON
(``consistency_rules``), the pre-2019 ones from the matching form's rules.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from archive.labels import template
from archive.statistics import Statistics

EPSILON = 1e-6
# Rule id in the template JSON → check name.
FORMULA_RULES = {"S3.balance": "balance", "S3.results_total": "results_total"}
_S3_TERM = re.compile(r"S3\[([\d.]+)\]\[c\]")
_V_TERM = re.compile(r"v\[([\d.]+)\]")


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str


def tables_missing_check(detail: str = "report year uses a table template "
                                       "but no statistics table was found") -> Check:
    """For the caller that knows the report year: a 2019/2021 report without tables."""
    return Check("tables_missing", False, detail)


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


def _split(formula: str, term: re.Pattern) -> tuple[list[str], list[str]]:
    left, right = formula.split("==", 1)
    return term.findall(left), term.findall(right)


def _application_checks(stats: Statistics, data: dict) -> list[Check]:
    spec = data["section3_requests"]
    values = {(c.fields["row_code"], c.fields["applicant"]): c.value
              for c in stats.cells if c.table == "applications"}
    if not values:
        return []
    applicants = [c["label"] for c in spec["columns"]]
    checks: list[Check] = []
    for rule in spec["consistency_rules"]:
        if rule["id"] not in FORMULA_RULES:
            continue
        lhs, rhs = _split(rule["formula"], _S3_TERM)
        results = {a: _equation([values.get((r, a)) for r in lhs],
                                [values.get((r, a)) for r in rhs]) for a in applicants}
        checks += _rule(FORMULA_RULES[rule["id"]], results)
    total, parts = applicants[-1], applicants[:-1]
    labels = {r["row_code"]: r["label"] for r in spec["rows"]}
    rows = sorted({code for code, _ in values}, key=lambda c: [int(x) for x in c.split(".")])
    checks += _rule("row_total", {
        f"{code} {labels.get(code, '')}": _equation([values.get((code, total))],
                                                    [values.get((code, p)) for p in parts])
        for code in rows})
    return checks


def _review_checks(stats: Statistics, data: dict) -> list[Check]:
    spec = data["section4_review_litigation"]
    values = {(c.fields["proceeding"], c.fields["result"]): c.value
              for c in stats.cells if c.table == "reviews"}
    if not values:
        return []
    results = [r["label"] for r in spec["results"]]
    total, parts = results[-1], results[:-1]
    return _rule("reviews_total", {
        p["label"]: _equation([values.get((p["label"], total))],
                              [values.get((p["label"], r)) for r in parts])
        for p in spec["proceedings"]})


def _legacy_checks(stats: Statistics, data: dict) -> list[Check]:
    form = next((f for f in data["forms"] if f["form_id"] == stats.variant), None)
    if form is None:
        return []
    values = {(c.fields["row_code"], c.fields["column"]): c.value
              for c in stats.cells if c.table == "legacy_stats" and "row_code" in c.fields}
    columns = sorted({column for _, column in values}, reverse=True)  # year, cumulative
    checks: list[Check] = []
    for rule in form.get("consistency_rules", []):
        if "==" in rule["formula"]:
            lhs, rhs = _split(rule["formula"], _V_TERM)
            results = {col: _equation([values.get((r, col)) for r in lhs],
                                      [values.get((r, col)) for r in rhs]) for col in columns}
            checks += _rule(rule["id"], results)
        elif ">=" in rule["formula"] and "cumulative" in rule["formula"]:
            checks += _cumulative_rule(rule["id"], values)
    return checks


def _cumulative_rule(name: str, values: dict) -> list[Check]:
    results = {}
    for (code, column), year in values.items():
        cumulative = values.get((code, "cumulative"))
        if column != "year" or year is None or cumulative is None:
            continue
        holds = cumulative + EPSILON >= year
        results[code] = (holds, f"{_show(cumulative)} {'≥' if holds else '<'} {_show(year)}")
    return _rule(name, results)


def run_checks(stats: Statistics) -> list[Check]:
    """Every applicable consistency rule of the statistics' template, in a fixed order:
    balance, results_total, row_total, reviews_total (2019/2021) or the form's rules."""
    if stats.template is None:
        return []
    data = template(stats.template)
    if stats.template == "pre2019":
        return _legacy_checks(stats, data)
    return _application_checks(stats, data) + _review_checks(stats, data)


# ---------------------------------------------------------------- metadata

def metadata_checks(title: str | None, year: int | None, published_date: str | None,
                    text: str, table_template: str | None) -> list[Check]:
    """``year_consistent`` (the title's year against the period the text names and the
    publication date; a mistyped title year such as 20201年 fails even when the year could
    be settled) and ``template_matches_year`` (the tables' template against the one the
    year calls for). A check with nothing to compare is not emitted.

    >>> [(c.name, c.passed, c.detail) for c in metadata_checks(
    ...     "XX县20201年政府信息公开工作年度报告", 2021, "2022-01-20", "", "2021")]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('year_consistent', False, 'title writes 20201年, read as 2021; published 2022-01-20'),
     ('template_matches_year', True, 'tables follow the 2021 template, as 2021 reports should')]
    """
    from archive.metadata import template_for_year, text_years, title_token

    checks: list[Check] = []
    if year is not None:
        problems, facts = [], []
        token = title_token(title) if title else None
        if token and re.fullmatch(r"\d{5}", token[0]):
            problems.append(f"title writes {token[0]}{token[1]}, read as {year}")
        elif token:
            facts.append(f"title {token[0]}")
        counts = text_years(text or "")
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
        if problems or facts:
            detail = "; ".join(problems + (facts if problems else [])) if problems else ", ".join(facts)
            checks.append(Check("year_consistent", not problems, detail))
    expected = template_for_year(year)
    if table_template and expected != "unknown":
        holds = table_template == expected
        detail = (f"tables follow the {table_template} template, as {year} reports should" if holds
                  else f"tables follow the {table_template} template; a {year} report uses {expected}")
        checks.append(Check("template_matches_year", holds, detail))
    return checks
