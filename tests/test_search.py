"""Chinese full-text search on a real SQLite FTS5 table (archive/search.py)."""

import sqlite3

import pytest

from archive.search import fts_query, index_text

TEXTS = {
    1: "属于国家秘密的申请不予公开，涉密信息依法处理。",
    2: "本機關屬於國家秘密的資訊不予公開。",          # Traditional script
    3: "二、主动公开政府信息情况 2023年共发布信息41105条。",
}


@pytest.fixture()
def index():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE f USING fts5(body)")
    for rowid, text in TEXTS.items():
        conn.execute("INSERT INTO f(rowid, body) VALUES (?, ?)", (rowid, index_text(text)))
    return lambda q: sorted(r[0] for r in conn.execute("SELECT rowid FROM f WHERE f MATCH ?", (fts_query(q),)))


@pytest.mark.parametrize("query,rows", [
    ("公开", [1, 2, 3]),          # two characters: trigram FTS would find nothing
    ("涉密", [1]),
    ("国家秘密", [1, 2]),          # Simplified query finds the Traditional report
    ("國家秘密", [1, 2]),          # and the other way round
    ("41105", [3]),
    ("国家秘密 涉密", [1]),        # every word must occur
    ("密国", []),                 # characters out of order do not match
    ('"主动公开政府信息"', [3]),
    ("", []),
])
def test_chinese_queries(index, query, rows):
    assert index(query) == rows
