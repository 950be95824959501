"""JSON list APIs: the address a list page's script loads its items from, asked the way the
script asks (GET with a query, POST with a form or a JSON body: ``script_calls``) and paged the
way the script pages it.

- The page parameter is the one named like a page (``page``, ``pageNo``, ``pageIndex``,
  ``currentPage``, ``curPage``…) or an offset with a size (``start`` + ``limit``), in the query
  (``"/api/list?col=ndbg&page=" + page``) or in the body (``data: {col: 'ndbg', pageNo: 1}``).
- The answer's paging is read from ``pageCount``, ``totalPage(s)``, ``total`` + ``pageSize``
  or ``hasNext``, wherever they sit among its objects (``{"data": {"totalPage": 3, …}}``).
  The first answer asks for the pages it says follow (``MAX_PAGES`` at a time: page 1001 asks
  for the next thousand; the page budget bounds them); with only ``hasNext``, each answer asks
  for the one after it.

The names are data (``crawler/data/discovery.json`` ``list_api``). Pure functions.

>>> from crawler.lists import ListPage
>>> page = ListPage("http://h/nb/", '<script>$.getJSON("/api/list?col=ndbg&page=" + page, show)</script>')
>>> first = next_pages(page)[0]
>>> first.url, first.state["key"]
('http://h/api/list?col=ndbg&page=1', 'page')
>>> links, more = read_answer('{"data": {"pageCount": 3, "list": []}}', first.url, first.state)
>>> [r.url for r in more]
['http://h/api/list?col=ndbg&page=2', 'http://h/api/list?col=ndbg&page=3']
"""

from __future__ import annotations

import json
import math
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from crawler.discover import Link, canonical_url, html_tree, page_links, patterns, squeeze
from crawler.lists.base import PageRequest
from crawler.lists.script_calls import PAGE, ScriptCall, request_body, script_calls

NAME = "json"
LAST_RESORT = True
MAX_PAGES = 1000          # pages asked for at once; the page budget bounds the rest
DIGITS = re.compile(r"[0-9]{1,18}")
JSONP = re.compile(r"^\s*(?:/\*\*/)?\s*[\w$.?]+\s*\((.*)\)\s*;?\s*$", re.S)
JSON_TITLE_KEYS = ("title", "doctitle", "name", "text", "subject")
JSON_URL_KEYS = ("url", "href", "link", "docurl", "path", "pubdocurl")


def _named(kind: str, key: str) -> bool:
    return any(p.match(str(key)) for p in patterns()["list_api"][kind])


