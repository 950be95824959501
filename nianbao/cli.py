"""nianbao: crawl Chinese government information-disclosure annual reports into an
archive, parse them, and publish the archive with Datasette.

    nianbao crawl --portals PORTALS.csv --db ARCHIVE.db   fetch, keep, and parse (alongside)
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
from importlib import resources
from pathlib import Path

from archive.limits import Limits
from crawler.portals import PortalsFileError, SelectionError, read_portals, select_portals, write_portals

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

def crawl(portals: str, db: str, *, log_file: str | None = None, settings: dict | None = None,
          resume: bool = False, parse: bool = True, workers: int = DEFAULT_WORKERS,
          limits: Limits = Limits(), province: str | None = None, level: str | None = None,
          limit: int | None = None) -> int:
    """Crawl every portal of the portals file into the archive, parsing alongside unless
    ``parse`` is false; returns an exit code. With ``resume``, the crawl keeps its queue in
    ``DB.job`` (Scrapy JOBDIR) and a crawl that was killed continues where it stopped.
    ``province``, ``level`` and ``limit`` select portals of the file (see ``select_portals``)."""
    try:
        listed = read_portals(portals)
        selected = select_portals(listed, province, level, limit)
        _archive_path(db)
    except (PortalsFileError, SelectionError, UsageError) as error:
        print(f"nianbao: {error}", file=sys.stderr)
        return EXIT_USAGE
    if len(selected) == len(listed):
        return _crawl(portals, db, log_file, settings, resume, parse, workers, limits)
    handle, selection = tempfile.mkstemp(prefix="nianbao-portals-", suffix=".csv")
    os.close(handle)
    try:
        write_portals(selected, selection)
        return _crawl(selection, db, log_file, settings, resume, parse, workers, limits)
    finally:
        os.unlink(selection)


def _crawl(portals, db, log_file, settings, resume, parse, workers, limits) -> int:
    lock = open(f"{db}.lock", "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"nianbao: another crawl is writing {db}; not starting", file=sys.stderr)
        return EXIT_LOCKED
    settings = dict(settings or {})
    if resume:
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
            stage.start()
        stats = _run_spider(portals, db, log_file, settings)
        try:
            parsed = stage.finish() if stage else None
        except Exception as error:  # what was fetched is kept; parsing can be run again
            print(f"nianbao: the parse stage failed ({type(error).__name__}: {error}); what was fetched "
                  f"is kept: run `nianbao parse --db {db}`", file=sys.stderr)
            _finish_crawl(db, stats, None)
            return EXIT_FAILURES
        return _finish_crawl(db, stats, parsed)
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


def _run_spider(portals, db, log_file, overrides) -> dict:
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("ARCHIVE_DB", db, priority="cmdline")
    if log_file:
        settings.set("LOG_FILE", log_file, priority="cmdline")
    for key, value in overrides.items():
        settings.set(key, value, priority="cmdline")
    settings.set("LOG_INSTALL_ROOT_HANDLER", True, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler("reports")
    process.crawl(crawler, portals=portals)
    process.start()
    return crawler.stats.get_stats()


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


# -- parse -----------------------------------------------------------------------------

def parse(db: str, *, workers: int = DEFAULT_WORKERS, everything: bool = False,
          limits: Limits = Limits()) -> tuple[int, dict]:
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
        return EXIT_LOCKED, {}
    try:
        counts = parse_archive(db, workers=workers, limits=limits, everything=everything)
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()
    return (EXIT_FAILURES if counts["failed_documents"] else EXIT_OK), dict(counts)


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


def serve(db: str, port: int, host: str = "127.0.0.1") -> None:
    from datasette.cli import cli as datasette_cli

    _archive_path(db, must_exist=True)
    print(f"nianbao: serving {db} at http://{host}:{port}/", flush=True)
    datasette_cli.main(serve_args(db, port, host), prog_name="datasette")


# -- demo ------------------------------------------------------------------------------

def demo(db: str, port: int, portal_port: int) -> int:
    """Start the offline portals, crawl them into DB, serve the archive."""
    from nianbao.demo.server import running_portals, write_portals_csv

    Path(db).parent.mkdir(parents=True, exist_ok=True)
    csv_path = Path(db).with_suffix(".portals.csv")
    with running_portals(port=portal_port) as portals:
        write_portals_csv(portals, csv_path)
        for portal in portals:
            print(f"nianbao demo: offline portal {portal.name} at {portal.url}", flush=True)
        code = crawl(str(csv_path), db, log_file=str(Path(db).with_suffix(".crawl.log")))
    if code not in (EXIT_OK, EXIT_FAILURES):
        return code
    from archive.store import Archive

    count = Archive(db, create=False).db["reports"].count
    print(f"nianbao demo: {count} reports archived in {db} (log: {Path(db).with_suffix('.crawl.log')})")
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="nianbao", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    commands = parser.add_subparsers(dest="command", required=True)
    c = commands.add_parser("crawl", help="fetch the portals' reports into the archive, and parse them")
    c.add_argument("--portals", required=True, help="CSV with name,url[,region_code,province,city,level]")
    c.add_argument("--db", required=True, help="the archive (SQLite file)")
    c.add_argument("--province", help="only the portals of this province, as the file writes it (广东省)")
    c.add_argument("--level", help="only the portals of this level, as the file writes it (province, city, county)")
    c.add_argument("--limit", type=int, help="only the first N portals (after --province and --level)")
    c.add_argument("--log-file", help="write the crawl log here instead of the terminal")
    c.add_argument("--no-robots", action="store_true", help="do not obey robots.txt")
    c.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                   help="override a setting of crawler/settings.py, as scrapy -s does")
    c.add_argument("--resume", action="store_true",
                   help="keep the crawl's queue in DB.job and continue a crawl that was killed")
    c.add_argument("--no-parse", action="store_true",
                   help="only fetch and keep; parse later with `nianbao parse`")
    _add_parse_options(c)
    p = commands.add_parser("parse", help="parse the fetched documents not parsed by this version yet")
    p.add_argument("--db", required=True, help="the archive (SQLite file)")
    p.add_argument("--all", action="store_true", help="re-parse everything (rebuilds every derived table)")
    _add_parse_options(p)
    r = commands.add_parser("reparse", help="the same as `parse --all`")
    r.add_argument("--db", required=True)
    _add_parse_options(r)
    s = commands.add_parser("serve", help="publish the archive with Datasette (read-only)")
    s.add_argument("--db", required=True)
    s.add_argument("--port", type=int, default=8001)
    s.add_argument("--host", default="127.0.0.1")
    d = commands.add_parser("demo", help="crawl the offline demo portals and serve the result")
    d.add_argument("--db", default="var/demo.db")
    d.add_argument("--port", type=int, default=8001)
    d.add_argument("--portal-port", type=int, default=8701)
    args = parser.parse_args(argv)
    try:
        if args.command == "crawl":
            overrides = dict(item.split("=", 1) for item in args.set if "=" in item)
            if args.no_robots:
                overrides["ROBOTSTXT_OBEY"] = False
            return crawl(args.portals, args.db, log_file=args.log_file, settings=overrides,
                         resume=args.resume, parse=not args.no_parse, workers=args.workers,
                         limits=_limits(args), province=args.province, level=args.level, limit=args.limit)
        if args.command in ("parse", "reparse"):
            code, counts = parse(args.db, workers=args.workers, limits=_limits(args),
                                 everything=args.command == "reparse" or args.all)
            print(json.dumps(counts, ensure_ascii=False))
            return code
        if args.command == "serve":
            serve(args.db, args.port, args.host)
            return EXIT_OK
        if args.command == "demo":
            return demo(args.db, args.port, args.portal_port)
    except UsageError as error:
        print(f"nianbao: {error}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
