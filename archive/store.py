"""The archive: one SQLite file, its schema created here and nowhere else.

Raw documents are kept zlib-compressed in ``documents`` (keyed by sha256), so
``reparse`` can rebuild every derived table without the network. Every write is
idempotent: storing the same document twice changes nothing.

>>> archive = Archive(":memory:")
>>> sorted(archive.db.table_names())[:3]
['active_disclosure', 'applications', 'checks']
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone

import sqlite_utils

from archive.search import index_text, simplified
from archive.views import VIEWS

STAT_TABLES = {
    "active_disclosure": ("item", "content", "metric"),
    "applications": ("row_code", "row_label", "applicant"),
    "reviews": ("proceeding", "result"),
    "legacy_stats": ("indicator", "unit"),
}
PROVENANCE = ("raw TEXT, document_sha256 TEXT, source_table INTEGER, source_row INTEGER, "
              "source_col INTEGER")

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS portals (
    name TEXT PRIMARY KEY, url TEXT NOT NULL, host TEXT,
    region_code TEXT, province TEXT, city TEXT, level TEXT
);
CREATE TABLE IF NOT EXISTS crawl_runs (
    id INTEGER PRIMARY KEY, started TEXT, finished TEXT, portals INTEGER,
    pages INTEGER DEFAULT 0, new_reports INTEGER DEFAULT 0, changed_reports INTEGER DEFAULT 0,
    errors INTEGER DEFAULT 0, exit_status TEXT, requests INTEGER, not_modified INTEGER,
    browser_renders INTEGER
);
CREATE TABLE IF NOT EXISTS pages (
    url TEXT PRIMARY KEY, portal TEXT, kind TEXT, status INTEGER, content_type TEXT,
    bytes INTEGER, sha256 TEXT, fetched_at TEXT, error TEXT, via TEXT, link_text TEXT,
    etag TEXT, last_modified TEXT, report_url TEXT, run_id INTEGER
);
CREATE TABLE IF NOT EXISTS fetches (
    run_id INTEGER, url TEXT, portal TEXT, kind TEXT, status INTEGER, bytes INTEGER, via TEXT,
    error TEXT, fetched_at TEXT
);
CREATE TABLE IF NOT EXISTS documents (
    sha256 TEXT PRIMARY KEY, url TEXT, content_type TEXT, size INTEGER,
    fetched_at TEXT, compression TEXT DEFAULT 'zlib', body BLOB
);
CREATE TABLE IF NOT EXISTS report_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT UNIQUE NOT NULL
);
CREATE TABLE IF NOT EXISTS reports (
    id INTEGER PRIMARY KEY, url TEXT, title TEXT, agency TEXT, year INTEGER,
    publisher TEXT, published_date TEXT, template TEXT, source_format TEXT,
    text TEXT, text_simplified TEXT, portal TEXT, list_title TEXT,
    document_sha256 TEXT, fetched_at TEXT, parse_notes TEXT
);
CREATE TABLE IF NOT EXISTS report_urls (
    url TEXT PRIMARY KEY, report_id INTEGER REFERENCES reports(id), role TEXT,
    first_seen TEXT, last_seen TEXT
);
CREATE TABLE IF NOT EXISTS report_documents (
    report_id INTEGER REFERENCES reports(id), version TEXT, sha256 TEXT REFERENCES documents(sha256),
    url TEXT, role TEXT, fetched_at TEXT, is_current INTEGER, PRIMARY KEY (report_id, version, sha256)
);
CREATE TABLE IF NOT EXISTS active_disclosure (
    report_id INTEGER REFERENCES reports(id), item TEXT, content TEXT, metric TEXT,
    value NUMERIC, {PROVENANCE}
);
CREATE TABLE IF NOT EXISTS applications (
    report_id INTEGER REFERENCES reports(id), row_code TEXT, row_label TEXT, applicant TEXT,
    value NUMERIC, {PROVENANCE}
);
CREATE TABLE IF NOT EXISTS reviews (
    report_id INTEGER REFERENCES reports(id), proceeding TEXT, result TEXT,
    value NUMERIC, {PROVENANCE}
);
CREATE TABLE IF NOT EXISTS legacy_stats (
    report_id INTEGER REFERENCES reports(id), indicator TEXT, unit TEXT,
    value NUMERIC, {PROVENANCE}
);
CREATE TABLE IF NOT EXISTS sections (
    report_id INTEGER REFERENCES reports(id), position INTEGER, number TEXT, title TEXT, text TEXT
);
CREATE TABLE IF NOT EXISTS checks (
    report_id INTEGER REFERENCES reports(id), check_name TEXT, passed INTEGER, detail TEXT
);
CREATE VIRTUAL TABLE IF NOT EXISTS reports_fts USING fts5(title, agency, body, tokenize='unicode61');
CREATE INDEX IF NOT EXISTS applications_report ON applications(report_id);
CREATE INDEX IF NOT EXISTS active_disclosure_report ON active_disclosure(report_id);
CREATE INDEX IF NOT EXISTS reviews_report ON reviews(report_id);
CREATE INDEX IF NOT EXISTS legacy_stats_report ON legacy_stats(report_id);
CREATE INDEX IF NOT EXISTS checks_report ON checks(report_id);
CREATE INDEX IF NOT EXISTS reports_year ON reports(year);
"""


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


