"""JSP list pagers that submit a form: ``<a href="javascript:goPage(2)">`` over
``<form action="list.jsp" method="post"><input name="pageNo" value="1">…``. The form's fields
are sent with every later page number up to the count the pager states (共5页, 第1/5页: the
``pager`` ``page_count`` patterns of ``crawler/data/discovery.json``), GET or POST as the form
says.

>>> from crawler.lists import ListPage
>>> html = ('<form name="f" action="list.jsp" method="post"><input type="hidden" name="columnId" value="7">'
...         '<input type="hidden" name="pageNo" value="1"></form>共3页 <a href="javascript:goPage(2)">下一页</a>')
>>> [(r.method, r.url, r.body) for r in next_pages(ListPage("http://h/nb/list.jsp", html))]
[('POST', 'http://h/nb/list.jsp', 'columnId=7&pageNo=2'), ('POST', 'http://h/nb/list.jsp', 'columnId=7&pageNo=3')]
"""

from __future__ import annotations

from urllib.parse import urlencode, urljoin

from crawler.discover import canonical_url, html_tree, patterns, squeeze
from crawler.lists.base import PageRequest

NAME = "form-pager"
MAX_PAGES = 1000


def _page_form(tree):
    for form in tree.xpath("//form"):
        fields = [(i.get("name"), i.get("value") or "") for i in form.xpath(".//input[@name]")
                  if (i.get("type") or "text").lower() not in ("submit", "button", "image", "checkbox", "radio")]
        key = next((name for name, _ in fields if any(p.match(name) for p in patterns()["list_api"]["page_param"])),
                   None)
        if key:
            return form, fields, key
    return None


def page_count(text: str) -> int | None:
    text = squeeze(text)
    for pattern in patterns()["pager"]["page_count"]:
        found = pattern.search(text)
        if found:
            return int(found.group(1))
    return None


def detect(page) -> bool:
    lowered = page.html.lower()
    if "<form" not in lowered or ("javascript" not in lowered and "onclick" not in lowered):
        return False
    tree = html_tree(page.html)
    return _page_form(tree) is not None and page_count(tree.text_content()) is not None


def next_pages(page):
    tree = html_tree(page.html)
    form, fields, key = _page_form(tree)
    total = page_count(tree.text_content())
    current = next((int(v) for name, v in fields if name == key and v.isdigit()), 1)
    action = canonical_url(urljoin(page.url, form.get("action") or page.url))
    method = (form.get("method") or "GET").upper()
    requests = []
    for k in range(current + 1, min(total, current + MAX_PAGES) + 1):  # the first page is the one linked
        data = urlencode([(name, k if name == key else value) for name, value in fields])
        if method == "POST":
            requests.append(PageRequest(action, NAME, method="POST", body=data,
                                        content_type="application/x-www-form-urlencoded"))
        else:
            requests.append(PageRequest(canonical_url(f"{action.split('?')[0]}?{data}"), NAME))
    return requests
