"""Crawling on several machines (crawler/distributed.py), end to end: a real redis-server on
loopback (tests/conftest.py starts one per test, with a password), real `nianbao crawl --redis`
and `nianbao worker` processes, the offline portals, real SQLite files. The archive a fleet
builds is compared, row for row on the public tables, with a local crawl of the same portals."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter

import pytest
import redis

from tests.archive_rows import public_rows
from tests.conftest import ROOT, run_cli

pytestmark = pytest.mark.e2e

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
# short leases and download timeouts, so that a killed worker's requests come back quickly
QUICK = ["-s", "NIANBAO_LEASE_SECONDS=4", "-s", "NIANBAO_LEASE_RENEW_SECONDS=0.5", "-s", "DOWNLOAD_TIMEOUT=5"]


def writer(csv_path, db, url, log, *extra) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "nianbao.cli", "crawl", "--portals", str(csv_path), "--db", str(db),
                             "--redis", url, "--log-file", str(log), *extra], cwd=ROOT, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def worker(url, log, *extra) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "nianbao.cli", "worker", "--redis", url, "--wait", "120",
                             "--log-file", str(log), *QUICK, *extra], cwd=ROOT, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def finish(process: subprocess.Popen, seconds: float = 300) -> tuple[int, str, str]:
    try:
        out, err = process.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        pytest.fail(f"{process.args[3]} did not finish in {seconds} s:\n{out[-2000:]}\n{err[-3000:]}")
    return process.returncode, out, err


def requests_done(log) -> int:
    """How many requests a worker's Scrapy downloaded (its closing stats)."""
    found = re.findall(r"'downloader/request_count': (\d+)", log.read_text(encoding="utf-8"))
    return int(found[-1]) if found else 0


def fetches(db) -> Counter:
    with sqlite3.connect(str(db)) as conn:
        return Counter(conn.execute("SELECT url, status, via, error IS NULL FROM fetches"))


def assert_same_archive(local, fleet, leave_out=()) -> None:
    a, b = public_rows(local), public_rows(fleet)
    for table in a:
        if table in leave_out:
            continue
        only_local = set(map(repr, a[table])) - set(map(repr, b[table]))
        only_fleet = set(map(repr, b[table])) - set(map(repr, a[table]))
        assert a[table] == b[table], (f"{table}: {len(a[table])} rows locally, {len(b[table])} by the fleet; "
                                      f"only local {sorted(only_local)[:3]}, only fleet {sorted(only_fleet)[:3]}")


