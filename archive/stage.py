"""The parse stage: fetched reports → sandboxed parse workers → the public tables.

The crawl only keeps what it fetched (``fetched_reports``: a report page and its
attachments, by sha256). This stage parses every fetched report that has not been
parsed with the current :data:`archive.parse.PARSER_VERSION`, one document per job in
the worker pool, then combines each report's documents and stores the reports in the
order they were fetched (so report ids and URLs come out the same however many workers
run), a batch at a time (:class:`StoreInBatches`).

A document over a limit, or one that breaks the parser, is recorded in
``document_parses`` with the limit it hit; its report still gets a row with what the
listing says (title, agency and year from the link text) and a failing ``parse_failed``
check, and its other documents are still parsed.

    parse_fetched(archive, workers=2)                  # what is new since the last parse
    parse_fetched(archive, workers=2, everything=True) # nianbao parse --all
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from typing import Iterator

from archive.bundle import combine
from archive.check import parse_failed
from archive.limits import Limits
from archive.metadata import parse_title, template_for_year
from archive.parse import PARSER_VERSION, ParsedReport, report_key
from archive import value_tables
from archive.store import STAT_TABLES, Archive, ParseResult, Saved, StoredDocument
from archive.titles import is_report_title
from archive.workers import Job, Outcome, ParsePool, parse_one

logger = logging.getLogger(__name__)
DERIVED_TABLES = ("reports", *map(value_tables.base, STAT_TABLES), "value_sources", "checks", "unaligned_rows",
                  "section_spans",
                  "reports_fts",
                  "report_summary")


def listing_part(doc: dict, outcome: Outcome, link_text: str | None) -> ParsedReport:
    """What is known of a document that could not be parsed: what its listing says."""
    agency, year = parse_title(link_text)
    what = f"limit {outcome.limit_hit}: {outcome.detail}" if outcome.status == "limit" else outcome.detail
    check = parse_failed(f"{doc['url']} could not be parsed ({what}); the raw document is kept "
                         "for a later parse")
    return ParsedReport(key=report_key(link_text, doc["url"]), title=link_text, agency=agency, year=year,
                        publisher=None, published_date=None, template=template_for_year(year),
                        source_format=outcome.parsed.source_format if outcome.parsed else "unknown",
                        text="", checks=[check], notes=[check.detail])


def settle(fetched: dict, outcomes: list[Outcome]) -> ParseResult:
    """Combine one fetched report's parsed documents into what is to be stored."""
    docs, link_text = fetched["documents"], fetched["link_text"]
    parts = [o.parsed if o.status == "ok" else listing_part(d, o, link_text) for d, o in zip(docs, outcomes)]
    failed = [o for o in outcomes if o.status != "ok"]
    parses = [{"sha256": d["sha256"], "url": d["url"], "status": o.status, "limit_hit": o.limit_hit,
               "detail": o.detail, "seconds": round(o.seconds, 4),
               "source_format": o.parsed.source_format if o.parsed else None}
              for d, o in zip(docs, outcomes)]

    def page_kind(kind):
        pages = []
        for d, o in zip(docs, outcomes):
            error = None if o.status == "ok" else (
                f"parse failed: limit {o.limit_hit}: {o.detail}" if o.status == "limit"
                else f"parse failed: {o.detail}")[:500]
            pages.append({"url": d["url"], "kind": kind if d["role"] == "page" else "attachment",
                          "error": error})
        return pages

    parsed, text_from, stats_from = combine(parts, is_report_title)
    if len(failed) < len(outcomes) and parsed.title and not is_report_title(parsed.title) \
            and not is_report_title(link_text or ""):
        logger.info("not a report after all: %s (%s)", fetched["url"], parsed.title)
        return ParseResult(fetched, "not-report", parses, page_kind("not-report"))
    if failed and not any(c.name == "parse_failed" for c in parsed.checks):
        parsed.checks.append(next(c for p in parts for c in p.checks if c.name == "parse_failed"))
    stored = [StoredDocument(d["sha256"], d["url"], d["role"]) for d in docs]
    return ParseResult(fetched, "report", parses, page_kind("report"), parsed, stored, text_from, stats_from)


def counted_as(result: ParseResult, saved: Saved | None) -> str:
    """new | changed | unchanged | not-report | failed (every document failed)."""
    if result.outcome == "not-report":
        return "not-report"
    if all(p["status"] != "ok" for p in result.parses):
        return "failed"
    return saved.status


class StoreInBatches:
    """Settled reports stored together, in one transaction with a few statements a table
    (:meth:`Archive.store_parses`): every ``reports`` reports, as soon as a document is
    parsed after the oldest waited ``seconds`` (so a report is readable soon after it is
    parsed), and at the end of the parse run."""

    def __init__(self, archive: Archive, counts: Counter, reports: int = 200, seconds: float = 1.0):
        self.archive, self.counts, self.reports, self.seconds = archive, counts, reports, seconds
        self.pending: list[ParseResult] = []
        self.since = 0.0

    def add(self, result: ParseResult) -> None:
        if not self.pending:
            self.since = time.monotonic()
        self.pending.append(result)
        if len(self.pending) >= self.reports:
            self.flush()

    def flush_if_due(self) -> None:
        if self.pending and time.monotonic() - self.since >= self.seconds:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            for result, saved in zip(self.pending, self.archive.store_parses(self.pending, PARSER_VERSION)):
                self.counts[counted_as(result, saved)] += 1
            self.pending = []


