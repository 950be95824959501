"""The four long tables of values (``active_disclosure``, ``applications``, ``reviews``,
``legacy_stats``), stored compactly: each is a view with the public name and columns over a
base table (``applications_values`` …) whose labels and document digests are small integers
(``labels``, ``value_documents``; the document once per report in ``value_sources``). A value
row costs about 25 bytes instead of 140, and every
value still shows its labels, ``raw``, ``document_sha256``, ``source_table/row/col`` and, when it
was read by OCR from a scan, its ``confidence`` (NULL otherwise). ``raw`` is stored only where it
is not the integer value written plainly (most cells print '0'); the view gives it back.

>>> "CREATE VIEW IF NOT EXISTS applications AS" in VIEWS
True
"""

from __future__ import annotations

STAT_TABLES = {
    "active_disclosure": ("item", "content", "metric"),
    "applications": ("row_code", "row_label", "applicant"),
    "reviews": ("proceeding", "result"),
    "legacy_stats": ("indicator", "unit"),
}
KEPT_AS_TEXT = {"row_code"}   # short codes: an integer would not be smaller


def base(table: str) -> str:
    return f"{table}_values"


def _label_columns(table: str) -> list[str]:
    return [c for c in STAT_TABLES[table] if c not in KEPT_AS_TEXT]


# The base tables of the national template are stored clustered by report (WITHOUT ROWID,
# keyed by the report, the value's labels and its cell): no rowid and no separate report
# index, about 2 kB less a report. The key is unique by construction (one value per cell and
# labels) and its labels come from the template's data, never NULL. Archives made before keep
# their rowid tables and indexes; both read the same. (legacy_stats may have no unit.)
CLUSTERED = {"applications": ("report_id", "row_code", "applicant", "source_table", "source_row", "source_col"),
             "active_disclosure": ("report_id", "item", "content", "metric", "source_table", "source_row",
                                   "source_col"),
             "reviews": ("report_id", "proceeding", "result", "source_table", "source_row", "source_col")}


def _base_schema(table: str) -> str:
    columns = ", ".join(f"{c} {'TEXT' if c in KEPT_AS_TEXT else 'INTEGER'}" for c in STAT_TABLES[table])
    body = (f"report_id INTEGER, {columns}, value NUMERIC, raw TEXT, document INTEGER, source_table INTEGER, "
            f"source_row INTEGER, source_col INTEGER, confidence REAL")
    if table in CLUSTERED:
        return (f"CREATE TABLE IF NOT EXISTS {base(table)} ({body}, "
                f"PRIMARY KEY ({', '.join(CLUSTERED[table])})) WITHOUT ROWID;\n")
    return (f"CREATE TABLE IF NOT EXISTS {base(table)} ({body});\n"
            f"CREATE INDEX IF NOT EXISTS {base(table)}_report ON {base(table)}(report_id);\n")


def _view(table: str) -> str:
    picks, joins = ["v.report_id"], []
    for i, column in enumerate(STAT_TABLES[table]):
        if column in KEPT_AS_TEXT:
            picks.append(f"v.{column}")
        else:
            picks.append(f"l{i}.text AS {column}")
            joins.append(f"LEFT JOIN labels l{i} ON l{i}.id = v.{column}")
    picks += ["v.value", "coalesce(v.raw, CAST(v.value AS TEXT)) AS raw", "d.sha256 AS document_sha256",
              "v.source_table", "v.source_row", "v.source_col", "v.confidence"]
    return (f"CREATE VIEW IF NOT EXISTS {table} AS SELECT {', '.join(picks)} FROM {base(table)} v "
            f"{' '.join(joins)} LEFT JOIN value_sources s ON s.report_id = v.report_id "
            f"LEFT JOIN value_documents d ON d.id = coalesce(v.document, s.document);\n")


def stored_raw(value, raw: str | None) -> str | None:
    """``raw`` as stored: NULL when it is the integer value written plainly ('12' for 12),
    which the view gives back as the value's text; anything else ('1,832', '12件', '—', '0.50')
    is kept as printed.

    >>> stored_raw(12, "12"), stored_raw(1832, "1,832"), stored_raw(None, "—"), stored_raw(0.5, "0.5")
    (None, '1,832', '—', '0.5')
    """
    if type(value) is int and raw == str(value):   # not a bool
        return None
    return raw


