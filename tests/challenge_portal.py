"""An offline county portal behind an anti-bot script challenge, as 瑞数 (HTTP 412) and
加速乐 (HTTP 521, ``__jsl_clearance``) put them in front of gov.cn sites.

Every request without the valid cookies gets the challenge status, a cookie set by the
server (``Set-Cookie``, as 瑞数's ``…80S`` and 加速乐's ``__jsluid_h``) and a small page whose
script computes a second cookie from a seed in the page (a rolling hash over the seed's
characters: only a JavaScript engine gets it) and reloads; both are needed. With the cookie, the portal answers
normally. The expected value rotates after ``rotate_every`` answered pages (the cookie
expires mid-crawl), so a crawl must pass the challenge again.

    home → 政府信息公开 → 政府信息公开年报 → list page 1 → list page 2, 3 reports each
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODULUS, FACTOR, START = 1_000_003, 131, 7
CHALLENGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title></title></head><body>
<script>(function () {{
  var seed = "{seed}", a = {start};
  for (var i = 0; i < seed.length; i++) {{ a = (a * {factor} + seed.charCodeAt(i)) % {modulus}; }}
  document.cookie = "{name}=" + a.toString(36) + "; path=/";
  {reload}
}})();</script></body></html>"""
RELOADS = {412: "location.reload();", 521: "location.href = location.pathname + location.search;"}
COOKIES = {412: "FSSBBIl1UgzbN7N80T", 521: "__jsl_clearance_s"}     # set by the script
SERVER_COOKIES = {412: "FSSBBIl1UgzbN7N80S", 521: "__jsluid_h"}      # set by the challenge's Set-Cookie


def clearance(seed: str) -> str:
    """The cookie value the challenge script computes for ``seed``."""
    a = START
    for ch in seed:
        a = (a * FACTOR + ord(ch)) % MODULUS
    digits, out = "0123456789abcdefghijklmnopqrstuvwxyz", ""
    while True:
        a, r = divmod(a, 36)
        out = digits[r] + out
        if not a:
            return out


def report_title(n: int) -> str:
    return f"挑战县{2017 + n}年政府信息公开工作年度报告"


def pages(reports: int = 6, forbidden: bool = False) -> dict[str, str]:
    """The portal's pages, path → HTML (UTF-8)."""
    items = [f'<li><a href="/xxgk/nb/{n}.html">{report_title(n)}</a></li>' for n in range(1, reports + 1)]
    half = (reports + 1) // 2
    site = {
        "/": '<a href="/xxgk/">政府信息公开</a><a href="/news/">新闻动态</a>',
        "/xxgk/": '<a href="/xxgk/nb/">政府信息公开年报</a><a href="/xxgk/zn/">政府信息公开指南</a>',
        "/xxgk/nb/": f"<ul>{''.join(items[:half])}</ul><a href='/xxgk/nb/index_1.html'>下一页</a>",
        "/xxgk/nb/index_1.html": f"<ul>{''.join(items[half:])}</ul><a href='/xxgk/nb/'>上一页</a>",
    }
    if forbidden:  # a report the portal refuses with a plain 403 page (no script)
        site["/xxgk/nb/"] = site["/xxgk/nb/"].replace(
            "</ul>", '<li><a href="/xxgk/nb/403.html">挑战县2016年政府信息公开工作年度报告</a></li></ul>')
    for n in range(1, reports + 1):
        site[f"/xxgk/nb/{n}.html"] = (
            f"<h1>{report_title(n)}</h1><p>发布时间：{2018 + n}-01-20</p><div id='zoom'><p>一、总体情况</p><p>"
            + f"{2017 + n}年，本县政务公开工作稳步推进，主动公开政府信息。" * 12 + "</p></div>")
    return {path: f"<html><head><meta charset='utf-8'></head><body>{body}</body></html>"
            for path, body in site.items()}


@dataclass
class ChallengePortal:
    """The server's state: which cookie value it expects, and what it answered."""
    status: int = 412
    rotate_every: int = 0          # answered pages per cookie value; 0 = never rotates
    reports: int = 6
    forbidden: bool = False
    challenge: bool = True         # False: the same portal without a WAF (for bench/challenge.py)
    seed: str = field(default_factory=lambda: secrets.token_hex(6))
    answered: int = 0              # pages answered with the valid cookie since the last rotation
    requests: int = 0              # every request the portal saw
    challenges: int = 0            # challenge pages served
    accepted: list = field(default_factory=list)   # cookie values accepted, in order
    served: dict = field(default_factory=dict)     # path → pages answered normally
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def cookie_name(self) -> str:
        return COOKIES[self.status]

    def server_cookie(self) -> str:
        return f"{SERVER_COOKIES[self.status]}=s{self.seed[::-1]}"

    def answer(self, path: str, cookie_header: str) -> tuple[int, str, list[tuple[str, str]]]:
        path = path.split("?")[0]
        cookies = dict(part.strip().split("=", 1) for part in cookie_header.split(";") if "=" in part)
        with self.lock:
            self.requests += 1
            expected = clearance(self.seed)
            name, value = self.server_cookie().split("=")
            if self.challenge and (cookies.get(self.cookie_name) != expected or cookies.get(name) != value):
                self.challenges += 1
                page = CHALLENGE.format(seed=self.seed, start=START, factor=FACTOR, modulus=MODULUS,
                                        name=self.cookie_name, reload=RELOADS[self.status])
                return self.status, page, [("Set-Cookie", f"{self.server_cookie()}; Path=/; HttpOnly")]
            if not self.accepted or self.accepted[-1] != expected:
                self.accepted.append(expected)
            self.answered += 1
            if self.rotate_every and self.answered >= self.rotate_every:
                self.seed, self.answered = secrets.token_hex(6), 0  # the cookie expires
            self.served[path] = self.served.get(path, 0) + 1
        if path == "/xxgk/nb/403.html":
            return 403, "<html><body><h1>403 Forbidden</h1><hr>nginx</body></html>", []
        site = pages(self.reports, self.forbidden)
        return (200, site[path], []) if path in site else (404, "<html><body>404</body></html>", [])


def serve(portal: ChallengePortal) -> ThreadingHTTPServer:
    """Serve ``portal`` on a free loopback port (in a daemon thread); call ``shutdown()``."""
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            status, text, headers = portal.answer(self.path, self.headers.get("Cookie", ""))
            data = text.encode("utf-8")
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
