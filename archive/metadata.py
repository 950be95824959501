"""Read a report's metadata: reporting body, year, publisher, publication date, template.

Pure functions over a :class:`archive.clean.CleanPage` or plain strings. Title patterns,
agency suffixes and Chinese numerals live in ``archive/data/page_patterns.json``.

>>> parse_title("平潭综合实验区2021年度政府信息公开工作年度报告")
('平潭综合实验区', 2021)
>>> parse_title("2020年度良口镇政府信息公开工作年度报告")
('良口镇', 2020)
>>> parse_title("XX县20201年政府信息公开工作年度报告", published_date="2022-01-20")
('XX县', 2021)
>>> signature("……\\nXX县人民政府办公室\\n2022年1月28日")
('XX县人民政府办公室', '2022-01-28')

Year rules: a title year wins. A 5-digit typo (20201年, 20120年度) gives the 4-digit years
obtained by dropping one digit; the one a report published on ``published_date`` can be about
(the year before, else the same year) is chosen, else the one the text names most
(「2021年，…」, 「统计期限自2021年」), else None. Without a title year, the text decides.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from archive.clean import CleanPage, DATE_RE, page_patterns, parse_date
from archive.titles import strip_chrome

__all__ = ["ReportMeta", "parse_title", "report_metadata", "signature", "template_for_year", "title_token",
           "title_year_candidates", "text_years"]


@dataclass
class ReportMeta:
    agency: str | None
    year: int | None
    publisher: str | None
    published_date: str | None
    template: str


def template_for_year(year: int | None) -> str:
    """Which report form a year uses, from the templates' own ``applies_to_report_years``
    (``archive/templates``): ``pre2019``, ``2019``, ``2021`` … or ``unknown``."""
    from archive.templates import for_year
    return for_year(year)


# --------------------------------------------------------------------------- title

@lru_cache(maxsize=1)
def _title_conf() -> dict:
    conf = page_patterns()["title_parsing"]
    digits = "".join(re.escape(c) for c in conf["chinese_digits"] if not c.isascii() or c in "Oo")
    return {
        "core": re.compile(conf["report_core"]),
        "prefix": re.compile(conf["wrapper_prefix"]),
        "suffix": re.compile(conf["wrapper_suffix"]),
        "strip": conf["strip_chars"],
        "trailing": sorted(conf["agency_trailing_words"], key=len, reverse=True),
        "digits": conf["chinese_digits"],
        # 4–5 Arabic digits, or 4 Chinese numerals, then 年/年度 (a bare Arabic year also counts)
        "year": re.compile(rf"(?<!\d)(\d{{4,5}})(?!\d)\s*(年度|年)?|(?<![{digits}])([{digits}一二三四五六七八九]{{4}})\s*(年度|年)"),
        "lo": conf["first_report_year"],
        "hi": conf["last_plausible_year"],
    }


_ZERO_AMONG_NUMERALS = re.compile("(?<=[一二三四五六七八九〇○零])0|0(?=[一二三四五六七八九〇○零])")
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def _normalize_title(title: str) -> str:
    conf = _title_conf()
    t = re.sub(r"\s+", "", title.translate(_FULLWIDTH_DIGITS))
    t = _ZERO_AMONG_NUMERALS.sub("〇", strip_chrome(t))  # 二0二一年 (a zero typed as a digit)
    for _ in range(2):
        t = t.strip(conf["strip"])
        t = conf["prefix"].sub("", t)
        t = conf["suffix"].sub("", t)
    return t


def _plausible(year: int) -> bool:
    conf = _title_conf()
    return conf["lo"] <= year <= conf["hi"]


def title_year_candidates(title: str) -> tuple[list[int], tuple[int, int] | None]:
    """Possible reporting years named in ``title`` and the span of the year token.

    >>> title_year_candidates("XX县20120年度政府信息公开工作年度报告")[0]
    [2010, 2012, 2020]
    """
    conf = _title_conf()
    t = _normalize_title(title)
    for m in conf["year"].finditer(t):
        if m.group(1):
            digits = m.group(1)
            if not m.group(2) and not conf["core"].match(t, m.end()):
                if len(digits) == 5 or not _plausible(int(digits)):
                    continue
        else:
            digits = "".join(str(conf["digits"].get(c, "一二三四五六七八九".find(c) + 1)) for c in m.group(3))
        if len(digits) == 4:
            years = [int(digits)] if _plausible(int(digits)) else []
        else:
            years = sorted({int(digits[:i] + digits[i + 1:]) for i in range(5)})
            years = [y for y in years if _plausible(y)]
        if years:
            return years, m.span()
    return [], None


def title_token(title: str) -> tuple[str, str] | None:
    """The year token of a title as printed: (digits, 年 or 年度 or '').

    >>> title_token("XX县20201年政府信息公开工作年度报告")
    ('20201', '年')
    """
    t = _normalize_title(title)
    _years, span = title_year_candidates(t)
    if span is None:
        return None
    m = re.match(r"(\S+?)\s*(年度|年)?$", t[span[0]:span[1]])
    return (m.group(1), m.group(2) or "") if m else None


def _agency_from(t: str, span: tuple[int, int] | None) -> str | None:
    conf = _title_conf()
    if span is None:
        core = conf["core"].search(t)
        return _tidy_agency(t[:core.start()]) if core else None
    before = _tidy_agency(t[:span[0]])
    if before:
        return before
    after = t[span[1]:]
    core = conf["core"].search(after)
    middle = after[:core.start()] if core else ""
    agency = _tidy_agency(middle)
    if agency and agency.endswith("人民"):
        agency += "政府"
    if not agency:
        paren = re.search(r"[(（]([^()（）]{2,30})[)）]$", after)
        agency = _tidy_agency(paren.group(1)) if paren else None
    return agency


def _tidy_agency(s: str) -> str | None:
    conf = _title_conf()
    s = s.strip(conf["strip"])
    changed = True
    while changed and s:
        changed = False
        for word in conf["trailing"]:
            if s.endswith(word):
                s, changed = s[: -len(word)].strip(conf["strip"]), True
        stripped = conf["prefix"].sub("", s)
        if stripped != s:
            s, changed = stripped.strip(conf["strip"]), True
    return s or None


def parse_title(title: str | None, published_date: str | None = None,
                text: str | None = None) -> tuple[str | None, int | None]:
    """(agency, year) of a report title; ``published_date``/``text`` settle typo years."""
    if not title:
        return None, None
    t = _normalize_title(title)
    years, span = title_year_candidates(t)
    return _agency_from(t, span), _choose_year(years, published_date, text)


def _choose_year(years: list[int], published_date: str | None, text: str | None) -> int | None:
    if len(years) == 1:
        return years[0]
    if not years:
        return None
    if published_date:
        pub_year = int(published_date[:4])
        for y in (pub_year - 1, pub_year):
            if y in years:
                return y
    counts = text_years(text or "")
    ranked = [y for y, _ in counts.most_common() if y in years]
    return ranked[0] if ranked else None


@lru_cache(maxsize=1)
def _text_year_res() -> list[re.Pattern]:
    return [re.compile(p) for p in page_patterns()["text_year"]["patterns"]]


def text_years(text: str) -> Counter:
    """How often each year is named as the reporting year in ``text``."""
    counts: Counter = Counter()
    for pattern in _text_year_res():
        for m in pattern.finditer(text):
            year = int(m.group(1))
            if _plausible(year):
                counts[year] += 1
    return counts


# --------------------------------------------------------------------------- signature

_CN_NUM = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
           "六": 6, "七": 7, "八": 8, "九": 9}
_CN_DATE = re.compile(r"([〇○零Ｏ一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月"
                      r"\s*([一二三四五六七八九十]{1,3})\s*日")


def _cn_small(s: str) -> int:
    """一 → 1, 十 → 10, 十二 → 12, 二十八 → 28, 三十一 → 31."""
    if "十" not in s:
        return _CN_NUM.get(s, 0)
    tens, _, ones = s.partition("十")
    return (_CN_NUM.get(tens, 0) if tens else 1) * 10 + (_CN_NUM.get(ones, 0) if ones else 0)


def _date_in_line(line: str) -> tuple[str | None, str]:
    """(ISO date, rest of the line) if ``line`` ends with a date, else (None, line)."""
    m = DATE_RE.search(line)
    if m and not line[m.end():].strip():
        return parse_date(m.group(0)), line[:m.start()]
    m = _CN_DATE.search(line)
    if m and not line[m.end():].strip():
        year = int("".join(str(_CN_NUM[c]) for c in m.group(1)))
        iso = parse_date(f"{year}年{_cn_small(m.group(2))}月{_cn_small(m.group(3))}日")
        return iso, line[:m.start()]
    return None, line


def _looks_like_body(line: str) -> bool:
    conf = page_patterns()["signature"]
    line = line.strip()
    return (2 <= len(line) <= conf["max_body_chars"]
            and not any(c in line for c in conf["body_forbidden_chars"])
            and line.endswith(tuple(conf["agency_suffixes"])))


def signature(text: str | None) -> tuple[str | None, str | None]:
    """(body, ISO date) of the 落款 at the end of ``text``; either may be None."""
    if not text:
        return None, None
    conf = page_patterns()["signature"]
    lines = [re.sub(r"\s+", " ", l).strip() for l in text.splitlines()]
    lines = [l for l in lines if l][-conf["search_last_lines"]:]
    for i in range(len(lines) - 1, -1, -1):
        iso, rest = _date_in_line(lines[i])
        if not iso or len(rest) > conf["max_body_chars"] + 5:
            continue
        rest = rest.strip(" ,，")
        if rest:
            return (rest if _looks_like_body(rest) else None), iso
        if i > 0 and _looks_like_body(lines[i - 1]):
            return lines[i - 1], iso
        return None, iso
    return None, None


# --------------------------------------------------------------------------- page

def report_metadata(page: CleanPage) -> ReportMeta:
    """Agency, year, publisher, date and template of a cleaned report page."""
    body, signed = signature(page.text)
    published = page.published_date or signed
    title = page.title
    if not title and page.text:
        first = page.text.split("\n", 1)[0]
        title = first if first.endswith(("报告", "年报")) and len(first) <= 80 else None
    agency, year = parse_title(title, published_date=published, text=page.text)
    if year is None:
        years = title_year_candidates(title)[0] if title else []
        counts = text_years(page.text)
        year = _choose_year(years, published, page.text) if years else (
            counts.most_common(1)[0][0] if counts else None)
    return ReportMeta(agency=agency, year=year, publisher=page.source or body,
                      published_date=published, template=template_for_year(year))
