"""The archive's public content as comparable rows: what a journalist reads, without the
columns that differ between two crawls of the same portals (ids, run ids, timestamps)."""

from __future__ import annotations

import sqlite3

# (name, query): each query keys a report by its URL, never by its id
PUBLIC_ROWS = {
    "reports": "SELECT url, title, agency, year, publisher, published_date, template, source_format, text, "
               "portal, list_title, document_sha256, parse_notes, template_confidence, template_reason, "
               "title_source, agency_source, year_source FROM reports",
    "report_urls": "SELECT u.url, r.url, u.role FROM report_urls u JOIN reports r ON r.id = u.report_id",
    "report_documents": "SELECT r.url, d.version, d.sha256, d.url, d.role, d.is_current "
                        "FROM report_documents d JOIN reports r ON r.id = d.report_id",
    "checks": "SELECT r.url, c.check_name, c.passed, c.detail FROM checks c JOIN reports r ON r.id = c.report_id",
    "applications": "SELECT * FROM applications",
    "active_disclosure": "SELECT * FROM active_disclosure",
    "reviews": "SELECT * FROM reviews",
    "legacy_stats": "SELECT * FROM legacy_stats",
    "unaligned_rows": "SELECT r.url, u.document_sha256, u.section, u.source_table, u.source_row, u.label, u.cells "
                      "FROM unaligned_rows u JOIN reports r ON r.id = u.report_id",
    "pages": "SELECT url, portal, kind, status, content_type, bytes, sha256, error, via, link_text, etag, "
             "last_modified, report_url FROM pages",
    "documents": "SELECT sha256, content_type FROM raw.documents",
    "fetched_reports": "SELECT url, portal, link_text, documents, version, outcome FROM fetched_reports",
    "portal_runs": "SELECT portal, reports_listed, reports_new, lists_read, renders, failures, "
                   "report_column_found, unreachable, complete FROM portal_runs",
}
ID_COLUMNS = ("id", "report_id")


def public_rows(db) -> dict[str, list[tuple]]:
    """Every public table's rows, sorted, ids left out (a view's report_id is replaced by its URL)."""
    from archive.store import raw_path

    conn = sqlite3.connect(str(db))
    conn.execute("ATTACH DATABASE ? AS raw", [raw_path(str(db))])
    try:
        urls = dict(conn.execute("SELECT id, url FROM reports"))
        found = {}
        for name, sql in PUBLIC_ROWS.items():
            cursor = conn.execute(sql)
            columns = [c[0] for c in cursor.description]
            rows = []
            for row in cursor:
                rows.append(tuple(urls.get(v) if c in ID_COLUMNS else v for c, v in zip(columns, row)
                                  if c not in ("fetched_at", "first_seen", "last_seen")))
            found[name] = sorted(rows, key=repr)
        return found
    finally:
        conn.close()
