"""Layout-changed alarms: a portal whose lists suddenly yield far fewer reports.

A portal changes its layout (the column is renamed, the list markup changes, the site
moves to a provincial platform) and the crawl quietly finds nothing. Each run records, per
portal, what it saw (:class:`PortalRun`, the ``portal_runs`` table); this rule compares a
run with the portal's last good run (the last complete run that listed reports) and names
what looks broken. Pure: no I/O.

>>> good = PortalRun("示例县", reports_listed=10, report_column_found=True)
>>> [a.kind for a in layout_alarms(PortalRun("示例县", reports_listed=4, report_column_found=True), good)]
['reports_dropped']
>>> layout_alarms(PortalRun("示例县", reports_listed=9, report_column_found=True), good)
[]
>>> layout_alarms(PortalRun("示例县", reports_listed=0), None)   # a first run raises nothing
[]
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

# A run that lists fewer than this share of the last good run's reports raises an alarm.
DROP_RATIO = 0.5


@dataclass
class PortalRun:
    """What one crawl run saw of one portal."""
    portal: str
    reports_listed: int = 0       # distinct report links found in its lists
    reports_new: int = 0          # reports fetched for the first time
    lists_read: int = 0           # column and list pages read
    renders: int = 0              # pages rendered in Chromium
    failures: int = 0             # fetches that failed
    report_column_found: bool = False   # a page of the annual-report column was read
    unreachable: str | None = None      # hosts given up on: "host: first connection error"
    complete: bool = True         # the run finished (not shut down half-way)

    def row(self, run_id: int) -> dict:
        return {"run_id": run_id, **asdict(self), "report_column_found": int(self.report_column_found),
                "complete": int(self.complete)}


@dataclass(frozen=True)
class Alarm:
    portal: str
    kind: str          # no_reports | reports_dropped | column_missing
    before: int | None
    after: int | None
    message: str


def layout_alarms(current: PortalRun, last_good: PortalRun | None) -> list[Alarm]:
    """The alarms ``current`` raises against the portal's last good run (None: the portal never
    had one, so there is nothing to compare with and nothing is raised)."""
    if last_good is None or not current.complete:
        return []
    alarms = []
    why = f" (host unreachable: {current.unreachable})" if current.unreachable else ""
    before, after = last_good.reports_listed, current.reports_listed
    if last_good.report_column_found and not current.report_column_found:
        alarms.append(Alarm(current.portal, "column_missing", 1, 0,
                            f"the annual-report column was not found{why}; it was in the last good run"))
    if after == 0 and before > 0:
        alarms.append(Alarm(current.portal, "no_reports", before, 0,
                            f"no reports listed{why}; the last good run listed {before}"))
    elif after < before * DROP_RATIO:
        alarms.append(Alarm(current.portal, "reports_dropped", before, after,
                            f"{after} reports listed{why}, down from {before} in the last good run "
                            f"(more than {1 - DROP_RATIO:.0%} fewer)"))
    return alarms
