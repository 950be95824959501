"""The baseline of bench/throughput.py: a bare Scrapy spider with nianbao's politeness
settings that follows the same links as nianbao on the benchmark fleet and saves every
body into a SQLite file (stdlib sqlite3, one row per page, no parsing).

    python bench/bare_spider.py --portals P.csv --db bare.db [--log-file L]

Link rules (the fleet's link texts): 政府信息公开 from the home page, 政府信息公开年报 from
the disclosure page, the pager (下一页, page numbers) and report titles on list pages.
Prints one JSON line with the crawl's stats on stdout.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sqlite3

import scrapy
from scrapy.crawler import CrawlerProcess

NAV = {"政府信息公开"}
COLUMN = {"政府信息公开年报"}
PAGER = re.compile(r"^(下一页|\d{1,3})$")
REPORT = re.compile(r"(19|20)\d\d年.*政府信息公开.{0,6}(年度报告|年报|工作报告)")

SETTINGS = {
    # the politeness settings of crawler/settings.py
    "ROBOTSTXT_OBEY": True,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": True,
    "AUTOTHROTTLE_START_DELAY": 0.5,
    "AUTOTHROTTLE_MAX_DELAY": 30,
    "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
    "DOWNLOAD_TIMEOUT": 30,
    "RETRY_ENABLED": True,
    "RETRY_TIMES": 2,
    "USER_AGENT": "nianbao-bench-bare/0.1",
    # Scrapy 2.19 defaults we do not want (shared/STACK.md)
    "REMOTE_CONTROL_ENABLED": False,
    "TELNETCONSOLE_ENABLED": False,
    "LOG_LEVEL": "INFO",
    "LOGSTATS_INTERVAL": 15,
}


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, portals: str, db: str, **kwargs):
        super().__init__(**kwargs)
        with open(portals, encoding="utf-8") as fh:
            self.start_urls_ = [row["url"] for row in csv.DictReader(fh)]
        self.conn = sqlite3.connect(db)
        self.conn.execute("CREATE TABLE IF NOT EXISTS pages (url TEXT PRIMARY KEY, status INTEGER, "
                          "content_type TEXT, body BLOB)")
        self.pending = 0

    async def start(self):
        for url in self.start_urls_:
            yield scrapy.Request(url, callback=self.parse)

    def save(self, response):
        self.conn.execute("INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?)",
                          (response.url, response.status,
                           response.headers.get("Content-Type", b"").decode("latin-1"), response.body))
        self.pending += 1
        if self.pending >= 100:
            self.conn.commit()
            self.pending = 0

    def parse(self, response):
        self.save(response)
        for a in response.css("a"):
            text = "".join(a.css("::text").getall()).strip()
            href = a.attrib.get("href")
            if not href:
                continue
            if REPORT.search(text):
                yield response.follow(href, callback=self.save)
            elif text in NAV or text in COLUMN or PAGER.match(text):
                yield response.follow(href, callback=self.parse)

    def closed(self, reason):
        self.conn.commit()
        self.conn.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--portals", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--log-file")
    args = parser.parse_args(argv)
    settings = dict(SETTINGS)
    if args.log_file:
        settings["LOG_FILE"] = args.log_file
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler, portals=args.portals, db=args.db)
    process.start()
    stats = crawler.stats.get_stats()
    print(json.dumps({k: v for k, v in stats.items() if isinstance(v, (int, float, str))}))
    return 0 if stats.get("finish_reason") == "finished" else 1


if __name__ == "__main__":
    raise SystemExit(main())
