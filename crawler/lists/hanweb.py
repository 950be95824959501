"""Hanweb (大汉) jpage lists: the first page's items sit as CDATA in a
``<script type="text/xml">`` datastore (read by ``discover.page_links``); the others come from
the datastore's ``dataproxy.jsp`` with ``startrecord/endrecord/perpage``
(``$('#id').jpage({totalRecord: N, perPage: M, proxyUrl: …})``).

>>> from crawler.lists import ListPage
>>> html = "<a href='/module/web/jpage/dataproxy.jsp?page=1&columnid=7'></a><script>jpage({totalRecord:25,perPage:10})</script>"
>>> [r.url.split('?')[1] for r in next_pages(ListPage("http://h/col/", html))]
['page=1&columnid=7&startrecord=11&endrecord=20&perpage=10', 'page=1&columnid=7&startrecord=21&endrecord=25&perpage=10']
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from crawler.lists.base import PageRequest

NAME = "datastore"
DATAPROXY = re.compile(r"""href\s*=\s*['"]([^'"]*dataproxy\.jsp[^'"]*)['"]""", re.I)
JPAGE_TOTAL = re.compile(r"totalRecord\s*[:=]\s*['\"]?(\d+)")
JPAGE_PER_PAGE = re.compile(r"perPage\s*[:=]\s*['\"]?(\d+)")
MAX_RECORDS = 100_000


def detect(page) -> bool:
    return bool(DATAPROXY.search(page.html) and JPAGE_TOTAL.search(page.html))


def datastore_pager_urls(html: str, page_url: str) -> list[str]:
    proxy = DATAPROXY.search(html or "")
    total, per_page = JPAGE_TOTAL.search(html or ""), JPAGE_PER_PAGE.search(html or "")
    if not (proxy and total):
        return []
    total = int(total.group(1))
    per_page = int(per_page.group(1)) if per_page else 10
    base = urljoin(page_url, proxy.group(1).replace("&amp;", "&"))
    urls = []
    for start in range(per_page + 1, min(total, MAX_RECORDS) + 1, per_page):
        end = min(start + per_page - 1, total)
        urls.append(f"{base}{'&' if '?' in base else '?'}startrecord={start}&endrecord={end}&perpage={per_page}")
    return urls


def next_pages(page):
    return [PageRequest(url, NAME) for url in datastore_pager_urls(page.html, page.url)]
