"""Take one fetched report document into the archive, and re-parse the archive.

Both the crawl (through the pipeline) and ``nianbao reparse`` come through
:func:`ingest_report`, so they store exactly the same thing. The raw document is
kept before parsing: a page that fails to parse is recorded, never lost.
"""

from __future__ import annotations

import logging

from archive.parse import parse_report
from archive.store import STAT_TABLES, Archive
from crawler.discover import is_report_title

logger = logging.getLogger(__name__)
# Rebuilt by reparse; raw documents, pages, runs and the stable report ids stay.
DERIVED_TABLES = ("reports", "report_urls", "report_documents", *STAT_TABLES, "checks", "sections", "reports_fts")


def ingest_report(archive: Archive, url: str, body: bytes, content_type: str | None,
                  portal: str | None, link_text: str | None, run_id: int | None = None) -> str:
    """Keep, parse and store one document; returns new | changed | unchanged | not-report | failed."""
    digest = archive.keep_document(url, body, content_type)
    page = {"url": url, "portal": portal, "sha256": digest, "link_text": link_text,
            "content_type": content_type, "bytes": len(body), "status": 200}
    if run_id is not None:
        page["run_id"] = run_id
    try:
        parsed = parse_report(body, content_type, url, list_title=link_text)
    except Exception as error:  # a broken page must not stop the crawl
        logger.exception("could not parse %s", url)
        archive.record_page(**page, kind="report", error=f"parse failed: {type(error).__name__}: {error}"[:500])
        return "failed"
    if parsed.title and not is_report_title(parsed.title):
        logger.info("not a report after all: %s (%s)", url, parsed.title)
        archive.record_page(**page, kind="not-report", error=None)
        return "not-report"
    saved = archive.save_report(parsed, url, digest, portal, link_text)
    archive.record_page(**page, kind="report", error=None)
    return saved.status


def reparse(archive: Archive) -> dict:
    """Rebuild reports and every table below them from the kept documents."""
    counts: dict = {}
    with archive.db.conn:
        for table in DERIVED_TABLES:
            archive.db.execute(f"DELETE FROM {table}")
    rows = archive.db.execute(
        "SELECT url, sha256, portal, link_text FROM pages "
        "WHERE kind IN ('report', 'not-report') AND sha256 IS NOT NULL ORDER BY url").fetchall()
    for url, digest, portal, link_text in rows:
        body, content_type, _ = archive.document(digest)
        outcome = ingest_report(archive, url, body, content_type, portal, link_text)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
