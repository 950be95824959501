"""Chinese full-text search on SQLite FTS5 without a custom tokenizer.

SQLite's ``unicode61`` tokenizer treats a run of Chinese characters as one token,
and ``trigram`` cannot match terms shorter than three characters (公开, 涉密).
So the index holds every run of Chinese text as overlapping character pairs
(bigrams), in Simplified script, and a query is turned into the same pairs as an
FTS5 phrase: a phrase of consecutive bigrams matches exactly the documents that
contain the term. One-character terms become a prefix query.

>>> index_text("國家秘密 2023")
'国家 家秘 秘密 2023'
>>> fts_query("国家秘密")
'"国家 家秘 秘密"'
>>> fts_query("涉密 2023")
'"涉密" "2023"'
"""

from __future__ import annotations

import re
from functools import lru_cache

CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[0-9A-Za-z]+")
QUOTED = re.compile(r'"([^"]*)"|(\S+)')


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """Traditional → Simplified script (OpenCC t2s)."""
    return _t2s().convert(text or "")


def _bigrams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i:i + 2] for i in range(len(run) - 1)]


def index_text(text: str) -> str:
    """The form a text is indexed in: Simplified, Chinese runs as bigrams."""
    words = []
    for token in TOKEN.findall(simplified(text)):
        words.extend(_bigrams(token) if CJK_RUN.fullmatch(token) else [token.lower()])
    return " ".join(words)


def _term_query(term: str) -> str | None:
    tokens = TOKEN.findall(simplified(term))
    if not tokens:
        return None
    if len(tokens) == 1 and CJK_RUN.fullmatch(tokens[0]) and len(tokens[0]) == 1:
        return f'"{tokens[0]}" *'
    words = []
    for token in tokens:
        words.extend(_bigrams(token) if CJK_RUN.fullmatch(token) else [token.lower()])
    return '"' + " ".join(words) + '"'


def fts_query(query: str) -> str:
    """A user's search words as an FTS5 query over :func:`index_text` output:
    every word (or "quoted phrase") must occur."""
    parts = []
    for quoted, bare in QUOTED.findall(query or ""):
        part = _term_query(quoted or bare)
        if part:
            parts.append(part)
    return " ".join(parts) or '""'
