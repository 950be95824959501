"""A non-editable install works outside the checkout: build a wheel, install it into a
fresh virtual environment in a temporary directory, and serve an archive with it."""

import os
import subprocess
import sys
import sysconfig
import urllib.request

import pytest

from tests.conftest import ROOT, free_port, wait_for_http

pytestmark = pytest.mark.e2e


def test_wheel_installs_and_serves_outside_the_checkout(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(wheels), str(ROOT)], check=True, capture_output=True, cwd=tmp_path)
    wheel = next(wheels.glob("nianbao-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next(venv.glob("lib/python*/site-packages"))
    # the dependencies come from the project's environment, as a plain path (its .pth files,
    # the editable install among them, are not read); nianbao itself only from the wheel
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin/python"), "install", "-q",
                    "--no-deps", str(wheel)], check=True, capture_output=True, cwd=tmp_path, env=env)
    python = venv / "bin" / "python"
    where = subprocess.run([str(python), "-c", "import archive, crawler, nianbao.demo; "
                            "print(archive.__file__, nianbao.demo.__file__)"],
                           check=True, capture_output=True, text=True, cwd=tmp_path, env=env).stdout
    assert str(ROOT) not in where and str(site) in where

    # an archive with one report, written by the installed package
    db = tmp_path / "archive.db"
    fixture = (ROOT / "tests/fixtures/pingtan_2021_report.html").read_bytes()
    (tmp_path / "page.html").write_bytes(fixture)
    subprocess.run([str(python), "-c", "import sys; from archive.store import Archive; from archive.ingest "
                    "import ingest_report; a = Archive(sys.argv[1]); print(ingest_report(a, 'http://127.0.0.1/r.html', "
                    "open(sys.argv[2], 'rb').read(), 'text/html', '平潭', None)); a.close()", str(db),
                    str(tmp_path / "page.html")], check=True, cwd=tmp_path, env=env)
    port = free_port()
    server = subprocess.Popen([str(venv / "bin" / "nianbao"), "serve", "--db", str(db), "--port", str(port)],
                              cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/-/versions.json")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/report/1", timeout=30) as response:
            page = response.read().decode("utf-8")
        assert "平潭综合实验区2021年度政府信息公开工作年度报告" in page
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/archive.json", timeout=30) as response:
            assert b"report_summary" in response.read()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/metadata.json", timeout=30) as response:
            assert "queries" in response.read().decode("utf-8")  # the shipped metadata, canned queries
    finally:
        server.terminate()
        server.wait(timeout=10)
