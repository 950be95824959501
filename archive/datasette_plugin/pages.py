"""The plugin's own pages. Every database access is a read: through Datasette
(``datasette.get_database()``, which ``nianbao serve`` opens immutable) for the archive, and
read-only for its raw documents (``ARCHIVE.documents.db`` beside it), which Datasette does not
publish. Every page reads tables materialised at parse time; none aggregates the archive."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sqlite3
import zlib
from pathlib import Path

from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup, escape

from archive.datasette_plugin.safe_html import (DOCUMENT_HEADERS, cleaned_document, document_source,
                                                 document_tables, is_html)
from archive.replay_server import replay_url
from archive.templates import template, template_ids
from archive.search import excerpt, fts_query, is_prose, simplified
from archive.value_tables import STAT_TABLES

# Which long table holds a report's statistics, and how to fold it into a readable table:
# (title, table, row key columns, column key column); titles from the newest template data.
_NATIONAL = template(template_ids("national")[0])
STATISTICS = [
    (_NATIONAL["section2_active_disclosure"]["title"], "active_disclosure", ("item", "content"), "metric"),
    (_NATIONAL["section3_requests"]["title"], "applications", ("row_label",), "applicant"),
    (_NATIONAL["section4_review_litigation"]["title"], "reviews", ("result",), "proceeding"),
    (template(template_ids("legacy_forms")[0])["name"].split(" (")[0], "legacy_stats", ("indicator", "unit"), None),
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
        rows = await _rows(db, f"SELECT * FROM {table} WHERE report_id = ? "
                               "ORDER BY source_table, source_row, source_col", [report_id])
        if rows:
            columns, lines = _fold(rows, row_keys, column_key)
            statistics.append({"title": title, "table": table, "columns": columns, "lines": lines})
    checks = await _rows(db, "SELECT check_name, passed, detail FROM checks WHERE report_id = ? "
                             "ORDER BY passed, check_name", [report_id])
    unaligned = []
    if await db.table_exists("unaligned_rows"):   # archives from before it have none
        unaligned = await _rows(db, "SELECT section, source_table, source_row, label, cells FROM unaligned_rows "
                                    "WHERE report_id = ? ORDER BY rowid", [report_id])
        for row in unaligned:
            row["cells"] = json.loads(row["cells"] or "[]")
    years = await _agency_years(db, summary)
    replay = os.environ.get("NIANBAO_REPLAY_URL")   # `nianbao serve --replay`
    captured = [{**d, "replay": replay_url(replay, d["url"], d.get("fetched_at"))} for d in documents] if replay else []
    return Response.html(await datasette.render_template("nianbao_report.html", {
        "report": report, "summary": summary, "sections": sections, "documents": documents, "captured": captured,
        "tables": tables, "statistics": statistics, "checks": checks, "unaligned": unaligned,
        "database": db.name,
        "cell_path": cell_path, "years": years, "comparison": COMPARISON,
        "chart": year_chart(years, CHARTED),
    }, request=request))


# -- one agency over the years -------------------------------------------------------------
# (report_summary column, label) of the year-on-year table on the report page: applications,
# refusals by reason, reviews and lawsuits (件).
COMPARISON = [
    ("new_requests", "本年新收申请"), ("carried_over", "上年结转"), ("disclosed", "予以公开"),
    ("partly_disclosed", "部分公开"), ("refused", "不予公开"),
    ("refused_state_secret", "　属于国家秘密"), ("refused_prohibited_by_law", "　其他法律行政法规禁止公开"),
    ("refused_security_stability", "　危及“三安全一稳定”"), ("refused_third_party", "　保护第三方合法权益"),
    ("refused_internal_affairs", "　属于三类内部事务信息"), ("refused_process_information", "　属于四类过程性信息"),
    ("refused_enforcement_files", "　属于行政执法案卷"), ("refused_inquiry", "　属于行政查询事项"),
    ("processed", "办理结果总计"), ("reviews", "行政复议"), ("reviews_corrected", "　其中结果纠正"),
    ("lawsuits", "行政诉讼"), ("lawsuits_corrected", "　其中结果纠正"), ("failed_checks", "未通过的核对"),
]
CHARTED = [("new_requests", "本年新收申请", "#1f77b4"), ("refused", "不予公开", "#d62728"),
           ("reviews", "行政复议", "#2ca02c"), ("lawsuits", "行政诉讼", "#ff7f0e")]


async def _agency_years(db, summary) -> list[dict]:
    """The same agency's reports on the same portal, one per year (the newest report of a
    year when it published more than one), oldest first."""
    if not summary.get("agency"):
        return []
    rows = await _rows(db, "SELECT * FROM report_summary WHERE agency = ? AND portal IS ? AND year IS NOT NULL "
                           "ORDER BY year, report_id", [summary["agency"], summary["portal"]])
    by_year = {row["year"]: row for row in rows}
    return [by_year[year] for year in sorted(by_year)]


def year_chart(years: list[dict], series, width: int = 640, height: int = 220) -> Markup:
    """Grouped bars, one group per year, as inline SVG (no script): what the table below it
    says, drawn. Missing figures draw no bar.

    >>> svg = year_chart([{"year": 2021, "a": 4}, {"year": 2022, "a": 8}], [("a", "A", "#000")])
    >>> svg.count("<rect data-year"), 'data-year="2022"' in svg
    (2, True)
    """
    if len(years) < 2:
        return Markup("")
    top = max([row[c] or 0 for row in years for c, _, _ in series] + [1])
    left, bottom, legend = 40, 24, 18
    plot_w, plot_h = width - left - 8, height - bottom - legend - 8
    group = plot_w / len(years)
    bar = group * 0.8 / len(series)
    parts = [f'<svg class="nianbao-chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="year on year">']
    for i, (column, label, colour) in enumerate(series):
        x = left + i * 130
        parts.append(f'<rect x="{x}" y="2" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{x + 14}" y="11" font-size="11">{escape(label)}</text>')
    base = legend + 8 + plot_h
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width - 8}" y2="{base}" stroke="#555"/>'
                 f'<text x="{left - 4}" y="{legend + 16}" font-size="10" text-anchor="end">{top}</text>'
                 f'<text x="{left - 4}" y="{base}" font-size="10" text-anchor="end">0</text>')
    for g, row in enumerate(years):
        x0 = left + g * group + group * 0.1
        for i, (column, label, colour) in enumerate(series):
            value = row.get(column)
            if value is None:
                continue
            h = plot_h * value / top
            parts.append(f'<rect data-year="{row["year"]}" data-series="{column}" x="{x0 + i * bar:.1f}" '
                         f'y="{base - h:.1f}" width="{bar * 0.9:.1f}" height="{h:.1f}" fill="{colour}">'
                         f'<title>{row["year"]} {escape(label)}: {value} 件</title></rect>')
        parts.append(f'<text x="{x0 + group * 0.4:.1f}" y="{base + 14}" font-size="11" text-anchor="middle">'
                     f'{row["year"]}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


# -- a citable cell ------------------------------------------------------------------------

def cell_keys(table: str, row: dict) -> dict:
    """The fields that name one value of a report's table (row_label is redundant with
    row_code, so a permalink survives a relabelled row).

    >>> cell_keys("applications", {"row_code": "3.3.1", "row_label": "1.属于国家秘密", "applicant": "总计"})
    {'row_code': '3.3.1', 'applicant': '总计'}
    """
    fields = [f for f in STAT_TABLES[table] if not (f == "row_label" and row.get("row_code"))]
    return {f: row[f] for f in fields if row.get(f) is not None}


def cell_path(report_id: int, table: str, row: dict) -> str:
    """The permalink of one value: /-/cell/REPORT/TABLE?field=…

    >>> cell_path(7, "reviews", {"proceeding": "行政复议", "result": "总计"})
    '/-/cell/7/reviews?proceeding=%E8%A1%8C%E6%94%BF%E5%A4%8D%E8%AE%AE&result=%E6%80%BB%E8%AE%A1'
    """
    from urllib.parse import urlencode

    return f"/-/cell/{report_id}/{table}?{urlencode(cell_keys(table, row))}"


async def cell_page(datasette, request):
    """One figure, citable: the report, the document it was read from, where in that
    document (table, row, column), the cell as printed, and the value as stored."""
    db = _database(datasette)
    report_id, table = int(request.url_vars["id"]), request.url_vars["table"]
    if table not in STAT_TABLES:
        raise NotFound(f"No table {table}: one of {', '.join(STAT_TABLES)}")
    given = {f: request.args.get(f) for f in STAT_TABLES[table] if request.args.get(f) is not None}
    if not given:
        raise NotFound(f"Name the cell: {', '.join(STAT_TABLES[table])}")
    where = " AND ".join(f"{f} = ?" for f in given)
    cells = await _rows(db, f"SELECT * FROM {table} WHERE report_id = ? AND {where} LIMIT 2",
                        [report_id, *given.values()])
    if len(cells) != 1:
        raise NotFound("No such cell in this report" if not cells else "More than one cell matches: name them all")
    cell = cells[0]
    reports = await _rows(db, "SELECT * FROM reports WHERE id = ?", [report_id])
    if not reports:
        raise NotFound(f"No report {report_id}")
    printed, document = None, None
    if cell.get("document_sha256"):
        document = (await _raw_rows(db, "SELECT sha256, url, content_type, fetched_at FROM documents "
                                        "WHERE sha256 = ?", [cell["document_sha256"]]) or [None])[0]
        try:
            body, content_type, _ = await _document(db, cell["document_sha256"])
            if is_html(content_type, body) and cell.get("source_table") is not None:
                found = document_tables(body, content_type)
                if 0 <= cell["source_table"] < len(found):
                    printed = found[cell["source_table"]]
        except NotFound:
            pass
    return Response.html(await datasette.render_template("nianbao_cell.html", {
        "report": reports[0], "table": table, "cell": cell, "document": document, "printed": printed,
        "labels": [(f, cell.get(f)) for f in STAT_TABLES[table] if cell.get(f) is not None],
        "permalink": datasette.absolute_url(request, cell_path(report_id, table, cell)),
        "database": db.name,
    }, request=request))


async def start_page(datasette, request):
    """Start here: the questions the archive answers, how to cite a figure, how to download."""
    db = _database(datasette)
    facts = await archive_facts(datasette)
    example = await _rows(db, "SELECT s.report_id, s.title, s.year, a.row_code, a.row_label, a.applicant, a.value "
                              "FROM report_summary s JOIN applications a ON a.report_id = s.report_id "
                              "WHERE a.row_code = '1' AND a.applicant = '总计' AND a.value IS NOT NULL "
                              "ORDER BY s.year DESC, s.new_requests DESC LIMIT 1")
    example = example[0] if example else None
    return Response.html(await datasette.render_template("nianbao_start.html", {
        "facts": facts, "database": db.name, "example": example,
        "example_path": cell_path(example["report_id"], "applications", example) if example else None,
        "year": facts.get("last_year") or "",
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
    (r"^/-/cell/(?P<id>\d+)/(?P<table>[a-z_]+)$", cell_page),
    (r"^/-/start$", start_page),
]
