"""The parse stage and its sandboxed worker pool, on real SQLite files and real worker
processes: limits are recorded with their names, other documents go on, a document is
parsed once per parser version."""

import time
from pathlib import Path

from archive.ingest import ingest_report
from archive.limits import Limits
from archive.parse import PARSER_VERSION
from archive.search import fts_query
from archive.stage import parse_fetched
from archive.store import Archive
from archive.workers import Job, ParsePool
from tests.hostile import docx_zip_bomb, far_cell_xlsx, huge_html

FIXTURES = Path(__file__).parent / "fixtures"
GOOD = (FIXTURES / "pingtan_2021_report.html").read_bytes()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def fetched(archive, url, documents, link_text="示例县2023年政府信息公开工作年度报告"):
    archive.save_fetched_report(url, "示例县", link_text, documents)


def page(url, body=GOOD, content_type="text/html"):
    return {"url": url, "body": body, "content_type": content_type, "role": "page"}


def attachment(url, body, content_type):
    return {"url": url, "body": body, "content_type": content_type, "role": "attachment"}


def test_hostile_files_hit_named_limits_and_the_rest_is_parsed(tmp_path):
    archive = Archive(tmp_path / "a.db")
    fetched(archive, "http://127.0.0.1/good.html", [page("http://127.0.0.1/good.html")])
    fetched(archive, "http://127.0.0.1/xlsx.html", [
        page("http://127.0.0.1/xlsx.html", "<html><title>x</title><body><p>见附件</p></body></html>".encode()),
        attachment("http://127.0.0.1/far.xlsx", far_cell_xlsx(), XLSX)], "桐溪县2023年政府信息公开工作年度报告")
    fetched(archive, "http://127.0.0.1/bomb.docx", [page("http://127.0.0.1/bomb.docx", docx_zip_bomb(), DOCX)],
            "梅川区2022年政府信息公开工作年度报告")
    started = time.monotonic()
    counts = parse_fetched(archive, workers=2)
    assert time.monotonic() - started < 60
    assert counts["failed_documents"] == 2 and counts["limits_hit"] == 2
    limits = dict(archive.db.execute("SELECT url, limit_hit FROM document_parses WHERE status = 'limit'"))
    assert limits == {"http://127.0.0.1/far.xlsx": "grid_cells", "http://127.0.0.1/bomb.docx": "decompressed_bytes"}
    # every report keeps a row: the good one parsed, the hostile ones with what their listing says
    rows = {r[0]: r[1:] for r in archive.db.execute("SELECT title, agency, year FROM reports")}
    assert rows["梅川区2022年政府信息公开工作年度报告"] == ("梅川区", 2022)
    assert rows["桐溪县2023年政府信息公开工作年度报告"] == ("桐溪县", 2023)
    assert any(title.startswith("平潭综合实验区2021") for title in rows)
    failing = {r[0] for r in archive.db.execute(
        "SELECT r.title FROM checks c JOIN reports r ON r.id = c.report_id "
        "WHERE c.check_name = 'parse_failed' AND c.passed = 0")}
    assert failing == {"梅川区2022年政府信息公开工作年度报告", "桐溪县2023年政府信息公开工作年度报告"}
    errors = dict(archive.db.execute("SELECT url, error FROM pages WHERE error IS NOT NULL")) if \
        archive.db["pages"].exists() else {}
    assert all("limit" in e for e in errors.values())


def test_a_document_is_parsed_once_per_parser_version(tmp_path):
    archive = Archive(tmp_path / "a.db")
    fetched(archive, "http://127.0.0.1/good.html", [page("http://127.0.0.1/good.html")])
    assert parse_fetched(archive, workers=1)["new"] == 1
    assert parse_fetched(archive, workers=1) == {}          # nothing new: nothing parsed
    assert archive.db.execute("SELECT parser_version FROM fetched_reports").fetchone()[0] == PARSER_VERSION
    # fetched again unchanged: still nothing to parse
    fetched(archive, "http://127.0.0.1/good.html", [page("http://127.0.0.1/good.html")])
    assert parse_fetched(archive, workers=1) == {}
    # another parser version (an older archive): parsed again, same report
    archive.db.execute("UPDATE fetched_reports SET parser_version = 'old'")
    archive.db.conn.commit()
    assert parse_fetched(archive, workers=1)["unchanged"] == 1
    assert archive.db["reports"].count == 1
    assert parse_fetched(archive, workers=1, everything=True)["new"] == 1


def test_wall_time_kills_the_worker_and_the_pool_goes_on():
    jobs = [Job("slow", "http://127.0.0.1/huge.html", huge_html(8), "text/html", None),
            Job("good", "http://127.0.0.1/good.html", GOOD, "text/html", None)]
    with ParsePool(workers=1, limits=Limits(wall_seconds=1.0)) as pool:
        started = time.monotonic()
        outcomes = {o.key: o for o in pool.run(jobs)}
        assert pool.restarts >= 1
    assert outcomes["slow"].status == "limit" and outcomes["slow"].limit_hit == "wall_seconds"
    assert outcomes["good"].status == "ok" and outcomes["good"].parsed.year == 2021
    assert time.monotonic() - started < 30


