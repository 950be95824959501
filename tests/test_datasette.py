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


def prose_matches(crawled, term, province=""):
    """Reports whose title, agency or narrative lines hold the term (what search indexes),
    written apart from the index: Python over the stored text."""
    from archive.search import prose, simplified

    word = simplified(term)
    found = set()
    for report_id, title, agency, text, region in sql(
            crawled, "SELECT r.id, r.title, r.agency, r.text, g.province FROM reports r "
                     "LEFT JOIN regions g ON g.portal = r.portal"):
        if province and region != province:
            continue
        if any(word in simplified(part or "") for part in (title, agency, prose(text))):
            found.add(report_id)
    return found


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


def test_failed_checks_query_lists_the_planted_problems(datasette_url, expected):
    flagged = {r["title"] for p in expected["portals"] for r in p["reports"]
               if r["inconsistent"] or r.get("failing_checks")}
    result = rows(f"{datasette_url}/archive/failed_checks.json")
    assert result and {r["check_name"] for r in result} >= {"balance"}
    titles = {row["title"] for r in result for row in
              rows(f"{datasette_url}/archive/reports.json?id={r['report_id']}")}
    assert titles == flagged


@pytest.mark.parametrize("term", ["公开", "政府信息", "國家秘密"])
def test_chinese_search_box(datasette_url, crawled, term):
    found = rows(f"{datasette_url}/archive/reports.json?_search={quote(term)}&_col=agency&_col=year")
    containing = prose_matches(crawled, term)
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


# -- every canned query, against SQL written independently on the archive file -------------

def sql(crawled, query, params=()):
    import sqlite3

    with sqlite3.connect(crawled["db"]) as conn:
        return conn.execute(query, params).fetchall()


def query(datasette_url, name, **params):
    from urllib.parse import urlencode

    return rows(f"{datasette_url}/archive/{name}.json?{urlencode(params)}")


def parameters(name):
    import re

    return sorted(set(re.findall(r":(\w+)", METADATA["databases"]["archive"]["queries"][name]["sql"])))


# Queries that list faults; each is tested with rows where its fault is produced.
FAULT_QUERIES = {"layout_alarms": "tests/test_layout_alarms.py::test_the_alarms_are_on_the_home_page_and_in_a_canned_query"}


@pytest.mark.parametrize("name", list(METADATA["databases"]["archive"]["queries"]))
def test_every_canned_query_returns_rows_in_the_demo(datasette_url, name):
    """An empty parameter means "all": every canned query returns rows with every parameter
    left empty, and with a year where it takes one."""
    empty = {p: "" for p in parameters(name)}
    if name in FAULT_QUERIES:  # the demo portals are healthy: their second crawl raises nothing
        assert query(datasette_url, name, **empty) == [], name
        return
    assert query(datasette_url, name, **empty), name
    if "year" in empty:
        with_year = query(datasette_url, name, **{**empty, "year": "2022"})
        assert with_year, name
        years = {r.get("year", r.get("to_year")) for r in with_year} - {None}
        assert years <= {2022}, (name, years)


def test_an_empty_year_means_every_year(datasette_url, crawled):
    top = query(datasette_url, "top_requests", year="", province="")
    assert [r["new_requests"] for r in top] == [v for (v,) in sql(
        crawled, "SELECT a.value FROM applications a WHERE a.row_code = '1' AND a.applicant = '总计' "
                 "AND a.value IS NOT NULL ORDER BY a.value DESC LIMIT 50")]
    secrets = query(datasette_url, "state_secret_refusals", year="", province="")
    assert {r["report_id"] for r in secrets} == {r[0] for r in sql(
        crawled, "SELECT report_id FROM applications WHERE row_code = '3.3.1' AND applicant = '总计' AND value > 0")}
    assert len({r["year"] for r in secrets}) > 1
    (first, last), = sql(crawled, "SELECT min(year), max(year) FROM reports")
    have = {}
    for portal, year in sql(crawled, "SELECT portal, year FROM reports WHERE year IS NOT NULL"):
        have.setdefault(portal, set()).add(year)
    missing = {p: [y for y in range(first, last + 1) if y not in have.get(p, set())]
               for (p,) in sql(crawled, "SELECT name FROM portals")}
    found = query(datasette_url, "portals_without_report", year="")
    assert {r["portal"]: r["years_missing"] for r in found} == {
        p: ", ".join(map(str, ys)) for p, ys in missing.items() if ys}
    assert len(query(datasette_url, "search_reports", q="", province="")) == sql(
        crawled, "SELECT count(*) FROM reports")[0][0]


