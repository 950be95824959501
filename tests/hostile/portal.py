"""A hostile portal on loopback: ordinary pages around attachments and answers built to
hurt a crawler (spreadsheet with a far cell, DOCX zip bomb, oversized and truncated
downloads). ``routes``: path → (status, content type, body, options); options:
``truncate=N`` sends only the first N bytes of a body announced whole; ``headers`` adds
headers (Location, Content-Encoding); ``announce=N`` announces N bytes and streams zeros
until the client hangs up. :func:`canary` is a server that must never be asked anything."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextmanager
def hostile_portal(routes: dict, host: str = "127.0.0.1"):
    hits: dict[str, int] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            path = self.path.split("?")[0]
            hits[path] = hits.get(path, 0) + 1
            status, content_type, body, options = routes.get(
                path, (404, "text/html", b"<html><body>404</body></html>", {}))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            for name, value in options.get("headers", {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(options.get("announce", len(body))))
            self.end_headers()
            if "announce" in options:
                self.close_connection = True
                try:
                    for _ in range(options["announce"] >> 20):
                        self.wfile.write(bytes(1 << 20))
                except OSError:
                    pass
                return
            self.wfile.write(body[:options.get("truncate", len(body))])
            if "truncate" in options:
                self.close_connection = True

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((host, 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://{host}:{server.server_port}/", hits
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def canary(host: str = "127.0.0.1"):
    """A server whose every request is a failure of the crawler's scope: yields (base URL,
    the list of paths it was asked for)."""
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            body = (b"<html><body><h1>\xe5\x86\x85\xe9\x83\xa8</h1><a href='/private/2023.html'>"
                    b"2023\xe5\xb9\xb4\xe6\x94\xbf\xe5\xba\x9c\xe4\xbf\xa1\xe6\x81\xaf\xe5\x85\xac"
                    b"\xe5\xbc\x80\xe5\xb7\xa5\xe4\xbd\x9c\xe5\xb9\xb4\xe5\xba\xa6\xe6\x8a\xa5\xe5\x91\x8a</a></body></html>")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((host, 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://{host}:{server.server_port}", asked
    finally:
        server.shutdown()
        server.server_close()
