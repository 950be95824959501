"""Clean a report page: main text without portal chrome, title, date, source, CMS meta tags.

Pure functions: HTML (already decoded to ``str``) in, a :class:`CleanPage` out.
Every Chinese phrase used here lives in ``archive/data/page_patterns.json``.

>>> page = clean_page(open("tests/fixtures/pingtan_2021_report.html", encoding="utf-8").read())
>>> page.title, page.published_date, page.source
('平潭综合实验区2021年度政府信息公开工作年度报告', '2022-02-08', '平潭县人民政府')

Decisions:
- The text is what trafilatura extracts (tables included, one row a line, cells joined by
  `` | ``) from the page's main container (``content_selectors``) when there is one, or
  from the whole page when there is none or the container holds only a fragment of the
  page's text (a lead paragraph); the container's own text when trafilatura finds much less
  than it holds. One trafilatura pass a page. Lines matching ``boilerplate_lines`` are
  then dropped.
- The page is parsed once (:func:`parse_html`); callers that need the tree too (tables,
  images) parse it themselves and pass it to :func:`clean_page` and :func:`block_text`.
- A title line is kept where the page prints it inside the body (it is part of the
  document); none is added where the body does not print it.
- ``published_date``: labelled dates (``date_labels``: the earliest of the best rank, a
  "today" widget excluded) first, then CMS meta tags (``PubDate``); never htmldate, which is wrong on
  these portals (see shared/STACK.md).
"""
from __future__ import annotations

import copy
import datetime as _dt
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import lxml.etree
import lxml.html
import trafilatura

__all__ = ["CleanPage", "clean_page", "parse_html", "block_text", "to_simplified",
           "strip_inline_pinyin", "parse_date", "page_patterns", "is_boilerplate_line"]


@dataclass
class CleanPage:
    title: str | None
    text: str
    published_date: str | None
    source: str | None
    meta: dict = field(default_factory=dict)
    # every other place the page names its title, best first (headings, <title>, a 标题 field);
    # archive.metadata chooses among them, the text's first lines and the list's link text
    title_candidates: list[str] = field(default_factory=list)
    # the 落款's body when trafilatura dropped its line (it collapses a paragraph that repeats
    # an earlier one, as the agency line of a title split over two lines does)
    signed_by: str | None = None


@lru_cache(maxsize=1)
def page_patterns() -> dict:
    """The phrase tables of ``archive/data/page_patterns.json`` (read once)."""
    raw = resources.files("archive").joinpath("data/page_patterns.json").read_text("utf-8")
    return json.loads(raw)


# --------------------------------------------------------------------------- dates

_CJK = "\u4e00-\u9fff"
DATE_RE = re.compile(
    r"(?<!\d)(\d{4})\s*(?:[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?)(?!\d)"
)


def parse_date(value: str | None) -> str | None:
    """First date in ``value`` as ISO ``YYYY-MM-DD``, or None.

    >>> parse_date("2022/2/8 10:30"), parse_date("2022年02月08日"), parse_date("2022-13-01")
    ('2022-02-08', '2022-02-08', None)
    """
    if not value:
        return None
    for m in DATE_RE.finditer(value):
        iso = _iso(m)
        if iso:
            return iso
    return None


def _iso(m: re.Match) -> str | None:
    year = int(m.group(1))
    month = int(m.group(2) or m.group(4))
    day = int(m.group(3) or m.group(5))
    try:
        return _dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _label_re(entry: dict, colon_required: bool) -> str:
    label = re.escape(entry["label"]).replace(r"\ ", r"\s*")
    before = f"(?<![{_CJK}])" if entry.get("standalone") else ""
    colon = r"\s*[:：]\s*" if colon_required and not entry.get("colon_optional") else r"\s*[:：]?\s*"
    return before + label + colon


@lru_cache(maxsize=1)
def _date_label_res() -> tuple[list[list[re.Pattern]], re.Pattern, re.Pattern]:
    conf = page_patterns()["date_labels"]
    ranks: dict[int, list[re.Pattern]] = {}
    for entry in conf["labels"]:
        pattern = re.compile(_label_re(entry, colon_required=False) + r"(?=\d{4})")
        ranks.setdefault(entry.get("rank", 1), []).append(pattern)
    return ([ranks[r] for r in sorted(ranks)], re.compile(conf["today_widget_after"]),
            re.compile(conf["today_widget_before"]))


