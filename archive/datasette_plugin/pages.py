"""The plugin's own pages. Every database access is a read: through Datasette
(``datasette.get_database()``, which ``nianbao serve`` opens immutable) for the archive, and
read-only for its raw documents (``ARCHIVE.documents.db`` beside it), which Datasette does not
publish. Every page reads tables materialised at parse time; none aggregates the archive."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import zlib
from pathlib import Path

from datasette.utils.asgi import NotFound, Response

from archive.datasette_plugin.safe_html import (DOCUMENT_HEADERS, cleaned_document, document_source,
                                                 document_tables, is_html)
from archive.labels import template
from archive.search import excerpt, fts_query, is_prose, simplified

# Which long table holds a report's statistics, and how to fold it into a readable table:
# (title, table, row key columns, column key column); titles from the template data.
_T2021 = template("2021")
STATISTICS = [
    (_T2021["section2_active_disclosure"]["title"], "active_disclosure", ("item", "content"), "metric"),
    (_T2021["section3_requests"]["title"], "applications", ("row_label",), "applicant"),
    (_T2021["section4_review_litigation"]["title"], "reviews", ("result",), "proceeding"),
    (template("pre2019")["name"].split(" (")[0], "legacy_stats", ("indicator", "unit"), None),
]
SEARCH_LIMIT = 50
# A common word matches most of a national archive: the newest RANKED matches are ranked
# (bm25), so that a search costs the same at a million reports as at ten thousand.
RANKED = 2000


def _database(datasette):
    return datasette.get_database()


async def _rows(db, sql, params=()):
    return [dict(r) for r in (await db.execute(sql, params)).rows]


async def _columns(db, table):
    return set(await db.table_columns(table)) if await db.table_exists(table) else set()


def _raw_connection(db):
    """The archive's raw documents, read-only (None when they are not published here)."""
    from archive.store import raw_path  # storage, not parsing

    path = Path(raw_path(db.path)) if db.path else None
    if path is None or not path.exists():
        return None
    return sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)


async def _raw_rows(db, sql, params):
    def read():
        conn = _raw_connection(db)
        if conn is None:
            return []
        try:
            conn.row_factory = sqlite3.Row
            return [dict(r) for r in conn.execute(sql, params).fetchall()]
        finally:
            conn.close()

    rows = await asyncio.to_thread(read)
    if not rows and await db.table_exists("documents"):  # an archive from before the split
        rows = await _rows(db, sql, params)
    return rows


async def _document(db, digest):
    rows = await _raw_rows(db, "SELECT body, content_type, url, compression FROM documents WHERE sha256 = ?",
                           [digest])
    if not rows:
        raise NotFound(f"No document {digest} here (raw documents are kept in the archive's .documents.db)")
    row = rows[0]
    body = zlib.decompress(row["body"]) if (row["compression"] or "zlib") == "zlib" else row["body"]
    return body, row["content_type"], row["url"]


def _fold(rows, row_keys, column_key):
    """Long rows → (columns, [(row label, {column: cell})]), in document order."""
    columns, lines = [], {}
    for row in rows:
        label = " · ".join(str(row[k]) for k in row_keys if row.get(k))
        column = row[column_key] if column_key else "value"
        if column not in columns:
            columns.append(column)
        lines.setdefault(label, {})[column] = row
    return columns, list(lines.items())


async def report_page(datasette, request):
    db = _database(datasette)
    report_id = int(request.url_vars["id"])
    found = await _rows(db, "SELECT * FROM report_summary WHERE report_id = ?", [report_id])
    if not found:
        raise NotFound(f"No report {report_id}")
    summary = found[0]
    report = (await _rows(db, "SELECT * FROM reports WHERE id = ?", [report_id]))[0]
    sections = await _rows(db, "SELECT number, title, text FROM sections WHERE report_id = ? "
                               "ORDER BY position", [report_id])
    if not sections:
        sections = [{"number": None, "title": None, "text": report["text"] or ""}]
    for section in sections:
        section["paragraphs"] = [p for p in re.split(r"\n\s*", section["text"] or "") if p.strip()]
    doc_columns = await _columns(db, "report_documents")
    role = "role" if "role" in doc_columns else "'page' AS role"
    documents = await _rows(db, f"SELECT sha256, url, {role}, fetched_at FROM report_documents "
                                "WHERE report_id = ? AND is_current = 1", [report_id])
    if not documents and report["document_sha256"]:
        documents = [{"sha256": report["document_sha256"], "url": report["url"], "role": "page"}]
    tables = []
    for document in documents:
        try:
            body, content_type, _ = await _document(db, document["sha256"])
        except NotFound:
            continue
        if is_html(content_type, body):
            tables += [{"document": document, "index": i, "rows": rows}
                       for i, rows in enumerate(document_tables(body, content_type)) if rows]
    statistics = []
    for title, table, row_keys, column_key in STATISTICS:
        rows = await _rows(db, f"SELECT * FROM {table} WHERE report_id = ? ORDER BY rowid", [report_id])
        if rows:
            columns, lines = _fold(rows, row_keys, column_key)
            statistics.append({"title": title, "table": table, "columns": columns, "lines": lines})
    checks = await _rows(db, "SELECT check_name, passed, detail FROM checks WHERE report_id = ? "
                             "ORDER BY passed, check_name", [report_id])
    return Response.html(await datasette.render_template("nianbao_report.html", {
        "report": report, "summary": summary, "sections": sections, "documents": documents,
        "tables": tables, "statistics": statistics, "checks": checks, "database": db.name,
    }, request=request))


