"""The report-title classifier against a labelled list of titles (tests/data/titles.tsv)."""
from pathlib import Path

from archive.titles import is_report_title

TITLES = Path(__file__).parent / "data" / "titles.tsv"


def labelled() -> list[tuple[str, str]]:
    rows = []
    for line in TITLES.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, title = line.split("\t")
            assert label in ("report", "other"), line
            rows.append((label, title))
    return rows


def test_the_list_is_large_and_mixed():
    rows = labelled()
    assert len(rows) >= 200 and len({t for _, t in rows}) == len(rows)
    assert sum(label == "report" for label, _ in rows) >= 80
    assert sum(label == "other" for label, _ in rows) >= 80


def test_every_title_is_classified_as_labelled():
    wrong = [f"{label}\t{title}" for label, title in labelled()
             if is_report_title(title) != (label == "report")]
    assert wrong == [], "\n".join(wrong)
