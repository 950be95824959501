"""The archive on real SQLite files: ingest real report pages, idempotency, reparse, versions."""

import zlib
from pathlib import Path

import pytest

from archive.ingest import ingest_report, reparse
from archive.store import Archive

FIXTURES = Path(__file__).parent / "fixtures"
PAGES = ["pingtan_2021_report.html", "pingtan_2019_report.html", "shanghai_2019_report.html"]


def counts(archive):
    return {t: archive.db[t].count for t in
            ("reports", "applications", "active_disclosure", "reviews", "checks", "documents", "report_urls")}


@pytest.fixture()
def archive(tmp_path):
    archive = Archive(tmp_path / "a.db")
    for name in PAGES:
        body = (FIXTURES / name).read_bytes()
        assert ingest_report(archive, f"http://127.0.0.1/{name}", body, "text/html", "平潭", None) == "new"
    return archive


def test_reports_and_values_are_stored_with_provenance(archive):
    row = archive.db.execute("SELECT id, agency, year, template, published_date FROM reports "
                             "WHERE title LIKE '%2021年度%'").fetchone()
    assert row[1:] == ("平潭综合实验区", 2021, "2021", "2022-02-08")
    value = archive.db.execute(
        "SELECT value, raw, source_table, source_row, source_col FROM applications "
        "WHERE report_id = ? AND row_code = '1' AND applicant = '总计'", [row[0]]).fetchone()
    assert value[0] is not None and str(value[0]) in value[1].replace(",", "")
    assert value[2] is not None and value[3] is not None and value[4] is not None
    assert archive.db.execute("SELECT count(*) FROM checks WHERE report_id = ? AND passed = 0",
                              [row[0]]).fetchone()[0] == 0


def test_raw_document_is_kept_compressed(archive):
    body, content_type, url = archive.document(archive.db.execute(
        "SELECT document_sha256 FROM reports WHERE url LIKE '%shanghai%'").fetchone()[0])
    assert body == (FIXTURES / "shanghai_2019_report.html").read_bytes()
    stored = archive.db.execute("SELECT length(body), size FROM documents LIMIT 1").fetchone()
    assert stored[0] < stored[1]


def test_ingesting_twice_adds_nothing(archive):
    before = counts(archive)
    body = (FIXTURES / PAGES[0]).read_bytes()
    assert ingest_report(archive, f"http://127.0.0.1/{PAGES[0]}", body, "text/html", "平潭", None) == "unchanged"
    assert counts(archive) == before


def test_same_report_under_another_url_is_one_report(archive):
    before = counts(archive)
    body = (FIXTURES / PAGES[0]).read_bytes()
    assert ingest_report(archive, "https://mirror.example/x.htm", body, "text/html", "平潭", None) == "unchanged"
    after = counts(archive)
    assert after["reports"] == before["reports"] and after["report_urls"] == before["report_urls"] + 1


def test_changed_report_keeps_its_old_version(archive):
    body = (FIXTURES / PAGES[0]).read_bytes()
    report_id = archive.db.execute("SELECT id FROM reports WHERE url LIKE '%pingtan_2021%'").fetchone()[0]
    changed = body.replace("一、总体情况".encode(), "一、总体情况（修订）".encode(), 1)
    assert changed != body
    assert ingest_report(archive, f"http://127.0.0.1/{PAGES[0]}", changed, "text/html", "平潭", None) == "changed"
    versions = archive.db.execute("SELECT is_current FROM report_documents WHERE report_id = ? ORDER BY is_current",
                                  [report_id]).fetchall()
    assert versions == [(0,), (1,)]
    assert archive.db["reports"].count == len(PAGES)


def test_reparse_rebuilds_the_same_rows_with_the_same_ids(archive):
    before = counts(archive)
    ids = archive.db.execute("SELECT id, title FROM reports ORDER BY id").fetchall()
    archive.db.execute("UPDATE applications_values SET value = -1")
    archive.db.conn.commit()
    assert reparse(archive) == {"new": len(PAGES)}
    assert counts(archive) == before
    assert archive.db.execute("SELECT id, title FROM reports ORDER BY id").fetchall() == ids
    assert archive.db.execute("SELECT count(*) FROM applications WHERE value = -1").fetchone()[0] == 0


def test_broken_document_is_recorded_not_lost(tmp_path):
    archive = Archive(tmp_path / "b.db")
    body = zlib.compress(b"not html at all") + b"\x00\xff"
    outcome = ingest_report(archive, "http://127.0.0.1/broken.htm", body, "text/html", "x", "2021年政府信息公开工作年度报告")
    assert outcome in ("failed", "new")
    assert archive.db["documents"].count == 1
    assert archive.db.execute("SELECT url FROM pages").fetchone()[0] == "http://127.0.0.1/broken.htm"


