"""Build the metadata-trap cases of the labelled corpus: tests/corpus/meta_*/.

    .venv/bin/python tests/corpus/make_metadata_cases.py

Deterministic. Every report of the offline portals (nianbao/demo/spec.py: county, district,
department, town and street-office reports, 2013–2023, all three forms) is wrapped in one of
the layouts real portals give report pages, each a trap for the metadata the archive reads
(issue 13; the chrome is copied from ../shared/corpus/excerpts/016–022):

| trap | what the page does |
|---|---|
| `login_glued` | the login bar glued in front of the title (登录 \\| 注册抚松县松江河镇…) |
| `column_prefix` | ``<title>`` is 政府信息公开 + the place; the title is only a line of the body |
| `split_title` | the agency on one line, the rest of the title on the next |
| `body_announces` | a title without the agency; the body names it (现向社会公布2021年XX局…年度报告) |
| `body_compiled_by` | a title without the agency; 本报告由XX编制 |
| `publisher_field` | a title without the agency; the page's 发布机构 field names it |
| `listing_only` | no title anywhere on the page; only the list's link text has it |
| `excerpt_chrome` | plain text as a portal's page copies out: 关怀版 无障碍, 您当前所在位置, 访问量, 字号 大 中 小 |
| `year_in_body` | a title without the year; 统计期限自20XX年1月1日起至20XX年12月31日止 |
| `date_glued` | a date glued to the title (…年度报告2023-01-20, [2023-01-20]…) |
| `index_block` | 索引号 / 发布机构 / 标题 block, ``<title>`` the site's name |
| `numeral_year` | the year in Chinese numerals (二〇二二年) |

The labels are written from the report's data (its spec title, agency and year, and the
field values this script prints), never from the parser's output. Each case also labels where
the field must come from (``sources``: title, body, publisher, listing).
"""
from __future__ import annotations

import html
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from tests.corpus import make_variants as mv  # noqa: E402
from nianbao.demo import spec  # noqa: E402

TRAPS = ("login_glued", "column_prefix", "split_title", "body_announces", "body_compiled_by",
         "publisher_field", "listing_only", "excerpt_chrome", "year_in_body", "date_glued",
         "index_block", "numeral_year")
CN_DIGITS = "〇一二三四五六七八九"
# portal chrome, as ../shared/corpus/excerpts/016, 020, 021 print it
TOP = "关怀版 无障碍 无障碍 | 简体 | 繁体 | 登录 | 注册"
FOOT = "【打印本页】 【关闭窗口】 返回顶部 主办：{site} 网站标识码：3600000001 访问量：12876"


ANNOUNCE = re.compile(r"现(?:向社会)?(?:予以)?(?:公布|发布|将)[^。]*?(?:报告|年报)")


def own_prose(m: dict) -> None:
    """The demo reports borrow real prose from other reports (nianbao/demo/spec.py), which
    names that report's year and agency: shift its years to the report's own and let it
    announce 本机关's report, so that each document names only its own agency and year."""
    opening = Counter(int(y) for line in m["lines"] for y in re.findall(r"^(20\d\d)年", line))
    delta = m["year"] - opening.most_common(1)[0][0] if opening else 0

    def fix(line: str) -> str:
        if line.startswith("[[table:"):
            return line
        if delta:
            line = re.sub(r"(?<!\d)(20\d\d)(?=\s*年)", lambda y: str(int(y.group(1)) + delta), line)
        return ANNOUNCE.sub(f"现公布本机关{m['year']}年政府信息公开工作年度报告", line)

    m["lines"] = [fix(line) for line in m["lines"]]


def reports() -> list[tuple[str, dict, dict]]:
    """(portal name, portal, item) of every offline report with a text, in spec order."""
    return [(p["name"], p, item) for p in spec.PORTALS for item in p["items"]
            if item["kind"] == "report" and "text" in item]


def site_name(portal: dict) -> str:
    return portal["site_name"]


def numeral_year(year: int) -> str:
    return "".join(CN_DIGITS[int(d)] for d in str(year))


def body_html(m: dict, first_lines: list[str] = ()) -> str:
    parts = [f"<p>{html.escape(l)}</p>" for l in first_lines]
    for kind, value in mv.body_parts(m):
        parts.append(f"<p>{html.escape(value)}</p>" if kind == "p" else mv.html_table(m, value))
    return "".join(parts)


def page(title_tag: str | None, article: str, *, site: str, crumb: str = "", info: str = "") -> str:
    head = f"<title>{html.escape(title_tag)}</title>" if title_tag is not None else ""
    return ('<!DOCTYPE html><html><head><meta charset="utf-8">' + head + "</head><body>"
            f'<div class="topbar">{TOP}</div><div class="crumb">{crumb}</div>'
            f'<div class="article">{info}{article}</div>'
            f'<div class="footer">{FOOT.format(site=html.escape(site))}</div></body></html>\n')


def crumb(site: str) -> str:
    return "您当前所在位置：首页 &gt; 政府信息公开 &gt; 政府信息公开年报 &gt; 正文"


def agencyless(m: dict) -> str:
    """The title as a page prints it without the agency."""
    return f"{m['year']}年政府信息公开工作年度报告"


