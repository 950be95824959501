"""nianbao: crawl Chinese government information-disclosure annual reports into an
archive, parse them, and publish the archive with Datasette.

    nianbao crawl --portals PORTALS.csv --db ARCHIVE.db   fetch, keep, and parse (alongside)
    nianbao crawl ... --redis redis://HOST:6379/0        the same, fetched by workers on many machines
    nianbao worker --redis redis://HOST:6379/0           a worker: fetch for the crawl on that Redis
    nianbao parse --db ARCHIVE.db [--workers N] [--all]  parse what is not parsed yet
    nianbao serve --db ARCHIVE.db [--port 8001]          publish it, read-only
    nianbao demo                                         offline demo portals, crawled and served

The stages: the crawl (Scrapy) fetches and keeps raw documents; the parse stage parses
them in sandboxed worker processes with limits; Datasette publishes the tables parsing
materialised. This module only wires them.

Exit codes: 0 done; 1 done, but some pages or documents failed, a portal reached its page
budget, or a portal raised a layout-changed alarm (see the ``pages``, ``document_parses``,
``crawl_runs`` and ``alarms`` tables); 2 bad
usage (one line says why; nothing written); 3 another crawl holds the archive's lock.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import sys
import tempfile
import time
from collections import Counter
from importlib import resources
from pathlib import Path

from archive.limits import Limits
from crawler.portals import PortalsFileError, SelectionError, read_portals, select_portals, write_portals
from nianbao.console import Progress, Summary, show

EXIT_OK, EXIT_FAILURES, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 3
DEFAULT_WORKERS = max(1, min(4, (os.cpu_count() or 2)))


class UsageError(Exception):
    """Bad usage: one line, exit code 2."""


def _archive_path(db: str, must_exist: bool = False) -> str:
    path = Path(db)
    if must_exist and not path.is_file():
        raise UsageError(f"no archive at {db}")
    if not path.parent.is_dir():
        raise UsageError(f"the directory of {db} does not exist: {path.parent}")
    return db


# -- crawl -----------------------------------------------------------------------------

def default_log(db: str) -> str:
    return str(Path(db).with_suffix(".crawl.log"))


def crawl(portals: str, db: str, *, log_file: str | None = None, settings: dict | None = None,
          resume: bool = False, parse: bool = True, workers: int = DEFAULT_WORKERS,
          limits: Limits = Limits(), output: str = "text", verbose: bool = False,
          province: str | None = None, level: str | None = None, limit: int | None = None,
          redis_url: str | None = None, from_wacz: str | None = None) -> int:
    """Crawl every portal of the portals file into the archive, parsing alongside unless
    ``parse`` is false; returns an exit code. With ``resume``, the crawl keeps its queue in
    ``DB.job`` (Scrapy JOBDIR) and a crawl that was killed continues where it stopped.
    ``province``, ``level`` and ``limit`` select portals of the file (see ``select_portals``).
    The Scrapy log goes to ``log_file`` (default: beside the archive, ``DB.crawl.log``), or
    with ``verbose`` to the terminal; the terminal gets a progress line and a summary
    (``output``: text, json or quiet). With ``redis_url``, the pages are fetched by ``nianbao
    worker`` processes sharing that Redis server, and this process only seeds, stores and
    parses (:mod:`crawler.distributed`); ``resume`` then continues the crawl kept in Redis.
    With ``from_wacz``, every answer comes from that capture, none from the network
    (:mod:`crawler.replay`); a WACZ that cannot be used is refused before anything is written."""
    started = time.monotonic()
    try:
        listed = read_portals(portals)
        selected = select_portals(listed, province, level, limit)
        _archive_path(db)
        if redis_url:
            _check_redis(redis_url)
        if from_wacz:
            settings = {**(settings or {}), **_replay_settings(from_wacz, redis_url)}
    except (PortalsFileError, SelectionError, UsageError) as error:
        print(f"nianbao: {error}", file=sys.stderr)
        return EXIT_USAGE
    if log_file is None and not verbose:
        log_file = default_log(db)
    options = dict(log_file=log_file, settings=settings, resume=resume, parse=parse, workers=workers,
                   limits=limits, output=output, started=started, redis_url=redis_url)
    if len(selected) == len(listed):
        return _crawl(portals, db, len(selected), **options)
    handle, selection = tempfile.mkstemp(prefix="nianbao-portals-", suffix=".csv")
    os.close(handle)
    try:
        write_portals(selected, selection)
        return _crawl(selection, db, len(selected), **options)
    finally:
        os.unlink(selection)


def _crawl(portals, db, count, *, log_file, settings, resume, parse, workers, limits, output, started,
           redis_url=None) -> int:
    lock = open(f"{db}.lock", "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"nianbao: another crawl is writing {db}; not starting", file=sys.stderr)
        return EXIT_LOCKED
    settings = dict(settings or {})
    if resume and not redis_url:
        from crawler.jobdir import discard_if_damaged

        settings["JOBDIR"] = f"{db}.job"
        if discard_if_damaged(settings["JOBDIR"]):
            print(f"nianbao: the saved queue in {db}.job was damaged; finding the pages again",
                  file=sys.stderr)
    try:
        from archive.store import Archive

        Archive(db).close()  # schema and migrations before any stage opens it
        stage = None
        if parse:
            from archive.stage import ParseAlongside

            stage = ParseAlongside(db, workers=workers, limits=limits)
            stage.start_and_wait()
        parsed_so_far = (lambda: sum(stage.counts[k] for k in PARSED_KINDS)) if stage else None
        if redis_url:
            stats = _run_writer(portals, db, log_file, settings, redis_url, resume)
        else:
            stats = _run_spider(portals, db, log_file, settings,
                                progress=(count, parsed_so_far) if output != "quiet" else None)
        try:
            parsed = stage.finish() if stage else None
        except Exception as error:  # what was fetched is kept; parsing can be run again
            print(f"nianbao: the parse stage failed ({type(error).__name__}: {error}); what was fetched "
                  f"is kept: run `nianbao parse --db {db}`", file=sys.stderr)
            _finish_crawl(db, stats, None)
            parsed, code = None, EXIT_FAILURES
        else:
            code = _finish_crawl(db, stats, parsed)
        show(crawl_summary(db, stats, parsed, code, time.monotonic() - started, log_file), output)
        return code
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


def _run_spider(portals, db, log_file, overrides, progress=None) -> dict:
    from scrapy.crawler import CrawlerProcess

    settings = _crawl_settings(db, log_file, overrides)
    settings.set("LOG_INSTALL_ROOT_HANDLER", True, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler("reports")
    # Scrapy's signals hold their receivers weakly: the progress line lives as long as the crawl
    line = Progress(crawler, portals=progress[0], parsed=progress[1]) if progress is not None else None
    process.crawl(crawler, portals=portals)
    process.start()
    del line
    return crawler.stats.get_stats()


def _crawl_settings(db, log_file, overrides):
    """The project's Scrapy settings, with the archive, the log file and ``-s`` overrides."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("ARCHIVE_DB", db, priority="cmdline")
    if log_file:
        settings.set("LOG_FILE", log_file, priority="cmdline")
    for key, value in overrides.items():
        settings.set(key, value, priority="cmdline")
    return settings