async def archived_page(datasette, request):
    """The archived document inside Datasette's page, in a sandboxed iframe."""
    db = _database(datasette)
    digest = request.url_vars["sha256"]
    rows = await _raw_rows(db, "SELECT sha256, url, content_type, size, fetched_at FROM documents "
                               "WHERE sha256 = ?", [digest])
    if not rows:
        raise NotFound(f"No document {digest}")
    reports = await _rows(db, "SELECT DISTINCT r.id, r.title FROM reports r LEFT JOIN report_documents d "
                              "ON d.report_id = r.id WHERE d.sha256 = ? OR r.document_sha256 = ?",
                          [digest, digest])
    body, content_type, _ = await _document(db, digest)
    return Response.html(await datasette.render_template("nianbao_archived.html", {
        "document": rows[0], "reports": reports, "html": is_html(content_type, body),
    }, request=request))


async def archived_document(datasette, request):
    """The raw document itself: HTML cleaned of scripts and served under a sandbox CSP;
    anything else as a download. ``?as=source`` gives the HTML source as plain text."""
    db = _database(datasette)
    body, content_type, _ = await _document(db, request.url_vars["sha256"])
    headers = dict(DOCUMENT_HEADERS)
    if request.args.get("as") == "source":
        return Response.text(document_source(body, content_type), headers=headers)
    if is_html(content_type, body):
        return Response.html(cleaned_document(body, content_type), headers=headers)
    headers["Content-Disposition"] = f'attachment; filename="{request.url_vars["sha256"][:16]}"'
    return Response(body, content_type="application/octet-stream", headers=headers)


async def search_page(datasette, request):
    """Search the reports' narrative text (not their tables), ranked by bm25 with the title
    weighted (among the newest :data:`RANKED` matches), each result with the section that says
    so and a readable excerpt."""
    db = _database(datasette)
    q = (request.args.get("q") or "").strip()
    reports, portals = [], []
    if q:
        reports = await _rows(db, (
            "SELECT r.id AS report_id, r.title, r.agency, r.year, s.province, r.url "
            "FROM (SELECT rowid, bm25(reports_fts, 10.0, 5.0, 1.0) AS score FROM reports_fts "
            "      WHERE reports_fts MATCH ? ORDER BY rowid DESC LIMIT ?) f "
            "JOIN reports r ON r.id = f.rowid LEFT JOIN report_summary s ON s.report_id = r.id "
            "ORDER BY f.score LIMIT ?"), [fts_query(q), RANKED, SEARCH_LIMIT])
        for row in reports:
            row["section"], row["snippet"] = await _where_it_says(db, row["report_id"], q)
        like = f"%{simplified(q)}%"
        portals = await _rows(db, "SELECT * FROM regions WHERE portal LIKE ? OR province LIKE ? "
                                  "OR city LIKE ? OR region_code LIKE ? LIMIT 50", [like] * 3 + [f"{q}%"])
    return Response.html(await datasette.render_template("nianbao_search.html", {
        "q": q, "reports": reports, "portals": portals, "limit": SEARCH_LIMIT, "database": db.name,
    }, request=request))


async def _where_it_says(db, report_id: int, q: str):
    """(section heading, excerpt) of the first narrative line of the report holding the query."""
    sections = await _rows(db, "SELECT number, title, text FROM sections WHERE report_id = ? ORDER BY position",
                           [report_id])
    if not sections:
        sections = [{"number": None, "title": None,
                     "text": (await _rows(db, "SELECT text FROM reports WHERE id = ?", [report_id]))[0]["text"]}]
    for section in sections:
        for line in (section["text"] or "").split("\n"):
            if is_prose(line):
                pieces = excerpt(line, q)
                if pieces:
                    heading = "、".join(p for p in (section["number"], section["title"]) if p)
                    return heading or None, pieces
    return None, []


async def archive_facts(datasette) -> dict:
    """What the home page says about the archive's size and freshness (materialised in
    ``archive_stats`` at the end of each parse run), and the alarms of the latest crawl."""
    db = _database(datasette)
    try:
        rows = await _rows(db, "SELECT reports, first_year, last_year, portals, last_crawl FROM archive_stats")
    except Exception:  # not a nianbao archive
        return {}
    facts = rows[0] if rows else {"reports": 0}
    facts["database"] = db.name
    if await db.table_exists("alarms"):  # layout-changed alarms of the latest crawl run
        latest = await _rows(db, "SELECT count(*) AS n FROM alarms WHERE run_id = (SELECT max(id) FROM crawl_runs)")
        facts["alarms"] = latest[0]["n"]
    return facts


ROUTES = [
    (r"^/-/report/(?P<id>\d+)$", report_page),
    (r"^/-/archived/(?P<sha256>[0-9a-f]{64})$", archived_page),
    (r"^/-/archived/(?P<sha256>[0-9a-f]{64})/document$", archived_document),
    (r"^/-/search$", search_page),
]
