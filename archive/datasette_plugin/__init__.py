"""Datasette plugin: the archive made for readers (registered through the ``datasette``
entry point in pyproject.toml, so ``datasette`` and ``nianbao serve`` both load it).

- Chinese full-text search: Datasette turns the search box into
  ``MATCH escape_fts(:search)``; ``escape_fts`` is replaced (trylast, so after Datasette's
  own) by :func:`archive.search.fts_query`, which speaks the bigram index that
  :mod:`archive.store` writes: 公开 and 涉密 match, a Simplified query finds Traditional
  reports. ``fts_query(:q)`` and ``simplified(text)`` are available to SQL too.
- Pages (:mod:`archive.datasette_plugin.pages`): ``/-/report/ID`` (a report: text by
  section, its tables, links), ``/-/archived/SHA256`` (the raw document, shown safely),
  ``/-/search?q=`` (search everything from the home page).
- Downloads (:mod:`archive.datasette_plugin.downloads`): every ``.csv`` carries a UTF-8 BOM
  and comes as an attachment; every table, view and query also offers ``.xlsx``.
- ``report_id`` cells link to the report page.

Templates and static files sit beside this module (``templates/``, ``static/``).
"""

from __future__ import annotations

from datasette import hookimpl
from markupsafe import Markup, escape

from archive.datasette_plugin import downloads, pages
from archive.search import fts_query, simplified


@hookimpl(trylast=True)
def prepare_connection(conn):
    conn.create_function("escape_fts", 1, fts_query, deterministic=True)
    conn.create_function("fts_query", 1, fts_query, deterministic=True)
    conn.create_function("simplified", 1, simplified, deterministic=True)


@hookimpl
def register_routes():
    return pages.ROUTES


@hookimpl
def asgi_wrapper(datasette):
    return downloads.wrap_csv


@hookimpl
def register_output_renderer(datasette):
    return downloads.XLSX


@hookimpl
def render_cell(value, column, datasette):
    if column in ("report_id", "报告编号") and isinstance(value, int):
        href = datasette.urls.path(f"/-/report/{value}")
        return Markup(f'<a href="{escape(href)}" title="Read the report">{value}</a>')
    if column in ("document_sha256", "sha256") and isinstance(value, str) and len(value) == 64:
        href = datasette.urls.path(f"/-/archived/{value}")
        return Markup(f'<a href="{escape(href)}" title="The archived document">{escape(value[:12])}…</a>')
    return None


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.static_plugins("nianbao", "nianbao.css")]


@hookimpl
def extra_js_urls(template, datasette):
    if template in ("table.html", "query.html"):
        return [{"url": datasette.urls.static_plugins("nianbao", "fold-descriptions.js"), "module": True}]
    return []


@hookimpl
def extra_template_vars(template, datasette):
    if template != "index.html":
        return None

    async def freshness():
        return {"nianbao": await pages.archive_facts(datasette)}

    return freshness
