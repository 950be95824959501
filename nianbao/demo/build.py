"""Build every page of the offline portals (in memory) and the ground truth for them.

    >>> site = build_site(spec.PORTALS[0])
    >>> site["/zwgk/zfxxgk/zfxxgknb/index_1.html"].content_type
    'text/html; charset=utf-8'

`python -m nianbao.demo --write-expected` rewrites nianbao/demo/expected.json.
"""
import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from string import Template
from typing import Callable
from urllib.parse import parse_qsl, urlencode, urlsplit

from . import spec, tables
from .truth import expected_report

HERE = Path(__file__).parent
SITE_DATE = datetime(2024, 3, 1, tzinfo=timezone.utc)  # Last-Modified of pages without a date
TYPES = {".html": "text/html", ".htm": "text/html", ".shtml": "text/html", ".jsp": "text/html",
         ".js": "application/javascript",
         ".json": "application/json", ".css": "text/css", ".txt": "text/plain"}


TRACKING = ("from", "spm", "share", "source")  # and utm_*: ignored by the servers, as real CMSs do


@dataclass
class Resource:
    body: bytes
    content_type: str
    last_modified: datetime = SITE_DATE
    status: int = 200
    headers: dict = field(default_factory=dict)  # e.g. Location, Content-Disposition
    etag: str = field(init=False)

    def __post_init__(self):
        self.etag = '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'


@dataclass
class Dynamic:
    """A page computed from the request's parameters (query string and POSTed form)."""
    answer: Callable[[dict], "Resource | None"]


def site_key(url: str) -> str:
    """The key of a page in a site: its path, plus its query without tracking parameters in
    sorted order (list.jsp?columnId=302&pageIndex=3 and list.jsp?pageIndex=3&columnId=302 are one)."""
    parts = urlsplit(url)
    params = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                    if k.lower() not in TRACKING and not k.lower().startswith("utm_"))
    return (parts.path or "/") + ("?" + urlencode(params) if params else "")


def chrome(name: str) -> Template:
    return Template((HERE / "chrome" / name).read_text(encoding="utf-8"))


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def when(item: dict) -> datetime:
    return datetime.strptime(item["published"], "%Y-%m-%d %H:%M")


