"""Anti-bot script challenges: a page that answers 412, 202, 403 or 521 with a small script
that computes a cookie and reloads (瑞数 412, 加速乐 521 ``__jsl_clearance``, …).

Such a page is passed once through Chromium; the cookies Chromium got are then sent with
every plain request to that host, and renewed the same way when a challenge comes back (the
cookie expired or rotated). Passes are capped per portal and run
(``NIANBAO_CHALLENGE_RENDERS``); beyond the cap the page fails with ``ChallengeNotPassed`` and
the crawl goes on. A page with one of these statuses and no script challenge is an ordinary
failure. What a challenge looks like is data: ``crawler/data/challenge.json``.

>>> is_script_challenge(521, b"<script>document.cookie='__jsl_clearance=1;path=/';"
...                          b"location.href=location.pathname+location.search</script>")
True
>>> is_script_challenge(403, b"<html><body><h1>403 Forbidden</h1></body></html>")
False
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest

logger = logging.getLogger(__name__)
MARKERS_FILE = Path(__file__).parent / "data" / "challenge.json"
SCRIPT = re.compile(rb"<script\b[^>]*>.*?(?:</script\s*>|$)", re.I | re.S)
# how many Chromium passes one request may cause (its own, and one more if the cookie
# rotated again before it was asked for)
PASSES_PER_REQUEST = 2


class ChallengeNotPassed(IgnoreRequest):
    """A challenged page the crawl could not get past (cap reached, Chromium got no cookie,
    or the portal still challenges after a pass): a recorded failure of that page."""

    def __init__(self, message: str, response=None):
        super().__init__(message)
        self.response = response


@lru_cache(maxsize=1)
def markers() -> dict:
    data = json.loads(MARKERS_FILE.read_text(encoding="utf-8"))
    lower = lambda items: [m.lower().encode() for m in items]  # noqa: E731
    return {"statuses": frozenset(data["statuses"]), "max_bytes": data["max_bytes"],
            "waf": lower(data["waf_markers"]), "cookie": lower(data["cookie_markers"]),
            "reload": lower(data["reload_markers"])}


def is_script_challenge(status: int, body: bytes) -> bool:
    """A challenge status whose page carries a script that sets a cookie and reloads (or a
    known WAF's challenge script)."""
    spec = markers()
    if status not in spec["statuses"] or not body or len(body) > spec["max_bytes"]:
        return False
    scripts = b"\n".join(SCRIPT.findall(body)).lower()
    if not scripts:
        return False
    if any(m in scripts for m in spec["waf"]):
        return True
    return any(m in scripts for m in spec["cookie"]) and any(m in scripts for m in spec["reload"])


def site(url: str) -> str:
    """Cookies are kept per scheme, host and port."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class ScriptChallenges:
    """Downloader middleware: pass script challenges through Chromium and reuse its cookies.

    Sits after HttpCompression (so it reads decompressed bodies) and before
    CookiesMiddleware (which sends the cookies it puts on each request)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.cap = crawler.settings.getint("NIANBAO_CHALLENGE_RENDERS")
        self.seconds = crawler.settings.getfloat("NIANBAO_CHALLENGE_SECONDS")
        self.cookies: dict[str, list[dict]] = {}   # site → Chromium's cookies (name, value, path)
        self.generation: Counter = Counter()        # site → cookies renewed so many times
        self.locks: defaultdict = defaultdict(asyncio.Lock)
        self.passes: Counter = Counter()            # portal → Chromium passes in this run

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @staticmethod
    def exempt(request) -> bool:
        return bool(request.meta.get("playwright")) or urlsplit(request.url).path == "/robots.txt"

    async def process_request(self, request):
        if self.exempt(request):
            return None
        key = site(request.url)
        if self.locks[key].locked():  # a pass is under way: wait for its cookies
            async with self.locks[key]:
                pass
        request.meta["challenge_generation"] = self.generation[key]
        if key in self.cookies:  # CookiesMiddleware keeps them in its jar and sends them
            ours = {c["name"] for c in self.cookies[key]}
            given = ([{"name": k, "value": v} for k, v in request.cookies.items()]
                     if isinstance(request.cookies, dict) else list(request.cookies))
            request.cookies = [c for c in given if c.get("name") not in ours] + self.cookies[key]
        return None

    async def process_response(self, request, response):
        if self.exempt(request) or not is_script_challenge(response.status, response.body):
            return response
        key = site(request.url)
        async with self.locks[key]:
            if self.generation[key] > request.meta.get("challenge_generation", 0):
                return self.again(request)  # renewed meanwhile, by another page's pass
            passes = request.meta.get("challenge_passes", 0)
            try:
                if passes >= PASSES_PER_REQUEST:
                    raise ChallengeNotPassed(
                        f"HTTP {response.status} script challenge still answered after {passes} passes "
                        "through Chromium", response)
                self.cookies[key] = await self.pass_through_browser(request, response)
            except ChallengeNotPassed:
                self.stats.inc_value("nianbao/challenge_refused")  # this page is given up
                raise
            self.generation[key] += 1
        return self.again(request, passes + 1)

    def again(self, request, passes: int | None = None):
        meta = dict(request.meta)
        if passes is not None:
            meta["challenge_passes"] = passes
        return request.replace(meta=meta, dont_filter=True)

    async def pass_through_browser(self, request, response) -> list[dict]:
        """Load the challenged page in Chromium, wait until its script has set its cookie and
        the reloaded page is no longer a challenge, and return the site's cookies."""
        portal = request.meta.get("portal")
        if self.passes[portal] >= self.cap:
            raise ChallengeNotPassed(
                f"HTTP {response.status} script challenge: the {self.cap} Chromium passes allowed "
                f"per portal and run are used (NIANBAO_CHALLENGE_RENDERS)", response)
        self.passes[portal] += 1
        self.stats.inc_value("nianbao/challenge_renders")
        logger.info("HTTP %d script challenge at %s: passing it in Chromium (%d of %d for %s)",
                    response.status, request.url, self.passes[portal], self.cap, portal)
        passed, pages = asyncio.Event(), []
        statuses = markers()["statuses"]

        async def watch(page, _request):  # before Chromium loads the page
            pages.append(page)

            def on_request(req):
                if req.is_navigation_request() and req.frame == page.main_frame:
                    self.stats.inc_value("nianbao/challenge_navigations")

            def on_response(resp):
                if resp.request.is_navigation_request() and resp.frame == page.main_frame \
                        and resp.status not in statuses:
                    passed.set()
            page.on("request", on_request)
            page.on("response", on_response)

        render = scrapy.Request(request.url, dont_filter=True, meta={
            "portal": portal, "kind": "challenge", "playwright": True, "playwright_include_page": True,
            "playwright_page_goto_kwargs": {"wait_until": "commit"},
            "playwright_page_init_callback": watch, "dont_merge_cookies": True})
        # The render is watched, not awaited: its cookies are read as soon as a page that is
        # no longer a challenge arrives, whatever the render itself is still waiting for.
        download = asyncio.ensure_future(self.crawler.engine.download_async(render))
        try:
            failure = await self.until_passed(download, passed)
            if failure is not None:
                raise ChallengeNotPassed(f"HTTP {response.status} script challenge: Chromium failed: "
                                         f"{type(failure).__name__}: {failure}"[:400], response) from failure
            if not pages:
                raise ChallengeNotPassed(f"HTTP {response.status} script challenge: no page from Chromium "
                                         f"in {self.seconds:.0f} s", response)
            if not passed.is_set():
                logger.warning("%s still a challenge after %.0f s in Chromium; taking its cookies",
                               request.url, self.seconds)
            cookies = await asyncio.wait_for(pages[0].context.cookies(request.url), 10)
        finally:
            await self.close_render(download, pages)
        if not cookies:
            raise ChallengeNotPassed(f"HTTP {response.status} script challenge: Chromium got no cookie "
                                     f"in {self.seconds:.0f} s", response)
        return [{"name": c["name"], "value": c["value"], "path": c.get("path") or "/"} for c in cookies]

    async def until_passed(self, download: asyncio.Future, passed: asyncio.Event) -> BaseException | None:
        """Wait until Chromium has a page that is no longer a challenge, the render failed (its
        exception is returned), or ``NIANBAO_CHALLENGE_SECONDS`` are over."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.seconds
        waiter = asyncio.ensure_future(passed.wait())
        try:
            while not passed.is_set() and loop.time() < deadline:
                pending = {waiter} if download.done() else {waiter, download}
                await asyncio.wait(pending, timeout=deadline - loop.time(), return_when=asyncio.FIRST_COMPLETED)
                if download.done() and not passed.is_set() and download.exception() is not None:
                    return download.exception()
            return None
        finally:
            waiter.cancel()

    @staticmethod
    async def close_render(download: asyncio.Future, pages: list) -> None:
        """Let the render finish (briefly), then close its page; a render that hangs is cancelled."""
        if not download.done():
            await asyncio.wait({download}, timeout=10)
        if not download.done():
            download.cancel()
        elif not download.cancelled():
            download.exception()  # retrieved: a failed render is reported by its caller
        for page in pages:
            if not page.is_closed():
                try:
                    await asyncio.wait_for(page.close(), 10)
                except Exception as error:  # a page that will not close: the browser closes with the crawl
                    logger.warning("could not close a challenge page: %s", error)
