"""JSP list pagers driven by ``javascript:goPage(n)``: the page function either submits a
form (``<form action="list.jsp" method="post"><input name="pageNo" value="1">…``) or sets
``location.href = "list.jsp?columnId=3&pageIndex=" + n``. Every later page up to the count the
pager states (共5页, 第1/5页: the ``pager`` ``page_count`` patterns of
``crawler/data/discovery.json``) is asked for, with the form's fields, GET or POST as the form
says.

>>> from crawler.lists import ListPage
>>> html = ('<form name="f" action="list.jsp" method="post"><input type="hidden" name="columnId" value="7">'
...         '<input type="hidden" name="pageNo" value="1"></form>共3页 <a href="javascript:goPage(2)">下一页</a>')
>>> [(r.method, r.url, r.body) for r in next_pages(ListPage("http://h/nb/list.jsp", html))]
[('POST', 'http://h/nb/list.jsp', 'columnId=7&pageNo=2'), ('POST', 'http://h/nb/list.jsp', 'columnId=7&pageNo=3')]
>>> html = '<script>function goPage(n){location.href="list.jsp?id=3&pageIndex="+n;}</script>第1/3页'
>>> [r.url for r in next_pages(ListPage("http://h/nb/list.jsp?id=3", html))]
['http://h/nb/list.jsp?id=3&pageIndex=2', 'http://h/nb/list.jsp?id=3&pageIndex=3']
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from crawler.discover import canonical_url, patterns, squeeze
from crawler.lists.base import PageRequest
from crawler.lists.script_calls import PAGE, declarations, split_top, value

NAME = "jsp-pager"
MAX_PAGES = 1000
DIGITS = re.compile(r"[0-9]{1,9}")
LOCATION = re.compile(r"(?:window\.|self\.|top\.|document\.)?location(?:\.href)?\s*=\s*|location\.(?:replace|assign)\(")


def _is_page_param(name: str) -> bool:
    return any(p.match(name or "") for p in patterns()["list_api"]["page_param"])


def page_form(tree):
    """The form a pager submits: (form, its fields, the page field's name), or None."""
    for form in tree.xpath("//form"):
        fields = [(i.get("name"), i.get("value") or "") for i in form.xpath(".//input[@name]")
                  if (i.get("type") or "text").lower() not in ("submit", "button", "image", "checkbox", "radio")]
        key = next((name for name, _ in fields if _is_page_param(name)), None)
        if key:
            return form, fields, key
    return None


def page_address(tree, page_url: str):
    """The address a pager script sends the browser to, with the page left to fill in:
    (URL without query, [[name, value], …], the page parameter's name), or None."""
    for script in tree.xpath("//script[not(@src)]"):
        text = script.text or ""
        names = declarations(text)
        for found in LOCATION.finditer(text):
            expression = split_top(text, ";\n", found.end(), stop=")}")[0]
            url = value(expression[0], names) if expression else None
            if not isinstance(url, str) or PAGE not in url.partition("?")[2]:
                continue
            parts = urlsplit(urljoin(page_url, url.replace(PAGE, "{page}")))
            query = [[k, v] for k, v in parse_qsl(parts.query, keep_blank_values=True)]
            key = next((k for k, v in query if v == "{page}" and _is_page_param(k)), None)
            if key and PAGE not in url.partition("?")[0]:
                return f"{parts.scheme}://{parts.netloc}{parts.path}", query, key
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
    if "<form" not in lowered and "location" not in lowered:
        return False
    tree = page.tree
    return ((page_form(tree) is not None or page_address(tree, page.url) is not None)
            and page_count(tree.text_content()) is not None)


def next_pages(page):
    tree = page.tree
    total = page_count(tree.text_content())
    form = page_form(tree)
    if form is None:
        base, query, key = page_address(tree, page.url)
        here = dict(parse_qsl(urlsplit(page.url).query))
        current = int(here[key]) if DIGITS.fullmatch(here.get(key, "")) else 1
        pages = range(current + 1, min(total, current + MAX_PAGES) + 1)
        return [PageRequest(canonical_url(f"{base}?{urlencode([(k, n if k == key else v) for k, v in query])}"), NAME)
                for n in pages]
    form, fields, key = form
    current = next((int(v) for name, v in fields if name == key and DIGITS.fullmatch(v)), 1)
    action = canonical_url(urljoin(page.url, form.get("action") or page.url))
    method = (form.get("method") or "GET").upper()
    requests = []
    for k in range(current + 1, min(total, current + MAX_PAGES) + 1):  # the first page is the one linked
        data = urlencode([(name, k if name == key else v) for name, v in fields])
        if method == "POST":
            requests.append(PageRequest(action, NAME, method="POST", body=data,
                                        content_type="application/x-www-form-urlencoded"))
        else:
            requests.append(PageRequest(canonical_url(f"{action.split('?')[0]}?{data}"), NAME))
    return requests
