"""Templates as data (archive/templates): the years → template mapping, validation of a data
file, and a new template generation added as ONE file — a document in it is parsed and
checked with no code edit."""
import copy
import json

import pytest

from archive import templates
from archive.check import checks_table_description, descriptions
from archive.metadata import template_for_year
from archive.parse import parse_report
from archive.templates import TemplateError, extra_data_dir
from nianbao.demo import tables

RENAMED = "一、本年新收到的政府信息公开申请数量"     # row 1 of the fake 2025 form
EXTRA_RULE = {"name": "granted_within_new", "kind": "at_least", "table": "applications",
              "for_each": "applicant", "lhs": [{"row": "1"}], "rhs": [{"row": "3.1"}],
              "description": "Test rule of the fake 2025 form: 予以公开 ≤ new requests."}


def template_2025() -> dict:
    data = copy.deepcopy(templates.template("2021"))
    data["template_id"] = "2025"
    data["applies_to_report_years"] = {"from": 2025, "to": None}
    row = next(r for r in data["section3_requests"]["rows"] if r["row_code"] == "1")
    row["label"] = RENAMED
    data["detection"]["markers"] = [*data["detection"]["markers"], RENAMED]
    data["rules"] = [*data["rules"], EXTRA_RULE]
    return data


@pytest.fixture
def with_2025(tmp_path):
    (tmp_path / "template_2025.json").write_text(json.dumps(template_2025(), ensure_ascii=False),
                                                 encoding="utf-8")
    with extra_data_dir(tmp_path):
        yield tmp_path


def report_2025(given: dict) -> bytes:
    """A report page in the 2025 form, drawn by the demo's table renderer from the template data."""
    s2 = {caption: {r["label"]: [0] * len(columns) for r in sub["rows"]}
          for (caption, columns), sub in zip(tables.s2_columns("2025").items(),
                                             templates.template("2025")["section2_active_disclosure"]["subtables"])}
    s4 = tables.complete_s4({p: [1, 0, 0, 0] for p in tables.PROCEEDINGS})
    body = (f"<h1>某县人民政府2025年政府信息公开工作年度报告</h1><p>一、总体情况</p><p>2025年，本县……</p>"
            f"<p>二、主动公开政府信息情况</p>{tables.s2_table('2025', s2)}"
            f"<p>三、收到和处理政府信息公开申请情况</p>{tables.s3_table('2025', tables.complete_s3('2025', given))}"
            f"<p>四、政府信息公开行政复议、行政诉讼情况</p>{tables.s4_table(s4)}"
            "<p>某县人民政府</p><p>2026年1月20日</p>")
    return f"<html><head><meta charset='utf-8'></head><body>{body}</body></html>".encode()


def test_years_map_to_templates_from_the_data():
    assert [template_for_year(y) for y in (2008, 2018, 2019, 2020, 2021, 2030)] == \
        ["pre2019", "pre2019", "2019", "2019", "2021", "2021"]
    assert template_for_year(None) == "unknown" and template_for_year(1999) == "unknown"


def test_every_rule_of_every_template_has_a_registered_kind_and_a_description():
    from archive.check import RULE_KINDS
    for template_id in templates.templates():
        for rule in templates.rules(template_id):
            assert rule["kind"] in RULE_KINDS, (template_id, rule["name"])
            assert descriptions()[rule["name"]]
    names = {r["name"] for r in templates.rules("2021")}
    assert {"balance", "results_total", "row_total", "group_rows_empty", "non_negative",
            "reviews_total"} <= names


