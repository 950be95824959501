"""Accuracy of the parsers on the labelled corpus (tests/corpus/).

    .venv/bin/python bench/accuracy.py           # the tables
    .venv/bin/python bench/accuracy.py -v        # and every disagreement

Prints per-field metadata accuracy, per-cell accuracy by source form (a cell is right when
the parsed value under the same canonical labels equals the expected one; cells parsed but
not expected are counted as extra), and agreement of failing checks with the labels.
"""
from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.corpus.labelled import METADATA_FIELDS, cases, evaluate  # noqa: E402


def pct(right: int, total: int) -> str:
    return f"{100 * right / total:6.2f}%" if total else "     —"


def main(verbose: bool = False) -> int:
    results = [evaluate(folder) for folder in cases()]
    print(f"labelled reports: {len(results)} ({sum(not r.values_labelled for r in results)} for metadata only)\n")
    print("metadata field   right/total  accuracy")
    for name in METADATA_FIELDS:
        right = sum(r.metadata[name][0] == r.metadata[name][1] for r in results)
        print(f"{name:<16} {right:>5}/{len(results):<5}  {pct(right, len(results))}")
    sourced = [(r, name) for r in results for name in r.sources]
    right = sum(r.sources[name][0] == r.sources[name][1] for r, name in sourced)
    print(f"{'where read':<16} {right:>5}/{len(sourced):<5}  {pct(right, len(sourced))}"
          "   (title/agency/year_source, where labelled)")
    by_form = defaultdict(list)
    for r in results:
        if r.values_labelled:   # excerpts whose tables are cut off count for metadata only
            by_form[r.form].append(r)
    results = [r for r in results if r.values_labelled]
    print("\nsource form          reports  cells right/total  accuracy  extra  checks agree")
    totals = [0, 0, 0, 0]
    for form, rs in sorted(by_form.items()):
        right, total = sum(r.cells_right for r in rs), sum(r.cells_expected for r in rs)
        extra, agree = sum(len(r.extra) for r in rs), sum(r.checks_ok for r in rs)
        totals = [totals[0] + right, totals[1] + total, totals[2] + extra, totals[3] + agree]
        print(f"{form:<20} {len(rs):>7}  {right:>6}/{total:<6}  {pct(right, total)}  {extra:>5}  "
              f"{agree:>3}/{len(rs)}")
    print(f"{'all':<20} {len(results):>7}  {totals[0]:>6}/{totals[1]:<6}  {pct(totals[0], totals[1])}"
          f"  {totals[2]:>5}  {totals[3]:>3}/{len(results)}")
    planted = [r for r in results if r.failing_expected]
    clean = [r for r in results if not r.failing_expected]
    print(f"\nplanted/known inconsistencies flagged exactly: {sum(r.checks_ok for r in planted)}/{len(planted)}; "
          f"consistent reports with no failing check: {sum(r.checks_ok for r in clean)}/{len(clean)}")
    if verbose:
        for r in results:
            for name, (e, a) in [*r.metadata.items(), *((f"{k}_source", v) for k, v in r.sources.items())]:
                if e != a:
                    print(f"  {r.case}: {name} expected {e!r}, got {a!r}")
            for k, e, a in r.wrong[:10]:
                print(f"  {r.case}: {k} expected {e!r}, got {a!r}")
            if r.extra:
                print(f"  {r.case}: {len(r.extra)} extra cells, e.g. {r.extra[:3]}")
            if not r.checks_ok:
                print(f"  {r.case}: failing checks expected {r.failing_expected}, got {r.failing_actual}")
    return 0


if __name__ == "__main__":
    sys.exit(main("-v" in sys.argv))