# -- downloads that open in Excel ------------------------------------------------------

@pytest.mark.parametrize("path", ["report_summary.csv?_size=5", "applications.csv?_size=5",
                                  "top_requests.csv?year=&province=", "state_secret_refusals.csv?year=2022&province="])
def test_csv_downloads_start_with_a_bom_and_save_as_a_file(datasette_url, path):
    with urlopen(f"{datasette_url}/archive/{path}", timeout=30) as response:
        body, headers = response.read(), response.headers
    assert body.startswith(b"\xef\xbb\xbf") and not body.startswith(b"\xef\xbb\xbf\xef\xbb\xbf")
    assert headers["content-type"].startswith("text/csv")
    stem = path.split(".csv")[0]
    assert headers["content-disposition"].startswith(f'attachment; filename="{stem}.csv"')
    import csv
    import io

    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert table[0] and len(table) > 1 and "report_id" in table[0]


def test_xlsx_download_holds_the_rows(datasette_url):
    from io import BytesIO

    from openpyxl import load_workbook

    with urlopen(f"{datasette_url}/archive/top_requests.xlsx?year=&province=", timeout=30) as response:
        body, headers = response.read(), response.headers
    assert headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in headers["content-disposition"]
    sheet = load_workbook(BytesIO(body)).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    expected = query(datasette_url, "top_requests", year="", province="")
    assert cells[0] == list(expected[0])
    assert cells[1:] == [list(r.values()) for r in expected]


def test_top_requests_within_a_province(datasette_url, crawled):
    (year,), = sql(crawled, "SELECT max(year) FROM reports WHERE portal = 'pingtan' AND template <> 'pre2019'")
    found = query(datasette_url, "top_requests", year=year, province="福建省")
    assert found and {r["province"] for r in found} == {"福建省"}
    assert [r["report_id"] for r in found] == [r[0] for r in sql(
        crawled, "SELECT r.id FROM reports r JOIN applications a ON a.report_id = r.id WHERE r.portal = 'pingtan' "
                 "AND r.year = ? AND a.row_code = '1' AND a.applicant = '总计'", [year])]


def test_state_secret_refusals_every_year(datasette_url, crawled):
    for (year,) in sql(crawled, "SELECT DISTINCT year FROM reports WHERE year IS NOT NULL"):
        expected = {r[0] for r in sql(crawled, "SELECT a.report_id FROM applications a JOIN reports r ON r.id = a.report_id "
                                               "WHERE a.row_code = '3.3.1' AND a.applicant = '总计' AND a.value > 0 AND r.year = ?", [year])}
        assert {r["report_id"] for r in query(datasette_url, "state_secret_refusals", year=year)} == expected


def test_refusal_reasons_by_province_and_year(datasette_url, crawled):
    found = query(datasette_url, "refusal_reasons", province="福建省", year=2021)
    assert len(found) == 8 and {r["province"] for r in found} == {"福建省"}
    (total,), = sql(crawled, "SELECT sum(a.value) FROM applications a JOIN reports r ON r.id = a.report_id "
                             "WHERE r.portal = 'pingtan' AND r.year = 2021 AND a.row_code LIKE '3.3.%' AND a.applicant = '总计'")
    assert sum(r["requests"] for r in found) == total
    provinces = {r[0] for r in sql(crawled, "SELECT DISTINCT g.province FROM applications a JOIN reports r ON r.id = a.report_id "
                                            "JOIN regions g ON g.portal = r.portal WHERE a.row_code LIKE '3.3.%'")}
    assert {r["province"] for r in query(datasette_url, "refusal_reasons")} == provinces >= {"福建省"}


def test_failed_checks_by_rule(datasette_url):
    assert {r["check_name"] for r in query(datasette_url, "failed_checks", check_name="balance")} == {"balance"}
    assert query(datasette_url, "failed_checks", check_name="no_such_rule") == []


