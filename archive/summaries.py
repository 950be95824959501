"""Derived tables for readers, materialised when reports are parsed: a Datasette page or a
canned query never aggregates the whole archive.

- ``regions`` (a view over ``portals``, a few thousand rows): each portal's province, city
  and county from its 6-digit 行政区划代码 (first 2 digits province, first 4 city, all 6
  county); province names from ``archive/data/region_codes.json``.
- ``report_summary`` (a table, one row per report, its headline numbers in 件): written with
  the report, in the same transaction (:func:`write_summaries`).
- Rollups, rebuilt from ``report_summary`` and the value tables at the end of every parse
  run (:func:`refresh_rollups`): ``coverage`` (portals × years), ``refusal_reasons``
  (province × year × reason), ``year_totals`` (province × year), ``year_changes`` (an
  agency's new requests against the year before), ``portal_status`` (reports, latest year,
  last fetch per portal) and ``archive_stats`` (the home page's figures).

Every table here has a definition in SQL over the long tables (:data:`DEFINITIONS`); the
tests check that each materialised table equals its definition on the labelled corpus.

>>> "CREATE TABLE IF NOT EXISTS report_summary" in SCHEMA
True
"""

from __future__ import annotations

import json
from pathlib import Path

REGION_CODES = json.loads((Path(__file__).parent / "data" / "region_codes.json").read_text(encoding="utf-8"))

# (column, row_code) of section 三, 总计 column: one report's headline numbers.
APPLICATION_COLUMNS = [
    ("new_requests", "1"), ("carried_over", "2"), ("disclosed", "3.1"), ("partly_disclosed", "3.2"),
    ("refused_state_secret", "3.3.1"), ("refused_prohibited_by_law", "3.3.2"),
    ("refused_security_stability", "3.3.3"), ("refused_third_party", "3.3.4"),
    ("refused_internal_affairs", "3.3.5"), ("refused_process_information", "3.3.6"),
    ("refused_enforcement_files", "3.3.7"), ("refused_inquiry", "3.3.8"),
    ("processed", "3.7"), ("carried_forward", "4"),
]
# (column prefix, proceedings) of section 四.
REVIEW_GROUPS = [("reviews", ("行政复议",)), ("lawsuits", ("未经复议直接起诉", "复议后起诉"))]
REVIEW_RESULTS = [("", "总计"), ("_upheld", "结果维持"), ("_corrected", "结果纠正"),
                  ("_other", "其他结果"), ("_pending", "尚未审结")]


def _province_values() -> str:
    return ", ".join(f"('{code}', '{name}')" for code, name in REGION_CODES["provinces"].items())


def _application_columns() -> str:
    picks = [f"max(CASE WHEN row_code = '{code}' THEN value END) AS {name}"
             for name, code in APPLICATION_COLUMNS]
    picks.insert(4, "sum(CASE WHEN row_code LIKE '3.3.%' THEN value END) AS refused")
    return ",\n    ".join(picks)


def _review_columns() -> str:
    picks = []
    for prefix, proceedings in REVIEW_GROUPS:
        among = ", ".join(f"'{p}'" for p in proceedings)
        for suffix, result in REVIEW_RESULTS:
            picks.append(f"sum(CASE WHEN proceeding IN ({among}) AND result = '{result}' THEN value END)"
                         f" AS {prefix}{suffix}")
    return ",\n    ".join(picks)


def _summary_names() -> str:
    names = [name for name, _ in APPLICATION_COLUMNS]
    names.insert(4, "refused")
    names += [prefix + suffix for prefix, _ in REVIEW_GROUPS for suffix, _ in REVIEW_RESULTS]
    return ", ".join(names)


SUMMARY_NAMES = _summary_names().split(", ")
SUMMARY_COLUMNS = ["report_id", "agency", "year", "template", "published_date", "portal", "province", "city",
                   "county", "region_code", *SUMMARY_NAMES, "failed_checks", "url", "title"]

