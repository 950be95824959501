"""Small portals on loopback that answer GET and POST, for focused crawl tests of list
mechanisms: each portal is a function from an ``Asked`` (method, path, query, form or JSON
body) to (status, content type, text). ``serve(portals, directory)`` starts one server per
portal (127.0.0.1, its own port) and yields the portals file naming them."""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

HTML = "text/html; charset=utf-8"
JSON = "application/json; charset=utf-8"
REPORT = ("<html><head><title>{title}</title></head><body><h1>{title}</h1><p>发布时间：2024-01-20</p>"
          "<div id='zoom'><p>一、总体情况</p><p>{title}依据《中华人民共和国政府信息公开条例》编制。"
          + "本年度政务公开工作稳步推进。" * 20 + "</p></div></body></html>")


@dataclass
class Asked:
    method: str
    path: str
    query: dict
    content_type: str = ""
    form: dict = field(default_factory=dict)
    json: dict | None = None


def page(body: str) -> str:
    return f"<html><head><title>x</title></head><body>{body}</body></html>"


def _handler(answer, log: list):
    class Handler(BaseHTTPRequestHandler):
        def respond(self, method):
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode("utf-8") if length else ""
            content_type = self.headers.get("Content-Type", "")
            asked = Asked(method, parts.path, dict(parse_qsl(parts.query, keep_blank_values=True)), content_type)
            if "json" in content_type:
                try:
                    asked.json = json.loads(raw)
                except ValueError:
                    asked.json = None
            elif raw:
                asked.form = dict(parse_qsl(raw, keep_blank_values=True))
            log.append(asked)
            status, kind, text = answer(asked)
            data = text.encode("utf-8") if isinstance(text, str) else text
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            self.respond("GET")

        def do_POST(self):
            self.respond("POST")

        def log_message(self, *args):
            pass

    return Handler


@contextmanager
def serve(portals: dict, directory: Path):
    """``portals``: {name: answer}. Yields (portals file, {name: [Asked, …]} of every request)."""
    servers, logs, lines = [], {}, ["name,url"]
    try:
        for name, answer in portals.items():
            logs[name] = []
            server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(answer, logs[name]))
            threading.Thread(target=server.serve_forever, daemon=True).start()
            servers.append(server)
            lines.append(f"{name},http://127.0.0.1:{server.server_port}/")
        csv_path = directory / "portals.csv"
        csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        yield csv_path, logs
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