def test_agency_over_years(datasette_url, expected):
    years = sorted(r["year"] for p in expected["portals"] for r in p["reports"] if "平潭" in (r["agency"] or ""))
    found = query(datasette_url, "agency_over_years", agency="平潭")
    assert [r["year"] for r in found] == years
    latest = next(r for p in expected["portals"] for r in p["reports"] if r["agency"] == "平潭综合实验区" and r["year"] == 2022)
    new = next(v["value"] for v in latest["values"] if v.get("row_code") == "1" and v.get("applicant") == "总计")
    assert next(r for r in found if r["year"] == 2022)["new_requests"] == new


def test_corrected_by_review_or_court(datasette_url, crawled):
    expected = set(sql(crawled, "SELECT report_id, proceeding, value FROM reviews WHERE result = '结果纠正' AND value > 0"))
    found = query(datasette_url, "corrected_by_review_or_court")
    assert expected and {(r["report_id"], r["proceeding"], r["corrected"]) for r in found} == expected
    assert all(r["year"] == 2022 for r in query(datasette_url, "corrected_by_review_or_court", year=2022))


def test_portals_without_report(datasette_url, crawled):
    for year in (2013, 2021, 2023, 1999):  # 1999: outside the archive, so every portal
        have = {r[0] for r in sql(crawled, "SELECT DISTINCT portal FROM reports WHERE year = ?", [year])}
        found = {r["portal"] for r in query(datasette_url, "portals_without_report", year=year)}
        assert found == {r[0] for r in sql(crawled, "SELECT name FROM portals")} - have, year


def test_largest_changes(datasette_url, crawled):
    by_key = {(agency, portal, year): value for agency, portal, year, value in sql(
        crawled, "SELECT r.agency, r.portal, r.year, a.value FROM applications a JOIN reports r ON r.id = a.report_id "
                 "WHERE a.row_code = '1' AND a.applicant = '总计' AND a.value IS NOT NULL")}
    changes = sorted((abs(v - by_key[(a, p, y - 1)]), y) for (a, p, y), v in by_key.items() if (a, p, y - 1) in by_key)
    found = query(datasette_url, "largest_changes")
    assert changes and len(found) == len(changes)
    assert abs(found[0]["change"]) == changes[-1][0]
    assert all(r["after"] - r["before"] == r["change"] and r["to_year"] == r["from_year"] + 1 for r in found)


@pytest.mark.parametrize("term", ["公开", "涉密", "國家秘密"])
def test_search_within_a_province(datasette_url, crawled, term):
    for province in ("福建省", ""):
        expected = prose_matches(crawled, term, province)
        found = query(datasette_url, "search_reports", q=term, province=province)
        assert expected and {r["report_id"] for r in found} == expected, (term, province)
        assert all(r["agency"] and r["year"] and r["title"] for r in found)


def test_requests_over_years(datasette_url, crawled):
    expected = dict(sql(crawled, "SELECT r.year, sum(a.value) FROM applications a JOIN reports r ON r.id = a.report_id "
                                 "WHERE a.row_code = '1' AND a.applicant = '总计' GROUP BY r.year"))
    found = query(datasette_url, "requests_over_years")
    assert {r["year"]: r["new_requests"] for r in found} == expected
    assert [r["year"] for r in query(datasette_url, "requests_over_years", agency="平潭")] == [2019, 2020, 2021, 2022]


def test_archive_freshness(datasette_url, crawled):
    found = query(datasette_url, "archive_freshness")
    assert {r["portal"]: r["reports"] for r in found} == dict(sql(
        crawled, "SELECT p.name, count(r.id) FROM portals p LEFT JOIN reports r ON r.portal = p.name GROUP BY p.name"))
    assert all(r["last_fetched"] for r in found)


# -- views ----------------------------------------------------------------------------

def test_report_summary_matches_the_published_figures(datasette_url, expected):
    checked = False
    for portal in expected["portals"]:
        for report in portal["reports"]:
            new = [v["value"] for v in report["values"] if v.get("row_code") == "1" and v.get("applicant") == "总计"]
            if not new:
                continue
            found = rows(f"{datasette_url}/archive/report_summary.json?title__exact={quote(report['title'])}")
            stored = found and rows(f"{datasette_url}/archive/applications.json?report_id={found[0]['report_id']}&_size=1")
            if stored:  # whether every report was crawled and parsed is test_crawl_e2e's business
                assert [r["new_requests"] for r in found] == new, report["title"]
                checked = True
    assert checked


