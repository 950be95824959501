"""A real redis-server for the tests and benchmarks of crawling on several machines: Debian's
``redis-server`` (installed by ``make setup``) on a free loopback port, its files in a
temporary directory, with a password (as the README asks of a fleet's server)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

PASSWORD = "nianbao-test"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@contextmanager
def running_redis(directory: Path):
    """Start redis-server, yield its URL (``redis://:PASSWORD@127.0.0.1:PORT/0``), stop it."""
    import redis

    server = shutil.which("redis-server")
    if server is None:
        raise RuntimeError("redis-server is not installed: run `make setup` (it installs Debian's redis-server)")
    port = free_port()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory),
                                "--save", "", "--appendonly", "no", "--requirepass", PASSWORD,
                                "--logfile", str(directory / "redis.log")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://:{PASSWORD}@127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if redis.Redis.from_url(url, socket_timeout=1).ping():
                    break
            except redis.RedisError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"redis-server did not start on port {port} (see {directory / 'redis.log'})")
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
