"""Crawling on several machines: scrapy-redis on a real Redis server.

    nianbao crawl --portals P --db D --redis redis://HOST:PORT/N    the writer (one)
    nianbao worker --redis redis://HOST:PORT/N [--concurrency K]      the fetchers (any number)

The writer seeds the shared queue with the portals' home pages, stores what the workers
fetched (it is the only process that writes SQLite) and parses alongside, as a local crawl
does. A worker runs the same spider with scrapy-redis's scheduler: it takes requests from
the shared queue, fetches them (Chromium too), and hands back page records and fetched
reports through Redis. What scrapy-redis does not do, this module adds:

- **Leases.** scrapy-redis pops a request and forgets it; here a pop moves it, atomically, into
  a lease with a deadline, which its worker renews while it works and removes (acknowledges)
  once the callback's output (items and new requests) is in Redis. A lease that expires (its
  worker was killed) is put back in the queue, so another worker does the request.
- **One politeness for the fleet.** A request holds one of a host's slots (a sorted set with
  deadlines) until it is answered: at most ``CONCURRENT_REQUESTS_PER_DOMAIN`` for all workers
  together; a host that answers 429/5xx or fails to connect is backed off for the whole fleet.
  The queue is one sorted set per host, and a pop takes, with its lease, a slot of the host
  served longest ago that has one free: a worker never holds requests it cannot send while
  other hosts wait (scrapy-redis's single queue would hand it the next requests in order,
  mostly of one host).
- **Shared crawl state.** The spider's "asked for already" set and the page budgets are Redis
  sets and counters, so two workers never fetch one page twice and a portal's budget is global.
- **What the archive knows.** The writer publishes its validators (ETag, Last-Modified) and report
  ages; a worker asks conditionally and, on a 304, gets the kept body from the writer.
- **Bounded hand-over.** Items wait in a Redis list whose bytes are counted; a worker whose items
  would take it over ``NIANBAO_REDIS_MAX_PENDING_BYTES`` waits for the writer to drain it. The
  writer moves each item to a processing list while storing it, so a killed writer loses nothing.

The crawl ends when the queue is empty, no lease is held and every item is stored.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import pickle
import socket
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import redis
from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from crawler.capture import CapturedRecords, capture_files
from crawler.discover import canonical_url
from crawler.items import PageRecord, ReportDocument
from crawler.portal_runs import RunRecorder, host_of
from crawler.spiders.reports import ReportsSpider

logger = logging.getLogger(__name__)

LEASE_SECONDS = 120          # a lease not renewed for this long is given to another worker
POP_WINDOW = 500             # hosts a pop looks at (least recently served first) for a free slot
RENEW_SECONDS = 10           # how often a worker renews the leases it holds
MAX_PENDING_BYTES = 256 * 1024 * 1024
BACKOFF_STATUSES = (429, 500, 502, 503, 504)
# the worker's Scrapy stats the writer sums into crawl_runs
SHARED_STATS = ("downloader/request_count", "playwright/request_count/navigation", "nianbao/challenge_navigations",
                "nianbao/challenge_renders", "nianbao/challenge_refused", "nianbao/reports_not_due")


class FleetError(Exception):
    """The Redis server cannot be used (one line)."""


# -- the keys -------------------------------------------------------------------------------

class Fleet:
    """One crawl's keys on one Redis server (``redis://[:password@]host:port/db``)."""

    def __init__(self, url: str, name: str = "nianbao"):
        self.url = url
        try:
            self.redis = redis.Redis.from_url(url, socket_timeout=30, health_check_interval=30)
            self.redis.ping()
        except (redis.RedisError, ValueError) as error:
            raise FleetError(f"cannot use Redis at {_without_password(url)}: {error}") from error
        prefix = f"{name}:"
        self.hosts = prefix + "hosts"             # zset: hosts with queued requests → when last served
        self.queue = prefix + "queue:"            # zset per host: its queued requests (score: -priority)
        self.leases = prefix + "leases"           # zset: lease id → deadline
        self.leased = prefix + "leased"           # hash: lease id → the request (as queued)
        self.lease_ids = prefix + "lease-ids"     # counter
        self.seen = prefix + "seen"               # set: pages asked for in this crawl
        self.budget = prefix + "budget"           # hash: portal → requests asked for
        self.over_budget = prefix + "over-budget" # hash: portal → requests refused for the budget
        self.items = prefix + "items"             # list: pickled items for the writer
        self.processing = prefix + "items-processing"  # list: the item the writer is storing
        self.item_bytes = prefix + "item-bytes"   # counter: bytes waiting in items
        self.stored = prefix + "stored"           # set: keys of the items the writer stored
        self.validators = prefix + "validators"   # hash: url → [etag, modified, sha256, content type]
        self.kept = prefix + "kept"               # hash: report url → epoch seconds it was fetched
        self.body_requests = prefix + "body-requests"  # list: sha256s a worker needs the body of
        self.body = prefix + "body:"              # string per sha256, with an expiry
        self.host = prefix + "host:"              # zset per host: slot holder → deadline
        self.backoff = prefix + "backoff:"        # string per host, with an expiry
        self.run = prefix + "run"                 # hash: run_id, portals (csv text), state, settings
        self.stats = prefix + "stats"             # hash: summed worker stats
        self.workers = prefix + "workers"         # hash: worker id → last heartbeat
        self._pop = self.redis.register_script(POP_WITH_LEASE)
        self._requeue = self.redis.register_script(REQUEUE_EXPIRED)
        self._acquire = self.redis.register_script(ACQUIRE_SLOT)
        self._push = self.redis.register_script(PUSH_ONCE)

    # the crawl's life
    def all_keys(self) -> list[str]:
        fixed = [self.hosts, self.leases, self.leased, self.lease_ids, self.seen, self.budget, self.over_budget,
                 self.items, self.processing, self.item_bytes, self.stored, self.validators, self.kept, self.body_requests,
                 self.run, self.stats, self.workers]
        return fixed + [k.decode() for pattern in (self.queue, self.host, self.backoff, self.body)
                        for k in self.redis.scan_iter(match=pattern + "*", count=1000)]

    def clear(self) -> None:
        keys = self.all_keys()
        for start in range(0, len(keys), 500):
            self.redis.delete(*keys[start:start + 500])

    def state(self) -> str | None:
        value = self.redis.hget(self.run, "state")
        return value.decode() if value else None

    def is_done(self) -> bool:
        return self.state() in (None, "done")

    def outstanding(self) -> tuple[int, int, int, int]:
        """(hosts with queued requests, leases held, items waiting, items being stored)."""
        pipe = self.redis.pipeline()
        pipe.zcard(self.hosts).zcard(self.leases).llen(self.items).llen(self.processing)
        return tuple(pipe.execute())

    # the queue: one per host; a pop takes a request of the host served longest ago that has a
    # free slot, with a lease and that slot (so a worker never holds requests it cannot send)
    def pop(self, seconds: float, limit: int, hold_seconds: float, window: int) -> tuple[int, bytes, str] | None:
        found = self._pop(keys=[self.hosts, self.leases, self.leased, self.lease_ids],
                          args=[seconds, limit, hold_seconds, window, self.queue, self.host, self.backoff])
        return (int(found[0]), found[1], found[2].decode()) if found else None

    def queued(self) -> int:
        """How many hosts have requests queued (0: the queue is empty)."""
        return self.redis.zcard(self.hosts)

    def now(self) -> float:
        """The Redis server's clock: every machine of the fleet reads the same one."""
        seconds, micros = self.redis.time()
        return seconds + micros / 1e6

    def renew(self, lease_ids, seconds: float) -> None:
        if not lease_ids:
            return
        deadline = self.now() + seconds
        pipe = self.redis.pipeline()
        for lease in lease_ids:
            pipe.zadd(self.leases, {lease: deadline}, xx=True)
        pipe.execute()

    def push(self, data: bytes, score: float, key: bytes | None, host: str) -> bool:
        """Queue one request; with ``key``, only if no request for that page was queued before."""
        return bool(self._push(keys=[self.hosts, self.seen], args=[score, data, key or b"", host, self.queue]))

    def ack(self, lease_ids) -> None:
        if lease_ids:
            self.redis.pipeline().zrem(self.leases, *lease_ids).hdel(self.leased, *lease_ids).execute()

    def requeue_expired(self) -> int:
        return int(self._requeue(keys=[self.leases, self.leased, self.hosts], args=[self.queue]))

    # hosts
    def acquire_slot(self, host: str, holder: str, limit: int, seconds: float) -> float:
        """0 when ``holder`` got one of ``host``'s slots, else how long to wait (seconds)."""
        return float(self._acquire(keys=[self.host + host, self.backoff + host], args=[holder, limit, seconds]))

    def refresh_slot(self, host: str, holder: str, seconds: float) -> None:
        self.redis.zadd(self.host + host, {holder: self.now() + seconds}, xx=True)

    def release_slot(self, host: str, holder: str) -> None:
        self.redis.zrem(self.host + host, holder)

    def back_off(self, host: str, seconds: float) -> None:
        self.redis.set(self.backoff + host, 1, px=max(1, int(seconds * 1000)), nx=True)


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    return url.replace(parts.password, "***") if parts.password else url


