"""Crawling against a capture: ``nianbao crawl --portals P --db NEW.db --from-wacz FILE`` runs
discovery and parsing on the answers a WACZ holds, with no network. A downloader middleware
answers every request (robots.txt and Chromium's pages too) from the capture; a URL the
capture does not hold is a 404. Any real capture becomes a reproducible test fixture.

The WACZ is checked before anything is written: a file that is not a WACZ, is cut short, or holds
a record whose payload does not match its ``WARC-Payload-Digest`` is refused with one line.
The capture is held in memory while the crawl runs (a capture of one portal or one night fits;
a national one would want the CDXJ index and reads by offset instead).
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
import zlib
from dataclasses import dataclass

from scrapy.http import HtmlResponse, Response
from scrapy.responsetypes import responsetypes
from warcio.archiveiterator import ArchiveIterator

from crawler.discover import canonical_url


class CaptureError(Exception):
    """The WACZ cannot be used (one line)."""


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class CaptureIndex:
    """URL → the answer a capture holds for it (the last one; a revisit is its kept copy)."""

    def __init__(self):
        self.answers: dict[str, Answer] = {}
        self.rendered: dict[str, Answer] = {}   # what Chromium rendered, by URL
        self.records = 0

    @classmethod
    def load(cls, path: str) -> "CaptureIndex":
        index = cls()
        try:
            with zipfile.ZipFile(path) as packed:
                broken = packed.testzip()
                if broken:
                    raise CaptureError(f"{path}: {broken} is damaged (CRC mismatch)")
                warcs = [n for n in packed.namelist() if n.startswith("archive/") and n.endswith((".warc.gz", ".warc"))]
                if "datapackage.json" not in packed.namelist() or not warcs:
                    raise CaptureError(f"{path} is not a WACZ (no datapackage.json or no archive/*.warc.gz)")
                for name in sorted(warcs):
                    index._read(packed.read(name), f"{path}:{name}")
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
            raise CaptureError(f"{path} is not a readable WACZ ({type(error).__name__}: {error})") from None
        if not index.answers and not index.rendered:
            raise CaptureError(f"{path} holds no response")
        return index

    def _read(self, data: bytes, where: str) -> None:
        by_digest: dict[str, Answer] = {}
        revisits = []
        try:
            for record in ArchiveIterator(io.BytesIO(data)):
                if record.rec_type not in ("response", "revisit"):
                    continue
                self.records += 1
                uri = record.rec_headers.get_header("WARC-Target-URI")
                digest = record.rec_headers.get_header("WARC-Payload-Digest") or ""
                status = int(record.http_headers.get_statuscode() or 0) if record.http_headers else 0
                headers = list(record.http_headers.headers) if record.http_headers else []
                if record.rec_type == "revisit":
                    revisits.append((uri, digest, headers))
                    continue
                body = record.content_stream().read()
                if digest and not matches(digest, body):
                    raise CaptureError(f"{where}: the record of {uri} does not match its payload digest {digest}")
                answer = Answer(status, headers, body)
                if status == 200:
                    by_digest[digest] = answer
                if record.rec_headers.get_header("WARC-Nianbao-Via") == "browser":
                    self.rendered[uri] = answer
                else:
                    self.answers[uri] = answer
        except CaptureError:
            raise
        except Exception as error:   # noqa: BLE001  (warcio and zlib on a cut file)
            raise CaptureError(f"{where} is cut short or damaged ({type(error).__name__}: {error})") from None
        for uri, digest, headers in revisits:   # a 304: the kept copy it names, as it was answered
            if digest in by_digest:
                self.answers[uri] = by_digest[digest]

    def answer(self, url: str, rendered: bool) -> Answer | None:
        found = (self.rendered if rendered else self.answers).get(url)
        if found is None and rendered:
            found = self.answers.get(url)
        return found


def matches(digest: str, body: bytes) -> bool:
    algorithm, _, value = digest.partition(":")
    try:
        computed = hashlib.new(algorithm.lower(), body).digest()
    except ValueError:
        return True   # an algorithm we cannot check is not a mismatch
    return value.lower() in (computed.hex(), base64.b32encode(computed).decode().lower())


_LOADED: dict[str, CaptureIndex] = {}


def capture_index(path: str) -> CaptureIndex:
    """The capture at ``path``, read once per process."""
    if path not in _LOADED:
        _LOADED[path] = CaptureIndex.load(path)
    return _LOADED[path]


class ReplayFromCapture:
    """Downloader middleware (outermost after the scope guard): with ``NIANBAO_FROM_WACZ``,
    every request is answered from the capture and nothing goes to the network."""

    def __init__(self, crawler):
        path = crawler.settings.get("NIANBAO_FROM_WACZ")
        self.index = capture_index(path) if path else None
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        if self.index is None:
            return None
        rendered = bool(request.meta.get("playwright"))
        found = self.index.answer(request.url, rendered) or self.index.answer(canonical_url(request.url), rendered)
        self.stats.inc_value("nianbao/replayed" if found else "nianbao/replay_missing")
        if found is None:
            return Response(request.url, status=404, body=b"", request=request)
        headers = {}
        for name, value in found.headers:
            if not name.lower().startswith("x-archive-orig-") and name.lower() != "content-length":
                headers.setdefault(name, []).append(value)
        cls = HtmlResponse if rendered else responsetypes.from_args(headers=headers, url=request.url, body=found.body)
        return cls(request.url, status=found.status, headers=headers, body=found.body, request=request)
