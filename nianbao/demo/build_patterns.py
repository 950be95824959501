"""Pages of the portals of spec_patterns.py: nested columns, Hanweb datastores and their
dataproxy, redirects, "更多" blocks, iframe lists with query pagers, VSB pagers, attachments.

    >>> from nianbao.demo import spec_patterns
    >>> site = PatternSiteBuilder(spec_patterns.LIUTANG).build()
    >>> site["/"].status, site["/module/web/jpage/dataproxy.jsp"].__class__.__name__
    (200, 'Dynamic')
"""
import posixpath
from datetime import datetime, timezone
from urllib.parse import quote

from .build import HERE, SITE_DATE, Dynamic, Resource, SiteBuilder, chrome, esc, site_key, when

FILES = HERE / "files"
DATAPROXY = "/module/web/jpage/dataproxy.jsp"
CHANGED_AT = datetime(2024, 3, 5, 9, 0)


class PatternSiteBuilder(SiteBuilder):
    def __init__(self, portal: dict, changed: bool = False):
        super().__init__(portal)
        self.changed = changed
        self.columns = {c["path"]: c for c in portal["columns"]}
        self.column_of = {}
        for col in portal["columns"]:
            for item_id in col.get("ids", []) + [i for page in col.get("pages", []) for i in page]:
                self.column_of.setdefault(item_id.split("@")[0], col)
        self.current = portal["columns"][0]

    def build(self):
        p = self.p
        self.add("/robots.txt", "User-agent: *\nDisallow:\n")
        self.home()
        for src, kind, dst in p.get("redirects", []):
            self.redirect(src, kind, dst)
        self.disclosure()
        for text, href in p["nav"][1:] + p["disclosure"]["columns"]:
            if site_key(href) not in self.site and href not in self.columns:
                self.page(href, text, [[text, href]], self.link_block(text, []))
        for col in p["columns"]:
            getattr(self, f"column_{self.style}")(col)
        for item in p["items"]:
            self.current = self.column_of.get(item["id"], p["columns"][0])
            self.article(item)
            for alias in item.get("also_at", []):
                if "?" not in alias:  # a mirror path serving the same bytes
                    self.site[alias] = self.site[site_key(item["path"])]
            for att in item.get("attachments", []):
                self.attachment(att)
        return self.site

    # ---- navigation ----------------------------------------------------------------------
    def home(self):
        p = self.p
        home = p.get("home", "/")
        reports = [(i["path"], i["title"]) for i in p["items"] if i["kind"] == "report"][:2]
        reports += [(href, self.items[i]["title"]) for i, href in p.get("home_links", [])]
        latest = "".join(f'<li><a href="{h}">{esc(t)}</a></li>' for h, t in reports)
        main = (f'<div class="home_block"><h3>最新公开</h3><ul>{latest}</ul></div>'
                f'<div class="home_block"><h3>政务公开</h3><ul><li><a href="{p["nav"][1][1]}">'
                f'{esc(p["nav"][1][0])}</a></li></ul></div>')
        self.page(home, "首页", [], main)
        if home != "/":  # the portal's address answers with an HTTP redirect to its home page
            self.site["/"] = Resource(b"", "text/html", status=302, headers={"Location": home})

    def redirect(self, src, kind, dst):
        if kind == "http":
            self.site[src] = Resource(b"", "text/html", status=302, headers={"Location": dst})
            return
        charset = self.p.get("declared_charset", "utf-8")
        if kind == "meta":
            head = f'<meta http-equiv="refresh" content="0;url={dst}">'
            body = f'<p>页面跳转中，请稍候……如未跳转请<a href="{dst}">点击这里</a></p>'
        else:
            head, body = "", f"<script type=\"text/javascript\">window.location.href='{dst}';</script>"
        self.add(src, f'<!DOCTYPE html><html><head><meta charset="{charset}">{head}<title>跳转</title></head>'
                      f"<body>{body}</body></html>")

    def disclosure(self):
        disc = self.p["disclosure"]
        main = self.link_block(disc["title"], disc["columns"])
        more = disc.get("more")
        if more:
            latest = "".join(f'<li><a href="{self.items[i]["path"]}" title="{esc(self.items[i]["title"])}">'
                             f'{esc(self.items[i]["title"])}</a><span>{when(self.items[i]):%m-%d}</span></li>'
                             for i in more["latest"])
            main += (f'<div class="column_box"><div class="box_title"><span>{esc(more["title"])}</span>'
                     f'<a class="more" href="{more["href"]}">更多&gt;&gt;</a></div><ul>{latest}</ul></div>')
        self.page(disc["path"], disc["title"], self.trail_to_disclosure(), main)

    def trail_to_column(self):
        trail, col = [], self.current
        while col:
            trail.insert(0, [col["title"], col["path"]])
            col = next((c for c in self.columns.values() if col["path"] in c.get("children", [])), None)
        return self.trail_to_disclosure() + trail

    def entry(self, item_id, base):
        """(href relative to `base`, title, date) of a list entry."""
        col = self.column_of.get(item_id.split("@")[0])
        item = self.items[item_id.split("@")[0]]
        href = (col or {}).get("links", {}).get(item_id) or item.get("url") or item["path"]
        if base and href.startswith("/"):
            href = posixpath.relpath(href.split("?")[0], posixpath.dirname(base)) + (
                "?" + href.split("?", 1)[1] if "?" in href else "")
        return href, item["title"], when(item).strftime("%Y-%m-%d")

    def sub_columns(self, col):
        kids = [[self.columns[c]["title"], c] for c in col["children"]]
        self.current = col
        self.page(col["path"], col["title"], self.trail_to_column(), self.link_block(col["title"], kids))

    # ---- Hanweb datastore ---------------------------------------------------------------
    def column_hanweb_ds(self, col):
        if "children" in col:
            return self.sub_columns(col)
        self.current = col
        records = [self.record(i) for i in col["ids"]]
        main = (f'<div class="column"><h3 class="column-title">{esc(col["title"])}</h3>'
                f'<div id="{col["unitid"]}"><script type="text/xml">'
                f'{self.datastore(col, records[:col["per_page"]], nextgroup=True)}</script></div>'
                f'<script type="text/javascript" src="/module/jslib/jquery/jpage/jquery.page.min.js"></script>'
                f"<script>$('#{col['unitid']}').jpage({{dataStore:dataStore,openCookies:false,"
                f"perPage:{col['per_page']},totalRecord:{len(records)},proxyUrl:'{DATAPROXY}',"
                f"webid:'{self.p['webid']}',path:'/',columnid:'{col['columnid']}',unitid:'{col['unitid']}',"
                f"webname:'{self.p['site_name']}',permissiontype:'0'}});</script></div>")
        self.page(col["path"], col["title"], self.trail_to_column(), main)
        self.site[DATAPROXY] = Dynamic(self.dataproxy)

    def record(self, item_id):
        href, title, date = self.entry(item_id, "")
        shown = title if len(title) <= 24 else title[:22] + "..."
        return (f"<record><![CDATA[\n<li class=\"clearfix\"><a target=\"_blank\" href='{href}' "
                f"title='{esc(title)}'>{esc(shown)}</a><b>{date}</b></li>]]></record>")

    def datastore(self, col, records, nextgroup=False):
        link = (f'<nextgroup><![CDATA[<a href="{DATAPROXY}?page=1&appid=1&webid={self.p["webid"]}&path=/'
                f'&columnid={col["columnid"]}&unitid={col["unitid"]}&webname={quote(quote(self.p["site_name"]))}'
                f'&permissiontype=0"></a>]]></nextgroup>') if nextgroup else ""
        return (f"<datastore>{link}<totalrecord>{len(col['ids'])}</totalrecord>"
                f"<recordset>\n" + "\n".join(records) + "\n</recordset></datastore>")

    def dataproxy(self, params):
        """GET or POST startrecord=11&endrecord=20&perpage=10&columnid=…: the same XML datastore."""
        col = next((c for c in self.columns.values() if str(c.get("columnid")) == params.get("columnid")), None)
        try:
            start, end = int(params.get("startrecord", 1)), int(params.get("endrecord", 0))
        except ValueError:
            return None
        records = [self.record(i) for i in col["ids"]][max(start, 1) - 1:end] if col else []
        text = f'<?xml version="1.0" encoding="UTF-8"?>\n{self.datastore(col, records) if col else "<datastore/>"}'
        return Resource(text.encode("utf-8"), "text/xml;charset=UTF-8")

    # ---- JSP portal: iframe lists, ?page= / &pageIndex= ------------------------------------
    def column_jsp(self, col):
        self.current = col
        base = posixpath.dirname(col["path"].split("?")[0]) + "/"
        menu = "".join(f'<li><a href="{c["path"]}">{esc(c["title"])}</a></li>' for c in self.columns.values())
        frame = f"list.jsp?columnId={col['column_id']}&{col['page_param']}=1"
        main = (f'<div class="left-menu"><h3>政府信息公开年报</h3><ul>{menu}</ul></div>'
                f'<div class="right-list"><h3>{esc(col["title"])}</h3>'
                f'<iframe src="{frame}" id="listFrame" name="listFrame" width="100%" height="600" '
                f'frameborder="0" scrolling="no"></iframe></div>')
        self.page(col["path"], col["title"], self.trail_to_column(), main)
        if col["column_id"] == 301:
            self.site[site_key(col["path"] + "?columnId=301")] = self.site[site_key(col["path"])]
        ids, size = col["ids"], col["per_page"]
        pages = [ids[k:k + size] for k in range(0, len(ids), size)]
        for n, chunk in enumerate(pages, 1):
            url = lambda k: f"list.jsp?columnId={col['column_id']}&{col['page_param']}={k}"  # noqa: E731
            items = "".join(f'<li><span class="date">{d}</span><a href="{h}" target="_blank" title="{esc(t)}">'
                            f"{esc(t)}</a></li>\n" for h, t, d in (self.entry(i, base + "list.jsp") for i in chunk))
            pager = f"共{len(ids)}条 第{n}/{len(pages)}页 "
            if len(pages) > 1:
                pager += (f'<a href="{url(1)}">首页</a> ' + (f'<a href="{url(n - 1)}">上一页</a> ' if n > 1 else "上一页 ")
                          + (f'<a href="{url(n + 1)}">下一页</a> ' if n < len(pages) else "下一页 ")
                          + f'<a href="{url(len(pages))}">尾页</a>')
            text = chrome("jsp_listframe.html").substitute(title=esc(col["title"]), items=items, pager=pager)
            self.add(base + url(n), text)
            if n == 1:
                self.site[site_key(base + f"list.jsp?columnId={col['column_id']}")] = self.site[site_key(base + url(1))]

    # ---- 博达 VSB: ndbg.htm, ndbg/2.htm, ndbg/1.htm ---------------------------------------
    def column_vsb(self, col):
        self.current = col
        pages, stem = col["pages"], col["path"][:-len(".htm")]
        total = sum(len(p) for p in pages)
        path = lambda k: col["path"] if k == 0 else f"{stem}/{len(pages) - k}.htm"  # noqa: E731
        for n, ids in enumerate(pages):
            here = path(n)
            rel = lambda k: posixpath.relpath(path(k), posixpath.dirname(here))  # noqa: E731
            items = "".join(f'<li id="line_u8_{k}"><a href="{h}" target="_blank" title="{esc(t)}">{esc(t)}</a>'
                            f'<span class="time">{d}</span></li>\n'
                            for k, (h, t, d) in enumerate(self.entry(i, here) for i in ids))
            links = [f"共{total}条", f"{n + 1}/{len(pages)}"]
            links += ([f'<a href="{rel(0)}">首页</a>', f'<a href="{rel(n - 1)}">上页</a>'] if n else ["首页", "上页"])
            links += [f'<a href="{rel(k)}">{k + 1}</a>' if k != n else str(k + 1) for k in range(len(pages))]
            links += ([f'<a href="{rel(n + 1)}">下页</a>', f'<a href="{rel(len(pages) - 1)}">尾页</a>']
                      if n < len(pages) - 1 else ["下页", "尾页"])
            main = (f'<div class="list"><h2>{esc(col["title"])}</h2><ul>{items}</ul>'
                    f'<div class="pb_sys_common">{" ".join(links)}</div></div>')
            self.page(here, col["title"], self.trail_to_column(), main)

    # ---- articles and attachments ----------------------------------------------------------
    def article(self, item):
        if item.get("linked_directly"):
            return  # the list links the file itself
        if not item.get("attachments"):
            if self.style == "vsb":
                return self.vsb_article(item, self.article_body(item) + self.signature(item), "")
            return super().article(item)
        notice = [f"根据《中华人民共和国政府信息公开条例》规定，现将《{item['title']}》予以公布，全文详见附件。",
                  item["signature"][0], item["signature"][1]]
        body = "\n".join(f"<p>{esc(t)}</p>" for t in notice)
        links = "".join(f'<li>附件【<a href="{a["href"]}" target="_blank">{esc(a["name"])}</a>】已下载<span>12</span>次</li>'
                        for a in item["attachments"])
        self.vsb_article(item, body, f'<ul class="attachments">{links}</ul>')

    def vsb_article(self, item, body, attachments):
        main = chrome("vsb_article.html").substitute(
            title=esc(item["title"]), body=body, date=when(item).strftime(self.p["date_format"]),
            date_label=self.p["date_label"], source=esc(item.get("source") or ""), attachments=attachments)
        self.page(item["path"], item["title"], self.trail_to_column(), main, "", when(item))

    def signature(self, item):
        if item["kind"] != "report":
            return ""
        agency, date = item["signature"]
        return f'\n<p style="text-align: right;">{esc(agency)}</p>\n<p style="text-align: right;">{esc(date)}</p>'

    def article_body(self, item):
        body = super().article_body(item)
        if self.changed and item.get("changes"):
            body += f'\n<p style="text-indent: 2em;">{esc(item["changes"])}</p>'
        return body

    def page(self, path, title, crumbs, main, meta="", last_modified=SITE_DATE):
        item = next((i for i in self.p["items"] if i.get("path") == path), None)
        if self.changed and item and item.get("changes"):
            last_modified = CHANGED_AT
        super().page(path, title, crumbs, main, meta, last_modified)

    def attachment(self, att):
        """Static bytes from files/ with their Content-Type and a file name: JSP download
        servlets send the name percent-encoded, static file servers an RFC 5987 name."""
        name = quote(att["name"])
        disposition = (f"attachment;filename={name}" if "download.jsp" in att["href"]
                       else f"inline; filename*=UTF-8''{name}")
        stamp = datetime.strptime(att["href"].split("/")[-1][:14], "%Y%m%d%H%M%S") \
            if att["href"].split("/")[-1][:14].isdigit() else SITE_DATE
        self.site[site_key(att["href"])] = Resource((FILES / att["file"]).read_bytes(), att["type"],
                                                    stamp.replace(tzinfo=timezone.utc),
                                                    headers={"Content-Disposition": disposition})