def _replay_settings(path: str, redis_url: str | None) -> dict:
    """The settings of a crawl against a capture, once the capture is checked."""
    from crawler.replay import CaptureError, capture_index

    if redis_url:
        raise UsageError("--from-wacz and --redis cannot be combined")
    try:
        capture_index(path)
    except CaptureError as error:
        raise UsageError(str(error)) from None
    return {"NIANBAO_FROM_WACZ": path, "NIANBAO_CAPTURE": False, "DOWNLOAD_DELAY": 0,
            "NIANBAO_CONDITIONAL_REQUESTS": False, "NIANBAO_REVISIT_DAYS": 0}


def _check_redis(url: str) -> None:
    from crawler.distributed import Fleet, FleetError

    try:
        Fleet(url).redis.close()
    except FleetError as error:
        raise UsageError(str(error)) from None


def _run_writer(portals, db, log_file, overrides, redis_url, resume) -> dict:
    """The writer of a distributed crawl: seed, store what the workers fetched, until done."""
    import logging

    from crawler.distributed import Fleet, FleetWriter

    if log_file:
        logging.basicConfig(filename=log_file, level=logging.INFO,
                            format="%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    writer = FleetWriter(Fleet(redis_url), db, portals, _crawl_settings(db, log_file, overrides), resume=resume,
                         shared={k: v for k, v in overrides.items() if k not in ("LOG_FILE", "JOBDIR", "ARCHIVE_DB")})
    writer.open()
    return writer.run()