@dataclass(frozen=True)
class StoredDocument:
    sha256: str
    url: str
    role: str = "page"  # page | attachment


def version_of(documents: list[StoredDocument]) -> str:
    """A report version is the set of its documents."""
    if len(documents) == 1:
        return documents[0].sha256
    return sha256("+".join(d.sha256 for d in documents).encode())


@dataclass
class Saved:
    report_id: int
    status: str  # "new" | "changed" | "unchanged"


class Archive:
    def __init__(self, path, create: bool = True):
        self.db = sqlite_utils.Database(path)
        if create:
            self.db.conn.executescript(SCHEMA)
            self.db.conn.executescript(VIEWS)

    # -- crawl bookkeeping -------------------------------------------------
    def save_portals(self, portals) -> None:
        self.db["portals"].upsert_all(
            [{"name": p.name, "url": p.url, "host": p.host, "region_code": p.region_code,
              "province": p.province, "city": p.city, "level": p.level} for p in portals],
            pk="name")

    def start_run(self, portals: int) -> int:
        return self.db["crawl_runs"].insert({"started": now(), "portals": portals}).last_pk

    def mark_interrupted_runs(self) -> None:
        """Runs that never finished (killed) are marked so; call while holding the crawl lock."""
        with self.db.conn:
            self.db.execute("UPDATE crawl_runs SET exit_status = 'interrupted' WHERE finished IS NULL")

    def is_archived(self, url: str) -> bool:
        """The URL is a document of some report's current version."""
        return self.db.execute("SELECT 1 FROM report_documents WHERE url = ? AND is_current = 1",
                               [url]).fetchone() is not None

    def finish_run(self, run_id: int, **counts) -> None:
        self.db["crawl_runs"].update(run_id, {"finished": now(), **counts})

    def record_page(self, **page) -> None:
        """The latest fetch of a URL in ``pages``; with a run id, also one row per fetch in ``fetches``."""
        page.setdefault("fetched_at", now())
        self.db["pages"].upsert(page, pk="url")

    def log_fetch(self, **fetch) -> None:
        fetch.setdefault("fetched_at", now())
        self.db["fetches"].insert(fetch)

    # -- raw documents -----------------------------------------------------
    def keep_document(self, url: str, body: bytes, content_type: str | None) -> str:
        digest = sha256(body)
        if not self.db.execute("SELECT 1 FROM documents WHERE sha256 = ?", [digest]).fetchone():
            self.db["documents"].insert({
                "sha256": digest, "url": url, "content_type": content_type, "size": len(body),
                "fetched_at": now(), "compression": "zlib", "body": zlib.compress(body, 9)})
        return digest

    def document(self, digest: str) -> tuple[bytes, str | None, str]:
        row = self.db.execute("SELECT body, content_type, url FROM documents WHERE sha256 = ?",
                              [digest]).fetchone()
        if row is None:
            raise KeyError(digest)
        return zlib.decompress(row[0]), row[1], row[2]

    # -- reports -----------------------------------------------------------
    def _report_id(self, key: str) -> int:
        self.db.execute("INSERT OR IGNORE INTO report_keys(key) VALUES (?)", [key])
        return self.db.execute("SELECT id FROM report_keys WHERE key = ?", [key]).fetchone()[0]

    def save_report(self, parsed, documents: list[StoredDocument], portal: str | None,
                    list_title: str | None = None, text_from: int = 0, stats_from: int = 0) -> Saved:
        """Store a parsed report, read from ``documents`` (the linked page first, then its
        attachments), under its report (found by ``parsed.key``). A report whose documents
        changed keeps the old version in ``report_documents`` (is_current = 0)."""
        report_id = self._report_id(parsed.key)
        version = version_of(documents)
        with self.db.conn:
            current = self.db.execute(
                "SELECT version FROM report_documents WHERE report_id = ? AND is_current = 1",
                [report_id]).fetchone()
            known = self.db.execute("SELECT 1 FROM report_documents WHERE report_id = ? AND version = ?",
                                    [report_id, version]).fetchone()
            status = "new" if current is None else ("unchanged" if known else "changed")
            if status == "changed":
                self.db.execute("UPDATE report_documents SET is_current = 0 WHERE report_id = ?", [report_id])
            if not known:
                self.db["report_documents"].insert_all([
                    {"report_id": report_id, "version": version, "sha256": d.sha256, "url": d.url,
                     "role": d.role, "fetched_at": now(), "is_current": 1} for d in documents])
            for d in documents:
                self.db.execute(
                    "INSERT INTO report_urls(url, report_id, role, first_seen, last_seen) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT(url) DO UPDATE SET last_seen = excluded.last_seen, report_id = excluded.report_id",
                    [d.url, report_id, d.role, now(), now()])
            if status == "unchanged" and current[0] != version:
                return Saved(report_id, status)  # an older version seen again: keep the current one
            self._write_derived(report_id, parsed, documents[0].url, documents[text_from].sha256,
                                documents[stats_from].sha256, portal, list_title)
        return Saved(report_id, status)

    def _write_derived(self, report_id, parsed, url, digest, stats_digest, portal, list_title) -> None:
        existing = self.db.execute("SELECT url, portal, list_title FROM reports WHERE id = ?",
                                   [report_id]).fetchone()
        if existing:  # the first URL a report was found under stays its URL
            url, portal, list_title = existing[0], existing[1] or portal, existing[2] or list_title
        self.db["reports"].upsert({
            "id": report_id, "url": url, "title": parsed.title, "agency": parsed.agency,
            "year": parsed.year, "publisher": parsed.publisher,
            "published_date": parsed.published_date, "template": parsed.template,
            "source_format": parsed.source_format, "text": parsed.text,
            "text_simplified": simplified(parsed.text), "portal": portal,
            "list_title": list_title, "document_sha256": digest,
            "fetched_at": now(), "parse_notes": "\n".join(parsed.notes) or None,
        }, pk="id")
        for table in (*STAT_TABLES, "checks", "sections"):
            self.db.execute(f"DELETE FROM {table} WHERE report_id = ?", [report_id])
        for table, columns in STAT_TABLES.items():
            rows = [{"report_id": report_id, **{c: cell.fields.get(c) for c in columns},
                     "value": cell.value, "raw": cell.raw, "document_sha256": stats_digest,
                     "source_table": cell.source_table,
                     "source_row": cell.source_row, "source_col": cell.source_col}
                    for cell in parsed.cells if cell.table == table]
            if rows:
                self.db[table].insert_all(rows)
        self.db["sections"].insert_all([
            {"report_id": report_id, "position": i, "number": section.number, "title": section.title,
             "text": section.text} for i, section in enumerate(getattr(parsed, "sections", []))])
        self.db["checks"].insert_all([
            {"report_id": report_id, "check_name": c.name, "passed": int(c.passed), "detail": c.detail}
            for c in parsed.checks])
        self.db.execute("DELETE FROM reports_fts WHERE rowid = ?", [report_id])
        self.db.execute("INSERT INTO reports_fts(rowid, title, agency, body) VALUES (?, ?, ?, ?)",
                        [report_id, index_text(parsed.title or ""), index_text(parsed.agency or ""),
                         index_text(parsed.text)])

    def validators(self) -> dict:
        """url → (etag, last_modified, sha256, content_type) of pages kept from earlier runs,
        for conditional requests."""
        rows = self.db.execute(
            "SELECT p.url, p.etag, p.last_modified, p.sha256, d.content_type FROM pages p "
            "JOIN documents d ON d.sha256 = p.sha256 WHERE p.etag IS NOT NULL OR p.last_modified IS NOT NULL")
        return {url: (etag, modified, digest, ctype) for url, etag, modified, digest, ctype in rows}