# Lua, so that a pop, its lease and its host slot (or an expiry and its requeue) are one step
# for Redis. A leased request is kept as "host\nscore|request". (The scripts touch per-host keys
# they build from prefixes: fine on one Redis server, not on Redis Cluster.)
POP_WITH_LEASE = r"""
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local hosts = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[4]) - 1)
for _, host in ipairs(hosts) do
  if redis.call('PTTL', ARGV[7] .. host) <= 0 then
    local slots = ARGV[6] .. host
    redis.call('ZREMRANGEBYSCORE', slots, '-inf', now)
    if redis.call('ZCARD', slots) < tonumber(ARGV[2]) then
      local queue = ARGV[5] .. host
      local found = redis.call('ZRANGE', queue, 0, 0, 'WITHSCORES')
      if #found == 0 then
        redis.call('ZREM', KEYS[1], host)
      else
        redis.call('ZREM', queue, found[1])
        if redis.call('ZCARD', queue) == 0 then
          redis.call('ZREM', KEYS[1], host)
        else
          redis.call('ZADD', KEYS[1], now, host)
        end
        local id = redis.call('INCR', KEYS[4])
        redis.call('ZADD', KEYS[2], now + tonumber(ARGV[1]), id)
        redis.call('HSET', KEYS[3], id, host .. '\n' .. found[2] .. '|' .. found[1])
        redis.call('ZADD', slots, now + tonumber(ARGV[3]), 'lease:' .. id)
        redis.call('EXPIRE', slots, math.ceil(tonumber(ARGV[3])) + 60)
        return {id, found[1], host}
      end
    end
  end
end
return nil
"""
REQUEUE_EXPIRED = r"""
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
for _, id in ipairs(expired) do
  local kept = redis.call('HGET', KEYS[2], id)
  if kept then
    local cut = string.find(kept, '\n', 1, true)
    local bar = string.find(kept, '|', cut + 1, true)
    local host = string.sub(kept, 1, cut - 1)
    redis.call('ZADD', ARGV[1] .. host, tonumber(string.sub(kept, cut + 1, bar - 1)), string.sub(kept, bar + 1))
    redis.call('ZADD', KEYS[3], 'NX', 0, host)
    redis.call('HDEL', KEYS[2], id)
  end
  redis.call('ZREM', KEYS[1], id)
end
return #expired
"""
PUSH_ONCE = """
if ARGV[3] ~= '' and redis.call('SADD', KEYS[2], ARGV[3]) == 0 then return 0 end
redis.call('ZADD', ARGV[5] .. ARGV[4], tonumber(ARGV[1]), ARGV[2])
local clock = redis.call('TIME')
redis.call('ZADD', KEYS[1], 'NX', tonumber(clock[1]) + tonumber(clock[2]) / 1000000, ARGV[4])
return 1
"""
ACQUIRE_SLOT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local wait = redis.call('PTTL', KEYS[2])
if wait > 0 then return tostring(wait / 1000) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
  redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[3])) + 60)
  return '0'
