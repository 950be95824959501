"""Label normalisation and lookup of canonical template labels.

The labels themselves live in ``archive/templates/data/template_*.json``; this module only knows
how pages spell them differently (spaces inside labels, bracket width, 、 or . after a
number, Traditional script).

    >>> normalise(' 本年新 制作数量 ')
    '本年新制作数量'
    >>> normalise('其中：1、網站公開')
    '其中:1.网站公开'
    >>> normalise('（二）部分公开') == normalise('(二)部分公开')
    True
    >>> index = LabelIndex([('1.属于国家秘密', '1.属于国家秘密')])
    >>> index.lookup('1、屬於國家秘密')
    '1.属于国家秘密'
    >>> loose('1.申请人无正当理由逾期不补正，行政机关不再处理') == loose('申请人无正当理由逾期不补正、行政机关不再处理')
    True
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

import opencc

_T2S = opencc.OpenCC("t2s")
_WHITESPACE = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")
# Punctuation that NFKC leaves alone but pages use interchangeably.
_PUNCT = str.maketrans({
    "〔": "[", "〕": "]", "【": "[", "】": "]", "［": "[", "］": "]",
    "“": '"', "”": '"', "「": '"', "」": '"', "『": '"', "』": '"', "＂": '"',
    "‘": "'", "’": "'", "—": "-", "–": "-", "－": "-", "−": "-", "～": "~",
    "·": ".", "・": ".",
})
_CN_DIGITS = "一二三四五六七八九十"
_DIGIT_ENUM = re.compile(r"(?<=\d)、")                       # 1、 → 1.
_CN_ENUM = re.compile(rf"(^|[^{_CN_DIGITS}])([{_CN_DIGITS}]+)\.")  # 一. → 一、
# Numbering and the 其中 ("of which") prefix are grammar of the forms, not labels:
# core() drops them so that a page that renumbers a row still finds it.
_LEADING = re.compile(rf"^(?:其中:?|\([{_CN_DIGITS}\d]+\)|[{_CN_DIGITS}]+、|\d+\.(?!\d))")
_TRAILING_PAREN = re.compile(r"\([^()]*\)$")


@lru_cache(maxsize=1 << 16)
def normalise(label: str) -> str:
    """Canonical spelling of a label for comparison (never for display).

    Cached: the same cell texts are looked up in many label indexes per report.
    """
    text = _T2S.convert(label or "")
    text = unicodedata.normalize("NFKC", text).translate(_PUNCT)
    text = _WHITESPACE.sub("", text)
    text = _DIGIT_ENUM.sub(".", text)
    return _CN_ENUM.sub(r"\1\2、", text)


@lru_cache(maxsize=1 << 16)
def core(label: str) -> str:
    """A normalised label without numbering, 其中 prefix and a trailing parenthesis."""
    text = normalise(label)
    previous = None
    while previous != text:
        previous = text
        text = _LEADING.sub("", text)
    stripped = _TRAILING_PAREN.sub("", text)
    return stripped or text


_NOT_WORD = re.compile(r"[\W_]+")


@lru_cache(maxsize=1 << 16)
def loose(label: str) -> str:
    """The core of a label without any punctuation or symbol (、，,."" …): how a label is
    compared when its wording is the same but its punctuation is not."""
    return _NOT_WORD.sub("", core(label))


class LabelIndex:
    """Lookup from a page label to a canonical label.

    Built from (spelling, canonical) pairs; a canonical label should also be given as
    its own spelling. Exact normalised matches win; otherwise the core (numbering and
    trailing parenthesis dropped), then the loose core (punctuation dropped too) must
    identify a single canonical label.
    """

    def __init__(self, pairs: Iterable[tuple[str, str]]):
        self._exact: dict[str, list[str]] = {}
        self._core: dict[str, list[str]] = {}
        self._loose: dict[str, list[str]] = {}
        for spelling, canonical in pairs:
            for table, key in ((self._exact, normalise(spelling)), (self._core, core(spelling)),
                               (self._loose, loose(spelling))):
                if key and canonical not in table.setdefault(key, []):
                    table[key].append(canonical)

    def lookup_all(self, text: str) -> list[str]:
        found = self._exact.get(normalise(text)) or self._core.get(core(text))
        if found:
            return list(found)
        return list(self._loose.get(loose(text), []))

    def lookup(self, text: str) -> str | None:
        """The canonical label, or None when unknown or ambiguous."""
        found = self.lookup_all(text)
        return found[0] if len(found) == 1 else None

    def __contains__(self, text: str) -> bool:
        return self.lookup(text) is not None


@lru_cache(maxsize=None)
def load_data(name: str) -> dict:
    """A JSON file of archive/data (package data, read once)."""
    with resources.files("archive").joinpath("data", name).open(encoding="utf-8") as fh:
        return json.load(fh)


def template(template_id: str) -> dict:
    """One template generation's data (``archive/templates``)."""
    from archive.templates import template as registered
    return registered(template_id)


def aliases(template_data: dict) -> list[tuple[str, str]]:
    """(variant, canonical) pairs from the template's machine-readable label_aliases."""
    entries = template_data.get("label_aliases", {}).get("aliases", {})
    return [(variant, canonical) for canonical, variants in entries.items() for variant in variants]


def index_of(labels: Iterable[str], template_data: dict | None = None) -> LabelIndex:
    """A LabelIndex of the given canonical labels plus the template's aliases for them."""
    labels = list(labels)
    pairs = [(label, label) for label in labels]
    if template_data is not None:
        wanted = set(labels)
        pairs += [(v, c) for v, c in aliases(template_data) if c in wanted]
    return LabelIndex(pairs)
