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


PAIRS = re.compile(r"(?=(..))", re.DOTALL)   # every overlapping pair of characters


def _bigrams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return PAIRS.findall(run)


def index_text(text: str) -> str:
    """The form a text is indexed in: Simplified, Chinese runs as bigrams."""
    words = []
    for token in TOKEN.findall(simplified(text)):
        if token[0] >= "\u3400":   # a run of Chinese (TOKEN's other tokens are ASCII letters and digits)
            words.extend(_bigrams(token))
        else:
            words.append(token.lower())
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


# --------------------------------------------------------------------------- prose

# Bump when what is indexed changes: an archive indexed by another version is re-indexed
# when it is opened (a contentless index can only drop a row given what it indexed).
INDEX_VERSION = "2"
TABLE_ROW = re.compile(r"[|｜]")
SENTENCE = re.compile(r"[。；！？]")
CLAUSE = re.compile(r"[，,、]")
DIGITS = re.compile(r"[\d.,，%％\s]")


def is_prose(line: str) -> bool:
    """A line of narrative text, not a table cell, a row of a flattened table or a label.

    >>> is_prose("1.属于国家秘密"), is_prose("0 | 0 | 5"), is_prose("本机关严格审查，未发生涉及国家秘密的泄密事件。")
    (False, False, True)
    """
    line = line.strip()
    if not line or TABLE_ROW.search(line):
        return False
    chinese = sum(len(run) for run in CJK_RUN.findall(line))
    if chinese < 8 or len(DIGITS.sub("", line)) < 0.6 * len(line):
        return False
    return bool(SENTENCE.search(line)) or (len(line) >= 40 and bool(CLAUSE.search(line)))


def prose(text: str | None) -> str:
    """The narrative lines of a report's text (what search indexes)."""
    return "\n".join(line for line in (text or "").split("\n") if is_prose(line))


def index_fields(title: str | None, agency: str | None, text: str | None) -> tuple[str, str, str]:
    """(title, agency, body) as ``reports_fts`` indexes them."""
    return index_text(title or ""), index_text(agency or ""), index_text(prose(text))


def excerpt(text: str, query: str, width: int = 48) -> list[tuple[bool, str]] | None:
    """A readable excerpt of ``text`` around the first place where every word of ``query``
    occurs (compared in Simplified script): ``[(is_hit, piece), …]``, or None when the text
    does not hold the first word.

    >>> excerpt("一、总体情况\\n本机关未发生涉及國家秘密的事件。", "国家秘密", width=6)
    [(False, '…生涉及'), (True, '國家秘密'), (False, '的事件。')]
    """
    words = [simplified(w) for q, b in QUOTED.findall(query or "") for w in [q or b] if w.strip()]
    if not words or not text:
        return None
    flat = text.replace("\n", " ")
    plain = simplified(flat)  # t2s keeps the length, so positions carry over
    first = plain.find(words[0])
    if first < 0 or len(plain) != len(flat):
        return None
    start, end = max(0, first - width // 2), min(len(flat), first + len(words[0]) + width)
    window = plain[start:end]
    marks = [False] * len(window)
    for word in words:
        at = window.find(word)
        while at >= 0:
            marks[at:at + len(word)] = [True] * len(word)
            at = window.find(word, at + len(word))
    chars = [(False, "…")] * (start > 0) + [(hit, flat[start + i]) for i, hit in enumerate(marks)] \
        + [(False, "…")] * (end < len(flat))
    pieces: list[tuple[bool, str]] = []
    for hit, ch in chars:
        if pieces and pieces[-1][0] == hit:
            pieces[-1] = (hit, pieces[-1][1] + ch)
        else:
            pieces.append((hit, ch))
    return pieces
