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
from dataclasses import dataclass, field
from functools import lru_cache

from archive.clean import CleanPage, DATE_RE, page_patterns, parse_date
from archive.titles import is_report_title, strip_chrome

__all__ = ["ReportMeta", "clean_title", "title_candidates", "parse_title", "report_metadata", "signature", "template_for_year", "title_token",
           "title_year_candidates", "text_years"]


@dataclass
class ReportMeta:
    agency: str | None
    year: int | None
    publisher: str | None
    published_date: str | None
    template: str
    title: str | None = None
    sources: dict = field(default_factory=dict)   # where title, agency and year were read (SOURCES)


# Where a field was read: the page (its headings, <title>, a 标题 field), the text's first
# lines, the list's link text, the title, a phrase of the body, the page's 发布机构/来源
# field, or the 落款.
SOURCES = ("page", "text", "listing", "title", "body", "publisher", "signature")


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


# --------------------------------------------------------------------------- title choice

@lru_cache(maxsize=1)
def _candidate_conf() -> dict:
    conf = page_patterns()["title_candidates"]
    words = "|".join(map(re.escape, sorted(conf["leading_words"], key=len, reverse=True)))
    seps = re.escape(conf["leading_separators"])
    return {**conf,
            "leading": re.compile(rf"^(?:(?:{words})[{seps}]*)+"),
            "crumb": re.compile("|".join(map(re.escape, conf["breadcrumb_separators"]))),
            "prefix": re.compile("^(?:" + "|".join(map(re.escape, conf["column_prefixes"])) + ")")}


def clean_title(text: str | None) -> str | None:
    """A title without the chrome a page glued to it: the login bar (登录 | 注册), a
    breadcrumb (首页 > … > the title), a column name in front of the agency
    (政府信息公开XX县…), a date or 【tag】 as lists add them.

    >>> clean_title("登录 | 注册抚松县松江河镇人民政府2020年政府信息公开工作年度报告")
    '抚松县松江河镇人民政府2020年政府信息公开工作年度报告'
    >>> clean_title("您当前所在位置: 首页 > 政务公开 > 中村乡2020年政府信息公开工作年度报告")
    '中村乡2020年政府信息公开工作年度报告'
    >>> clean_title("政府信息公开福州市晋安区2021年政府信息公开工作年度报告")
    '福州市晋安区2021年政府信息公开工作年度报告'
    >>> clean_title("[2023-01-20]县林业局2022年政府信息公开工作年度报告")
    '县林业局2022年政府信息公开工作年度报告'
    """
    if not text:
        return None
    conf = _candidate_conf()
    t = re.sub(r"[\s\u00a0\u3000]+", " ", text).strip()
    parts = [p.strip() for p in conf["crumb"].split(t)]
    if len(parts) > 1:   # a breadcrumb: its last step (before 正文) is the page
        parts = [p for p in parts if p and p not in conf["breadcrumb_last_words"]]
        t = parts[-1] if parts else ""
        for word in conf["breadcrumb_last_words"]:   # 正文 glued to the next line's title
            if t.startswith(word) and is_report_title(t[len(word):]):
                t = t[len(word):]
    t = conf["leading"].sub("", t).strip(conf["leading_separators"])
    t = strip_chrome(t).strip()
    rest = conf["prefix"].sub("", t)
    if rest != t and is_report_title(rest) and parse_title(rest)[0]:
        t = rest   # 政府信息公开 + agency: the column's name glued in front
    return t or None


def title_candidates(page: CleanPage, list_title: str | None = None,
                     simplify=lambda t: t) -> list[tuple[str, str]]:
    """Every title the document offers, best first, each with where it was found: the page
    (its chosen title, then its other headings and fields), the text's first lines (a title
    split over two lines joined: the agency on the line above), the list's link text, the
    title the body announces (现公布XX县2020年度政府信息公开工作年度报告)."""
    conf = _candidate_conf()
    out = [(t, "page") for t in [page.title, *page.title_candidates] if t]
    lines = [l.strip() for l in (page.text or "").split("\n")[:conf["first_lines"]] if l.strip()]
    short = [l if len(l) <= conf["max_title_chars"] and not any(c in l for c in conf["sentence_chars"])
             else None for l in lines]
    for first, second in zip(short, short[1:] + [None]):
        if first and second and not is_report_title(simplify(first)) \
                and is_report_title(simplify(first + second)):
            out.append((first + second, "text"))
        if first:
            out.append((first, "text"))
    if list_title:
        out.append((list_title, "listing"))
    announced = _agency_res()[0]
    out += [(m.group("title"), "body") for m in announced.finditer((page.text or "")[:3000])]
    return out


