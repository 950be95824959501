"""Limits on what one document may cost to parse, and the checks the readers call.

A hostile or broken document (a spreadsheet whose one cell is XFD1048576, a DOCX zip
bomb, a page of 300 MB) must cost a bounded amount of work and be recorded as a failure
that names the limit it hit. The parse workers (:mod:`archive.workers`) enforce wall
time and address space from outside; the readers call the checks here for what only
they can see (a zip container's declared size, a table's grid). Pure: no I/O.

>>> check_grid(100, 20, Limits(grid_cells=10_000))
>>> check_grid(1_048_576, 16_384, Limits(grid_cells=10_000))
Traceback (most recent call last):
...
archive.limits.LimitExceeded: grid_cells: a table of 1048576 × 16384 cells is over the limit of 10000 cells
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

MiB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """Per document. Settings of ``nianbao parse`` and ``nianbao crawl`` (see README)."""
    wall_seconds: float = 60.0            # the whole parse of one document
    address_space: int = 1024 * MiB       # RLIMIT_AS of a parse worker
    decompressed_bytes: int = 256 * MiB   # all members of a DOCX/XLSX zip container, as declared
    grid_cells: int = 200_000             # rows × columns of one table
    office_seconds: float = 45.0          # one LibreOffice conversion (DOC/WPS/XLS)
    office_address_space: int = 4096 * MiB  # LibreOffice needs more address space than Python
    ocr_pages: int = 40                   # pages of one scanned document read by OCR
    ocr_seconds_per_page: float = 30.0    # added to wall_seconds for each page to OCR
    ocr_address_space: int = 3072 * MiB   # onnxruntime's models and arenas need about 2 GiB
    image_pixels: int = 40_000_000        # one page image (a scan of A4 at 600 dpi is 35 Mpx)


class LimitExceeded(Exception):
    """A document went over a limit; ``limit`` names it (a field of :class:`Limits`)."""

    def __init__(self, limit: str, detail: str):
        super().__init__(f"{limit}: {detail}")
        self.limit = limit
        self.detail = detail


_current = Limits()


def current() -> Limits:
    """The limits in force in this process (set by a parse worker at start)."""
    return _current


def set_current(limits: Limits) -> None:
    global _current
    _current = limits


_before_ocr = None


def on_ocr(hook) -> None:
    """Set by a parse worker: ``hook(pages)`` runs before a document's pages are OCRed, to
    grant the wall time and address space OCR needs (see :mod:`archive.workers`)."""
    global _before_ocr
    _before_ocr = hook


def before_ocr(pages: int) -> int:
    """A reader is about to OCR ``pages`` pages: the number it may read (``ocr_pages`` at
    most), after the worker has granted their time and memory."""
    allowed = min(pages, _current.ocr_pages)
    if _before_ocr is not None and allowed:
        _before_ocr(allowed)
    return allowed


def check_image(width: int, height: int, limits: Limits | None = None) -> None:
    limits = limits or _current
    if width * height > limits.image_pixels:
        raise LimitExceeded("image_pixels", f"a page image of {width} × {height} pixels is over the limit "
                                            f"of {limits.image_pixels:,} pixels")


def check_grid(rows: int, columns: int, limits: Limits | None = None) -> None:
    limits = limits or _current
    if rows * columns > limits.grid_cells:
        raise LimitExceeded("grid_cells", f"a table of {rows} × {columns} cells is over the limit "
                                          f"of {limits.grid_cells} cells")


def check_zip(body: bytes, limits: Limits | None = None) -> None:
    """A zip container (DOCX, XLSX) whose members would unpack to more than the limit.
    Reading a member never yields more than its declared size, so the declared total bounds
    the work."""
    limits = limits or _current
    try:
        members = zipfile.ZipFile(io.BytesIO(body)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return  # not a readable zip: the reader reports it
    total = sum(m.file_size for m in members)
    if total > limits.decompressed_bytes:
        raise LimitExceeded("decompressed_bytes",
                            f"the document's {len(members)} zip members unpack to {total:,} bytes, over "
                            f"the limit of {limits.decompressed_bytes:,}")