end
return '0.05'
"""


# -- the hand-over: what a worker sends the writer ---------------------------------------------

@dataclass
class WorkerState:
    """What a worker's run recorder learnt since it last reported: report links listed per
    portal, and hosts given up on."""
    listed: dict[str, list[str]] = field(default_factory=dict)
    dead: dict[str, str] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)
    portals_of: dict[str, list[str]] = field(default_factory=dict)
    browser_refusals: list = field(default_factory=list)


@dataclass
class Ack:
    """The last output of a leased request's callback: its items and requests are in Redis."""
    leases: list[int]


# -- the worker's parts -------------------------------------------------------------------------

def fleet_of(crawler) -> Fleet:
    if not hasattr(crawler, "nianbao_fleet"):
        crawler.nianbao_fleet = Fleet(crawler.settings.get("NIANBAO_REDIS_URL"))
    return crawler.nianbao_fleet


class LeasedQueue(PriorityQueue):
    """scrapy-redis's priority queue, one per host: a pop takes a request of a host with a free
    slot and leaves a lease (see :class:`Fleet`). Without per-host queues, a worker would take
    the next requests in order, mostly of one host, and wait for that host's slots while the
    others idle."""

    def configure(self, fleet: Fleet, settings) -> None:
        self.fleet = fleet
        self.lease_seconds = settings.getfloat("NIANBAO_LEASE_SECONDS", LEASE_SECONDS)
        self.limit = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
        self.hold_seconds = slot_hold_seconds(settings)
        self.window = settings.getint("NIANBAO_POP_WINDOW", POP_WINDOW)

    def __len__(self):
        fleet = getattr(self, "fleet", None)   # scrapy-redis asks before the scheduler configured it
        return fleet.queued() if fleet else 0

    def pop(self, timeout=0):
        found = self.fleet.pop(self.lease_seconds, self.limit, self.hold_seconds, self.window)
        if not found:
            return None
        lease, data, host = found
        request = self._decode_request(data)
        request.meta["nianbao_leases"] = [*request.meta.get("nianbao_leases", []), lease]
        request.meta["nianbao_slot"] = (host, f"lease:{lease}")
        return request


def slot_hold_seconds(settings) -> float:
    """How long a host slot is held at most: a download ends within DOWNLOAD_TIMEOUT, so a
    killed worker's slots free themselves soon after."""
    return settings.getfloat("DOWNLOAD_TIMEOUT") + 10


class LeasedScheduler(Scheduler):
    """scrapy-redis's scheduler with leases: a request copied from a leased one (a retry, a
    redirect) takes its leases over once it is queued; the leases this worker holds are renewed."""

    @classmethod
    def from_crawler(cls, crawler):
        scheduler = super().from_crawler(crawler)
        scheduler.crawler = crawler
        return scheduler

    def open(self, spider):
        super().open(spider)
        self.fleet = fleet_of(self.crawler)
        self.queue.configure(self.fleet, self.crawler.settings)
        self.held: set[int] = set()
        self.crawler.nianbao_held_leases = self.held

    def enqueue_request(self, request):
        """A new request is queued once for the whole fleet (the spider's "asked for already",
        shared); a continuation of a leased one (a retry, a redirect) always, taking its leases
        over. Marking a page asked for and queueing it are one step: a worker killed between the
        two cannot lose it."""
        taken_over = request.meta.pop("nianbao_leases", [])
        key = None
        if not taken_over and request.meta.get("kind") != "attachment" and request.meta.get("portal"):
            key = request_key((request.meta.get("record_url") or canonical_url(request.url),
                               bool(request.meta.get("playwright"))))
        request.meta.pop("nianbao_slot", None)
        queued = self.fleet.push(self.queue._encode_request(request), -request.priority, key, host_of(request.url))
        if taken_over:
            self.fleet.ack(taken_over)
            self.held.difference_update(taken_over)
        if queued and self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return queued

    def next_request(self):
        request = super().next_request()
        if request is not None:
            self.held.update(request.meta["nianbao_leases"])
            host, holder = request.meta["nianbao_slot"]
            idle_slots(self.crawler)[host].append(holder)
        return request


