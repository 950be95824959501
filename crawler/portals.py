"""The portals file: which county portals to crawl.

A CSV with the columns ``name,url`` and optionally ``region_code,province,city,level``, in
any order (the national registry ``portals/registry.csv`` writes
``name,url,province,city,level,region_code``). Lines starting with ``#`` are comments. Every
problem is reported with its line number before anything is crawled. :func:`select_portals`
takes a province, a level and a number of them (``nianbao crawl --province --level --limit``).

>>> import io
>>> read_portals(io.StringIO("name,url\\n始兴县,http://www.sxxzf.gov.cn/\\n"))[0].host
'www.sxxzf.gov.cn'
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from crawler.scope import strip_credentials

REQUIRED = ("name", "url")
OPTIONAL = ("region_code", "province", "city", "level")


class PortalsFileError(ValueError):
    """The portals file cannot be used; the message names the line."""


class SelectionError(ValueError):
    """A filter names a value the portals file does not have; the message lists the valid ones."""


@dataclass(frozen=True)
class Portal:
    name: str
    url: str
    region_code: str = ""
    province: str = ""
    city: str = ""
    level: str = ""
    line: int = field(default=0, compare=False)

    @property
    def host(self) -> str:
        """host[:port] of the home page (credentials never kept)."""
        return urlsplit(self.url).netloc.lower().rsplit("@", 1)[-1]


def _utf8(data: bytes, label: str) -> str:
    """The file as text; a file that is not UTF-8 is refused with the line and byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise PortalsFileError(f"{label}:{line}: not UTF-8 (byte 0x{data[error.start]:02x} at column {column}); "
                               "save the portals file as UTF-8") from None


def read_portals(source) -> list[Portal]:
    """Read and validate a portals file (a path or an open text file)."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.exists():
            raise PortalsFileError(f"{path}: no such portals file")
        label = str(path)
        text = _utf8(path.read_bytes(), label)
    else:
        text, label = source.read(), "portals file"
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1)
             if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise PortalsFileError(f"{label}: empty, expected a header line 'name,url'")
    header_no = lines[0][0]
    reader = csv.DictReader(io.StringIO("\n".join(line for _, line in lines)))
    columns = [c.strip() for c in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise PortalsFileError(f"{label}:{header_no}: missing column(s) {', '.join(missing)}; "
                               f"the header must name at least: name,url")
    portals, seen_urls, seen_names = [], {}, {}
    for (line_no, _), row in zip(lines[1:], reader):
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k}
        name, url = row.get("name", ""), row.get("url", "")
        if not name:
            raise PortalsFileError(f"{label}:{line_no}: empty name")
        url = strip_credentials(url)  # never sent, never part of a decision
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise PortalsFileError(f"{label}:{line_no}: bad URL {url!r} (expected http(s)://host/...)")
        key = url.rstrip("/").lower()
        if key in seen_urls:
            raise PortalsFileError(f"{label}:{line_no}: duplicate portal {url} (first on line {seen_urls[key]})")
        if name in seen_names:
            raise PortalsFileError(f"{label}:{line_no}: duplicate portal name {name} (first on line {seen_names[name]})")
        seen_urls[key], seen_names[name] = line_no, line_no
        portals.append(Portal(name=name, url=url, line=line_no,
                              **{c: row.get(c, "") for c in OPTIONAL}))
    if not portals:
        raise PortalsFileError(f"{label}: no portals listed")
    return portals


def select_portals(portals: list[Portal], province: str | None = None, level: str | None = None,
                   limit: int | None = None) -> list[Portal]:
    """The portals of one province and/or level (values as the file writes them, e.g. 广东省,
    county), the first ``limit`` of them. A value the file does not have is refused with the
    values it does have.

    >>> ps = [Portal("始兴县", "http://a.gov.cn/", province="广东省", level="county"),
    ...       Portal("韶关市", "http://b.gov.cn/", province="广东省", level="city")]
    >>> [p.name for p in select_portals(ps, province="广东省", level="county")]
    ['始兴县']
    >>> select_portals(ps, level="town")
    Traceback (most recent call last):
    crawler.portals.SelectionError: unknown level 'town'; valid values: city, county
    """
    within = ""
    for column, wanted in (("province", province), ("level", level)):
        if wanted is None:
            continue
        valid = sorted({getattr(p, column) for p in portals} - {""})
        if wanted not in valid:
            raise SelectionError(f"unknown {column} {wanted!r}{within}; valid values: "
                                 f"{', '.join(valid) if valid else f'none (the file has no {column} column values)'}")
        portals = [p for p in portals if getattr(p, column) == wanted]
        within = f" in {column} {wanted}"
    if limit is not None:
        if limit < 1:
            raise SelectionError(f"--limit must be at least 1, not {limit}")
        portals = portals[:limit]
    return portals


def write_portals(portals: list[Portal], path) -> None:
    """A portals file naming exactly these portals (``read_portals`` reads it back)."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([*REQUIRED, *OPTIONAL])
        for p in portals:
            writer.writerow([p.name, p.url, *(getattr(p, c) for c in OPTIONAL)])
