"""The labelled corpus (tests/corpus/, built by make_variants.py; README there) parses to its
expected JSON: metadata, every table value, and exactly the expected failing checks."""
import pytest

from tests.corpus.labelled import cases, evaluate, load

CASES = cases()


def test_corpus_is_large_and_varied():
    forms = {load(c)["form"] for c in CASES}
    assert len(CASES) >= 100
    assert {"html", "html-portal", "html-flat", "text-cells", "text-pipes", "text-glued-units",
            "docx", "pdf", "traditional+pinyin", "typo-year", "image-only", "text-excerpt"} <= forms
    # every metadata trap of make_metadata_cases.py, on reports of every level
    from tests.corpus.make_metadata_cases import TRAPS
    assert {f"meta-{t.replace('_', '-')}" for t in TRAPS} <= forms
    agencies = {load(c)["metadata"]["agency"] or "" for c in CASES}
    assert all(any(a.endswith(level) for a in agencies) for level in ("局", "镇人民政府", "乡", "街道办事处"))


@pytest.mark.parametrize("folder", CASES, ids=[c.name for c in CASES])
def test_report_parses_to_its_labels(folder):
    result = evaluate(folder)
    wrong_meta = {k: v for k, v in result.metadata.items() if v[0] != v[1]}
    assert not wrong_meta, wrong_meta
    assert result.sources_ok, result.sources   # where title, agency and year were read
    assert not result.wrong, result.wrong[:10]
    assert not result.extra, result.extra[:10]
    assert result.failing_actual == result.failing_expected


def test_every_planted_inconsistency_names_its_numbers():
    from tests.corpus.labelled import parse_case
    for folder in CASES:
        if not folder.name.startswith("planted_"):
            continue
        _expected, parsed = parse_case(folder)
        failing = [c for c in parsed.checks if not c.passed]
        assert failing and all("≠" in c.detail for c in failing), folder.name
