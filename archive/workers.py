"""The sandboxed parse pool: documents are parsed in separate worker processes, each
document under limits (:class:`archive.limits.Limits`).

- Wall time: a document not parsed within ``wall_seconds`` has its worker killed (the
  worker's whole session, LibreOffice included) and a fresh worker takes its place.
- Address space: each worker runs under ``RLIMIT_AS``; an allocation over it raises
  ``MemoryError`` there, which is recorded as the limit ``address_space``.
- Decompressed size, table grids and image sizes are checked by the readers themselves.
- OCR (:mod:`archive.ocr`) needs more of both: before a scanned document's pages are read,
  the worker raises its address space to ``ocr_address_space`` and tells the pool, which
  gives that document ``wall_seconds + pages × ocr_seconds_per_page`` (pages at most
  ``ocr_pages``). The worker is replaced after the document, so the larger limit ends with it.
A document over a limit is an :class:`Outcome` with ``status = "limit"`` and the limit's
name; it never stops the pool, and the other documents go on.

    >>> from archive.limits import Limits
    >>> with ParsePool(workers=1, limits=Limits(wall_seconds=30)) as pool:   # doctest: +SKIP
    ...     [o.status for o in pool.run([Job("k", "http://x/a.txt", b"2021年...", "text/plain", None)])]
    ['ok']

``workers=0`` parses in the calling process (no sandbox: for tests and single documents).
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import os
import resource
import signal
import time
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Iterable, Iterator

from archive.limits import LimitExceeded, Limits, on_ocr, set_current

logger = logging.getLogger(__name__)
JOBS_PER_WORKER = 500   # a worker is replaced after this many documents (bounds slow leaks)


@dataclass
class Job:
    key: object            # the caller's handle, returned with the outcome
    url: str
    body: bytes
    content_type: str | None
    list_title: str | None


@dataclass
class Outcome:
    key: object
    status: str            # ok | limit | error
    parsed: object = None  # archive.parse.ParsedReport when ok
    limit_hit: str | None = None
    detail: str | None = None
    seconds: float = 0.0


def parse_one(job: Job) -> Outcome:
    """Parse one document here, turning limits and errors into outcomes."""
    from archive.parse import parse_report

    started = time.monotonic()
    try:
        parsed = parse_report(job.body, job.content_type, job.url, list_title=job.list_title)
        return Outcome(job.key, "ok", parsed, seconds=time.monotonic() - started)
    except LimitExceeded as error:
        return Outcome(job.key, "limit", limit_hit=error.limit, detail=error.detail,
                       seconds=time.monotonic() - started)
    except MemoryError:
        return Outcome(job.key, "limit", limit_hit="address_space",
                       detail="the parse ran out of its address space", seconds=time.monotonic() - started)
    except RecursionError as error:
        return Outcome(job.key, "error", detail=f"RecursionError: {error}"[:500],
                       seconds=time.monotonic() - started)
    except Exception as error:  # a broken document is a recorded fact, not a crash
        logger.debug("could not parse %s", job.url, exc_info=True)
        return Outcome(job.key, "error", detail=f"{type(error).__name__}: {error}"[:500],
                       seconds=time.monotonic() - started)


def _serve(conn, limits: Limits) -> None:
    """A worker's life: its own session (so its LibreOffice children can be killed with
    it), the address-space limit, then one document after another."""
    os.setsid()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    resource.setrlimit(resource.RLIMIT_AS, (limits.address_space, resource.RLIM_INFINITY))
    set_current(limits)

    def grant_ocr(pages: int) -> None:
        resource.setrlimit(resource.RLIMIT_AS, (max(limits.address_space, limits.ocr_address_space),
                                                resource.RLIM_INFINITY))
        conn.send(("ocr", pages))

    on_ocr(grant_ocr)
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    import archive.parse  # noqa: F401  (import once, before the first document's clock starts)

    conn.send("ready")
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        outcome = parse_one(job)
        try:
            conn.send(outcome)
        except MemoryError:
            conn.send(Outcome(job.key, "limit", limit_hit="address_space",
                              detail="the parsed result did not fit in the address space"))


def kill_session(sid: int) -> None:
    """SIGKILL every process of the session ``sid`` (a worker and what it started)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read().decode("latin-1")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 3 and int(fields[3]) == sid:
            try:
                os.kill(int(entry), signal.SIGKILL)
            except ProcessLookupError:
                pass


