"""The archive: one SQLite file, its schema created here and nowhere else.

Where data rests between the stages:

- the crawl keeps raw documents (``documents``, zlib-compressed, keyed by sha256), what it
  fetched (``pages``, ``fetches``, ``crawl_runs``) and each report it fetched as a page with its
  attachments (``fetched_reports``): it never parses;
- the parse stage (:mod:`archive.stage`) reads ``fetched_reports`` not yet parsed with the
  current parser version, and writes the public tables (``reports`` and below) a batch of
  reports per transaction (:meth:`Archive.store_parses`), recording each document's parse
  in ``document_parses``.

``nianbao parse --all`` rebuilds every derived table from the kept documents, without the
network. Every write is idempotent: storing the same document twice changes nothing.

>>> archive = Archive(":memory:")
>>> sorted(archive.db.table_names())[:3]
['active_disclosure', 'applications', 'checks']
"""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
import json
import sqlite3
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from archive.search import simplified
from archive import summaries, value_tables
from archive.value_tables import STAT_TABLES
from archive.search import INDEX_VERSION, index_fields
from archive.templates import template, template_ids

SCHEMA = """
CREATE TABLE IF NOT EXISTS portals (
    name TEXT PRIMARY KEY, url TEXT NOT NULL, host TEXT,
    region_code TEXT, province TEXT, city TEXT, level TEXT
);
CREATE TABLE IF NOT EXISTS crawl_runs (
    id INTEGER PRIMARY KEY, started TEXT, finished TEXT, portals INTEGER,
    pages INTEGER DEFAULT 0, new_reports INTEGER DEFAULT 0, changed_reports INTEGER DEFAULT 0,
    errors INTEGER DEFAULT 0, exit_status TEXT, requests INTEGER, not_modified INTEGER,
    browser_renders INTEGER, reports_fetched INTEGER DEFAULT 0, budget_refused INTEGER DEFAULT 0,
    over_budget TEXT, failed_documents INTEGER DEFAULT 0, challenge_renders INTEGER DEFAULT 0,
    challenge_refused INTEGER DEFAULT 0
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
CREATE TABLE IF NOT EXISTS fetched_reports (
    url TEXT PRIMARY KEY, portal TEXT, link_text TEXT, documents TEXT NOT NULL, version TEXT NOT NULL,
    first_seen TEXT, fetched_at TEXT, run_id INTEGER,
    parser_version TEXT, parsed_at TEXT, outcome TEXT, report_id INTEGER
);
CREATE TABLE IF NOT EXISTS document_parses (
    sha256 TEXT, parser_version TEXT, url TEXT, source_format TEXT, status TEXT, limit_hit TEXT,
    detail TEXT, seconds REAL, parsed_at TEXT, PRIMARY KEY (sha256, parser_version)
);
CREATE TABLE IF NOT EXISTS parse_runs (
    id INTEGER PRIMARY KEY, started TEXT, finished TEXT, parser_version TEXT, workers INTEGER,
    reports INTEGER DEFAULT 0, documents INTEGER DEFAULT 0, new_reports INTEGER DEFAULT 0,
    changed_reports INTEGER DEFAULT 0, unchanged_reports INTEGER DEFAULT 0,
    not_reports INTEGER DEFAULT 0, failed_documents INTEGER DEFAULT 0, limits_hit INTEGER DEFAULT 0
);
CREATE TABLE IF NOT EXISTS report_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT UNIQUE NOT NULL
);
CREATE TABLE IF NOT EXISTS reports (
    id INTEGER PRIMARY KEY, url TEXT, title TEXT, agency TEXT, year INTEGER,
    publisher TEXT, published_date TEXT, template TEXT, source_format TEXT,
    text TEXT, text_simplified TEXT, portal TEXT, list_title TEXT,
    document_sha256 TEXT, fetched_at TEXT, parse_notes TEXT,
    template_confidence REAL, template_reason TEXT,
    title_source TEXT, agency_source TEXT, year_source TEXT
);
CREATE TABLE IF NOT EXISTS report_urls (
    url TEXT PRIMARY KEY, report_id INTEGER REFERENCES reports(id), role TEXT,
    first_seen TEXT, last_seen TEXT
);
CREATE TABLE IF NOT EXISTS report_documents (
    report_id INTEGER REFERENCES reports(id), version TEXT, sha256 TEXT REFERENCES documents(sha256),
    url TEXT, role TEXT, fetched_at TEXT, is_current INTEGER, PRIMARY KEY (report_id, version, sha256)
);
CREATE TABLE IF NOT EXISTS section_spans (
    report_id INTEGER REFERENCES reports(id), position INTEGER, number TEXT, title TEXT,
    start INTEGER, length INTEGER, text TEXT
);
CREATE TABLE IF NOT EXISTS checks (
    report_id INTEGER REFERENCES reports(id), check_name TEXT, passed INTEGER, detail TEXT
);
-- A statistics-table row that matched no row of the report's template, kept as printed
-- (cells: JSON list of the row's cells, label first); flagged by the rows_unaligned check.
CREATE TABLE IF NOT EXISTS unaligned_rows (
    report_id INTEGER REFERENCES reports(id), document_sha256 TEXT, section TEXT,
    source_table INTEGER, source_row INTEGER, label TEXT, cells TEXT
);
CREATE TABLE IF NOT EXISTS archive_meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS portal_runs (
    run_id INTEGER, portal TEXT, reports_listed INTEGER DEFAULT 0, reports_new INTEGER DEFAULT 0,
    lists_read INTEGER DEFAULT 0, renders INTEGER DEFAULT 0, failures INTEGER DEFAULT 0,
    report_column_found INTEGER DEFAULT 0, unreachable TEXT, complete INTEGER DEFAULT 1,
    PRIMARY KEY (run_id, portal)
);
CREATE TABLE IF NOT EXISTS alarms (
    id INTEGER PRIMARY KEY, run_id INTEGER, portal TEXT, kind TEXT, before INTEGER, after INTEGER,
    message TEXT, raised_at TEXT, UNIQUE (run_id, portal, kind)
);
CREATE INDEX IF NOT EXISTS checks_report ON checks(report_id);
CREATE INDEX IF NOT EXISTS unaligned_rows_report ON unaligned_rows(report_id);
CREATE INDEX IF NOT EXISTS reports_year ON reports(year);
CREATE INDEX IF NOT EXISTS section_spans_report ON section_spans(report_id, position);
CREATE INDEX IF NOT EXISTS fetched_reports_pending ON fetched_reports(parser_version);
CREATE INDEX IF NOT EXISTS report_documents_url ON report_documents(url);
CREATE INDEX IF NOT EXISTS portal_runs_portal ON portal_runs(portal, run_id);
"""
# A section's text is a span of reports.text (stored once); text is kept in section_spans only
# where a section is not a span of it.
SECTIONS_VIEW = """
CREATE VIEW IF NOT EXISTS sections AS
SELECT s.report_id, s.position, s.number, s.title,
  coalesce(s.text, substr(r.text, s.start + 1, s.length)) AS text
FROM section_spans s JOIN reports r ON r.id = s.report_id
"""
# Raw documents live in a second file beside the archive (ARCHIVE.documents.db, attached
# as "raw"), so that the published file stays small.
RAW_SCHEMA = """
CREATE TABLE IF NOT EXISTS raw.documents (
    sha256 TEXT PRIMARY KEY, url TEXT, content_type TEXT, size INTEGER,
    fetched_at TEXT, compression TEXT DEFAULT 'zlib', body BLOB
);
"""
# Search indexes the title, the agency and the narrative lines of the text (archive.search.prose),
# as bigrams; contentless: the text is stored once, in reports.text.
FTS_SCHEMA = ("CREATE VIRTUAL TABLE IF NOT EXISTS reports_fts USING fts5(title, agency, body, content='', "
              "tokenize='unicode61')")