class FleetReportsSpider(ReportsSpider):
    """The reports spider of a worker: what it has asked for and each portal's budget are
    shared by the fleet; the output of each leased request ends with its :class:`Ack`."""

    name = "reports-fleet"

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.fleet = fleet_of(crawler)
        crawler.signals.connect(spider.idle, signal=signals.spider_idle)
        return spider

    async def start(self):
        return
        yield  # the writer seeds the queue

    # first_time stays the spider's own (a cheap local filter); the fleet-wide one is the
    # scheduler's, where marking a page and queueing it are one step

    def mark_seen(self, key) -> None:
        super().mark_seen(key)
        self.fleet.redis.sadd(self.fleet.seen, request_key(key))

    def within_budget(self, portal: str) -> bool:
        asked = self.fleet.redis.hincrby(self.fleet.budget, portal, 1)
        if asked > self.settings.getint("NIANBAO_PAGE_BUDGET"):
            self.fleet.redis.hincrby(self.fleet.over_budget, portal, 1)
            return False
        return True

    def failed(self, failure):
        yield from super().failed(failure)
        yield Ack(failure.request.meta.get("nianbao_leases", []))

    def attachment_failed(self, failure):
        yield from super().attachment_failed(failure)
        yield Ack(failure.request.meta.get("nianbao_leases", []))

    def idle(self):
        if not self.fleet.is_done():
            raise DontCloseSpider


def request_key(key: tuple[str, bool]) -> bytes:
    """A page asked for (URL, rendered or not), as the fleet's "asked for already" set keeps it:
    16 bytes, whatever the URL's length (a national crawl asks for millions)."""
    url, rendered = key
    return _digest(("B " if rendered else "S ") + url)


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class AckOutputs:
    """Spider middleware (outermost): a callback's output ends with its request's :class:`Ack`."""

    @staticmethod
    def ack(response) -> Ack:
        return Ack(response.request.meta.get("nianbao_leases", []) if response.request else [])

    async def process_spider_output_async(self, response, result):
        try:
            async for output in result:
                yield output
        except Exception:   # a callback that fails is done too: not given to another worker
            yield self.ack(response)
            raise
        yield self.ack(response)

    def process_spider_output(self, response, result):
        try:
            yield from result
        except Exception:
            yield self.ack(response)
            raise
        yield self.ack(response)


