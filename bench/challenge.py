"""Benchmark: what an anti-bot script challenge costs a crawl (crawler/challenge.py).

Crawls the same offline portal (tests/challenge_portal.py, 6 reports on 2 list pages, made
larger with --reports) without a WAF, behind a 412 challenge whose cookie never expires, and
behind one whose cookie expires every --rotate pages; interleaved, --repeat times, each crawl a
fresh process and archive (``nianbao crawl --no-parse``). Prints medians and ratios to the
crawl without a WAF: requests the portal saw, Chromium passes, wall time.

    .venv/bin/python bench/challenge.py [--repeat 3] [--reports 30] [--rotate 20]
"""
from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.challenge_portal import ChallengePortal, serve  # noqa: E402
from tests.conftest import run_cli  # noqa: E402


def crawl(portal: ChallengePortal, workdir: Path) -> dict:
    server = serve(portal)
    csv_path = workdir / "portals.csv"
    csv_path.write_text(f"name,url\n挑战县,http://127.0.0.1:{server.server_port}/\n", encoding="utf-8")
    started = time.monotonic()
    try:
        result = run_cli("crawl", "--portals", csv_path, "--db", workdir / "a.db", "--no-parse",
                         "--log-file", workdir / "log", "-s", "NIANBAO_CHALLENGE_RENDERS=100")
    finally:
        server.shutdown()
    seconds = time.monotonic() - started
    if result.returncode != 0:
        sys.exit(f"crawl failed ({result.returncode}): see {workdir / 'log'}")
    with sqlite3.connect(workdir / "a.db") as conn:
        reports, passes = conn.execute("SELECT (SELECT count(*) FROM fetched_reports), challenge_renders "
                                       "FROM crawl_runs").fetchone()
    return {"seconds": seconds, "requests": portal.requests, "passes": passes, "reports": reports}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reports", type=int, default=30)
    parser.add_argument("--rotate", type=int, default=20)
    args = parser.parse_args()
    kinds = {"no WAF": dict(challenge=False), "412, cookie kept": dict(),
             f"412, cookie expires every {args.rotate} pages": dict(rotate_every=args.rotate)}
    results: dict[str, list[dict]] = {kind: [] for kind in kinds}
    for _ in range(args.repeat):
        for kind, options in kinds.items():
            workdir = Path(tempfile.mkdtemp(prefix="nianbao-bench-challenge-"))
            results[kind].append(crawl(ChallengePortal(reports=args.reports, **options), workdir))
    base = {k: statistics.median(r[k] for r in results["no WAF"]) for k in ("seconds", "requests")}
    print(f"{args.reports} reports, {args.repeat} runs each, medians (ratio to no WAF)")
    print(f"{'portal':<36}{'reports':>8}{'requests':>16}{'passes':>8}{'wall s':>16}")
    for kind, runs in results.items():
        m = {k: statistics.median(r[k] for r in runs) for k in ("seconds", "requests", "passes", "reports")}
        print(f"{kind:<36}{m['reports']:>8.0f}{m['requests']:>8.0f} ({m['requests'] / base['requests']:.2f})"
              f"{m['passes']:>8.0f}{m['seconds']:>8.1f} ({m['seconds'] / base['seconds']:.2f})")


if __name__ == "__main__":
    main()
