"""Lists inside frames: a column page (often JSP) that shows its list in an ``<iframe>``
(``list.jsp?columnId=301&page=1``); the frame's own pager is read like any list page's.

>>> from crawler.lists import ListPage
>>> [r.url for r in next_pages(ListPage("http://h/nb/", '<iframe src="list.jsp?columnId=1&page=1"></iframe>'))]
['http://h/nb/list.jsp?columnId=1&page=1']
"""

from __future__ import annotations

from crawler.lists.base import PageRequest

NAME = "iframe"


def detect(page) -> bool:
    return any(link.source == "iframe" for link in page.links)


def next_pages(page):
    return [PageRequest(link.url, NAME) for link in page.links if link.source == "iframe"]