def crawl_run(db) -> dict:
    with sqlite3.connect(str(db)) as conn:
        conn.row_factory = sqlite3.Row
        return dict(conn.execute("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone())


def test_three_workers_build_the_archive_a_local_crawl_builds_and_recrawl_incrementally(redis_url, tmp_path):
    from nianbao.demo.server import running_portals, write_portals_csv

    local, fleet = tmp_path / "local.db", tmp_path / "fleet.db"
    with running_portals() as portals:
        write_portals_csv(portals, tmp_path / "portals.csv")
        for round_ in (1, 2):
            done = run_cli("crawl", "--portals", tmp_path / "portals.csv", "--db", local,
                           "--log-file", tmp_path / f"local{round_}.log")
            assert done.returncode == 0, done.stderr[-2000:]
            crawl = writer(tmp_path / "portals.csv", fleet, redis_url, tmp_path / f"writer{round_}.log")
            workers = [worker(redis_url, tmp_path / f"worker{round_}-{i}.log") for i in range(3)]
            code, out, err = finish(crawl)
            assert code == 0, err[-3000:]
            assert "nianbao crawl: ok" in out   # the same summary as a local crawl
            counts = re.compile(r"portals .*|reports: .*|failures: .*")
            assert counts.findall(out) == counts.findall(done.stdout)
            for process in workers:
                assert finish(process, 60)[0] == 0
            assert_same_archive(local, fleet)
            for column in ("pages", "new_reports", "changed_reports", "reports_fetched", "errors"):
                assert crawl_run(fleet)[column] == crawl_run(local)[column], column
            if round_ == 2:   # the workers asked conditionally, with what the writer's archive knows
                assert crawl_run(fleet)["not_modified"] == crawl_run(local)["not_modified"] > 0
                assert crawl_run(fleet)["new_reports"] == 0
    assert redis.Redis.from_url(redis_url).hget("nianbao:run", "state") == b"done"
    # the workers' capture, handed over, is in the writer's capture files: every raw document
    # is the payload of a response record there (crawler/capture.py)
    from warcio.archiveiterator import ArchiveIterator

    from archive.capture import capture_dir

    digests = set()
    for path in capture_dir(fleet).glob("*.warc.gz"):
        with open(path, "rb") as handle:
            digests |= {r.rec_headers.get_header("WARC-Payload-Digest") for r in ArchiveIterator(handle)
                        if r.rec_type in ("response", "revisit")}
    with sqlite3.connect(str(fleet)) as conn:
        conn.execute("ATTACH DATABASE ? AS raw", [str(fleet).replace(".db", ".documents.db")])
        kept = [sha for (sha,) in conn.execute("SELECT sha256 FROM raw.documents")]
    assert len(kept) > 90 and [sha for sha in kept if f"sha256:{sha}" not in digests] == []


def held_leases(url) -> int:
    return redis.Redis.from_url(url).zcard("nianbao:leases")


def pending_bytes(url) -> int:
    """Bytes of fetched items waiting in Redis for the writer."""
    return int(redis.Redis.from_url(url).get("nianbao:item-bytes") or 0)


CAP = 150_000   # NIANBAO_REDIS_MAX_PENDING_BYTES for the killed-writer test


def stored_items(url) -> int:
    return redis.Redis.from_url(url).scard("nianbao:stored")


def wait_until(condition, seconds=120, what="") -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.05)


def test_a_killed_workers_requests_are_done_by_another_and_nothing_is_stored_twice(redis_url, tmp_path):
    from nianbao.demo.server import running_portals, write_portals_csv

    local, fleet = tmp_path / "local.db", tmp_path / "fleet.db"
    with running_portals(delay=0.3) as portals:   # slow servers: the worker is killed mid-crawl
        write_portals_csv(portals, tmp_path / "portals.csv")
        done = run_cli("crawl", "--portals", tmp_path / "portals.csv", "--db", local, "--log-file", tmp_path / "l.log")
        assert done.returncode == 0
        crawl = writer(tmp_path / "portals.csv", fleet, redis_url, tmp_path / "writer.log")
        doomed = worker(redis_url, tmp_path / "doomed.log")
        wait_until(lambda: stored_items(redis_url) >= 20 and held_leases(redis_url) >= 2, what="a worker at work")
        os.killpg(doomed.pid, signal.SIGKILL)   # the worker and its Chromium, mid-request
        doomed.wait()
        orphaned = held_leases(redis_url)
        assert orphaned >= 2
        survivor = worker(redis_url, tmp_path / "survivor.log")
        code, out, err = finish(crawl)
        assert code == 0, err[-3000:]
        assert finish(survivor, 60)[0] == 0
    assert requests_done(tmp_path / "survivor.log") > 0
    assert_same_archive(local, fleet)
    assert fetches(fleet) == fetches(local)   # every fetch recorded once, none lost


def test_a_killed_writer_resumes_and_nothing_is_lost_or_stored_twice(redis_url, tmp_path):
    from nianbao.demo.server import running_portals, write_portals_csv

    local, fleet = tmp_path / "local.db", tmp_path / "fleet.db"
    with running_portals(delay=0.3) as portals:
        write_portals_csv(portals, tmp_path / "portals.csv")
        done = run_cli("crawl", "--portals", tmp_path / "portals.csv", "--db", local, "--log-file", tmp_path / "l.log")
        assert done.returncode == 0
        first = writer(tmp_path / "portals.csv", fleet, redis_url, tmp_path / "writer1.log")
        fetcher = worker(redis_url, tmp_path / "worker.log", "-s", f"NIANBAO_REDIS_MAX_PENDING_BYTES={CAP}")
        wait_until(lambda: stored_items(redis_url) >= 30, what="the writer at work")
        os.killpg(first.pid, signal.SIGKILL)     # the writer and its parse workers
        first.wait()
        # with no writer, the worker fills Redis up to the cap and waits there
        waiting = [pending_bytes(redis_url) for _ in range(60) if time.sleep(0.1) is None]
        with sqlite3.connect(str(fleet)) as conn:
            assert conn.execute("SELECT COUNT(*) FROM fetches").fetchone()[0] >= 10   # killed mid-crawl
        resumed = writer(tmp_path / "portals.csv", fleet, redis_url, tmp_path / "writer2.log", "--resume")
        code, out, err = finish(resumed)
        assert code == 0, err[-3000:]
        assert finish(fetcher, 60)[0] == 0
    # the portals' runs are recorded as seen in part (what the killed writer had merged is
    # gone), so no alarm is raised on them; everything else is as a local crawl makes it
    assert_same_archive(local, fleet, leave_out=("portal_runs",))
    assert fetches(fleet) == fetches(local)
    with sqlite3.connect(str(local)) as conn:
        conn.execute("ATTACH DATABASE ? AS raw", [str(local).replace(".db", ".documents.db")])
        everything, largest = conn.execute("SELECT SUM(size), MAX(size) FROM raw.documents").fetchone()
    assert everything > 3 * CAP                      # without the cap, Redis would hold far more
    assert 0 < max(waiting) <= CAP + 2 * largest     # one item may pass the cap (a report and its files)
    with sqlite3.connect(str(fleet)) as conn:
        assert conn.execute("SELECT COUNT(*), SUM(complete) FROM portal_runs").fetchone() == (6, 0)
        assert conn.execute("SELECT COUNT(*) FROM crawl_runs").fetchone()[0] == 1


def test_the_per_host_limit_holds_for_the_whole_fleet(redis_url, tmp_path):
    """Three workers asking 3 requests at once each, on 4 hosts (8 slots): more than one worker
    can fill, fewer than the fleet asks for. A host never sees more than
    CONCURRENT_REQUESTS_PER_DOMAIN (2) requests in progress, counted by the server itself."""
    from bench.fleet import running_fleet, write_portals_csv

    with running_fleet(hosts=4, reports=160, delay=0.2) as portals:
        write_portals_csv(portals, tmp_path / "portals.csv")
        # the workers stand by first, waiting for a crawl to be announced
        workers = [worker(redis_url, tmp_path / f"worker{i}.log", "--concurrency", "3") for i in range(3)]
        time.sleep(3)
        crawl = writer(tmp_path / "portals.csv", tmp_path / "fleet.db", redis_url, tmp_path / "writer.log",
                       "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0")
        code, out, err = finish(crawl)
        assert code == 0, err[-3000:]
        for process in workers:
            assert finish(process, 60)[0] == 0
        totals = portals.totals()
    busy = [requests_done(tmp_path / f"worker{i}.log") for i in range(3)]
    assert all(n > 0 for n in busy), busy                # the fleet shared the work
    assert totals["requests"] >= 160
    assert totals["max_in_flight_per_host"] == 2        # the limit was reached, never passed
    assert totals["max_in_flight"] > 3                  # more at once than one worker asks for


# -- the queue's own rules, on the real server ----------------------------------------------------

def test_a_pop_takes_a_free_slot_of_the_host_served_longest_ago(redis_url):
    from crawler.distributed import Fleet

    fleet = Fleet(redis_url)
    fleet.clear()
    for n in range(3):
        assert fleet.push(f"a{n}".encode(), n, f"S http://a/{n}", "a")
    assert fleet.push(b"b0", 0, "S http://b/0", "b")
    assert not fleet.push(b"again", 0, "S http://a/0", "a")          # asked for already: not queued
    taken = [fleet.pop(60, limit=2, hold_seconds=30, window=10) for _ in range(4)]
    assert [(data, host) for _, data, host in taken[:3]] == [(b"a0", "a"), (b"b0", "b"), (b"a1", "a")]
    assert taken[3] is None              # a2 waits: host a's two slots are taken, b has nothing queued
    fleet.release_slot("a", f"lease:{taken[0][0]}")
    lease, data, host = fleet.pop(60, limit=2, hold_seconds=30, window=10)
    assert (data, host) == (b"a2", "a")
    assert fleet.queued() == 0 and fleet.outstanding()[1] == 4           # four leases held


def test_an_expired_lease_goes_back_to_its_hosts_queue_and_a_backed_off_host_waits(redis_url):
    from crawler.distributed import Fleet

    fleet = Fleet(redis_url)
    fleet.clear()
    fleet.push(b"a0", -5, "S http://a/0", "a")
    lease, data, _ = fleet.pop(0.2, limit=2, hold_seconds=0.2, window=10)
    assert fleet.requeue_expired() == 0
    time.sleep(1.1)
    assert fleet.requeue_expired() == 1 and fleet.queued() == 1
    fleet.back_off("a", 1.0)
    assert fleet.pop(60, limit=2, hold_seconds=30, window=10) is None
    time.sleep(1.1)
    again = fleet.pop(60, limit=2, hold_seconds=30, window=10)
    assert again[1:] == (b"a0", "a") and again[0] != lease
    fleet.ack([again[0]])
    assert fleet.outstanding() == (0, 0, 0, 0)


def test_an_unreachable_redis_or_no_crawl_is_one_clear_line(redis_url, tmp_path):
    from tests.conftest import free_port

    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    done = run_cli("worker", "--redis", nowhere, timeout=60)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "cannot use Redis at" in done.stderr
    (tmp_path / "portals.csv").write_text("name,url\n示例县,http://127.0.0.1:9/\n", encoding="utf-8")
    done = run_cli("crawl", "--portals", tmp_path / "portals.csv", "--db", tmp_path / "a.db", "--redis", nowhere,
                   timeout=60)
    assert done.returncode == 2 and "cannot use Redis at" in done.stderr
    assert not (tmp_path / "a.db").exists()                  # nothing written
    wrong = redis_url.replace(":nianbao-test@", ":wrong@")
    done = run_cli("worker", "--redis", wrong, timeout=60)
    assert done.returncode == 2 and "wrong" not in done.stderr   # the password is not printed
    done = run_cli("worker", "--redis", redis_url, "--wait", "1", timeout=60)
    assert done.returncode == 4 and "no crawl was announced" in done.stderr