REGIONS = f"""
CREATE VIEW regions AS
WITH province_codes(code, name) AS (VALUES {_province_values()})
SELECT p.name AS portal, p.region_code,
  CASE WHEN length(p.region_code) >= 2 THEN substr(p.region_code, 1, 2) END AS province_code,
  coalesce(pc.name, nullif(p.province, '')) AS province,
  CASE WHEN length(p.region_code) = 6 AND substr(p.region_code, 3, 2) <> '00'
       THEN substr(p.region_code, 1, 4) END AS city_code,
  nullif(p.city, '') AS city,
  CASE WHEN length(p.region_code) = 6 AND substr(p.region_code, 5, 2) <> '00'
       THEN p.region_code END AS county_code,
  CASE WHEN p.level IN ('county', 'district') THEN p.name END AS county,
  nullif(p.level, '') AS level
FROM portals p LEFT JOIN province_codes pc ON pc.code = substr(p.region_code, 1, 2)"""


def summary_select(some_reports: bool = False) -> str:
    """The definition of ``report_summary``: over the whole archive, or (``some_reports``)
    for the reports whose ids are the parameter ``:ids`` (a JSON list)."""
    among = "IN (SELECT value FROM json_each(:ids))"
    only = f"AND report_id {among}" if some_reports else ""
    where = f"WHERE report_id {among}" if some_reports else ""
    return f"""
WITH a AS (
  SELECT report_id,
    {_application_columns()}
  FROM applications WHERE applicant = '总计' {only} GROUP BY report_id
), v AS (
  SELECT report_id,
    {_review_columns()}
  FROM reviews {where} GROUP BY report_id
), c AS (
  SELECT report_id, sum(passed = 0) AS failed_checks FROM checks {where} GROUP BY report_id
)
SELECT r.id AS report_id, r.agency, r.year, r.template, r.published_date, r.portal,
  g.province, g.city, g.county, g.region_code,
  {", ".join(SUMMARY_NAMES)},
  coalesce(c.failed_checks, 0) AS failed_checks,
  r.url, r.title
FROM reports r
LEFT JOIN regions g ON g.portal = r.portal
LEFT JOIN a ON a.report_id = r.id
LEFT JOIN v ON v.report_id = r.id
LEFT JOIN c ON c.report_id = r.id
{f"WHERE r.id {among}" if some_reports else ""}"""


_NUMERIC = ", ".join(f"{name} INTEGER" for name in SUMMARY_NAMES)
# Definitions of the rollups, each over report_summary or the long tables.
DEFINITIONS = {
    "report_summary": summary_select(),
    "coverage": """
SELECT g.portal, g.province, g.city, g.county, g.region_code, g.level, s.year,
  count(s.report_id) AS reports, group_concat(s.agency, '; ') AS agencies
FROM regions g LEFT JOIN report_summary s ON s.portal = g.portal
GROUP BY g.portal, s.year""",
    "refusal_reasons": """
SELECT g.province, r.year, a.row_code, a.row_label AS reason, sum(a.value) AS requests,
  count(DISTINCT r.id) AS reports
FROM applications a JOIN reports r ON r.id = a.report_id LEFT JOIN regions g ON g.portal = r.portal
WHERE a.row_code LIKE '3.3.%' AND a.applicant = '总计'
GROUP BY g.province, r.year, a.row_code""",
    "year_totals": """
SELECT province, year, count(*) AS reports, sum(new_requests) AS new_requests, sum(refused) AS refused,
  sum(refused_state_secret) AS refused_state_secret, sum(reviews) AS reviews, sum(lawsuits) AS lawsuits
FROM report_summary WHERE year IS NOT NULL GROUP BY province, year""",
    "year_changes": """
SELECT cur.agency, cur.province, cur.portal, prev.year AS from_year, cur.year AS to_year,
  prev.new_requests AS before, cur.new_requests AS after, cur.new_requests - prev.new_requests AS change,
  abs(cur.new_requests - prev.new_requests) AS size, cur.report_id, prev.report_id AS previous_report_id
FROM report_summary cur JOIN report_summary prev
  ON prev.agency = cur.agency AND prev.portal IS cur.portal AND prev.year = cur.year - 1
WHERE cur.new_requests IS NOT NULL AND prev.new_requests IS NOT NULL""",
    "portal_status": """
SELECT g.portal, g.province, g.region_code,
  (SELECT count(*) FROM report_summary s WHERE s.portal = g.portal) AS reports,
  (SELECT max(year) FROM report_summary s WHERE s.portal = g.portal) AS latest_year,
  (SELECT max(fetched_at) FROM pages p WHERE p.portal = g.portal) AS last_fetched
FROM regions g""",
    "archive_stats": """
SELECT (SELECT count(*) FROM report_summary) AS reports, (SELECT min(year) FROM report_summary) AS first_year,
  (SELECT max(year) FROM report_summary) AS last_year,
  (SELECT count(DISTINCT portal) FROM report_summary) AS portals,
  (SELECT max(finished) FROM crawl_runs) AS last_crawl""",
}
ROLLUPS = [name for name in DEFINITIONS if name != "report_summary"]

