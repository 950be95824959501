"""Benchmark (not a test): what evidence capture costs. The loopback fleet of county portals
(bench/fleet.py) crawled with ``nianbao crawl --no-parse`` into a fresh archive, capture on (the
default) and off (``-s NIANBAO_CAPTURE=False``), interleaved, each in its own process; then the
capture exported as one WACZ.

    .venv/bin/python bench/capture.py                    # 10 hosts, 1,000 reports, 3 repetitions
    .venv/bin/python bench/capture.py --hosts 3 --reports 100 --repeat 1

Prints the wall time of each crawl, the ratio capture on / off (median), the capture's bytes per
report (its WARC files, gzip) and per page, and the export's time and size. Last line: JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

from fleet import running_fleet, write_portals_csv  # noqa: E402

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
CLI = [sys.executable, "-m", "nianbao.cli"]


def crawl(csv_path: Path, db: Path, capture: bool) -> float:
    started = time.monotonic()
    done = subprocess.run([*CLI, "crawl", "--portals", str(csv_path), "--db", str(db), "--no-parse", "--quiet",
                           "-s", f"NIANBAO_CAPTURE={capture}", "--log-file", str(db.with_suffix(".log"))],
                          cwd=ROOT, env=ENV, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        raise SystemExit(f"crawl failed: {done.stderr[-2000:]}")
    return time.monotonic() - started


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=10)
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="nianbao-capture-"))
    times = {True: [], False: []}
    try:
        with running_fleet(args.hosts, args.reports) as fleet:
            csv_path = work / "portals.csv"
            write_portals_csv(fleet, csv_path)
            for rep in range(args.repeat):
                for capture in (True, False):
                    db = work / f"{'on' if capture else 'off'}{rep}.db"
                    times[capture].append(crawl(csv_path, db, capture))
                    print(f"capture {'on ' if capture else 'off'} {times[capture][-1]:6.1f} s", flush=True)
        db = work / "on0.db"
        warc = sum(f.stat().st_size for f in (work / "on0.warc").glob("*.warc.gz"))
        with sqlite3.connect(db) as conn:
            pages, reports = conn.execute("SELECT COUNT(*), SUM(kind = 'report') FROM pages").fetchone()
        raw = (work / "on0.documents.db").stat().st_size
        started = time.monotonic()
        exported = subprocess.run([*CLI, "export", "--db", str(db), "--wacz", str(work / "out.wacz")], cwd=ROOT,
                                  env=ENV, capture_output=True, text=True)
        export_seconds = time.monotonic() - started
        if exported.returncode:
            raise SystemExit(f"export failed: {exported.stderr[-2000:]}")
        on, off = statistics.median(times[True]), statistics.median(times[False])
        figures = {"hosts": args.hosts, "reports": reports, "pages": pages, "repeat": args.repeat,
                   "crawl_seconds_capture_on": round(on, 2), "crawl_seconds_capture_off": round(off, 2),
                   "ratio_on_over_off": round(on / off, 3), "capture_bytes": warc,
                   "capture_bytes_per_report": round(warc / max(reports, 1)),
                   "capture_bytes_per_page": round(warc / max(pages, 1)),
                   "raw_documents_bytes_per_report": round(raw / max(reports, 1)),
                   "export_seconds": round(export_seconds, 1), "wacz_bytes": (work / "out.wacz").stat().st_size}
        print(f"crawl with capture / without (median of {args.repeat}): {on:.1f} s / {off:.1f} s = "
              f"{on / off:.2f}; capture {warc / max(reports, 1) / 1024:.1f} kB a report "
              f"({warc / max(pages, 1) / 1024:.1f} kB a page; raw documents in SQLite: "
              f"{raw / max(reports, 1) / 1024:.1f} kB a report); export {export_seconds:.1f} s")
        print(json.dumps(figures))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
