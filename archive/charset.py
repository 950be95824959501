"""The charset of a page that declares none (no HTTP charset, no BOM, no ``<meta>``).

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

SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "big5hkscs": "big5",
             "ascii": "utf-8"}
SAMPLE = 256 * 1024


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