def test_regions_from_the_region_code(datasette_url):
    pingtan, = rows(f"{datasette_url}/archive/regions.json?portal=pingtan")
    assert (pingtan["province_code"], pingtan["province"], pingtan["city_code"], pingtan["city"],
            pingtan["county_code"]) == ("35", "福建省", "3501", "福州市", "350128")
    coverage = rows(f"{datasette_url}/archive/coverage.json?portal=pingtan&_sort=year")
    assert [r["year"] for r in coverage] == [2013, 2019, 2020, 2021, 2022]
    assert {r["province"] for r in coverage} == {"福建省"}


# -- the plugin's pages -----------------------------------------------------------------

def html(url):
    with urlopen(url, timeout=30) as response:
        return response.read().decode("utf-8"), response.headers


@pytest.mark.parametrize("term", ["公开", "涉密", "國家秘密"])
def test_search_everything_page(datasette_url, crawled, term):
    page, _ = html(f"{datasette_url}/-/search?q={quote(term)}")
    expected = prose_matches(crawled, term)
    for report_id, title, agency, year in sql(crawled, "SELECT id, title, agency, year FROM reports"):
        if report_id in expected:
            assert f'href="/-/report/{report_id}"' in page and title in page and agency in page and str(year) in page
        else:
            assert f'href="/-/report/{report_id}"' not in page
    assert f"Reports: {len(expected)}<" in page


def test_home_page_has_the_search_box(datasette_url, crawled):
    page, _ = html(datasette_url + "/")
    (reports, portals), = sql(crawled, "SELECT count(*), count(DISTINCT portal) FROM reports")
    assert 'action="/-/search"' in page and f"{reports} reports from {portals} portals" in page


def test_report_page(datasette_url, crawled):
    (report_id, title, url, digest), = sql(crawled, "SELECT id, title, url, document_sha256 FROM reports "
                                                    "WHERE portal = 'pingtan' AND year = 2021")
    page, _ = html(f"{datasette_url}/-/report/{report_id}")
    assert title in page and f'href="{url}"' in page and f"/-/archived/{digest}" in page
    assert 'class="nianbao-published"' in page and "本年新收政府信息公开申请数量" in page
    assert 'class="rows-and-columns nianbao-extracted" data-table="applications"' in page
    with pytest.raises(HTTPError):
        urlopen(f"{datasette_url}/-/report/999999", timeout=10)


def test_archived_copy_is_sandboxed(datasette_url, crawled):
    (digest,), = sql(crawled, "SELECT document_sha256 FROM reports WHERE portal = 'pingtan' AND year = 2021")
    page, _ = html(f"{datasette_url}/-/archived/{digest}")
    assert '<iframe class="nianbao-archived" sandbox=""' in page
    document, headers = html(f"{datasette_url}/-/archived/{digest}/document")
    assert headers["Content-Security-Policy"].startswith("sandbox;") and "<script" not in document.lower()
    source, headers = html(f"{datasette_url}/-/archived/{digest}/document?as=source")
    assert headers["Content-Type"].startswith("text/plain") and "<html" in source.lower()


def test_serving_limits(datasette_url):
    settings = get_json(f"{datasette_url}/-/settings.json")
    assert (settings["sql_time_limit_ms"], settings["max_returned_rows"], settings["allow_download"]) == (3000, 2000, False)
    plugins = {p["name"] for p in get_json(f"{datasette_url}/-/plugins.json")}
    assert plugins == {"nianbao", "datasette-vega"}
    databases = get_json(f"{datasette_url}/-/databases.json")
    assert [d["is_mutable"] for d in databases] == [False]


# -- for journalists: start here, a citable cell, one agency year on year ----------------------

def test_start_page_asks_three_questions_that_answer(datasette_url):
    import lxml.html

    text, _ = html(f"{datasette_url}/-/start")
    tree = lxml.html.fromstring(text)
    questions = tree.xpath("//ol[@class='nianbao-questions']//a/@href")
    assert len(questions) == 3
    for href in questions:
        path, _, query_string = href.partition("?")
        assert rows(f"{datasette_url}{path}.json?{query_string}"), href
    example = tree.xpath("//a[@class='nianbao-example-cell']/@href")
    assert example and example[0].startswith("/-/cell/")
    home, _ = html(f"{datasette_url}/")
    assert "/-/start" in home


