"""A loopback fleet of small county portals for the throughput benchmark.

One stdlib ``ThreadingHTTPServer`` per host, each bound to its own loopback address
(127.0.0.21, .22, … port 0 = ephemeral), every page built in memory at start. Each host
looks like a small Chinese county portal:

    /                         home, link 政府信息公开 → /xxgk/index.html
    /xxgk/index.html          link 政府信息公开年报 → /xxgk/ndbg/index.html
    /xxgk/ndbg/index.html     the column = list page 1; index_1.html, index_2.html … the
                              other pages, 20 report links each, pager 下一页 + 1 2 3 …
    /xxgk/ndbg/YYYYMM/t<id>.html
                              one report: title/h1 like 桐溪县财政局2021年政府信息公开工作年度报告,
                              body in <div class="article-content">, taken from the real report
                              bodies shipped with the tests (tests/corpus/html_*, nianbao/demo/bodies)
                              with agency and year replaced
    /robots.txt               allows everything

Every 200 answer carries an ETag and a Last-Modified; If-None-Match / If-Modified-Since
are answered with 304. Per-host counters: requests, 200s, 304s, 404s, the most
connections open at once and the most requests in progress at once.

    with running_fleet(hosts=10, reports=1000) as portals:   # [(name, url), …]
        write_portals_csv(portals, "portals.csv")
        ...
        portals.stats()          # {name: {"requests": …, "ok": …, "not_modified": …, …}}
        portals.reset_stats()

    python bench/fleet.py --hosts 3 --reports 60 --csv /tmp/p.csv   # serve until Ctrl-C
"""

from __future__ import annotations

import csv
import hashlib
import html
import re
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator, NamedTuple
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nianbao.demo.server import not_modified  # noqa: E402  (one conditional-request answer)

ROOT = Path(__file__).resolve().parents[1]
FIRST_ADDRESS = 21           # 127.0.0.21, .22, …
PER_PAGE = 20
YEARS = range(2024, 2018, -1)  # newest first, as portals list them
CSV_FIELDS = ["name", "url", "region_code", "province", "city", "level"]

COUNTIES = ["桐溪县", "梅川县", "柳塘县", "石桥县", "雁栖县", "青禾县", "云岭县", "白沙县", "松阳县",
            "金湖县", "兰溪县", "临江县", "枫林县", "长乐县", "安平县", "永宁县", "丰泽县", "宁远县",
            "龙门县", "清源县"]
DEPARTMENTS = ["人民政府办公室", "发展和改革局", "教育局", "科学技术局", "工业和信息化局", "公安局",
               "民政局", "司法局", "财政局", "人力资源和社会保障局", "自然资源局", "生态环境局",
               "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "商务局", "文化和旅游局",
               "卫生健康局", "退役军人事务局", "应急管理局", "审计局", "市场监督管理局", "统计局",
               "医疗保障局", "林业局", "行政审批局", "城市管理局", "信访局", "民族宗教事务局"]
TOWN_STEMS = ["城关", "东溪", "西山", "南塘", "北岭", "青石", "白水", "桃源", "柳溪", "竹林", "凤凰",
              "龙泉", "金沙", "石门", "新桥", "黄田", "洪口", "梅岭", "大港", "下洋"]


def agencies() -> list[str]:
    """Departments, then towns (某某镇人民政府), townships and street offices (街道办事处)."""
    names = list(DEPARTMENTS)
    names += [f"{stem}镇人民政府" for stem in TOWN_STEMS]
    names += [f"{stem}街道办事处" for stem in TOWN_STEMS[:10]]
    names += [f"{stem}乡人民政府" for stem in TOWN_STEMS[10:]]
    names += [f"{a}{b}镇人民政府" for a in TOWN_STEMS[:10] for b in "上下东西南北中新"]
    return names


class Portal(NamedTuple):
    name: str
    url: str


# -- report bodies ----------------------------------------------------------------

@dataclass(frozen=True)
class Body:
    source: str
    html: str           # the article's inner HTML
    names: tuple        # agency names used in it, longest first
    year: int           # the report year it was written for


