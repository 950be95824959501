"""TRS WCM lists: the pager is drawn by ``createPageHTML(countPage, currentPage, "index",
"html")``; page 1 is index.html, page k+1 is index_k.html, and no <a> links to them exist.

>>> from crawler.lists import ListPage
>>> next_pages(ListPage("http://h/a/", '<script>createPageHTML(2, 0, "index", "shtml")</script>'))[0].url
'http://h/a/index_1.shtml'
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from crawler.discover import canonical_url
from crawler.lists.base import PageRequest

NAME = "script-pager"
TRS_PAGER = re.compile(
    r"""createPage(?:HTML)?\(\s*(\w+)\s*,\s*(\w+)\s*,\s*["'](\w+)["']\s*,\s*["'](\w+)["']""")
COUNT_VAR = r"""var\s+{name}\s*=\s*(\d+)"""
MAX_PAGES = 500


def detect(page) -> bool:
    return "createPage" in page.html and bool(TRS_PAGER.search(page.html))


def script_pager_urls(html: str, page_url: str) -> list[str]:
    urls = []
    for total, _current, stem, ext in TRS_PAGER.findall(html or ""):
        if not (total.isascii() and total.isdigit()):
            found = re.search(COUNT_VAR.format(name=re.escape(total)), html)
            if not found:
                continue
            total = found.group(1)
        for k in range(1, min(int(total), MAX_PAGES)):
            urls.append(canonical_url(urljoin(page_url, f"{stem}_{k}.{ext}")))
    return urls


def next_pages(page):
    return [PageRequest(url, NAME) for url in script_pager_urls(page.html, page.url)]