def test_address_space_limit_is_recorded():
    """Without the decompressed-size limit, the zip bomb's 300 MB member is read until
    RLIMIT_AS stops it: a MemoryError in the worker, recorded as the limit it hit."""
    jobs = [Job("bomb", "http://127.0.0.1/bomb.docx", docx_zip_bomb(), DOCX, None),
            Job("good", "http://127.0.0.1/good.html", GOOD, "text/html", None)]
    with ParsePool(workers=1, limits=Limits(decompressed_bytes=1 << 40, address_space=256 << 20)) as pool:
        outcomes = {o.key: o for o in pool.run(jobs)}
    assert (outcomes["bomb"].status, outcomes["bomb"].limit_hit) == ("limit", "address_space")
    assert outcomes["good"].status == "ok"


def test_inline_ingest_and_the_pool_store_the_same(tmp_path):
    one, two = Archive(tmp_path / "one.db"), Archive(tmp_path / "two.db")
    for name in ("pingtan_2021_report.html", "pingtan_2019_report.html", "shanghai_2019_report.html"):
        body = (FIXTURES / name).read_bytes()
        ingest_report(one, f"http://127.0.0.1/{name}", body, "text/html", "平潭", None)
        two.save_fetched_report(f"http://127.0.0.1/{name}", "平潭", None, [page(f"http://127.0.0.1/{name}", body)])
    assert parse_fetched(two, workers=2)["new"] == 3

    def rows(archive):
        return [archive.db.execute(f"SELECT * FROM {t} ORDER BY 1, 2, 3").fetchall()
                for t in ("applications", "reviews", "active_disclosure", "checks", "sections")] + \
               [archive.db.execute("SELECT id, url, title, agency, year, template, text FROM reports").fetchall()]
    assert rows(one) == rows(two)


# columns that say when, not what: they differ between any two runs
WHEN = {"fetched_at", "parsed_at", "first_seen", "last_seen", "seconds", "started", "finished", "raised_at"}


def every_row(archive) -> dict[str, list[tuple]]:
    """Every table's rows, ids included, timestamps left out; the contentless search index
    by what it finds (its segments depend on how rows were inserted, not on what)."""
    tables = [name for (name,) in archive.db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'reports_fts%' "
        "AND name NOT LIKE 'sqlite_%'")]
    out = {}
    for table in tables:
        columns = [c[1] for c in archive.db.execute(f"PRAGMA table_info({table})") if c[1] not in WHEN]
        out[table] = sorted(archive.db.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall(), key=repr)
    for term in ("国家秘密", "平潭", "行政复议", "上海"):
        out[f"search {term}"] = [r for (r,) in archive.db.execute(
            "SELECT rowid FROM reports_fts WHERE reports_fts MATCH ? ORDER BY rowid", [fts_query(term)])]
    return out


def test_reports_stored_in_batches_are_stored_as_one_by_one(tmp_path):
    """A batch stores what storing its reports one at a time, in order, stores: the same
    ids, versions, outcomes and rows, with a report twice in one batch (the same page
    under two URLs), a page that is not a report, a changed report and a re-parse."""
    pages = {name: (FIXTURES / name).read_bytes() for name in
             ("pingtan_2021_report.html", "pingtan_2019_report.html", "shanghai_2019_report.html",
              "trap_2014_workpoints_letter.html")}
    one, many = Archive(tmp_path / "one.db"), Archive(tmp_path / "many.db")
    for archive in (one, many):
        for i, (name, body) in enumerate([*pages.items(), ("pingtan_2021_report.html", pages["pingtan_2021_report.html"])]):
            fetched(archive, f"http://127.0.0.1/{i}/{name}", [page(f"http://127.0.0.1/{i}/{name}", body)], None)
    runs = [parse_fetched(one, batch=1), parse_fetched(many, batch=50)]
    assert runs[0] == runs[1] and runs[0]["new"] == 3 and runs[0]["unchanged"] == 1 and runs[0]["not-report"] == 1
    assert every_row(one) == every_row(many)

    changed = pages["pingtan_2021_report.html"].replace("一、总体情况".encode(), "一、总体情况（修订）".encode(), 1)
    for archive in (one, many):
        fetched(archive, "http://127.0.0.1/0/pingtan_2021_report.html",
                [page("http://127.0.0.1/0/pingtan_2021_report.html", changed)], None)
        fetched(archive, "http://127.0.0.1/9/again.html", [page("http://127.0.0.1/9/again.html", changed)], None)
    runs = [parse_fetched(one, batch=1), parse_fetched(many, batch=50)]
    assert runs[0] == runs[1] and runs[0]["changed"] == 1 and runs[0]["unchanged"] == 1
    assert every_row(one) == every_row(many)
    assert one.db.execute("SELECT count(*) FROM report_documents WHERE is_current = 0").fetchone()[0] == 1

    # the old version seen again under another URL: the current one stays, values and all
    # (beside a report in the same batch whose rows are written again)
    before = every_row(many)
    for archive in (one, many):
        fetched(archive, "http://127.0.0.1/10/old.html",
                [page("http://127.0.0.1/10/old.html", pages["pingtan_2021_report.html"])], None)
        fetched(archive, "http://127.0.0.1/11/shanghai.html",
                [page("http://127.0.0.1/11/shanghai.html", pages["shanghai_2019_report.html"])], None)
    runs = [parse_fetched(one, batch=1), parse_fetched(many, batch=50)]
    assert runs[0] == runs[1] == {"documents": 2, "unchanged": 2}
    after = every_row(many)
    assert after == every_row(one)
    for table in ("reports", "applications_values", "checks", "report_summary", "section_spans"):
        assert after[table] == before[table], table

    runs = [parse_fetched(one, batch=1, everything=True), parse_fetched(many, batch=50, everything=True)]
    assert runs[0] == runs[1]
    assert every_row(one) == every_row(many)
