"""Recognise what a portal page links to: the way to the disclosure platform, the
annual-report column, the reports themselves and pager links (the other pages of a list
are found by the list readers of ``crawler/lists/``).

Pure functions over HTML text; the spider decides what to request with them.
The Chinese link texts and title patterns live in ``crawler/data/discovery.json``.

>>> is_report_title("平潭综合实验区2021年度政府信息公开工作年度报告")
True
>>> is_report_title("关于做好2021年度政府信息公开工作年度报告编制和报送工作的通知")
False
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import lxml.html

from archive.titles import is_report_title, report_title_patterns  # noqa: F401 (used by the spider)

PATTERNS_FILE = Path(__file__).parent / "data" / "discovery.json"
WHITESPACE = re.compile(r"[\s\u00a0\u3000]+")
TRACKING_PARAMS = re.compile(r"^(utm_\w+|from|source|spm|share|timestamp|_t|t)$", re.I)
CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)
ONCLICK_URL = re.compile(r"""(?:window\.open|location(?:\.href)?\s*=|open\w*|go\w*|view\w*)\s*\(?\s*['"]([^'"]+\.(?:s?html?|jsp|aspx?|php|pdf|docx?|wps|xlsx?)(?:\?[^'"]*)?)['"]""", re.I)
CDATA_LINK = re.compile(r"""<a\b[^>]*?href\s*=\s*['"]([^'"]+)['"][^>]*>(.*?)</a>""", re.S | re.I)
TITLE_ATTR = re.compile(r"""title\s*=\s*['"]([^'"]+)['"]""", re.I)
META_REFRESH = re.compile(r"""url\s*=\s*['"]?([^'";\s]+)""", re.I)
LOCATION_JS = re.compile(r"""(?:window\.|document\.)?location(?:\.href)?\s*=\s*['"]([^'"]+)['"](?!\s*\+)""")


@dataclass(frozen=True)
class Link:
    url: str
    text: str
    source: str = "a"  # a | iframe | script (an anchor kept in a script's datastore) | json


@lru_cache(maxsize=1)
def patterns() -> dict:
    data = json.loads(PATTERNS_FILE.read_text(encoding="utf-8"))
    compiled = {}
    for group, spec in data.items():
        if group.startswith("_"):
            continue
        compiled[group] = {
            key: [re.compile(p, re.I) for p in value] if isinstance(value, list) else re.compile(value)
            for key, value in spec.items() if not key.startswith("_")
        }
    return compiled


XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def html_tree(html: str | None):
    """An lxml tree of any page text, XML answers (with their declaration) included."""
    text = XML_DECLARATION.sub("", html or "")
    return lxml.html.fromstring(text if text.strip() else "<html></html>")


def squeeze(text: str | None) -> str:
    """Link text without any whitespace (portals break labels anywhere)."""
    return WHITESPACE.sub("", text or "")


def _matches(group: str, text: str) -> bool:
    spec = patterns()[group]
    text = squeeze(text)
    return (any(p.search(text) for p in spec["include"])
            and not any(p.search(text) for p in spec.get("exclude", [])))


def is_report_column(text: str) -> bool:
    """A link to the annual-report column, or to one of its sub-columns (not an item of
    one: no title of another kind, nor one naming a year and a report)."""
    spec = report_title_patterns()
    text = squeeze(text)
    item = (spec["year"].search(text) and len(text) > 8
            and any(p.search(text) for p in patterns()["link_names"]["item_word"]))
    return (_matches("report_column", text) and not item and not is_report_title(text)
            and not any(p.search(text) for p in spec["exclude"]))


def is_disclosure_nav(text: str) -> bool:
    """A link on the way from the home page to the disclosure platform."""
    return _matches("disclosure_nav", text)


def is_agency_directory(text: str) -> bool:
    """A link to the page listing the departments' or towns' own disclosure directories."""
    spec = patterns()["agency_directory"]
    return is_disclosure_nav(text) and any(p.search(squeeze(text)) for p in spec["include"])


def is_directory_group(text: str) -> bool:
    """On a directory page, a link to a further directory: another agency directory
    (部门信息公开目录) or a group of agencies (政府工作部门, 直属事业单位, 乡镇（街道）)."""
    spec = patterns()["agency_directory"]
    text = squeeze(text)
    return is_agency_directory(text) or (
        2 <= len(text) <= 12 and any(p.search(text) for p in spec["group"])
        and not any(p.search(text) for p in spec["exclude"]) and not is_agency_name(text))


def is_agency_name(text: str) -> bool:
    """A link named like a department or town (县财政局, 良口镇人民政府)."""
    spec = patterns()["agency_directory"]
    text = squeeze(text)
    return (2 <= len(text) <= 20 and any(p.search(text) for p in spec["agency_name"])
            and not any(p.search(text) for p in spec["exclude"]))


def _named_elsewhere(kind: str, text: str) -> bool:
    """A link text that does not name its target ("更多>>", "查看")."""
    return any(p.match(squeeze(text)) for p in patterns()["link_names"][kind])


def is_pager_text(text: str) -> bool:
    text = squeeze(text)
    return any(p.search(text) for p in patterns()["pager"]["link_text"])


def canonical_url(url: str) -> str:
    """Drop the fragment and tracking parameters, so one document has one key."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not TRACKING_PARAMS.match(k)]
    path = parts.path or "/"
    return urlunsplit((parts.scheme, parts.netloc.lower(), path, urlencode(query), ""))


def fuller(text: str, title: str | None) -> str:
    """A list shortens long titles (…/...); the link's title attribute has them whole."""
    shown, title = squeeze(text).rstrip(".…·"), squeeze(title)
    return title if title and len(title) >= len(shown) else text


def page_links(html: str, base_url: str, tree=None) -> list[Link]:
    """Every followable link of a page: anchors, iframes, and anchors kept inside
    scripts (Hanweb datastores keep list items as CDATA in <script type="text/xml">).
    ``tree``: the page already parsed with ``html_tree``."""
    tree = html_tree(html) if tree is None else tree
    base = tree.xpath("string(//base/@href)") or base_url
    base = urljoin(base_url, base)
    links = []
    for a in tree.iter("a"):
        href = (a.get("href") or "").strip()
        if href.lower().startswith("javascript") or not href or href == "#":
            found = ONCLICK_URL.search(a.get("onclick") or "") or ONCLICK_URL.search(href)
            href = found.group(1) if found else href
        text = fuller(a.text_content(), a.get("title"))
        if not squeeze(text):  # an image link: named by its picture
            text = " ".join(img.get("alt") or img.get("title") or "" for img in a.iter("img"))
        if _named_elsewhere("more", text) and a.getparent() is not None:
            # "更多>>" beside a heading: the link is named by the box it sits in
            text = squeeze(a.getparent().text_content())[:40]
        elif _named_elsewhere("generic", text):
            # "查看" / "详情" in a list row: the link is named by its row
            row = next(a.iterancestors("tr", "li", "dd", "p"), None)
            text = squeeze(row.text_content())[:80] if row is not None else text
        links.append((href, text, "a"))
    for frame in tree.xpath("//iframe[@src] | //frame[@src] | //embed[@src] | //object[@data]"):
        source = (frame.get("src") or frame.get("data")).strip()
        links.append((source, frame.get("title") or frame.get("name") or "", "iframe"))
    for section in CDATA.findall(html or ""):
        for match in CDATA_LINK.finditer(section):
            href, inner = match.groups()
            title = TITLE_ATTR.search(match.group(0))
            text = lxml.html.fromstring(f"<p>{inner}</p>").text_content() if inner.strip() else ""
            links.append((href, fuller(text, title.group(1) if title else None), "script"))
    seen, result = set(), []
    for href, text, source in links:
        if not href or href.startswith(("javascript:", "mailto:", "#", "tel:")):
            continue
        url = canonical_url(urljoin(base, href))
        if urlsplit(url).scheme not in ("http", "https") or (url, squeeze(text)) in seen:
            continue
        seen.add((url, squeeze(text)))
        result.append(Link(url, squeeze(text), source))
    return result


ATTACHMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".et", ".ofd", ".txt")


