"""Old office formats (DOC, WPS, XLS, ET) → DOCX / XLSX with LibreOffice, where installed.

The one step of parsing that runs a program: it is kept here, apart from the pure
readers in :mod:`archive.formats`, and it never raises: a document LibreOffice cannot
open (or a machine without LibreOffice) gives ``None`` and the report is flagged
``unreadable_format``, with its raw bytes kept for a later ``nianbao reparse``.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

TARGETS = {"doc": "docx", "wps": "docx", "xls": "xlsx", "et": "xlsx"}
logger = logging.getLogger(__name__)


def office_program() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(body: bytes, source_format: str, timeout: float = 120) -> tuple[bytes, str] | None:
    """(converted bytes, "docx" | "xlsx"), or None when it cannot be converted here."""
    program, target = office_program(), TARGETS.get(source_format)
    if not program or not target:
        return None
    with tempfile.TemporaryDirectory(prefix="nianbao-office-") as workdir:
        source = Path(workdir) / f"document.{source_format}"
        source.write_bytes(body)
        command = [program, "--headless", "--norestore", "--nolockcheck",
                   f"-env:UserInstallation=file://{workdir}/profile",
                   "--convert-to", target, "--outdir", workdir, str(source)]
        try:
            subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            logger.warning("LibreOffice could not convert a %s document: %s", source_format, error)
            return None
        result = source.with_suffix(f".{target}")
        return (result.read_bytes(), target) if result.exists() and result.stat().st_size else None
