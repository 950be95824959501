"""Benchmark: how fast one report document is parsed, compared with bare trafilatura.

    .venv/bin/python bench/parse_speed.py            # 3 interleaved repetitions
    .venv/bin/python bench/parse_speed.py -n 5

Times, interleaved document by document, (i) ``archive.parse.parse_report`` on every HTML
document and (ii) a bare ``trafilatura.extract(body, include_tables=True)`` on the same
bytes, and prints documents per second for each (best: each document at its fastest
repetition; median: the median repetition) and the ratio
ours/bare (1.0 = parsing a page costs no more than extracting its text). PDF documents
are timed separately (``parse_report`` only; trafilatura does not read PDFs).

The core is :func:`measure`, importable as ``bench.parse_speed`` by other benchmarks;
:func:`load_documents` is the only place that knows where the documents come from.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from archive.formats import sniff  # noqa: E402
from archive.parse import parse_report  # noqa: E402


@dataclass(frozen=True)
class Document:
    name: str
    body: bytes
    content_type: str | None
    url: str
    list_title: str | None = None

    @property
    def format(self) -> str:
        return sniff(self.body, self.content_type, self.url)


def load_documents() -> list[Document]:
    """The source documents of the labelled corpus (tests/corpus/*/expected.json)."""
    out = []
    for expected_path in sorted((ROOT / "tests" / "corpus").glob("*/expected.json")):
        folder = expected_path.parent
        expected = json.loads(expected_path.read_text(encoding="utf-8"))
        url = expected.get("url") or f"https://example.gov.cn/{folder.name}/{expected['source']}"
        out.append(Document(folder.name, (folder / expected["source"]).read_bytes(),
                            expected.get("content_type"), url, expected.get("list_title")))
    return out


def _ours(doc: Document) -> float:
    started = time.perf_counter()
    parse_report(doc.body, doc.content_type, doc.url, doc.list_title)
    return time.perf_counter() - started


def _bare(doc: Document) -> float:
    started = time.perf_counter()
    trafilatura.extract(doc.body, include_tables=True)
    return time.perf_counter() - started


def _summary(per_doc: list[list[float]]) -> dict:
    """``per_doc[i][r]``: seconds for document i in repetition r. Best = every document at
    its fastest repetition (robust to other load on the machine); median = the median of
    the repetitions' totals."""
    n = len(per_doc)
    totals = [sum(times) for times in zip(*per_doc)] if per_doc else [0.0]
    best = sum(min(times) for times in per_doc)
    return {"docs": n, "seconds": totals, "seconds_best": best,
            "docs_per_s_best": n / best if n else 0.0,
            "docs_per_s_median": n / statistics.median(totals) if n else 0.0,
            "ms_per_doc_best": 1000 * best / n if n else 0.0}


def measure(documents: list[Document], repeat: int = 3) -> dict:
    """Time parse_report and bare trafilatura, interleaved document by document, ``repeat``
    times (after one warm-up pass that loads lazily built tables). Returns ``{"html":
    {"ours", "bare", "ratio_best", "ratio_median"}, "pdf": {...}}``; ratio = our docs/s ÷
    bare docs/s."""
    html = [d for d in documents if d.format == "html"]
    pdf = [d for d in documents if d.format == "pdf"]
    for d in html[:3] + pdf[:1]:
        _ours(d)
    for d in html[:3]:
        _bare(d)
    ours = [[0.0] * repeat for _ in html]
    bare = [[0.0] * repeat for _ in html]
    pdf_times = [[0.0] * repeat for _ in pdf]
    for r in range(repeat):
        for i, d in enumerate(html):
            ours[i][r] = _ours(d)
            bare[i][r] = _bare(d)
        for i, d in enumerate(pdf):
            pdf_times[i][r] = _ours(d)
    o, b = _summary(ours), _summary(bare)
    return {"html": {"ours": o, "bare": b,
                     "ratio_best": o["docs_per_s_best"] / b["docs_per_s_best"] if html else 0.0,
                     "ratio_median": (o["docs_per_s_median"] / b["docs_per_s_median"]
                                      if html else 0.0)},
            "pdf": _summary(pdf_times)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    result = measure(load_documents(), args.repeat)
    html, pdf = result["html"], result["pdf"]
    print(f"HTML documents: {html['ours']['docs']}, repetitions: {args.repeat} (interleaved)\n")
    print("                      docs/s best  docs/s median  ms/doc best")
    for label, key in (("parse_report", "ours"), ("trafilatura.extract", "bare")):
        s = html[key]
        print(f"{label:<21} {s['docs_per_s_best']:>11.1f}  {s['docs_per_s_median']:>13.1f}"
              f"  {s['ms_per_doc_best']:>11.1f}")
    print(f"\nratio ours/bare: {html['ratio_best']:.2f} (best), {html['ratio_median']:.2f} (median)")
    print(f"\nPDF documents: {pdf['docs']}, parse_report: {pdf['seconds_best']:.2f} s best, "
          f"{statistics.median(pdf['seconds']):.2f} s median "
          f"({pdf['ms_per_doc_best']:.0f} ms/doc best)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
