"""List readers: how the other pages of a report list are found, one module per mechanism or
CMS family, asked in order.

Every reader module has

- ``NAME``: what ``fetches.via`` records for the pages it asks for;
- ``detect(page) -> bool``: whether the page carries its mechanism;
- ``next_pages(page) -> list[PageRequest]``: the requests for the list's other pages;
- ``LAST_RESORT = True`` if it is asked only when no reader before it found anything and the
  page shows no report (the JSON API reader, then the browser);
- optionally ``read_answer(text, url, state) -> (links, requests)`` for the answers to its own
  requests (the JSON API reader reads items and paging from them).

All of it is pure: page text in, requests out. The spider (``crawler/spiders/reports.py``)
does the asking.

>>> page = ListPage("http://h/nb/index.html", '<script>createPageHTML(3, 0, "index", "html")</script>')
>>> [(r.via, r.url) for r in next_pages(page)]
[('script-pager', 'http://h/nb/index_1.html'), ('script-pager', 'http://h/nb/index_2.html')]
"""

from __future__ import annotations

from crawler.discover import Link
from crawler.lists import browser, hanweb, iframe, json_api, jsp, pager, trs, vsb
from crawler.lists.base import ListPage, PageRequest

__all__ = ["ListPage", "PageRequest", "READERS", "next_pages", "read_answer"]

READERS = (trs, hanweb, vsb, jsp, pager, iframe, json_api, browser)  # asked in this order
BY_NAME = {reader.NAME: reader for reader in READERS}


def next_pages(page: ListPage) -> list[PageRequest]:
    """Every reader that detects its mechanism on the page, in order; a last-resort reader
    only when none before it found anything and the page shows no report."""
    found: list[PageRequest] = []
    for reader in READERS:
        if getattr(reader, "LAST_RESORT", False) and (found or page.reports or page.rendered):
            continue
        if reader.detect(page):
            found += [r for r in reader.next_pages(page) if r.key not in {f.key for f in found}]
    return found


def read_answer(via: str, text: str, url: str, state: dict | None) -> tuple[list[Link], list[PageRequest]]:
    """The items and further pages of an answer to a reader's own request."""
    reader = BY_NAME.get(via)
    if reader is None or not hasattr(reader, "read_answer"):
        reader = json_api
    return reader.read_answer(text, url, state)
