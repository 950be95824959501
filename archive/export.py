"""Export the capture as one WACZ (the format of Webrecorder's ReplayWeb.page and Browsertrix):
the WARC records of the pages chosen, a CDXJ index and ``pages.jsonl`` with one page per report,
titled with the report's title. Built with py-wacz (``wacz create``), checked with ``wacz validate``.

    nianbao export --db archive.db --wacz reports.wacz [--portal 示例县] [--since 2026-01-01]
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from archive.capture import capture_dir, close_cut_files


class ExportError(Exception):
    """Nothing can be exported (one line)."""


@dataclass
class Exported:
    path: str
    records: int
    pages: int
    warc_files: int


def _where(portal: str | None, since: str | None, portal_column: str, date_column: str,
           where: tuple[str, ...] = ()) -> tuple[str, list]:
    """A WHERE clause for the portal and the first day chosen (and ``where``'s conditions)."""
    conditions, params = list(where), []
    if portal:
        conditions.append(f"{portal_column} = ?")
        params.append(portal)
    if since:
        conditions.append(f"{date_column} >= ?")
        params.append(since)
    return " AND ".join(conditions) or "1", params


def chosen_urls(db: str, portal: str | None, since: str | None) -> set[str] | None:
    """The URLs fetched for ``portal`` and/or since ``since`` (None: every URL)."""
    if not portal and not since:
        return None
    where, params = _where(portal, since, "portal", "fetched_at")
    with sqlite3.connect(db) as conn:
        return {url for (url,) in conn.execute(f"SELECT DISTINCT url FROM fetches WHERE {where}", params)}


def report_pages(db: str, portal: str | None, since: str | None) -> list[dict]:
    """One page per report: its URL, when its current document was fetched, its title."""
    where, params = _where(portal, since, "r.portal", "d.fetched_at", ("d.is_current = 1", "d.role = 'page'"))
    with sqlite3.connect(db) as conn:
        rows = conn.execute(f"SELECT r.id, d.url, d.fetched_at, r.title FROM reports r JOIN report_documents d "
                            f"ON d.report_id = r.id WHERE {where} ORDER BY r.id", params).fetchall()
    return [{"id": f"report-{rid}", "url": url, "ts": warc_date(fetched_at), "title": title or url}
            for rid, url, fetched_at, title in rows if fetched_at]


def warc_date(iso: str) -> str:
    """``2026-12-04T01:37:29+00:00`` → ``2026-12-04T01:37:29Z`` (as WARC and WACZ write dates)."""
    moment = datetime.fromisoformat(iso)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def export_wacz(db: str, output: str, portal: str | None = None, since: str | None = None) -> Exported:
    """Write the WACZ; raises ExportError when there is no capture or nothing was chosen."""
    from wacz.main import main as wacz_main

    directory = capture_dir(db)
    files = []
    if directory.exists():
        close_cut_files(directory)
        files = sorted(directory.glob("*.warc.gz"))
    if not files:
        raise ExportError(f"no capture beside {db} (in {directory}): crawl with capture on (the default)")
    urls = chosen_urls(db, portal, since)
    with tempfile.TemporaryDirectory(prefix="nianbao-export-") as work:
        warc = Path(work) / "capture.warc.gz"
        records = 0
        captured: dict[str, str] = {}   # url → when it was first captured (a page's replay time)
        with open(warc, "wb") as out:
            writer = WARCWriter(out, gzip=True, warc_version="1.1")
            for path in files:
                with open(path, "rb") as handle:
                    for record in ArchiveIterator(handle, no_record_parse=False):
                        uri = record.rec_headers.get_header("WARC-Target-URI")
                        if record.rec_type == "warcinfo" or (urls is not None and uri not in urls):
                            continue
                        if record.rec_type in ("response", "revisit"):
                            captured.setdefault(uri, record.rec_headers.get_header("WARC-Date"))
                        writer.write_record(record)
                        records += 1
        if not records:
            raise ExportError("nothing in the capture matches the portal and date chosen")
        pages = [{**page, "ts": warc_date(captured[page["url"]])}
                 for page in report_pages(db, portal, since) if page["url"] in captured]
        pages_file = Path(work) / "pages.jsonl"
        with open(pages_file, "w", encoding="utf-8") as out:
            out.write(json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "Annual reports"}) + "\n")
            for page in pages:
                out.write(json.dumps(page, ensure_ascii=False) + "\n")
        target = Path(work) / "out.wacz"
        code = wacz_main(["create", "-o", str(target), "-p", str(pages_file), "--hash-type", "sha256", str(warc)])
        if code not in (0, None):
            raise ExportError(f"wacz create failed (exit {code})")
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(target), output)
    return Exported(output, records, len(pages), len(files))
