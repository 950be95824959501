"""The archive at national scale: build a synthetic archive of N reports through the
project's own write path, serve it with `nianbao serve`, and time the pages over HTTP.

    .venv/bin/python bench/scale.py --reports 100000
    .venv/bin/python bench/scale.py --reports 10000 100000      # and each page's 100k/10k ratio
    .venv/bin/python bench/scale.py --reports 100000 --replicate 10   # 1,000,000: 100k built, ×10 by SQL
    .venv/bin/python bench/scale.py --reports 6000 --statements       # what each statement costs a report

The reports are the labelled corpus (tests/corpus/), parsed once, then varied: agency, year
(2019–2024), portal (with its region code), every value, and a raw document of its own. The
build streams: one report at a time, a commit every 2,000, never N in memory. It is a
benchmark, not a test: the figures are medians of 5 requests over loopback HTTP. The last line
is JSON: {"reports": N, "bytes_per_report": …, "build_reports_per_s": …, "median_ms": {…}}.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive.parse import PARSER_VERSION, report_key  # noqa: E402
from archive.statistics import Cell  # noqa: E402
from archive.store import Archive, ParseResult, StoredDocument, raw_path  # noqa: E402
from crawler.portals import Portal  # noqa: E402
from tests.corpus.labelled import cases, parse_case  # noqa: E402

PROVINCES = [("11", "北京市"), ("31", "上海市"), ("32", "江苏省"), ("33", "浙江省"), ("35", "福建省"),
             ("37", "山东省"), ("41", "河南省"), ("44", "广东省"), ("51", "四川省"), ("53", "云南省")]
DEPARTMENTS = ["人民政府办公室", "财政局", "教育局", "卫生健康委员会", "自然资源局", "生态环境分局", "民政局",
               "人力资源和社会保障局", "住房和城乡建设局", "交通运输局", "市场监督管理局", "公安局", "司法局",
               "审计局", "统计局", "应急管理局", "城关镇人民政府", "新华街道办事处"]
PAGES = 5


def base_reports() -> list[tuple]:
    """(parsed report, raw body, content type) of every labelled case with a title."""
    found = []
    for folder in cases():
        expected, parsed = parse_case(folder)
        if parsed.title:
            found.append((parsed, (folder / expected["source"]).read_bytes(), expected.get("content_type")))
    return found


def portals(count: int) -> list[Portal]:
    out = []
    for i in range(count):
        code, province = PROVINCES[i % len(PROVINCES)]
        county = f"{code}{(i // len(PROVINCES)) % 90 + 1:02d}{i % 97 + 1:02d}"
        out.append(Portal(f"基准县{i:04d}", f"http://county{i:04d}.example.gov.cn/", county, province,
                          f"{province[:-1]}第{(i // len(PROVINCES)) % 90 + 1}市", "county"))
    return out


_SCALED: dict[tuple[int, int], list[Cell]] = {}


def scaled(parsed, factor: int) -> list[Cell]:
    """The report's values times ``factor`` (printed as such), made once per report and factor."""
    key = (id(parsed), factor)
    if key not in _SCALED:
        _SCALED[key] = [
            Cell(c.table, c.fields, value, str(value) if c.raw == str(c.value) else c.raw, c.source_table,
                 c.source_row, c.source_col)
            for c in parsed.cells
            for value in [c.value * factor if isinstance(c.value, (int, float)) else c.value]]
    return _SCALED[key]


def varied(parsed, body: bytes, i: int, portal: Portal, rng: random.Random):
    """One synthetic report: the base report under another agency, year and portal, every
    value scaled, and a raw document of its own."""
    year = 2019 + i % 6
    agency = f"{portal.name}{DEPARTMENTS[(i // len(PROVINCES)) % len(DEPARTMENTS)]}"
    title = f"{agency}{year}年政府信息公开工作年度报告（{i}）"
    factor = rng.choice([0, 1, 1, 2, 3, 5, 8])
    report = replace(parsed, key=report_key(title, ""), title=title, agency=agency, year=year,
                     template="2021" if year >= 2021 else "2019", cells=scaled(parsed, factor))
    return report, body + f"<!-- nianbao scale {i} -->".encode()


