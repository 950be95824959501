"""Datasette plugin: Chinese full-text search for the archive.

Datasette turns the search box into ``MATCH escape_fts(:search)``. Here
``escape_fts`` is replaced (trylast, so after Datasette's own) by
:func:`archive.search.fts_query`, which speaks the bigram index that
:mod:`archive.store` writes: 公开 and 涉密 match, and a Simplified query finds
Traditional reports. ``fts_query(:q)`` is also available to canned queries.
"""

from datasette import hookimpl

from archive.search import fts_query, simplified


@hookimpl(trylast=True)
def prepare_connection(conn):
    conn.create_function("escape_fts", 1, fts_query, deterministic=True)
    conn.create_function("fts_query", 1, fts_query, deterministic=True)
    conn.create_function("simplified", 1, simplified, deterministic=True)