# -- the same summary under Chinese headings, for readers --------------------------------
READERS_VIEW = "报告概要"
_FIXED_HEADINGS = {
    "report_id": "报告编号", "agency": "机关", "year": "年度", "template": "表式", "published_date": "发布日期",
    "portal": "门户网站", "province": "省", "city": "市", "county": "县区", "region_code": "行政区划代码",
    "refused": "本年度办理结果：不予公开（件）", "failed_checks": "未通过的核对", "url": "原文链接", "title": "标题",
}
_ENUMERATOR = r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+\.)"


def headings(template_rows: dict[str, str], proceedings: dict[str, str]) -> dict[str, str]:
    """Chinese heading of every report_summary column, from the form's own labels
    (``template_rows``: row code → label; ``proceedings``: 行政复议 / 行政诉讼), with the unit.

    >>> h = headings({"1": "一、本年新收政府信息公开申请数量", "3": "三、本年度办理结果",
    ...               "3.3": "（三）不予公开", "3.3.1": "1.属于国家秘密", "3.7": "（七）总计"}, {})
    >>> h["new_requests"], h["refused_state_secret"], h["processed"]
    ('本年新收政府信息公开申请数量（件）', '不予公开：属于国家秘密（件）', '本年度办理结果：总计（件）')
    """
    import re

    out = dict(_FIXED_HEADINGS)
    def bare(code: str) -> str:
        return re.sub(_ENUMERATOR, "", template_rows.get(code, code)).split("（")[0]

    for name, code in APPLICATION_COLUMNS:
        parent = code.rsplit(".", 1)[0] if "." in code else None   # 3.3.1 under 3.3, 3.1 under 3
        out[name] = (f"{bare(parent)}：" if parent in template_rows else "") + bare(code) + "（件）"
    results = dict(REVIEW_RESULTS)
    for prefix, group in REVIEW_GROUPS:
        proceeding = proceedings.get(prefix, group[0])
        for suffix, result in REVIEW_RESULTS:
            out[prefix + suffix] = f"{proceeding}：{results[suffix]}（件）"
    return {column: out[column] for column in SUMMARY_COLUMNS}


def readers_view(template_rows: dict[str, str], proceedings: dict[str, str]) -> str:
    picks = ", ".join(f'{column} AS "{heading}"' for column, heading in
                      headings(template_rows, proceedings).items())
    return (f'DROP VIEW IF EXISTS "{READERS_VIEW}";\n'
            f'CREATE VIEW "{READERS_VIEW}" AS SELECT {picks} FROM report_summary;\n')

