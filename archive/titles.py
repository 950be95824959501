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
    """``year`` (one pattern), ``include`` and ``exclude`` (lists), compiled."""
    raw = json.loads(resources.files("archive").joinpath("data/report_titles.json").read_text("utf-8"))
    return {"year": re.compile(raw["year"]),
            "include": [re.compile(p, re.I) for p in raw["include"]],
            "exclude": [re.compile(p, re.I) for p in raw["exclude"]]}


def squeeze(text: str | None) -> str:
    """Text without any whitespace (portals break titles anywhere)."""
    return WHITESPACE.sub("", text or "")


def is_report_title(text: str | None) -> bool:
    """A title of an annual report on disclosure work (not a notice about one)."""
    spec, text = report_title_patterns(), squeeze(text)
    return (bool(spec["year"].search(text)) and any(p.search(text) for p in spec["include"])
            and not any(p.search(text) for p in spec["exclude"]))
