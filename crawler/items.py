"""What the spider hands to the pipeline."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class PageRecord:
    """One fetched (or failed) URL, for the ``pages`` table."""
    url: str
    portal: str | None
    kind: str | None          # home | nav | column | list | report | other
    status: int | None
    content_type: str | None
    bytes: int | None
    sha256: str | None
    error: str | None
    via: str | None           # static | pager | script-pager | browser | redirect
    link_text: str | None


@dataclass
class ReportDocument:
    """The raw body of a page that a list called a report."""
    url: str
    portal: str
    body: bytes
    content_type: str
    link_text: str