class HostSlots:
    """Downloader middleware (innermost): a request holds one of its host's fleet-wide slots while
    it is downloaded; a host that answers 429/5xx or does not answer is backed off fleet-wide.

    A request from the queue comes with its slot (taken with it, see :class:`LeasedQueue`). Until
    it reaches this middleware its slot is idle: a request Scrapy makes on its own for that host
    meanwhile (robots.txt, which the queued request is waiting for) borrows it, and gives it back
    when answered. Without this, two workers whose first requests hold a host's two slots would
    both wait for a robots.txt that cannot get one."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.limit = crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
        self.hold_seconds = slot_hold_seconds(crawler.settings)
        self.backoff_seconds = crawler.settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.worker = f"{socket.gethostname()}:{os.getpid()}"
        self.count = 0
        self.idle = idle_slots(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_request(self, request):
        fleet = fleet_of(self.crawler)
        if "nianbao_slot" in request.meta:   # taken with the request from the queue
            host, holder = request.meta["nianbao_slot"]
            if holder not in self.idle[host]:
                while holder not in self.idle[host]:   # lent to a robots.txt in flight
                    await asyncio.sleep(0.02)
                fleet.refresh_slot(host, holder, self.hold_seconds)
            self.idle[host].remove(holder)
            return None
        host = host_of(request.url)
        if self.idle[host]:
            request.meta["nianbao_borrowed"] = (host, self.idle[host].pop())
            return None
        self.count += 1
        holder = f"{self.worker}:{self.count}"
        while (wait := fleet.acquire_slot(host, holder, self.limit, self.hold_seconds)) > 0:
            await asyncio.sleep(min(wait, 1.0))
        request.meta["nianbao_slot"] = (host, holder)
        return None

    def _release(self, request):
        borrowed = request.meta.pop("nianbao_borrowed", None)
        if borrowed:
            host, holder = borrowed
            self.idle[host].append(holder)
            return
        slot = request.meta.pop("nianbao_slot", None)
        if slot:
            host, holder = slot
            if holder in self.idle[host]:   # dropped before it reached the downloader
                self.idle[host].remove(holder)
            fleet_of(self.crawler).release_slot(host, holder)

    def process_response(self, request, response):
        self._release(request)
        if response.status in BACKOFF_STATUSES:
            fleet_of(self.crawler).back_off(host_of(request.url), self.backoff_seconds)
        return response

    def process_exception(self, request, exception):
        self._release(request)
        if not isinstance(exception, IgnoreRequest):
            fleet_of(self.crawler).back_off(host_of(request.url), self.backoff_seconds)
        return None


def idle_slots(crawler) -> dict[str, list[str]]:
    """host → the slots this worker took with requests that have not reached the downloader."""
    if not hasattr(crawler, "nianbao_idle_slots"):
        crawler.nianbao_idle_slots = defaultdict(list)
    return crawler.nianbao_idle_slots


class FleetPipeline:
    """A worker's item pipeline: items go to the writer through Redis (bounded); an
    :class:`Ack` sends what the run recorder and the stats learnt, then removes the lease."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.max_pending = crawler.settings.getint("NIANBAO_REDIS_MAX_PENDING_BYTES", MAX_PENDING_BYTES)
        self.sent_stats: Counter = Counter()
        self.sent_dead: dict[str, str] = {}
        self.sent_dropped: dict[str, int] = {}
        self.sent_refusals = 0
        RunRecorder.of(crawler).keep_new = True

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_item(self, item):
        fleet = fleet_of(self.crawler)
        if isinstance(item, Ack):
            state = self.news()
            if state is not None:
                await self.send(fleet, state)
            self.send_stats(fleet)
            fleet.ack(item.leases)
            getattr(self.crawler, "nianbao_held_leases", set()).difference_update(item.leases)
            return item
        if isinstance(item, (PageRecord, ReportDocument)):
            await self.send(fleet, item)
        return item

    async def send(self, fleet: Fleet, item) -> None:
        data = pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)
        while int(fleet.redis.get(fleet.item_bytes) or 0) + len(data) > self.max_pending \
                and fleet.redis.llen(fleet.items) > 0:
            await asyncio.sleep(0.2)   # the writer is behind: wait, do not fill Redis
        fleet.redis.pipeline().rpush(fleet.items, data).incrby(fleet.item_bytes, len(data)).execute()

    def news(self) -> WorkerState | None:
        """What the run recorder learnt since the last hand-over (in time proportional to it)."""
        recorder = RunRecorder.of(self.crawler)
        state = WorkerState()
        for portal, url in recorder.new_listings:
            state.listed.setdefault(portal, []).append(url)
        recorder.new_listings.clear()
        for host, reason in recorder.dead.items():
            if host not in self.sent_dead:
                state.dead[host] = self.sent_dead[host] = reason
                state.portals_of[host] = sorted(recorder.portals_of[host])
        if recorder.dropped != self.sent_dropped:
            state.dropped = self.sent_dropped = dict(recorder.dropped)
        scope = getattr(self.crawler.spider, "scope", None)
        refusals = list(scope.browser_refusals) if scope and len(scope.browser_refusals) > self.sent_refusals else []
        if refusals:
            state.browser_refusals, self.sent_refusals = refusals[self.sent_refusals:], len(refusals)
        if state.listed or state.dead or state.browser_refusals or state.dropped:
            return state
        return None

    def send_stats(self, fleet: Fleet) -> None:
        stats = self.crawler.stats
        pipe = fleet.redis.pipeline()
        for name in SHARED_STATS:
            value = stats.get_value(name, 0) or 0
            if value != self.sent_stats[name]:
                pipe.hincrby(fleet.stats, name, value - self.sent_stats[name])
                self.sent_stats[name] = value
        pipe.execute()


class FleetKnowledge:
    """What the archive knows, for a worker's :class:`crawler.middlewares.ConditionalRequests`:
    the writer's validators and report ages in Redis, and a kept body on request."""

    def __init__(self, fleet: Fleet, wait_seconds: float = 30):
        self.fleet = fleet
        self.wait_seconds = wait_seconds

    def validator(self, url: str):
        found = self.fleet.redis.hget(self.fleet.validators, url)
        return tuple(json.loads(found)) if found else None

    def fetched_report_age_days(self, url: str):
        kept = self.fleet.redis.hget(self.fleet.kept, url)
        return (time.time() - float(kept)) / 86400 if kept else None

    def document(self, digest: str):
        """The kept body of ``digest``, which the writer puts in Redis for a short while."""
        key = self.fleet.body + digest
        found = self.fleet.redis.get(key)
        if found is None:
            self.fleet.redis.rpush(self.fleet.body_requests, digest)
            deadline = time.monotonic() + self.wait_seconds
            while (found := self.fleet.redis.get(key)) is None:
                if time.monotonic() > deadline:
                    raise KeyError(f"the writer did not hand over {digest}")
                time.sleep(0.01)
        return found, None, None


# -- the worker ---------------------------------------------------------------------------------