def build(db: Path, n: int, seed: int = 1) -> dict:
    for path in (db, Path(raw_path(str(db)))):
        if path.exists():
            path.unlink()
    rng = random.Random(seed)
    bases = base_reports()
    fleet = portals(max(10, n // 300))
    archive = Archive(db)
    archive.save_portals(fleet)
    started = time.monotonic()
    batch = 2000
    for start in range(0, n, batch):
        with archive.transaction():
            results = []
            for i in range(start, min(n, start + batch)):
                parsed, body, content_type = bases[i % len(bases)]
                portal = fleet[i % len(fleet)]
                report, raw = varied(parsed, body, i, portal, rng)
                url = f"{portal.url}xxgk/ndbg/{report.year}/t{i}.html"
                digest = archive.record_fetch(raw, {"url": url, "portal": portal.name, "kind": "report",
                                                    "status": 200, "content_type": content_type,
                                                    "bytes": len(raw), "via": "static",
                                                    "link_text": report.title})
                fetched = {"url": url, "portal": portal.name, "link_text": report.title}
                archive.save_fetched_report(url, portal.name, report.title,
                                            [{"url": url, "body": raw, "content_type": content_type}])
                results.append(ParseResult(
                    fetched, "report", [{"sha256": digest, "url": url, "status": "ok",
                                         "source_format": report.source_format}],
                    [{"url": url, "kind": "report"}], report, [StoredDocument(digest, url)]))
            archive.store_parses(results, PARSER_VERSION)
        print(f"  {min(n, start + batch):>9,} reports  {time.monotonic() - started:7.1f} s", flush=True)
    built = time.monotonic() - started
    archive.refresh_rollups()
    archive.db.execute("VACUUM")
    archive.close()
    total = time.monotonic() - started
    return {"reports": n, "bytes_per_report": round(db.stat().st_size / n),
            "raw_bytes_per_report": round(Path(raw_path(str(db))).stat().st_size / n),
            "build_reports_per_s": round(n / built), "build_seconds_with_rollups": round(total, 1)}


# Tables with one report's rows, and how a copy changes each column (SQL over the row; K is
# the copy's number, OFF its id offset). A copy is the same report on another portal.
COPIED = ["report_keys", "reports", "report_urls", "report_documents", "section_spans", "checks",
          "active_disclosure_values", "applications_values", "reviews_values", "legacy_stats_values",
          "value_sources", "report_summary", "fetched_reports"]


def _copy_expression(table: str, column: str) -> str:
    if (table, column) in (("report_keys", "id"), ("reports", "id")) or column == "report_id":
        return f"{column} + :off"
    if column in ("portal", "key"):
        return f"{column} || :suffix"
    if column in ("agency", "title", "list_title", "link_text"):
        return f"replace({column}, portal, portal || :suffix)" if table in ("reports", "report_summary", "fetched_reports") \
            else column
    if column == "url":
        return f"url || '#' || :k"
    return column


def replicate(db: Path, copies: int) -> dict:
    """Grow an archive built through the write path to ``copies``× its reports by SQL: each
    copy is every report again on a copy of every portal (new ids, portals, agencies, titles
    and URLs; the same text, values and raw documents). For timing pages at a size the build
    rate cannot reach in one session; the rows are what the write path writes, multiplied."""
    from archive.search import index_fields

    started = time.monotonic()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-2000000")
    (n,) = conn.execute("SELECT max(id) FROM reports").fetchone()
    columns = {t: [r[1] for r in conn.execute(f"PRAGMA table_info({t})")] for t in COPIED}
    base = list(conn.execute("SELECT id, title, agency, text, portal FROM reports ORDER BY id"))
    bodies = {rid: index_fields(None, None, text)[2] for rid, _, _, text, _ in base}
    for k in range(1, copies):
        params = {"off": k * n, "suffix": f"·{k}", "k": k}
        conn.execute("INSERT INTO portals SELECT name || :suffix, url || '#' || :k, host, region_code, province, "
                     "city, level FROM portals WHERE name NOT LIKE '%·%'", params)
        for table in COPIED:
            picks = ", ".join(_copy_expression(table, c) for c in columns[table])
            key = "id" if table in ("reports", "report_keys") else "report_id"
            conn.execute(f"INSERT INTO {table} ({', '.join(columns[table])}) SELECT {picks} FROM {table} "
                         f"WHERE {key} <= {n}", params)
        conn.executemany("INSERT INTO reports_fts(rowid, title, agency, body) VALUES (?, ?, ?, ?)",
                         ((rid + k * n, *index_fields((title or "").replace(portal or "", f"{portal}·{k}"),
                                                      (agency or "").replace(portal or "", f"{portal}·{k}"), "")[:2],
                           bodies[rid]) for rid, title, agency, _, portal in base))
        conn.commit()
        print(f"  copy {k}: {(k + 1) * n:>9,} reports  {time.monotonic() - started:7.1f} s", flush=True)
    conn.close()
    archive = Archive(db)
    archive.refresh_rollups()
    archive.close()
    conn = sqlite3.connect(db)
    conn.execute("VACUUM")
    conn.close()
    return {"reports": n * copies, "built_through_write_path": n, "copies": copies,
            "bytes_per_report": round(db.stat().st_size / (n * copies)),
            "replicate_seconds": round(time.monotonic() - started, 1)}


def pages(db: Path) -> dict[str, str]:
    """The pages and queries to time: name → path."""
    with sqlite3.connect(db) as conn:
        report_id = conn.execute("SELECT report_id FROM report_summary WHERE new_requests IS NOT NULL "
                                 "ORDER BY report_id DESC LIMIT 1").fetchone()[0]
        agency = conn.execute("SELECT agency FROM report_summary WHERE report_id = ?", [report_id]).fetchone()[0]
    name = db.stem  # Datasette names a database after its file
    metadata = json.loads((ROOT / "archive/datasette_plugin/metadata.json").read_text(encoding="utf-8"))
    queries = metadata["databases"]["archive"]["queries"]
    typical = {"year": "2022", "province": "浙江省", "agency": agency, "check_name": "balance", "q": "国家秘密"}
    out = {
        "home": "/",
        "search 2-char 涉密": f"/-/search?q={quote('涉密')}",
        "search 4-char 国家秘密": f"/-/search?q={quote('国家秘密')}",
        "search traditional 國家秘密": f"/-/search?q={quote('國家秘密')}",
        "search no match": f"/-/search?q={quote('无此词语')}",
        "reports?_search=国家秘密": f"/{name}/reports?_search={quote('国家秘密')}",
        "report page": f"/-/report/{report_id}",
    }
    for query in queries:
        params = "&".join(f"{k}={quote(v)}" for k, v in typical.items()
                          if f":{k}" in queries[query]["sql"])
        out[f"query {query}"] = f"/{name}/{query}?{params}"
    for table in ("report_summary", "coverage", "year_totals", "refusal_reasons"):
        column = "to_year" if table == "year_changes" else "year"
        out[f"view {table}?year=2022"] = f"/{name}/{table}?{column}=2022"
    out["view year_changes?to_year=2022"] = f"/{name}/year_changes?to_year=2022"
    return out


def time_pages(db: Path, port: int, repeat: int = 5) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([sys.executable, "-m", "nianbao.cli", "serve", "--db", str(db), "--port", str(port)],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600  # the first start computes the inspect file
        while True:
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=5).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("nianbao serve did not start")
                time.sleep(0.5)
        medians = {}
        for name, path in pages(db).items():
            times, status = [], None
            try:
                urllib.request.urlopen(base + path, timeout=60).read()  # warm
            except urllib.error.HTTPError:
                pass
            for _ in range(repeat):
                started = time.monotonic()
                try:
                    with urllib.request.urlopen(base + path, timeout=60) as response:
                        response.read()
                        status = response.status
                except urllib.error.HTTPError as error:
                    status = error.code
                times.append((time.monotonic() - started) * 1000)
            medians[name] = round(statistics.median(times), 1)
            flag = "" if status == 200 else f"  HTTP {status}"
            print(f"  {name:<42} {medians[name]:>9.1f} ms{flag}", flush=True)
        return medians
    finally:
        server.terminate()
        server.wait(timeout=10)


class TimedConnection(sqlite3.Connection):
    """A connection that adds up the time each statement takes (``--statements``)."""
    seconds: Counter = Counter()
    calls: Counter = Counter()

    def _timed(self, name: str, call, *args):
        started = time.perf_counter()
        try:
            return call(*args)
        finally:
            TimedConnection.seconds[name] += time.perf_counter() - started
            TimedConnection.calls[name] += 1

    def execute(self, sql, *args):
        return self._timed(" ".join(sql.split())[:70], super().execute, sql, *args)

    def executemany(self, sql, *args):
        return self._timed("(many) " + " ".join(sql.split())[:63], super().executemany, sql, *args)

    def commit(self):
        return self._timed("COMMIT", super().commit)


def build_timing_statements(db: Path, n: int) -> dict:
    """:func:`build` with every statement of the write path timed: prints the costliest
    per report (what only the one SQLite writer can do)."""
    connect = sqlite3.connect
    sqlite3.connect = lambda *args, **kwargs: connect(*args, factory=TimedConnection, **kwargs)
    try:
        result = build(db, n)
    finally:
        sqlite3.connect = connect
    print(f"statements, per report ({n:,} reports; the build's rollups and VACUUM included):")
    for name, seconds in TimedConnection.seconds.most_common(20):
        print(f"  {seconds / n * 1e6:7.0f} µs  {TimedConnection.calls[name] / n:6.2f}×  {name}")
    print(f"  {sum(TimedConnection.seconds.values()) / n * 1e6:7.0f} µs  in all")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, nargs="+", default=[100_000])
    parser.add_argument("--workdir", default="var/scale")
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--reuse", action="store_true", help="time an archive already built")
    parser.add_argument("--statements", action="store_true",
                        help="only build the first size, timing each statement of the write path")
    parser.add_argument("--replicate", type=int, default=0, metavar="K",
                        help="then grow the largest archive K× by SQL copies (see replicate()) and time it too")
    args = parser.parse_args()
    results = []
    Path(args.workdir).mkdir(parents=True, exist_ok=True)
    if args.statements:
        n = args.reports[0]
        print(json.dumps(build_timing_statements(Path(args.workdir) / f"scale-{n}.db", n)))
        return 0
    if args.replicate > 1:
        n = args.reports[-1]
        source, db = Path(args.workdir) / f"scale-{n}.db", Path(args.workdir) / f"scale-{n * args.replicate}.db"
        if not (args.reuse and db.exists()):
            if not source.exists():
                build(source, n)
            import shutil

            shutil.copyfile(source, db)
            shutil.copyfile(raw_path(str(source)), raw_path(str(db)))
            print(f"replicating {n:,} reports {args.replicate}× into {db}", flush=True)
            result = replicate(db, args.replicate)
        else:
            result = {"reports": n * args.replicate, "bytes_per_report": round(db.stat().st_size / (n * args.replicate))}
        print(f"  {result}", flush=True)
        result["median_ms"] = time_pages(db, args.port)
        print(json.dumps(result, ensure_ascii=False))
        return 0
    for n in args.reports:
        db = Path(args.workdir) / f"scale-{n}.db"
        db.parent.mkdir(parents=True, exist_ok=True)
        print(f"building {n:,} reports into {db}", flush=True)
        result = {"reports": n} if args.reuse and db.exists() else build(db, n)
        if args.reuse and db.exists():
            result["bytes_per_report"] = round(db.stat().st_size / n)
        print(f"  {result}", flush=True)
        result["median_ms"] = time_pages(db, args.port)
        results.append(result)
    if len(results) > 1:
        small, big = results[0], results[-1]
        print(f"\nratio {big['reports']:,}/{small['reports']:,} reports ({big['reports'] / small['reports']:g}×):")
        for name, ms in big["median_ms"].items():
            print(f"  {name:<42} {ms / max(small['median_ms'][name], 0.1):>7.2f}×")
        results[-1]["growth_vs_smallest"] = {name: round(ms / max(small["median_ms"][name], 0.1), 2)
                                             for name, ms in big["median_ms"].items()}
    print(json.dumps(results[-1], ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
