"""Benchmark (not a test): crawling on several machines, on one machine. A loopback fleet of
county portals (bench/fleet.py, one address per host), a real redis-server (tests/redis_server.py)
and ``nianbao crawl --redis`` with 1, 2 and 4 ``nianbao worker`` processes; the baseline is a
local ``nianbao crawl`` of the same fleet, measured in the same run.

    .venv/bin/python bench/distributed.py                        # 50 hosts, 2,000 reports
    .venv/bin/python bench/distributed.py --hosts 60 --reports 3000 --delay 0.1 --workers 1 2 4

Every crawl is fetch only (``--no-parse``: the parse stage is the same in both and is measured
by bench/parse_speed.py) into a fresh archive. The workers are started first and wait for the
crawl to be announced; the time measured is the wall time of the ``nianbao crawl`` process
(local, or the writer), start-up included on both sides. Pages = the pages recorded in the archive.

``--delay``: seconds each answer of the fleet waits, as a county server far away does; with
the per-host limit of 2 requests, a fleet of H hosts cannot answer faster than 2·H/delay pages/s.

The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

from fleet import running_fleet, write_portals_csv  # noqa: E402
from tests.redis_server import running_redis  # noqa: E402

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
CLI = [sys.executable, "-m", "nianbao.cli"]
# the same politeness for every crawl: per host 2 at once, AutoThrottle as configured
COMMON = ["--no-parse", "--quiet"]


def crawl_seconds(db: Path) -> tuple[int, float, int]:
    """(pages, seconds, requests) of the archive's crawl run (its row's times are whole seconds)."""
    with sqlite3.connect(str(db)) as conn:
        pages, started, finished, requests = conn.execute(
            "SELECT pages, started, finished, requests FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
    seconds = (datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds()
    return pages, max(seconds, 1.0), requests or 0


def local_crawl(csv_path: Path, workdir: Path) -> dict:
    db = workdir / "local.db"
    started = time.monotonic()
    done = subprocess.run([*CLI, "crawl", "--portals", str(csv_path), "--db", str(db), *COMMON,
                           "--log-file", str(workdir / "local.log")], cwd=ROOT, env=ENV, capture_output=True,
                          text=True)
    if done.returncode:
        raise SystemExit(f"the local crawl failed: {done.stderr[-2000:]}")
    seconds = time.monotonic() - started
    pages, _, requests = crawl_seconds(db)
    return {"pages": pages, "seconds": seconds, "pages_per_s": pages / seconds, "requests": requests}


def fleet_crawl(csv_path: Path, workdir: Path, workers: int, concurrency: int) -> dict:
    db = workdir / f"fleet{workers}.db"
    with running_redis(workdir / f"redis{workers}") as url:
        fetchers = [subprocess.Popen([*CLI, "worker", "--redis", url, "--wait", "300", "--concurrency", str(concurrency),
                                      "--log-file", str(workdir / f"worker{workers}-{i}.log")],
                                     cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     start_new_session=True)
                    for i in range(workers)]
        time.sleep(4)   # the workers are up and waiting
        started = time.monotonic()
        done = subprocess.run([*CLI, "crawl", "--portals", str(csv_path), "--db", str(db), "--redis", url, *COMMON,
                               "--log-file", str(workdir / f"writer{workers}.log")], cwd=ROOT, env=ENV,
                              capture_output=True, text=True)
        seconds = time.monotonic() - started
        for process in fetchers:
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        if done.returncode:
            raise SystemExit(f"the crawl with {workers} workers failed: {done.stderr[-2000:]}")
    pages, _, requests = crawl_seconds(db)
    return {"pages": pages, "seconds": seconds, "pages_per_s": pages / seconds, "requests": requests}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--delay", type=float, default=0.05, help="seconds each answer waits")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--concurrency", type=int, default=16, help="requests at once per worker")
    parser.add_argument("--keep", help="keep archives and logs in this directory")
    args = parser.parse_args(argv)
    workdir = Path(args.keep or tempfile.mkdtemp(prefix="nianbao-distributed-"))
    workdir.mkdir(parents=True, exist_ok=True)
    figures = {"hosts": args.hosts, "reports": args.reports, "delay": args.delay, "cores": os.cpu_count(),
               "concurrency_per_worker": args.concurrency}
    try:
        with running_fleet(args.hosts, args.reports, args.delay) as fleet:
            csv_path = workdir / "portals.csv"
            write_portals_csv(fleet, csv_path)
            figures["local"] = local_crawl(csv_path, workdir)
            print(f"local crawl    {figures['local']['pages']:6d} pages in {figures['local']['seconds']:6.1f} s: "
                  f"{figures['local']['pages_per_s']:6.1f} pages/s", flush=True)
            for workers in args.workers:
                fleet.reset_stats()
                run = fleet_crawl(csv_path, workdir, workers, args.concurrency)
                run["max_in_flight_per_host"] = fleet.totals()["max_in_flight_per_host"]
                figures[f"workers_{workers}"] = run
                print(f"{workers} worker(s)    {run['pages']:6d} pages in {run['seconds']:6.1f} s: "
                      f"{run['pages_per_s']:6.1f} pages/s, x{run['pages_per_s'] / figures['local']['pages_per_s']:.2f} "
                      f"of local; most requests at once on one host: {run['max_in_flight_per_host']}", flush=True)
        first = figures.get(f"workers_{args.workers[0]}")
        if first:
            figures["scaling"] = {f"{w}_over_{args.workers[0]}": figures[f"workers_{w}"]["pages_per_s"]
                                  / first["pages_per_s"] for w in args.workers}
            print("scaling over", args.workers[0], "worker(s):",
                  ", ".join(f"{w}: x{figures['scaling'][f'{w}_over_{args.workers[0]}']:.2f}" for w in args.workers))
        print(json.dumps(figures, ensure_ascii=False))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
