"""Item pipeline: everything the spider finds goes into the archive here."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import asdict

from archive.ingest import ingest_report
from archive.store import Archive
from crawler.items import PageRecord, ReportDocument

logger = logging.getLogger(__name__)


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
        self.archive.save_portals(spider.portals)
        self.run_id = self.archive.start_run(len(spider.portals))
        spider.run_id = self.run_id

    def process_item(self, item):
        if isinstance(item, PageRecord):
            self.counts["pages"] += 1
            self.counts["errors"] += bool(item.error)
            self.archive.record_page(**asdict(item), run_id=self.run_id)
        elif isinstance(item, ReportDocument):
            outcome = ingest_report(self.archive, item.url, item.body, item.content_type,
                                    item.portal, item.link_text, run_id=self.run_id)
            self.counts[outcome] += 1
            self.counts["errors"] += outcome == "failed"
        return item

    def close_spider(self):
        reason = self.crawler.stats.get_value("finish_reason") or "finished"
        status = "ok" if not self.counts["errors"] and reason == "finished" else (
            "errors" if reason == "finished" else reason)
        self.archive.finish_run(
            self.run_id, pages=self.counts["pages"], new_reports=self.counts["new"],
            changed_reports=self.counts["changed"], errors=self.counts["errors"], exit_status=status)
        self.crawler.stats.set_value("nianbao/errors", self.counts["errors"])
        self.crawler.stats.set_value("nianbao/new_reports", self.counts["new"])
        logger.info("archive %s: %s", self.crawler.settings.get("ARCHIVE_DB"), dict(self.counts))