WORKER_SETTINGS = {
    "DOWNLOADER_MIDDLEWARES": {"crawler.distributed.HostSlots": 990},
    "SPIDER_MIDDLEWARES": {"crawler.distributed.AckOutputs": 10},
    "SCHEDULER": "crawler.distributed.LeasedScheduler",
    "SCHEDULER_QUEUE_CLASS": "crawler.distributed.LeasedQueue",
    "SCHEDULER_QUEUE_KEY": "nianbao:requests",
    "SCHEDULER_DUPEFILTER_KEY": "nianbao:dupefilter",
    "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
    "SCHEDULER_PERSIST": True,
    # items one after the other: an Ack is stored only after the outputs before it
    "CONCURRENT_ITEMS": 1,
    "ITEM_PIPELINES": {"crawler.distributed.FleetPipeline": 300},
}


def worker_settings(settings, url: str, concurrency: int | None, crawl_settings: dict) -> None:
    """A worker's Scrapy settings: the project's, the crawl's (from the writer), the fleet's."""
    for name, value in crawl_settings.items():
        settings.set(name, value, priority="cmdline")
    for name, value in WORKER_SETTINGS.items():
        if name.endswith("_MIDDLEWARES"):
            merged = dict(settings.getdict(name))
            merged.update(value)
            value = merged
        settings.set(name, value, priority="cmdline")
    settings.set("REDIS_URL", url, priority="cmdline")
    settings.set("NIANBAO_REDIS_URL", url, priority="cmdline")
    settings.set("ARCHIVE_DB", "", priority="cmdline")   # a worker has no archive: the writer has it
    if concurrency:
        settings.set("CONCURRENT_REQUESTS", concurrency, priority="cmdline")


