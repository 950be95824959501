"""Replay of the capture: pywb (Webrecorder's wayback machine) serving the archive's WARC files,
started beside Datasette by ``nianbao serve --replay``. A report page then links to "the page as
captured", and ``{replay}/{timestamp}id_/{url}`` answers the very bytes the archive parsed.

pywb 2.10 pins ``redis`` 2.10, which scrapy-redis cannot share, so it lives in a virtual
environment of its own (``.venv-replay``, made by ``make setup``; ``NIANBAO_REPLAY_VENV`` points
elsewhere). The collection (``ARCHIVE.replay/collections/nianbao``) links the capture files,
it does not copy them, and is re-indexed on every start.
"""

from __future__ import annotations

import os
import subprocess
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

from archive.capture import capture_dir, close_cut_files

COLLECTION = "nianbao"
ROOT = Path(__file__).resolve().parents[1]


class ReplayError(Exception):
    """Replay cannot start (one line)."""


def replay_tools() -> Path:
    venv = Path(os.environ.get("NIANBAO_REPLAY_VENV") or ROOT / ".venv-replay")
    if not (venv / "bin" / "wayback").exists():
        raise ReplayError(f"pywb is not installed in {venv}: run `make setup` (it makes .venv-replay)")
    return venv / "bin"


def replay_dir(db: str) -> Path:
    path = Path(db)
    return path.with_name(path.stem + ".replay")


def prepare_collection(db: str) -> Path:
    """The pywb collection of ``db``'s capture, linked and indexed; returns its directory."""
    tools = replay_tools()
    capture = capture_dir(db)
    if capture.exists():
        close_cut_files(capture)
    files = sorted(capture.glob("*.warc.gz")) if capture.exists() else []
    if not files:
        raise ReplayError(f"no capture beside {db} (in {capture}): nothing to replay")
    root = replay_dir(db)
    archive = root / "collections" / COLLECTION / "archive"
    if not archive.exists():
        subprocess.run([str(tools / "wb-manager"), "init", COLLECTION], cwd=root if root.exists() else _made(root),
                       check=True, capture_output=True)
    for old in archive.iterdir():
        if old.is_symlink() and not old.exists():
            old.unlink()
    for path in files:
        link = archive / path.name
        if not link.exists():
            link.symlink_to(path.resolve())
    subprocess.run([str(tools / "wb-manager"), "reindex", COLLECTION], cwd=root, check=True, capture_output=True)
    (root / "config.yaml").write_text("framed_replay: false\nenable_memento: true\n", encoding="utf-8")
    return root


def _made(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def start_replay(db: str, port: int, host: str = "127.0.0.1", log=None) -> subprocess.Popen:
    """pywb on ``host:port`` serving ``db``'s capture; returns once it answers."""
    root = prepare_collection(db)
    process = subprocess.Popen([str(replay_tools() / "wayback"), "--port", str(port), "--bind", host],
                               cwd=root, stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://{host}:{port}/{COLLECTION}/", timeout=2):
                return process
        except urllib.error.HTTPError:
            return process   # it answers
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise ReplayError(f"pywb did not start on {host}:{port}") from None
            time.sleep(0.2)


def replay_url(base: str, url: str, fetched_at: str | None, identity: bool = False) -> str:
    """The address of ``url`` as captured at ``fetched_at`` (the capture nearest to it);
    ``identity``: the bytes as kept, not rewritten for the browser."""
    stamp = ""
    if fetched_at:
        moment = datetime.fromisoformat(fetched_at)
        moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
        stamp = moment.astimezone(timezone.utc).strftime("%Y%m%d%H%M%S")
    return f"{base.rstrip('/')}/{stamp or '2'}{'id_' if identity else ''}/{url}"
