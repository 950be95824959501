"""The last resort: a column page that shows no reports but builds its content with
scripts, and where no reader before found its list, is rendered in Chromium
(scrapy-playwright); the rendered page is read again like any list page.

>>> from crawler.lists import ListPage
>>> [(r.via, r.kind, r.browser) for r in next_pages(ListPage("http://h/nb/", '<ul></ul><script src="/l.js"></script>'))]
[('browser', 'column', True)]
"""

from __future__ import annotations

from crawler.discover import html_tree
from crawler.lists.base import PageRequest

NAME = "browser"
LAST_RESORT = True


def needs_browser(html: str, report_links: int, tree=None) -> bool:
    """A page that shows no reports but builds its content with scripts."""
    if report_links:
        return False
    tree = html_tree(html) if tree is None else tree
    return any((s.get("src") or (s.text or "").strip()) for s in tree.xpath("//script"))


def detect(page) -> bool:
    return not page.rendered and needs_browser(page.html, len(page.reports), page.tree)


def render(url: str) -> PageRequest:
    """The request that has a column page rendered (also when another reader's probe failed)."""
    return PageRequest(url, NAME, kind="column", browser=True)


def next_pages(page):
    return [render(page.url)]