def _jobs(archive: Archive, fetched_reports: list[dict]) -> Iterator[Job]:
    for i, fetched in enumerate(fetched_reports):
        for j, doc in enumerate(fetched["documents"]):
            body, content_type, _ = archive.document(doc["sha256"])
            yield Job((i, j), doc["url"], body, doc.get("content_type") or content_type,
                      fetched["link_text"])


def parse_fetched(archive: Archive, *, workers: int = 0, limits: Limits = Limits(),
                  everything: bool = False, urls: list[str] | None = None,
                  pool: ParsePool | None = None, refresh: bool = True, batch: int = 200) -> Counter:
    """Parse what needs parsing; returns counts of outcomes (new, changed, unchanged,
    not-report, failed) and of ``documents``, ``failed_documents`` and ``limits_hit``.
    Reports are stored ``batch`` at a time. With ``refresh``, the rollups are rebuilt
    when anything was stored."""
    if everything:
        archive.clear_derived(DERIVED_TABLES)
    todo = archive.fetched_reports_to_parse(PARSER_VERSION, everything=everything, urls=urls)
    counts: Counter = Counter()
    if not todo:
        if everything and refresh:
            archive.refresh_rollups()
        return counts
    results: dict[int, dict[int, Outcome]] = {}
    stored = 0
    writer = StoreInBatches(archive, counts, reports=batch)

    def outcomes() -> Iterator[Outcome]:
        jobs = _jobs(archive, todo)
        if pool is not None:
            yield from pool.run(jobs)
        elif workers <= 0:
            yield from (parse_one(job) for job in jobs)
        else:
            with ParsePool(workers, limits) as own_pool:
                yield from own_pool.run(jobs)

    try:
        for outcome in outcomes():
            i, j = outcome.key
            results.setdefault(i, {})[j] = outcome
            counts["documents"] += 1
            if outcome.status != "ok":
                counts["failed_documents"] += 1
                counts["limits_hit"] += outcome.status == "limit"
                logger.warning("could not parse %s: %s %s", todo[i]["documents"][j]["url"],
                               outcome.limit_hit or "", outcome.detail)
            while stored < len(todo) and len(results.get(stored, {})) == len(todo[stored]["documents"]):
                done = results.pop(stored)
                writer.add(settle(todo[stored], [done[k] for k in sorted(done)]))
                stored += 1
            writer.flush_if_due()
    finally:  # what was parsed is stored, even when the run stops early
        writer.flush()
    if refresh:
        archive.refresh_rollups()
    return counts


def parse_archive(path: str, *, workers: int = 1, limits: Limits = Limits(),
                  everything: bool = False) -> Counter:
    """``nianbao parse``: one parse run over the archive file, recorded in ``parse_runs``."""
    archive = Archive(path)
    try:
        run = archive.start_parse_run(PARSER_VERSION, workers)
        counts = parse_fetched(archive, workers=workers, limits=limits, everything=everything, refresh=False)
        archive.refresh_rollups()
        archive.finish_parse_run(run, **run_counts(counts))
        return counts
    finally:
        archive.close()


def run_counts(counts: Counter) -> dict:
    return {"reports": sum(counts[k] for k in ("new", "changed", "unchanged", "not-report", "failed")),
            "documents": counts["documents"], "new_reports": counts["new"],
            "changed_reports": counts["changed"], "unchanged_reports": counts["unchanged"],
            "not_reports": counts["not-report"], "failed_documents": counts["failed_documents"],
            "limits_hit": counts["limits_hit"]}


class ParseAlongside(threading.Thread):
    """The parse stage beside a running crawl (a thread of its own, never the crawl's
    reactor): it parses what the crawl has fetched every ``interval`` seconds, and once
    :meth:`finish` is called, what is left."""

    def __init__(self, path: str, *, workers: int = 1, limits: Limits = Limits(),
                 interval: float = 2.0):
        super().__init__(name="nianbao-parse-stage", daemon=True)
        self.path, self.workers, self.limits, self.interval = path, workers, limits, interval
        self.counts: Counter = Counter()
        self.error: BaseException | None = None
        self._crawl_done = threading.Event()
        self.ready = threading.Event()   # the archive opened and the parse run started

    def start_and_wait(self, seconds: float = 300) -> None:
        """Start, and return once the stage has opened the archive: the crawl then opens it
        second, never both creating its schema at once."""
        self.start()
        self.ready.wait(seconds)

    def run(self) -> None:
        try:
            archive = Archive(self.path)
        except BaseException as error:
            logger.exception("the parse stage could not open the archive")
            self.error = error
            self.ready.set()
            return
        try:
            run = archive.start_parse_run(PARSER_VERSION, self.workers)
            self.ready.set()
            with ParsePool(self.workers, self.limits) as pool:
                while True:
                    last = self._crawl_done.is_set()
                    self.counts += parse_fetched(archive, pool=pool, refresh=False)
                    archive.finish_parse_run(run, **run_counts(self.counts))
                    if last:
                        archive.refresh_rollups()
                        break
                    self._crawl_done.wait(self.interval)
        except BaseException as error:  # reported by finish(), never lost
            logger.exception("the parse stage failed")
            self.error = error
        finally:
            self.ready.set()
            archive.db.conn.close()

    def finish(self) -> Counter:
        """The crawl is over: parse what is left, then return the counts."""
        self._crawl_done.set()
        self.join()
        if self.error is not None:
            raise self.error
        return self.counts