def _finish_crawl(db: str, stats: dict, parsed) -> int:
    from archive.store import Archive

    archive = Archive(db)
    run_id = stats.get("nianbao/run_id")
    failed_documents = parsed["failed_documents"] if parsed else 0
    if run_id is not None and parsed is not None:
        errors = (stats.get("nianbao/errors") or 0) + failed_documents
        archive.update_run(run_id, new_reports=parsed["new"], changed_reports=parsed["changed"],
                           failed_documents=failed_documents, errors=errors,
                           **({"exit_status": "errors"} if failed_documents else {}))
    archive.close()
    failed = (stats.get("finish_reason") != "finished" or stats.get("nianbao/errors")
              or stats.get("nianbao/budget_refused") or failed_documents or stats.get("nianbao/alarms"))
    return EXIT_FAILURES if failed else EXIT_OK


PARSED_KINDS = ("new", "changed", "unchanged", "not-report", "failed")


def crawl_summary(db: str, stats: dict, parsed, code: int, seconds: float, log_file: str | None) -> Summary:
    """The crawl's summary from its ``crawl_runs`` row, the parse counts and its alarms."""
    import sqlite3

    summary = Summary("crawl", code, seconds, db, log=log_file, pages=0)
    run_id = stats.get("nianbao/run_id")
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        conn.row_factory = sqlite3.Row
        run = conn.execute("SELECT * FROM crawl_runs WHERE id = ?", [run_id]).fetchone() if run_id else None
        if run is not None:
            summary.portals, summary.pages = run["portals"], run["pages"] or 0
            summary.not_modified, summary.browser_renders = run["not_modified"], run["browser_renders"]
            summary.over_budget = [p for p in (run["over_budget"] or "").split(",") if p]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "alarms" in tables:
                columns = {r[1] for r in conn.execute("PRAGMA table_info(alarms)")}
                if {"run_id", "message"} <= columns:
                    summary.alarms = [r[0] for r in conn.execute(
                        "SELECT message FROM alarms WHERE run_id = ? ORDER BY rowid", [run_id])]
    summary.failed_pages = stats.get("nianbao/errors") or 0
    if parsed:
        _add_parse_counts(summary, parsed)
    return summary


def _add_parse_counts(summary: Summary, counts) -> None:
    summary.reports_new, summary.reports_changed = counts["new"], counts["changed"]
    summary.reports_unchanged, summary.not_reports = counts["unchanged"], counts["not-report"]
    summary.failed_documents, summary.limits_hit = counts["failed_documents"], counts["limits_hit"]


# -- parse -----------------------------------------------------------------------------

