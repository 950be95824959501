"""What a list reader reads (a ``ListPage``) and what it asks for (``PageRequest``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from crawler.discover import Link, html_tree, page_links


@dataclass(frozen=True)
class ListPage:
    """A list page as a reader sees it."""
    url: str
    html: str
    links: tuple[Link, ...] | None = None   # the page's links (default: all of them)
    reports: tuple[Link, ...] = ()           # those titled like reports
    rendered: bool = False                   # already rendered in Chromium
    parsed: object = field(default=None, compare=False, repr=False)  # its lxml tree, if parsed already

    def __post_init__(self):
        if self.links is None:
            object.__setattr__(self, "links", tuple(page_links(self.html, self.url)))

    @property
    def tree(self):
        """The page's lxml tree, parsed once for all readers."""
        if self.parsed is None:
            object.__setattr__(self, "parsed", html_tree(self.html))
        return self.parsed


@dataclass(frozen=True)
class PageRequest:
    """One request a reader asks for."""
    url: str
    via: str                       # the reader's NAME
    method: str = "GET"
    body: str | None = None
    content_type: str | None = None
    kind: str = "list"             # list, or column for a render of the column page itself
    browser: bool = False
    probe: bool = False            # a guess: if it fails or lists nothing, the page is rendered
    state: dict | None = field(default=None, compare=False, hash=False)  # for read_answer

    @property
    def key(self) -> str:
        """What the request is recorded under: its URL, and for a POST its body too (a
        fragment, never sent), so each page of a POST API is one row in ``pages``."""
        return self.url if self.method == "GET" else f"{self.url}#{self.method}:{self.body or ''}"