def labelled_date(page_text: str) -> str | None:
    """The labelled date of ``page_text``: the earliest of the best rank (``date_labels``)."""
    ranks, today_after, today_before = _date_label_res()
    for label_res in ranks:
        found: list[tuple[int, str]] = []
        for label_re in label_res:
            for m in label_re.finditer(page_text):
                d = DATE_RE.match(page_text, m.end())
                if not d or today_after.match(page_text, d.end()):
                    continue
                if today_before.search(page_text[max(0, m.start() - 12):m.start()]):
                    continue
                iso = _iso(d)
                if iso:
                    found.append((m.start(), iso))
                    break
        if found:
            return min(found)[1]
    return None


# --------------------------------------------------------------------------- source

@lru_cache(maxsize=1)
def _source_res() -> tuple[list[re.Pattern], re.Pattern]:
    conf = page_patterns()["source_labels"]
    value = r"((?>[^\s:：|｜【】\[\]<>]{2,40}))(?![:：])"
    res = [re.compile(_label_re(e, colon_required=True) + value) for e in conf["labels"]]
    return res, re.compile(conf["not_a_value"])


def labelled_source(page_text: str) -> str | None:
    """The value after 来源：/信息来源：/发布机构 in ``page_text``, or None if empty."""
    label_res, not_a_value = _source_res()
    for label_re in label_res:
        for m in label_re.finditer(page_text):
            if not not_a_value.match(m.group(1)):
                return m.group(1)
    return None


@lru_cache(maxsize=1)
def _title_field_re() -> re.Pattern:
    labels = page_patterns()["title_candidates"]["field_labels"]
    spaced = "|".join(r"\s*".join(map(re.escape, label)) for label in labels)
    return re.compile(rf"(?:^|\n|\|)\s*(?:{spaced})\s*[:：|]?\s*([^|\n]{{4,100}})")


def labelled_titles(page_text: str) -> list[str]:
    r"""The values of a page's 标题 / 名称 fields (the 索引号 block of county portals).

    >>> labelled_titles("索引号 bgs01/2023-00011\n标   题 县政府办2022年度政府信息公开工作年度报告\n")
    ['县政府办2022年度政府信息公开工作年度报告']
    """
    return [m.group(1).strip() for m in _title_field_re().finditer(page_text or "")]


# --------------------------------------------------------------------------- tree helpers

_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u3000\u2002\u2003\u200b\ufeff]+")


def _squash(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def parse_html(html: str):
    """The page's tree (comments removed, everything else as written), or None for an empty
    or unparsable page. Parse a page once and hand the tree to :func:`clean_page` and
    :func:`block_text`, which drop its scripts, styles, ``noscript`` and ``template``
    elements in place."""
    if not html or not html.strip():
        return None
    try:
        return lxml.html.fromstring(html.encode("utf-8", "replace"), parser=_PARSER)
    except Exception:  # lxml raises several types on garbage; a page without a tree is empty
        return None


_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True)
_HIDDEN = lxml.etree.XPath("//script|//style|//noscript|//template")


def _drop_hidden(root):
    for bad in _HIDDEN(root):
        bad.drop_tree()
    return root


def _parse(html: str):
    root = parse_html(html)
    return _drop_hidden(root) if root is not None else None


def _page_text(root) -> str:
    """All visible text of the page, pieces separated by spaces (for label searches)."""
    return _squash(" ".join(root.itertext())) if root is not None else ""


def _meta(root) -> dict:
    keep = {name.lower(): name for name in page_patterns()["meta_names"]["keep"]}
    found: dict = {}
    if root is None:
        return found
    for el in root.xpath("//meta[@name][@content]"):
        name = keep.get(el.get("name", "").strip().lower())
        value = _squash(el.get("content", ""))
        if name and value and name not in found:
            found[name] = value
    return found