class SiteBuilder:
    """Renders one portal of spec.PORTALS into {path: Resource}."""

    def __init__(self, portal: dict):
        self.p = portal
        self.style = portal["style"]
        self.items = {item["id"]: item for item in portal["items"]}
        self.site: dict[str, Resource] = {}

    # ---- output --------------------------------------------------------------------------
    def add(self, path: str, text: str, last_modified: datetime = SITE_DATE) -> None:
        bare = urlsplit(path).path
        suffix = Path(bare.rstrip("/") or "/index.html").suffix or ".html"
        if bare.endswith("/"):
            suffix = ".html"
        ctype = TYPES.get(suffix, "application/octet-stream")
        if ctype == "text/html" and self.p["encoding"] != "utf-8":
            body = text.encode(self.p["encoding"])  # strict: every page must be encodable
            if self.p.get("header_charset"):  # a server that declares the wrong charset
                ctype += f"; charset={self.p['header_charset']}"
        else:
            body = text.encode("utf-8")
            if ctype.startswith("text/") or ctype.endswith(("json", "javascript")):
                ctype += "; charset=utf-8"
        self.site[site_key(path)] = Resource(body, ctype, last_modified.replace(tzinfo=timezone.utc))

    def page(self, path, title, crumbs, main, meta="", last_modified=SITE_DATE):
        nav = "".join(f'<li><a href="{href}">{esc(text)}</a></li>' for text, href in self.p["nav"])
        trail = [["首页", "/"]] + crumbs
        sep = " &gt; "
        if self.style == "trs":
            crumb_html = "".join(f'<li><a href="{h}" title="{esc(t)}" class="CurrChnlCls">{esc(t)}</a></li>'
                                 for t, h in trail)
        else:
            crumb_html = sep.join(f'<a href="{h}">{esc(t)}</a>' for t, h in trail)
        text = chrome(f"{self.p.get('chrome', self.style)}_layout.html").substitute(
            site_name=esc(self.p["site_name"]), site_code=self.p["site_code"], meta=meta,
            page_title=esc(f"{title}_{self.p['site_name']}"), nav=nav, breadcrumb=crumb_html,
            main=main, sponsor=esc(self.p["sponsor"]), icp=esc(self.p["icp"]), beian=esc(self.p["beian"]))
        self.add(path, text, last_modified)

    # ---- pages ---------------------------------------------------------------------------
    def build(self) -> dict[str, Resource]:
        p = self.p
        self.add("/robots.txt", "User-agent: *\nDisallow:\n")
        self.home()
        if "hub" in p:
            hub = p["hub"]
            self.page(hub["path"], hub["title"], [[hub["title"], hub["path"]]],
                      self.link_block(hub["title"], hub["links"]))
        disc = p["disclosure"]
        self.page(disc["path"], disc["title"], self.trail_to_disclosure(),
                  self.link_block(disc["title"], disc["columns"]))
        for text, href in p["nav"][1:] + disc["columns"]:
            if href not in self.site and href != p["column"]["path"]:
                self.page(href, text, [[text, href]], self.link_block(text, []))
        getattr(self, f"column_{self.style}")()
        for item in p["items"]:
            if item["kind"] != "external":
                self.article(item)
        if self.style == "trs":
            self.add("/images/createPageHTML.js", (HERE / "chrome" / "createPageHTML.js").read_text())
        return self.site

    def trail_to_disclosure(self):
        hub = [[self.p["hub"]["title"], self.p["hub"]["path"]]] if "hub" in self.p else []
        return hub + [[self.p["disclosure"]["title"], self.p["disclosure"]["path"]]]

    def trail_to_column(self):
        col = self.p["column"]
        return self.trail_to_disclosure() + [[col["title"], col["path"]]]

    def link_block(self, title, links):
        lis = "".join(f'<li><a href="{h}">{esc(t)}</a></li>' for t, h in links) or "<li>暂无信息</li>"
        return f'<div class="column_box"><h3>{esc(title)}</h3><ul>{lis}</ul></div>'

    def home(self):
        p = self.p
        hidden = set(p["column"].get("sub", {}).get("ids", []))
        reports = [i for i in p["items"] if i["kind"] == "report" and i["id"] not in hidden][:2]
        latest = "".join(f'<li><a href="{i["path"]}">{esc(i["title"])}</a></li>' for i in reports)
        main = (f'<div class="banner"><h3>{esc(p["site_name"])}</h3></div>'
                f'<div class="home_block"><h3>政务要闻</h3><ul><li>全面推进政务公开标准化规范化建设</li></ul></div>'
                f'<div class="home_block"><h3>最新公开</h3><ul>{latest}</ul></div>'
                f'<div class="home_block"><h3>政务公开</h3><ul><li><a href="{p["disclosure"]["path"]}">'
                f'{esc(p["disclosure"]["title"])}</a></li></ul></div>')
        self.page("/", "首页", [], main)

    def list_entries(self, ids, base=""):
        tracking = self.p["column"].get("tracking", {})
        out = []
        for item_id in ids:
            item = self.items[item_id]
            href = item.get("url") or item["path"]
            if base and href.startswith(base):
                href = "./" + href[len(base):]
            out.append((href + tracking.get(item_id, ""), item["title"], when(item).strftime("%Y-%m-%d")))
        return out

    def column_trs(self):
        col = self.p["column"]
        pages = col["pages"]
        for n, ids in enumerate(pages):
            items = "".join(chrome("trs_item.html").substitute(href=h, title=esc(t), date=d)
                            for h, t, d in self.list_entries(ids, base=col["path"]))
            main = chrome("trs_list.html").substitute(title=esc(col["title"]), items=items,
                                                      count_page=len(pages), current_page=n)
            name = "index.html" if n == 0 else f"index_{n}.html"
            meta = f'<meta name="ColumnName" content="{esc(col["title"])}"/>'
            self.page(col["path"] + name, col["title"], self.trail_to_column(), main, meta)
        self.site[col["path"]] = self.site[col["path"] + "index.html"]

    def column_hanweb(self):
        col = self.p["column"]
        sub = col.get("sub")
        links = (f'<div class="sub_columns"><a href="{sub["path"]}">{esc(sub["title"])}</a></div>'
                 if sub else "")
        self.hanweb_list(col["path"], col["title"], col["json"], [i for page in col["pages"] for i in page],
                         self.trail_to_column(), links, hidden=False)
        if sub:
            self.hanweb_list(sub["path"], sub["title"], sub["json"], sub["ids"],
                             self.trail_to_column() + [[sub["title"], sub["path"]]], "", hidden=True)

    def hanweb_list(self, path, title, json_path, ids, trail, subcolumns, hidden):
        """A list filled by a script from JSON. ``hidden``: the script builds the JSON address
        at run time, so only a browser finds the list (the address is in no string)."""
        records = [{"title": t, "url": h, "date": d} for h, t, d in self.list_entries(ids)]
        self.add(json_path, json.dumps({"totalRecord": len(records), "records": records}, ensure_ascii=False))
        column_id = json_path.rsplit("/", 1)[-1].split(".")[0]
        fetch_url = ('"/" + ["api", "column", document.getElementById("list").getAttribute("data-column")]'
                     '.join("/") + "." + "js" + "on"') if hidden else f'"{json_path}"'
        main = chrome("hanweb_list.html").substitute(title=esc(title), fetch_url=fetch_url,
                                                     subcolumns=subcolumns, column_id=column_id)
        self.page(path, title, trail, main)

    def column_jx(self):
        col = self.p["column"]
        pages = col["pages"]
        base = col["path"].rsplit("/", 1)[0] + "/"
        for n, ids in enumerate(pages):
            items = "".join(f'<li><a href="{h}" target="_blank">{esc(t)}</a><span>{d}</span></li>\n'
                            for h, t, d in self.list_entries(ids))
            name = lambda k: "index.html" if k == 0 else f"index_{k}.html"  # noqa: E731
            links = [f"共{len(pages)}页"]
            if n > 0:
                links += [f'<a href="{name(0)}">首页</a>', f'<a href="{name(n - 1)}">上一页</a>']
            if n < len(pages) - 1:
                links += [f'<a href="{name(n + 1)}">下一页</a>', f'<a href="{name(len(pages) - 1)}">尾页</a>']
            main = chrome("jx_list.html").substitute(title=esc(col["title"]), items=items, pager=" ".join(links))
            self.page(base + name(n), col["title"], self.trail_to_column(), main)
        self.site[base] = self.site[base + "index.html"]

    # ---- articles ------------------------------------------------------------------------
    def article(self, item):
        body = self.article_body(item)
        if item["kind"] == "report":
            agency, date = item["signature"]
            body += (f'\n<p style="text-align: right;">{esc(agency)}</p>'
                     f'\n<p style="text-align: right;">{esc(date)}</p>')
        date = when(item).strftime(self.p["date_format"])
        source = item.get("source") or ""
        main = chrome(f"{self.p.get('chrome', self.style)}_article.html").substitute(
            title=esc(item["title"]), body=body, date=date, date_label=self.p["date_label"], source=esc(source))
        meta = ""
        if self.style == "trs":
            meta = (f'<meta name="ColumnName" content="{esc(self.p["column"]["title"])}"/>\n'
                    f'<meta name="ArticleTitle" content="{esc(item["title"])}"/>\n'
                    f'<meta name="PubDate" content="{item["published"]}"/>\n'
                    f'<meta name="ContentSource" content="{esc(source)}"/>')
        self.page(item["path"], item["title"], self.trail_to_column(), main, meta, when(item))

    def article_body(self, item) -> str:
        if "body" in item:
            raw = (HERE / "bodies" / item["body"]).read_text(encoding="utf-8")
            return raw.split("-->", 1)[1] if raw.startswith("<!--") else raw
        if "paragraphs" in item:
            return "\n".join(f"<p>{esc(t)}</p>" for t in item["paragraphs"])
        lines = replace_all((HERE / "texts" / item["text"]).read_text(encoding="utf-8"),
                            item.get("replace", [])).splitlines()
        parts = [f'<p style="text-align: center;"><strong>{esc(item["title"])}</strong></p>']
        for line in lines:
            if not line.strip() or line.startswith("#"):
                continue
            if line.startswith("[[table:"):
                parts.append(self.table(item, line[len("[[table:"):-2]))
            else:
                parts.append(f'<p style="text-indent: 2em;">{esc(line)}</p>')
        return "\n".join(parts)

    def table(self, item, which: str) -> str:
        t = item["template"]
        if which == "s2":
            return tables.s2_table(t, item["s2"])
        if which == "s3":
            return tables.s3_table(t, tables.complete_s3(t, item["s3"], 3 if item.get("inconsistent") else 0))
        if which == "s4":
            return tables.s4_table(tables.complete_s4(item["s4"]))
        return tables.legacy_table(item["legacy_year_label"], item["legacy"])