def test_section_text_is_stored_once_as_a_span_of_the_report_text(archive):
    from archive.sections import split_sections

    for report_id, text in archive.db.execute("SELECT id, text FROM reports").fetchall():
        stored = [tuple(r) for r in archive.db.execute(
            "SELECT number, title, text FROM sections WHERE report_id = ? ORDER BY position", [report_id])]
        assert stored == [(s.number, s.title, s.text) for s in split_sections(text)]
    assert archive.db.execute("SELECT count(*) FROM section_spans").fetchone()[0] > 5
    assert archive.db.execute("SELECT count(*) FROM section_spans WHERE text IS NOT NULL").fetchone()[0] == 0


def test_an_archive_with_plain_value_tables_is_migrated(tmp_path):
    """Archives written before the compact value tables: their rows move, nothing is lost."""
    import sqlite3

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE applications (report_id INTEGER, row_code TEXT, row_label TEXT, applicant TEXT, "
                     "value NUMERIC, raw TEXT, document_sha256 TEXT, source_table INTEGER, source_row INTEGER, "
                     "source_col INTEGER)")
        conn.executemany("INSERT INTO applications VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            (1, "1", "一、本年新收政府信息公开申请数量", "总计", 12, "12", "a" * 64, 0, 3, 8),
            (1, "2", "二、上年结转政府信息公开申请数量", "总计", None, "—", "a" * 64, 0, 4, 8)])
    archive = Archive(path)
    assert archive.db.execute("SELECT * FROM applications ORDER BY row_code").fetchall() == [
        (1, "1", "一、本年新收政府信息公开申请数量", "总计", 12, "12", "a" * 64, 0, 3, 8, None),   # confidence: not OCR
        (1, "2", "二、上年结转政府信息公开申请数量", "总计", None, "—", "a" * 64, 0, 4, 8, None)]
    assert archive.db.execute("SELECT type FROM sqlite_master WHERE name = 'applications'").fetchone() == ("view",)


def test_an_archive_from_before_challenge_counts_gets_the_columns(tmp_path):
    """crawl_runs of an older archive gain challenge_renders and challenge_refused (0 for the
    runs already recorded); opening it again changes nothing."""
    import sqlite3

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE crawl_runs (id INTEGER PRIMARY KEY, started TEXT, finished TEXT, portals INTEGER, "
                     "pages INTEGER DEFAULT 0, new_reports INTEGER DEFAULT 0, changed_reports INTEGER DEFAULT 0, "
                     "errors INTEGER DEFAULT 0, exit_status TEXT, requests INTEGER, not_modified INTEGER, "
                     "browser_renders INTEGER)")
        conn.execute("INSERT INTO crawl_runs(started, finished, portals, pages, exit_status) "
                     "VALUES ('2026-01-01T02:30:00', '2026-01-01T02:40:00', 3, 120, 'ok')")
    for _ in range(2):
        archive = Archive(path)
        assert archive.db.execute("SELECT pages, challenge_renders, challenge_refused FROM crawl_runs").fetchall() \
            == [(120, 0, 0)]
        archive.db.conn.close()
    archive = Archive(path)
    run = archive.start_run(1)
    archive.finish_run(run, challenge_renders=3, challenge_refused=2)
    assert archive.db.execute("SELECT challenge_renders, challenge_refused FROM crawl_runs WHERE id = ?",
                              [run]).fetchone() == (3, 2)


def test_plain_raw_text_is_not_stored_twice_and_the_views_give_it_back(tmp_path):
    """``raw`` is stored only where it is not the integer written plainly; the public view
    shows it either way. An archive whose view is older is given the current view."""
    import sqlite3

    from archive import value_tables
    from archive.statistics import Cell

    conn = sqlite3.connect(tmp_path / "v.db")
    conn.executescript(value_tables.SCHEMA)
    conn.execute("CREATE VIEW applications AS SELECT v.report_id, v.row_code, v.value, v.raw FROM applications_values v")
    value_tables.migrate(conn)
    conn.executescript(value_tables.VIEWS)
    interner = value_tables.Interner(conn)
    fields = {"row_code": "1", "row_label": "一、本年新收政府信息公开申请数量"}
    cells = [Cell("applications", {**fields, "applicant": "自然人"}, 12, "12", 0, 3, 2),
             Cell("applications", {**fields, "applicant": "商业企业"}, 1832, "1,832", 0, 3, 3),
             Cell("applications", {**fields, "applicant": "其他"}, None, "—", 0, 3, 4)]
    conn.executemany("INSERT INTO applications_values VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     [value_tables.row("applications", 1, c, interner) for c in cells])
    assert conn.execute("SELECT raw FROM applications_values ORDER BY source_col").fetchall() == [
        (None,), ("1,832",), ("—",)]
    assert conn.execute("SELECT applicant, value, raw FROM applications ORDER BY source_col").fetchall() == [
        ("自然人", 12, "12"), ("商业企业", 1832, "1,832"), ("其他", None, "—")]
    # the largest value table is clustered by report: no rowid, no separate report index
    assert "WITHOUT ROWID" in conn.execute("SELECT sql FROM sqlite_master WHERE name = 'applications_values'").fetchone()[0]
    assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'applications_values_report'").fetchone()
