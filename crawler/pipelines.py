"""Item pipeline: the crawl stage keeps what it fetched, and parses nothing.

Every fetched page goes into ``documents`` (its raw bytes), ``pages`` and ``fetches``;
every report the spider fetched (a page and its attachments) into ``fetched_reports``,
for the parse stage (``nianbao parse``, or the stage ``nianbao crawl`` runs beside the
crawl). One transaction per item.

At the end of the run, what the run saw of each portal goes into ``portal_runs``, and a
portal whose lists yield far fewer reports than in its last good run raises alarms
(``alarms``; :mod:`crawler.alarms`), logged in one line.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict

from archive.store import Archive
from crawler.alarms import PortalRun, layout_alarms
from crawler.items import PageRecord, ReportDocument
from crawler.portal_runs import RunRecorder

logger = logging.getLogger(__name__)
FETCH_FIELDS = ("url", "portal", "kind", "status", "bytes", "via", "error")


class ArchivePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.counts: Counter = Counter()
        self.per_portal: dict[str, Counter] = defaultdict(Counter)
        self.partial = False   # this run's portals were seen only in part (a resumed writer)

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
            self.keep_report(item)
        return item

    def record_page(self, item: PageRecord) -> None:
        self.counts["pages"] += 1
        self.counts["errors"] += bool(item.error) and item.is_failure
        self.counts["not_modified"] += item.status == 304
        if item.portal:
            seen = self.per_portal[item.portal]
            fetched = not item.error
            seen["lists_read"] += fetched and item.kind in ("column", "list")
            seen["report_column_found"] += fetched and item.kind == "column"
            seen["renders"] += fetched and item.via == "browser"
            seen["failures"] += bool(item.error) and item.is_failure
        page = {k: v for k, v in vars(item).items() if k not in ("body", "is_failure")}
        body = item.body if item.body is not None and not item.error else None
        self.archive.record_fetch(body, page, {"run_id": self.run_id, **{k: page.get(k) for k in FETCH_FIELDS}})

    def keep_report(self, item: ReportDocument) -> None:
        status = self.archive.save_fetched_report(
            item.url, item.portal, item.link_text,
            [{"url": d.url, "body": d.body, "content_type": d.content_type, "role": d.role}
             for d in item.documents], self.run_id)
        self.counts["reports_fetched"] += 1
        self.counts[f"reports_{status}"] += 1
        self.per_portal[item.portal]["reports_new"] += status == "new"

    def close_spider(self):
        stats, spider = self.crawler.stats, self.crawler.spider
        scope = getattr(spider, "scope", None)
        for url, reason in (scope.browser_refusals if scope else []):  # what Chromium was refused
            self.record_page(PageRecord(url=url, portal=None, kind="refused", status=None, content_type=None,
                                        bytes=None, error=f"OutOfScope: {reason}", via="browser",
                                        link_text=None, is_failure=False))
        reason = stats.get_value("finish_reason") or "finished"
        over_budget = dict(getattr(spider, "over_budget", {}))
        failed = self.counts["errors"] or over_budget
        status = "ok" if not failed and reason == "finished" else (
            "errors" if reason == "finished" else reason)
        self.archive.finish_run(
            self.run_id, pages=self.counts["pages"], errors=self.counts["errors"], exit_status=status,
            requests=stats.get_value("downloader/request_count", 0),
            not_modified=self.counts["not_modified"],
            # pages Chromium loaded to read a list; challenge passes are counted on their own
            browser_renders=stats.get_value("playwright/request_count/navigation", 0)
            - stats.get_value("nianbao/challenge_navigations", 0),
            challenge_renders=stats.get_value("nianbao/challenge_renders", 0),
            challenge_refused=stats.get_value("nianbao/challenge_refused", 0),
            reports_fetched=self.counts["reports_fetched"], budget_refused=sum(over_budget.values()),
            over_budget=", ".join(f"{p} ({n})" for p, n in sorted(over_budget.items())) or None)
        stats.set_value("nianbao/errors", self.counts["errors"])
        stats.set_value("nianbao/run_id", self.run_id)
        stats.set_value("nianbao/budget_refused", sum(over_budget.values()))
        stats.set_value("nianbao/reports_fetched", self.counts["reports_fetched"])
        stats.set_value("nianbao/reports_changed", self.counts["reports_new"] + self.counts["reports_changed"])
        alarms = self.portal_runs(spider, finished=reason == "finished", over_budget=over_budget)
        stats.set_value("nianbao/alarms", len(alarms))
        if over_budget:
            budget = self.crawler.settings.getint("NIANBAO_PAGE_BUDGET")
            logger.warning("page budget of %d pages reached for %d portal(s); pages not fetched: %s",
                           budget, len(over_budget),
                           ", ".join(f"{p} {n}" for p, n in sorted(over_budget.items())))
        logger.info("archive %s: %s", self.crawler.settings.get("ARCHIVE_DB"), dict(self.counts))
        self.archive.db.conn.close()

    def portal_runs(self, spider, finished: bool, over_budget: dict) -> list:
        """Record what this run saw of each portal; raise, store and log the alarms. A portal
        seen only in part (the run shut down, or the portal reached its page budget) is recorded
        as incomplete: it raises no alarm and is no baseline for later runs."""
        recorder = RunRecorder.of(self.crawler)
        runs = []
        for portal in spider.portals:
            seen = self.per_portal[portal.name]
            runs.append(PortalRun(
                portal.name, reports_listed=len(recorder.listed.get(portal.name, ())),
                reports_new=seen["reports_new"], lists_read=seen["lists_read"], renders=seen["renders"],
                failures=seen["failures"], report_column_found=bool(seen["report_column_found"]),
                unreachable=recorder.unreachable(portal),
                complete=finished and not self.partial and portal.name not in over_budget))
        last_good = self.archive.last_good_portal_runs(self.run_id)
        alarms = [alarm for run in runs for alarm in layout_alarms(run, _portal_run(last_good.get(run.portal)))]
        self.archive.save_portal_runs([run.row(self.run_id) for run in runs])
        self.archive.save_alarms(self.run_id, alarms)
        if alarms:
            logger.error("layout changed? %d alarm(s) in run %d (table alarms): %s", len(alarms), self.run_id,
                         "; ".join(f"{a.portal} {a.kind} {a.before}→{a.after}" for a in alarms))
        return alarms


def _portal_run(row: dict | None) -> PortalRun | None:
    if row is None:
        return None
    fields = {k: v for k, v in row.items() if k != "run_id"}
    return PortalRun(**{**fields, "report_column_found": bool(fields["report_column_found"]),
                        "complete": bool(fields["complete"])})