class _Selectors:
    """The elements matching the page's selectors (``content_selectors`` and ``title``),
    found by one scan of the document instead of one XPath scan a selector. ``#id``,
    ``.class`` and ``tag`` mean what XPath ``//*[@id=..]``, ``//*[contains(concat(' ',
    normalize-space(@class), ' '), ' class ')]`` and ``//tag`` mean; each selector's
    matches are in document order."""

    _CLASS_SPLIT = re.compile(r"[ \t\r\n]+")

    def __init__(self, root):
        ids, classes, tags = _selector_parts()
        self._found: dict[str, list] = {}
        for el in _selector_xpath()(root):
            attrib = el.attrib
            keys = []
            if el.tag in tags:
                keys.append(el.tag)
            if attrib.get("id") in ids:
                keys.append("#" + attrib["id"])
            if "class" in attrib:
                keys += ["." + c for c in dict.fromkeys(self._CLASS_SPLIT.split(attrib["class"]))
                         if c in classes]
            for key in keys:
                self._found.setdefault(key, []).append(el)

    def select(self, selector: str) -> list:
        return self._found.get(selector, [])


@lru_cache(maxsize=1)
def _selector_parts() -> tuple[frozenset, frozenset, frozenset]:
    """(ids, classes, tags) named by the content and title selectors."""
    patterns = page_patterns()
    selectors = patterns["content_selectors"]["selectors"] + patterns["title"]["selectors"]
    return (frozenset(s[1:] for s in selectors if s.startswith("#")),
            frozenset(s[1:] for s in selectors if s.startswith(".")),
            frozenset(s for s in selectors if s[:1] not in ("#", ".")))


@lru_cache(maxsize=1)
def _selector_xpath() -> lxml.etree.XPath:
    """Candidates: every element with an id or a class, and the selectors' tags (a simple
    XPath test is cheap; one ``contains(concat(..))`` test a class name is not)."""
    tags = sorted(_selector_parts()[2])
    return lxml.etree.XPath(" | ".join(["//*[@id or @class]"] + [f"//{t}" for t in tags]))


_BLOCK_TAGS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table",
               "section", "article", "blockquote", "pre", "ul", "ol", "dl", "dt", "dd"}


def _block_text(el, skip_links: bool = False) -> str:
    """Text of an element with a line break at each block and `` | `` between table cells
    (``skip_links``: without the text inside ``<a>`` elements)."""
    parts: list[str] = []
    append = parts.append

    def inside(node) -> None:   # text of the node itself, then its children with tails
        tag = node.tag
        if tag in _BLOCK_TAGS:
            append("\n")
        elif tag in _CELL_TAGS:
            append(" | ")
        if node.text:
            append(node.text)
        for child in node:
            if isinstance(child.tag, str) and not (skip_links and child.tag == "a"):
                if len(child) or child.tag in _BLOCK_TAGS or child.tag in _CELL_TAGS:
                    inside(child)
                elif child.text:   # a leaf inline element: its text
                    append(child.text)
            if child.tail:
                append(child.tail)
        if tag in _BLOCK_TAGS:
            append("\n")

    if isinstance(el.tag, str) and not (skip_links and el.tag == "a"):
        inside(el)
    return "".join(parts)


_CELL_TAGS = {"td", "th"}
_CELLS = lxml.etree.XPath("count(//td|//th)")


def _container(root, selectors: _Selectors | None = None):
    """The CMS's body container and its block text (the largest match of the first
    selector that matches), or (None, "")."""
    if root is None:
        return None, ""
    selectors = selectors or _Selectors(root)
    for selector in page_patterns()["content_selectors"]["selectors"]:
        nodes = [n for n in selectors.select(selector) if _squash(n.text_content())]
        if nodes:
            return max(((n, _block_text(n)) for n in nodes), key=lambda pair: len(pair[1]))
    return None, ""


# --------------------------------------------------------------------------- text

_PIPES = re.compile(r"[|｜\s]+")


