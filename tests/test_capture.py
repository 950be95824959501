"""Evidence capture (crawler/capture.py, archive/capture.py, archive/export.py): the offline
portals' crawl (the session's `crawled` archive, crawled twice) leaves WARC files beside the
archive; `nianbao export --wacz` packs them; py-wacz's own validator accepts the WACZ; every raw
document's SHA-256 is the payload digest of its response record, and each 304 a revisit."""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.capture import capture_dir, close_cut_files, whole_members
from tests.conftest import run_cli


def wacz_records(path) -> list:
    """(type, target URI, payload digest, WARC-Nianbao-Via) of every record in a WACZ."""
    found = []
    with zipfile.ZipFile(path) as packed:
        for name in packed.namelist():
            if name.startswith("archive/") and name.endswith(".warc.gz"):
                for record in ArchiveIterator(io.BytesIO(packed.read(name))):
                    headers = record.rec_headers
                    found.append((record.rec_type, headers.get_header("WARC-Target-URI"),
                                  headers.get_header("WARC-Payload-Digest"), headers.get_header("WARC-Nianbao-Via")))
    return found


def validate(path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "import sys; from wacz.main import main; "
                           "sys.exit(main(['validate', '-f', sys.argv[1]]))", str(path)],
                          capture_output=True, text=True, timeout=300)


def query(db, sql, params=()):
    with sqlite3.connect(str(db)) as conn:
        conn.execute("ATTACH DATABASE ? AS raw", [str(db).replace(".db", ".documents.db")])
        return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def exported(crawled, tmp_path_factory):
    out = tmp_path_factory.mktemp("wacz") / "archive.wacz"
    done = run_cli("export", "--db", crawled["db"], "--wacz", out)
    assert done.returncode == 0, done.stderr
    return {"wacz": out, "stdout": done.stdout, "records": wacz_records(out)}


@pytest.mark.e2e
def test_the_crawl_leaves_closed_capture_files_beside_the_archive(crawled):
    directory = capture_dir(crawled["db"])
    files = sorted(directory.glob("*.warc.gz"))
    assert len(files) == 2                                  # one per crawl, both closed
    assert not list(directory.glob("*.open"))
    assert all(whole_members(f) == f.stat().st_size for f in files)


@pytest.mark.e2e
def test_the_wacz_is_valid_and_lists_a_page_per_report(crawled, exported):
    checked = validate(exported["wacz"])
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Validation succeeded" in checked.stdout
    with zipfile.ZipFile(exported["wacz"]) as packed:
        names = set(packed.namelist())
        pages = [json.loads(line) for line in packed.read("pages/pages.jsonl").decode().splitlines()[1:]]
    assert {"datapackage.json", "datapackage-digest.json", "indexes/index.cdx.gz"} <= names
    titles = dict(query(crawled["db"], "SELECT url, title FROM reports"))
    assert len(pages) == len(titles) > 40
    assert all(page["title"] == titles[page["url"]] for page in pages)


@pytest.mark.e2e
def test_every_raw_document_is_a_response_whose_digest_is_its_sha256(crawled, exported):
    responses = {digest for kind, _, digest, _ in exported["records"] if kind == "response"}
    kept = [sha for (sha,) in query(crawled["db"], "SELECT sha256 FROM raw.documents")]
    assert len(kept) > 90
    assert [sha for sha in kept if f"sha256:{sha}" not in responses] == []


@pytest.mark.e2e
def test_an_unchanged_page_is_a_revisit_of_its_kept_copy_not_a_second_copy(crawled, exported):
    not_modified = query(crawled["db"], "SELECT f.url, p.sha256 FROM fetches f JOIN pages p ON p.url = f.url "
                                        "WHERE f.status = 304")
    assert len(not_modified) > 40                           # the second crawl
    revisits = [digest for kind, _, digest, _ in exported["records"] if kind == "revisit"]
    # (a list read by POST is recorded under its URL and body; its record, under the URL asked)
    assert sorted(revisits) == sorted(f"sha256:{sha}" for _, sha in not_modified)


@pytest.mark.e2e
def test_a_browser_rendered_page_is_marked(crawled, exported):
    renders = sum(n for (n,) in query(crawled["db"], "SELECT browser_renders FROM crawl_runs"))
    marked = [uri for kind, uri, _, via in exported["records"] if kind == "response" and via == "browser"]
    assert renders > 0 and len(marked) == renders
    columns = {url for (url,) in query(crawled["db"], "SELECT url FROM fetches WHERE via = 'browser' AND kind = 'column'")}
    assert set(marked) == columns


@pytest.mark.e2e
def test_one_portals_export_holds_only_its_pages(crawled, tmp_path):
    portal, = query(crawled["db"], "SELECT portal FROM reports GROUP BY portal ORDER BY COUNT(*) DESC LIMIT 1")[0]
    out = tmp_path / "one.wacz"
    done = run_cli("export", "--db", crawled["db"], "--wacz", out, "--portal", portal)
    assert done.returncode == 0, done.stderr
    urls = {url for (url,) in query(crawled["db"], "SELECT url FROM fetches WHERE portal = ?", [portal])}
    records = wacz_records(out)
    assert records and {uri for _, uri, _, _ in records} <= urls
    assert validate(out).returncode == 0


def test_export_without_a_capture_is_one_clear_line(tmp_path):
    from archive.store import Archive

    Archive(tmp_path / "empty.db").close()
    done = run_cli("export", "--db", tmp_path / "empty.db", "--wacz", tmp_path / "x.wacz", timeout=120)
    assert done.returncode == 2 and "no capture beside" in done.stderr
    assert not (tmp_path / "x.wacz").exists()