# Columns added after archives were first written: (table, column, declaration).
ADDED_COLUMNS = [
    ("crawl_runs", "reports_fetched", "INTEGER DEFAULT 0"),
    ("crawl_runs", "budget_refused", "INTEGER DEFAULT 0"),
    ("crawl_runs", "over_budget", "TEXT"),
    ("crawl_runs", "failed_documents", "INTEGER DEFAULT 0"),
    ("reports", "template_confidence", "REAL"),
    ("reports", "template_reason", "TEXT"),
    # anti-bot script challenges passed through Chromium, and pages given up (crawler/challenge.py)
    ("crawl_runs", "challenge_renders", "INTEGER DEFAULT 0"),
    ("crawl_runs", "challenge_refused", "INTEGER DEFAULT 0"),
    # where the title, agency and year were read (archive.metadata.SOURCES)
    ("reports", "title_source", "TEXT"),
    ("reports", "agency_source", "TEXT"),
    ("reports", "year_source", "TEXT"),
]


def spans(text: str, sections) -> list[dict]:
    """Where each section's text sits in the report's text: {start, length}, or {text} for a
    section that is not a span of it."""
    out, cursor = [], 0
    for section in sections:
        at = text.find(section.text, cursor) if section.text else -1
        if at < 0:
            out.append({"start": None, "length": None, "text": section.text})
        else:
            out.append({"start": at, "length": len(section.text), "text": None})
            cursor = at + len(section.text)
    return out


