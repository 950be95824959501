"""The ``nianbao`` command: thin wiring over the library.

    nianbao crawl --portals PORTALS.csv --db ARCHIVE.db
    nianbao reparse --db ARCHIVE.db
    nianbao serve --db ARCHIVE.db [--port 8001]
    nianbao demo

Exit codes: 0 done; 1 crawl finished but some pages failed (see the ``pages``
table); 2 bad usage or a bad portals file (nothing crawled); 3 another crawl
holds the lock on this archive.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import tempfile
import sys
from pathlib import Path

from crawler.portals import PortalsFileError, read_portals

ROOT = Path(__file__).resolve().parents[1]
METADATA = ROOT / "datasette-metadata.json"
EXIT_OK, EXIT_PAGE_ERRORS, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 3


def crawl(portals: str, db: str, *, log_file: str | None = None, settings: dict | None = None,
          resume: bool = False) -> int:
    """Crawl every portal of the portals file into the archive; returns an exit code.
    With ``resume``, the crawl keeps its queue in ``DB.job`` (Scrapy JOBDIR) and a crawl
    that was killed continues where it stopped."""
    try:
        read_portals(portals)
    except PortalsFileError as error:
        print(f"nianbao: {error}", file=sys.stderr)
        return EXIT_USAGE
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
        return _run_spider(portals, db, log_file, settings)
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


def _run_spider(portals, db, log_file, overrides) -> int:
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
    stats = crawler.stats.get_stats()
    if stats.get("finish_reason") != "finished":
        return EXIT_PAGE_ERRORS
    return EXIT_PAGE_ERRORS if stats.get("nianbao/errors") else EXIT_OK


def reparse(db: str) -> dict:
    from archive.ingest import reparse as reparse_archive
    from archive.store import Archive

    return reparse_archive(Archive(db))


def metadata_for(db: str) -> Path:
    """datasette-metadata.json describes the database "archive"; Datasette names a
    database after its file, so write a copy keyed by this file's name."""
    metadata = json.loads(METADATA.read_text(encoding="utf-8"))
    metadata["databases"] = {Path(db).stem: metadata["databases"]["archive"]}
    path = Path(tempfile.gettempdir()) / f"nianbao-metadata-{Path(db).stem}-{os.getpid()}.json"
    path.write_text(json.dumps(metadata, ensure_ascii=False), encoding="utf-8")
    return path


def serve_args(db: str, port: int, host: str = "127.0.0.1") -> list[str]:
    """Datasette's command line for a read-only archive."""
    return ["serve", "--immutable", db, "--metadata", str(metadata_for(db)), "--host", host,
            "--port", str(port), "--setting", "sql_time_limit_ms", "3000",
            "--setting", "max_returned_rows", "2000", "--setting", "allow_download", "off"]


def serve(db: str, port: int, host: str = "127.0.0.1") -> None:
    from datasette.cli import cli as datasette_cli

    if not Path(db).exists():
        raise SystemExit(f"nianbao: no archive at {db}")
    print(f"nianbao: serving {db} at http://{host}:{port}/", flush=True)
    datasette_cli.main(serve_args(db, port, host), prog_name="datasette")


def demo(db: str, port: int, portal_port: int) -> int:
    """Start the offline portals, crawl them into DB, serve the archive."""
    sys.path.insert(0, str(ROOT))
    from tests.portals.server import running_portals, write_portals_csv

    Path(db).parent.mkdir(parents=True, exist_ok=True)
    csv_path = Path(db).with_suffix(".portals.csv")
    with running_portals(port=portal_port) as portals:
        write_portals_csv(portals, csv_path)
        for portal in portals:
            print(f"nianbao demo: offline portal {portal.name} at {portal.url}", flush=True)
        code = crawl(str(csv_path), db, log_file=str(Path(db).with_suffix(".crawl.log")))
    if code not in (EXIT_OK, EXIT_PAGE_ERRORS):
        return code
    from archive.store import Archive

    count = Archive(db).db["reports"].count
    print(f"nianbao demo: {count} reports archived in {db} (log: {Path(db).with_suffix('.crawl.log')})")
    serve(db, port)
    return EXIT_OK


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="nianbao", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    c = commands.add_parser("crawl", help="crawl the portals into the archive")
    c.add_argument("--portals", required=True, help="CSV with name,url[,region_code,province,city,level]")
    c.add_argument("--db", required=True, help="the archive (SQLite file)")
    c.add_argument("--log-file", help="write the crawl log here instead of the terminal")
    c.add_argument("--no-robots", action="store_true", help="do not obey robots.txt")
    c.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                   help="override a setting of crawler/settings.py, as scrapy -s does")
    c.add_argument("--resume", action="store_true",
                   help="keep the crawl's queue in DB.job and continue a crawl that was killed")
    r = commands.add_parser("reparse", help="rebuild every derived table from the kept documents")
    r.add_argument("--db", required=True)
    s = commands.add_parser("serve", help="publish the archive with Datasette (read-only)")
    s.add_argument("--db", required=True)
    s.add_argument("--port", type=int, default=8001)
    s.add_argument("--host", default="127.0.0.1")
    d = commands.add_parser("demo", help="crawl the offline demo portals and serve the result")
    d.add_argument("--db", default="var/demo.db")
    d.add_argument("--port", type=int, default=8001)
    d.add_argument("--portal-port", type=int, default=8701)
    args = parser.parse_args(argv)
    if args.command == "crawl":
        overrides = dict(item.split("=", 1) for item in args.set if "=" in item)
        if args.no_robots:
            overrides["ROBOTSTXT_OBEY"] = False
        return crawl(args.portals, args.db, log_file=args.log_file, settings=overrides, resume=args.resume)
    if args.command == "reparse":
        print(json.dumps(reparse(args.db), ensure_ascii=False))
        return EXIT_OK
    if args.command == "serve":
        serve(args.db, args.port, args.host)
        return EXIT_OK
    if args.command == "demo":
        return demo(args.db, args.port, args.portal_port)
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