class _Worker:
    def __init__(self, context, limits: Limits):
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, limits), daemon=True,
                                       name="nianbao-parse")
        self.process.start()
        child.close()
        self.job: Job | None = None
        self.started = 0.0
        self.wall = limits.wall_seconds   # this document's wall time (more for OCR)
        self.ocr = False
        self.done = 0
        self.ready = False
        self.limits = limits

    def send(self, job: Job) -> None:
        self.job, self.started = job, time.monotonic()
        self.wall, self.ocr = self.limits.wall_seconds, False
        self.conn.send(job)

    def stop(self, kill: bool = False) -> None:
        if not kill:
            try:
                self.conn.send(None)
                self.process.join(timeout=5)
            except (OSError, ValueError):
                pass
        if self.process.is_alive() or kill:
            kill_session(self.process.pid)
            self.process.join(timeout=5)
        kill_session(self.process.pid)  # anything the worker left behind
        self.conn.close()


class ParsePool:
    """``workers`` processes parsing documents under ``limits``; results come back as
    they finish, in any order."""

    def __init__(self, workers: int = 1, limits: Limits = Limits()):
        self.size = max(1, workers)
        self.limits = limits
        self.context = multiprocessing.get_context("spawn")  # never fork a crawler's threads
        self.workers: list[_Worker] = []
        self.restarts = 0

    def __enter__(self):
        return self  # the workers start with the first document (a night with nothing new starts none)

    def _start(self) -> None:
        if not self.workers:
            self.workers = [_Worker(self.context, self.limits) for _ in range(self.size)]

    def __exit__(self, *exc):
        for worker in self.workers:
            worker.stop()
        self.workers = []

    def _replace(self, worker: _Worker, kill: bool) -> None:
        worker.stop(kill=kill)
        self.restarts += 1
        self.workers[self.workers.index(worker)] = _Worker(self.context, self.limits)

    def run(self, jobs: Iterable[Job]) -> Iterator[Outcome]:
        pending = iter(jobs)
        first = next(pending, None)
        if first is None:
            return
        self._start()
        pending = itertools.chain([first], pending)
        exhausted = False
        while True:
            for worker in self.workers:
                if worker.ready and worker.job is None and not exhausted:
                    job = next(pending, None)
                    if job is None:
                        exhausted = True
                    else:
                        worker.send(job)
            busy = [w for w in self.workers if w.job is not None]
            starting = [w for w in self.workers if not w.ready]
            if exhausted and not busy:
                return
            now = time.monotonic()
            deadline = min((w.started + w.wall for w in busy), default=now + 5)
            ready = wait([w.conn for w in busy + starting], timeout=max(0.0, deadline - now))
            for worker in [w for w in self.workers if w.conn in ready]:
                outcome = self._receive(worker)
                if outcome is not None:
                    yield outcome
            now = time.monotonic()
            for worker in [w for w in self.workers if w.job is not None
                           and now - w.started > w.wall]:
                job = worker.job
                logger.warning("parse of %s over %g s: worker killed", job.url, worker.wall)
                self._replace(worker, kill=True)
                yield Outcome(job.key, "limit", limit_hit="wall_seconds",
                              detail=f"parsing took over {worker.wall:g} s"
                                     f"{' (OCR included)' if worker.ocr else ''}; stopped",
                              seconds=now - worker.started)

    def _receive(self, worker: _Worker) -> Outcome | None:
        try:
            message = worker.conn.recv()
        except (EOFError, OSError):
            message = None
        if message == "ready":
            worker.ready = True
            return None
        if isinstance(message, tuple) and message[0] == "ocr":
            pages = min(int(message[1]), self.limits.ocr_pages)
            worker.wall = self.limits.wall_seconds + pages * self.limits.ocr_seconds_per_page
            worker.ocr = True
            return None
        job = worker.job
        if isinstance(message, Outcome):
            worker.job = None
            worker.done += 1
            if message.status == "limit" or worker.ocr or worker.done >= JOBS_PER_WORKER:
                self._replace(worker, kill=False)  # a fresh process after a limit
            return message
        # the worker died (killed by the kernel, a crash in a C library)
        code = worker.process.exitcode if not worker.process.is_alive() else None
        worker.process.join(timeout=5)
        code = worker.process.exitcode if code is None else code
        self._replace(worker, kill=True)
        if job is None:
            raise RuntimeError(f"a parse worker could not start (exit code {code})")
        signal_name = signal.Signals(-code).name if code is not None and code < 0 else None
        detail = f"the parse worker died ({signal_name or f'exit code {code}'})"
        limit = "address_space" if signal_name in ("SIGKILL", "SIGSEGV", "SIGABRT") else None
        return Outcome(job.key, "limit" if limit else "error", limit_hit=limit, detail=detail,
                       seconds=time.monotonic() - worker.started)