def choose_title(candidates: list[tuple[str, str]], simplify=lambda t: t) -> tuple[str | None, str | None]:
    """(title, where): the first candidate printed as a title that names a report and its
    agency, else the first printed one that names a report, else the title the body announces
    (现公布…年度报告), else the page's own title, else the list's. ``simplify``:
    Traditional → Simplified, for a report printed in Traditional script (its title is
    kept as printed)."""
    cleaned = [clean_title(text) for text, _ in candidates]
    reports = [i for i, t in enumerate(cleaned) if t and is_report_title(simplify(t))]
    printed = [i for i in reports if candidates[i][1] != "body"]
    with_agency = [i for i in printed if parse_title(simplify(cleaned[i]))[0]]
    fallback = [i for i, (t, (_, where)) in enumerate(zip(cleaned, candidates))
                if t and where not in ("text", "body")]
    for found in (with_agency, printed, reports, fallback):
        if found:
            return cleaned[found[0]], candidates[found[0]][1]
    return None, None


# --------------------------------------------------------------------------- agency

@lru_cache(maxsize=1)
def _agency_res() -> tuple[re.Pattern, re.Pattern]:
    conf = page_patterns()["agency_phrases"]
    return re.compile(conf["announced_title"]), re.compile(conf["compiled_by"])


def agency_in_body(text: str | None) -> str | None:
    """The body named in the report's own words: the title it announces
    (现向社会公布2021年石家庄市教育局政府信息公开工作年度报告) or who compiled it
    (本报告由XX局编制).

    >>> agency_in_body("根据《条例》规定，现向社会公布2021年石家庄市教育局政府信息公开工作年度报告。")
    '石家庄市教育局'
    >>> agency_in_body("本报告由雁栖县统计局根据《条例》要求编制。")
    '雁栖县统计局'
    >>> agency_in_body("本报告由总体情况、主动公开政府信息情况等六部分组成。") is None
    True
    """
    if not text:
        return None
    announced, compiled_by = _agency_res()
    head = text[:3000]
    for m in announced.finditer(head):
        agency = parse_title(m.group("title"))[0]
        if agency and _looks_like_body(agency):
            return agency
    for m in compiled_by.finditer(head):
        agency = m.group("agency").strip()
        if _looks_like_body(agency):
            return agency
    return None


def reporting_year_in_text(text: str | None) -> int | None:
    """The year the text says it reports on: the first ``text_year`` pattern that names a
    plausible year decides (统计期限自2022年… before a paragraph opening with a year)."""
    for pattern in _text_year_res():
        counts = Counter(int(m.group(1)) for m in pattern.finditer(text or "") if _plausible(int(m.group(1))))
        if counts:
            return counts.most_common(1)[0][0]
    return None


# --------------------------------------------------------------------------- page

def report_metadata(page: CleanPage, list_title: str | None = None, printed: CleanPage | None = None) -> ReportMeta:
    """Title, agency, year, publisher, date and template of a cleaned report page, and
    where each of title, agency and year was read (``ReportMeta.sources``). ``page`` in
    Simplified script; ``printed``: the page as printed, when it is in Traditional script
    (its title is kept as printed, the rest is read in Simplified)."""
    body, signed = signature(page.text)
    body = body or page.signed_by
    published = page.published_date or signed
    if printed is None:
        title, title_source = choose_title(title_candidates(page, list_title))
        simple_title = title
    else:
        from archive.clean import to_simplified
        title, title_source = choose_title(title_candidates(printed, list_title, to_simplified), to_simplified)
        simple_title = to_simplified(title) or None
    sources = {"title": title_source}
    agency, year = parse_title(simple_title, published_date=published, text=page.text)
    if agency:
        sources["agency"] = "title"
    else:
        listed = parse_title(list_title)[0] if list_title else None
        publisher_field = page.source if page.source and _looks_like_body(page.source) else None
        for found, where in ((agency_in_body(page.text), "body"), (publisher_field, "publisher"),
                             (listed, "listing"), (body, "signature")):
            if found:
                agency, sources["agency"] = found, where
                break
    if year is not None:
        sources["year"] = "title"
    else:
        for found, where in ((reporting_year_in_text(page.text), "body"),
                             (parse_title(list_title)[1] if list_title else None, "listing")):
            if found:
                year, sources["year"] = found, where
                break
    return ReportMeta(agency=agency, year=year, publisher=page.source or body,
                      published_date=published, template=template_for_year(year), title=title,
                      sources={k: v for k, v in sources.items() if v})
