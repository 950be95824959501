"""One report from several documents: a portal's page announcing a report and the
attachments that carry it (the text as DOCX, the statistics table as PDF or XLSX…).

Pure: parsed documents in, one parsed report out. The page names the report
(title, date, 来源); the longest text is the report's text; the document with the
most table values gives the statistics. A report whose documents carry no table
where its template has one is flagged ``tables_missing``.
"""

from __future__ import annotations

from dataclasses import replace

from archive.check import statistics_check_names, tables_missing_check
from archive.templates import template_ids


def combine(parts: list, is_report_title) -> tuple[object, int, int]:
    """(the combined ParsedReport, index of the part its text came from, index of
    the part its statistics came from). ``parts[0]`` is the page that was linked."""
    if len(parts) == 1:
        return parts[0], 0, 0
    page = parts[0]
    text_i = max(range(len(parts)), key=lambda i: (len(parts[i].text or ""), -i))
    stats_i = max(range(len(parts)), key=lambda i: (len(parts[i].cells), -i))
    named = page if page.title and is_report_title(page.title) else parts[text_i]
    body = parts[text_i]

    def first(field):
        for part in (named, page, body, *parts):
            value = getattr(part, field)
            if value not in (None, "", "unknown"):
                return value
        return getattr(named, field)

    checks, seen = [], set()
    statistics_checks = statistics_check_names()
    stats = parts[stats_i]
    for part in (stats, body, *parts):
        for check in part.checks:
            from_stats = check.name in statistics_checks and part is not stats
            if check.name in seen or check.name == "tables_missing" or from_stats:
                continue
            seen.add(check.name)
            checks.append(check)
    combined = replace(
        named, agency=first("agency"), year=first("year"), publisher=first("publisher"),
        published_date=first("published_date"),
        template=stats.template if stats.cells else first("template"),
        template_confidence=stats.template_confidence if stats.cells else named.template_confidence,
        template_reason=stats.template_reason if stats.cells else named.template_reason,
        unaligned=list(stats.unaligned),
        source_format=body.source_format, text=body.text, cells=list(stats.cells),
        checks=checks, notes=[note for part in parts for note in part.notes],
        **({"sections": body.sections} if hasattr(body, "sections") else {}))
    unreadable = any(c.name == "unreadable_format" for part in parts for c in part.checks)
    if not combined.cells and combined.template in template_ids("national") and not unreadable:
        missing = [c for part in parts for c in part.checks if c.name == "tables_missing"]
        combined.checks.append(missing[0] if missing else tables_missing_check())
    return combined, text_i, stats_i