SCHEMA = f"""
DROP VIEW IF EXISTS regions;
{REGIONS};
CREATE TABLE IF NOT EXISTS report_summary (
  report_id INTEGER PRIMARY KEY, agency TEXT, year INTEGER, template TEXT, published_date TEXT, portal TEXT,
  province TEXT, city TEXT, county TEXT, region_code TEXT, {_NUMERIC}, failed_checks INTEGER,
  url TEXT, title TEXT
);
CREATE INDEX IF NOT EXISTS report_summary_year ON report_summary(year, new_requests);
CREATE INDEX IF NOT EXISTS report_summary_province ON report_summary(province, year);
CREATE INDEX IF NOT EXISTS report_summary_portal ON report_summary(portal, year);
CREATE INDEX IF NOT EXISTS report_summary_agency ON report_summary(agency, portal, year);
CREATE INDEX IF NOT EXISTS report_summary_region ON report_summary(region_code);
CREATE INDEX IF NOT EXISTS report_summary_template ON report_summary(template);
DROP INDEX IF EXISTS report_summary_secret;
CREATE INDEX IF NOT EXISTS report_summary_requests ON report_summary(new_requests);
CREATE INDEX IF NOT EXISTS report_summary_secrets ON report_summary(refused_state_secret)
  WHERE refused_state_secret > 0;
CREATE INDEX IF NOT EXISTS report_summary_failed ON report_summary(year DESC, agency) WHERE failed_checks > 0;
CREATE TABLE IF NOT EXISTS coverage (
  portal TEXT, province TEXT, city TEXT, county TEXT, region_code TEXT, level TEXT, year INTEGER,
  reports INTEGER, agencies TEXT
);
CREATE INDEX IF NOT EXISTS coverage_year ON coverage(year, province);
CREATE TABLE IF NOT EXISTS refusal_reasons (
  province TEXT, year INTEGER, row_code TEXT, reason TEXT, requests INTEGER, reports INTEGER
);
CREATE INDEX IF NOT EXISTS refusal_reasons_year ON refusal_reasons(year, province);
CREATE TABLE IF NOT EXISTS year_totals (
  province TEXT, year INTEGER, reports INTEGER, new_requests INTEGER, refused INTEGER,
  refused_state_secret INTEGER, reviews INTEGER, lawsuits INTEGER
);
CREATE TABLE IF NOT EXISTS year_changes (
  agency TEXT, province TEXT, portal TEXT, from_year INTEGER, to_year INTEGER, before INTEGER, after INTEGER,
  change INTEGER, size INTEGER, report_id INTEGER, previous_report_id INTEGER
);
CREATE INDEX IF NOT EXISTS year_changes_size ON year_changes(size DESC);
CREATE INDEX IF NOT EXISTS year_changes_year ON year_changes(to_year, size DESC);
CREATE TABLE IF NOT EXISTS portal_status (
  portal TEXT PRIMARY KEY, province TEXT, region_code TEXT, reports INTEGER, latest_year INTEGER,
  last_fetched TEXT
);
CREATE TABLE IF NOT EXISTS archive_stats (
  reports INTEGER, first_year INTEGER, last_year INTEGER, portals INTEGER, last_crawl TEXT
);
CREATE INDEX IF NOT EXISTS reports_portal ON reports(portal, year);
CREATE INDEX IF NOT EXISTS reports_agency ON reports(agency);
CREATE INDEX IF NOT EXISTS pages_portal ON pages(portal, fetched_at);
CREATE INDEX IF NOT EXISTS checks_failed ON checks(report_id, check_name) WHERE passed = 0;
"""


def create(conn, template_rows: dict[str, str], proceedings: dict[str, str]) -> None:
    """The summaries' schema; in an archive from before they were tables, their views go.
    The readers' view takes its headings from the form's labels (see :func:`headings`)."""
    for name in ("report_summary", "coverage"):
        if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'view' AND name = ?", [name]).fetchone():
            conn.execute(f"DROP VIEW {name}")
    conn.executescript(SCHEMA)
    conn.executescript(readers_view(template_rows, proceedings))


def write_summaries(conn, report_ids: list[int]) -> None:
    """The reports' rows of ``report_summary``, from their rows just written."""
    if not report_ids:
        return
    ids = json.dumps(report_ids)
    conn.execute("DELETE FROM report_summary WHERE report_id IN (SELECT value FROM json_each(?))", [ids])
    conn.execute(f"INSERT INTO report_summary ({', '.join(SUMMARY_COLUMNS)}) {summary_select(True)}",
                 {"ids": ids})


def refresh_regions(conn) -> None:
    """After the portals file changed: every summary's province, city, county and code."""
    conn.execute("UPDATE report_summary SET province = g.province, city = g.city, county = g.county, "
                 "region_code = g.region_code FROM regions g WHERE g.portal = report_summary.portal "
                 "AND (report_summary.province IS NOT g.province OR report_summary.city IS NOT g.city "
                 "OR report_summary.county IS NOT g.county OR report_summary.region_code IS NOT g.region_code)")


def refresh_rollups(conn) -> None:
    """Rebuild every rollup from its definition (call at the end of a parse run, in a
    transaction), then let the planner know the tables' shapes."""
    for name in ROLLUPS:
        conn.execute(f"DELETE FROM {name}")
        conn.execute(f"INSERT INTO {name} {DEFINITIONS[name]}")
    conn.execute("PRAGMA analysis_limit = 1000")
    conn.execute("ANALYZE")
    # report_summary's indexes serve Datasette's facets and the canned queries: sampled stats
    # (a year seen as 1,001 rows of a million) make the planner look rows up one by one
    # (report_summary?year=2022: 385 ms at 1,000,000 reports; 20 ms with its real shape)
    conn.execute("PRAGMA analysis_limit = 0")
    conn.execute("ANALYZE report_summary")