def parse(db: str, *, workers: int = DEFAULT_WORKERS, everything: bool = False,
          limits: Limits = Limits()) -> tuple[int, Counter]:
    """Parse every fetched report not parsed with the current parser version (or all)."""
    from archive.stage import parse_archive
    from archive.store import raw_path

    _archive_path(db, must_exist=True)
    if not Path(raw_path(db)).exists():
        raise UsageError(f"no raw documents beside {db} (expected {raw_path(db)}); nothing to parse from")
    lock = open(f"{db}.lock", "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"nianbao: a crawl is writing {db}; not parsing", file=sys.stderr)
        return EXIT_LOCKED, Counter()
    try:
        counts = parse_archive(db, workers=workers, limits=limits, everything=everything)
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()
    return (EXIT_FAILURES if counts["failed_documents"] else EXIT_OK), counts


# -- serve -----------------------------------------------------------------------------

def metadata_for(db: str) -> Path:
    """The shipped Datasette metadata describes the database "archive"; Datasette names a
    database after its file, so write a copy keyed by this file's name."""
    shipped = resources.files("archive.datasette_plugin").joinpath("metadata.json")
    metadata = json.loads(shipped.read_text(encoding="utf-8"))
    metadata["databases"] = {Path(db).stem: metadata["databases"]["archive"]}
    path = Path(tempfile.gettempdir()) / f"nianbao-metadata-{Path(db).stem}-{os.getpid()}.json"
    path.write_text(json.dumps(metadata, ensure_ascii=False), encoding="utf-8")
    return path


def inspect_file(db: str) -> Path:
    """Datasette's inspect data for the archive (table row counts), computed once per version
    of the file and kept beside it (or in the temporary directory), so that no page counts
    millions of rows."""
    from datasette.cli import cli as datasette_cli

    source = Path(db)
    beside = source.with_suffix(".inspect.json")
    target = beside if os.access(source.parent, os.W_OK) else \
        Path(tempfile.gettempdir()) / f"nianbao-{source.stem}.inspect.json"
    if not target.exists() or target.stat().st_mtime < source.stat().st_mtime:
        datasette_cli.main(["inspect", db, "--inspect-file", str(target)], prog_name="datasette",
                           standalone_mode=False)
        data = json.loads(target.read_text(encoding="utf-8"))
        target.write_text(json.dumps({Path(db).stem: next(iter(data.values()))}), encoding="utf-8")
    return target


def serve_args(db: str, port: int, host: str = "127.0.0.1") -> list[str]:
    """Datasette's command line for a read-only archive."""
    return ["serve", "--immutable", db, "--metadata", str(metadata_for(db)), "--host", host,
            "--port", str(port), "--inspect-file", str(inspect_file(db)),
            "--setting", "sql_time_limit_ms", "3000", "--setting", "max_returned_rows", "2000",
            "--setting", "allow_download", "off", "--setting", "suggest_facets", "off",
            "--setting", "facet_time_limit_ms", "300"]


def serve(db: str, port: int, host: str = "127.0.0.1", replay_port: int | None = None) -> None:
    """Publish the archive with Datasette; with ``replay_port``, pywb replays the capture beside
    it and each report page links to the page as captured (:mod:`archive.replay_server`)."""
    from datasette.cli import cli as datasette_cli

    _archive_path(db, must_exist=True)
    replay = None
    if replay_port:
        from archive.replay_server import COLLECTION, ReplayError, start_replay

        try:
            replay = start_replay(db, replay_port, host)
        except ReplayError as error:
            raise UsageError(str(error)) from None
        os.environ["NIANBAO_REPLAY_URL"] = f"http://{host}:{replay_port}/{COLLECTION}"
        print(f"nianbao: the pages as captured at http://{host}:{replay_port}/{COLLECTION}/", flush=True)
    print(f"nianbao: serving {db} at http://{host}:{port}/", flush=True)
    try:
        datasette_cli.main(serve_args(db, port, host), prog_name="datasette")
    finally:
        if replay is not None:
            replay.terminate()


# -- export ----------------------------------------------------------------------------

def export(db: str, wacz: str, portal: str | None = None, since: str | None = None) -> int:
    """Pack the archive's capture (or the part for ``portal`` / since ``since``) as one WACZ."""
    from archive.export import ExportError, export_wacz

    if not Path(db).exists():
        raise UsageError(f"no archive at {db}")
    try:
        done = export_wacz(db, wacz, portal, since)
    except ExportError as error:
        print(f"nianbao: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(f"nianbao export: {done.records} records from {done.warc_files} capture file(s), "
          f"{done.pages} report pages → {done.path}")
    return EXIT_OK


# -- worker ----------------------------------------------------------------------------

def worker(redis_url: str, concurrency: int | None = None, wait_seconds: float | None = None,
           overrides: dict | None = None, log_file: str | None = None) -> int:
    """Fetch for the distributed crawl announced on ``redis_url`` until it is done."""
    from crawler.distributed import run_worker

    _check_redis(redis_url)
    code = run_worker(redis_url, concurrency=concurrency, wait_seconds=wait_seconds, overrides=overrides,
                      log_file=log_file)
    if code:
        print(f"nianbao: no crawl was announced on the Redis server within {wait_seconds:g} s", file=sys.stderr)
    return code


# -- demo ------------------------------------------------------------------------------

def demo(db: str, port: int, portal_port: int) -> int:
    """Start the offline portals, crawl them into DB, and serve the archive while the portals
    stay up (so every "original page" link answers) until Ctrl-C."""
    from nianbao.demo.server import running_portals, write_portals_csv

    Path(db).parent.mkdir(parents=True, exist_ok=True)
    csv_path = Path(db).with_suffix(".portals.csv")
    with running_portals(port=portal_port) as portals:
        write_portals_csv(portals, csv_path)
        for portal in portals:
            print(f"nianbao demo: offline portal {portal.name:<10} {portal.url}", flush=True)
        code = crawl(str(csv_path), db)
        if code not in (EXIT_OK, EXIT_FAILURES):
            return code
        wacz = str(Path(db).with_suffix(".wacz"))
        if export(db, wacz) == EXIT_OK:
            print(f"nianbao demo: the pages as captured, in {wacz}: open it in https://replayweb.page "
                  "(\"Choose File\"); check it with `.venv/bin/wacz validate -f {wacz}`", flush=True)
        print(f"nianbao demo: the archive at http://127.0.0.1:{port}/ — the portals above stay up "
              "while it is served; Ctrl-C stops both", flush=True)
        serve(db, port)
    return EXIT_OK


# -- the command -----------------------------------------------------------------------

def _add_parse_options(parser) -> None:
    defaults = Limits()
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS,
                        help=f"parse worker processes (default {DEFAULT_WORKERS})")
    parser.add_argument("--parse-seconds", type=float, default=defaults.wall_seconds,
                        help=f"wall time one document may take to parse (default {defaults.wall_seconds:g})")
    parser.add_argument("--parse-memory-mb", type=int, default=defaults.address_space >> 20,
                        help=f"address space of a parse worker, MiB (default {defaults.address_space >> 20})")


