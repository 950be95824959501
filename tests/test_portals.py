"""The offline portals over real loopback HTTP, and their ground truth (nianbao/demo/expected.json)."""
import csv
import http.client
import io
import json
import logging
import re
import time
import urllib.error
import urllib.request
from urllib.parse import quote, urljoin, urlsplit

import pytest
from lxml import html

from nianbao.demo import running_portals, write_portals_csv
from nianbao.demo.build import EXPECTED_PATH, expected

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


def fetch_once(url, method="GET", body=None, headers=None):
    """One request, redirects not followed: (status, headers, body)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    conn.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), body=body, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, resp.headers, data


def document_text_and_cells(fmt: str, data: bytes) -> tuple[str, set[str]]:
    """Text and table cells of an attachment, read with the libraries the archive uses."""
    if fmt == "docx":
        import docx
        doc = docx.Document(io.BytesIO(data))
        text = "\n".join(p.text for p in doc.paragraphs)
        found = {re.sub(r"\s+", "", c.text) for t in doc.tables for row in t.rows for c in row.cells}
        return text, found
    if fmt == "pdf":
        import pdfplumber
        logging.getLogger("pdfminer").setLevel(logging.ERROR)
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            text = "\n".join(page.extract_text() or "" for page in pdf.pages)
            found = {re.sub(r"\s+", "", c or "") for page in pdf.pages for t in page.extract_tables()
                     for row in t for c in row}
        return text, found
    if fmt == "xlsx":
        import openpyxl
        book = openpyxl.load_workbook(io.BytesIO(data))
        found = {str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None}
        return "", found
    return "", set()


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
    sub = col["sub"] if "sub" in col else BY_NAME["meichuan"]["columns"][1]
    _, _, sub_body = fetch(urljoin(portals["meichuan"].url, sub["path"]))
    assert sub["json"] not in sub_body.decode()  # the address is built at run time: only a browser finds it
    status, _, sub_data = fetch(urljoin(portals["meichuan"].url, sub["json"]))
    urls |= {r["url"] for r in json.loads(sub_data)["records"]}
    assert {r["path"] for r in BY_NAME["meichuan"]["reports"]} <= urls


def test_gbk_column_has_a_plain_pager(portals):
    col = BY_NAME["tongxi"]["column"]
    _, _, body = fetch(urljoin(portals["tongxi"].url, col["path"]))
    tree = html.fromstring(body.decode("gbk"))
    assert tree.xpath('//a[text()="下一页"]/@href') == ["index_1.html"]


def served_report(portal, name, report) -> tuple[str, set[str], bytes]:
    """(text, table cells, body of report["path"]) of a report, from its page or its attachments."""
    status, headers, body = fetch(urljoin(portal.url, report["path"]))
    assert status == 200, report["path"]
    text, shown = "", set()
    if headers["Content-Type"].startswith("text/html"):
        text = page_text(name, body)
        assert report["title"] in text
        shown = cells(html.fromstring(text))
    for att in report["attachments"]:
        status, headers, data = fetch(urljoin(portal.url, att["path"]))
        assert status == 200 and headers["Content-Type"] == att["content_type"], att
        assert quote(att["filename"]) in headers["Content-Disposition"], att
        if att["format"] in ("doc", "wps"):
            assert data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") and len(data) < 2048
        more_text, more_cells = document_text_and_cells(att["format"], data)
        text, shown = text + "\n" + more_text, shown | more_cells
    return text, shown, body


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_expected_reports_are_served_with_their_values(portals, name):
    for report in BY_NAME[name]["reports"]:
        text, shown, body = served_report(portals[name], name, report)
        for value in report["values"]:
            assert str(value["value"]) in shown, (report["path"], value)
        if report["source_format"] in ("html", "pdf", "docx"):
            assert report["signature"][0] in text and report["signature"][1] in text, report["path"]
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
    assert len(reports) >= 40
    assert {r["source_format"] for r in reports} == {"html", "pdf", "docx", "doc", "wps"}
    assert [r["failing_checks"] for r in reports if r["failing_checks"]].count(["tables_missing"]) == 1
    assert any(len(r["linked_from"]) == 2 for r in reports)
    assert any(len(r["also_at"]) >= 3 for r in reports)
    assert any(len(r["attachments"]) == 2 for r in reports)
    mechanisms = {m for p in EXPECTED["portals"] for c in p["columns"] for m in c["list_via"]}
    assert mechanisms == {"static", "pager", "script-pager", "datastore", "json", "iframe", "browser"}
    titles = [r["title"] for r in reports]
    assert any(t.startswith("二〇") for t in titles) and any("政务公开年报" in t for t in titles)
    assert any(re.match(r"20\d\d年度?\D", t) for t in titles)
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
        if report["template"] == "pre2019" or report["source_format"] != "html":
            continue  # attachments: their cells are checked by test_expected_reports_are_served_…
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


BODY_XPATH = '//*[contains(@class, "TRS_Editor") or @id="zoom" or @id="Zoom" or @id="vsb_content"]'


def test_boilerplate_is_around_the_body_not_in_it(portals):
    seen = set()
    for name, portal in BY_NAME.items():
        for report in portal["reports"]:
            _, headers, body = fetch(urljoin(portals[name].url, report["path"]))
            if not headers["Content-Type"].startswith("text/html"):
                continue
            tree = html.fromstring(page_text(name, body))
            content = tree.xpath(BODY_XPATH)[0].text_content()
            page = tree.text_content()
            assert not [b for b in EXPECTED["boilerplate"] if b in content], report["path"]
            seen |= {b for b in EXPECTED["boilerplate"] if b in page}
    assert seen == set(EXPECTED["boilerplate"])


# ---- the portals of the discovery patterns of issue 3 --------------------------------------------

def test_hanweb_datastore_and_dataproxy(portals):
    portal = BY_NAME["liutang"]
    col = next(c for c in portal["columns"] if c["list_via"] == ["datastore"] and c["total_records"] > c["per_page"])
    _, _, body = fetch(urljoin(portals["liutang"].url, col["path"]))
    text = body.decode("utf-8")
    tree = html.fromstring(text)
    store = tree.xpath('//script[@type="text/xml"]')[0].text
    assert not tree.xpath('//a[contains(@href, "/art/")]')  # the list exists only inside the datastore
    assert store.count("<record>") == col["per_page"] and "<nextgroup>" in store
    assert f"totalRecord:{col['total_records']}" in text and f"perPage:{col['per_page']}" in text
    rest = f"startrecord={col['per_page'] + 1}&endrecord={2 * col['per_page']}&perpage={col['per_page']}"
    query = f"?{rest}&columnid={col['columnid']}&unitid={col['unitid']}&webid=31&path=/&appid=1"
    status, headers, got = fetch(urljoin(portals["liutang"].url, col["dataproxy"] + query))
    assert status == 200 and headers["Content-Type"].startswith("text/xml")
    assert got.decode().count("<record>") == col["total_records"] - col["per_page"]
    form = f"col=1&appid=1&webid=31&path=/&columnid={col['columnid']}&unitid={col['unitid']}&permissiontype=0"
    status, _, posted = fetch_once(urljoin(portals["liutang"].url, col["dataproxy"] + "?" + rest), "POST", form,
                                   {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and posted == got
    hrefs = set(re.findall(r"href='([^']+)'", store + got.decode()))
    assert {r["path"] for r in portal["reports"] if col["path"] in r["linked_from"]} <= hrefs


def test_columns_nest_by_level_and_year(portals):
    cols = {c["link_text"]: c for c in BY_NAME["liutang"]["columns"]}
    assert cols["2021年度"]["parent"] == cols["乡镇（街道）年报"]["path"]
    assert cols["部门年报"]["parent"] == cols["政府信息公开年报"]["path"]
    _, _, body = fetch(urljoin(portals["liutang"].url, cols["乡镇（街道）年报"]["path"]))
    assert cols["2021年度"]["path"] in body.decode()


def test_redirects_on_the_way_to_disclosure(portals):
    portal, url = BY_NAME["yanqi"], portals["yanqi"].url
    status, headers, _ = fetch_once(url)
    assert status == 302 and headers["Location"] == portal["home"]
    hops = {r["via"]: r for r in portal["redirects"]}
    status, headers, _ = fetch_once(urljoin(url, hops["http"]["path"]))
    assert status == 302 and headers["Location"] == hops["http"]["to"]
    _, _, body = fetch_once(urljoin(url, hops["meta"]["path"]))
    assert f'http-equiv="refresh" content="0;url={hops["meta"]["to"]}"' in body.decode("gbk")
    _, _, body = fetch_once(urljoin(url, hops["script"]["path"]))
    assert f"location.href='{hops['script']['to']}'" in body.decode("gbk")
    assert hops["script"]["to"] == portal["disclosure"]["path"]
    _, _, body = fetch_once(urljoin(url, portal["disclosure"]["path"]))
    tree = html.fromstring(body.decode("gbk"))
    assert tree.xpath('//a[text()="更多>>"]/@href') == [portal["more"]["href"]]
    assert not tree.xpath(f'//a[text()="{portal["more"]["heading"]}"]')  # the heading itself is no link


def test_charset_declared_wrongly_in_the_header(portals):
    status, headers, body = fetch(urljoin(portals["yanqi"].url, BY_NAME["yanqi"]["disclosure"]["path"]))
    assert headers["Content-Type"] == "text/html; charset=utf-8" and b'<meta charset="gb2312">' in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    report = next(r for r in BY_NAME["yanqi"]["reports"] if r["agency"].startswith("堃"))
    _, _, page = fetch(urljoin(portals["yanqi"].url, report["path"]))
    with pytest.raises(UnicodeDecodeError):
        page.decode("gb2312")  # 堃 is GBK, not GB2312: decode the declared gb2312 as GBK/GB18030
    assert report["title"] in page.decode("gb18030")


def test_iframe_lists_with_query_pagers(portals):
    url = portals["yanqi"].url
    for col in BY_NAME["yanqi"]["columns"]:
        _, _, body = fetch(urljoin(url, col["path"]))
        tree = html.fromstring(body.decode("gbk"))
        assert tree.xpath("//iframe/@src") == [col["iframe"]]
        assert not tree.xpath('//a[contains(@href, "content.jsp")]')
        base = urljoin(url, col["path"])
        last = col["list_pages"]
        _, _, first = fetch(urljoin(base, col["iframe"]))
        pager = html.fromstring(first.decode("gbk")).xpath('//a[text()="尾页"]/@href')
        if last > 1:
            assert pager == [col["iframe"].replace("=1", f"={last}")]
            assert f"&{col['page_param']}={last}" in pager[0]
        assert fetch(urljoin(base, col["iframe"].replace("=1", f"={last + 1}")))[0] == 404
    assert {c["page_param"] for c in BY_NAME["yanqi"]["columns"]} == {"page", "pageIndex"}


def test_vsb_pager_counts_down(portals):
    col = BY_NAME["shiqiao"]["columns"][0]
    _, _, body = fetch(urljoin(portals["shiqiao"].url, col["path"]))
    tree = html.fromstring(body.decode("utf-8"))
    assert tree.xpath('//a[text()="下页"]/@href') == [f"ndbg/{col['list_pages'] - 1}.htm"]
    assert tree.xpath('//a[text()="尾页"]/@href') == ["ndbg/1.htm"]


def test_report_linked_directly_as_pdf(portals):
    report = next(r for r in BY_NAME["shiqiao"]["reports"] if r["path"].endswith(".pdf"))
    _, _, body = fetch(urljoin(portals["shiqiao"].url, BY_NAME["shiqiao"]["columns"][0]["path"].replace(
        "ndbg.htm", "ndbg/2.htm")))
    assert report["path"] in urljoin("http://x/xxgk/ndbg/2.htm", html.fromstring(body.decode()).xpath(
        f'//a[@title="{report["title"]}"]/@href')[0])


def test_attachment_files_stay_small():
    from nianbao.demo.build_patterns import FILES
    assert sum(f.stat().st_size for f in FILES.iterdir()) < 300_000


def test_slow_portal():
    with running_portals(sites=["tongxi"], delay=0.2) as running:
        started = time.monotonic()
        assert fetch(running[0].url)[0] == 200
        assert time.monotonic() - started >= 0.2


def test_changed_report_has_new_text_and_etag():
    change = EXPECTED["changed"]
    with running_portals(sites=[change["portal"]]) as running:
        _, before, old = fetch(urljoin(running[0].url, change["path"]))
    with running_portals(sites=[change["portal"]], changed=True) as running:
        _, after, new = fetch(urljoin(running[0].url, change["path"]))
    assert change["added_text"] not in old.decode() and change["added_text"] in new.decode()
    assert before["ETag"] != after["ETag"] and before["Last-Modified"] != after["Last-Modified"]
