"""Evidence capture: every answer the crawl gets, kept as WARC records (warcio) in rotating gzip
files beside the archive (``ARCHIVE.warc/``), so that a page can be shown as the government
published it on the day it was fetched, and checked by anyone with standard web-archive tools.

- A response becomes a request record and a response record. Its payload is the body as the
  crawl read it (after Content-Encoding was undone, the header kept as
  ``X-Archive-Orig-Content-Encoding``), and its ``WARC-Payload-Digest`` is ``sha256:<hex>``:
  the very SHA-256 the archive stores for that document.
- A ``304 Not Modified`` becomes a revisit record (server-not-modified profile) naming the kept
  copy's digest, not a second copy.
- A page Chromium rendered is marked ``WARC-Nianbao-Via: browser``.
- Files rotate at ``NIANBAO_CAPTURE_ROTATE_BYTES`` (1 GB). A file is written as ``NAME.open``
  and renamed when closed; a file left ``.open`` by a killed crawl is closed on the next run
  (its whole records kept, a record cut short dropped), so no capture file is ever corrupt.
- Capture never stops the crawl: a write that fails is logged and counted
  (``nianbao/capture_failed``), and the answer goes on as usual.
"""

from __future__ import annotations

import io
import logging
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from scrapy import signals
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.capture import capture_dir, close_cut_files, payload_digest

logger = logging.getLogger(__name__)

ROTATE_BYTES = 1024 ** 3
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
# headers that describe the bytes on the wire, not the payload kept
WIRE_HEADERS = ("content-encoding", "transfer-encoding", "content-length")


class CaptureFiles:
    """Rotating gzip WARC files in one directory."""

    def __init__(self, directory: Path, rotate_bytes: int = ROTATE_BYTES, prefix: str = "nianbao"):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        close_cut_files(self.directory)
        self.rotate_bytes = rotate_bytes
        self.stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S")
        self.prefix = f"{prefix}-{self.stamp}-{os.getpid()}"
        self.serial = 0
        self.handle = None
        self.writer = None
        self.records = 0

    def _open(self) -> None:
        self.serial += 1
        self.path = self.directory / f"{self.prefix}-{self.serial:05d}.warc.gz.open"
        self.handle = open(self.path, "xb")
        self.writer = WARCWriter(self.handle, gzip=True, warc_version="1.1")
        info = self.writer.create_warcinfo_record(self.path.name[:-5], {
            "software": "nianbao (warcio)", "format": "WARC File Format 1.1",
            "description": "Government information-disclosure annual reports: pages as the crawl fetched them"})
        self.writer.write_record(info)

    def write_members(self, data: bytes) -> None:
        """Records written elsewhere (gzip members, a fleet worker's): appended as they are."""
        if self.handle is None:
            self._open()
        self.handle.write(data)
        self.handle.flush()
        if self.handle.tell() >= self.rotate_bytes:
            self.close()

    def write(self, records) -> None:
        if self.handle is None:
            self._open()
        for record in records:
            self.writer.write_record(record)
            self.records += 1
        self.handle.flush()
        if self.handle.tell() >= self.rotate_bytes:
            self.close()

    def close(self) -> None:
        if self.handle is None:
            return
        self.handle.close()
        os.replace(self.path, self.path.with_suffix(""))
        self.handle = self.writer = None

    @property
    def current_writer(self) -> WARCWriter:
        if self.handle is None:
            self._open()
        return self.writer


def capture_files(settings, db: str) -> CaptureFiles:
    """The capture files of the archive ``db`` (``NIANBAO_CAPTURE_DIR`` may put them elsewhere)."""
    directory = settings.get("NIANBAO_CAPTURE_DIR") or capture_dir(db)
    return CaptureFiles(Path(directory), settings.getint("NIANBAO_CAPTURE_ROTATE_BYTES", ROTATE_BYTES))


@dataclass
class CapturedRecords:
    """WARC records a fleet worker wrote (gzip members), for the writer's capture files."""
    data: bytes


