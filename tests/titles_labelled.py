"""The labelled titles (tests/data/titles.tsv) and how the classifier scores on them; used by
tests/test_titles.py and bench/titles.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from archive.titles import is_report_title

TITLES = Path(__file__).parent / "data" / "titles.tsv"
LABELS, PROVENANCES = ("report", "other"), ("real", "variant")


@dataclass(frozen=True)
class Title:
    label: str
    provenance: str
    text: str


def labelled() -> list[Title]:
    """Every labelled line; a malformed one fails loudly with its line number."""
    rows = []
    for number, line in enumerate(TITLES.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or parts[0] not in LABELS or parts[1] not in PROVENANCES or not parts[2]:
            raise ValueError(f"{TITLES.name}:{number}: want label<TAB>provenance<TAB>title, got {line!r}")
        rows.append(Title(*parts))
    return rows


@dataclass
class Score:
    true_positive: int = 0
    false_positive: list = field(default_factory=list)   # others taken for reports
    false_negative: list = field(default_factory=list)   # reports missed
    true_negative: int = 0

    @property
    def precision(self) -> float:
        found = self.true_positive + len(self.false_positive)
        return self.true_positive / found if found else 1.0

    @property
    def recall(self) -> float:
        reports = self.true_positive + len(self.false_negative)
        return self.true_positive / reports if reports else 1.0


def score(titles: list[Title], classify=is_report_title) -> Score:
    result = Score()
    for title in titles:
        said, report = classify(title.text), title.label == "report"
        if said and report:
            result.true_positive += 1
        elif said:
            result.false_positive.append(title)
        elif report:
            result.false_negative.append(title)
        else:
            result.true_negative += 1
    return result
