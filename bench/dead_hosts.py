"""Benchmark: what dead hosts cost a crawl, with and without giving up on them.

A loopback fleet: 2 healthy portals, 4 that accept connections and never answer, 2 refused
ports and 2 names under .invalid. The same fleet is crawled into fresh archives with dead-host
handling on (the default) and off (``-s NIANBAO_DEAD_HOSTS=0``: Scrapy's retries only),
interleaved, with a short ``DOWNLOAD_TIMEOUT`` so the run stays short; the figure is the ratio of
wall times, and the requests the silent servers received.

    .venv/bin/python bench/dead_hosts.py [--timeout 5] [--repeat 2]
"""

import argparse
import statistics
import sqlite3
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import free_port, run_cli  # noqa: E402
from tests.test_dead_hosts import never_answering, serving  # noqa: E402
from tests.test_layout_alarms import Layout  # noqa: E402


def crawl(csv_path: Path, workdir: Path, timeout: float, dead_hosts: bool) -> tuple[float, int]:
    db = workdir / f"archive-{dead_hosts}-{time.monotonic_ns()}.db"
    started = time.monotonic()
    result = run_cli("crawl", "--portals", csv_path, "--db", db, "--no-parse", "--log-file", f"{db}.log",
                     "-s", f"DOWNLOAD_TIMEOUT={timeout}", "-s", f"NIANBAO_DEAD_HOSTS={int(dead_hosts)}",
                     "-s", "AUTOTHROTTLE_START_DELAY=0", timeout=3600)
    seconds = time.monotonic() - started
    if result.returncode not in (0, 1):
        sys.exit(f"crawl failed ({result.returncode}): {result.stderr[-2000:]}")
    reports = sqlite3.connect(db).execute("SELECT count(*) FROM fetched_reports").fetchone()[0]
    return seconds, reports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="nianbao-bench-dead-"))
    with ExitStack() as stack:
        fleet = {f"健康{i}县": stack.enter_context(serving(Layout(reports=5).answer)) for i in range(2)}
        silent = [stack.enter_context(never_answering()) for _ in range(4)]
        fleet |= {f"沉默{i}县": url for i, (url, _) in enumerate(silent)}
        fleet |= {f"拒绝{i}县": f"http://127.0.0.1:{free_port()}/" for i in range(2)}
        fleet |= {f"无名{i}县": f"http://www{i}.nianbao-dead.invalid/" for i in range(2)}
        csv_path = workdir / "fleet.csv"
        csv_path.write_text("name,url\n" + "".join(f"{n},{u}\n" for n, u in fleet.items()), encoding="utf-8")
        times = {True: [], False: []}
        connections = {True: [], False: []}
        for _ in range(args.repeat):
            for on in (True, False):
                before = sum(len(accepted) for _, accepted in silent)
                seconds, reports = crawl(csv_path, workdir, args.timeout, on)
                connections[on].append(sum(len(accepted) for _, accepted in silent) - before)
                times[on].append(seconds)
                if reports != 10:
                    sys.exit(f"expected the 10 reports of the healthy portals, got {reports}")
    on, off = statistics.median(times[True]), statistics.median(times[False])
    print(f"fleet: 2 healthy, 4 silent, 2 refused, 2 unresolvable; DOWNLOAD_TIMEOUT={args.timeout:g} s; "
          f"{args.repeat} repetitions, medians")
    print(f"dead hosts given up on:  {on:6.1f} s wall, {statistics.median(connections[True]):.0f} connections "
          f"to the 4 silent servers")
    print(f"Scrapy's retries only:   {off:6.1f} s wall, {statistics.median(connections[False]):.0f} connections")
    print(f"ratio (on / off): {on / off:.2f}")


if __name__ == "__main__":
    main()