def test_a_new_generation_is_one_file(with_2025):
    assert template_for_year(2025) == "2025" and template_for_year(2024) == "2021"
    parsed = parse_report(report_2025({"自然人": {"1": 5, "2": 1, "3.1": 4}}), "text/html",
                          "http://127.0.0.1/2025.html")
    assert (parsed.year, parsed.template) == (2025, "2025")
    assert "2025" in parsed.template_reason and parsed.template_confidence > 0.5
    row_1 = {c.fields["applicant"]: c.value for c in parsed.cells
             if c.table == "applications" and c.fields["row_code"] == "1"}
    assert row_1["自然人"] == 5 and row_1["总计"] == 5
    assert {c.fields["row_label"] for c in parsed.cells if c.fields.get("row_code") == "1"} == {RENAMED}
    checks = {c.name: c for c in parsed.checks}
    assert checks["granted_within_new"].passed and checks["balance"].passed
    assert checks["template_matches_year"].passed and checks["rows_unaligned"].passed
    assert "granted_within_new" in checks_table_description()


def test_the_new_generations_extra_rule_can_fail(with_2025):
    # 予以公开 4 > new 1, while balance holds (1 new + 5 carried over = 4 handled + 2 carried forward)
    parsed = parse_report(report_2025({"自然人": {"1": 1, "2": 5, "3.1": 4}}), "text/html",
                          "http://127.0.0.1/2025.html")
    checks = {c.name: c for c in parsed.checks}
    assert checks["balance"].passed
    extra = checks["granted_within_new"]
    assert not extra.passed
    assert extra.detail.startswith("自然人: 1 < 4") and "总计: 1 < 4" in extra.detail


def test_the_same_document_without_the_file_is_read_as_2021_with_the_row_kept(tmp_path):
    with extra_data_dir(tmp_path):          # render with the 2025 file …
        (tmp_path / "template_2025.json").write_text(json.dumps(template_2025(), ensure_ascii=False),
                                                     encoding="utf-8")
        templates._templates.cache_clear()
        body = report_2025({"自然人": {"1": 5, "2": 1, "3.1": 4}})
        (tmp_path / "template_2025.json").unlink()
        templates._templates.cache_clear()
        parsed = parse_report(body, "text/html", "http://127.0.0.1/2025.html")   # … parse without it
    assert parsed.template == "2021"
    # the renamed row still aligns (numbering 一、 and wording), so nothing is lost
    assert any(c.fields.get("row_code") == "1" and c.value == 5 for c in parsed.cells)


@pytest.mark.parametrize("change, message", [
    (lambda d: d.pop("applies_to_report_years"), "applies_to_report_years"),
    (lambda d: d["rules"].append({**EXTRA_RULE, "rhs": [{"row": "9.9"}]}), "row '9.9'"),
    (lambda d: d["rules"].append({k: v for k, v in EXTRA_RULE.items() if k != "description"}),
     "needs name and description"),
    (lambda d: d["applies_to_report_years"].update({"from": 2021}), "both start in 2021"),
    (lambda d: d["section3_requests"]["rows"][0].pop("kind"), "row 1 needs"),
])
def test_a_bad_template_file_is_refused_naming_the_field(tmp_path, change, message):
    data = template_2025()
    change(data)
    (tmp_path / "template_2025.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with extra_data_dir(tmp_path), pytest.raises(TemplateError, match=message) as error:
        templates.templates()
    assert "template_2025.json" in str(error.value) or "2025" in str(error.value)
    assert templates.for_year(2024) == "2021"   # the bad file is gone again after the block


def test_datasette_describes_every_check_from_the_registry():
    from importlib import resources
    shipped = json.loads(resources.files("archive.datasette_plugin").joinpath("metadata.json")
                         .read_text(encoding="utf-8"))
    described = shipped["databases"]["archive"]["tables"]["checks"]["description"]
    assert described == checks_table_description(), "run: python -m archive.check"
    for name in descriptions():
        assert f"{name}: " in described


@pytest.mark.parametrize("module", ["archive.templates", "archive.statistics", "archive.alignment",
                                    "archive.labels"])
def test_doctests(module):
    import doctest
    import importlib
    assert doctest.testmod(importlib.import_module(module)).failed == 0
