"""The capture's files (written by crawler/capture.py, read by archive/export.py): where they
live, how a file a killed crawl left open is closed, the payload digest they carry."""

from __future__ import annotations

import hashlib
import logging
import os
import zlib
from pathlib import Path

logger = logging.getLogger(__name__)


def capture_dir(archive_db: str) -> Path:
    """Where an archive's capture lives: ``archive.db`` → ``archive.warc/``."""
    path = Path(archive_db)
    return path.with_name(path.stem + ".warc")


def payload_digest(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


def close_cut_files(directory: Path) -> list[Path]:
    """Close every capture file a killed crawl left open. Each record is one gzip member, so
    the file is cut after its last whole member (a record cut short is dropped) and renamed.
    Returns the files closed."""
    closed = []
    for cut in sorted(Path(directory).glob("*.warc.gz.open")):
        whole = whole_members(cut)
        os.truncate(cut, whole)
        target = cut.with_suffix("")   # NAME.warc.gz
        os.replace(cut, target)
        logger.warning("capture file %s was left open by a crawl that was killed: closed after its last "
                       "whole record (%d bytes)", target.name, whole)
        closed.append(target)
    return closed


def whole_members(path: Path, chunk: int = 1 << 20) -> int:
    """Bytes of ``path`` that are whole gzip members, from its start."""
    end = offset = 0
    member = zlib.decompressobj(31)
    with open(path, "rb") as handle:
        data = handle.read(chunk)
        while data:
            try:
                member.decompress(data)
            except zlib.error:
                return end
            if member.eof:
                rest = member.unused_data
                offset += len(data) - len(rest)
                end = offset
                member = zlib.decompressobj(31)
                data = rest or handle.read(chunk)
                continue
            offset += len(data)
            data = handle.read(chunk)
    return end
