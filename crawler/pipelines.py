"""Item pipeline: everything the spider finds goes into the archive here."""

from __future__ import annotations

import logging
from collections import Counter

from archive.ingest import Document, ingest_documents
from archive.store import Archive
from crawler.items import PageRecord, ReportDocument

logger = logging.getLogger(__name__)
FETCH_FIELDS = ("url", "portal", "kind", "status", "bytes", "via", "error")


class ArchivePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.counts: Counter = Counter()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        spider = self.crawler.spider
        self.archive = Archive(self.crawler.settings.get("ARCHIVE_DB"))
        self.archive.mark_interrupted_runs()
        self.archive.save_portals(spider.portals)
        self.run_id = self.archive.start_run(len(spider.portals))
        spider.run_id = self.run_id

    def process_item(self, item):
        if isinstance(item, PageRecord):
            self.record_page(item)
        elif isinstance(item, ReportDocument):
            self.ingest(item)
        return item

    def record_page(self, item: PageRecord) -> None:
        self.counts["pages"] += 1
        self.counts["errors"] += bool(item.error) and item.is_failure
        self.counts["not_modified"] += item.status == 304
        page = {k: v for k, v in vars(item).items() if k not in ("body", "is_failure")}
        if item.body is not None and not item.error:
            page["sha256"] = self.archive.keep_document(item.url, item.body, item.content_type)
        self.archive.record_page(**page, run_id=self.run_id)
        self.archive.log_fetch(run_id=self.run_id, **{k: page.get(k) for k in FETCH_FIELDS})

    def ingest(self, item: ReportDocument) -> None:
        if item.not_modified and self.archive.is_archived(item.url):
            self.counts["unchanged"] += 1
            return
        documents = [Document(d.url, d.body, d.content_type, d.role) for d in item.documents]
        outcome = ingest_documents(self.archive, documents, item.portal, item.link_text, self.run_id)
        self.counts[outcome] += 1
        self.counts["errors"] += outcome == "failed"

    def close_spider(self):
        stats = self.crawler.stats
        reason = stats.get_value("finish_reason") or "finished"
        status = "ok" if not self.counts["errors"] and reason == "finished" else (
            "errors" if reason == "finished" else reason)
        self.archive.finish_run(
            self.run_id, pages=self.counts["pages"], new_reports=self.counts["new"],
            changed_reports=self.counts["changed"], errors=self.counts["errors"], exit_status=status,
            requests=stats.get_value("downloader/request_count", 0),
            not_modified=self.counts["not_modified"],
            browser_renders=stats.get_value("playwright/request_count/navigation", 0))
        stats.set_value("nianbao/errors", self.counts["errors"])
        stats.set_value("nianbao/new_reports", self.counts["new"])
        logger.info("archive %s: %s", self.crawler.settings.get("ARCHIVE_DB"), dict(self.counts))