def test_every_figure_of_a_report_links_to_its_cell_as_printed(datasette_url, crawled):
    """Each value on a report page links to a permalink that shows the same value, the cell
    as printed (highlighted in the published table for an HTML page) and a citation."""
    import lxml.html

    (report_id,), = sql(crawled, "SELECT r.id FROM reports r WHERE r.title LIKE '平潭综合实验区2021年度%'")
    page, _ = html(f"{datasette_url}/-/report/{report_id}")
    links = lxml.html.fromstring(page).xpath("//a[@class='cell-link']")
    stored = sql(crawled, "SELECT count(*) FROM applications WHERE report_id = ?", [report_id])[0][0]
    assert len(links) >= stored > 10
    checked = 0
    for link in links[::7]:
        cell_page, _ = html(datasette_url + link.get("href"))
        tree = lxml.html.fromstring(cell_page)
        shown = tree.xpath("string(//dd[@class='stored'])").strip()
        assert shown == ("NULL (not reported)" if link.text_content() == "—" else link.text_content())
        printed = "".join(tree.xpath("string(//dd[@class='as-printed'])").split())
        cited = tree.xpath("//td[@class='nianbao-cited']")
        assert len(cited) == 1 and printed and printed in "".join(cited[0].text_content().split())
        assert tree.xpath("//a[@class='permalink']/@href")[0].endswith(link.get("href"))
        checked += 1
    assert checked >= 5


def test_a_cell_that_does_not_exist_is_404(datasette_url):
    for path in ("/-/cell/1/applications?row_code=nope&applicant=总计", "/-/cell/1/no_table?x=1",
                 "/-/cell/1/applications"):
        with pytest.raises(HTTPError) as error:
            urlopen(datasette_url + quote(path, safe="/?=&"), timeout=10)
        assert error.value.code == 404


def test_report_page_compares_the_agency_year_on_year(datasette_url, crawled):
    import lxml.html

    (report_id, agency, portal), = sql(crawled, "SELECT id, agency, portal FROM reports "
                                                "WHERE title LIKE '平潭综合实验区2022年度%'")
    expected = {}
    for year, value in sql(crawled, "SELECT r.year, a.value FROM reports r LEFT JOIN applications a "
                                    "ON a.report_id = r.id AND a.row_code = '1' AND a.applicant = '总计' "
                                    "WHERE r.agency = ? AND r.portal = ? AND r.year IS NOT NULL ORDER BY r.id",
                           [agency, portal]):
        expected[year] = value
    tree = lxml.html.fromstring(html(f"{datasette_url}/-/report/{report_id}")[0])
    table = tree.xpath("//table[contains(@class, 'nianbao-years')]")[0]
    years = [int(t) for t in table.xpath(".//thead//a/text()")]
    assert years == sorted(expected) and len(years) >= 4
    new = [c.text_content() for c in table.xpath(".//tr[@data-column='new_requests']/td")]
    assert new == ["—" if expected[y] is None else str(expected[y]) for y in years]
    bars = tree.xpath("//svg[@class='nianbao-chart']//*[@data-series='new_requests']/@data-year")
    assert [int(y) for y in bars] == [y for y in years if expected[y] is not None]


def test_big_tables_open_on_what_their_indexes_serve(datasette_url, crawled):
    """report_summary opens with the most requests first (served by its (year, new_requests)
    index, no sort of a whole year), and a full-text search of reports computes no facets by
    default (a common word matches most of a million reports); a facet can still be asked for."""
    page = get_json(f"{datasette_url}/archive/report_summary.json?year=2022&_shape=objects")
    requests = [r["new_requests"] for r in page["rows"]]
    assert requests and requests == sorted(requests, key=lambda v: (v is not None, v), reverse=True)
    assert requests[0] == sql(crawled, "SELECT max(new_requests) FROM report_summary WHERE year = 2022")[0][0]
    assert set(page["facet_results"]) == {"year", "province"}
    search = get_json(f"{datasette_url}/archive/reports.json?_search=%E5%85%AC%E5%BC%80&_shape=objects")
    assert search["rows"] and not search["facet_results"]
    asked = get_json(f"{datasette_url}/archive/reports.json?_search=%E5%85%AC%E5%BC%80&_facet=year&_shape=objects")
    assert set(asked["facet_results"]) == {"year"}
