"""The requests a list page's inline scripts make for their data, read without running them:
``fetch(url, {method, body})``, ``$.ajax({url, type, data, contentType})``, ``$.get / $.getJSON /
$.post(url, data)``, ``axios.get / axios.post / axios({...})``, and any other string naming a data
address (``"/api/list?col=ndbg&page=" + page``). URLs built by concatenation are evaluated:
string literals are joined, a variable takes the literal it was declared with
(``var col = "ndbg"``), and a variable nobody declared becomes ``PAGE`` (the page a pager fills in).

A tiny reader of JavaScript literals, not an interpreter; pure functions over script text.

>>> calls = script_calls('$.ajax({url: "/api/list", type: "POST", data: {col: "ndbg", pageNo: 1}})')
>>> [(c.method, c.url, c.body, c.body_format) for c in calls]
[('POST', '/api/list', {'col': 'ndbg', 'pageNo': 1}, 'form')]
>>> [(c.method, c.url) for c in script_calls('var url = "/api/list?col=ndbg&page=" + page;')]
[('GET', '/api/list?col=ndbg&page=\\x00')]
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

PAGE = "\x00"  # where a concatenated, undeclared variable goes
CALLEE = re.compile(r"(?<![\w.$])(fetch|(?:\$|jQuery)\.(?:ajax|get|getJSON|post)|axios(?:\.get|\.post)?)\s*\(")
DATA_URL = re.compile(r"""['"`]([^'"`\s]*?(?:\.json|/api/[^'"`\s]*|list\.do|getList[^'"`\s]*|\.action)(?:\?[^'"`\s]*)?)['"`]""")
DECLARATION = re.compile(r"""(?:var|let|const)\s+([\w$]+)\s*=\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|-?\d+)\s*[;,\n]""")
NUMBER = re.compile(r"-?\d+(\.\d+)?$")
IDENTIFIER = re.compile(r"[\w$][\w$.]*$")
TEMPLATE_PART = re.compile(r"\$\{([^}]*)\}")
CLOSERS = {"(": ")", "[": "]", "{": "}"}


@dataclass
class ScriptCall:
    url: str                           # relative as written; PAGE where a page number goes
    method: str = "GET"
    body: dict | None = None
    body_format: str | None = None     # form | json
    query: dict = field(default_factory=dict)  # data a GET sends as its query


class JsonBody(dict):
    """An object the script sends as JSON (``JSON.stringify({...})``)."""


def _skip_string(text: str, i: int) -> int:
    quote, i = text[i], i + 1
    while i < len(text) and text[i] != quote:
        i += 2 if text[i] == "\\" else 1
    return i + 1


def split_top(text: str, separators: str, start: int = 0, stop: str = "") -> tuple[list[str], int]:
    """Split ``text`` from ``start`` at separators outside brackets and strings, up to a
    closing ``stop`` character at depth 0 (or the end). Returns the parts and where it ended."""
    parts, depth, i, begin = [], 0, start, start
    while i < len(text):
        char = text[i]
        if char in "'\"`":
            i = _skip_string(text, i)
            continue
        if char in CLOSERS:
            depth += 1
        elif char in ")]}":
            if depth == 0:
                if char in stop:
                    break
            else:
                depth -= 1
        elif depth == 0 and char in separators:
            parts.append(text[begin:i])
            begin = i + 1
        elif depth == 0 and char in stop:
            break
        i += 1
    parts.append(text[begin:i])
    return [p.strip() for p in parts if p.strip()], i


def declarations(script: str) -> dict:
    """Variables declared with a literal: ``var col = "ndbg"`` → {"col": "ndbg"}."""
    found = {}
    for name, literal in DECLARATION.findall(script):
        found.setdefault(name, literal_value(literal))
    return found


def literal_value(text: str, names: dict | None = None):
    if text[:1] == "`" and text[-1:] == "`":  # a template literal: ${name} from the declarations
        return TEMPLATE_PART.sub(lambda m: str((names or {}).get(m.group(1).strip(), PAGE)), text[1:-1])
    if text[:1] in "'\"" and text[-1:] == text[:1]:
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    if NUMBER.match(text):
        return float(text) if "." in text else int(text)
    return {"true": True, "false": False, "null": None}.get(text, text)


def value(text: str, names: dict):
    """A JavaScript expression of literals: objects, arrays, strings, numbers, declared
    variables, ``+`` concatenations, ``JSON.stringify(…)`` and ``new URLSearchParams(…)``."""
    text = text.strip().rstrip(";")
    for wrapper, kind in (("JSON.stringify(", JsonBody), ("new URLSearchParams(", dict)):
        if text.startswith(wrapper) and text.endswith(")"):
            inner = value(text[len(wrapper):-1], names)
            if isinstance(inner, dict):
                return kind(inner)
            if isinstance(inner, str) and kind is dict:
                return dict(parse_qsl(inner))
            return inner
    if text.startswith("{") and text.endswith("}"):
        result = {}
        for pair in split_top(text[1:-1], ",")[0]:
            key, _, rest = pair.partition(":")
            key = key.strip().strip("'\"")
            result[key] = value(rest, names) if rest else names.get(key, PAGE)  # {pageNo} shorthand
        return result
    if text.startswith("[") and text.endswith("]"):
        return [value(item, names) for item in split_top(text[1:-1], ",")[0]]
    pieces = split_top(text, "+")[0]
    if len(pieces) > 1:
        if IDENTIFIER.match(pieces[0]) and pieces[0] not in names and pieces[1][:2] in ('"/', "'/", "`/"):
            pieces = pieces[1:]  # a context path the page knows at run time (ctx + "/api/list"): the site's root
        return "".join(str(value(piece, names)) for piece in pieces)
    if text[:1] in "'\"`" or NUMBER.match(text) or text in ("true", "false", "null"):
        return literal_value(text, names)
    if IDENTIFIER.match(text):
        return names.get(text, PAGE)
    return PAGE


def known_address(url) -> bool:
    """A URL whose address is all written out: only a query value may be left to the page
    (``"/" + parts.join("/") + ".json"`` is not: only a browser knows where it goes)."""
    return isinstance(url, str) and bool(url.strip(PAGE)) and PAGE not in url.split("?", 1)[0]


def _call(callee: str, args: list, names: dict) -> ScriptCall | None:
    values = [value(a, names) for a in args]
    options = next((v for v in values if isinstance(v, dict) and not isinstance(v, JsonBody)), {})
    url = values[0] if values and isinstance(values[0], str) else options.get("url")
    if not known_address(url):
        return None
    method = "POST" if callee.endswith("post") else "GET"
    data = None
    if callee in ("fetch", "axios") or callee.endswith("ajax"):
        method = str(options.get("method") or options.get("type") or method).upper()
        data = options.get("body") if callee == "fetch" else options.get("data")
        if callee == "axios" and isinstance(options.get("params"), dict):
            return ScriptCall(url, method, data if method == "POST" else None, "json", dict(options["params"]))
    elif len(values) > 1:
        data = values[1] if values[0] is url else None
        if callee == "axios.get" and isinstance(data, dict):
            data = data.get("params")
    if isinstance(data, str) and "=" in data:
        data = dict(parse_qsl(data, keep_blank_values=True))
    if not isinstance(data, dict):
        data = None
    if method == "GET":
        return ScriptCall(url, "GET", query=dict(data or {}))
    json_body = (isinstance(data, JsonBody) or callee.startswith("axios")
                 or "json" in str(options.get("contentType") or options.get("headers") or "").lower())
    return ScriptCall(url, method, dict(data or {}), "json" if json_body else "form")


def script_calls(script: str) -> list[ScriptCall]:
    """Every data request a script makes, in order, once each."""
    names = declarations(script)
    calls, spans = [], []
    for found in CALLEE.finditer(script):
        args, end = split_top(script, ",", found.end(), stop=")")
        call = _call(found.group(1), args, names)
        if call:
            calls.append(call)
            spans.append((found.start(), end))
    rest = list(script)
    for begin, end in spans:
        rest[begin:end] = " " * (end - begin)
    rest = "".join(rest)
    for found in DATA_URL.finditer(rest):  # a data address named anywhere else
        expression = split_top(rest, ",;", found.start(), stop=")}]")[0]
        url = value(expression[0], names) if expression else found.group(1)
        if known_address(url) and DATA_URL.search(f'"{url.split(PAGE)[0]}"'):
            calls.append(ScriptCall(url))
    unique = []
    for call in calls:
        if call not in unique:
            unique.append(call)
    return unique


def request_body(body: dict, body_format: str) -> str:
    """The body a script's call sends: a form (``a=1&b=2``) or JSON."""
    from urllib.parse import urlencode
    if body_format == "json":
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return urlencode({k: ("" if v is None else v) for k, v in body.items()})
