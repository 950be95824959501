"""A report's clean text → its numbered parts (一、总体情况 … 六、其他需要报告的事项).

A part starts at a line ``<numeral>、<title>``. Numerals must come in order (一, 二, 三 …),
and a line only counts as a heading when it is short and is not a row label of a
statistics table (四、结转下年度继续办理 is a table row, not part 四). Text before 一 is
not a part; a report without headings has no parts.

    >>> [(s.number, s.title, s.text) for s in split_sections(
    ...     "前言\\n一、总体情况\\n全年公开…\\n二、主动公开政府信息情况\\n规章 | 0")]
    [('一', '总体情况', '全年公开…'), ('二', '主动公开政府信息情况', '规章 | 0')]
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from archive.labels import index_of, template
from archive.templates import template_ids

NUMERALS = "一二三四五六七八九十"
_HEADING = re.compile(rf"^\s*([{NUMERALS}]{{1,2}})\s*[、.．]\s*(\S.*?)\s*$")
MAX_HEADING_CHARS = 40


@dataclass(frozen=True)
class Section:
    number: str      # 一, 二 …
    title: str       # the heading as printed, without its numeral
    text: str        # the lines under the heading, joined by \n


@lru_cache(maxsize=1)
def _table_rows():
    labels = [r["label"] for t in template_ids("national") for r in template(t)["section3_requests"]["rows"]]
    return index_of(labels)


@lru_cache(maxsize=1)
def _known_titles() -> list[str]:
    """Part titles the templates name (2019/2021 …) and older reports were seen to use."""
    titles = [s["title"] for t in template_ids("national") for s in template(t)["sections"]]
    entries = [e for t in template_ids("legacy_forms") for e in template(t).get("report_prose_sections_observed", [])]
    for entry in entries:
        for heading in entry if isinstance(entry, list) else re.split(r"[\s:：,]+", entry):
            titles.append(_HEADING.match(heading).group(2) if _HEADING.match(heading) else heading)
    return sorted(set(titles), key=len, reverse=True)


def _numeral(n: int) -> str:
    if n <= 10:
        return NUMERALS[n - 1]
    return "十" + NUMERALS[n - 11]


def split_sections(text: str) -> list[Section]:
    """The numbered parts of ``text`` in order."""
    lines = (text or "").split("\n")
    heads: list[tuple[int, str, str, str]] = []   # line, numeral, title, rest of the line
    for i, line in enumerate(lines):
        m = _HEADING.match(line)
        if not m or "|" in line or m.group(1) != _numeral(len(heads) + 1):
            continue
        title, rest = m.group(2), ""
        if len(line.strip()) > MAX_HEADING_CHARS:   # 一、概述推进政府信息公开工作是… (run-in)
            known = next((t for t in _known_titles() if title.startswith(t)), None)
            if known is None:
                continue
            title, rest = known, title[len(known):]
        elif _table_rows().lookup(line.strip()):
            continue
        heads.append((i, m.group(1), title, rest))
    sections = []
    for k, (i, number, title, rest) in enumerate(heads):
        end = heads[k + 1][0] if k + 1 < len(heads) else len(lines)
        body = "\n".join(l for l in [rest] + lines[i + 1:end] if l.strip())
        sections.append(Section(number, title, body))
    return sections