SCHEMA = ("CREATE TABLE IF NOT EXISTS labels (id INTEGER PRIMARY KEY, text TEXT UNIQUE NOT NULL);\n"
          "CREATE TABLE IF NOT EXISTS value_documents (id INTEGER PRIMARY KEY, sha256 TEXT UNIQUE NOT NULL);\n"
          "CREATE TABLE IF NOT EXISTS value_sources (report_id INTEGER PRIMARY KEY, document INTEGER);\n"
          + "".join(_base_schema(t) for t in STAT_TABLES)
          + "CREATE INDEX IF NOT EXISTS reviews_values_result ON reviews_values(result, value);\n"
          + "CREATE INDEX IF NOT EXISTS applications_values_code ON applications_values(row_code, applicant);\n")
VIEWS = "".join(_view(t) for t in STAT_TABLES)


def migrate(conn) -> None:
    """An archive whose value tables are plain tables: their rows move to the compact base
    tables, and the tables become views. Base tables from before OCR gain ``confidence``
    (NULL: read as text), and their views are made again."""
    for table in STAT_TABLES:
        if "confidence" not in {row[1] for row in conn.execute(f"PRAGMA table_info({base(table)})")}:
            conn.execute(f"ALTER TABLE {base(table)} ADD COLUMN confidence REAL")
        view = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'view' AND name = ?", [table]).fetchone()
        wanted = _view(table).replace("CREATE VIEW IF NOT EXISTS", "CREATE VIEW", 1).strip().rstrip(";")
        if view and view[0].strip() != wanted:
            conn.execute(f"DROP VIEW {table}")   # made again by VIEWS, as this version defines it
    for table, columns in STAT_TABLES.items():
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table]).fetchone():
            continue
        for column in _label_columns(table):
            conn.execute(f"INSERT OR IGNORE INTO labels(text) SELECT DISTINCT {column} FROM {table} "
                         f"WHERE {column} IS NOT NULL")
        conn.execute(f"INSERT OR IGNORE INTO value_documents(sha256) SELECT DISTINCT document_sha256 FROM {table} "
                     "WHERE document_sha256 IS NOT NULL")
        picks = ", ".join(c if c in KEPT_AS_TEXT else f"(SELECT id FROM labels WHERE text = t.{c})" for c in columns)
        conn.execute(f"INSERT INTO {base(table)} SELECT t.report_id, {picks}, t.value, t.raw, "
                     "(SELECT id FROM value_documents WHERE sha256 = t.document_sha256), t.source_table, "
                     f"t.source_row, t.source_col, NULL FROM {table} t ORDER BY t.rowid")
        conn.execute(f"DROP TABLE {table}")


class Interner:
    """Integer ids of labels and document digests, cached for one connection's lifetime
    (one dict a table: a label is looked up for every value of every report)."""

    def __init__(self, conn):
        self.conn = conn
        self.ids: dict[str, dict[str, int]] = {"labels": {}, "value_documents": {}}

    def id(self, table: str, column: str, text: str | None) -> int | None:
        if text is None:
            return None
        known = self.ids[table]
        found = known.get(text)
        if found is None:
            self.conn.execute(f"INSERT OR IGNORE INTO {table}({column}) VALUES (?)", [text])
            found = known[text] = self.conn.execute(f"SELECT id FROM {table} WHERE {column} = ?",
                                                    [text]).fetchone()[0]
        return found

    def label(self, text: str | None) -> int | None:
        found = self.ids["labels"].get(text)
        return found if found is not None else self.id("labels", "text", text)

    def document(self, sha256: str | None) -> int | None:
        return self.id("value_documents", "sha256", sha256)

    def forget(self) -> None:
        """After a rollback the cached ids may name rows that were never kept."""
        for known in self.ids.values():
            known.clear()


# Per table: each label column, and whether it is kept as text (True) or as a label id.
_COLUMNS = {table: tuple((column, column in KEPT_AS_TEXT) for column in columns)
            for table, columns in STAT_TABLES.items()}


def row(table: str, report_id: int, cell, interner: Interner) -> tuple:
    """One value of a parsed report as a row of the table's base table. The document its
    values were read from is stored once per report (``value_sources``), so the row's own
    ``document`` is NULL (archives from before keep theirs; the views read either)."""
    fields, label = cell.fields, interner.label
    labels = [fields.get(column) if as_text else label(fields.get(column)) for column, as_text in _COLUMNS[table]]
    return (report_id, *labels, cell.value, stored_raw(cell.value, cell.raw), None, cell.source_table,
            cell.source_row, cell.source_col, getattr(cell, "confidence", None))
