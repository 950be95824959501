"""Old office formats (DOC, WPS, XLS, ET) → DOCX / XLSX with LibreOffice, where installed.

The one step of parsing that runs a program: it is kept here, apart from the pure
readers in :mod:`archive.formats`. LibreOffice runs in its own process group with its
own time limit (``Limits.office_seconds``); when it overruns, the whole group is killed
and :class:`archive.limits.LimitExceeded` is raised, so the document is recorded with the
limit it hit. A document LibreOffice cannot open (or a machine without LibreOffice)
gives ``None`` and the report is flagged ``unreadable_format``, with its raw bytes kept
for a later ``nianbao parse --all``.
"""

from __future__ import annotations

import logging
import os
import resource
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from archive.limits import LimitExceeded, current

TARGETS = {"doc": "docx", "wps": "docx", "xls": "xlsx", "et": "xlsx"}
logger = logging.getLogger(__name__)


def office_program() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _office_limits(address_space: int):
    def apply():  # in the child, before exec: LibreOffice needs more than a parse worker
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or hard >= address_space:
            resource.setrlimit(resource.RLIMIT_AS, (address_space, hard))
    return apply


def convert(body: bytes, source_format: str) -> tuple[bytes, str] | None:
    """(converted bytes, "docx" | "xlsx"), or None when it cannot be converted here."""
    program, target = office_program(), TARGETS.get(source_format)
    if not program or not target:
        return None
    limits = current()
    with tempfile.TemporaryDirectory(prefix="nianbao-office-") as workdir:
        source = Path(workdir) / f"document.{source_format}"
        source.write_bytes(body)
        command = [program, "--headless", "--norestore", "--nolockcheck",
                   f"-env:UserInstallation=file://{workdir}/profile",
                   "--convert-to", target, "--outdir", workdir, str(source)]
        try:
            process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                       start_new_session=True,
                                       preexec_fn=_office_limits(limits.office_address_space))
        except OSError as error:
            logger.warning("LibreOffice could not start for a %s document: %s", source_format, error)
            return None
        try:
            process.wait(timeout=limits.office_seconds)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # soffice, oosplash, soffice.bin: the whole group
            process.wait()
            raise LimitExceeded("office_seconds", f"LibreOffice took over {limits.office_seconds:g} s "
                                                  f"to convert a {source_format.upper()} document; killed")
        finally:
            try:  # nothing of LibreOffice outlives the conversion
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()
        result = source.with_suffix(f".{target}")
        return (result.read_bytes(), target) if result.exists() and result.stat().st_size else None
