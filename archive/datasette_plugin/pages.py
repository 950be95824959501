"""The plugin's own pages. Every database access is a read through Datasette
(``datasette.get_database()``, which ``nianbao serve`` opens immutable)."""

from __future__ import annotations

import re
import zlib

from datasette.utils.asgi import NotFound, Response

from archive.datasette_plugin.safe_html import (DOCUMENT_HEADERS, cleaned_document, document_source,
                                                 document_tables, is_html)
from archive.labels import template
from archive.search import fts_query, simplified

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


def _database(datasette):
    return datasette.get_database()


async def _rows(db, sql, params=()):
    return [dict(r) for r in (await db.execute(sql, params)).rows]


async def _columns(db, table):
    return set(await db.table_columns(table)) if await db.table_exists(table) else set()


async def _document(db, digest):
    rows = await _rows(db, "SELECT body, content_type, url, compression FROM documents WHERE sha256 = ?",
                       [digest])
    if not rows:
        raise NotFound(f"No document {digest}")
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
        body, content_type, _ = await _document(db, document["sha256"])
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
    rows = await _rows(db, "SELECT sha256, url, content_type, size, fetched_at FROM documents "
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
    """Search reports (full text), sections and portals at once."""
    db = _database(datasette)
    q = (request.args.get("q") or "").strip()
    reports, portals = [], []
    if q:
        reports = await _rows(db, (
            "SELECT r.id AS report_id, r.title, r.agency, r.year, g.province, r.url, "
            "  snippet(reports_fts, 2, '\x02', '\x03', '…', 24) AS snippet "
            "FROM reports_fts f JOIN reports r ON r.id = f.rowid LEFT JOIN regions g ON g.portal = r.portal "
            "WHERE reports_fts MATCH ? ORDER BY rank LIMIT ?"), [fts_query(q), SEARCH_LIMIT])
        for row in reports:
            row["snippet"] = _snippet(row["snippet"])
        like = f"%{simplified(q)}%"
        portals = await _rows(db, "SELECT * FROM regions WHERE portal LIKE ? OR province LIKE ? "
                                  "OR city LIKE ? OR region_code LIKE ?", [like] * 3 + [f"{q}%"])
    return Response.html(await datasette.render_template("nianbao_search.html", {
        "q": q, "reports": reports, "portals": portals, "limit": SEARCH_LIMIT, "database": db.name,
    }, request=request))


def _snippet(indexed: str | None) -> list[tuple[bool, str]]:
    """The FTS snippet is bigrams (国家 家秘 秘密) with hits between \\x02 and \\x03: join them
    back into text and return (is_hit, text) pieces.

    >>> _snippet("…属于 于国 \x02国家 家秘 秘密\x03 2023 其他 他法…")
    [(False, '…属于'), (True, '国家秘密'), (False, '2023其他法…')]
    """
    chars: list[list] = []  # [text, hit]
    last, hit = None, False
    for token in re.findall(r"[\x02\x03…]|[^\s\x02\x03…]+", indexed or ""):
        if token in "\x02\x03":
            hit = token == "\x02"
            continue
        overlaps = (last is not None and len(last) == 2 and len(token) == 2 and not token.isascii()
                    and last[1] == token[0])
        if overlaps:
            chars[-1][1] = chars[-1][1] or hit
            chars.append([token[1], hit])
        else:
            if chars and (token.isascii() and last.isascii()):
                chars.append([" ", False])
            chars.extend([ch, hit] for ch in token)
        last = token
    pieces: list[tuple[bool, str]] = []
    for ch, hit in chars:
        if pieces and pieces[-1][0] == hit:
            pieces[-1] = (hit, pieces[-1][1] + ch)
        else:
            pieces.append((hit, ch))
    return pieces


async def archive_facts(datasette) -> dict:
    """What the home page says about the archive's size and freshness."""
    db = _database(datasette)
    try:
        facts = (await _rows(db, "SELECT count(*) AS reports, min(year) AS first_year, max(year) AS last_year, "
                                 "count(DISTINCT portal) AS portals FROM reports"))[0]
        runs = await _rows(db, "SELECT max(finished) AS last_crawl FROM crawl_runs")
        facts["last_crawl"] = runs[0]["last_crawl"] if runs else None
    except Exception:  # not a nianbao archive
        return {}
    facts["database"] = db.name
    return facts


ROUTES = [
    (r"^/-/report/(?P<id>\d+)$", report_page),
    (r"^/-/archived/(?P<sha256>[0-9a-f]{64})$", archived_page),
    (r"^/-/archived/(?P<sha256>[0-9a-f]{64})/document$", archived_document),
    (r"^/-/search$", search_page),
]