def raw_path(path: str) -> str:
    """Where an archive's raw documents live: ``archive.db`` → ``archive.documents.db``."""
    if path == ":memory:":
        return ":memory:"
    p = Path(path)
    return str(p.with_name(p.stem + ".documents" + (p.suffix or ".db")))


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


REPORT_COLUMNS = ("id", "url", "title", "agency", "year", "publisher", "published_date", "template",
                  "source_format", "text", "text_simplified", "portal", "list_title", "document_sha256",
                  "fetched_at", "parse_notes", "template_confidence", "template_reason", "title_source",
                  "agency_source", "year_source")


@dataclass
class ParseResult:
    """What one fetched report's parse produced, to store: each document's parse record
    (``parses``), its pages' kinds and errors (``pages``) and, when it is a report, the
    combined report read from ``documents`` (its text from ``text_from``, its statistics
    from ``stats_from``). ``outcome`` is report | not-report."""
    fetched: dict
    outcome: str
    parses: list[dict]
    pages: list[dict]
    parsed: object = None
    documents: list[StoredDocument] | None = None
    text_from: int = 0
    stats_from: int = 0


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))



def _summary_labels() -> tuple[dict[str, str], dict[str, str]]:
    """The current form's labels for the readers' view: row code → label of section 三, and
    the two proceedings of section 四 (行政复议, 行政诉讼)."""
    form = template(template_ids("national")[0])
    rows = {row["row_code"]: row["label"] for row in form["section3_requests"]["rows"]}
    review, litigation = (p["header_path"][0] for p in form["section4_review_litigation"]["proceedings"][:2])
    return rows, {"reviews": review, "lawsuits": litigation}

