"""Downloads that open right in Excel on a Chinese Windows machine.

- Every ``.csv`` (table, view, canned query, arbitrary SQL) is served as ``text/csv`` with a
  UTF-8 byte-order mark and as an attachment named after the page, so a click saves a file
  that Excel reads as UTF-8 instead of showing 乱码. This wraps Datasette's own CSV (which
  streams a whole table with ``_stream=1``), changing only its first bytes and headers.
- ``.xlsx`` is an output renderer (openpyxl): the rows of the page as a worksheet, header
  row frozen, numbers kept as numbers.
"""

from __future__ import annotations

import io
import re
from urllib.parse import unquote

from datasette.utils.asgi import Response

BOM = "\ufeff".encode("utf-8")
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def filename(path: str, extension: str) -> str:
    """The file a download is saved as: the page's last path part.

    >>> filename("/archive/report_summary.csv", "csv")
    'report_summary.csv'
    >>> filename("/archive/%E6%8A%A5%E5%91%8A.csv", "csv")
    '报告.csv'
    >>> filename("/archive/~E6~8A~A5~E5~91~8A.csv", "csv")   # Datasette's tilde encoding
    '报告.csv'
    """
    from datasette.utils import tilde_decode

    stem = unquote(path.rstrip("/").rsplit("/", 1)[-1])
    if "~" in stem:
        try:
            stem = tilde_decode(stem)
        except (ValueError, UnicodeDecodeError):
            pass
    stem = stem[: -len(extension) - 1] if stem.endswith("." + extension) else stem
    return (_UNSAFE.sub("_", stem) or "nianbao") + "." + extension


def content_disposition(name: str) -> str:
    """An attachment header that keeps a Chinese file name (RFC 6266 ``filename*``)."""
    from urllib.parse import quote

    ascii_name = name.encode("ascii", "replace").decode("ascii").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def is_csv_request(scope) -> bool:
    return scope.get("type") == "http" and scope.get("path", "").endswith(".csv")


def wrap_csv(app):
    """ASGI middleware: a successful ``.csv`` answer gets the BOM, ``text/csv`` and an
    attachment name; everything else passes untouched."""

    async def with_bom(scope, receive, send):
        if not is_csv_request(scope):
            return await app(scope, receive, send)
        state = {"csv": False, "bom_sent": False}

        async def send_csv(message):
            if message["type"] == "http.response.start":
                state["csv"] = message.get("status") == 200
                if state["csv"]:
                    headers = [(k, v) for k, v in message.get("headers", [])
                               if k.lower() not in (b"content-type", b"content-disposition", b"content-length")]
                    headers.append((b"content-type", b"text/csv; charset=utf-8"))
                    headers.append((b"content-disposition",
                                    content_disposition(filename(scope["path"], "csv")).encode("latin-1")))
                    message = {**message, "headers": headers}
            elif message["type"] == "http.response.body" and state["csv"] and not state["bom_sent"]:
                state["bom_sent"] = True
                message = {**message, "body": BOM + message.get("body", b"")}
            await send(message)

        await app(scope, receive, send_csv)

    return with_bom


def xlsx_bytes(columns: list[str], rows, sheet: str) -> bytes:
    """A workbook of one sheet: the column names, then the rows (numbers stay numbers)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    worksheet = book.create_sheet(title=(_UNSAFE.sub("_", sheet) or "nianbao")[:31])
    worksheet.freeze_panes = "A2"
    worksheet.append(list(columns))
    for row in rows:
        worksheet.append([_cell(row[c] if not isinstance(row, (list, tuple)) else row[i])
                          for i, c in enumerate(columns)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value):
    if isinstance(value, bytes):
        return f"<binary: {len(value)} bytes>"
    return value


def render_xlsx(datasette, request, columns, rows, table, query_name, database):
    name = table or query_name or database or "query"
    body = xlsx_bytes(columns, rows, name)
    return Response(body, status=200, content_type=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        headers={"content-disposition": content_disposition(filename(name, "xlsx"))})


XLSX = {"extension": "xlsx", "render": render_xlsx, "can_render": lambda: True}
