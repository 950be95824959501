"""The saved state of a crawl (Scrapy's JOBDIR), checked before a crawl resumes.

A crawl killed with SIGKILL can leave a request queue file half written; Scrapy then
fails to read or extend it and the requests behind it are lost. Before resuming, every
queue is read on a copy; a damaged state is discarded, and the resumed crawl finds the
pages again from the home pages (cheap: unchanged pages answer 304, and every write is
idempotent), so nothing is lost.
"""

from __future__ import annotations

import logging
import pickle
import shutil
import tempfile
from pathlib import Path

from queuelib.queue import LifoDiskQueue

logger = logging.getLogger(__name__)


def queue_is_readable(path: Path) -> bool:
    """Every request in one disk queue file (Scrapy's PickleLifoDiskQueue) can be read."""
    with tempfile.TemporaryDirectory() as workdir:
        copy = Path(workdir) / "queue"
        shutil.copyfile(path, copy)
        try:
            queue = LifoDiskQueue(str(copy))
            while (record := queue.pop()) is not None:
                pickle.loads(record)
            queue.close()
        except Exception:  # any damage: struct errors, truncated pickles, EOF
            return False
    return True


def discard_if_damaged(jobdir: str | Path) -> bool:
    """Remove ``jobdir`` when one of its request queues cannot be read; True if removed."""
    queues = Path(jobdir) / "requests.queue"
    if not queues.is_dir():
        return False
    damaged = [p for p in queues.rglob("*") if p.is_file() and p.name != "active.json"
               and not queue_is_readable(p)]
    if damaged:
        logger.warning("the saved queue in %s was damaged by the kill (%s); discarding it: the "
                       "crawl finds its pages again from the home pages", jobdir, damaged[0].name)
        shutil.rmtree(jobdir)
    return bool(damaged)
