"""Every knob of the crawl in one place. Components read these through ``from_crawler``."""

BOT_NAME = "nianbao"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Where the archive goes (`-s ARCHIVE_DB=archive.db` or `nianbao crawl --db`).
ARCHIVE_DB = "archive.db"

# Who we are: portals' webmasters can see what is crawling them and reach us.
NIANBAO_CONTACT_URL = "https://github.com/nianbao/nianbao"
USER_AGENT = f"nianbao/0.1 (+{NIANBAO_CONTACT_URL}; annual-report archive)"

# Politeness.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
# Items of one response processed at once. Scrapy 2.19 starts this many asyncio tasks for the
# output of every callback; our pipeline writes synchronously, so 100 (the default) only
# costs: 8 took the crawl stage from 11.3 s to 7.8 s on 1,000 reports (bench/throughput.py).
CONCURRENT_ITEMS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DNS_TIMEOUT = 20
# Dead hosts (crawler/portal_runs.py DeadHosts): a host that fails at the connection level (DNS,
# refused, timeout) before answering anything is given up on at once, its queued requests
# dropped; one that answered earlier in the run, after this many such failures in a row.
NIANBAO_DEAD_HOSTS = True
NIANBAO_DEAD_HOST_FAILURES = 3
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_BACKOFF_BASE = 2.0   # seconds before the first retry, doubled for each further one
RETRY_BACKOFF_MAX = 60.0
# Pages one portal may cost in one run (home, navigation, columns, lists, reports and
# attachments). Sized for real portals with departments and towns; reaching it is recorded
# in crawl_runs (budget_refused, over_budget), logged once and gives exit code 1.
NIANBAO_PAGE_BUDGET = 20_000
# Downloads: larger (or, compressed, larger once decompressed) is a recorded failure;
# a truncated body too (DOWNLOAD_FAIL_ON_DATALOSS).
DOWNLOAD_MAXSIZE = 50 * 1024 * 1024
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024
DOWNLOAD_FAIL_ON_DATALOSS = True
# Scope (crawler/scope.py): only the portal's site; hosts on loopback, private, link-local,
# multicast or reserved addresses are refused unless they are portals named in the portals
# file, checked on the address the connection uses (the resolver) and in Chromium.
NIANBAO_REFUSE_PRIVATE_HOSTS = True
DNS_RESOLVER = "crawler.scope.GuardedResolver"
PLAYWRIGHT_ABORT_REQUEST = "crawler.scope.abort_browser_request"

# Incremental: pages kept from earlier runs are asked for with If-None-Match /
# If-Modified-Since; a 304 is answered from the archive.
NIANBAO_CONDITIONAL_REQUESTS = True
# A report page kept less than this many days ago is not asked for again (the lists that lead
# to reports are re-read every night); each is revisited, conditionally, once in that many days,
# the revisits spread over the nights. 0 = revisit every report every night.
NIANBAO_REVISIT_DAYS = 7
LOGSTATS_INTERVAL = 15

# Anti-bot script challenges (crawler/challenge.py): a page answering 412/202/403/521 with a
# script that sets a cookie and reloads is passed once through Chromium, whose cookies are then
# reused for plain requests to that host (and renewed when a challenge comes back). At most
# this many passes per portal and run; beyond them the page fails (ChallengeNotPassed).
NIANBAO_CHALLENGE_RENDERS = 3
NIANBAO_CHALLENGE_SECONDS = 15   # how long Chromium may take to get past one challenge

# Evidence capture (crawler/capture.py): every answer kept as WARC records in ARCHIVE.warc/,
# gzip files rotated at this size; `nianbao export --wacz` packs them for replay and checking.
NIANBAO_CAPTURE = True
NIANBAO_CAPTURE_ROTATE_BYTES = 1024 ** 3
NIANBAO_FROM_WACZ = None   # set by `nianbao crawl --from-wacz FILE` (crawler/replay.py)

DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.ScopeGuard": 50,
    # `nianbao crawl --from-wacz`: every answer from a capture, none from the network
    "crawler.replay.ReplayFromCapture": 55,
    "crawler.middlewares.RetryBackoff": 540,
    "crawler.middlewares.ConditionalRequests": 560,
    "crawler.middlewares.EncodingFix": 570,
    # after HttpCompression (590) on answers, before CookiesMiddleware (700) on requests
    "crawler.challenge.ScriptChallenges": 580,
    # every answer as WARC records (crawler/capture.py), as the server sent it: after
    # HttpCompression (590), before a meta refresh (580) or a challenge becomes a new request,
    # and before a 304 is answered from the archive (a revisit, not a copy); a 3xx before
    # RedirectMiddleware (600) makes it a new request
    "crawler.capture.WarcCapture": 585,
    "crawler.capture.RedirectCapture": 650,
    # above RetryMiddleware (550): sees a connection failure before it is retried
    "crawler.portal_runs.DeadHosts": 590,
}
# Report links listed per portal, for portal_runs and the layout-changed alarms.
SPIDER_MIDDLEWARES = {
    "crawler.portal_runs.ListedReports": 950,
}
# AutoThrottle, but a 304 paces the crawl like a 200 (crawler/throttle.py).
EXTENSIONS = {
    "scrapy.extensions.throttle.AutoThrottle": None,
    "crawler.throttle.AnswerPacedThrottle": 0,
}
ITEM_PIPELINES = {
    "crawler.pipelines.ArchivePipeline": 300,
}

# Browser only where a page needs it: requests with meta["playwright"] go through
# Debian's Chromium, every other request through Scrapy's own downloader.
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
DOWNLOAD_HANDLERS = {
    "http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
    "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
}
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "executable_path": "/usr/bin/chromium",
    "headless": True,
    "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
}
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30_000
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 2

# Scrapy 2.19 defaults we do not want (see shared/STACK.md).
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
