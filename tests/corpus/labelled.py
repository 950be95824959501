"""The labelled corpus: load each case, parse its source, compare with expected.json.

Shared by tests/test_corpus.py (which holds every case at its expected values) and
bench/accuracy.py (which prints the accuracy table).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from archive.parse import ParsedReport, parse_report

HERE = Path(__file__).resolve().parent
METADATA_FIELDS = ("title", "agency", "year", "publisher", "published_date", "template",
                   "source_format")
KEYS = {"active_disclosure": ("item", "content", "metric"),
        "applications": ("row_code", "row_label", "applicant"),
        "reviews": ("proceeding", "result"),
        "legacy_stats": ("indicator", "unit")}


@dataclass
class Result:
    case: str
    form: str
    metadata: dict = field(default_factory=dict)       # field -> (expected, actual)
    cells_expected: int = 0
    cells_right: int = 0
    wrong: list = field(default_factory=list)          # (key, expected, actual)
    extra: list = field(default_factory=list)          # keys parsed but not expected
    failing_expected: list = field(default_factory=list)
    failing_actual: list = field(default_factory=list)
    sources: dict = field(default_factory=dict)        # field -> (expected, actual) where labelled
    values_labelled: bool = True                       # False: an excerpt whose tables are cut off

    @property
    def metadata_ok(self) -> bool:
        return all(e == a for e, a in self.metadata.values())

    @property
    def sources_ok(self) -> bool:
        return all(e == a for e, a in self.sources.values())

    @property
    def checks_ok(self) -> bool:
        return sorted(self.failing_expected) == sorted(self.failing_actual)

    @property
    def cells_ok(self) -> bool:
        return self.cells_right == self.cells_expected and not self.extra


def cases() -> list[Path]:
    return sorted(p.parent for p in HERE.glob("*/expected.json"))


def load(folder: Path) -> dict:
    return json.loads((folder / "expected.json").read_text(encoding="utf-8"))


def parse_case(folder: Path) -> tuple[dict, ParsedReport]:
    expected = load(folder)
    body = (folder / expected["source"]).read_bytes()
    url = expected.get("url") or f"https://example.gov.cn/{folder.name}/{expected['source']}"
    parsed = parse_report(body, expected.get("content_type"), url, expected.get("list_title"))
    return expected, parsed


def key(table: str, fields: dict) -> tuple:
    return (table, *(fields.get(k) for k in KEYS[table]))


def same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) < 1e-9


def evaluate(folder: Path) -> Result:
    expected, parsed = parse_case(folder)
    return compare(folder.name, expected, parsed)


def compare(case: str, expected: dict, parsed: ParsedReport, form: str | None = None) -> Result:
    result = Result(case, form or expected["form"])
    for name in METADATA_FIELDS:
        result.metadata[name] = (expected["metadata"][name], getattr(parsed, name))
    for name, where in expected.get("sources", {}).items():
        result.sources[name] = (where, getattr(parsed, "sources", {}).get(name))
    if expected["values"] is None:   # metadata only: the document's tables are cut off
        result.values_labelled = False
        return result
    actual = {key(c.table, c.fields): c.value for c in parsed.cells}
    wanted = {key(v["table"], v): v["value"] for v in expected["values"]}
    result.cells_expected = len(wanted)
    for k, value in wanted.items():
        if k in actual and same(actual[k], value):
            result.cells_right += 1
        else:
            result.wrong.append((k, value, actual.get(k, "missing")))
    result.extra = [k for k in actual if k not in wanted]
    result.failing_expected = sorted(expected["failing_checks"])
    result.failing_actual = sorted({c.name for c in parsed.checks if not c.passed})
    return result
