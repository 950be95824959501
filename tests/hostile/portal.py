"""A hostile portal on loopback: ordinary pages around attachments and answers built to
hurt a crawler (spreadsheet with a far cell, DOCX zip bomb, oversized and truncated
downloads). ``routes``: path → (status, content type, body, options); options
``truncate=N`` sends only the first N bytes of a body announced whole."""

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
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
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
