"""Properties the parsers and the portals-file reader keep on any input, for hypothesis:
no exception escapes (a damaged document is a finding: ``unreadable_format``; a limit is
:class:`archive.limits.LimitExceeded`, which the parse workers record) and no input hangs.
Used by ``tests/test_fuzz.py`` (a short run) and ``bench/fuzz.py`` (a long one)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import strategies as st

from archive.limits import LimitExceeded
from archive.parse import parse_report
from crawler.portals import PortalsFileError, read_portals

ROOT = Path(__file__).resolve().parents[2]
SEEDS = {p.name: p.read_bytes() for p in sorted((ROOT / "nianbao/demo/files").iterdir())
         if p.suffix in (".pdf", ".docx", ".xlsx")}
SEEDS["page.html"] = (ROOT / "tests/fixtures/pingtan_2021_report.html").read_bytes()
SEEDS["flat.txt"] = "\n".join(["三、收到和处理政府信息公开申请情况", "本年新收政府信息公开申请数量",
                               "12", "0", "3", "0", "0", "0", "15"]).encode()
LIST_TITLE = "某县2021年政府信息公开工作年度报告"
TAGS = ["<table>", "</table>", "<tr>", "<td rowspan=3>", "<td colspan=999>", "<td>", "</td>", "<p>", "<br>",
        "<div id='zoom'>", "</div>", "<script>", "</script>", "<!--", "-->", "<meta charset='gbk'>", "&nbsp;",
        "<title>", "</title>", "<h1>"]
WORDS = ["本年新收政府信息公开申请数量", "总计", "1.属于国家秘密", "（一）", "二〇二一年", "0", "12", "—", "|", "\n",
         "政府信息公开工作年度报告", "行政复议", "结果纠正", "2021", "申请人", "三、"]


@st.composite
def mutated_documents(draw):
    """A real report document (PDF, DOCX, XLSX, HTML, flattened text) with bytes flipped,
    cut or spliced."""
    name = draw(st.sampled_from(sorted(SEEDS)))
    body = bytearray(SEEDS[name])
    for position, value in draw(st.lists(st.tuples(st.integers(0, len(body) - 1), st.integers(0, 255)),
                                         max_size=20)):
        body[position] = value
    if draw(st.booleans()):
        body = body[:draw(st.integers(0, len(body)))]
    if draw(st.booleans()):
        at = draw(st.integers(0, len(body)))
        body = body[:at] + draw(st.binary(max_size=200)) + body[at:]
    return name, bytes(body)


def html_soup():
    """Pages built from table tags, report words and noise."""
    return st.lists(st.one_of(st.sampled_from(TAGS), st.sampled_from(WORDS), st.text(max_size=20)),
                    max_size=200).map("".join)


def parses_without_escaping(name: str, body: bytes, content_type: str | None = None) -> str:
    """The property: parse_report returns a report or raises LimitExceeded, nothing else."""
    try:
        parsed = parse_report(body, content_type, f"http://127.0.0.1/{name}", list_title=LIST_TITLE)
    except LimitExceeded as limit:
        return f"limit:{limit.limit}"
    assert parsed.key and isinstance(parsed.text, str)
    return parsed.source_format


def portals_file_is_read_or_refused(data: bytes) -> str:
    """The property: the portals reader returns portals or one PortalsFileError, nothing else."""
    path = Path("/tmp") / "nianbao-fuzz-portals.csv"
    path.write_bytes(data)
    try:
        portals = read_portals(path)
    except PortalsFileError as error:
        assert "\n" not in str(error)
        return "refused"
    assert all(p.name and p.url.startswith(("http://", "https://")) for p in portals)
    return "read"


def portals_text():
    rows = st.lists(st.tuples(st.text(max_size=12), st.sampled_from(
        ["http://a.gov.cn/", "https://b.gov.cn:8080/x", "ftp://c/", "http://u:p@d.gov.cn/", "", "http://",
         "http://[::1]:80/", "http://e.gov.cn:99999/"])), max_size=6)
    header = st.sampled_from(["name,url", "name,url,province", "url", "", "#c\nname,url"])
    return st.tuples(header, rows).map(
        lambda hr: (hr[0] + "\n" + "\n".join(f"{n},{u}" for n, u in hr[1])).encode("utf-8", "surrogatepass"))


