"""Benchmark (not a test): how fast nianbao crawls, as ratios against a bare Scrapy
spider measured in the same run, on a loopback fleet of county portals (bench/fleet.py).

    /work/main/.venv/bin/python bench/throughput.py                     # 10 hosts, 1,000 reports, 3 reps
    /work/main/.venv/bin/python bench/throughput.py --hosts 3 --reports 60 --repeat 1

Every repetition runs, one after the other (interleaved, each in its own process, each
paying the same interpreter and Scrapy start-up):

    ours-crawl   nianbao crawl --no-parse, fresh archive    (only with nianbao.cli)
    bare         bench/bare_spider.py: same politeness settings, same links, bodies to SQLite
    ours-full    nianbao crawl (crawl + parse), fresh archive
    recrawl      nianbao crawl again on that archive (the fleet answers 304)
    bare         again, the baseline for ours-full and recrawl

Figures, min and median over the repetitions:
    (a) pages/s of ours-crawl and ours-full over the bare spider's   goals >= 0.8 and >= 0.5
    (c) wall time of the unchanged re-crawl over the bare full crawl's  goal <= 0.5
    (d) peak RSS of nianbao's crawl process (wait4 of the child)      goal <= 500 MB
    (b) parsing throughput: measured elsewhere, see parse_figures()
Pages = requests the fleet answered during the run (robots.txt included), so ours and
bare are counted the same way; pages/s = pages / wall time of the process.

The last line printed is one JSON object with every figure and whether each goal is met.

nianbao is run as ``python -m nianbao.cli`` when the repository has that module, else as
``python -m archive.cli`` (today's command: no --no-parse, so ours-crawl is skipped).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
# The repository root first, as for the crawls (PYTHONPATH = root): the venv's editable
# install of another checkout must not answer for nianbao / archive / crawler here.
sys.path.insert(0, str(ROOT))

from fleet import running_fleet, write_portals_csv  # noqa: E402

GOALS = {  # figure: (comparison, goal)
    "crawl_vs_bare": (">=", 0.8),
    "crawl_parse_vs_bare": (">=", 0.5),
    "recrawl_vs_bare_wall": ("<=", 0.5),
    "peak_rss_mb": ("<=", 500.0),
}
REPORT_GLOB = "*/xxgk/ndbg/*/t*.html"   # the fleet's report pages
ELAPSED = re.compile(r"'elapsed_time_seconds': ([\d.]+)")


# -- (b) hook ---------------------------------------------------------------------

def parse_documents(count: int) -> list[tuple[str, bytes, str]]:
    """(url, body, content type) of ``count`` report pages of the fleet, built in memory."""
    from fleet import build_site, load_bodies

    site, _ = build_site(0, "基准县", count, load_bodies())
    return [(f"http://127.0.0.21{path}", res.body, res.content_type) for path, res in sorted(site.items())
            if path.startswith("/xxgk/ndbg/2")][:count]


def parse_figures(args) -> dict:
    """(b) The parse stage (read the kept documents, parse them in the sandboxed workers, store
    every report) in documents/s, against bare ``trafilatura.extract`` on the same documents in
    this process; interleaved, ``--repeat`` times, with 1 worker and with one per core."""
    import trafilatura

    from archive.limits import Limits
    from archive.stage import parse_fetched
    from archive.store import Archive
    from archive.workers import ParsePool

    documents = parse_documents(args.parse_documents)
    workdir = Path(tempfile.mkdtemp(prefix="nianbao-parse-bench-"))
    archive = Archive(workdir / "parse.db")
    for url, body, ctype in documents:
        archive.save_fetched_report(url, "基准县", None, [{"url": url, "body": body, "content_type": ctype}])
    counts = sorted({1, max(1, min(os.cpu_count() or 1, 4))})
    samples: dict[str, list[float]] = {"bare": [], **{f"workers_{n}": [] for n in counts}}
    pools = {n: ParsePool(n, Limits()).__enter__() for n in counts}
    try:
        for n, pool in pools.items():  # warm: the workers import the parser once
            parse_fetched(archive, pool=pool, everything=True, refresh=False)
        for _ in range(args.repeat):
            started = time.monotonic()
            for _url, body, _ctype in documents:
                trafilatura.extract(body, include_tables=True)
            samples["bare"].append(len(documents) / (time.monotonic() - started))
            for n, pool in pools.items():
                started = time.monotonic()
                parsed = parse_fetched(archive, pool=pool, everything=True, refresh=False)
                assert parsed["documents"] == len(documents), parsed
                samples[f"workers_{n}"].append(len(documents) / (time.monotonic() - started))
    finally:
        for pool in pools.values():
            pool.__exit__(None, None, None)
        archive.close()
        shutil.rmtree(workdir, ignore_errors=True)
    bare = statistics.median(samples["bare"])
    figures = {"documents": len(documents),
               "bare_docs_per_s": {"min": round(min(samples["bare"]), 1), "median": round(bare, 1)}}
    for n in counts:
        values = samples[f"workers_{n}"]
        ratio = statistics.median(values) / bare
        goal = 0.8 * n
        figures[f"parse_{n}_workers_docs_per_s"] = {"min": round(min(values), 1),
                                                     "median": round(statistics.median(values), 1)}
        figures[f"parse_{n}_workers_vs_bare"] = {"median": round(ratio, 3), "goal": f">= {goal:g}",
                                                 "met": ratio >= goal}
    return figures


# -- running things ---------------------------------------------------------------

def nianbao_module() -> tuple[str, str | None]:
    """The command under test: ``python -m nianbao.cli``."""
    return "nianbao.cli", None


@dataclass
class Run:
    rep: int
    kind: str          # ours-crawl | bare | ours-full | recrawl
    wall: float = 0.0
    rc: int | None = None
    rss_mb: float = 0.0
    fleet: dict = field(default_factory=dict)
    elapsed: float | None = None   # spider open → close, from the log
    check: str = ""
    log: str = ""

    @property
    def pages(self) -> int:
        return self.fleet.get("requests", 0)

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.wall if self.wall else 0.0


def run_process(cmd: list[str], log_dir: Path, label: str, timeout: float) -> tuple[float, int, float]:
    """Run cmd (cwd = repository root, PYTHONPATH = root); returns (wall s, exit code, peak RSS MB)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with open(log_dir / f"{label}.out", "wb") as out, open(log_dir / f"{label}.err", "wb") as err:
        started = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=err)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        wall = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, proc.returncode, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def elapsed_from_log(path: Path) -> float | None:
    try:
        found = ELAPSED.findall(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None
    return float(found[-1]) if found else None


def count(db: Path, sql: str) -> int | None:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            return conn.execute(sql).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return None


def remove_db(db: Path) -> None:
    for path in db.parent.glob(db.name + "*"):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


# -- the benchmark ------------------------------------------------------------------

def median(values):
    return statistics.median(values) if values else None


def fmt(value, digits=2):
    return "-" if value is None else f"{value:.{digits}f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="nianbao crawl throughput against a bare Scrapy spider")
    parser.add_argument("--hosts", type=int, default=10, help="portals in the fleet (127.0.0.21, .22, …)")
    parser.add_argument("--reports", type=int, default=1000, help="reports in total, spread over the hosts")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions (at least 3 for figures to quote)")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds every fleet answer waits")
    parser.add_argument("--workdir", help="where archives and logs go (default: a new temporary directory)")
    parser.add_argument("--keep", action="store_true", help="keep the archives (logs are always kept)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds one crawl may take")
    parser.add_argument("--parse-documents", type=int, default=120,
                        help="report pages for (b), the parse stage against bare trafilatura")
    parser.add_argument("--only-parse", action="store_true", help="measure (b) only")
    args = parser.parse_args(argv)
    if args.only_parse:
        print(json.dumps(parse_figures(args), ensure_ascii=False))
        return 0

    module, note = nianbao_module()
    if note:
        print(f"note: {note}", flush=True)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="nianbao-throughput-"))
    workdir.mkdir(parents=True, exist_ok=True)
    portals_csv = workdir / "portals.csv"
    python = sys.executable
    plan = (["ours-crawl"] if module == "nianbao.cli" else []) + ["bare", "ours-full", "recrawl", "bare"]
    runs: list[Run] = []
    print(f"fleet: {args.hosts} hosts, {args.reports} reports; nianbao = python -m {module}; "
          f"{args.repeat} repetition(s) of {' → '.join(plan)}; workdir {workdir}", flush=True)

    with running_fleet(args.hosts, args.reports, args.delay) as fleet:
        write_portals_csv(fleet, portals_csv)
        planted = fleet.reports
        last_stats = {}
        for rep in range(1, args.repeat + 1):
            full_db = None
            for step, kind in enumerate(plan):
                label = f"r{rep}-{step}-{kind}"
                log = workdir / f"{label}.log"
                if kind == "bare":
                    db = workdir / f"{label}.db"
                    cmd = [python, str(BENCH / "bare_spider.py"), "--portals", str(portals_csv),
                           "--db", str(db), "--log-file", str(log)]
                else:
                    db = full_db if kind == "recrawl" else workdir / f"{label}.db"
                    cmd = [python, "-m", module, "crawl", "--portals", str(portals_csv), "--db", str(db),
                           "--log-file", str(log)] + (["--no-parse"] if kind == "ours-crawl" else [])
                    if kind == "ours-full":
                        full_db = db
                fleet.reset_stats()
                wall, rc, rss = run_process(cmd, workdir, label, args.timeout)
                run = Run(rep, kind, wall, rc, rss, fleet.totals(), elapsed_from_log(log), log=str(log))
                last_stats[kind] = fleet.stats()
                if kind in ("bare", "ours-crawl"):  # report pages kept (nianbao: not parsed yet)
                    got = count(db, f"SELECT count(DISTINCT url) FROM pages WHERE url GLOB '{REPORT_GLOB}'")
                    run.check = f"report pages kept {got}/{planted}"
                else:
                    got = count(db, "SELECT count(*) FROM reports")
                    run.check = f"reports {got}/{planted}"
                    if kind == "recrawl":
                        run.check += f", 304s {run.fleet.get('not_modified')}"
                if got is None:
                    run.check += " (could not count)"
                if (got is not None and got != planted) or rc != 0:
                    run.check += "  <-- CHECK"
                runs.append(run)
                print(f"  rep {rep} {kind:<10} {wall:7.1f} s  {run.pages:5d} pages  {run.pages_per_s:7.1f} pages/s"
                      f"  in flight ≤{run.fleet.get('max_in_flight')}  rss {rss:6.0f} MB  rc {rc}  {run.check}",
                      flush=True)
                if kind in ("bare", "ours-crawl") and not args.keep:
                    remove_db(db)
            if full_db is not None and not args.keep:
                remove_db(full_db)

    # -- figures -------------------------------------------------------------------
    def after(run_index, kind="bare"):
        """The next run of `kind` after runs[run_index] in the same repetition."""
        rep = runs[run_index].rep
        return next((r for r in runs[run_index + 1:] if r.rep == rep and r.kind == kind), None)

    crawl_ratio, full_ratio, recrawl_ratio = [], [], []
    for i, run in enumerate(runs):
        base = after(i)
        if base is None or not base.pages_per_s:
            continue
        if run.kind == "ours-crawl":
            crawl_ratio.append(run.pages_per_s / base.pages_per_s)
        elif run.kind == "ours-full":
            full_ratio.append(run.pages_per_s / base.pages_per_s)
        elif run.kind == "recrawl":
            recrawl_ratio.append(run.wall / base.wall)
    by_kind = {k: [r for r in runs if r.kind == k] for k in ("ours-crawl", "bare", "ours-full", "recrawl")}
    ours_rss = [r.rss_mb for r in runs if r.kind != "bare"]

    figures = {
        "pages_per_s_bare": [r.pages_per_s for r in by_kind["bare"]],
        "pages_per_s_crawl": [r.pages_per_s for r in by_kind["ours-crawl"]],
        "pages_per_s_crawl_parse": [r.pages_per_s for r in by_kind["ours-full"]],
        "crawl_vs_bare": crawl_ratio,
        "crawl_parse_vs_bare": full_ratio,
        "wall_s_bare": [r.wall for r in by_kind["bare"]],
        "wall_s_crawl": [r.wall for r in by_kind["ours-crawl"]],
        "wall_s_crawl_parse": [r.wall for r in by_kind["ours-full"]],
        "wall_s_recrawl": [r.wall for r in by_kind["recrawl"]],
        "recrawl_vs_bare_wall": recrawl_ratio,
        "startup_s_bare": [r.wall - r.elapsed for r in by_kind["bare"] if r.elapsed is not None],
        "startup_s_crawl": [r.wall - r.elapsed for r in by_kind["ours-crawl"] if r.elapsed is not None],
        "startup_s_crawl_parse": [r.wall - r.elapsed for r in by_kind["ours-full"] if r.elapsed is not None],
        "peak_rss_mb": ours_rss,
        "peak_rss_mb_bare": [r.rss_mb for r in by_kind["bare"]],
    }
    summary = {}
    for name, values in figures.items():
        entry = {"min": min(values) if values else None, "median": median(values),
                 "max": max(values) if values else None, "n": len(values)}
        if name in GOALS:
            op, goal = GOALS[name]
            # ratios are judged on the median; the peak RSS on the largest peak seen
            judged = entry["max"] if name == "peak_rss_mb" else entry["median"]
            entry.update(goal=f"{op} {goal}", met=None if judged is None else
                         (judged >= goal if op == ">=" else judged <= goal))
            if judged is None:
                entry["skipped"] = note if name == "crawl_vs_bare" else "no runs"
        summary[name] = entry
    parse = parse_figures(args)

    # -- printing ------------------------------------------------------------------
    print("\nfleet counters of the last run of each kind (per host: requests / 200 / 304 / 404 / "
          "max connections / max in flight):")
    for kind, per_host in last_stats.items():
        cells = "  ".join(f"{name[-2:]}:{h['requests']}/{h['ok']}/{h['not_modified']}/{h['not_found']}/"
                          f"{h['max_connections']}/{h['max_in_flight']}" for name, h in per_host.items())
        print(f"  {kind:<10} {cells}")

    labels = {
        "pages_per_s_bare": "(a) bare spider, pages/s",
        "pages_per_s_crawl": "(a) nianbao crawl --no-parse, pages/s",
        "pages_per_s_crawl_parse": "(a) nianbao crawl (+parse), pages/s",
        "crawl_vs_bare": "(a) crawl stage / bare",
        "crawl_parse_vs_bare": "(a) crawl + parse / bare",
        "wall_s_bare": "bare full crawl, wall s",
        "wall_s_crawl": "nianbao crawl --no-parse, wall s",
        "wall_s_crawl_parse": "nianbao crawl (+parse), wall s",
        "wall_s_recrawl": "nianbao unchanged re-crawl, wall s",
        "recrawl_vs_bare_wall": "(c) re-crawl wall / bare wall",
        "startup_s_bare": "bare: wall - spider elapsed, s",
        "startup_s_crawl": "nianbao --no-parse: wall - elapsed, s",
        "startup_s_crawl_parse": "nianbao: wall - spider elapsed, s",
        "peak_rss_mb": "(d) nianbao peak RSS, MB",
        "peak_rss_mb_bare": "bare peak RSS, MB",
    }
    print(f"\n{'figure':<40}{'min':>9}{'median':>9}{'max':>9}  {'goal':<8}{'met':<6}")
    for name, entry in summary.items():
        met = "" if "met" not in entry else ("-" if entry["met"] is None else ("yes" if entry["met"] else "NO"))
        print(f"{labels[name]:<40}{fmt(entry['min']):>9}{fmt(entry['median']):>9}{fmt(entry['max']):>9}  "
              f"{entry.get('goal', ''):<8}{met:<6}")
    print(f"{'(b) parsing throughput':<40}" + (json.dumps(parse, ensure_ascii=False) if parse
                                                else "measured elsewhere: parse_figures() hook returned nothing"))
    if note:
        print(f"note: {note}")
    checks = [f"rep {r.rep} {r.kind}: {r.check}" for r in runs if "CHECK" in r.check]
    for line in checks:
        print(f"warning: {line}")
    result = {
        "benchmark": "nianbao-throughput", "module": module, "hosts": args.hosts, "reports": planted,
        "repeat": args.repeat, "delay": args.delay, "workdir": str(workdir),
        "figures": summary, "parse": parse,
        "goals_met": {name: summary[name].get("met") for name in GOALS},
        "all_goals_met": all(summary[name].get("met") for name in GOALS),
        "runs": [{"rep": r.rep, "kind": r.kind, "wall_s": round(r.wall, 3), "pages": r.pages,
                  "pages_per_s": round(r.pages_per_s, 2), "rc": r.rc, "peak_rss_mb": round(r.rss_mb, 1),
                  "elapsed_s": r.elapsed, "not_modified": r.fleet.get("not_modified"),
                  "max_connections": r.fleet.get("max_connections"),
                  "max_in_flight": r.fleet.get("max_in_flight"),
                  "max_in_flight_per_host": r.fleet.get("max_in_flight_per_host"), "check": r.check}
                 for r in runs],
        "problems": checks,
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