@lru_cache(maxsize=1)
def _boilerplate() -> tuple[re.Pattern, re.Pattern, int]:
    """The boilerplate phrases and patterns as two alternations: those anchored at the
    start of the line (``^``; tried once, with ``match``; such a pattern must not have a
    top-level ``|``) and the others (one ``search``; as each starts with a literal, the
    regex engine skips straight to candidate characters)."""
    conf = page_patterns()["boilerplate_lines"]
    parts = [re.escape(p) for p in conf["phrases"]] + list(conf["patterns"])
    anchored = [p[1:] for p in parts if p.startswith("^")]
    floating = list(dict.fromkeys(p for p in parts if not p.startswith("^")))

    def alternation(patterns: list[str]) -> re.Pattern:
        return re.compile("|".join(f"(?:{p})" for p in patterns) or r"(?!)")

    return alternation(anchored), alternation(floating), conf["max_line_chars"]


def is_boilerplate_line(line: str) -> bool:
    """True if ``line`` (whitespace already squashed) is portal chrome."""
    anchored, floating, max_chars = _boilerplate()
    if len(line) > max_chars and len(_PIPES.sub("", line)) > max_chars:
        return False  # layout-table residue (pipes, spaces) does not count towards the length
    return anchored.match(line) is not None or floating.search(line) is not None


def clean_lines(text: str) -> str:
    """Squash spaces, drop empty and boilerplate lines; paragraphs joined by ``\\n``."""
    lines = (_squash(line) for line in text.splitlines())
    return "\n".join(line for line in lines if line and not is_boilerplate_line(line))


def _trafilatura(tree, **options) -> str:
    """trafilatura's text of a parsed page (trafilatura >= 2.3 works on a copy of a tree it
    is given, so ``tree`` is left as it is)."""
    return clean_lines(trafilatura.extract(tree, include_tables=True, include_comments=False,
                                           include_images=False, include_links=False,
                                           output_format="txt", deduplicate=False, **options) or "")


def _alone(node):
    """A copy of ``node`` as the only content of a new page (``<html><body>node``)."""
    page = lxml.html.Element("html")
    lxml.etree.SubElement(page, "body").append(copy.deepcopy(node))
    return page


def _extract_text(root, selectors: _Selectors, page_text: str) -> str:
    """trafilatura over the CMS's body container when there is one (the page around it is
    chrome), else over the page; the container's plain text when trafilatura finds little.
    A container holding only a fragment of the page's own text (a lead paragraph: under
    30% of the page's text outside links) is not the report: then the whole page.
    ``page_text``: :func:`_page_text` of ``root``; with 3 characters a table cell (for
    `` | ``) it bounds the length of the page's cleaned text, which is only computed
    when that bound does not decide."""
    node, block = _container(root, selectors)
    if node is not None:
        block = clean_lines(block)
        body = root.find("body")
        bound = len(page_text) + 3 * int(_CELLS(root))
        if len(block) >= 0.3 * bound or len(block) >= 0.3 * len(clean_lines(
                _block_text(body if body is not None else root, skip_links=True))):
            inner = _trafilatura(_alone(node), favor_recall=True)
            return inner if len(inner) >= 0.5 * len(block) else block
    return _trafilatura(root)


# --------------------------------------------------------------------------- title

def _title(root, selectors: _Selectors, meta: dict, text: str) -> tuple[str | None, list[str]]:
    """The page's title and every other title it prints (see ``CleanPage.title_candidates``)."""
    conf = page_patterns()["title"]
    named = [meta[name] for name in page_patterns()["meta_names"]["title"] if meta.get(name)]
    if root is None:
        return (named[0] if named else None), named
    title_tag = _squash(" ".join(t.text_content() for t in root.xpath("//title")[:1]))
    head = _strip_site_suffix(title_tag, conf["site_suffix_separators"])
    candidates = [_squash(n.text_content()) for sel in conf["selectors"]
                  for n in selectors.select(sel)]
    candidates = [c for c in candidates if 4 <= len(c) <= 150]
    others = named + candidates + [t for t in (title_tag, head) if t]
    if named:
        return named[0], others
    for cand in candidates:
        joined = cand.replace(" ", "")
        short = len(joined) < 0.6 * len(head.replace(" ", ""))  # a site-name banner <h1>
        if head and not short and (joined in title_tag.replace(" ", "")
                                   or head.replace(" ", "") in joined):
            return cand, others
    if head:
        return head, others
    if candidates:
        return candidates[0], others
    first = text.split("\n", 1)[0] if text else ""
    return (first if first.endswith(("报告", "年报")) and len(first) <= 80 else None), others


