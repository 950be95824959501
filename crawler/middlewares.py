"""Downloader middlewares: cross-cutting rules applied to every request."""

from __future__ import annotations

import asyncio
import zlib
from pathlib import Path
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, resolve_encoding
from scrapy.responsetypes import responsetypes

from crawler.discover import canonical_url
from crawler.scope import ScopePolicy, strip_credentials


class OutOfScope(IgnoreRequest):
    """A request the crawl refuses by policy (not a failure of the portal)."""


class ScopeGuard:
    """Every request, redirects included, passes :class:`crawler.scope.ScopePolicy`;
    credentials are stripped from a URL before anything else."""

    def process_request(self, request):
        url = strip_credentials(request.url)
        if url != request.url:
            return request.replace(url=url)  # asked again, without the credentials
        policy = ScopePolicy.active
        reason = policy.refusal(request.url, request.meta.get("portal")) if policy else None
        if reason:
            raise OutOfScope(reason)
        return None


class NotDue(IgnoreRequest):
    """A report page kept recently: not asked for again before its revisit is due."""


def revisit_after(url: str, days: float) -> float:
    """Days after which a kept report page is asked for again: between ``days / 2`` and
    ``days``, spread by the URL, so that the revisits of a large archive fall on different
    nights instead of all on one."""
    return days * (0.5 + (zlib.crc32(url.encode()) % 1000) / 2000)


class ConditionalRequests:
    """What the archive already knows shapes each request.

    - A page kept from an earlier run is asked for only if it changed (If-None-Match /
      If-Modified-Since); a 304 is answered with the kept copy, so the spider reads it as
      usual.
    - A report page kept less than ``NIANBAO_REVISIT_DAYS`` ago is not asked for at all: the
      lists that lead to it are re-read every night, and reports are revisited (conditionally)
      once in that many days, spread over the nights. 0 = every night."""

    def __init__(self, crawler):
        self.db_path = crawler.settings.get("ARCHIVE_DB")
        self.fleet_url = crawler.settings.get("NIANBAO_REDIS_URL")
        self.enabled = crawler.settings.getbool("NIANBAO_CONDITIONAL_REQUESTS")
        self.revisit_days = crawler.settings.getfloat("NIANBAO_REVISIT_DAYS")
        self.stats = crawler.stats
        self._archive = None
        self._opened = False

    @classmethod
    def from_crawler(cls, crawler):
        middleware = cls(crawler)
        crawler.signals.connect(middleware.close, signal=signals.spider_closed)
        return middleware

    def close(self):
        if self._archive is not None and hasattr(self._archive, "db"):
            self._archive.db.conn.close()
            self._archive = None

    @property
    def archive(self):
        if not self._opened:
            from archive.store import Archive

            self._opened = True
            if self.fleet_url:   # a worker of a distributed crawl: the writer's knowledge
                from crawler.distributed import Fleet, FleetKnowledge

                self._archive = FleetKnowledge(Fleet(self.fleet_url))
            elif self.db_path and Path(self.db_path).exists():
                self._archive = Archive(self.db_path, create=False)
        return self._archive

    def process_request(self, request):
        if not self.enabled or request.meta.get("playwright") or urlsplit(request.url).path == "/robots.txt":
            return None
        if self.archive is None:
            return None
        url = canonical_url(request.url)
        if request.meta.get("kind") == "report" and self.revisit_days > 0:
            age = self.archive.fetched_report_age_days(url)
            if age is not None and age < revisit_after(url, self.revisit_days):
                self.stats.inc_value("nianbao/reports_not_due")
                raise NotDue(f"kept {age:.1f} days ago; revisited after {self.revisit_days:g} days")
        known = self.archive.validator(url)
        if known:
            etag, modified, digest, content_type = known
            if etag:
                request.headers.setdefault("If-None-Match", etag)
            if modified:
                request.headers.setdefault("If-Modified-Since", modified)
            request.meta["archived_copy"] = (digest, content_type)
        return None

    def process_response(self, request, response):
        if response.status != 304 or "archived_copy" not in request.meta:
            return response
        digest, content_type = request.meta["archived_copy"]
        body, _, _ = self.archive.document(digest)
        request.meta["not_modified"] = True
        headers = {"Content-Type": content_type or "text/html"}
        for name in (b"ETag", b"Last-Modified"):
            if name in response.headers:
                headers[name.decode()] = response.headers[name]
        cls = responsetypes.from_args(headers=headers, url=response.url, body=body)
        return cls(url=response.url, status=200, headers=headers, body=body, request=request)


class RetryBackoff:
    """Wait before each retry of a request (Scrapy retries at once): ``RETRY_BACKOFF_BASE``
    seconds, doubled for every further retry, at most ``RETRY_BACKOFF_MAX``."""

    def __init__(self, crawler):
        self.base = crawler.settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.most = crawler.settings.getfloat("RETRY_BACKOFF_MAX", 60.0)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_request(self, request):
        retries = request.meta.get("retry_times", 0)
        if retries:
            await asyncio.sleep(min(self.base * 2 ** (retries - 1), self.most))
        return None


def effective_charset(content_type: str, body: bytes) -> str | None:
    """The charset to read a page with when its HTTP header is wrong: the header's
    charset if the body decodes with it, else the page's own <meta> charset (read as its
    superset: gb2312/gbk → gb18030). None when the header can stay."""
    declared = http_content_type_encoding(content_type)
    if declared:
        try:
            body.decode(declared)
            return None
        except (UnicodeDecodeError, LookupError):
            pass
    in_page = html_body_declared_encoding(body)
    if in_page and in_page != declared:
        return resolve_encoding(in_page)
    return None


class EncodingFix:
    """Portals that declare one charset in the HTTP header and write another: trust what
    decodes. (Scrapy believes the header first.)"""

    def process_response(self, request, response):
        if not isinstance(response, HtmlResponse) or request.meta.get("playwright"):
            return response
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        charset = effective_charset(content_type, response.body)
        if not charset:
            return response
        media_type = content_type.split(";")[0].strip() or "text/html"
        headers = response.headers.copy()
        headers["Content-Type"] = f"{media_type}; charset={charset}"
        return response.replace(headers=headers, encoding=charset)
