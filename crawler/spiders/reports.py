"""The ``reports`` spider: from each portal's home page to every annual report.

    home ──政府信息公开──▶ nav ──政府信息公开年报──▶ column ──pager──▶ list pages
                                                      └──report titles──▶ report pages

The spider only decides which pages to ask for and what each page is; the rules
live in :mod:`crawler.discover`, the ways of reading a list's other pages in the readers of
:mod:`crawler.lists`, storage in :mod:`crawler.pipelines`.

    scrapy crawl reports -a portals=PORTALS.csv -s ARCHIVE_DB=ARCHIVE.db
"""

from __future__ import annotations

import functools
from collections import Counter

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import TextResponse
from scrapy_playwright.page import PageMethod

from crawler import lists
from crawler.discover import (attachment_links, canonical_url, is_agency_directory, is_agency_name,
                              html_tree, is_attachment_url, is_directory_group, is_disclosure_nav,
                              is_report_column, is_report_title, page_links, redirect_target)
from crawler.items import FetchedDocument, PageRecord, ReportDocument
from crawler.lists.browser import needs_browser
from crawler.middlewares import NotDue, OutOfScope
from crawler.scope import ScopeDNSRefusal, ScopePolicy
from crawler.portals import read_portals

NAV_DEPTH = 3          # home → 政务公开 → 政府信息公开 → …; an agency's own directory the same again
DIRECTORY_DEPTH = 4    # directories of agencies nested in directories (the page budget bounds them too)
DIRECTORY_META = ("nav_depth", "agency_directory", "directory_depth")  # where a page sits on the way down
LIST_KINDS = ("column", "list")
LINK_SOURCE_VIA = {"script": lists.hanweb.NAME, "iframe": lists.iframe.NAME, "json": lists.json_api.NAME}


def yields_something(callback):
    """A callback without the Nones of links already followed (``follow`` returns None for
    them): Scrapy would otherwise schedule a task for each."""
    @functools.wraps(callback)
    def wrapper(*args, **kwargs):
        return (output for output in callback(*args, **kwargs) if output is not None)
    return wrapper


def looks_like_json(response) -> bool:
    content_type = response.headers.get("Content-Type", b"").decode("latin-1").lower()
    return "json" in content_type or response.text.lstrip()[:1] in ("{", "[")