def _strip_site_suffix(title: str, separators: list[str]) -> str:
    for sep in separators:
        if sep in title:
            head = title.split(sep, 1)[0].strip()
            if len(head) >= 4:
                return head
    return title.strip() if len(title.strip()) >= 4 else ""


# --------------------------------------------------------------------------- entry point

def clean_page(html: str, tree=None) -> CleanPage:
    """Clean one report page (HTML already decoded to ``str``). ``tree``: the page already
    parsed by :func:`parse_html` (its scripts and styles are dropped in place), to save a
    second parse."""
    root = _parse(html) if tree is None else _drop_hidden(tree)
    selectors = _Selectors(root) if root is not None else None
    meta = _meta(root)
    page_text = _page_text(root)
    text = _extract_text(root, selectors, page_text) if root is not None else ""
    date = labelled_date(page_text)
    if not date:
        for name in page_patterns()["meta_names"]["date"]:
            date = parse_date(meta.get(name))
            if date:
                break
    source = labelled_source(page_text)
    if not source:
        source = next((meta[n] for n in page_patterns()["meta_names"]["source_fallback"]
                       if meta.get(n)), None)
    title, candidates = _title(root, selectors, meta, text)
    candidates += labelled_titles(text)
    return CleanPage(title=title, text=text, published_date=date, source=source, meta=meta,
                     title_candidates=candidates)


# --------------------------------------------------------------------------- script helpers

@lru_cache(maxsize=1)
def _t2s():
    import opencc
    return opencc.OpenCC("t2s")


def to_simplified(text: str | None) -> str:
    """Traditional → Simplified characters (OpenCC ``t2s``).

    >>> to_simplified("政府資訊公開工作年度報告")
    '政府资讯公开工作年度报告'
    """
    return _t2s().convert(text) if text else ""


_PINYIN_LETTERS = "a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüêńňǹḿ"
_TONE_MARKS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_GLOSS_RE = re.compile(  # a parenthesised run of pinyin syllables
    rf"[(（]\s*((?:[{_PINYIN_LETTERS}]+[1-5]?)(?:[\s'’-]+[{_PINYIN_LETTERS}]+[1-5]?)*)\s*[)）]"
)
_TONE_NUMBER = re.compile(r"[a-zü][1-5]\b")


def strip_inline_pinyin(text: str | None) -> str:
    """Remove parenthesised pinyin glosses right after a CJK character (spaces between
    the character and the gloss go with the gloss).

    A gloss needs a tone mark or a tone number, so 平台(app) stays.

    >>> strip_inline_pinyin("領(lǐng)導(dǎo)小组（zu3）")
    '領導小组'
    >>> strip_inline_pinyin("领导 (lǐng) 和平台(app)，a (lǐng)")
    '领导 和平台(app)，a (lǐng)'
    """
    if not text:
        return ""
    # Brackets first (a literal, so the regex engine skips ahead), then the character
    # before them: what ``(?<=[CJK])\s*`` in front of the pattern means, found much faster.
    out: list[str] = []
    done = 0
    for m in _GLOSS_RE.finditer(text):
        start = m.start()
        while start > 0 and text[start - 1].isspace():
            start -= 1
        if not start or not "\u4e00" <= text[start - 1] <= "\u9fff":
            continue
        gloss = m.group(1)
        if any(c in _TONE_MARKS for c in gloss) or _TONE_NUMBER.search(gloss):
            out.append(text[done:start])
            done = m.end()
    if not out:
        return text
    out.append(text[done:])
    return "".join(out)


def block_text(html) -> str:
    """Every line of the page's main container (or body), boilerplate lines dropped, no
    line left out for being short: the text to read a table flattened into paragraphs
    from (trafilatura may drop lines holding a lone "0"). ``html``: the page as ``str``,
    or its tree from :func:`parse_html` (scripts and styles are dropped in place)."""
    if isinstance(html, str):
        root = _parse(html)
    else:
        root = _drop_hidden(html) if html is not None else None
    if root is None:
        return ""
    text = _container(root)[1]
    if not text:
        body = root.find("body")
        text = _block_text(body if body is not None else root)
    return clean_lines(text)
