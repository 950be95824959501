"""The command line as an operator meets it: a progress line on a terminal, a summary at the
end (words, --json or --quiet), the Scrapy log in a file, one-line errors, and --help with
examples that are valid commands."""

from __future__ import annotations

import json
import os
import pty
import shlex
import subprocess
import sys
import threading

import pytest

from tests.conftest import ROOT, run_cli

COMMANDS = ["crawl", "parse", "reparse", "serve", "demo"]


def run_with_terminal_stderr(*args, timeout=600):
    """Run `nianbao ARGS` with stderr on a pseudo-terminal (as a person at a terminal sees
    it) and stdout on a pipe; returns (exit code, stdout, what the terminal showed)."""
    master, slave = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "nianbao.cli", *map(str, args)], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=slave, text=True)
    os.close(slave)
    shown = []

    def read():
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                return
            if not chunk:
                return
            shown.append(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    stdout, _ = process.communicate(timeout=timeout)
    reader.join(timeout=10)
    os.close(master)
    return process.returncode, stdout, b"".join(shown).decode("utf-8", "replace")


@pytest.mark.e2e
def test_crawl_shows_progress_on_a_terminal_and_a_json_summary(tmp_path, expected):
    from nianbao.demo.server import running_portals, write_portals_csv

    db, csv_path = tmp_path / "archive.db", tmp_path / "portals.csv"
    with running_portals() as portals:
        write_portals_csv(portals, csv_path)
        code, stdout, terminal = run_with_terminal_stderr("crawl", "--portals", csv_path, "--db", db, "--json")
    assert code == 0, terminal[-2000:]
    summary = json.loads(stdout)
    reports = sum(len(p["reports"]) for p in expected["portals"])
    assert summary["command"] == "crawl" and summary["outcome"] == "ok" and summary["exit_code"] == 0
    assert summary["reports_new"] == reports and summary["portals"] == len(portals)
    assert summary["pages"] > reports and summary["failed_pages"] == 0 and summary["alarms"] == []
    assert summary["log"] == str(tmp_path / "archive.crawl.log")
    # the terminal got a progress line, rewritten in place, and none of Scrapy's log
    assert "\r\x1b[K" in terminal and "nianbao crawl:" in terminal and "pages " in terminal
    assert "[scrapy" not in terminal and "INFO" not in terminal
    log = (tmp_path / "archive.crawl.log").read_text(encoding="utf-8")
    assert "[scrapy.core.engine] INFO: Spider closed (finished)" in log

    # a second command on the same archive: the summary in words, then nothing with --quiet
    parsed = run_cli("reparse", "--db", db, "--workers", "1")
    assert parsed.returncode == 0, parsed.stderr
    lines = parsed.stdout.strip().splitlines()
    assert lines[0].startswith("nianbao reparse: ok in ") and lines[0].endswith(" s")
    # reparse rebuilds every derived table, so each report is written anew
    assert f"reports: {summary['reports_new']} new, 0 changed, {summary['reports_unchanged']} unchanged" \
        in parsed.stdout
    assert f"archive: {db}" in parsed.stdout
    quiet = run_cli("parse", "--db", db, "--quiet")
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""


@pytest.mark.parametrize("args, message", [
    (["crawl", "--portals", "{csv}", "--db", "{tmp}/no/such/dir/a.db"], "the directory of"),
    (["parse", "--db", "{tmp}/missing.db"], "no archive at"),
    (["reparse", "--db", "{tmp}/missing.db"], "no archive at"),
    (["serve", "--db", "{tmp}/missing.db"], "no archive at"),
    (["crawl", "--portals", "{tmp}/missing.csv", "--db", "{tmp}/a.db"], "missing.csv"),
    (["crawl", "--portals", "{csv}", "--db", "{tmp}/a.db", "--json", "--quiet"], "not allowed with"),
])
def test_errors_are_one_line_with_exit_2_and_write_nothing(tmp_path, args, message):
    csv_path = tmp_path / "portals.csv"
    csv_path.write_text("name,url\n示例县,http://127.0.0.1:9/\n", encoding="utf-8")
    before = set(tmp_path.iterdir())
    result = run_cli(*[a.format(tmp=tmp_path, csv=csv_path) for a in args], timeout=60)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert len([line for line in lines if not line.startswith("usage:")]) == 1, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert set(tmp_path.iterdir()) == before  # no empty archive, no log


@pytest.mark.parametrize("command", COMMANDS)
def test_help_has_examples_that_are_valid_commands(command):
    from nianbao import cli

    result = run_cli(command, "--help", timeout=60)
    assert result.returncode == 0 and "examples:" in result.stdout
    examples = [line.strip() for line in result.stdout.splitlines() if line.strip().startswith("nianbao ")]
    assert len(examples) >= 2, result.stdout
    parser = cli.build_parser()
    for example in examples:
        words = shlex.split(example)[1:]
        assert words[0] == command
        parser.parse_args(words)  # raises SystemExit if an example is not a valid command