BODY_SOURCES = [
    # (path, names to replace, report year); 2021 template (2021-2024) …
    ("tests/corpus/html_labels_mc2022/report.html", ("梅川区人民政府",), 2022),
    ("tests/corpus/html_paragraphs_cn2022/report.html", ("梅川区城南街道办事处", "城南街道办事处"), 2022),
    ("tests/corpus/html_tables_tx-czj2023/report.html", ("桐溪县财政局",), 2023),
    ("nianbao/demo/bodies/pingtan_2021.html", ("平潭综合实验区",), 2021),
    # … and 2019 template (2019-2020)
    ("tests/corpus/html_labels_pt2020/report.html", ("平潭综合实验区",), 2020),
    ("tests/corpus/html_pipes_pt2020/report.html", ("平潭综合实验区",), 2020),
    ("nianbao/demo/bodies/pingtan_2019.html", ("平潭综合实验区",), 2019),
]
COMMENT = re.compile(r"<!--.*?-->", re.S)
ARTICLE = re.compile(r'<div class="article">\s*(?:<h1>.*?</h1>)?(.*)</div>\s*</body>', re.S)


def load_bodies() -> list[Body]:
    bodies = []
    for path, names, year in BODY_SOURCES:
        text = (ROOT / path).read_text(encoding="utf-8")
        found = ARTICLE.search(text)
        inner = found.group(1) if found else COMMENT.sub("", text)
        bodies.append(Body(path, inner.strip(), names, year))
    return bodies


def rewrite_body(body: Body, agency: str, year: int) -> str:
    """The body with its agency named ``agency`` and its years moved to ``year`` (the
    report year, and the year after it when the report was published)."""
    names = "|".join(re.escape(n) for n in body.names)
    years = {str(body.year - 1): str(year - 1), str(body.year): str(year), str(body.year + 1): str(year + 1)}
    text = re.sub(names, agency, body.html)
    return re.sub(r"(?<!\d)(20\d\d)(?!\d)", lambda m: years.get(m.group(1), m.group(1)), text)


# -- pages --------------------------------------------------------------------------

@dataclass
class Resource:
    body: bytes
    etag: str
    last_modified: datetime
    content_type: str = "text/html; charset=utf-8"


def _resource(text: str, modified: datetime, content_type: str = "text/html; charset=utf-8") -> Resource:
    body = text.encode("utf-8")
    return Resource(body, '"%s"' % hashlib.sha1(body).hexdigest()[:16], modified, content_type)


def _page(site: str, title: str, crumbs: list[tuple[str, str]], main: str) -> str:
    nav = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in
                  [("/", "首页"), ("/xwzx/index.html", "新闻中心"), ("/xxgk/index.html", "政府信息公开"),
                   ("/zwfw/index.html", "政务服务"), ("/hdjl/index.html", "互动交流")])
    crumb = " &gt; ".join(f'<a href="{href}">{text}</a>' for href, text in crumbs)
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="SiteName" content="{site}人民政府"><title>{html.escape(title)}</title></head>'
            f'<body><div class="header"><div class="top">关怀版 | 无障碍 | 简体 | 繁体</div>'
            f'<div class="logo">{site}人民政府</div><ul class="nav">{nav}</ul></div>'
            f'<div class="breadcrumb">您当前所在位置：{crumb}</div>{main}'
            f'<div class="footer"><p>主办单位：{site}人民政府办公室</p><p>网站标识码：3300000021 '
            f'浙ICP备00000000号</p></div></body></html>')