class HandedOverCapture:
    """A fleet worker's capture: the records are written to memory and handed to the writer
    with the items (through Redis), which appends them to the archive's capture files."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.buffer = io.BytesIO()
        self.writer = WARCWriter(self.buffer, gzip=True, warc_version="1.1")

    @property
    def current_writer(self) -> WARCWriter:
        return self.writer

    def write(self, records) -> None:
        import pickle

        from crawler.distributed import fleet_of

        for record in records:
            self.writer.write_record(record)
        data = pickle.dumps(CapturedRecords(self.buffer.getvalue()), protocol=pickle.HIGHEST_PROTOCOL)
        self.buffer.seek(0)
        self.buffer.truncate()
        fleet = fleet_of(self.crawler)
        fleet.redis.pipeline().rpush(fleet.items, data).incrby(fleet.item_bytes, len(data)).execute()

    def close(self) -> None:
        pass


def records_for(writer: WARCWriter, request, response, archived_digest: str | None = None) -> list:
    """The WARC records of one answer: a request record, then a response (or a revisit for a
    304 whose kept copy the archive has)."""
    url = response.url
    date = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request_headers = [(k.decode("latin-1"), b", ".join(v).decode("latin-1")) for k, v in request.headers.items()]
    if not any(k.lower() == "host" for k, _ in request_headers):
        request_headers.insert(0, ("Host", parts.netloc))
    asked = writer.create_warc_record(
        request.url, "request", payload=io.BytesIO(request.body or b""), length=len(request.body or b""),
        http_headers=StatusAndHeaders(f"{request.method} {target} HTTP/1.1", request_headers, is_http_request=True),
        warc_headers_dict={"WARC-Date": date})
    headers, original = [], []
    for name, values in response.headers.items():
        name = name.decode("latin-1")
        value = b", ".join(values).decode("latin-1")
        if name.lower() in WIRE_HEADERS:
            original.append((f"X-Archive-Orig-{name}", value))
        else:
            headers.append((name, value))
    status = f"{response.status} {_reason(response.status)}"
    extra = {"WARC-Date": date, "WARC-Concurrent-To": asked.rec_headers.get_header("WARC-Record-ID")}
    if request.meta.get("playwright"):
        extra["WARC-Nianbao-Via"] = "browser"
    if response.status == 304 and archived_digest:
        answered = writer.create_warc_record(
            url, "revisit", http_headers=StatusAndHeaders(status, headers + original, protocol="HTTP/1.1"),
            warc_headers_dict={**extra, "WARC-Profile": REVISIT_PROFILE, "WARC-Refers-To-Target-URI": url,
                               "WARC-Payload-Digest": "sha256:" + archived_digest})
        return [asked, answered]
    body = response.body or b""
    headers.append(("Content-Length", str(len(body))))
    answered = writer.create_warc_record(
        url, "response", payload=io.BytesIO(body), length=len(body),
        http_headers=StatusAndHeaders(status, headers + original, protocol="HTTP/1.1"),
        warc_headers_dict={**extra, "WARC-Payload-Digest": payload_digest(body)})
    return [asked, answered]


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


class WarcCapture:
    """Downloader middleware (585: after HttpCompression, before a meta refresh or a script
    challenge turns the answer into a new request, and before the archive answers a 304 from its
    kept copy): every answer written to the capture, as the server sent it."""

    redirects = False   # this one sees every answer but the redirects (RedirectCapture does)

    def __init__(self, crawler):
        settings = crawler.settings
        db = settings.get("ARCHIVE_DB")
        fleet = settings.get("NIANBAO_REDIS_URL")   # a worker: the writer keeps the files
        self.enabled = settings.getbool("NIANBAO_CAPTURE", True) and bool(db or fleet)
        self.stats = crawler.stats
        self.files = None
        if self.enabled:
            if not hasattr(crawler, "nianbao_capture_files"):   # one set of files per crawl
                crawler.nianbao_capture_files = capture_files(settings, db) if db else HandedOverCapture(crawler)
            self.files = crawler.nianbao_capture_files

    @classmethod
    def from_crawler(cls, crawler):
        middleware = cls(crawler)
        crawler.signals.connect(middleware.close, signal=signals.spider_closed)
        return middleware

    def close(self):
        if self.files is not None:
            self.files.close()

    def process_response(self, request, response):
        if not self.enabled or is_redirect(response) != self.redirects:
            return response
        try:
            archived = request.meta.get("archived_copy")
            self.files.write(records_for(self.files.current_writer, request, response,
                                         archived[0] if archived else None))
            self.stats.inc_value("nianbao/captured")
        except Exception as error:   # noqa: BLE001  (never stops the crawl)
            self.stats.inc_value("nianbao/capture_failed")
            logger.warning("could not capture %s: %s: %s", response.url, type(error).__name__, error)
        return response


class RedirectCapture(WarcCapture):
    """Downloader middleware (650, before RedirectMiddleware, 600, turns a 3xx into a new request):
    the redirects, which WarcCapture never sees."""

    redirects = True


def is_redirect(response) -> bool:
    return 300 <= response.status < 400 and response.status != 304 and b"Location" in response.headers
