"""Benchmark: what asking the list readers costs on a list page, as a ratio to reading the
page's links (which the spider does for every page anyway).

Every HTML page of the six offline portals (built in memory, no server) is read with
``discover.page_links`` alone and with ``page_links`` + ``lists.next_pages``; the ratio of the
medians of 11 interleaved rounds is printed. No network, no Scrapy.

    .venv/bin/python bench/list_readers.py
"""

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler import lists  # noqa: E402
from crawler.discover import html_tree, is_report_title, page_links  # noqa: E402
from nianbao.demo import spec  # noqa: E402
from nianbao.demo.build import build_site  # noqa: E402


def pages():
    for portal in spec.PORTALS:
        for path, resource in build_site(portal).items():
            if getattr(resource, "content_type", "").startswith("text/html") and resource.status == 200:
                charset = "gbk" if "gb" in resource.content_type.lower() else "utf-8"
                yield f"http://{portal['host']}/{path.lstrip('/')}", resource.body.decode(charset, "replace")


def links_only(corpus):
    for url, html in corpus:
        page_links(html, url)


def links_and_readers(corpus):
    for url, html in corpus:
        tree = html_tree(html)  # parsed once, as the spider does
        links = page_links(html, url, tree)
        reports = [link for link in links if is_report_title(link.text)]
        lists.next_pages(lists.ListPage(url, html, tuple(links), tuple(reports), parsed=tree))


def timed(function, corpus) -> float:
    start = time.perf_counter()
    function(corpus)
    return time.perf_counter() - start


def main(rounds: int = 11) -> None:
    corpus = list(pages())
    base, readers = [], []
    for _ in range(rounds):  # interleaved, so that load from elsewhere falls on both
        base.append(timed(links_only, corpus))
        readers.append(timed(links_and_readers, corpus))
    base, readers = statistics.median(base), statistics.median(readers)
    print(f"{len(corpus)} pages: links {base * 1000:.0f} ms, links + list readers {readers * 1000:.0f} ms, "
          f"ratio {readers / base:.2f} (medians of {rounds} interleaved rounds)")


if __name__ == "__main__":
    main()