class ReportsSpider(scrapy.Spider):
    name = "reports"

    def __init__(self, portals: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not portals:
            raise ValueError("give the portals file: -a portals=PORTALS.csv")
        self.portals = read_portals(portals)
        self.portal_by_name = {p.name: p for p in self.portals}
        self.requests_per_portal: Counter = Counter()
        self.over_budget: Counter = Counter()  # portal → pages not fetched for the budget
        # Duplicates are filtered here, not by Scrapy's dupefilter, so that a crawl
        # resumed after SIGKILL (JOBDIR) rediscovers what was in flight.
        self.seen: set[tuple[str, bool]] = set()

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.scope = ScopePolicy(spider.portals, crawler.settings.getbool("NIANBAO_REFUSE_PRIVATE_HOSTS"))
        ScopePolicy.active = spider.scope  # for the downloader's guard, the resolver and Chromium
        return spider

    async def start(self):
        for portal in self.portals:
            yield self.follow(portal.name, portal.url, "home", nav_depth=0)

    # -- requests ----------------------------------------------------------
    def follow(self, portal: str, url: str, kind: str, *, link_text: str = "", via: str = "static",
               browser: bool = False, method: str = "GET", body: str | None = None,
               content_type: str | None = None, record_url: str | None = None, **meta) -> scrapy.Request | None:
        key = (record_url or canonical_url(url), browser)
        if not self.first_time(key) and kind != "attachment":
            return None
        if not self.within_budget(portal):
            return None
        meta = {"portal": portal, "kind": kind, "link_text": link_text, "via": via, **meta}
        if record_url:
            meta["record_url"] = record_url  # a POST: its URL and body (see lists.PageRequest.key)
        if browser:
            meta.update(playwright=True, playwright_page_methods=[
                PageMethod("wait_for_load_state", "networkidle")])
        callback, errback = {"report": (self.parse_report, self.failed),
                             "attachment": (self.parse_attachment, self.attachment_failed)
                             }.get(kind, (self.parse_page, self.failed))
        headers = {"Content-Type": content_type} if content_type else None
        return scrapy.Request(url, method=method, body=body, headers=headers, callback=callback, errback=errback,
                              meta=meta, dont_filter=True)

    def first_time(self, key: tuple[str, bool]) -> bool:
        """True the first time a page (URL, rendered or not) is asked for in this crawl."""
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    def mark_seen(self, key: tuple[str, bool]) -> None:
        """A page fetched under another address (a redirect landed on it) is not asked for again."""
        self.seen.add(key)

    def within_budget(self, portal: str) -> bool:
        """Counts one request against the portal's page budget; False once it is spent."""
        if self.requests_per_portal[portal] >= self.settings.getint("NIANBAO_PAGE_BUDGET"):
            self.over_budget[portal] += 1  # one summary line at the end (pipelines.py)
            return False
        self.requests_per_portal[portal] += 1
        return True

    def in_scope(self, url: str, portal: str) -> bool:
        return self.scope.refusal(url, portal) is None

    def left_scope(self, response) -> PageRecord | None:
        """A rendered page that ended outside its portal's scope is refused, not archived."""
        reason = self.scope.refusal(response.url, response.meta["portal"])
        if reason is None:
            return None
        return PageRecord(url=canonical_url(response.url), portal=response.meta["portal"],
                          kind=response.meta["kind"], status=None, content_type=None, bytes=None,
                          error=f"OutOfScope: {reason}", via=response.meta.get("via"),
                          link_text=response.meta.get("link_text"), is_failure=False)

    # -- callbacks ---------------------------------------------------------
    @yields_something
    def parse_page(self, response):
        meta = response.meta
        kind, portal = meta["kind"], meta["portal"]
        self.mark_seen((meta.get("record_url") or canonical_url(response.url), bool(meta.get("playwright"))))
        refused = self.left_scope(response)
        if refused:
            yield refused
            return
        yield self.page_record(response)
        if not isinstance(response, TextResponse):
            return
        html = response.text
        if looks_like_json(response) or (meta.get("list_state") is not None  # a list API's JSONP
                                         and lists.json_api.loads(html) is not None):
            yield from self.parse_list_data(response)
            return
        target = redirect_target(html, response.url)
        if target and target != canonical_url(response.url) and self.in_scope(target, portal):
            yield self.follow(portal, target, kind, link_text=meta["link_text"], via="redirect",
                              **{key: meta[key] for key in DIRECTORY_META if key in meta})
        tree = html_tree(html)
        links = [link for link in page_links(html, response.url, tree) if self.in_scope(link.url, portal)]
        reports = [link for link in links if is_report_title(link.text)]
        for link in reports:
            yield self.follow(portal, link.url, "report", link_text=link.text,
                              via=LINK_SOURCE_VIA.get(link.source, meta["via"]))
        depth = meta.get("nav_depth", 0)
        for link in links:
            if link in reports:
                continue
            if is_report_column(link.text):
                yield self.follow(portal, link.url, "column", link_text=link.text)
            elif kind not in LIST_KINDS and is_disclosure_nav(link.text) and depth < NAV_DEPTH:
                yield self.follow(portal, link.url, "nav", link_text=link.text, nav_depth=depth + 1,
                                  agency_directory=is_agency_directory(link.text))
            elif meta.get("agency_directory") and is_agency_name(link.text):
                # a department's or town's own disclosure directory: its own way down to its column
                yield self.follow(portal, link.url, "nav", link_text=link.text, nav_depth=0)
            elif meta.get("agency_directory") and is_directory_group(link.text) \
                    and meta.get("directory_depth", 0) < DIRECTORY_DEPTH:
                # a directory nested in a directory (部门 → 部门信息公开目录 → 政府工作部门 → …)
                yield self.follow(portal, link.url, "nav", link_text=link.text, nav_depth=NAV_DEPTH,
                                  agency_directory=True, directory_depth=meta.get("directory_depth", 0) + 1)
        if kind in LIST_KINDS:
            yield from self.list_pages(response, html, tree, links, reports)
        elif not links and not target and not meta.get("playwright") and needs_browser(html, 0, tree):
            # a home or navigation page drawn entirely by scripts
            yield self.follow(portal, response.url, kind, link_text=meta["link_text"], via="browser",
                              browser=True, **{key: meta[key] for key in DIRECTORY_META if key in meta})

    def list_pages(self, response, html, tree, links, reports):
        """The other pages of a list, as the list readers find them (``crawler/lists/``:
        pager links, a TRS script pager, a Hanweb datastore, a form pager, iframes, the data its
        scripts load; Chromium last)."""
        meta, portal = response.meta, response.meta["portal"]
        page = lists.ListPage(response.url, html, tuple(links), tuple(reports), rendered=bool(meta.get("playwright")),
                              parsed=tree)
        probes_out_of_scope = asked = 0
        for request in lists.next_pages(page):
            if request.probe and not self.in_scope(request.url, portal):
                # a guess read from script text, not a request: never sent, but the script
                # is still run, in Chromium, where the scope policy sees what it really asks
                probes_out_of_scope += 1
                continue
            asked += 1
            yield self.ask(meta, request, fallback=response.url)
        if probes_out_of_scope and not asked and not page.rendered:
            yield self.render(meta, response.url)

    def ask(self, meta, request: lists.PageRequest, fallback: str | None = None):
        """A list reader's request; a probe that fails or lists nothing has the page rendered."""
        if request.browser:
            self.logger.info("no report links in %s without scripts: rendering it in Chromium", request.url)
        extra = {"browser_fallback": fallback} if request.probe and fallback else {}
        if request.state is not None:
            extra["list_state"] = request.state
        return self.follow(meta["portal"], request.url, request.kind, link_text=meta["link_text"], via=request.via,
                           browser=request.browser, method=request.method, body=request.body,
                           content_type=request.content_type,
                           record_url=request.key if request.method != "GET" else None, **extra)

    def render(self, meta, url):
        return self.ask(meta, lists.browser.render(url))

    @yields_something
    def parse_list_data(self, response):
        """A list answered as JSON by the endpoint a page's script loads: its items, and the
        requests for the pages its paging says follow."""
        meta, portal = response.meta, response.meta["portal"]
        links, more = lists.read_answer(meta["via"], response.text, response.url, meta.get("list_state"))
        links = [link for link in links if self.in_scope(link.url, portal)]
        reports = [link for link in links if is_report_title(link.text)]
        for link in reports:
            yield self.follow(portal, link.url, "report", link_text=link.text, via=meta["via"])
        for link in links:
            if link not in reports and is_report_column(link.text):
                yield self.follow(portal, link.url, "column", link_text=link.text)
        for request in more:
            yield self.ask(meta, request)
        if not links and meta.get("browser_fallback"):
            yield self.render(meta, meta["browser_fallback"])

    @yields_something
    def parse_report(self, response):
        """A report page: keep it, then fetch its attachments one after the other and
        hand the whole report to the pipeline."""
        refused = self.left_scope(response)
        if refused:
            yield refused
            return
        yield self.page_record(response)
        meta, portal = response.meta, response.meta["portal"]
        attachments = []
        if isinstance(response, TextResponse) and not is_attachment_url(response.url):
            links = page_links(response.text, response.url)
            attachments = [link.url for link in attachment_links(links) if self.in_scope(link.url, portal)]
        yield from self.next_attachment(meta, [self.document(response, "page")], attachments)

    @yields_something
    def parse_attachment(self, response):
        yield self.page_record(response)
        documents, pending = response.meta["bundle"]
        yield from self.next_attachment(response.meta, [*documents, self.document(response, "attachment")],
                                        pending)

    @yields_something
    def attachment_failed(self, failure):
        yield from self.failed(failure)
        documents, pending = failure.request.meta["bundle"]
        yield from self.next_attachment(failure.request.meta, documents, pending)

    def next_attachment(self, meta, documents, pending):
        request = None
        while pending and request is None:
            url, pending = pending[0], pending[1:]
            request = self.follow(meta["portal"], url, "attachment", link_text=meta["link_text"],
                                  bundle=(documents, pending))
        if request is not None:
            yield request
        else:
            yield ReportDocument(url=documents[0].url, portal=meta["portal"], link_text=meta["link_text"],
                                 documents=documents)

    @staticmethod
    def document(response, role: str) -> FetchedDocument:
        return FetchedDocument(
            url=canonical_url(response.url), body=response.body, role=role,
            content_type=response.headers.get("Content-Type", b"").decode("latin-1") or None,
            not_modified=bool(response.meta.get("not_modified")))

    @yields_something
    def failed(self, failure):
        request = failure.request
        if failure.check(NotDue):  # a report kept recently: nothing to record
            return
        response = getattr(failure.value, "response", None)
        self.logger.warning("failed %s: %s", request.url, failure.getErrorMessage())
        probe = bool(request.meta.get("browser_fallback"))
        # refused by policy (robots.txt, the scope guard): recorded, not a failure; an
        # IgnoreRequest for a body over DOWNLOAD_MAXSIZE once decompressed is a failure
        refused = failure.check(OutOfScope, ScopeDNSRefusal) is not None or (
            failure.check(IgnoreRequest) is not None and "robots.txt" in failure.getErrorMessage())
        yield PageRecord(
            url=request.meta.get("record_url") or canonical_url(request.url), portal=request.meta.get("portal"),
            kind=request.meta.get("kind"), status=getattr(response, "status", None),
            content_type=None, bytes=None,
            error=f"{failure.type.__name__}: {failure.getErrorMessage()}"[:500],
            via=request.meta.get("via"), link_text=request.meta.get("link_text"),
            is_failure=not (probe or refused))
        if probe:  # the data address a script seemed to name did not answer: render the list
            yield self.render(request.meta, request.meta["browser_fallback"])

    def page_record(self, response) -> PageRecord:
        meta = response.meta
        via = "browser" if meta.get("playwright") else meta.get("via")

        def header(name):  # a rendered page has no validators: its scripts' data may change
            value = response.headers.get(name, b"").decode("latin-1") or None
            return None if meta.get("playwright") and name != "Content-Type" else value

        return PageRecord(
            url=meta.get("record_url") or canonical_url(response.url), portal=meta["portal"], kind=meta["kind"],
            status=304 if meta.get("not_modified") else response.status,
            content_type=header("Content-Type"), bytes=len(response.body), error=None, via=via,
            link_text=meta.get("link_text") or None, etag=header("ETag"),
            last_modified=header("Last-Modified"), body=response.body)
