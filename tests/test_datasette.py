"""The published archive: a real Datasette server (`nianbao serve`) on loopback over the
crawled archive, read through its JSON API."""

import json
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import quote
from urllib.request import Request, urlopen

import pytest

from tests.conftest import get_json

pytestmark = pytest.mark.e2e
METADATA = json.loads((Path(__file__).parents[1] / "datasette-metadata.json").read_text(encoding="utf-8"))


def rows(url):
    return get_json(url + ("&" if "?" in url else "?") + "_shape=array")


def test_metadata_describes_every_public_table_and_column(datasette_url):
    tables = METADATA["databases"]["archive"]["tables"]
    for table in ("reports", "active_disclosure", "applications", "reviews", "legacy_stats", "checks"):
        columns = get_json(f"{datasette_url}/archive/{table}.json?_size=1")["columns"]
        described = tables[table].get("columns", {})
        assert set(columns) - {"rowid"} <= set(described), table
    assert len(METADATA["databases"]["archive"]["queries"]) >= 8


def test_read_a_report(datasette_url, expected):
    report = expected["portals"][0]["reports"][0]
    found = rows(f"{datasette_url}/archive/reports.json?title__exact={quote(report['title'])}")
    assert len(found) == 1
    row = get_json(f"{datasette_url}/archive/reports/{found[0]['id']}.json?_shape=array")[0]
    assert (row["agency"], row["year"], row["published_date"]) == (report["agency"], report["year"],
                                                                  report["published_date"])


def test_canned_query_with_parameter(datasette_url, crawled):
    import sqlite3

    with sqlite3.connect(crawled["db"]) as conn:
        year, agency, top = conn.execute(
            "SELECT r.year, r.agency, a.value FROM applications a JOIN reports r ON r.id = a.report_id "
            "WHERE a.row_code = '1' AND a.applicant = '总计' AND a.value IS NOT NULL "
            "ORDER BY r.year DESC, a.value DESC LIMIT 1").fetchone()
    result = rows(f"{datasette_url}/archive/top_requests.json?year={year}")
    assert result[0]["new_requests"] == top and result[0]["agency"] == agency
    assert all(r["new_requests"] <= top for r in result)


def test_failed_checks_query_lists_the_planted_report(datasette_url, expected):
    inconsistent = [r["title"] for p in expected["portals"] for r in p["reports"] if r["inconsistent"]]
    result = rows(f"{datasette_url}/archive/failed_checks.json")
    assert result and {r["check_name"] for r in result} >= {"balance"}
    titles = {row["title"] for r in result for row in
              rows(f"{datasette_url}/archive/reports.json?id={r['report_id']}")}
    assert titles == set(inconsistent)


@pytest.mark.parametrize("term", ["公开", "政府信息", "國家秘密"])
def test_chinese_search_box(datasette_url, crawled, term):
    import sqlite3

    from archive.search import simplified

    found = rows(f"{datasette_url}/archive/reports.json?_search={quote(term)}&_col=agency&_col=year")
    with sqlite3.connect(crawled["db"]) as conn:
        containing = {r[0] for r in conn.execute("SELECT id FROM reports WHERE text_simplified LIKE ? OR title LIKE ?",
                                                 (f"%{simplified(term)}%", f"%{simplified(term)}%"))}
    assert containing, term
    assert {r["id"] for r in found} == containing
    assert all(r["agency"] and r["year"] for r in found)


def test_search_canned_query(datasette_url):
    found = rows(f"{datasette_url}/archive/search_reports.json?q={quote('主动公开')}&province=")
    assert found and all({"agency", "year", "title"} <= set(r) for r in found)


def test_archive_is_read_only(datasette_url):
    request = Request(f"{datasette_url}/archive/-/query", data=b"sql=delete+from+reports", method="POST")
    with pytest.raises(HTTPError):
        urlopen(request, timeout=10)
    sql = quote("delete from reports")
    with pytest.raises(HTTPError):
        urlopen(f"{datasette_url}/archive.json?sql={sql}", timeout=10)
