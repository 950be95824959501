"""What each crawl run saw of each portal, and hosts that do not answer.

- :class:`ListedReports` (a spider middleware) counts the distinct report links each portal's
  lists named, from the requests the spider yields: a report kept recently and not asked for
  again (``NotDue``) still counts as listed. The spider itself is not touched.
- :class:`DeadHosts` (a downloader middleware) gives up on a host after a connection-level
  failure (DNS failure, connection refused, connect or download timeout, connection closed
  without an answer): the failing request is not retried, and every later request to that
  host is dropped before it is sent (``DeadHost``, recorded in ``pages``). A host that never
  answered in this run is given up on at its first such failure; one that did answer, after
  ``NIANBAO_DEAD_HOST_FAILURES`` failures in a row. So a dead portal costs one timeout
  (``DOWNLOAD_TIMEOUT``), not a night of retries.
- :class:`RunRecorder` holds both for the pipeline, which writes ``portal_runs`` and the
  alarms at the end of the run (:mod:`crawler.alarms`).
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.exceptions import (CannotResolveHostError, DownloadConnectionRefusedError, DownloadFailedError,
                               DownloadTimeoutError, IgnoreRequest, NotConfigured)
from twisted.internet import error as twisted_errors

from crawler.discover import canonical_url
from crawler.scope import ScopeDNSRefusal

logger = logging.getLogger(__name__)

# Scrapy 2.19 wraps Twisted's errors in its own (the Twisted one is the __cause__); a
# connection closed without an answer (ResponseNeverReceived) is a DownloadFailedError.
CONNECTION_FAILURES = (CannotResolveHostError, DownloadConnectionRefusedError, DownloadTimeoutError,
                       DownloadFailedError, twisted_errors.DNSLookupError, twisted_errors.ConnectError,
                       twisted_errors.TimeoutError, twisted_errors.ConnectingCancelledError)
# What Chromium says when it cannot reach a host (playwright raises its own Error).
BROWSER_CONNECTION_FAILURES = ("ERR_NAME_NOT_RESOLVED", "ERR_CONNECTION_REFUSED", "ERR_CONNECTION_TIMED_OUT",
                               "ERR_ADDRESS_UNREACHABLE", "ERR_CONNECTION_RESET", "ERR_TIMED_OUT")


class DeadHost(IgnoreRequest):
    """A request not sent: its host failed at the connection level earlier in this run."""


def host_of(url: str) -> str:
    """host[:port] as :attr:`crawler.portals.Portal.host` writes it."""
    return urlsplit(url).netloc.lower().rsplit("@", 1)[-1]


def is_connection_failure(exception: BaseException) -> bool:
    if isinstance(exception, ScopeDNSRefusal) or isinstance(exception.__cause__, ScopeDNSRefusal):
        return False  # refused by policy: the host may be fine
    if isinstance(exception, CONNECTION_FAILURES):
        return True
    return type(exception).__module__.startswith("playwright") and \
        any(code in str(exception) for code in BROWSER_CONNECTION_FAILURES)


class RunRecorder:
    """One per crawl: report links listed per portal, hosts given up on."""

    def __init__(self):
        self.listed: dict[str, set[str]] = defaultdict(set)
        self.dead: dict[str, str] = {}                      # host → the failure that killed it
        self.dropped: Counter = Counter()                   # host → requests not sent
        self.portals_of: dict[str, set[str]] = defaultdict(set)   # host → portals that asked it
        # with ``keep_new``: (portal, url) of each report link the first time it is listed, for a
        # fleet worker to hand over what is new without comparing every set (crawler/distributed.py)
        self.keep_new = False
        self.new_listings: list[tuple[str, str]] = []

    @staticmethod
    def of(crawler) -> "RunRecorder":
        if not hasattr(crawler, "nianbao_run_recorder"):
            crawler.nianbao_run_recorder = RunRecorder()
        return crawler.nianbao_run_recorder

    def unreachable(self, portal) -> str | None:
        """The hosts of ``portal`` given up on, with their first failure, or None."""
        hosts = [h for h in self.dead if h == portal.host or portal.name in self.portals_of[h]]
        return "; ".join(f"{h}: {self.dead[h]}" + (f" ({self.dropped[h]} requests not sent)"
                                                   if self.dropped[h] else "") for h in hosts) or None


class ListedReports:
    """Spider middleware: the distinct report links each portal's lists named."""

    def __init__(self, crawler):
        self.recorder = RunRecorder.of(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _count(self, output):
        if isinstance(output, Request) and output.meta.get("kind") == "report" and output.meta.get("portal"):
            listed, url = self.recorder.listed[output.meta["portal"]], canonical_url(output.url)
            if self.recorder.keep_new and url not in listed:
                self.recorder.new_listings.append((output.meta["portal"], url))
            listed.add(url)
        return output

    def process_spider_output(self, response, result):
        for output in result:
            yield self._count(output)

    async def process_spider_output_async(self, response, result):
        async for output in result:
            yield self._count(output)


class DeadHosts:
    """Downloader middleware: stop asking a host that does not answer at all."""

    def __init__(self, crawler):
        self.recorder = RunRecorder.of(crawler)
        self.failures_alive = max(1, crawler.settings.getint("NIANBAO_DEAD_HOST_FAILURES", 3))
        self.answered: set[str] = set()
        self.streak: Counter = Counter()
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("NIANBAO_DEAD_HOSTS", True):
            raise NotConfigured("NIANBAO_DEAD_HOSTS is off")
        return cls(crawler)

    def process_request(self, request):
        host = host_of(request.url)
        if host in self.recorder.dead:
            self.recorder.dropped[host] += 1
            self.stats.inc_value("nianbao/dead_host_dropped")
            raise DeadHost(f"host {host} is unreachable ({self.recorder.dead[host]}); request not sent")
        return None

    def process_response(self, request, response):
        host = host_of(request.url)
        self.answered.add(host)
        self.streak.pop(host, None)
        return response

    def process_exception(self, request, exception):
        if not is_connection_failure(exception):
            return None
        host = host_of(request.url)
        if request.meta.get("portal"):
            self.recorder.portals_of[host].add(request.meta["portal"])
        if host in self.recorder.dead:
            request.meta["dont_retry"] = True
            return None
        self.streak[host] += 1
        if host not in self.answered or self.streak[host] >= self.failures_alive:
            reason = f"{type(exception).__name__}: {exception}"[:300]
            self.recorder.dead[host] = reason
            request.meta["dont_retry"] = True
            self.stats.inc_value("nianbao/dead_hosts")
            logger.warning("host %s is unreachable (%s): its other requests are dropped for this run",
                           host, reason)
        return None
