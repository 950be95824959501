"""Take fetched documents into the archive in this process: keep them, then parse them.

The crawl does not come through here: it only keeps what it fetched
(:meth:`archive.store.Archive.save_fetched_report`), and the parse stage
(:mod:`archive.stage`) parses in sandboxed workers. This module is the same path in one
process, for a document at hand (tests, the XSS fixture of the browser tests) and for
``reparse``: both store exactly what a crawl and its parse stage would.
"""

from __future__ import annotations

from dataclasses import dataclass

from archive.stage import parse_fetched
from archive.store import Archive, sha256


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
    main = documents[0]
    fetched = archive.save_fetched_report(
        main.url, portal, link_text,
        [{"url": d.url, "body": d.body, "content_type": d.content_type, "role": d.role} for d in documents],
        run_id)
    for d in documents:
        archive.record_page(url=d.url, portal=portal, content_type=d.content_type, bytes=len(d.body),
                            sha256=sha256(d.body), kind="report" if d.role == "page" else "attachment",
                            link_text=link_text if d.role == "page" else None, run_id=run_id)
    counts = parse_fetched(archive, urls=[main.url])
    if not counts:  # parsed before with this parser version: nothing changed
        return "unchanged" if fetched == "unchanged" else fetched
    return next(k for k in ("failed", "not-report", "new", "changed", "unchanged") if counts[k])


def reparse(archive: Archive, workers: int = 0) -> dict:
    """Rebuild reports and every table below them from the kept documents, no network."""
    counts = parse_fetched(archive, workers=workers, everything=True)
    return {k: v for k, v in counts.items() if k in ("new", "changed", "unchanged", "not-report", "failed")}
