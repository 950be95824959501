"""Write the ``variant`` lines of tests/data/titles.tsv: realistic titles built from real
patterns, each labelled by what it is by construction (a report wording, or a near-miss
wording), never by the classifier.

    python tests/data/make_title_variants.py > /tmp/variants.tsv

Counties come from /work/shared/portals/registry.csv when it is there (real portal names),
else from a short built-in list; towns, departments, wordings and chrome are those seen on
real portals (see tests/data/README.md). Seeded: the same lines every run.
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

REGISTRY = Path("/work/shared/portals/registry.csv")
COUNTIES = ["凤凰县", "清溪县", "白河县", "石门县", "云溪县", "长岭县", "安平县", "龙泉市", "临江市", "金川区"]
DEPARTMENTS = ["教育局", "公安局", "民政局", "司法局", "财政局", "人力资源和社会保障局", "自然资源局", "生态环境局",
               "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "商务局", "文化和旅游局", "卫生健康委员会",
               "应急管理局", "审计局", "市场监督管理局", "统计局", "医疗保障局", "林业局", "信访局", "发展和改革局",
               "行政审批服务局", "退役军人事务局", "乡村振兴局", "城市管理局", "科学技术局", "工业和信息化局",
               "档案馆", "融媒体中心", "住房公积金管理中心", "人民政府办公室", "政府办", "林业和草原局",
               "经济技术开发区管委会", "高新技术产业开发区管理委员会", "粮食和物资储备局", "体育局", "民族宗教事务局"]
TOWNS = ["城关镇", "新城镇", "河口镇", "南湖镇", "永安镇", "柳河乡", "中村乡", "大垅乡", "石桥镇", "白沙镇",
         "龙潭镇", "马场乡", "东山乡", "太平镇", "和平乡", "青龙镇", "瓦窑乡", "官庄镇", "红星乡", "梅花镇"]
STREETS = ["东城街道", "西城街道", "新桥街道", "东湖街道", "城南街道", "解放路街道", "人民路街道", "站前街道",
           "北关街道", "文昌街道"]
CN_DIGITS = "〇一二三四五六七八九"
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")

REPORT_WORDINGS = ["政府信息公开工作年度报告"] * 6 + [
    "政府信息公开年度报告", "政府信息公开年报", "政府信息公开工作年报", "信息公开工作年度报告", "信息公开年报",
    "政务公开年报", "政务公开工作年度报告", "政府信息公开工作报告", "信息公开年度工作报告", "政府信息公开工作年度报告书"]


def counties(rng: random.Random) -> list[str]:
    if REGISTRY.exists():
        with REGISTRY.open(encoding="utf-8") as f:
            names = [row["name"] for row in csv.DictReader(f) if row.get("level") == "county"]
        return rng.sample(names, 160)
    return COUNTIES


def year_text(rng: random.Random, year: int, plain: bool = False) -> str:
    """A year as portals print it: 2021年, 2021年度, 二〇二一年, 二0二一年, ２０２１年, 2021 年."""
    if plain:
        style = rng.choice(["arabic"] * 3 + ["fullwidth"])
    else:
        style = rng.choice(["arabic"] * 8 + ["chinese", "chinese", "zero", "fullwidth", "spaced"])
    digits = str(year)
    if style == "chinese":
        digits = "".join(CN_DIGITS[int(d)] for d in digits)
    elif style == "zero":  # 二0二一: the zero typed as a digit
        digits = "".join("0" if d == "0" else CN_DIGITS[int(d)] for d in digits)
    elif style == "fullwidth":
        digits = digits.translate(FULLWIDTH)
    suffix = rng.choice(["年", "年", "年度"])
    return f"{digits} {suffix}" if style == "spaced" else digits + suffix


def agency(rng: random.Random, places: list[str]) -> str:
    county = rng.choice(places)
    kind = rng.choice(["county"] * 3 + ["county_gov", "department"] * 3 + ["town", "town_gov", "street",
                                                                       "street_office", "county_town", "bare_dept"])
    if kind == "county":
        return county
    if kind == "county_gov":
        return county + "人民政府"
    if kind == "department":
        return county + rng.choice(DEPARTMENTS)
    if kind == "town":
        return rng.choice(TOWNS)
    if kind == "town_gov":
        return rng.choice(TOWNS) + "人民政府"
    if kind == "street":
        return rng.choice(STREETS)
    if kind == "street_office":
        return rng.choice(STREETS) + "办事处"
    if kind == "county_town":
        return county + rng.choice(TOWNS + STREETS)
    return rng.choice(["县", "区", "市"]) + rng.choice(DEPARTMENTS)  # 县林业局, as a department's own site names itself


def report(rng: random.Random, places: list[str], year: int) -> str:
    who = agency(rng, places)
    y, wording = year_text(rng, year), rng.choice(REPORT_WORDINGS)
    form = rng.choice(["agency_year"] * 8 + ["year_agency", "year_agency", "about", "about_situation",
                                             "year_after", "no_year", "no_year", "year_only"])
    if form == "agency_year":
        return f"{who}{y}{wording}"
    if form == "year_agency":
        return f"{y}{who}{wording}"
    if form == "about":
        return f"{who}关于{y}政府信息公开工作的年度报告"
    if form == "about_situation":
        return rng.choice([f"关于{y}政府信息公开情况的报告", f"{who}关于{y}政府信息公开情况的报告",
                           f"{who}关于{y}政府信息公开工作情况的报告"])
    if form == "year_after":
        return f"{who}{wording}（{y}）"
    if form == "no_year":  # the year comes from the document
        return f"{who}{rng.choice(['政府信息公开工作年度报告', '信息公开工作年度报告', '政务公开工作年度报告', '政府信息公开年度工作报告'])}"
    return f"{y}{wording}"


NEAR_MISSES = [
    "关于做好{y}政府信息公开工作年度报告编制和发布工作的通知",
    "关于做好{y}政府信息公开工作年度报告编制报送工作的通知",
    "关于报送{y}政府信息公开年报的通知",
    "关于报送{y}政府信息公开工作年度报告的通知",
    "{a}关于{y}政府信息公开工作年度报告编制情况的通报",
    "关于公布{a}{y}政府信息公开工作年度报告的通知",
    "{a}{y}政务公开工作要点",
    "关于印发{a}{y}政务公开工作要点的通知",
    "{a}{y}政务公开工作要点任务分解表",
    "{a}政府信息公开指南",
    "{a}依申请公开指南",
    "{a}政府信息公开指南（{y}修订）",
    "{a}政府信息公开制度",
    "{a}政府信息公开保密审查制度",
    "{a}政府信息公开目录",
    "{a}信息公开目录",
    "{a}{y}政府信息公开工作年度报告解读",
    "《{a}{y}政府信息公开工作年度报告》解读",
    "图解：{a}{y}政府信息公开工作年度报告",
    "一图读懂{a}{y}政府信息公开工作年度报告",
    "{a}{y}部门决算",
    "{a}{y}部门预算",
    "{a}关于{y}决算的报告",
    "{a}{y}预算执行情况报告",
    "{a}{y}法治政府建设年度报告",
    "{a}{y}法治政府建设情况报告",
    "{a}关于{y}法治政府建设情况的报告",
    "{a}{y}国民经济和社会发展统计公报",
    "{y}{a}国民经济和社会发展统计公报",
    "{a}{y}政务公开工作总结",
    "{a}{y}政府信息公开工作总结",
    "{a}{y}部门整体支出绩效自评报告",
    "{a}{y}年度绩效目标",
    "{a}{y}政府网站工作年度报表",
    "{a}{y}政府工作报告",
    "{a}{y}信访工作报告",
    "{a}{y}审计工作报告",
    "{a}{y}环境状况公报",
    "{a}{y}政务公开工作考核结果的通报",
    "{a}{y}政务公开第三方评估报告",
    "{a}关于征求《政府信息公开工作年度报告》意见的公告",
    "{a}政府信息公开申请表",
    "{a}{y}政府信息公开工作培训会召开",
    "{a}{y}财政预决算信息公开",
    "{a}{y}企业环境信息公开年度报告",
    "{a}重点排污单位{y}环境信息公开年度报告",
    "{a}{y}社会救助信息公开",
    "{a}{y}统计年报",
    "{a}{y}政府采购意向公开",
    "{a}{y}政府信息公开工作年度报告（征求意见稿）",
]


def near_miss(rng: random.Random, places: list[str], year: int) -> str:
    form = rng.choice(NEAR_MISSES)
    y = year_text(rng, year).replace("年度", "年") if "修订" in form else year_text(rng, year)
    return form.format(a=agency(rng, places), y=y)


def chrome(rng: random.Random, title: str, year: int) -> str:
    """Glued list chrome: a date before or after (early in the year after the report's), a
    bracketed tag, a file extension."""
    date = f"{year + 1}-{rng.randint(1, 3):02d}-{rng.randint(1, 28):02d}"
    return rng.choice([f"[{date}]{title}", f"{title}{date}", f"{title} {date}", f"{title}（{date}）",
                       f"【年报】{title}", f"【{rng.choice(['置顶', '最新', '政务公开'])}】{title}",
                       f"{title}.pdf", f"{title}.docx", f"附件：{title}", f"·{title}", f"{title}[{date}]"])


def truncated(title: str, keep: str) -> str | None:
    """A list's truncation (…, ...) that still shows ``keep``."""
    at = title.find(keep)
    if at < 0 or at + len(keep) >= len(title):
        return None
    return title[:at + len(keep)] + ("..." if len(title) % 2 else "…")


def main(count_reports: int = 460, count_others: int = 300) -> None:
    rng = random.Random(20261203)
    places = counties(rng)
    rows: dict[str, str] = {}
    while sum(label == "report" for label in rows.values()) < count_reports:
        year = rng.randint(2008, 2025)
        title = report(rng, places, year)
        roll = rng.random()
        if roll < 0.18:
            title = chrome(rng, title, year)
        elif roll < 0.26:
            title = truncated(title, rng.choice(["信息公开工作年度", "信息公开工作年", "信息公开年度报"])) or title
        rows.setdefault(title, "report")
    while sum(label == "other" for label in rows.values()) < count_others:
        year = rng.randint(2008, 2025)
        title = near_miss(rng, places, year)
        if rng.random() < 0.12:
            title = chrome(rng, title, year)
        rows.setdefault(title, "other")
    for title, label in rows.items():
        sys.stdout.write(f"{label}\tvariant\t{title}\n")


if __name__ == "__main__":
    main()
