"""`scrapy crawl reports -a portals=… -s ARCHIVE_DB=…` is the crawl stage of `nianbao crawl`: followed by
`nianbao parse` it gives the same archive."""

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli

pytestmark = pytest.mark.e2e


def test_scrapy_crawl_equals_nianbao_crawl(tmp_path):
    from nianbao.demo.server import running_portals, write_portals_csv

    csv_path = tmp_path / "p.csv"
    with running_portals(sites=["tongxi"]) as portals:
        write_portals_csv(portals, csv_path)
        scrapy = subprocess.run([str(Path(sys.executable).parent / "scrapy"), "crawl", "reports",
                                 "-a", f"portals={csv_path}", "-s", f"ARCHIVE_DB={tmp_path / 's.db'}",
                                 "-s", "LOG_LEVEL=WARNING"], cwd=ROOT, capture_output=True, text=True, timeout=300)
        nianbao = run_cli("crawl", "--portals", csv_path, "--db", tmp_path / "n.db")
    assert scrapy.returncode == 0 and nianbao.returncode == 0, scrapy.stderr[-2000:]
    # `scrapy crawl` is the crawl stage alone: it keeps what it fetched and parses nothing
    assert sqlite3.connect(tmp_path / "s.db").execute("SELECT count(*) FROM reports").fetchone()[0] == 0
    assert sqlite3.connect(tmp_path / "s.db").execute("SELECT count(*) FROM fetched_reports").fetchone()[0] == 3
    parsed = run_cli("parse", "--db", tmp_path / "s.db", "--workers", "2")
    assert parsed.returncode == 0, parsed.stderr
    sql = "SELECT title, agency, year, template, (SELECT count(*) FROM applications a WHERE a.report_id = r.id) FROM reports r ORDER BY title"
    rows = [sqlite3.connect(tmp_path / db).execute(sql).fetchall() for db in ("s.db", "n.db")]
    assert len(rows[0]) == 3 and rows[0] == rows[1]
