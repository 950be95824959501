"""Precision and recall of the report-title classifier (archive/titles.py) on the labelled
titles (tests/data/titles.tsv), overall and by provenance (real, variant), and every title it
gets wrong.

    .venv/bin/python bench/titles.py
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.titles_labelled import PROVENANCES, labelled, score  # noqa: E402


def main() -> int:
    titles = labelled()
    print(f"labelled titles: {len(titles)} ({sum(t.label == 'report' for t in titles)} reports)\n")
    print("set        titles  reports  precision  recall")
    for name, subset in [("all", titles), *((p, [t for t in titles if t.provenance == p]) for p in PROVENANCES)]:
        result = score(subset)
        reports = sum(t.label == "report" for t in subset)
        print(f"{name:<9} {len(subset):>7} {reports:>8} {result.precision:>10.4f} {result.recall:>7.4f}")
    result = score(titles)
    for heading, wrong in (("\nothers taken for reports (precision):", result.false_positive),
                           ("\nreports missed (recall):", result.false_negative)):
        print(heading, "none" if not wrong else "")
        for t in wrong:
            print(f"  {t.provenance:<8} {t.text}")
    return 0 if result.precision >= 0.99 and result.recall >= 0.99 else 1


if __name__ == "__main__":
    sys.exit(main())