def replace_all(text: str, pairs) -> str:
    """Every replacement at once (2022年→2021年 and 2023年→2022年 do not chain)."""
    mapping = dict(pairs)
    if not mapping:
        return text
    pattern = re.compile("|".join(re.escape(k) for k in sorted(mapping, key=len, reverse=True)))
    return pattern.sub(lambda m: mapping[m.group(0)], text)


def build_site(portal: dict, changed: bool = False) -> dict[str, Resource]:
    if "columns" in portal:
        from .build_patterns import PatternSiteBuilder
        return PatternSiteBuilder(portal, changed).build()
    return SiteBuilder(portal).build()


OLD_LIST_VIA = {"trs": ["script-pager"], "hanweb": ["json"], "jx": ["pager"]}


def columns_truth(p: dict) -> list[dict]:
    """Every report column with the mechanisms a crawler needs to list it (`list_via`):
    static (plain links), pager (<a> 下一页 / ?page=), script-pager (createPageHTML), datastore
    (Hanweb XML in <script type="text/xml"> + dataproxy.jsp), json (a JSON endpoint the page's script
    reads), iframe (the list is another document), browser (nothing but a browser finds the items)."""
    if "columns" not in p:
        col = p["column"]
        out = [{"path": col["path"], "link_text": col["title"], "parent": None, "list_pages": len(col["pages"]),
                "list_via": OLD_LIST_VIA[p["style"]], "json": col.get("json")}]
        if col.get("sub"):
            out.append({"path": col["sub"]["path"], "link_text": col["sub"]["title"], "parent": col["path"],
                        "list_pages": 1, "list_via": ["browser"], "json": col["sub"]["json"]})
        return out
    out = []
    for col in p["columns"]:
        parent = next((c["path"] for c in p["columns"] if col["path"] in c.get("children", [])), None)
        n = len(col.get("ids", [])) or sum(len(x) for x in col.get("pages", []))
        pages = len(col["pages"]) if "pages" in col else -(-n // col["per_page"]) if "per_page" in col else 0
        entry = {"path": col["path"], "link_text": col["title"], "parent": parent, "list_pages": pages,
                 "list_via": col["list_via"].split("+"), "json": None}
        if col["list_via"] == "datastore":
            entry.update(total_records=n, per_page=col["per_page"], columnid=col["columnid"], unitid=col["unitid"],
                         dataproxy="/module/web/jpage/dataproxy.jsp")
        if col["list_via"].startswith("iframe"):
            entry.update(iframe=f"list.jsp?columnId={col['column_id']}&{col['page_param']}=1",
                         page_param=col["page_param"])
        out.append(entry)
    return out


def expected() -> dict:
    """Ground truth for the crawler and the parsers (written to expected.json)."""
    portals, changed = [], None
    for p in spec.PORTALS:
        columns = columns_truth(p)
        first = columns[0]
        entry = {
            "name": p["name"], "style": p["style"], "host": p["host"], "encoding": p["encoding"],
            "site_name": p["site_name"],
            "disclosure": {"path": p["disclosure"]["path"], "link_text": p["disclosure"]["title"]},
            "column": {k: first[k] for k in ("path", "link_text", "list_pages", "json")},
            "columns": columns,
            "reports": [expected_report(p, i) for i in p["items"] if i["kind"] == "report"],
            "non_reports": [{"title": i["title"], **({"url": i["url"]} if "url" in i else {"path": i["path"]})}
                            for i in p["items"] if i["kind"] != "report"],
        }
        for key in ("declared_charset", "header_charset", "home"):
            if key in p:
                entry[key] = p[key]
        if "redirects" in p:
            entry["redirects"] = [{"path": a, "via": v, "to": b} for a, v, b in p["redirects"]]
        if "more" in p["disclosure"]:
            entry["more"] = {"on": p["disclosure"]["path"], "heading": p["disclosure"]["more"]["title"],
                             "href": p["disclosure"]["more"]["href"]}
        portals.append(entry)
        for item in p["items"]:
            if item.get("changes"):
                changed = {"portal": p["name"], "path": item["path"], "added_text": item["changes"]}
    return {"portals": portals, "boilerplate": spec.BOILERPLATE, "changed": changed,
            "note": "generated by `python -m nianbao.demo --write-expected`; checked against the served pages "
                    "by tests/test_portals.py"}


EXPECTED_PATH = HERE / "expected.json"


def write_expected(path: Path = EXPECTED_PATH) -> None:
    path.write_text(json.dumps(expected(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