def _limits(args) -> Limits:
    return Limits(wall_seconds=args.parse_seconds, address_space=args.parse_memory_mb << 20)


EXAMPLES = {
    "crawl": """examples:
  nianbao crawl --portals portals.csv --db var/archive.db
      fetch every portal's reports, parse them alongside; log in var/archive.crawl.log
  nianbao crawl --portals portals.csv --db var/archive.db --resume --json
      continue a crawl that was killed; print the summary as JSON (for cron and scripts)
  nianbao crawl --portals portals.csv --db var/archive.db --no-parse -s NIANBAO_PAGE_BUDGET=500
      fetch only (parse later with `nianbao parse`), at most 500 pages a portal
  nianbao crawl --portals portals/registry.csv --province 广东省 --level county --limit 20 --db var/gd.db
      the first 20 county portals of Guangdong in the national registry
  nianbao crawl --portals portals.csv --db var/archive.db --redis redis://:PASSWORD@10.0.0.5:6379/0
      seed the shared queue, store and parse what `nianbao worker` processes fetch
  nianbao crawl --portals portals.csv --db var/archive.db --verbose
      show Scrapy's log on the terminal instead of the log file""",
    "parse": """examples:
  nianbao parse --db var/archive.db
      parse what the crawl fetched and this parser version has not parsed yet
  nianbao parse --db var/archive.db --all --workers 2
      re-parse every report (after upgrading nianbao), with two worker processes
  nianbao parse --db var/archive.db --parse-seconds 120 --parse-memory-mb 2048
      give each document more time and memory (big scanned PDFs)""",
    "reparse": """examples:
  nianbao reparse --db var/archive.db
      re-parse every kept document, as `nianbao parse --all` does
  nianbao reparse --db var/archive.db --json
      and print the counts as JSON""",
    "export": """examples:
  nianbao export --db var/archive.db --wacz var/archive.wacz
      every captured page, for ReplayWeb.page (https://replayweb.page, "open a local file")
  nianbao export --db var/archive.db --wacz 示例县.wacz --portal 示例县 --since 2026-01-01
      one portal's pages fetched since that day""",
    "worker": """examples:
  nianbao worker --redis redis://:PASSWORD@10.0.0.5:6379/0
      fetch for the crawl that `nianbao crawl --redis` started on that server; exit when it is done
  nianbao worker --redis redis://:PASSWORD@10.0.0.5:6379/0 --concurrency 64 --log-file worker.log
      more requests at once (the per-host limit holds for the whole fleet)""",
    "serve": """examples:
  nianbao serve --db var/archive.db
      publish the archive at http://127.0.0.1:8001/ (read-only)
  nianbao serve --db var/archive.db --host 0.0.0.0 --port 8080
      publish it to the network (put a reverse proxy with TLS in front)""",
    "demo": """examples:
  nianbao demo
      start the offline demo portals, crawl them into var/archive.db, serve it on port 8001
  nianbao demo --db /tmp/try.db --port 8002 --portal-port 8801
      the same elsewhere (make demo DB=… PORT=… PORTAL_PORT=… does this too)""",
}