def _number(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and DIGITS.fullmatch(value.strip()):
        return int(value)
    return None


# -- the requests a page's scripts make ---------------------------------------------------

def call_state(call: ScriptCall, page_url: str) -> dict:
    """What it takes to ask for any page of a script's call (kept in the request's meta)."""
    parts = urlsplit(urljoin(page_url, call.url))
    query = parse_qsl(parts.query, keep_blank_values=True) + list(call.query.items())
    state = {"url": urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")),
             "query": [[k, v] for k, v in query], "method": call.method,
             "body": [[k, v] for k, v in (call.body or {}).items()] if call.body is not None else None,
             "format": call.body_format, "loc": None, "key": None, "first": 1, "offset": None}
    for loc in ("query", "body"):
        pairs = state[loc] or []
        sizes = [_number(v) for k, v in pairs if _named("size_param", k) and _number(v)]
        for k, v in pairs:
            if state["key"] is None and _named("page_param", k):
                start = _number(v)
                state.update(loc=loc, key=k, first=start if start is not None else 1)
            elif state["key"] is None and _named("offset_param", k) and sizes:
                state.update(loc=loc, key=k, first=1, offset={"start": _number(v) or 0, "size": sizes[0]})
        if loc == "body" and pairs:  # a variable the scripts never declared is left out of a body
            pairs = state["body"] = [p for p in pairs if p[1] != PAGE or p[0] == state["key"]]
        for pair in pairs:  # …and left empty in a query, like the page until it is filled in
            if isinstance(pair[1], str) and PAGE in pair[1]:
                pair[1] = pair[1].replace(PAGE, "")
    state["page"] = state["first"]
    return state


def page_request(state: dict, page: int, probe: bool = False) -> PageRequest:
    """The request for one page of an API (the page number in the query or the body)."""
    sent = page if state["offset"] is None else state["offset"]["start"] + (page - 1) * state["offset"]["size"]
    query, body = state["query"], state["body"]
    if state["key"] is not None and state["loc"] == "query":
        query = [[k, sent if k == state["key"] else v] for k, v in query]
    elif state["key"] is not None:
        body = [[k, sent if k == state["key"] else v] for k, v in body]
    url = canonical_url(state["url"] + ("?" + urlencode([(k, v) for k, v in query]) if query else ""))
    text = None
    if state["method"] != "GET":
        text = request_body(dict(body or []), state["format"] or "form")
    content_type = None if text is None else (
        "application/json" if state["format"] == "json" else "application/x-www-form-urlencoded")
    return PageRequest(url, NAME, method=state["method"], body=text, content_type=content_type, probe=probe,
                       state={**state, "page": page})


def api_calls(html: str, page_url: str, tree=None) -> list[dict]:
    tree = html_tree(html) if tree is None else tree
    states = []
    for script in tree.xpath("//script[not(@src)]"):
        if (script.get("type") or "").lower() in ("text/xml", "text/template", "text/html"):
            continue
        for call in script_calls(script.text or ""):
            state = call_state(call, page_url)
            if state not in states:
                states.append(state)
    return states


def detect(page) -> bool:
    return "<script" in page.html.lower() and bool(api_calls(page.html, page.url, page.tree))


def next_pages(page):
    return [page_request(state, state["first"], probe=True) for state in api_calls(page.html, page.url, page.tree)]


# -- the answers ----------------------------------------------------------------------------

def json_links(data, base_url: str) -> list[Link]:
    """Items of a JSON list answer: every object with a title-like and a URL-like field, and
    the links of HTML kept in its strings (``{"html": "<li><a …>"}``)."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            lowered = {str(k).lower(): v for k, v in node.items()}
            title = next((lowered[k] for k in JSON_TITLE_KEYS if isinstance(lowered.get(k), str)), None)
            url = next((lowered[k] for k in JSON_URL_KEYS if isinstance(lowered.get(k), str)), None)
            if title and url:
                found.append(Link(canonical_url(urljoin(base_url, url)), squeeze(title), "json"))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str) and "<a" in node:
            found.extend(Link(link.url, link.text, "json") for link in page_links(node, base_url)
                         if link.source == "a")

    walk(data)
    return found


def paging(data) -> dict:
    """What an answer says about its pages: count, total, size, has_next, and the key and value
    it names the current page with. Objects are searched breadth first, lists are not (their
    objects are the items)."""
    found, level = {}, [data]
    for _ in range(4):
        following = []
        for node in level:
            if not isinstance(node, dict):
                continue
            for key, value in node.items():
                number = _number(value)
                for kind, name in (("page_count_key", "count"), ("total_key", "total"),
                                   ("size_param", "size"), ("page_param", "current")):
                    if number is not None and name not in found and _named(kind, key):
                        found[name] = number
                        if name == "current":
                            found["current_key"] = key
                if isinstance(value, bool) and "has_next" not in found:
                    if _named("has_next_key", key):
                        found["has_next"] = value
                    elif _named("is_last_key", key):
                        found["has_next"] = not value
                if isinstance(value, dict):
                    following.append(value)
        level = following
    return found


def loads(text: str):
    """A JSON answer, or a JSONP one (``jQuery123({...});``); None if it is neither.

    >>> loads('cb_1({"pageCount": 2});')
    {'pageCount': 2}
    """
    try:
        return json.loads(text)
    except ValueError:
        wrapped = JSONP.match(text or "")
        try:
            return json.loads(wrapped.group(1)) if wrapped else None
        except ValueError:
            return None


def read_answer(text: str, url: str, state: dict | None):
    """The items of one answer, and the requests for the pages it says follow."""
    data = loads(text)
    if data is None:
        return [], []
    links = json_links(data, url)
    state = dict(state) if state else call_state(ScriptCall(url), url)
    info = paging(data)
    if state["key"] is None:
        if not ({"count", "total", "has_next"} & set(info)):
            return links, []
        current = info.get("current", 1)
        state.update(loc="query" if state["method"] == "GET" else "body", key=info.get("current_key", "page"),
                     first=current, page=current)
        if state["loc"] == "body":
            state["body"] = [*(state["body"] or []), [state["key"], current]]
        else:
            state["query"] = [*state["query"], [state["key"], current]]
    current, first = state["page"], state["first"] if state["offset"] is None else 1
    count = info.get("count")
    size = info.get("size") or (state["offset"] or {}).get("size") or next(
        (_number(v) for k, v in (state["query"] + (state["body"] or [])) if _named("size_param", k) and _number(v)),
        None) or (len(links) if current == first else None)
    if count is None and info.get("total") is not None and size:
        count = math.ceil(info["total"] / size)
    if count is not None and (current - first) % MAX_PAGES == 0:  # page 1 asks for 2…1001, 1001 for 1002…
        pages = range(current + 1, min(first + count - 1, current + MAX_PAGES) + 1)
    elif count is not None:
        pages = []
    elif info.get("has_next") and links:
        pages = [current + 1]
    else:
        pages = []
    return links, [page_request(state, k) for k in pages]
