"""Serve the offline portals over HTTP, each on its own loopback address (127.0.0.11, .12, …).

    >>> with running_portals() as portals:
    ...     [p.url for p in portals]            # doctest: +SKIP
    ['http://127.0.0.11:40123/', 'http://127.0.0.12:38211/', 'http://127.0.0.13:45071/']

Plain stdlib: one ThreadingHTTPServer per address, pages built in memory at start. Unknown paths
answer 404; ETag / Last-Modified answer If-None-Match / If-Modified-Since with 304. Tracking
parameters (from, utm_*, spm) are ignored; other query parameters select a page when the site has
one for them (list.jsp?columnId=302&pageIndex=3, content.jsp?id=…), are computed from by Dynamic
pages (Hanweb's dataproxy.jsp, GET or POST), and are ignored otherwise.

    running_portals(delay=0.2)     # every answer waits 0.2 s (a slow portal, for resume tests)
    running_portals(changed=True)  # one report (expected.json `changed`) shows another text and ETag
"""
import csv
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator
from urllib.parse import parse_qsl, urlsplit

from . import spec
from .build import Dynamic, Resource, build_site, site_key

CSV_FIELDS = ["name", "url", "region_code", "province", "city", "level"]


@dataclass(frozen=True)
class Portal:
    name: str
    url: str  # home page, e.g. http://127.0.0.11:8701/
    region_code: str = ""
    province: str = ""
    city: str = ""
    level: str = ""


def not_modified(headers, etag: str, last_modified) -> bool:
    """Whether a request's If-None-Match / If-Modified-Since let it be answered with 304."""
    inm = headers.get("If-None-Match")
    if inm is not None:
        tags = [t.strip() for t in inm.split(",")]
        return "*" in tags or etag in tags or f"W/{etag}" in tags
    ims = headers.get("If-Modified-Since")
    if ims:
        try:
            return last_modified <= parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
    return False


class PortalHandler(BaseHTTPRequestHandler):
    site: dict[str, Resource] = {}
    delay: float = 0.0
    server_version = "nianbao-test-portal/1.0"
    protocol_version = "HTTP/1.1"

    def do_HEAD(self):
        self.respond(send_body=False)

    def do_GET(self):
        self.respond(send_body=True)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        form = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        self.respond(send_body=True, form=form)

    def lookup(self, form: str = "") -> Resource | None:
        key = site_key(self.path)
        res = self.site.get(key)
        if res is None:
            res = self.site.get(urlsplit(self.path).path or "/")
        if isinstance(res, Dynamic):
            params = dict(parse_qsl(urlsplit(self.path).query) + parse_qsl(form))
            res = res.answer(params)
        elif self.command == "POST":
            res = None
        return res

    def respond(self, send_body: bool, form: str = "") -> None:
        if self.delay:
            time.sleep(self.delay)
        res = self.lookup(form)
        if res is None:
            body = b"<html><body><h1>404 Not Found</h1></body></html>"
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send_body:
                self.wfile.write(body)
            return
        if res.status != 200:
            self.send_response(res.status)
            for name, value in res.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.not_modified(res):
            self.send_response(304)
            self.send_header("ETag", res.etag)
            self.send_header("Last-Modified", format_datetime(res.last_modified, usegmt=True))
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", res.content_type)
        self.send_header("Content-Length", str(len(res.body)))
        self.send_header("ETag", res.etag)
        self.send_header("Last-Modified", format_datetime(res.last_modified, usegmt=True))
        for name, value in res.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(res.body)

    def not_modified(self, res: Resource) -> bool:
        return not_modified(self.headers, res.etag, res.last_modified)

    def log_message(self, format, *args):  # keep test output quiet
        pass


def _portal_specs(sites) -> list[dict]:
    if sites is None:
        return spec.PORTALS
    wanted = set(sites)
    unknown = wanted - {p["name"] for p in spec.PORTALS}
    if unknown:
        raise ValueError(f"no such portal: {sorted(unknown)}")
    return [p for p in spec.PORTALS if p["name"] in wanted]


@contextmanager
def running_portals(port: int = 0, sites=None, delay: float = 0.0,
                    changed: bool = False) -> Iterator[list[Portal]]:
    """Start the portals (all, or those named in `sites`); port 0 = an ephemeral port per address.

    delay: seconds every request waits; changed: serve the changed version of the report named
    in expected.json `changed` (another text, ETag and Last-Modified)."""
    servers, portals = [], []
    try:
        for p in _portal_specs(sites):
            handler = type(f"Handler_{p['name']}", (PortalHandler,),
                           {"site": build_site(p, changed=changed), "delay": delay})
            server = ThreadingHTTPServer((p["host"], port), handler)
            server.daemon_threads = True
            servers.append(server)
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                             name=f"portal-{p['name']}", daemon=True).start()
            portals.append(Portal(p["name"], f"http://{p['host']}:{server.server_address[1]}/",
                                  p["region_code"], p["province"], p["city"], p["level"]))
        yield portals
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def write_portals_csv(portals, path) -> None:
    """The crawler's input list: name,url,region_code,province,city,level."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_FIELDS)
        for portal in portals:
            writer.writerow([getattr(portal, f) for f in CSV_FIELDS])
