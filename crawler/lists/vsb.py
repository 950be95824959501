"""博达 VSB lists: ``ndbg.htm`` is page 1 and ``ndbg/N-1.htm`` … ``ndbg/1.htm`` the others
(numbered down). Its pager shows only some page numbers; the jump box's script names the
count: ``_simple_list_gotopage_fun(N, 'u8_goto', 2)``.

>>> from crawler.lists import ListPage
>>> html = '<a onclick="_simple_list_gotopage_fun(4,&#39;u8_goto&#39;,2)">跳转</a>'
>>> [r.url for r in next_pages(ListPage("http://h/xxgk/ndbg.htm", html))]
['http://h/xxgk/ndbg/3.htm', 'http://h/xxgk/ndbg/2.htm', 'http://h/xxgk/ndbg/1.htm']
"""

from __future__ import annotations

import html as html_entities
import re
from urllib.parse import urlsplit, urlunsplit

from crawler.lists.base import PageRequest

NAME = "vsb-pager"
GOTO = re.compile(r"""_simple_list_gotopage_fun\(\s*(\d+)\s*,""")
NUMBERED = re.compile(r"/(\d+)\.htm$")
MAX_PAGES = 1000


def detect(page) -> bool:
    return bool(GOTO.search(html_entities.unescape(page.html or "")))


def next_pages(page):
    total = int(GOTO.search(html_entities.unescape(page.html)).group(1))
    parts = urlsplit(page.url)
    numbered = NUMBERED.search(parts.path)
    if numbered:  # a later page: ndbg/3.htm
        stem = parts.path[:numbered.start()]
    elif parts.path.endswith(".htm"):
        stem = parts.path[:-len(".htm")]
    else:
        return []
    return [PageRequest(urlunsplit((parts.scheme, parts.netloc, f"{stem}/{k}.htm", "", "")), NAME)
            for k in range(min(total, MAX_PAGES) - 1, 0, -1)]