def is_attachment_url(url: str) -> bool:
    """A document file rather than a web page: by the extension of its path, or of a file
    named in its query (a PDF viewer's ``viewer.html?file=/upload/x.pdf``)."""
    parts = urlsplit(url)
    return (parts.path.lower().endswith(ATTACHMENT_EXTENSIONS)
            or any(v.lower().endswith(ATTACHMENT_EXTENSIONS) for _, v in parse_qsl(parts.query)))


DOWNLOAD_PATH = re.compile(r"download|downfile|attach|fujian|getfile|/file\.(jsp|do|aspx?)", re.I)


def attachment_links(links: list[Link]) -> list[Link]:
    """The files a report page carries (附件: the report as PDF/DOCX, its tables as XLSX…):
    by the URL's extension, by a file name as the link text (download.jsp?id=… links), by a
    download script's path, or the file a viewer page shows (viewer.html?file=x.pdf)."""
    found = []
    for link in links:
        parts = urlsplit(link.url)
        shown = [v for _, v in parse_qsl(parts.query) if v.lower().endswith(ATTACHMENT_EXTENSIONS)]
        if shown and not parts.path.lower().endswith(ATTACHMENT_EXTENSIONS):
            found.append(Link(canonical_url(urljoin(link.url, shown[0])), link.text, link.source))
        elif (is_attachment_url(link.url) or link.text.lower().endswith(ATTACHMENT_EXTENSIONS)
              or (DOWNLOAD_PATH.search(parts.path) and link.source == "a")):
            found.append(link)
    return found


def redirect_target(html: str, base_url: str) -> str | None:
    """Where a page sends the browser without HTTP: <meta http-equiv=refresh> or location.href=."""
    tree = html_tree(html)
    for meta in tree.xpath("//meta[@http-equiv]"):
        if meta.get("http-equiv", "").lower() == "refresh":
            found = META_REFRESH.search(meta.get("content") or "")
            if found:
                return canonical_url(urljoin(base_url, found.group(1)))
    body_text = squeeze(tree.xpath("string(//body)") or "")
    if len(body_text) < 200:
        for script in tree.xpath("//script[not(@src)]"):
            found = LOCATION_JS.search(script.text or "")
            if found:
                return canonical_url(urljoin(base_url, found.group(1)))
    return None
