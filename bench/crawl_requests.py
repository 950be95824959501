"""Benchmark: what a nightly re-crawl costs compared with the first crawl.

Crawls the offline portals twice into a fresh archive and prints, per portal, the
requests of the first crawl, the requests of the second (unchanged) crawl, how many
of those were full downloads (HTTP 200) rather than 304 answers, and browser renders.
The first crawl is the baseline measured in the same run.

    .venv/bin/python bench/crawl_requests.py
"""

import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import run_cli  # noqa: E402
from nianbao.demo.server import running_portals, write_portals_csv  # noqa: E402


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="nianbao-bench-"))
    db, csv_path = workdir / "archive.db", workdir / "portals.csv"
    seconds = []
    with running_portals() as portals:
        write_portals_csv(portals, csv_path)
        for run in (1, 2):
            started = time.monotonic()
            result = run_cli("crawl", "--portals", csv_path, "--db", db, "--log-file", workdir / f"crawl{run}.log")
            seconds.append(time.monotonic() - started)
            if result.returncode != 0:
                sys.exit(f"crawl {run} failed ({result.returncode}): {result.stderr[-2000:]}")
    conn = sqlite3.connect(db)
    rows = conn.execute("""
        SELECT portal,
          sum(run_id = 1), sum(run_id = 2),
          sum(run_id = 2 AND status = 200 AND coalesce(via, '') <> 'browser'),
          sum(run_id = 2 AND status = 304),
          sum(run_id = 1 AND via = 'browser' AND kind IN ('column', 'list')),
          sum(run_id = 2 AND via = 'browser' AND kind IN ('column', 'list'))
        FROM fetches GROUP BY portal ORDER BY portal""").fetchall()
    runs = conn.execute("SELECT id, requests, not_modified, browser_renders, new_reports FROM crawl_runs").fetchall()
    print(f"{'portal':<12}{'1st pages':>10}{'2nd pages':>10}{'2nd full':>10}{'2nd 304':>9}{'renders 1/2':>13}")
    for portal, first, second, full, not_modified, render1, render2 in rows:
        print(f"{portal:<12}{first:>10}{second:>10}{full:>10}{not_modified:>9}{f'{render1}/{render2}':>13}")
    (_, req1, _, ren1, new1), (_, req2, nm2, ren2, new2) = runs
    full2 = sum(r[3] for r in rows)
    print(f"\nScrapy requests (incl. robots.txt): first {req1}, second {req2}; "
          f"second-crawl full downloads {full2} = {full2 / req1:.1%} of the first crawl's requests "
          f"(+{ren2} browser renders); 304 answers {nm2}")
    print(f"reports: first crawl {new1} new, second {new2} new; "
          f"wall time: first {seconds[0]:.1f} s, second {seconds[1]:.1f} s (ratio {seconds[1] / seconds[0]:.2f})")


if __name__ == "__main__":
    main()
