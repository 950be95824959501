"""Take one fetched report into the archive, and re-parse the archive.

Both the crawl (through the pipeline) and ``nianbao reparse`` come through
:func:`ingest_documents`, so they store exactly the same thing. Raw documents are
kept before parsing: a document that fails to parse is recorded, never lost.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from archive.bundle import combine
from archive.parse import parse_report
from archive.store import STAT_TABLES, Archive, StoredDocument
from crawler.discover import is_report_title

logger = logging.getLogger(__name__)
# Rebuilt by reparse; raw documents, pages, runs, report URLs, old versions and the
# stable report ids stay.
DERIVED_TABLES = ("reports", *STAT_TABLES, "checks", "sections", "reports_fts")


@dataclass(frozen=True)
class Document:
    url: str
    body: bytes
    content_type: str | None
    role: str = "page"  # page | attachment


def ingest_report(archive: Archive, url: str, body: bytes, content_type: str | None,
                  portal: str | None, link_text: str | None, run_id: int | None = None,
                  attachments: tuple = ()) -> str:
    """Keep, parse and store one report page (and its attachments: (url, body, content_type))."""
    documents = [Document(url, body, content_type, "page")]
    documents += [Document(u, b, c, "attachment") for u, b, c in attachments]
    return ingest_documents(archive, documents, portal, link_text, run_id)


def ingest_documents(archive: Archive, documents: list[Document], portal: str | None,
                     link_text: str | None, run_id: int | None = None) -> str:
    """Returns new | changed | unchanged | not-report | failed."""
    stored = [StoredDocument(archive.keep_document(d.url, d.body, d.content_type), d.url, d.role)
              for d in documents]
    main = documents[0]

    def record(kind, error=None):
        for d, s in zip(documents, stored):
            page = {"url": d.url, "portal": portal, "sha256": s.sha256, "content_type": d.content_type,
                    "bytes": len(d.body), "kind": kind if d.role == "page" else "attachment",
                    "error": error, "report_url": main.url}
            if d.role == "page":
                page["link_text"] = link_text
            if run_id is not None:
                page["run_id"] = run_id
            archive.record_page(**page)

    try:
        parts = [parse_report(d.body, d.content_type, d.url, list_title=link_text) for d in documents]
        parsed, text_from, stats_from = combine(parts, is_report_title)
    except Exception as error:  # a broken document must not stop the crawl
        logger.exception("could not parse %s", main.url)
        record("report", f"parse failed: {type(error).__name__}: {error}"[:500])
        return "failed"
    if parsed.title and not is_report_title(parsed.title) and not is_report_title(link_text or ""):
        logger.info("not a report after all: %s (%s)", main.url, parsed.title)
        record("not-report")
        return "not-report"
    saved = archive.save_report(parsed, stored, portal, link_text, text_from, stats_from)
    record("report")
    return saved.status


def reparse(archive: Archive) -> dict:
    """Rebuild reports and every table below them from the kept documents, no network."""
    bundles = {}
    for report_id, url, digest, role in archive.db.execute(
            "SELECT report_id, url, sha256, role FROM report_documents WHERE is_current = 1 "
            "ORDER BY report_id, role DESC, rowid"):
        bundles.setdefault(report_id, []).append((url, digest, role))
    known = {digest for docs in bundles.values() for _, digest, _ in docs}
    loose = archive.db.execute(
        "SELECT url, sha256 FROM pages WHERE kind IN ('report', 'not-report') AND sha256 IS NOT NULL "
        "ORDER BY url").fetchall()
    jobs = list(bundles.values()) + [[(url, digest, "page")] for url, digest in loose if digest not in known]
    context = {url: (portal, link_text) for url, portal, link_text in
               archive.db.execute("SELECT url, portal, link_text FROM pages")}
    with archive.db.conn:
        archive.db.execute("DELETE FROM report_documents WHERE is_current = 1")
        for table in DERIVED_TABLES:
            archive.db.execute(f"DELETE FROM {table}")
    counts: dict = {}
    for docs in jobs:
        documents = []
        for url, digest, role in docs:
            body, content_type, _ = archive.document(digest)
            documents.append(Document(url, body, content_type, role))
        portal, link_text = context.get(docs[0][0], (None, None))
        outcome = ingest_documents(archive, documents, portal, link_text)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
