"""Which titles name an annual report on information-disclosure work.

Shared by the crawl (which list items to fetch) and by parsing (whether a fetched page
is a report after all); the patterns live in ``archive/data/report_titles.json``.

>>> is_report_title("平潭综合实验区2021年度政府信息公开工作年度报告")
True
>>> is_report_title("关于做好2021年度政府信息公开工作年度报告编制和报送工作的通知")
False
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

WHITESPACE = re.compile(r"[\s\u00a0\u3000]+")


@lru_cache(maxsize=1)
def report_title_patterns() -> dict:
    """``year``, ``tail_exclude``, ``without_year`` and ``generic_agency`` (one pattern each),
    ``include``, ``exclude`` (with ``exclude_unless_agency``) and ``chrome`` (lists), compiled."""
    raw = json.loads(resources.files("archive").joinpath("data/report_titles.json").read_text("utf-8"))
    risky = [f"{word}(?![^0-9年]{{0,6}}{raw['agency_suffix']})" for word in raw["exclude_unless_agency"]]
    return {"year": re.compile(raw["year"]),
            "include": [re.compile(p, re.I) for p in raw["include"]],
            "exclude": [re.compile(p, re.I) for p in raw["exclude"] + risky],
            "tail_exclude": re.compile(raw["tail_exclude"]),
            "without_year": re.compile(raw["without_year"]),
            "generic_agency": re.compile(raw["generic_agency"]),
            "chrome": [re.compile(p, re.I) for p in raw["chrome"]["prefix"] + raw["chrome"]["suffix"]]}


def squeeze(text: str | None) -> str:
    """Text without any whitespace (portals break titles anywhere)."""
    return WHITESPACE.sub("", text or "")


def strip_chrome(text: str) -> str:
    """A list item's title without what the list glued to it: a date before or after, a
    【tag】 or [date], 附件：, a file extension.

    >>> strip_chrome("【年报】[2023-01-20]县林业局信息公开工作年度报告.pdf2023-01-20")
    '县林业局信息公开工作年度报告'
    """
    chrome = report_title_patterns()["chrome"]
    while True:
        cut = text
        for pattern in chrome:
            cut = pattern.sub("", cut, count=1)
        if cut == text or not cut:
            return text
        text = cut


def is_report_title(text: str | None) -> bool:
    """A title of an annual report on disclosure work (not a notice about one, nor a column).

    >>> is_report_title("关于2022年度政府信息公开情况的报告"), is_report_title("县林业局信息公开工作年度报告")
    (True, True)
    >>> is_report_title("政府信息公开工作年度报告"), is_report_title("乡镇政府信息公开工作年度报告")
    (False, False)
    """
    spec, text = report_title_patterns(), squeeze(text)
    if any(p.search(text) for p in spec["exclude"]):
        return False
    text = strip_chrome(text)
    ends = [m.end() for p in spec["include"] for m in p.finditer(text)]
    if not ends:
        return False
    if spec["tail_exclude"].search(text[max(ends):]):  # …年度报告解读, …年度报告的通知
        return False
    if spec["year"].search(text):
        return True
    return bool(spec["without_year"].search(text)) and not spec["generic_agency"].search(text)