def run_worker(url: str, *, concurrency: int | None = None, wait_seconds: float | None = None,
               overrides: dict | None = None, log_file: str | None = None) -> int:
    """Join the crawl announced on the Redis server at ``url`` and fetch until it is done.
    Returns 0, or 4 when no crawl was announced within ``wait_seconds``."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    fleet = Fleet(url)
    run = wait_for_crawl(fleet, wait_seconds)
    if run is None:
        return 4
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    worker_settings(settings, url, concurrency, {**json.loads(run.get("settings") or "{}"), **(overrides or {})})
    if log_file:
        settings.set("LOG_FILE", log_file, priority="cmdline")
    portals = portals_file(run["portals"])
    # The engine asks the scheduler for requests when a download ends, and otherwise on its
    # heartbeat (5 s): a worker whose hosts were all busy would sit idle that long.
    from scrapy.core.engine import ExecutionEngine

    ExecutionEngine._SLOT_HEARTBEAT_INTERVAL = settings.getfloat("NIANBAO_WORKER_HEARTBEAT", 0.2)
    try:
        process = CrawlerProcess(settings)
        crawler = process.create_crawler(FleetReportsSpider)
        renewals = []

        def opened(spider):
            from twisted.internet import task   # once Scrapy installed its reactor

            renewals.append(task.LoopingCall(renew_held, crawler))
            renewals[0].start(crawler.settings.getfloat("NIANBAO_LEASE_RENEW_SECONDS", RENEW_SECONDS))

        def closed(spider):
            if renewals and renewals[0].running:
                renewals[0].stop()

        crawler.signals.connect(opened, signal=signals.spider_opened)
        crawler.signals.connect(closed, signal=signals.spider_closed)
        process.crawl(crawler, portals=portals)
        process.start()
    finally:
        os.unlink(portals)
    return 0


def wait_for_crawl(fleet: Fleet, seconds: float | None) -> dict | None:
    """The crawl a worker joins (the writer's run hash), waiting up to ``seconds`` (None: forever)."""
    deadline = None if seconds is None else time.monotonic() + seconds
    while True:
        run = fleet.redis.hgetall(fleet.run)
        if run.get(b"state") == b"running":
            return {k.decode(): v.decode() for k, v in run.items()}
        if deadline is not None and time.monotonic() > deadline:
            return None
        time.sleep(0.5)


def renew_held(crawler) -> None:
    """Renew the leases this worker holds and say it is alive (a LoopingCall on the reactor)."""
    fleet = fleet_of(crawler)
    held = getattr(crawler, "nianbao_held_leases", set())
    fleet.renew(list(held), crawler.settings.getfloat("NIANBAO_LEASE_SECONDS", LEASE_SECONDS))
    fleet.redis.hset(fleet.workers, f"{socket.gethostname()}:{os.getpid()}", time.time())


def portals_file(text: str) -> str:
    handle, path = tempfile.mkstemp(prefix="nianbao-fleet-portals-", suffix=".csv")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    return path


# -- the writer's parts -------------------------------------------------------------------------

def seed(fleet: Fleet, portals, run_id: int, portals_text: str, settings: dict) -> None:
    """A new crawl (on cleared keys): the home pages queued, the run announced (workers join
    when it is running)."""
    pipe = fleet.redis.pipeline()
    for portal in portals:
        request = Request(portal.url, dont_filter=True, meta={
            "portal": portal.name, "kind": "home", "link_text": "", "via": "static", "nav_depth": 0})
        data = request.to_dict()
        data["callback"], data["errback"] = "parse_page", "failed"
        fleet.push(pickle.dumps(data, protocol=-1), 0, request_key((canonical_url(portal.url), False)),
                   host_of(portal.url))
        pipe.hincrby(fleet.budget, portal.name, 1)
    pipe.hset(fleet.run, mapping={"run_id": run_id, "portals": portals_text, "state": "running",
                                  "settings": json.dumps(settings)})
    pipe.execute()


def publish_knowledge(fleet: Fleet, archive, batch: int = 5000) -> int:
    """The archive's validators and report ages, for the workers' conditional requests."""
    published = 0
    pipe = fleet.redis.pipeline()
    for url, etag, modified, digest, content_type in archive.db.execute(
            "SELECT p.url, p.etag, p.last_modified, p.sha256, d.content_type FROM pages p JOIN documents d "
            "ON d.sha256 = p.sha256 WHERE p.etag IS NOT NULL OR p.last_modified IS NOT NULL"):
        pipe.hset(fleet.validators, url, json.dumps([etag, modified, digest, content_type]))
        published += 1
        if published % batch == 0:
            pipe.execute()
    for url, age in archive.db.execute("SELECT url, strftime('%s', fetched_at) FROM fetched_reports "
                                       "WHERE fetched_at IS NOT NULL"):
        pipe.hset(fleet.kept, url, age)
    pipe.execute()
    return published


def hand_over_bodies(fleet: Fleet, archive, seconds: int = 120) -> int:
    """Bodies the workers asked for (a 304 is answered from the archive), each kept in Redis
    for a short while."""
    given = 0
    while (digest := fleet.redis.lpop(fleet.body_requests)) is not None:
        digest = digest.decode()
        try:
            body, _, _ = archive.document(digest)
        except KeyError:
            continue
        fleet.redis.set(fleet.body + digest, body, ex=seconds)
        given += 1
    return given


def portals_csv_text(path: str) -> str:
    with open(path, encoding="utf-8-sig") as handle:
        return handle.read()


class WriterStats(dict):
    """The crawl's stats as the pipeline reads them (Scrapy's StatsCollector methods)."""

    def get_value(self, key, default=None):
        return self.get(key, default)

    def set_value(self, key, value):
        self[key] = value

    def inc_value(self, key, count=1, start=0):
        self[key] = self.get(key, start) + count

    def get_stats(self):
        return dict(self)


@dataclass
class WriterScope:
    browser_refusals: list = field(default_factory=list)


@dataclass
class WriterSpider:
    """What the archive pipeline reads of the spider, on the writer (which runs none)."""
    portals: list
    over_budget: Counter = field(default_factory=Counter)
    scope: WriterScope = field(default_factory=WriterScope)
    run_id: int | None = None


class WriterCrawler:
    """What the archive pipeline reads of its crawler, on the writer."""

    def __init__(self, settings, portals):
        self.settings = settings
        self.stats = WriterStats()
        self.spider = WriterSpider(portals)


def item_key(item) -> bytes:
    """What makes two hand-overs the same item (a request done twice: its worker was killed)."""
    if isinstance(item, PageRecord):
        return _digest(f"P {item.url} {item.kind} {item.via} {item.status} {item.error} {item.link_text}")
    return _digest(f"R {item.url} " + " ".join(f"{d.url}={len(d.body)}" for d in item.documents))


class FleetWriter:
    """The single writer of a distributed crawl (see the module's text)."""

    BATCH = 200

    def __init__(self, fleet: Fleet, db: str, portals_path: str, settings, resume: bool = False,
                 shared: dict | None = None):
        from crawler.pipelines import ArchivePipeline
        from crawler.portals import read_portals

        self.fleet = fleet
        self.portals_path = portals_path
        self.portals = read_portals(portals_path)
        self.crawler = WriterCrawler(settings, self.portals)
        self.pipeline = ArchivePipeline(self.crawler)
        self.resume = resume
        self.shared = dict(shared or {})   # the crawl's settings the workers take (`crawl -s`)
        self.resumed = False
        self.stored = fleet.stored
        self.handed_bodies = 0
        self.capture = capture_files(settings, db) if settings.getbool("NIANBAO_CAPTURE", True) else None

    # -- start ------------------------------------------------------------------------------
    def open(self) -> int:
        """A new run, seeded; or, with ``resume`` and a crawl still running in Redis, that run."""
        from archive.store import Archive

        run = self.fleet.redis.hgetall(self.fleet.run)
        if self.resume and run.get(b"state") == b"running":
            run_id = int(run[b"run_id"])
            self.pipeline.archive = Archive(self.crawler.settings.get("ARCHIVE_DB"))
            self.pipeline.run_id = self.crawler.spider.run_id = run_id
            self._recount(run_id)
            self.resumed = True
            self._store_processing()   # what the killed writer had taken but maybe not stored
            return run_id
        self.pipeline.open_spider()
        run_id = self.pipeline.run_id
        self.fleet.clear()
        publish_knowledge(self.fleet, self.pipeline.archive)
        seed(self.fleet, self.portals, run_id, portals_csv_text(self.portals_path),
             {**self.shared, "NIANBAO_PAGE_BUDGET": self.crawler.settings.getint("NIANBAO_PAGE_BUDGET")})
        return run_id

    def _recount(self, run_id: int) -> None:
        """A resumed writer's counts, from what the killed one stored of this run."""
        db = self.pipeline.archive.db
        counts = self.pipeline.counts
        for kind, portal, status, error, via, n in db.execute(
                "SELECT kind, portal, status, error, via, COUNT(*) FROM fetches WHERE run_id = ? "
                "GROUP BY kind, portal, status, error IS NULL, via", [run_id]):
            counts["pages"] += n
            counts["not_modified"] += n if status == 304 else 0
            failed = bool(error) and not error.startswith(("OutOfScope", "IgnoreRequest"))
            counts["errors"] += n if failed else 0
            if portal:
                seen = self.pipeline.per_portal[portal]
                seen["lists_read"] += n if not error and kind in ("column", "list") else 0
                seen["report_column_found"] += n if not error and kind == "column" else 0
                seen["renders"] += n if not error and via == "browser" else 0
                seen["failures"] += n if failed else 0
        counts["reports_fetched"] = db.execute("SELECT COUNT(*) FROM fetched_reports WHERE run_id = ?",
                                               [run_id]).fetchone()[0]

    # -- the loop ----------------------------------------------------------------------------
    def run(self, progress=None, poll_seconds: float = 0.2) -> dict:
        """Store what the workers hand over until the crawl is done; returns the crawl's stats."""
        last_housekeeping, idle_checks = 0.0, 0
        while True:
            stored = self._store_batch()
            now = time.monotonic()
            if now - last_housekeeping > 1.0 or not stored:
                self.fleet.requeue_expired()
                self.handed_bodies += hand_over_bodies(self.fleet, self.pipeline.archive)
                last_housekeeping = now
                if progress:
                    progress(self.pipeline.counts)
            if stored:
                idle_checks = 0
                continue
            if self.fleet.outstanding() == (0, 0, 0, 0):
                idle_checks += 1
                if idle_checks >= 3:   # nothing queued, held or waiting, three times in a row
                    break
            else:
                idle_checks = 0
            time.sleep(poll_seconds)
        return self.close()

    def _store_batch(self) -> int:
        taken = []
        for _ in range(self.BATCH):
            data = self.fleet.redis.lmove(self.fleet.items, self.fleet.processing, "LEFT", "RIGHT")
            if data is None:
                break
            taken.append(data)
        if not taken:
            return 0
        self._store(taken, check_archive=False)
        return len(taken)

    def _store_processing(self) -> None:
        taken = self.fleet.redis.lrange(self.fleet.processing, 0, -1)
        if taken:
            self._store(taken, check_archive=True)

    def _store(self, taken: list[bytes], check_archive: bool) -> None:
        keys = []
        for data in taken:
            item = pickle.loads(data)
            if isinstance(item, WorkerState):
                self._merge(item)
                continue
            if isinstance(item, CapturedRecords):   # (a redone request's records are kept twice)
                if self.capture is not None:
                    self.capture.write_members(item.data)
                continue
            key = item_key(item)
            if self.fleet.redis.sismember(self.stored, key) or (check_archive and self._in_archive(item)):
                self.crawler.stats.inc_value("nianbao/fleet_duplicates")
                continue
            self.pipeline.process_item(item)
            keys.append(key)
        pipe = self.fleet.redis.pipeline()
        if keys:
            pipe.sadd(self.stored, *keys)
        pipe.delete(self.fleet.processing).decrby(self.fleet.item_bytes, sum(map(len, taken))).execute()

    def _in_archive(self, item) -> bool:
        db = self.pipeline.archive.db
        if isinstance(item, PageRecord):
            return db.execute("SELECT 1 FROM fetches WHERE run_id = ? AND url = ? AND status IS ? AND via IS ?",
                              [self.pipeline.run_id, item.url, item.status, item.via]).fetchone() is not None
        return False   # a fetched report is kept idempotently

    def _merge(self, state: WorkerState) -> None:
        recorder = RunRecorder.of(self.crawler)
        for portal, urls in state.listed.items():
            recorder.listed[portal].update(urls)
        recorder.dead.update({h: r for h, r in state.dead.items() if h not in recorder.dead})
        for host, portals in state.portals_of.items():
            recorder.portals_of[host].update(portals)
        for host, dropped in state.dropped.items():
            recorder.dropped[host] = max(recorder.dropped[host], dropped)
        self.crawler.spider.scope.browser_refusals.extend(state.browser_refusals)

    # -- the end -----------------------------------------------------------------------------
    def close(self) -> dict:
        stats = self.crawler.stats
        self.fleet.redis.hset(self.fleet.run, "state", "done")   # the workers stop
        for name, value in self.fleet.redis.hgetall(self.fleet.stats).items():
            stats[name.decode()] = int(value)
        for portal, refused in self.fleet.redis.hgetall(self.fleet.over_budget).items():
            self.crawler.spider.over_budget[portal.decode()] = int(refused)
        stats["finish_reason"] = "finished"
        stats["nianbao/fleet_bodies_handed_over"] = self.handed_bodies
        stats["nianbao/fleet_workers"] = self.fleet.redis.hlen(self.fleet.workers)
        # what a killed writer had merged of the workers' reports is gone: the portals' runs
        # are recorded as seen in part (no alarm, no baseline)
        self.pipeline.partial = self.resumed
        self.pipeline.close_spider()
        if self.capture is not None:
            self.capture.close()
        return stats.get_stats()
