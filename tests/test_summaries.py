"""Every materialised table equals its definition over the long tables, on an archive built
from the whole labelled corpus (50 reports, every form), spread over portals with region
codes; and it stays so when a report changes or the portals file does."""

from collections import Counter

import pytest

from archive.ingest import ingest_report
from archive.store import Archive
from archive.summaries import DEFINITIONS, ROLLUPS, SUMMARY_COLUMNS
from crawler.portals import Portal
from tests.corpus.labelled import cases, load

PORTALS = [Portal("平潭综合实验区", "http://127.0.0.1:1/", "350128", "福建省", "福州市", "county"),
           Portal("梅川区", "http://127.0.0.1:2/", "330105", "浙江省", "杭州市", "district"),
           Portal("桐溪县", "http://127.0.0.1:3/", "440222", "广东省", "韶关市", "county")]


def rows(archive, sql):
    return Counter(tuple(r) for r in archive.db.execute(sql).fetchall())


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    archive = Archive(tmp_path_factory.mktemp("summaries") / "archive.db")
    archive.save_portals(PORTALS)
    for i, folder in enumerate(cases()):
        expected = load(folder)
        body = (folder / expected["source"]).read_bytes()
        url = expected.get("url") or f"https://example.gov.cn/{folder.name}/{expected['source']}"
        ingest_report(archive, url, body, expected.get("content_type"), PORTALS[i % 3].name,
                      expected.get("list_title"))
    return archive


def test_the_corpus_fills_the_summaries(archive):
    assert archive.db["report_summary"].count >= 12  # variants of one report are one report
    assert archive.db.execute("SELECT count(*) FROM report_summary WHERE new_requests IS NOT NULL").fetchone()[0] >= 8
    assert archive.db.execute("SELECT count(*) FROM year_changes").fetchone()[0] >= 1


@pytest.mark.parametrize("name", ["report_summary", *ROLLUPS])
def test_materialised_table_equals_its_definition(archive, name):
    columns = ", ".join(SUMMARY_COLUMNS) if name == "report_summary" else "*"
    table = rows(archive, f"SELECT {columns} FROM {name}")
    assert table and table == rows(archive, DEFINITIONS[name])


def test_summaries_follow_a_changed_report_and_a_changed_portals_file(archive):
    report_id, url = archive.db.execute(
        "SELECT r.id, r.url FROM reports r JOIN report_summary s ON s.report_id = r.id "
        "WHERE s.new_requests IS NOT NULL AND r.source_format = 'html' ORDER BY r.id LIMIT 1").fetchone()
    archive.db.execute("UPDATE portals SET province = '海南省', region_code = '460100'")
    archive.db.conn.commit()
    archive.save_portals([Portal(p.name, p.url, "460100", "海南省", "海口市", "county") for p in PORTALS])
    archive.refresh_rollups()
    for name in ("report_summary", *ROLLUPS):
        columns = ", ".join(SUMMARY_COLUMNS) if name == "report_summary" else "*"
        assert rows(archive, f"SELECT {columns} FROM {name}") == rows(archive, DEFINITIONS[name]), name
    assert {r[0] for r in archive.db.execute("SELECT DISTINCT province FROM report_summary")} == {"海南省"}
    archive.save_portals(PORTALS)
    archive.refresh_rollups()


def test_the_canned_queries_use_indexes_not_scans(archive):
    """The query plans of the filters journalists use: no full scan of report_summary."""
    plans = {
        "year": "SELECT * FROM report_summary WHERE year = 2021 ORDER BY new_requests DESC LIMIT 50",
        "portal": "SELECT 1 FROM report_summary WHERE portal = '梅川区' AND year = 2021",
        "province": "SELECT * FROM report_summary WHERE province = '福建省' AND year = 2021",
        "secret": "SELECT * FROM report_summary WHERE refused_state_secret > 0 AND year = 2021 "
                  "ORDER BY refused_state_secret DESC",
    }
    for name, sql in plans.items():
        plan = " ".join(r[-1] for r in archive.db.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall())
        assert "USING" in plan and "SCAN report_summary" not in plan, (name, plan)


def test_the_planner_knows_the_summarys_real_shape(tmp_path):
    """After a parse run the statistics of report_summary are exact, not sampled: with a
    sampled year (1,001 rows of any size) the planner read a year's rows one by one for a
    facet by province."""
    from archive.store import Archive

    archive = Archive(tmp_path / "a.db")
    archive.db.conn.executemany(
        "INSERT INTO report_summary (report_id, agency, year, province, new_requests) VALUES (?, ?, ?, ?, ?)",
        [(i, f"机关{i}", 2020 + i % 3, f"省{i % 10}", i % 50) for i in range(1, 3001)])
    archive.db.conn.commit()
    archive.refresh_rollups()
    stat = dict(archive.db.execute("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'report_summary'").fetchall())
    assert stat["report_summary_year"].split()[:2] == ["3000", "1000"]   # 3 years of 1,000 reports
    assert stat["report_summary_province"].split()[:2] == ["3000", "300"]
    plan = " ".join(r[-1] for r in archive.db.execute(
        "EXPLAIN QUERY PLAN SELECT province, count(*) FROM (SELECT * FROM report_summary WHERE year = 2021) "
        "GROUP BY province").fetchall())
    assert "COVERING INDEX" in plan, plan
