"""The floor of the write path: what one row costs through Python's sqlite3 on this machine.

    .venv/bin/python bench/sqlite_rows.py

Inserts the same 100,000 value rows (11 columns, the shape of ``applications_values``) with
``executemany`` into an in-memory database: a plain table (the cost of binding a row and
appending it), then the real base table (clustered by report, with its row-code index).
A report has about 163 value rows, so the per-row figure times 163 is what its values
cost the single writer however the rest of the path is arranged. No disk, no other work.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archive import value_tables  # noqa: E402

ROWS_PER_REPORT = 163   # value rows a report of the labelled corpus has (bench/scale.py)


def rows(n: int) -> list[tuple]:
    codes = ["1", "2", "3.1", "3.2", "3.3.1", "3.3.2", "3.4.1", "3.5", "3.7", "4"]
    return [(i // 130, codes[i % 10] + "." * (i % 13 // 10), i % 13, (i // 10) % 13, i % 7, None, None, 1,
             i % 40, i % 13, None) for i in range(n)]


def per_row(schema: str, data: list[tuple], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        conn = sqlite3.connect(":memory:")
        conn.executescript(schema)
        started = time.perf_counter()
        conn.executemany("INSERT INTO applications_values VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", data)
        best = min(best, time.perf_counter() - started)
        conn.close()
    return best / len(data) * 1e6


def main() -> None:
    data = rows(100_000)
    plain = per_row("CREATE TABLE applications_values (a, b, c, d, e, f, g, h, i, j, k)", data)
    real = per_row(value_tables.SCHEMA, data)
    print(f"plain table        {plain:5.2f} µs a row  = {plain * ROWS_PER_REPORT / 1000:4.2f} ms a report")
    print(f"applications_values {real:5.2f} µs a row  = {real * ROWS_PER_REPORT / 1000:4.2f} ms a report")
    print(f"values alone cap one writer at {1e6 / (real * ROWS_PER_REPORT):,.0f} reports/s")


if __name__ == "__main__":
    main()
