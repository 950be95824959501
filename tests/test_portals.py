"""The offline portals over real loopback HTTP, and their ground truth (tests/portals/expected.json)."""
import csv
import json
import re
import urllib.error
import urllib.request
from urllib.parse import urljoin, urlsplit

import pytest
from lxml import html

from tests.portals import running_portals, write_portals_csv
from tests.portals.build import EXPECTED_PATH, expected

EXPECTED = json.loads(EXPECTED_PATH.read_text(encoding="utf-8"))
BY_NAME = {p["name"]: p for p in EXPECTED["portals"]}


@pytest.fixture(scope="module")
def portals():
    with running_portals() as running:
        yield {p.name: p for p in running}


def fetch(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def page_text(portal_name, body: bytes) -> str:
    return body.decode(BY_NAME[portal_name]["encoding"])


def cells(tree) -> set[str]:
    return {re.sub(r"\s+", "", td.text_content()) for td in tree.xpath("//table//td")}


def test_each_portal_has_its_own_loopback_host(portals):
    hosts = {urlsplit(p.url).hostname for p in portals.values()}
    assert len(hosts) == len(portals) >= 3
    assert all(re.fullmatch(r"127\.0\.0\.\d+", h) for h in hosts)
    for p in portals.values():
        status, headers, body = fetch(p.url)
        assert status == 200 and headers["Content-Type"].startswith("text/html")
        status, _, robots = fetch(urljoin(p.url, "/robots.txt"))
        assert status == 200 and b"Disallow:\n" in robots


def test_gbk_portal_declares_charset_only_in_meta(portals):
    status, headers, body = fetch(portals["tongxi"].url)
    assert status == 200 and headers["Content-Type"] == "text/html"
    assert b'content="text/html; charset=gbk"' in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert "政府信息公开" in body.decode("gbk")


def test_conditional_requests_answer_304(portals):
    url = urljoin(portals["pingtan"].url, BY_NAME["pingtan"]["reports"][0]["path"])
    status, headers, _ = fetch(url)
    assert status == 200 and headers["ETag"] and headers["Last-Modified"]
    assert fetch(url, {"If-None-Match": headers["ETag"]})[0] == 304
    assert fetch(url, {"If-None-Match": '"other"'})[0] == 200
    assert fetch(url, {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    assert fetch(url, {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})[0] == 200


def test_unknown_path_is_404(portals):
    for p in portals.values():
        assert fetch(urljoin(p.url, "/no/such/page.html"))[0] == 404


def test_trs_pager_exists_only_in_script(portals):
    base = urljoin(portals["pingtan"].url, BY_NAME["pingtan"]["column"]["path"])
    _, _, first = fetch(base)
    text = first.decode("utf-8")
    assert 'createPageHTML(countPage, currentPage, "index", "html")' in text
    assert "var countPage = 3" in text
    assert not html.fromstring(text).xpath('//a[contains(@href, "index_")]')
    for n in (1, 2):
        assert fetch(urljoin(base, f"index_{n}.html"))[0] == 200
    assert fetch(urljoin(base, "index_3.html"))[0] == 404


def test_json_column_is_drawn_by_script(portals):
    col = BY_NAME["meichuan"]["column"]
    _, _, body = fetch(urljoin(portals["meichuan"].url, col["path"]))
    tree = html.fromstring(body.decode("utf-8"))
    assert tree.xpath('//ul[@id="list"]') and not tree.xpath('//ul[@id="list"]/li')
    assert not tree.xpath(f'//a[contains(@href, "{col["json"]}")]') and col["json"] in body.decode()
    status, headers, data = fetch(urljoin(portals["meichuan"].url, col["json"]))
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    urls = {r["url"] for r in json.loads(data)["records"]}
    assert {r["path"] for r in BY_NAME["meichuan"]["reports"]} <= urls


def test_gbk_column_has_a_plain_pager(portals):
    col = BY_NAME["tongxi"]["column"]
    _, _, body = fetch(urljoin(portals["tongxi"].url, col["path"]))
    tree = html.fromstring(body.decode("gbk"))
    assert tree.xpath('//a[text()="下一页"]/@href') == ["index_1.html"]


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_expected_reports_are_served_with_their_values(portals, name):
    for report in BY_NAME[name]["reports"]:
        status, _, body = fetch(urljoin(portals[name].url, report["path"]))
        assert status == 200, report["path"]
        text = page_text(name, body)
        assert report["title"] in text
        shown = cells(html.fromstring(text))
        for value in report["values"]:
            assert str(value["value"]) in shown, (report["path"], value)
        assert report["signature"][0] in text and report["signature"][1] in text
        for alias in report["also_at"]:
            assert fetch(urljoin(portals[name].url, alias))[2] == body


def test_every_list_entry_is_a_served_page_or_offsite(portals):
    for name, portal in BY_NAME.items():
        for item in portal["non_reports"]:
            if "path" in item:
                status, _, body = fetch(urljoin(portals[name].url, item["path"]))
                assert status == 200 and item["title"] in page_text(name, body)
            else:
                assert urlsplit(item["url"]).hostname not in {urlsplit(p.url).hostname
                                                               for p in portals.values()}
    assert sum(len(p["non_reports"]) for p in BY_NAME.values()) >= 4


def test_ground_truth_mix():
    reports = [r for p in EXPECTED["portals"] for r in p["reports"]]
    assert len(reports) >= 12
    assert {r["template"] for r in reports} == {"pre2019", "2019", "2021"}
    assert [r["template"] for r in reports if r["inconsistent"]] == ["2021"]
    assert any(r["agency"].endswith("镇人民政府") for r in reports)
    assert any(r["agency"].endswith("财政局") for r in reports)
    assert any(r["agency"].endswith("街道办事处") for r in reports)


def s3_grid(tree):
    """{row label: [7 values]} of the section 三 table, read by order of value cells."""
    for table in tree.xpath("//table"):
        if "申请人情况" not in table.text_content():
            continue
        grid = {}
        for tr in table.xpath(".//tr"):
            texts = [re.sub(r"\s+", "", td.text_content()) for td in tr.xpath("./td")]
            if len(texts) >= 8 and all(re.fullmatch(r"\d+", t) for t in texts[-7:]):
                grid[texts[-8]] = [int(t) for t in texts[-7:]]
        return grid
    return None


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_table_three_balances_except_the_planted_report(portals, name):
    for report in BY_NAME[name]["reports"]:
        if report["template"] == "pre2019":
            continue
        _, _, body = fetch(urljoin(portals[name].url, report["path"]))
        grid = s3_grid(html.fromstring(page_text(name, body)))
        new, old = grid["一、本年新收政府信息公开申请数量"], grid["二、上年结转政府信息公开申请数量"]
        done, carry = grid["（七）总计"], grid["四、结转下年度继续办理"]
        unbalanced = [i for i in range(7) if new[i] + old[i] != done[i] + carry[i]]
        assert unbalanced == ([0, 6] if report["inconsistent"] else []), report["path"]
        for row in grid.values():
            assert sum(row[:6]) == row[6]


def test_expected_json_is_up_to_date():
    assert expected() == EXPECTED


def test_portals_csv(tmp_path):
    with running_portals(sites=["tongxi"]) as running:
        write_portals_csv(running, tmp_path / "portals.csv")
        rows = list(csv.DictReader(open(tmp_path / "portals.csv", encoding="utf-8")))
    assert list(rows[0]) == ["name", "url", "region_code", "province", "city", "level"]
    assert rows[0]["name"] == "tongxi" and rows[0]["url"].startswith("http://127.0.0.13:")


BODY_XPATH = '//*[contains(@class, "TRS_Editor") or @id="zoom" or @id="Zoom"]'


def test_boilerplate_is_around_the_body_not_in_it(portals):
    seen = set()
    for name, portal in BY_NAME.items():
        for report in portal["reports"]:
            _, _, body = fetch(urljoin(portals[name].url, report["path"]))
            tree = html.fromstring(page_text(name, body))
            content = tree.xpath(BODY_XPATH)[0].text_content()
            page = tree.text_content()
            assert not [b for b in EXPECTED["boilerplate"] if b in content], report["path"]
            seen |= {b for b in EXPECTED["boilerplate"] if b in page}
    assert seen == set(EXPECTED["boilerplate"])
