"""Views for readers of the archive: the shapes journalists want beside the long tables.

Created by :class:`archive.store.Archive` with the rest of the schema; dropped and
re-created there, so changing a view here changes it in every archive on next open.

- ``regions``: one row per portal, its province/city/county derived from the 6-digit
  行政区划代码 (first 2 digits province, first 4 city, all 6 county). Province names come
  from ``archive/data/region_codes.json``; city and county names from the portals file.
- ``report_summary``: one row per report with its headline numbers (件).
- ``coverage``: portals × years.

>>> "CREATE VIEW report_summary" in VIEWS
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


VIEWS = f"""
DROP VIEW IF EXISTS report_summary;
DROP VIEW IF EXISTS coverage;
DROP VIEW IF EXISTS regions;
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
FROM portals p LEFT JOIN province_codes pc ON pc.code = substr(p.region_code, 1, 2);
CREATE VIEW report_summary AS
WITH a AS (
  SELECT report_id,
    {_application_columns()}
  FROM applications WHERE applicant = '总计' GROUP BY report_id
), v AS (
  SELECT report_id,
    {_review_columns()}
  FROM reviews GROUP BY report_id
), c AS (
  SELECT report_id, sum(passed = 0) AS failed_checks FROM checks GROUP BY report_id
)
SELECT r.id AS report_id, r.agency, r.year, r.template, r.published_date, r.portal,
  g.province, g.city, g.county, g.region_code,
  {_summary_names()},
  coalesce(c.failed_checks, 0) AS failed_checks,
  r.url, r.title
FROM reports r
LEFT JOIN regions g ON g.portal = r.portal
LEFT JOIN a ON a.report_id = r.id
LEFT JOIN v ON v.report_id = r.id
LEFT JOIN c ON c.report_id = r.id;
CREATE VIEW coverage AS
SELECT g.portal, g.province, g.city, g.county, g.region_code, g.level, r.year,
  count(r.id) AS reports, group_concat(r.agency, '; ') AS agencies
FROM regions g LEFT JOIN reports r ON r.portal = g.portal
GROUP BY g.portal, r.year;
"""
