"""Views for readers of the archive: the shapes journalists want beside the long tables.
Created by :class:`archive.store.Archive` with the rest of the schema; dropped and
re-created there, so changing a view here changes it in every archive on next open."""

VIEWS = """
DROP VIEW IF EXISTS report_summary;
DROP VIEW IF EXISTS coverage;
CREATE VIEW report_summary AS
SELECT r.id AS report_id, r.agency, r.year, r.template, r.published_date, r.portal,
  p.province, p.city,
  (SELECT value FROM applications a WHERE a.report_id = r.id AND a.row_code = '1' AND a.applicant = '总计') AS new_requests,
  (SELECT value FROM applications a WHERE a.report_id = r.id AND a.row_code = '2' AND a.applicant = '总计') AS carried_over,
  (SELECT value FROM applications a WHERE a.report_id = r.id AND a.row_code = '3.1' AND a.applicant = '总计') AS disclosed,
  (SELECT value FROM applications a WHERE a.report_id = r.id AND a.row_code = '3.2' AND a.applicant = '总计') AS partly_disclosed,
  (SELECT sum(value) FROM applications a WHERE a.report_id = r.id AND a.row_code LIKE '3.3.%' AND a.applicant = '总计') AS refused,
  (SELECT value FROM applications a WHERE a.report_id = r.id AND a.row_code = '3.3.1' AND a.applicant = '总计') AS refused_state_secret,
  (SELECT value FROM applications a WHERE a.report_id = r.id AND a.row_code = '3.7' AND a.applicant = '总计') AS processed,
  (SELECT value FROM applications a WHERE a.report_id = r.id AND a.row_code = '4' AND a.applicant = '总计') AS carried_forward,
  (SELECT value FROM reviews v WHERE v.report_id = r.id AND v.proceeding = '行政复议' AND v.result = '总计') AS reviews,
  (SELECT value FROM reviews v WHERE v.report_id = r.id AND v.proceeding = '行政复议' AND v.result = '结果纠正') AS reviews_corrected,
  (SELECT sum(value) FROM reviews v WHERE v.report_id = r.id AND v.proceeding <> '行政复议' AND v.result = '总计') AS lawsuits,
  (SELECT sum(value) FROM reviews v WHERE v.report_id = r.id AND v.proceeding <> '行政复议' AND v.result = '结果纠正') AS lawsuits_corrected,
  (SELECT count(*) FROM checks c WHERE c.report_id = r.id AND c.passed = 0) AS failed_checks,
  r.url
FROM reports r LEFT JOIN portals p ON p.name = r.portal;
CREATE VIEW coverage AS
SELECT p.name AS portal, p.province, p.city, p.level, r.year, count(r.id) AS reports,
  group_concat(r.agency, '; ') AS agencies
FROM portals p LEFT JOIN reports r ON r.portal = p.name
GROUP BY p.name, r.year;
"""
