"""The report templates: one data file per generation, ``archive/templates/data/template_<id>.json``.

Everything the parser and the checks know about a template is read from its file: the
years it applies to (``applies_to_report_years``), its rows (codes, canonical labels,
aliases), its columns, the labels that identify it (``detection.markers``) and its 勾稽
rules as structured formulas (``rules``). Adding a generation is adding a file; notes for
people (provenance, verification) are in ``archive/templates/TEMPLATES.md``.

    >>> for_year(2020), for_year(2023), for_year(2012), for_year(None)
    ('2019', '2021', 'pre2019', 'unknown')
    >>> [r["name"] for r in template("2021")["rules"]][:3]
    ['balance', 'results_total', 'row_total']

More data directories (a template not shipped with the package) are read from
``NIANBAO_TEMPLATE_DIRS`` (paths separated by ``os.pathsep``) or :func:`extra_data_dir`.
"""
from __future__ import annotations

import json
import os
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
LAYOUTS = ("national", "legacy_forms")
# The dimensions of each statistics table a rule may name, and the template part that
# maps a dimension's codes to the labels stored in the archive.
_extra_dirs: list[Path] = []


class TemplateError(ValueError):
    """A template data file that cannot be used; the message names the file and the field."""


def data_dirs() -> list[Path]:
    env = [Path(p) for p in os.environ.get("NIANBAO_TEMPLATE_DIRS", "").split(os.pathsep) if p]
    return [DATA_DIR, *env, *_extra_dirs]


@contextmanager
def extra_data_dir(path):
    """Read the template files of ``path`` too, while the block runs."""
    _extra_dirs.append(Path(path))
    _templates.cache_clear()
    try:
        yield
    finally:
        _extra_dirs.remove(Path(path))
        _templates.cache_clear()


def templates() -> dict[str, dict]:
    """Every template by id, newest generation first."""
    return _templates(tuple(data_dirs()))


@lru_cache(maxsize=4)
def _templates(dirs: tuple[Path, ...]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for directory in dirs:
        for path in sorted(directory.glob("template_*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                raise TemplateError(f"{path}: not readable JSON ({error})") from None
            validate(data, path)
            if data["template_id"] in found:
                raise TemplateError(f"{path}: template_id {data['template_id']!r} is defined twice")
            found[data["template_id"]] = data
    _check_years(found)
    return dict(sorted(found.items(), key=lambda kv: -kv[1]["applies_to_report_years"]["from"]))


def template(template_id: str) -> dict:
    """The data of one template generation."""
    try:
        return templates()[template_id]
    except KeyError:
        raise TemplateError(f"no template {template_id!r} (known: {', '.join(templates())})") from None


def template_ids(layout: str | None = None) -> list[str]:
    """Ids, newest first; only those of one layout when given."""
    return [t for t, d in templates().items() if layout is None or d["layout"] == layout]


def for_year(year: int | None) -> str:
    """The template a report on ``year`` should use, from the files' ``applies_to_report_years``
    (the newest generation that covers the year); ``unknown`` when none does."""
    if year is None:
        return "unknown"
    for template_id, data in templates().items():
        years = data["applies_to_report_years"]
        if years["from"] <= year and (years["to"] is None or year <= years["to"]):
            return template_id
    return "unknown"


def rules(template_id: str) -> list[dict]:
    """The 勾稽 rules of a template (for the legacy forms: every form's, each tagged ``form``)."""
    data = template(template_id)
    if data["layout"] == "legacy_forms":
        return [{**rule, "form": form["form_id"]} for form in data["forms"] for rule in form.get("rules", [])]
    return list(data.get("rules", []))


# ---------------------------------------------------------------- validation

def _need(condition: bool, path, what: str) -> None:
    if not condition:
        raise TemplateError(f"{path}: {what}")


def validate(data: dict, path="template") -> None:
    """Refuse a file the parser or the checks could not use, naming the field."""
    _need(isinstance(data, dict), path, "not a JSON object")
    _need(isinstance(data.get("template_id"), str), path, "template_id missing")
    _need(data.get("layout") in LAYOUTS, path, f"layout must be one of {LAYOUTS}")
    years = data.get("applies_to_report_years")
    _need(isinstance(years, dict) and isinstance(years.get("from"), int)
          and (years.get("to") is None or isinstance(years.get("to"), int)),
          path, "applies_to_report_years needs from (a year) and to (a year or null)")
    _need(bool(data.get("detection", {}).get("markers")), path, "detection.markers missing")
    _need(isinstance(data["detection"].get("markers_with_values", []), list), path,
          "detection.markers_with_values must be a list")
    if data["layout"] == "legacy_forms":
        _need(isinstance(data.get("forms"), list), path, "forms missing")
        for form in data["forms"]:
            for rule in form.get("rules", []):
                _validate_rule(rule, path, {"row": {r["row_code"] for r in form.get("rows", [])},
                                            "column": {"year", "cumulative"}})
        return
    s3 = data.get("section3_requests", {})
    rows = s3.get("rows")
    _need(isinstance(rows, list) and rows, path, "section3_requests.rows missing")
    for row in rows:
        _need(all(k in row for k in ("row_code", "label", "kind", "parent")), path,
              f"section3_requests row {row.get('row_code', '?')} needs row_code, label, kind, parent")
        _need(isinstance(row.get("aliases", []), list), path, f"row {row['row_code']}: aliases must be a list")
    _need(bool(s3.get("columns")), path, "section3_requests.columns missing")
    s4 = data.get("section4_review_litigation", {})
    _need(bool(s4.get("proceedings")) and bool(s4.get("results")), path,
          "section4_review_litigation needs proceedings and results")
    _need(bool(data.get("section2_active_disclosure", {}).get("subtables")), path,
          "section2_active_disclosure.subtables missing")
    codes = {"row": {r["row_code"] for r in rows}, "applicant": {c["code"] for c in s3["columns"]},
             "proceeding": {p["code"] for p in s4["proceedings"]}, "result": {r["code"] for r in s4["results"]}}
    for rule in data.get("rules", []):
        _validate_rule(rule, path, codes)


def _validate_rule(rule: dict, path, codes: dict[str, set]) -> None:
    name = rule.get("name", "?")
    _need(isinstance(rule.get("name"), str) and isinstance(rule.get("description"), str), path,
          f"rule {name}: needs name and description")
    _need(isinstance(rule.get("kind"), str) and isinstance(rule.get("table"), str), path,
          f"rule {name}: needs kind and table")
    for side in ("lhs", "rhs", "cells"):
        for term in rule.get(side, []):
            for dimension, code in term.items():
                _need(dimension in codes and code in codes[dimension], path,
                      f"rule {name}: {side} names {dimension} {code!r}, which the template does not have")
    if "for_each" in rule:
        _need(rule["for_each"] in codes, path, f"rule {name}: for_each {rule['for_each']!r} unknown")


def _check_years(found: dict[str, dict]) -> None:
    """Two generations may not start in the same year; an open-ended one (``to: null``) runs
    until a newer one starts."""
    starts: dict[int, str] = {}
    for template_id, data in found.items():
        start = data["applies_to_report_years"]["from"]
        if start in starts:
            raise TemplateError(f"templates {starts[start]} and {template_id} both start in {start}")
        starts[start] = template_id
