"""Bytes of a page → text: the charset it declares, or the one detected when it declares
none (no HTTP charset, no BOM, no ``<meta>``).

UTF-8 when the bytes are valid UTF-8 (the common case, and cheap to check); otherwise
charset-normalizer's best guess, read as its superset (GB2312/GBK → GB18030). Pure.

>>> detect_encoding("平潭综合实验区政府信息公开工作年度报告".encode("gbk") * 3)
'gb18030'
>>> detect_encoding("政府資訊公開工作年度報告，本機關依法辦理".encode("big5") * 3)
'big5'
>>> detect_encoding("年度报告".encode())
'utf-8'
"""

from __future__ import annotations

import re

from w3lib.encoding import html_to_unicode

SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "big5hkscs": "big5",
             "ascii": "utf-8"}
SAMPLE = 256 * 1024
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def detect_encoding(body: bytes) -> str | None:
    sample = body[:SAMPLE]
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as error:
        if error.start >= len(sample) - 3:  # a character cut by the sample's end
            return "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None:
        return None
    encoding = best.encoding.lower().replace("_", "")
    return SUPERSETS.get(encoding, best.encoding)


def decode_html(body: bytes, content_type: str | None) -> str:
    """Decode as Scrapy does: HTTP charset, then BOM, then <meta>, then detection
    (:func:`detect_encoding`: UTF-8, GB18030, Big5…); but a
    body that is not valid in the HTTP charset (a GBK page served as utf-8) is decoded by
    its BOM, <meta> or detection instead."""
    encoding, text = html_to_unicode(content_type or "", body, auto_detect_fun=detect_encoding)
    if "\ufffd" in text and content_type and "charset" in content_type.lower():
        try:
            body.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            _encoding, text = html_to_unicode("", body, auto_detect_fun=detect_encoding)
    return CONTROL_CHARACTERS.sub("", text)  # lxml refuses them in text; no page means them
