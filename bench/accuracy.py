"""Accuracy of the parsers on the labelled corpus (tests/corpus/).

    .venv/bin/python bench/accuracy.py           # the tables
    .venv/bin/python bench/accuracy.py -v        # and every disagreement
    .venv/bin/python bench/accuracy.py --ocr     # the scanned corpus: OCR cell accuracy

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


OCR_FORMS = ("pdf", "docx", "html")   # labelled sources with ruled tables, printable as pages
OCR_SEEDS = 1                        # scans per report (each a different rotation and noise)


def scanned_corpus(cache: Path) -> list[tuple[Path, int, Path]]:
    """Every labelled report of OCR_FORMS, printed to PDF and scanned (tests/corpus/scanned.py),
    cached by the source's digest and the seed."""
    import hashlib

    from tests.corpus.labelled import load
    from tests.corpus.scanned import scan_pdf, to_pdf

    cache.mkdir(parents=True, exist_ok=True)
    out = []
    for folder in cases():
        expected = load(folder)
        if expected["form"] not in OCR_FORMS or not expected["values"]:
            continue
        source = folder / expected["source"]
        digest = hashlib.sha256(source.read_bytes()).hexdigest()[:12]
        for seed in range(OCR_SEEDS):
            target = cache / f"{folder.name}-{digest}-{seed}.pdf"
            if not target.exists():
                target.write_bytes(scan_pdf(to_pdf(source), seed=seed))
            out.append((folder, seed, target))
    return out


def main_ocr(verbose: bool = False) -> int:
    """OCR cell accuracy on scans of the labelled reports: a cell is right when the value
    read from the scan equals the label; also how well the confidence flags the wrong ones."""
    import time

    from archive.ocr import settings
    from archive.parse import parse_report
    from tests.corpus.labelled import compare, key, load

    corpus = scanned_corpus(Path(__file__).resolve().parents[1] / ".cache" / "scanned")
    threshold = settings()["low_confidence"]
    print(f"scanned reports: {len(corpus)} (tests/corpus/scanned.py: 200 dpi, rotated up to 1.5°, "
          f"noise, specks, JPEG)\n")
    print("report                         pages  seconds  cells right/total  accuracy  flagged  wrong&flagged  metadata")
    totals = dict(right=0, total=0, flagged=0, wrong=0, caught=0, seconds=0.0, pages=0, meta=0, meta_total=0)
    scored: list[tuple[float, bool]] = []   # (confidence, value right) of every labelled value read
    for folder, seed, scan in corpus:
        expected = load(folder)
        started = time.monotonic()
        parsed = parse_report(scan.read_bytes(), "application/pdf", f"https://example.gov.cn/{folder.name}/scan.pdf",
                              expected.get("list_title"))
        seconds = time.monotonic() - started
        result = compare(folder.name, expected, parsed, "scan")
        confidence = {key(c.table, c.fields): c.confidence for c in parsed.cells}
        flagged = {k for k, v in confidence.items() if v is not None and v < threshold}
        wrong = {k for k, _, _ in result.wrong}
        scored += [(v, k not in wrong) for k, v in confidence.items() if v is not None and k in
                   {key(x["table"], x) for x in expected["values"]}]
        meta = [name for name in ("title", "agency", "year") if expected["metadata"][name] == getattr(parsed, name)]
        pages = int(parsed.notes[0].split()[0]) if parsed.notes and "OCR" in parsed.notes[0] else 0
        for name, value in (("right", result.cells_right), ("total", result.cells_expected),
                            ("flagged", len(flagged)), ("wrong", len(wrong)), ("caught", len(wrong & flagged)),
                            ("seconds", seconds), ("pages", pages), ("meta", len(meta)), ("meta_total", 3)):
            totals[name] += value
        print(f"{folder.name + '/' + str(seed):<30} {pages:>5}  {seconds:>7.1f}  {result.cells_right:>6}/{result.cells_expected:<6}"
              f"  {pct(result.cells_right, result.cells_expected)}  {len(flagged):>7}  {len(wrong & flagged):>5}/{len(wrong):<7}"
              f"  {len(meta)}/3   {parsed.source_format}")
        if verbose:
            for k, e, a in result.wrong[:12]:
                print(f"    {k} expected {e!r}, got {a!r} (confidence {confidence.get(k)})")
    print(f"\n{'all':<30} {totals['pages']:>5}  {totals['seconds']:>7.1f}  {totals['right']:>6}/{totals['total']:<6}"
          f"  {pct(totals['right'], totals['total'])}  {totals['flagged']:>7}  {totals['caught']:>5}/{totals['wrong']:<7}"
          f"  {totals['meta']}/{totals['meta_total']}")
    print(f"\nOCR cell accuracy {pct(totals['right'], totals['total']).strip()}; of the {totals['wrong']} wrong or "
          f"missing values, {totals['caught']} are flagged (confidence < {threshold}); "
          f"{totals['flagged']} values flagged in all; {totals['seconds'] / max(1, totals['pages']):.1f} s a page")
    print("\nthreshold  flagged  wrong values flagged   (values read, by confidence: to choose low_confidence)")
    for cut in (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95):
        print(f"{cut:>9}  {sum(c < cut for c, _ in scored):>7}  {sum(c < cut and not ok for c, ok in scored):>5}"
              f"/{sum(not ok for _, ok in scored)}")
    return 0


if __name__ == "__main__":
    if "--ocr" in sys.argv:
        sys.exit(main_ocr("-v" in sys.argv))
    sys.exit(main("-v" in sys.argv))