def test_a_capture_file_cut_by_a_kill_is_closed_after_its_last_whole_record(tmp_path):
    from crawler.capture import CaptureFiles

    files = CaptureFiles(tmp_path)
    writer = files.current_writer
    for n in range(3):
        files.write([writer.create_warc_record(f"http://example.invalid/{n}", "resource",
                                               payload=io.BytesIO(b"x" * 5000 * (n + 1)),
                                               warc_content_type="text/plain")])
    cut = files.path
    files.handle.close()                                     # the crawl was killed: no rename
    whole = cut.stat().st_size
    with open(cut, "r+b") as handle:
        handle.truncate(whole - 7)                           # the last record cut short
    closed = close_cut_files(tmp_path)
    assert closed == [cut.with_suffix("")] and not cut.exists()
    with open(closed[0], "rb") as handle:
        kept = [r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(handle)]
    assert kept == [None, "http://example.invalid/0", "http://example.invalid/1"]   # warcinfo, then whole ones
    assert close_cut_files(tmp_path) == []                   # running twice changes nothing


# -- rebuilding an archive from a capture -----------------------------------------------------

REBUILT_TABLES = ("reports", "report_urls", "report_documents", "checks", "applications", "active_disclosure",
                  "reviews", "legacy_stats", "unaligned_rows", "fetched_reports")


@pytest.mark.e2e
def test_an_archive_rebuilt_from_the_wacz_with_no_network_equals_the_original(crawled, exported, tmp_path):
    from tests.archive_rows import public_rows

    rebuilt = tmp_path / "rebuilt.db"
    # the portals of the original crawl are not running any more: every answer is the capture's
    done = run_cli("crawl", "--portals", crawled["csv"], "--db", rebuilt, "--from-wacz", exported["wacz"],
                   "--log-file", tmp_path / "rebuild.log")
    assert done.returncode == 0, done.stdout + done.stderr
    original, again = public_rows(crawled["db"]), public_rows(rebuilt)
    for table in REBUILT_TABLES:
        assert again[table] == original[table], table
    # the same raw documents (a content type the crawl corrected may be written differently)
    assert [sha for sha, _ in again["documents"]] == [sha for sha, _ in original["documents"]]
    assert len(again["reports"]) > 40
    assert "'nianbao/replay_missing'" not in (tmp_path / "rebuild.log").read_text(encoding="utf-8")


def bad_wacz(tmp_path, kind: str, good=None):
    path = tmp_path / f"{kind}.wacz"
    if kind == "not-a-wacz":
        path.write_bytes(b"<html>not a zip</html>")
    elif kind == "truncated":
        data = Path(good).read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif kind == "digest-mismatch":
        from warcio.statusandheaders import StatusAndHeaders
        from warcio.warcwriter import WARCWriter

        warc = io.BytesIO()
        writer = WARCWriter(warc, gzip=True)
        body = b"<html>altered after capture</html>"
        writer.write_record(writer.create_warc_record(
            "http://127.0.0.1:9/", "response", payload=io.BytesIO(body), length=len(body),
            http_headers=StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1"),
            warc_headers_dict={"WARC-Payload-Digest": "sha256:" + "0" * 64}))
        with zipfile.ZipFile(path, "w") as packed:
            packed.writestr("datapackage.json", "{}")
            packed.writestr("archive/data.warc.gz", warc.getvalue())
    return path


@pytest.mark.e2e
@pytest.mark.parametrize("kind", ["not-a-wacz", "truncated", "digest-mismatch"])
def test_a_bad_wacz_is_one_line_exit_2_and_nothing_written(crawled, exported, tmp_path, kind):
    target = tmp_path / "target.db"
    done = run_cli("crawl", "--portals", crawled["csv"], "--db", target,
                   "--from-wacz", bad_wacz(tmp_path, kind, exported["wacz"]), timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("nianbao: "), done.stderr
    assert not target.exists() and not list(tmp_path.glob("target*"))


# -- replay --------------------------------------------------------------------------------------

@pytest.mark.e2e
def test_a_report_page_links_to_the_page_as_captured_and_pywb_replays_the_same_bytes(crawled, tmp_path):
    import hashlib
    import os
    import re
    import urllib.request

    from tests.conftest import ROOT, free_port, wait_for_http

    port, replay_port = free_port(), free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([sys.executable, "-m", "nianbao.cli", "serve", "--db", str(crawled["db"]),
                               "--port", str(port), "--replay", "--replay-port", str(replay_port)],
                              cwd=ROOT, env=env, stdout=open(tmp_path / "serve.log", "wb"), stderr=subprocess.STDOUT)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/-/versions.json", seconds=120)
        reports = query(crawled["db"], "SELECT r.id, d.sha256 FROM reports r JOIN report_documents d "
                                       "ON d.report_id = r.id AND d.is_current = 1 AND d.role = 'page' ORDER BY r.id")
        assert len(reports) > 40
        for report_id, sha in reports[::5]:
            page = urllib.request.urlopen(f"http://127.0.0.1:{port}/-/report/{report_id}", timeout=30).read().decode()
            link = re.search(r'<a class="captured" href="([^"]+)"', page)
            assert link, f"report {report_id}: no link to the page as captured"
            captured = link.group(1).replace("&amp;", "&")
            assert captured.startswith(f"http://127.0.0.1:{replay_port}/nianbao/")
            identity = re.sub(r"/nianbao/(\d+)/", r"/nianbao/\1id_/", captured, count=1)
            body = urllib.request.urlopen(identity, timeout=30).read()
            assert hashlib.sha256(body).hexdigest() == sha            # the bytes the archive parsed
            assert urllib.request.urlopen(captured, timeout=30).status == 200   # and a page a browser can show
    finally:
        server.terminate()
        server.wait(timeout=20)