def build_case(trap: str, portal: dict, m: dict, item: dict) -> dict | None:
    """(filename, data, expected metadata overrides, sources, list_title) or None when the
    report does not lend itself to the trap."""
    site, title, agency, year = site_name(portal), m["title"], m["agency"], m["year"]
    published = mv.meta(m, "html")["published_date"]
    out = {"filename": "report.html", "meta": {}, "sources": {"title": "page", "agency": "title",
                                                              "year": "title"}}
    if trap == "login_glued":
        out["data"] = page(f"登录 | 注册{title}", f"<h1>登录 | 注册{html.escape(title)}</h1>"
                           + body_html(m), site=site, crumb=crumb(site))
    elif trap == "column_prefix":
        place = site.replace("人民政府网", "").replace("人民政府", "")
        out["data"] = page(f"政府信息公开{place}", f'<div class="zw-title">{html.escape(title)}</div>'
                           + body_html(m), site=site, crumb=crumb(site))
    elif trap == "split_title":
        if not title.startswith(agency) or len(title) == len(agency):
            return None
        out["sources"]["title"] = "text"   # joined from the text's first two lines
        out["data"] = page(site, f'<div class="tit"><p>{html.escape(agency)}</p>'
                           f'<p>{html.escape(title[len(agency):])}</p></div>' + body_html(m),
                           site=site, crumb=crumb(site))
    elif trap in ("body_announces", "body_compiled_by", "publisher_field"):
        printed = agencyless(m)
        if trap == "body_announces":
            first = [f"根据《中华人民共和国政府信息公开条例》规定，现向社会公布{year}年{agency}"
                     "政府信息公开工作年度报告。"]
            info, source = "", "body"
        elif trap == "body_compiled_by":
            first = [f"本报告由{agency}根据《中华人民共和国政府信息公开条例》要求编制。"]
            info, source = "", "body"
        else:
            first, source = [], "publisher"
            info = f'<div class="info">发布机构：{html.escape(agency)}　发布日期：{published}</div>'
            out["meta"]["publisher"] = agency
        out["data"] = page(printed, f"<h1>{printed}</h1>" + body_html(m, first), site=site,
                           crumb=crumb(site), info=info)
        out["meta"]["title"] = printed
        out["sources"]["agency"] = source
    elif trap == "listing_only":
        out["data"] = page(None, body_html(m), site=site)
        out["list_title"] = title
        out["sources"] = {"title": "listing", "agency": "title", "year": "title"}
    elif trap == "excerpt_chrome":
        lines = ["关怀版 无障碍 无障碍", "您当前所在位置: 首页 > 政务公开 > 政务信息公开年报", title,
                 "访问量:", "字号：大 中 小", mv.render_text(m, "pipes").split("\n", 1)[1].rstrip(),
                 "【打印本页】【关闭窗口】", "返回顶部"]
        out.update(filename="report.txt", data="\n".join(lines) + "\n")
        out["sources"]["title"] = "text"   # the first lines are chrome; the title is a line of the text
        out["meta"]["source_format"] = "txt"
    elif trap == "year_in_body":
        if str(year) not in title:
            return None
        printed = f"{agency}政府信息公开工作年度报告"
        first = [f"本年度报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"]
        out["data"] = page(printed, f"<h1>{html.escape(printed)}</h1>" + body_html(m, first),
                           site=site, crumb=crumb(site))
        out["meta"]["title"] = printed
        out["sources"]["year"] = "body"
    elif trap == "date_glued":
        glued = f"{title}{published}" if year % 2 else f"[{published}]{title}"
        out["data"] = page(glued, f"<h1>{html.escape(glued)}</h1>" + body_html(m), site=site,
                           crumb=crumb(site))
    elif trap == "index_block":
        publisher = m["signature"][0]
        info = ('<table class="xxgk-info"><tr><td>索引号</td><td>bgs01/{y}-00011</td><td>发布机构</td>'
                '<td>{pub}</td></tr><tr><td>成文日期</td><td>{d}</td><td>发布日期</td><td>{d}</td></tr>'
                '<tr><td>标　　题</td><td colspan="3">{t}</td></tr></table>').format(
                    y=year + 1, pub=html.escape(publisher), d=published, t=html.escape(title))
        out["data"] = page(site, f'<div class="content-title">{html.escape(title)}</div>' + body_html(m),
                           site=site, info=info)
        out["meta"]["publisher"] = publisher
    elif trap == "numeral_year":
        if f"{year}年" not in title:
            return None
        printed = title.replace(f"{year}年", f"{numeral_year(year)}年", 1)
        out["data"] = page(printed, f"<h1>{html.escape(printed)}</h1>" + body_html(m), site=site,
                           crumb=crumb(site))
        out["meta"]["title"] = printed
    return out


def build() -> list[str]:
    made, k = [], 0
    for name, portal, item in reports():
        m = mv.model(item)
        own_prose(m)
        for attempt in range(len(TRAPS)):
            trap = TRAPS[(k + attempt) % len(TRAPS)]
            made_case = build_case(trap, portal, m, item)
            if made_case:
                break
        k += 1
        case_id = f"meta_{trap}_{item['id']}"
        fmt = "txt" if made_case["filename"].endswith(".txt") else "html"
        failing = ["balance"] if item.get("inconsistent") else []
        exp = mv.case(m, f"meta-{trap.replace('_', '-')}", fmt, failing,
                      note=f"metadata trap {trap}; the report of nianbao/demo/spec.py {item['id']} ({name})")
        exp["metadata"].update(made_case["meta"])
        exp["sources"] = made_case["sources"]
        exp["content_type"] = "text/plain; charset=utf-8" if fmt == "txt" else "text/html; charset=utf-8"
        if made_case.get("list_title"):
            exp["list_title"] = made_case["list_title"]
        exp["based_on"] = f"nianbao/demo/spec.py {item['id']}"
        mv.write(case_id, made_case["filename"], made_case["data"], exp)
        made.append(case_id)
    return made


if __name__ == "__main__":
    for old in HERE.glob("meta_*/"):
        for f in old.iterdir():
            f.unlink()
        old.rmdir()
    names = build()
    print(f"{len(names)} metadata cases in {HERE}")
