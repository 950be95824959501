"""What a person at the terminal sees: a progress line while a crawl runs (only on a
terminal), and a summary when a command ends: in words, as JSON (``--json``), or nothing
(``--quiet``). The full Scrapy log goes to the log file."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, dataclass, field


@dataclass
class Summary:
    """The end of one command, for people and for machines."""

    command: str
    exit_code: int
    seconds: float
    archive: str
    log: str | None = None
    portals: int | None = None
    pages: int | None = None
    not_modified: int | None = None
    browser_renders: int | None = None
    reports_new: int = 0
    reports_changed: int = 0
    reports_unchanged: int = 0
    not_reports: int = 0
    failed_pages: int = 0
    failed_documents: int = 0
    limits_hit: int = 0
    over_budget: list[str] = field(default_factory=list)
    alarms: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        return {0: "ok", 1: "done, with failures", 2: "usage error", 3: "locked"}.get(self.exit_code, "?")

    def lines(self) -> list[str]:
        """The summary in words.

        >>> s = Summary("parse", 0, 2.04, "a.db", reports_new=3, reports_unchanged=1)
        >>> print("\\n".join(s.lines()))
        nianbao parse: ok in 2.0 s
          reports: 3 new, 0 changed, 1 unchanged
          failures: 0 documents
          archive: a.db
        """
        out = [f"nianbao {self.command}: {self.outcome} in {self.seconds:.1f} s"]
        if self.pages is not None:
            out.append(f"  portals {self.portals or 0} · pages {self.pages} (not modified {self.not_modified or 0})"
                       f" · browser renders {self.browser_renders or 0}")
        out.append(f"  reports: {self.reports_new} new, {self.reports_changed} changed, "
                   f"{self.reports_unchanged} unchanged" + (f" · {self.not_reports} not reports" if self.not_reports else ""))
        failures = ([f"{self.failed_pages} pages"] if self.pages is not None else []) + \
            [f"{self.failed_documents} documents"] + ([f"{self.limits_hit} hit a parse limit"] if self.limits_hit else [])
        out.append("  failures: " + ", ".join(failures))
        if self.over_budget:
            out.append(f"  over the page budget: {', '.join(self.over_budget)}")
        if self.alarms:
            out.append(f"  alarms ({len(self.alarms)}):")
            out += [f"    {alarm}" for alarm in self.alarms]
        out.append(f"  archive: {self.archive}" + (f" · log: {self.log}" if self.log else ""))
        return out

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "outcome": self.outcome}, ensure_ascii=False)


def show(summary: Summary, mode: str, stream=None) -> None:
    """``mode``: text | json | quiet."""
    stream = stream or sys.stdout
    if mode == "json":
        print(summary.to_json(), file=stream, flush=True)
    elif mode == "text":
        print("\n".join(summary.lines()), file=stream, flush=True)


class Progress:
    """One line, rewritten every ``interval`` seconds on a terminal (never in a log or a
    pipe): time, portals, pages, reports kept, reports parsed, failures."""

    def __init__(self, crawler, portals: int, parsed=None, stream=None, interval: float = 1.0):
        """``parsed``: a callable giving the number of reports parsed so far, or None."""
        from scrapy import signals

        self.crawler, self.portals, self.parsed = crawler, portals, parsed
        self.stream = stream or sys.stderr
        self.interval = interval
        self.started = time.monotonic()
        self.task = None
        self.shown = False
        if self.enabled:
            crawler.signals.connect(self.start, signal=signals.spider_opened)
            crawler.signals.connect(self.stop, signal=signals.spider_closed)

    @property
    def enabled(self) -> bool:
        return hasattr(self.stream, "isatty") and self.stream.isatty()

    def start(self, spider=None) -> None:
        from twisted.internet import task

        self.task = task.LoopingCall(self.show)
        self.task.start(self.interval, now=True)

    def stop(self, spider=None, reason=None) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()

    def line(self) -> str:
        stats = self.crawler.stats
        parsed = self.parsed() if self.parsed else None
        parts = [f"{time.monotonic() - self.started:5.0f} s", f"portals {self.portals}",
                 f"pages {stats.get_value('response_received_count', 0)}",
                 f"reports fetched {stats.get_value('nianbao/reports_fetched', 0)}"]
        if parsed is not None:
            parts.append(f"parsed {parsed}")
        parts.append(f"failures {stats.get_value('nianbao/errors', 0)}")
        return "nianbao crawl: " + " · ".join(parts)

    def show(self) -> None:
        self.stream.write("\r\x1b[K" + self.line())
        self.stream.flush()
        self.shown = True