def build_site(index: int, county: str, count: int, bodies: list[Body]) -> tuple[dict, list[str]]:
    """The pages of one host: path → Resource, and the titles of its reports."""
    base_date = datetime(2024, 3, 1, tzinfo=timezone.utc)
    names = agencies()
    combos = [(year, agency) for year in YEARS for agency in names]
    if count > len(combos):
        raise ValueError(f"at most {len(combos)} reports per host, asked for {count}")
    # spread the reports over years and agencies: for each year, the next agencies in turn
    per_year = -(-count // len(YEARS))
    chosen = [(year, names[(index * 7 + k) % len(names)]) for year in YEARS for k in range(per_year)][:count]
    site: dict[str, Resource] = {}
    titles, items = [], []
    home_crumbs = [("/", "首页")]
    xxgk_crumbs = home_crumbs + [("/xxgk/index.html", "政府信息公开")]
    col_crumbs = xxgk_crumbs + [("/xxgk/ndbg/index.html", "政府信息公开年报")]
    for serial, (year, agency) in enumerate(chosen):
        title = f"{county}{agency}{year}年政府信息公开工作年度报告"
        published = datetime(year + 1, 1 + serial % 3, 1 + serial % 28, tzinfo=timezone.utc)
        doc_id = f"{published:%Y%m%d}_{index + 1:02d}{serial:05d}"
        path = f"/xxgk/ndbg/{published:%Y%m}/t{doc_id}.html"
        family = [b for b in bodies if (b.year >= 2021) == (year >= 2021)]
        body = rewrite_body(family[serial % len(family)], f"{county}{agency}", year)
        main = (f'<div class="article"><h1>{title}</h1>'
                f'<div class="info">发布时间：{published:%Y-%m-%d} 来源：{county}{agency} '
                f'<span>【字号：大 中 小】</span></div>'
                f'<div class="article-content">{body}</div>'
                f'<div class="tools">【打印本页】【关闭窗口】</div></div>')
        site[path] = _resource(_page(county, title, col_crumbs + [(path, "正文")], main), published)
        titles.append(title)
        items.append((path, title, published))
    pages = max(1, -(-len(items) // PER_PAGE))
    list_path = ["/xxgk/ndbg/index.html"] + [f"/xxgk/ndbg/index_{k}.html" for k in range(1, pages)]
    for page in range(pages):
        rows = "".join(f'<li><a href="{p}" title="{t}" target="_blank">{t}</a><span>{d:%Y-%m-%d}</span></li>'
                       for p, t, d in items[page * PER_PAGE:(page + 1) * PER_PAGE])
        pager = "".join(f'<a href="{list_path[k]}">{k + 1}</a>' if k != page else f"<span>{k + 1}</span>"
                        for k in range(pages))
        if page + 1 < pages:
            pager += f'<a href="{list_path[page + 1]}">下一页</a>'
        main = (f'<div class="column"><h2>政府信息公开年报</h2><ul class="list">{rows}</ul>'
                f'<div class="pager">共{len(items)}条 {pager}</div></div>')
        site[list_path[page]] = _resource(_page(county, "政府信息公开年报", col_crumbs, main), base_date)
    xxgk = ('<div class="xxgk"><ul>'
            '<li><a href="/xxgk/znzd/index.html">政府信息公开指南</a></li>'
            '<li><a href="/xxgk/ndbg/index.html">政府信息公开年报</a></li>'
            '<li><a href="/hdjl/index.html">互动交流</a></li></ul></div>')
    site["/xxgk/index.html"] = _resource(_page(county, f"{county}政府信息公开", xxgk_crumbs, xxgk), base_date)
    home = ('<div class="home"><div class="news"><h2>要闻动态</h2>'
            f'<p>{county}召开常务会议研究部署重点工作</p></div>'
            '<div class="entries"><a href="/xxgk/index.html">政府信息公开</a></div></div>')
    site["/"] = _resource(_page(county, f"{county}人民政府门户网站", home_crumbs, home), base_date)
    for path in ("/xwzx/index.html", "/zwfw/index.html", "/hdjl/index.html", "/xxgk/znzd/index.html"):
        site[path] = _resource(_page(county, county, home_crumbs, "<p>栏目建设中</p>"), base_date)
    site["/robots.txt"] = _resource("User-agent: *\nAllow: /\n", base_date, "text/plain; charset=utf-8")
    return site, titles


# -- serving ------------------------------------------------------------------------

class Counters:
    FIELDS = ("requests", "ok", "not_modified", "not_found", "max_connections", "max_in_flight")

    def __init__(self):
        self.lock = threading.Lock()
        self.connections = self.in_flight = 0
        self.reset()

    def reset(self):
        with self.lock:
            self.values = dict.fromkeys(self.FIELDS, 0)

    def add(self, name, n=1):
        with self.lock:
            self.values[name] += n

    def enter(self, what):
        with self.lock:
            setattr(self, what, getattr(self, what) + 1)
            key = "max_connections" if what == "connections" else "max_in_flight"
            self.values[key] = max(self.values[key], getattr(self, what))

    def leave(self, what):
        with self.lock:
            setattr(self, what, getattr(self, what) - 1)

    def snapshot(self) -> dict:
        with self.lock:
            return dict(self.values)


class FleetHandler(BaseHTTPRequestHandler):
    site: dict[str, Resource] = {}
    counters: Counters        # this host's
    everywhere: Counters      # the whole fleet's (connections and requests in flight at once)
    delay = 0.0
    server_version = "nianbao-bench-portal/1.0"
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        self.counters.enter("connections")
        self.everywhere.enter("connections")

    def finish(self):
        try:
            super().finish()
        finally:
            self.counters.leave("connections")
            self.everywhere.leave("connections")

    def do_HEAD(self):
        self.respond(send_body=False)

    def do_GET(self):
        self.respond(send_body=True)

    def respond(self, send_body: bool) -> None:
        self.counters.enter("in_flight")
        self.everywhere.enter("in_flight")
        try:
            self._respond(send_body)
        finally:
            self.counters.leave("in_flight")
            self.everywhere.leave("in_flight")

    def _respond(self, send_body: bool) -> None:
        self.counters.add("requests")
        if self.delay:
            time.sleep(self.delay)
        res = self.site.get(urlsplit(self.path).path or "/")
        if res is None:
            self.counters.add("not_found")
            body = b"<html><body><h1>404 Not Found</h1></body></html>"
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send_body:
                self.wfile.write(body)
            return
        modified = format_datetime(res.last_modified, usegmt=True)
        if self.not_modified(res):
            self.counters.add("not_modified")
            self.send_response(304)
            self.send_header("ETag", res.etag)
            self.send_header("Last-Modified", modified)
            self.end_headers()
            return
        self.counters.add("ok")
        self.send_response(200)
        self.send_header("Content-Type", res.content_type)
        self.send_header("Content-Length", str(len(res.body)))
        self.send_header("ETag", res.etag)
        self.send_header("Last-Modified", modified)
        self.end_headers()
        if send_body:
            self.wfile.write(res.body)

    def not_modified(self, res: Resource) -> bool:
        return not_modified(self.headers, res.etag, res.last_modified)

    def log_message(self, format, *args):
        pass


class Fleet(list):
    """The running portals, a list of Portal(name, url), with the fleet's counters."""

    def __init__(self, portals, counters, titles, everywhere):
        super().__init__(portals)
        self._counters = counters    # name → Counters
        self._everywhere = everywhere
        self.titles = titles         # name → report titles planted on that host

    @property
    def reports(self) -> int:
        return sum(len(t) for t in self.titles.values())

    def stats(self) -> dict:
        return {name: c.snapshot() for name, c in self._counters.items()}

    def totals(self) -> dict:
        """Sums over the hosts; max_connections / max_in_flight: the most at once over the
        whole fleet; max_*_per_host: the most at once on one host."""
        per_host = self.stats().values()
        totals = {f: sum(h[f] for h in per_host) for f in Counters.FIELDS if not f.startswith("max")}
        fleet = self._everywhere.snapshot()
        for f in ("max_connections", "max_in_flight"):
            totals[f] = fleet[f]
            totals[f"{f}_per_host"] = max((h[f] for h in per_host), default=0)
        return totals

    def reset_stats(self) -> None:
        for c in [*self._counters.values(), self._everywhere]:
            c.reset()


def split_reports(reports: int, hosts: int) -> list[int]:
    return [reports // hosts + (i < reports % hosts) for i in range(hosts)]


@contextmanager
def running_fleet(hosts: int = 10, reports: int = 1000, delay: float = 0.0) -> Iterator[Fleet]:
    """Start ``hosts`` portals sharing ``reports`` reports; yields the Fleet (a list of
    Portal(name, url)). ``delay``: seconds every answer waits."""
    if not 1 <= hosts <= 254 - FIRST_ADDRESS:
        raise ValueError(f"hosts must be between 1 and {254 - FIRST_ADDRESS}")
    bodies = load_bodies()
    servers, portals, counters, titles = [], [], {}, {}
    everywhere = Counters()
    try:
        for i, count in enumerate(split_reports(reports, hosts)):
            name = f"基准县{i + 1:02d}"
            county = COUNTIES[i % len(COUNTIES)] if i < len(COUNTIES) else f"基准{i + 1:03d}县"
            site, host_titles = build_site(i, county, count, bodies)
            counters[name] = Counters()
            handler = type(f"Fleet{i + 1:02d}", (FleetHandler,),
                           {"site": site, "counters": counters[name], "everywhere": everywhere,
                            "delay": delay})
            server = ThreadingHTTPServer((f"127.0.0.{FIRST_ADDRESS + i}", 0), handler)
            server.daemon_threads = True
            server.request_queue_size = 64
            servers.append(server)
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                             name=f"fleet-{i + 1:02d}", daemon=True).start()
            host, port = server.server_address[:2]
            portals.append(Portal(name, f"http://{host}:{port}/"))
            titles[name] = host_titles
        yield Fleet(portals, counters, titles, everywhere)
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def write_portals_csv(portals, path) -> None:
    """The crawler's input: name,url,region_code,province,city,level."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_FIELDS)
        for i, (name, url) in enumerate(portals):
            number = int(re.sub(r"\D", "", name) or i + 1)
            writer.writerow([name, url, f"3399{number % 100:02d}", "浙江省", "基准市", "county"])


def main(argv=None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description="serve the benchmark fleet until Ctrl-C")
    parser.add_argument("--hosts", type=int, default=10)
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--csv", help="write the portals file here")
    args = parser.parse_args(argv)
    with running_fleet(args.hosts, args.reports, args.delay) as fleet:
        if args.csv:
            write_portals_csv(fleet, args.csv)
        for name, url in fleet:
            print(name, url, len(fleet.titles[name]), "reports", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