class Archive:
    """One archive file. Writers use WAL with ``synchronous=NORMAL`` (a commit costs no
    fsync), a 128 MiB page cache (the value tables' index pages stay in memory as they
    grow) and one transaction per fetched document or per batch of parsed reports;
    :meth:`close` checkpoints and returns
    the file to a plain rollback journal, so it can be served ``--immutable``."""

    def __init__(self, path, create: bool = True):
        self.path = str(path)
        self.raw_path = raw_path(self.path)
        self._depth = 0
        conn = sqlite3.connect(self.path, timeout=120)
        self.db = sqlite_utils.Database(conn)
        if create or Path(self.raw_path).exists() or self.raw_path == ":memory:":
            conn.execute("ATTACH DATABASE ? AS raw", [self.raw_path])
        if create:
            if self.path != ":memory:":
                conn.execute("PRAGMA main.journal_mode=WAL")
                conn.execute("PRAGMA raw.journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA cache_size=-131072")
            conn.executescript(SCHEMA)
            conn.executescript(RAW_SCHEMA)
            self._sections_as_spans()
            conn.executescript(SECTIONS_VIEW)
            conn.executescript(value_tables.SCHEMA)
            with self.transaction():
                value_tables.migrate(conn)
            conn.executescript(value_tables.VIEWS)
            summaries.create(conn, *_summary_labels())
            self._migrate()

    @property
    def interner(self) -> value_tables.Interner:
        if not hasattr(self, "_interner"):
            self._interner = value_tables.Interner(self.db.conn)
        return self._interner

    @contextmanager
    def transaction(self):
        """One transaction; nested ones join it, so a caller can group many writes (the
        scale benchmark writes thousands of reports per commit)."""
        self._depth += 1
        try:
            yield
        except BaseException:
            if self._depth == 1:
                self.db.conn.rollback()
                self.interner.forget()
            raise
        else:
            if self._depth == 1:
                self.db.conn.commit()
        finally:
            self._depth -= 1

    def _sections_as_spans(self) -> None:
        """An archive from before sections were spans: its sections table becomes spans
        (keeping each text until the next parse)."""
        if self.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sections'").fetchone():
            with self.transaction():
                self.db.execute("INSERT INTO section_spans(report_id, position, number, title, text) "
                                "SELECT report_id, position, number, title, text FROM sections")
                self.db.execute("DROP TABLE sections")

    def _migrate(self) -> None:
        for table, column, declaration in ADDED_COLUMNS:
            if column not in {c.name for c in self.db[table].columns}:
                self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
        self.db.conn.commit()
        if self.db.execute("SELECT 1 FROM main.sqlite_master WHERE name = 'documents'").fetchone():
            with self.transaction():  # raw documents move to their own file
                self.db.execute("INSERT OR IGNORE INTO raw.documents SELECT * FROM main.documents")
                self.db.execute("DROP TABLE main.documents")
        has_fetched = self.db.execute("SELECT 1 FROM fetched_reports LIMIT 1").fetchone()
        has_reports = self.db.execute("SELECT 1 FROM report_documents LIMIT 1").fetchone()
        if has_reports and not has_fetched:
            self._fetched_reports_from_versions()
        indexed = self.db.execute("SELECT value FROM archive_meta WHERE key = 'index_version'").fetchone()
        if not indexed or indexed[0] != INDEX_VERSION:
            self._reindex()
        if self.db.execute("SELECT 1 FROM reports LIMIT 1").fetchone() and \
                not self.db.execute("SELECT 1 FROM report_summary LIMIT 1").fetchone():
            with self.transaction():  # an archive from before the summaries were materialised
                self.db.execute(f"INSERT INTO report_summary ({', '.join(summaries.SUMMARY_COLUMNS)}) "
                                f"{summaries.DEFINITIONS['report_summary']}")
                summaries.refresh_rollups(self.db.conn)

    def _reindex(self) -> None:
        """(Re)build the search index from the reports, as this version indexes them."""
        with self.transaction():
            self.db.execute("DROP TABLE IF EXISTS reports_fts")
            self.db.execute(FTS_SCHEMA)
            for report_id, title, agency, text in self.db.execute(
                    "SELECT id, title, agency, text FROM reports").fetchall():
                self.db.execute("INSERT INTO reports_fts(rowid, title, agency, body) VALUES (?, ?, ?, ?)",
                                [report_id, *index_fields(title, agency, text)])
            self.db.execute("INSERT OR REPLACE INTO archive_meta(key, value) VALUES ('index_version', ?)",
                            [INDEX_VERSION])

    def _fetched_reports_from_versions(self) -> None:
        """An archive written before the stage split: its fetched reports are its reports'
        current documents, and the pages that were read as not a report."""
        bundles: dict = {}
        for report_id, url, digest, role in self.db.execute(
                "SELECT report_id, url, sha256, role FROM report_documents WHERE is_current = 1 "
                "ORDER BY report_id, role DESC, rowid"):
            bundles.setdefault(report_id, []).append((url, digest, role))
        known = {d for docs in bundles.values() for _, d, _ in docs}
        loose = [[(url, digest, "page")] for url, digest in self.db.execute(
            "SELECT url, sha256 FROM pages WHERE kind IN ('report', 'not-report') AND sha256 IS NOT NULL "
            "ORDER BY url") if digest not in known]
        context = {url: (portal, link_text) for url, portal, link_text in
                   self.db.execute("SELECT url, portal, link_text FROM pages")}
        with self.transaction():
            for docs in [*bundles.values(), *loose]:
                portal, link_text = context.get(docs[0][0], (None, None))
                documents = [{"url": u, "sha256": d, "role": r} for u, d, r in docs]
                self.db.execute(
                    "INSERT OR IGNORE INTO fetched_reports(url, portal, link_text, documents, version, "
                    "first_seen, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [docs[0][0], portal, link_text, _json(documents),
                     version_of([StoredDocument(d, u, r) for u, d, r in docs]), now(), now()])

    def close(self) -> None:
        """Checkpoint and leave both files in rollback-journal mode (servable immutable)."""
        for schema in ("main", "raw"):
            try:
                self.db.execute(f"PRAGMA {schema}.wal_checkpoint(TRUNCATE)")
                self.db.execute(f"PRAGMA {schema}.journal_mode=DELETE")
            except sqlite3.OperationalError:
                pass  # another connection still has it open; the last one to close switches it
        self.db.conn.close()

    def refresh_rollups(self) -> None:
        """The rollups (coverage, refusal reasons, …) from the reports as they are now."""
        with self.transaction():
            summaries.refresh_rollups(self.db.conn)

    # -- crawl bookkeeping -------------------------------------------------
    def save_portals(self, portals) -> None:
        with self.transaction():
            self._save_portals(portals)
            summaries.refresh_regions(self.db.conn)

    def _save_portals(self, portals) -> None:
        self.db.conn.executemany(
            "INSERT INTO portals(name, url, host, region_code, province, city, level) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET url = excluded.url, "
            "host = excluded.host, region_code = excluded.region_code, province = excluded.province, "
            "city = excluded.city, level = excluded.level",
            [(p.name, p.url, p.host, p.region_code, p.province, p.city, p.level) for p in portals])

    def start_run(self, portals: int) -> int:
        with self.transaction():
            return self.db.execute("INSERT INTO crawl_runs(started, portals) VALUES (?, ?)",
                                   [now(), portals]).lastrowid

    def mark_interrupted_runs(self) -> None:
        """Runs that never finished (killed) are marked so; call while holding the crawl lock."""
        with self.transaction():
            self.db.execute("UPDATE crawl_runs SET exit_status = 'interrupted' WHERE finished IS NULL")

    def finish_run(self, run_id: int, **counts) -> None:
        self.update_run(run_id, finished=now(), **counts)

    def update_run(self, run_id: int, **counts) -> None:
        columns = ", ".join(f"{name} = ?" for name in counts)
        with self.transaction():
            self.db.execute(f"UPDATE crawl_runs SET {columns} WHERE id = ?", [*counts.values(), run_id])

    def save_portal_runs(self, rows: list[dict]) -> None:
        """What one run saw of each portal (``crawler.alarms.PortalRun.row``); idempotent."""
        if not rows:
            return
        columns = list(rows[0])
        with self.transaction():
            self.db.conn.executemany(
                f"INSERT OR REPLACE INTO portal_runs({', '.join(columns)}) "
                f"VALUES ({', '.join('?' * len(columns))})", [[row[c] for c in columns] for row in rows])

    def last_good_portal_runs(self, before_run: int) -> dict[str, dict]:
        """Each portal's last good run before ``before_run``: the newest complete run that
        listed reports. {portal: row}."""
        cursor = self.db.execute(
            "SELECT p.* FROM portal_runs p JOIN (SELECT portal, max(run_id) AS run_id FROM portal_runs "
            "WHERE run_id < ? AND complete = 1 AND reports_listed > 0 GROUP BY portal) g "
            "ON g.portal = p.portal AND g.run_id = p.run_id", [before_run])
        names = [d[0] for d in cursor.description]
        return {row[names.index("portal")]: dict(zip(names, row)) for row in cursor.fetchall()}

    def save_alarms(self, run_id: int, alarms) -> None:
        """Alarms raised by a run (``crawler.alarms.Alarm``); raising the same one twice adds nothing."""
        with self.transaction():
            self.db.conn.executemany(
                "INSERT OR IGNORE INTO alarms(run_id, portal, kind, before, after, message, raised_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(run_id, a.portal, a.kind, a.before, a.after, a.message, now()) for a in alarms])

    def record_fetch(self, body: bytes | None, page: dict, fetch: dict | None = None) -> str | None:
        """One fetched (or failed) URL in one transaction: its body kept in ``documents``,
        its latest state in ``pages`` and, with a run, one row in ``fetches``. Returns the
        body's sha256."""
        with self.transaction():
            if body is not None:
                page["sha256"] = self._keep(page["url"], body, page.get("content_type"))
            self._upsert_page(page)
            if fetch is not None:
                self._insert("fetches", {**fetch, "fetched_at": now()})
        return page.get("sha256")

    def record_page(self, **page) -> None:
        """The latest fetch of a URL in ``pages``."""
        with self.transaction():
            self._upsert_page(page)

    def _upsert_page(self, page: dict) -> None:
        page = {"fetched_at": now(), **page}
        columns = ", ".join(page)
        updates = ", ".join(f"{c} = excluded.{c}" for c in page if c != "url")
        self.db.execute(f"INSERT INTO pages({columns}) VALUES ({', '.join('?' * len(page))}) "
                        f"ON CONFLICT(url) DO UPDATE SET {updates}", list(page.values()))

    def _insert(self, table: str, row: dict):
        return self.db.execute(f"INSERT INTO {table}({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                               list(row.values()))

    def _insert_many(self, table: str, rows: list[dict]) -> None:
        if not rows:
            return
        columns = list(rows[0])
        self.db.conn.executemany(
            f"INSERT INTO {table}({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            [[row.get(c) for c in columns] for row in rows])

    # -- raw documents -----------------------------------------------------
    def _keep(self, url: str, body: bytes, content_type: str | None) -> str:
        digest = sha256(body)
        if not self.db.execute("SELECT 1 FROM documents WHERE sha256 = ?", [digest]).fetchone():
            self._insert("documents", {
                "sha256": digest, "url": url, "content_type": content_type, "size": len(body),
                "fetched_at": now(), "compression": "zlib", "body": zlib.compress(body, 6)})
        return digest

    def document(self, digest: str) -> tuple[bytes, str | None, str]:
        row = self.db.execute("SELECT body, content_type, url FROM documents WHERE sha256 = ?",
                              [digest]).fetchone()
        if row is None:
            raise KeyError(digest)
        return zlib.decompress(row[0]), row[1], row[2]

    # -- fetched reports: what the crawl hands to the parse stage -------------
    def save_fetched_report(self, url: str, portal: str | None, link_text: str | None,
                            documents: list[dict], run_id: int | None = None) -> str:
        """A report page and its attachments as fetched (``documents``: dicts with url, body,
        content_type, role; the page first). Keeps the bodies; returns new | changed | unchanged
        (unchanged: the same documents as last time, so nothing to parse again)."""
        with self.transaction():
            kept = [{"url": d["url"], "sha256": self._keep(d["url"], d["body"], d.get("content_type")),
                     "role": d.get("role", "page"), "content_type": d.get("content_type")}
                    for d in documents]
            version = version_of([StoredDocument(d["sha256"], d["url"], d["role"]) for d in kept])
            row = self.db.execute("SELECT version FROM fetched_reports WHERE url = ?", [url]).fetchone()
            if row is None:
                self._insert("fetched_reports", {
                    "url": url, "portal": portal, "link_text": link_text, "documents": _json(kept),
                    "version": version, "first_seen": now(), "fetched_at": now(), "run_id": run_id})
                return "new"
            if row[0] == version:
                self.db.execute("UPDATE fetched_reports SET fetched_at = ?, run_id = ? WHERE url = ?",
                                [now(), run_id, url])
                self.db.execute("UPDATE pages SET kind = 'not-report' WHERE url = ? AND EXISTS (SELECT 1 "
                                "FROM fetched_reports WHERE url = ? AND outcome = 'not-report')", [url, url])
                return "unchanged"
            self.db.execute(
                "UPDATE fetched_reports SET portal = ?, link_text = ?, documents = ?, version = ?, "
                "fetched_at = ?, run_id = ?, parser_version = NULL, parsed_at = NULL, outcome = NULL "
                "WHERE url = ?", [portal, link_text, _json(kept), version, now(), run_id, url])
            return "changed"

    def fetched_reports_to_parse(self, parser_version: str, everything: bool = False,
                                 urls: list[str] | None = None) -> list[dict]:
        """Fetched reports not yet parsed with ``parser_version`` (or all), in the order
        they were first fetched."""
        where, params = ("1", []) if everything else ("parser_version IS NOT ?", [parser_version])
        if urls is not None:
            where += f" AND url IN ({', '.join('?' * len(urls))})"
            params += urls
        rows = self.db.execute(f"SELECT url, portal, link_text, documents, version, run_id "
                               f"FROM fetched_reports WHERE {where} ORDER BY rowid", params).fetchall()
        return [{"url": url, "portal": portal, "link_text": link_text, "documents": json.loads(docs),
                 "version": version, "run_id": run_id}
                for url, portal, link_text, docs, version, run_id in rows]

    def clear_derived(self, tables) -> None:
        """Before ``parse --all``: every derived table emptied; raw documents, pages, runs,
        report URLs, old versions and the stable report ids stay."""
        with self.transaction():
            self.db.execute("DELETE FROM report_documents WHERE is_current = 1")
            for table in tables:
                if table == "reports_fts":
                    self.db.execute("INSERT INTO reports_fts(reports_fts) VALUES ('delete-all')")
                else:
                    self.db.execute(f"DELETE FROM {table}")
            self.db.execute("UPDATE fetched_reports SET parser_version = NULL, outcome = NULL")

    def start_parse_run(self, parser_version: str, workers: int) -> int:
        with self.transaction():
            return self._insert("parse_runs", {"started": now(), "parser_version": parser_version,
                                               "workers": workers}).lastrowid

    def finish_parse_run(self, parse_run: int, **counts) -> None:
        columns = ", ".join(f"{name} = ?" for name in counts)
        with self.transaction():
            self.db.execute(f"UPDATE parse_runs SET finished = ?, {columns} WHERE id = ?",
                            [now(), *counts.values(), parse_run])

    # -- reports -----------------------------------------------------------
    def _report_ids(self, keys: list[str]) -> dict[str, int]:
        """The stable id of each report key, made for keys never seen."""
        found: dict[str, int] = {}

        def look_up(among: list[str]) -> None:
            for chunk in _chunks(among):
                found.update((key, rid) for rid, key in self.db.execute(
                    f"SELECT id, key FROM report_keys WHERE key IN ({', '.join('?' * len(chunk))})", chunk))

        look_up(keys)
        new = [key for key in dict.fromkeys(keys) if key not in found]
        if new:
            self.db.conn.executemany("INSERT INTO report_keys(key) VALUES (?)", [(key,) for key in new])
            look_up(new)
        return found

    def store_parse(self, fetched: dict, parser_version: str, outcome: str, parses: list[dict],
                    pages: list[dict], parsed=None, documents: list[StoredDocument] | None = None,
                    text_from: int = 0, stats_from: int = 0) -> Saved | None:
        """One fetched report's parse (see :meth:`store_parses`); returns the saved report, or None."""
        return self.store_parses([ParseResult(fetched, outcome, parses, pages, parsed, documents, text_from,
                                              stats_from)], parser_version)[0]

    def store_parses(self, results: list[ParseResult], parser_version: str) -> list[Saved | None]:
        """Everything a batch of fetched reports' parses produced, in one transaction, with the
        same outcome as storing them one by one in order: each document's parse record, its
        pages' kinds and errors, the report (when it is one) and the fetched report's parser
        version. A batch costs a few statements a table, not a few a report (the parse stage
        stores what its workers finished every few hundred reports or second). Returns each
        result's saved report, or None."""
        with self.transaction():
            saved = self._save_reports([r for r in results if r.parsed is not None])
            out = [saved.get(id(r)) for r in results]
            now_ = now()
            self.db.conn.executemany(
                "INSERT OR REPLACE INTO document_parses(sha256, parser_version, url, source_format, "
                "status, limit_hit, detail, seconds, parsed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(p["sha256"], parser_version, p["url"], p.get("source_format"), p["status"], p.get("limit_hit"),
                  p.get("detail"), p.get("seconds"), now_) for r in results for p in r.parses])
            self.db.conn.executemany(
                "UPDATE pages SET kind = ?, error = ?, report_url = ? WHERE url = ?",
                [(page["kind"], page.get("error"), r.fetched["url"], page["url"]) for r in results for page in r.pages])
            self.db.conn.executemany(
                "UPDATE fetched_reports SET parser_version = ?, parsed_at = ?, outcome = ?, report_id = ? "
                "WHERE url = ?", [(parser_version, now_, s.status if s else r.outcome, s.report_id if s else None,
                                   r.fetched["url"]) for r, s in zip(results, out)])
        return out

    def _save_reports(self, results: list[ParseResult]) -> dict[int, Saved]:
        """Store parsed reports, each read from its documents (the linked page first, then its
        attachments), under its report (found by ``parsed.key``). A report whose documents
        changed keeps the old version in ``report_documents`` (is_current = 0). A report that
        comes twice in a batch is stored in a second pass, after the first."""
        saved: dict[int, Saved] = {}
        while results:
            keys, now_batch, later = set(), [], []
            for r in results:
                (later if r.parsed.key in keys else now_batch).append(r)
                keys.add(r.parsed.key)
            saved.update(self._save_distinct(now_batch))
            results = later
        return saved

    def _save_distinct(self, results: list[ParseResult]) -> dict[int, Saved]:
        ids = self._report_ids([r.parsed.key for r in results])
        report_ids = [ids[r.parsed.key] for r in results]
        versions: dict[int, set] = {}
        current: dict[int, str] = {}
        existing: dict[int, tuple] = {}
        for chunk in _chunks(report_ids):
            marks = ", ".join("?" * len(chunk))
            for rid, version, is_current in self.db.execute(
                    f"SELECT report_id, version, is_current FROM report_documents WHERE report_id IN ({marks})", chunk):
                versions.setdefault(rid, set()).add(version)
                if is_current:
                    current[rid] = version
            for row in self.db.execute(f"SELECT id, url, portal, list_title, title, agency, text FROM reports "
                                       f"WHERE id IN ({marks})", chunk):
                existing[row[0]] = row[1:]
        saved, demoted, kept, urls, derived = {}, [], [], [], []
        now_ = now()
        for r, rid in zip(results, report_ids):
            documents = r.documents
            version = version_of(documents)
            known = version in versions.get(rid, ())
            status = "new" if rid not in current else ("unchanged" if known else "changed")
            if status == "changed":
                demoted.append((rid,))
            if not known:
                kept += [(rid, version, d.sha256, d.url, d.role, now_, 1) for d in documents]
            urls += [(d.url, rid, d.role, now_, now_) for d in documents]
            saved[id(r)] = Saved(rid, status)
            if not (status == "unchanged" and current[rid] != version):  # an older version seen again
                derived.append((r, rid))                                  # keeps the current one
        self.db.conn.executemany("UPDATE report_documents SET is_current = 0 WHERE report_id = ?", demoted)
        self.db.conn.executemany("INSERT INTO report_documents(report_id, version, sha256, url, role, fetched_at, "
                                 "is_current) VALUES (?, ?, ?, ?, ?, ?, ?)", kept)
        self.db.conn.executemany(
            "INSERT INTO report_urls(url, report_id, role, first_seen, last_seen) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(url) DO UPDATE SET last_seen = excluded.last_seen, report_id = excluded.report_id", urls)
        self._write_derived(derived, existing, now_)
        return saved

    def _write_derived(self, derived: list[tuple[ParseResult, int]], existing: dict[int, tuple], now_: str) -> None:
        """The public rows of reports (their row, values, sections, checks, search entry and
        summary), replacing what an earlier parse wrote."""
        if not derived:
            return
        reports, forgotten, indexed, sources = [], [], [], []
        values: dict[str, list[tuple]] = {table: [] for table in STAT_TABLES}
        section_rows, unaligned, checks = [], [], []
        for r, rid in derived:
            parsed, documents = r.parsed, r.documents
            url, portal, list_title = documents[0].url, r.fetched["portal"], r.fetched["link_text"]
            stats_digest = documents[r.stats_from].sha256
            if rid in existing:  # the first URL a report was found under stays its URL
                old = existing[rid]
                url, portal, list_title = old[0], old[1] or portal, old[2] or list_title
                # a contentless index forgets a row only when told what it indexed
                forgotten.append((rid, *index_fields(*old[3:])))
            text_simplified = simplified(parsed.text)
            sources_of = getattr(parsed, "sources", {})
            reports.append((rid, url, parsed.title, parsed.agency, parsed.year, parsed.publisher,
                            parsed.published_date, parsed.template, parsed.source_format, parsed.text,
                            text_simplified if text_simplified != parsed.text else None, portal, list_title,
                            documents[r.text_from].sha256, now_, "\n".join(parsed.notes) or None,
                            getattr(parsed, "template_confidence", None), getattr(parsed, "template_reason", None),
                            *(sources_of.get(name) for name in ("title", "agency", "year"))))
            sources.append((rid, self.interner.document(stats_digest)))
            for cell in parsed.cells:
                values[cell.table].append(value_tables.row(cell.table, rid, cell, self.interner))
            section_rows += [(rid, i, section.number, section.title, span["start"], span["length"], span["text"])
                             for i, (section, span) in enumerate(zip(parsed.sections, spans(parsed.text, parsed.sections)))]
            unaligned += [(rid, stats_digest, u.section, u.source_table, u.source_row, u.label, _json(list(u.cells)))
                          for u in getattr(parsed, "unaligned", [])]
            checks += [(rid, c.name, int(c.passed), c.detail) for c in parsed.checks]
            indexed.append((rid, *index_fields(parsed.title, parsed.agency, parsed.text)))
        conn = self.db.conn
        conn.executemany("INSERT INTO reports_fts(reports_fts, rowid, title, agency, body) "
                         "VALUES ('delete', ?, ?, ?, ?)", forgotten)
        conn.executemany(f"INSERT OR REPLACE INTO reports({', '.join(REPORT_COLUMNS)}) "
                         f"VALUES ({', '.join('?' * len(REPORT_COLUMNS))})", reports)
        again = [(rid,) for _, rid in derived if rid in existing]
        for table in (*map(value_tables.base, STAT_TABLES), "checks", "unaligned_rows", "section_spans"):
            conn.executemany(f"DELETE FROM {table} WHERE report_id = ?", again)
        conn.executemany("INSERT OR REPLACE INTO value_sources(report_id, document) VALUES (?, ?)", sources)
        for table, rows in values.items():
            if rows:
                conn.executemany(f"INSERT INTO {value_tables.base(table)} VALUES "
                                 f"({', '.join('?' * len(rows[0]))})", rows)
        conn.executemany("INSERT INTO section_spans(report_id, position, number, title, start, length, text) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)", section_rows)
        conn.executemany("INSERT INTO unaligned_rows(report_id, document_sha256, section, source_table, source_row, "
                         "label, cells) VALUES (?, ?, ?, ?, ?, ?, ?)", unaligned)
        conn.executemany("INSERT INTO checks(report_id, check_name, passed, detail) VALUES (?, ?, ?, ?)", checks)
        conn.executemany("INSERT INTO reports_fts(rowid, title, agency, body) VALUES (?, ?, ?, ?)", indexed)
        summaries.write_summaries(conn, [rid for _, rid in derived])

    def validator(self, url: str) -> tuple | None:
        """(etag, last_modified, sha256, content_type) of a page kept from an earlier run."""
        return self.db.execute(
            "SELECT p.etag, p.last_modified, p.sha256, d.content_type FROM pages p JOIN documents d "
            "ON d.sha256 = p.sha256 WHERE p.url = ? AND (p.etag IS NOT NULL OR p.last_modified IS NOT NULL)",
            [url]).fetchone()

    def fetched_report_age_days(self, url: str) -> float | None:
        """Days since the report at this URL was last fetched, or None if it never was."""
        row = self.db.execute("SELECT julianday('now') - julianday(fetched_at) FROM fetched_reports "
                              "WHERE url = ?", [url]).fetchone()
        return row[0] if row and row[0] is not None else None