def _output(args) -> str:
    return "json" if getattr(args, "json", False) else ("quiet" if getattr(args, "quiet", False) else "text")


def _add_output_options(parser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    group.add_argument("--quiet", action="store_true", help="print nothing but errors")


def _subcommand(commands, name: str, help_text: str):
    return commands.add_parser(name, help=help_text, description=help_text, epilog=EXAMPLES[name],
                               formatter_class=argparse.RawDescriptionHelpFormatter)  # class: the parent's


class _Parser(argparse.ArgumentParser):
    """Bad usage is one line (and exit 2), as every other error."""

    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="nianbao", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1] + "\n`nianbao COMMAND --help` shows "
                                     "each command's options and examples.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    c = _subcommand(commands, "crawl", "fetch the portals' reports into the archive, and parse them")
    c.add_argument("--portals", required=True,
                   help="CSV with name,url[,region_code,province,city,level] (one portal a line)")
    c.add_argument("--db", required=True, help="the archive (SQLite file; created if missing)")
    c.add_argument("--province", help="only the portals of this province, as the file writes it (广东省)")
    c.add_argument("--level", help="only the portals of this level, as the file writes it (province, city, county)")
    c.add_argument("--limit", type=int, help="only the first N portals (after --province and --level)")
    c.add_argument("--log-file", help="the crawl's log (default: beside the archive, DB.crawl.log)")
    c.add_argument("--verbose", action="store_true", help="Scrapy's log on the terminal instead of the log file")
    c.add_argument("--no-robots", action="store_true", help="do not obey robots.txt")
    c.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                   help="override a setting of crawler/settings.py, as scrapy -s does")
    c.add_argument("--resume", action="store_true",
                   help="keep the crawl's queue in DB.job and continue a crawl that was killed")
    c.add_argument("--redis", metavar="URL",
                   help="crawl with `nianbao worker` processes sharing this Redis server "
                        "(redis://[:password@]host:port/db); this process stores and parses")
    c.add_argument("--from-wacz", metavar="FILE",
                   help="crawl against this capture (a WACZ from `nianbao export`) with no network")
    c.add_argument("--no-parse", action="store_true",
                   help="only fetch and keep; parse later with `nianbao parse`")
    _add_parse_options(c)
    _add_output_options(c)
    x = _subcommand(commands, "export", "pack the captured pages as one WACZ (replay, evidence)")
    x.add_argument("--db", required=True, help="the archive (its capture is in ARCHIVE.warc/)")
    x.add_argument("--wacz", required=True, metavar="FILE", help="the WACZ to write")
    x.add_argument("--portal", help="only this portal's pages")
    x.add_argument("--since", metavar="DATE", help="only pages fetched on or after this day (2026-01-31)")
    w = _subcommand(commands, "worker", "fetch for a distributed crawl (`nianbao crawl --redis`)")
    w.add_argument("--redis", required=True, metavar="URL", help="the crawl's Redis server")
    w.add_argument("--concurrency", type=int, help="requests at once (default CONCURRENT_REQUESTS)")
    w.add_argument("--wait", type=float, help="give up after this many seconds if no crawl is announced "
                                              "(default: wait)")
    w.add_argument("--log-file", help="Scrapy's log (default: the terminal)")
    w.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                   help="override a setting of crawler/settings.py")
    p = _subcommand(commands, "parse", "parse the fetched documents not parsed by this version yet")
    p.add_argument("--db", required=True, help="the archive (SQLite file, must exist)")
    p.add_argument("--all", action="store_true", help="re-parse everything (rebuilds every derived table)")
    _add_parse_options(p)
    _add_output_options(p)
    r = _subcommand(commands, "reparse", "re-parse every kept document (the same as `parse --all`)")
    r.add_argument("--db", required=True, help="the archive (SQLite file, must exist)")
    _add_parse_options(r)
    _add_output_options(r)
    s = _subcommand(commands, "serve", "publish the archive with Datasette (read-only)")
    s.add_argument("--db", required=True, help="the archive (SQLite file, must exist)")
    s.add_argument("--port", type=int, default=8001, help="port to listen on (default 8001)")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    s.add_argument("--replay", action="store_true",
                   help="also replay the capture with pywb; report pages link to the page as captured")
    s.add_argument("--replay-port", type=int, default=8081, help="pywb's port (default 8081)")
    d = _subcommand(commands, "demo", "start the offline demo portals, crawl them, and serve the archive")
    d.add_argument("--db", default="var/archive.db", help="the demo archive (default var/archive.db)")
    d.add_argument("--port", type=int, default=8001, help="Datasette's port (default 8001)")
    d.add_argument("--portal-port", type=int, default=8701,
                   help="port of the offline portals, one loopback address each (default 8701)")
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "crawl":
            overrides = dict(item.split("=", 1) for item in args.set if "=" in item)
            if args.no_robots:
                overrides["ROBOTSTXT_OBEY"] = False
            return crawl(args.portals, args.db, log_file=args.log_file, settings=overrides,
                         resume=args.resume, parse=not args.no_parse, workers=args.workers,
                         limits=_limits(args), output=_output(args), verbose=args.verbose,
                         province=args.province, level=args.level, limit=args.limit, redis_url=args.redis,
                         from_wacz=args.from_wacz)
        if args.command == "export":
            return export(args.db, args.wacz, args.portal, args.since)
        if args.command == "worker":
            return worker(args.redis, args.concurrency, args.wait,
                          dict(item.split("=", 1) for item in args.set if "=" in item), args.log_file)
        if args.command in ("parse", "reparse"):
            started = time.monotonic()
            code, counts = parse(args.db, workers=args.workers, limits=_limits(args),
                                 everything=args.command == "reparse" or getattr(args, "all", False))
            summary = Summary(args.command, code, time.monotonic() - started, args.db)
            _add_parse_counts(summary, counts)
            show(summary, _output(args))
            return code
        if args.command == "serve":
            serve(args.db, args.port, args.host, args.replay_port if args.replay else None)
            return EXIT_OK
        if args.command == "demo":
            return demo(args.db, args.port, args.portal_port)
    except UsageError as error:
        print(f"nianbao: {error}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
