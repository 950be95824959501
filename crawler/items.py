"""What the spider hands to the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PageRecord:
    """One fetched (or failed) URL, for the ``pages`` table; ``body`` is kept in
    ``documents`` so an unchanged page can be answered from the archive next time."""
    url: str
    portal: str | None
    kind: str | None          # home | nav | column | list | report | attachment | other
    status: int | None        # 304: not modified since the last run, read from the archive
    content_type: str | None
    bytes: int | None
    error: str | None
    via: str | None           # static | pager | script-pager | browser | redirect
    link_text: str | None
    etag: str | None = None
    last_modified: str | None = None
    body: bytes | None = field(default=None, repr=False)
    # False for pages refused by robots.txt or the private-address guard, and for a data
    # address guessed from a script that did not answer: recorded, not a crawl failure
    is_failure: bool = True


@dataclass
class FetchedDocument:
    url: str
    body: bytes = field(repr=False)
    content_type: str | None
    role: str                 # page | attachment
    not_modified: bool = False


@dataclass
class ReportDocument:
    """A page that a list called a report, with the attachments it carries."""
    url: str
    portal: str
    link_text: str
    documents: list[FetchedDocument]

    @property
    def not_modified(self) -> bool:
        return all(d.not_modified for d in self.documents)
