"""Ground truth of one planted report, in the archive's value schema.

Generated tables: a fixed choice of cells is read back from the completed grids (so the truth is
what the page shows, planted error included). Real pages: the values listed in the spec, read by
hand from the real tables.
"""
from archive.labels import normalise, template

from . import tables

APPLICATION_CELLS = [("1", "自然人"), ("1", "总计"), ("2", "自然人"), ("3.1", "自然人"),
                     ("3.7", "自然人"), ("3.7", "总计"), ("4", "自然人"), ("4", "总计")]


def expected_report(portal: dict, item: dict) -> dict:
    publisher = item.get("source") or item["signature"][0]
    attachments = item.get("attachments", [])
    readable = not (item.get("unreadable") or item.get("tables_as_image"))
    tracking = portal["column"].get("tracking", {}) if "column" in portal else {}
    return {
        "path": item["path"], "title": item["title"], "agency": item["agency"], "year": item["year"],
        "publisher": publisher, "published_date": item["published"][:10],
        "date_label": portal["date_label"], "template": item["template"],
        "inconsistent": bool(item.get("inconsistent")),
        "also_at": item.get("also_at") or [item["path"] + q for i, q in tracking.items() if i == item["id"]],
        "linked_from": linked_from(portal, item),
        "source_format": _format(attachments),
        "attachments": [{"path": a["href"], "format": a["file"].rsplit(".", 1)[1], "part": a["part"],
                         "filename": a["name"], "content_type": a["type"]} for a in attachments],
        "failing_checks": item.get("failing_checks", []),
        "signature": item["signature"], "corpus": item["corpus"], "values_from": item["values_from"],
        "values": values(item) if readable else [],
    }


def _format(attachments) -> str:
    """The format of the document carrying the report's text (html when it is the page)."""
    text = [a for a in attachments if a["part"] in ("report", "text")]
    return text[0]["file"].rsplit(".", 1)[1] if text else "html"


def linked_from(portal: dict, item: dict) -> list[str]:
    """Paths of the report columns whose lists link the item."""
    if "columns" not in portal:
        return [portal["column"]["path"]]
    return [c["path"] for c in portal["columns"]
            if item["id"] in c.get("ids", []) or any(item["id"] in page for page in c.get("pages", []))]


def values(item: dict) -> list[dict]:
    if "expected_values" in item:
        return [_from_row(row, item["template"]) for row in item["expected_values"]]
    if item["template"] == "pre2019":
        return _legacy(item)
    t = item["template"]
    labels = {r["row_code"]: r["label"] for r in tables.s3_rows(t)}
    grid = tables.complete_s3(t, item["s3"], 3 if item.get("inconsistent") else 0)
    out = [_app(code, labels[code], who, grid[code][who]) for code, who in APPLICATION_CELLS]
    leaf = next((code for code, row in grid.items()
                 if code.count(".") == 2 and row["自然人"]), None)
    if leaf:
        out.append(_app(leaf, labels[leaf], "自然人", grid[leaf]["自然人"]))
    columns = tables.s2_columns(t)
    for caption, rows in item["s2"].items():
        label, vals = next(iter(rows.items())) if len(rows) == 1 else list(rows.items())[1]
        metric = columns[caption][-1]
        value = vals[-1]
        if isinstance(value, (int, float)):
            out.append({"table": "active_disclosure", "item": caption, "content": label,
                        "metric": metric, "value": value})
    s4 = tables.complete_s4(item["s4"])
    for proceeding, result in [("行政复议", "结果维持"), ("行政复议", "总计"), ("未经复议直接起诉", "总计")]:
        out.append({"table": "reviews", "proceeding": proceeding, "result": result,
                    "value": s4[proceeding][result]})
    return out


def _app(code, label, applicant, value):
    return {"table": "applications", "row_code": code, "row_label": label,
            "applicant": applicant, "value": value}


def _from_row(row, template_id):
    kind = row[0]
    if kind == "applications":
        labels = {r["row_code"]: r["label"] for r in tables.s3_rows(template_id)}
        return _app(row[1], labels[row[1]], row[2], row[3])
    if kind == "active_disclosure":
        return {"table": kind, "item": row[1], "content": row[2], "metric": row[3], "value": row[4]}
    return {"table": kind, "proceeding": row[1], "result": row[2], "value": row[3]}


def _canonical_indicators(labels: list[str]) -> dict:
    """The archive stores a 统计表 label in the wording of the form that matches the page
    best (template_pre2019.json), when the page's label is that wording up to punctuation
    (其中：1、网站公开 → 其中：1.网站公开); other labels as printed."""
    best = {}
    for form in template("pre2019")["forms"]:
        wording = {normalise(row["label"]): row["label"] for row in form.get("rows", [])}
        found = {label: wording[normalise(label)] for label in labels if normalise(label) in wording}
        if len(found) > len(best):
            best = found
    return {label: best.get(label, label) for label in labels}


def _legacy(item):
    """The year column only (the archive keeps one value per indicator and unit)."""
    canonical = _canonical_indicators([row[0] for row in item["legacy"]])
    return [{"table": "legacy_stats", "indicator": canonical[indicator], "unit": unit,
             "column": item["legacy_year_label"], "value": year_value}
            for indicator, unit, year_value, _ in item["legacy"][:8]]
