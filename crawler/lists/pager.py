"""Static pagers: links named like a pager (下一页, 尾页, page numbers; words in
``crawler/data/discovery.json`` ``pager``), whatever their address looks like (``?page=2``,
``&pageIndex=3``, ``index_2.html``, ``ndbg/1.htm``). Each page read finds the next ones.

>>> from crawler.lists import ListPage
>>> html = '<a href="list.jsp?columnId=3&pageIndex=2">下一页</a><a href="/a.html">关于我们</a>'
>>> [r.url for r in next_pages(ListPage("http://h/nb/list.jsp?columnId=3&pageIndex=1", html))]
['http://h/nb/list.jsp?columnId=3&pageIndex=2']
"""

from __future__ import annotations

from crawler.discover import is_pager_text, is_report_title
from crawler.lists.base import PageRequest

NAME = "pager"


def pager_links(page):
    return [link for link in page.links
            if link.source == "a" and is_pager_text(link.text) and not is_report_title(link.text)]


def detect(page) -> bool:
    return bool(pager_links(page))


def next_pages(page):
    return [PageRequest(link.url, NAME) for link in pager_links(page)]
