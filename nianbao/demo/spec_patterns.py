"""Three more offline portals, one per family of discovery patterns of issue 3.

  柳塘区 (liutang)  Hanweb JCMS: lists kept as CDATA records in a `<script type="text/xml">`
                    datastore, further records only from /module/web/jpage/dataproxy.jsp;
                    columns nested by level (区政府年报 / 部门年报 / 乡镇（街道）年报) and year (2021年度).
  雁栖县 (yanqi)    JSP portal: home reached through HTTP 302, the disclosure page through
                    `<meta http-equiv="refresh">` and `location.href=`; the report column behind a
                    "更多>>" link; lists inside an `<iframe>`, paged by `?page=2` / `&pageIndex=3`;
                    pages in GBK with `<meta charset="gb2312">` while the HTTP header says utf-8.
  石桥县 (shiqiao)  博达 VSB-like `/info/{cat}/{doc}.htm`: reports published as attachments
                    (DOCX, PDF, XLSX, DOC, WPS), one PDF linked from the list itself, one PDF whose
                    tables are only an image; one report under three URLs.

All three are fictional; their prose is the real prose of texts/*.txt with names replaced
(`replace`), as the other generated portals do. Table values are synthetic: `synthetic(seed,
template)` draws them once, deterministically, and the ground truth is read back from the same
grids. Attachment files are generated once by make_files.py into files/ (see FILES there).
DOC and WPS files are placeholders: an OLE header (D0 CF 11 E0 A1 B1 1A E1) and a note, since
no tool here writes Word 97 or WPS binaries; the archive should keep them and flag them
`unreadable_format`.
"""
import random

from .spec import AFTER, DIRECT, P20_1, P20_5, P20_6, P20_8, P20_9, REVIEW

LEAVES = ["3.1", "3.2", "3.3.3", "3.4.1", "3.5.2"]


def synthetic(seed: int, template: str) -> dict:
    """Plausible s2/s3/s4 values of a small agency (same seed, same values)."""
    r = random.Random(seed)
    n = r.randint
    if template == "2021":
        s2 = {P20_1: {"规章": [0, 0, 0], "行政规范性文件": [n(0, 9), n(0, 3), n(5, 60)]},
              P20_5: {"行政许可": [n(0, 900)]}, P20_6: {"行政处罚": [n(0, 400)], "行政强制": [n(0, 30)]},
              P20_8: {"行政事业性收费": [round(r.uniform(0, 900), 2)]}}
    else:
        s2 = {P20_1: {"规章": [0, 0, 0], "规范性文件": [n(0, 9), n(0, 9), n(5, 60)]},
              P20_5: {"行政许可": [n(0, 300), n(-5, 5), n(0, 900)], "其他对外管理服务事项": [n(0, 30), 0, n(0, 90)]},
              P20_6: {"行政处罚": [n(0, 300), n(-9, 9), n(0, 200)], "行政强制": [n(0, 30), 0, n(0, 20)]},
              P20_8: {"行政事业性收费": [n(0, 20), n(-2, 2)]}, P20_9: {"政府集中采购": [n(0, 60), n(0, 9000)]}}
    people = {"1": n(3, 40), "2": n(0, 2)}
    left = people["1"] + people["2"] - n(0, 2)
    for code in LEAVES:
        share = n(0, left) if code != LEAVES[-1] else left
        share = min(share, left)
        if share:
            people[code] = share
        left -= share
    s3 = {"自然人": people}
    if n(0, 1):
        s3["商业企业"] = {"1": 1, "3.1": 1}
    s4 = {REVIEW: [n(0, 2), n(0, 1), 0, 0], DIRECT: [n(0, 1), 0, 0, 0], AFTER: [0, 0, 0, 0]}
    # one agency in three refused something as a state secret (三、三(三)1), as real ones do;
    # its own generator, so the other values stay what they were
    if random.Random(seed * 7 + 1).randint(0, 2) == 0 and people.get("3.1", 0) > 1:
        people["3.1"] -= 1
        people["3.3.1"] = 1
    return {"s2": s2, "s3": s3, "s4": s4}


def report(id_, title, path, agency, year, template, published, text, replace, seed, **extra):
    """A generated report: prose from texts/`text` with `replace` applied, synthetic tables."""
    signature = extra.pop("signature", None) or [agency, _cn_date(published)]
    item = {"id": id_, "kind": "report", "title": title, "path": path, "agency": agency, "year": year,
            "template": template, "published": published, "source": extra.pop("source", signature[0]),
            "signature": signature, "text": text, "replace": replace,
            "corpus": TEXT_SOURCES[text], "values_from": "synthetic", **extra}
    if template != "pre2019":
        item.update(synthetic(seed, template))
    return item


def other(id_, title, path, published, paragraphs, **extra):
    return {"id": id_, "kind": "non_report", "title": title, "path": path, "published": published,
            "source": extra.pop("source", None), "paragraphs": paragraphs, **extra}


def _cn_date(published: str) -> str:
    y, m, d = published[:10].split("-")
    return f"{y}年{int(m)}月{int(d)}日"


TEXT_SOURCES = {"meichuan_2022.txt": "excerpts/020_excerpt.txt", "chengnan_2022.txt": "excerpts/021_excerpt.txt",
                "tongxi_czj_2023.txt": "excerpts/019_excerpt.txt", "liangkou_2020.txt": "excerpts/016_excerpt.txt",
                "taiping_2020.txt": "excerpts/018_excerpt.txt", "tongxi_2020.txt": "excerpts/022_excerpt.txt",
                "meichuan_2016.txt": "pingtan_text/2016_shiyanqu_annual-report_80485.txt"}


def _county(name, year_from, year_to, site="梅川区人民政府"):
    """Replacements turning the prose of texts/meichuan_2022.txt into another county's."""
    return [["梅川区人民政府网", f"{site}网"], ["梅川区", name], [f"{year_from}年", f"{year_to}年"],
            [f"{year_from + 1}年", f"{year_to + 1}年"], [f"{year_from - 1}年", f"{year_to - 1}年"]]


def _dept(agency, year, portal_site):
    """texts/tongxi_czj_2023.txt (a 财政局 report of 2023) as another department's."""
    short = agency.replace(portal_site, "")
    return [["桐溪县财政局", agency], ["财政数据信息", f"{short}工作信息"], ["财政工作", f"{short}工作"],
            ["2024年", f"{year + 1}年"], ["2023年", f"{year}年"], ["2022年", f"{year - 1}年"]]


# ---- 柳塘区: Hanweb datastore ------------------------------------------------------------------
LT_DEPTS = [("柳塘区发展和改革局", "柳塘区发展和改革局2022年政府信息公开工作年度报告"),
            ("柳塘区教育局", "柳塘区教育局2022年政府信息公开工作年度报告"),
            ("柳塘区公安分局", "2022年度柳塘区公安分局政府信息公开工作年度报告"),
            ("柳塘区民政局", "柳塘区民政局2022年度政府信息公开工作报告"),
            ("柳塘区司法局", "柳塘区司法局关于2022年度政府信息公开工作的年度报告"),
            ("柳塘区财政局", "柳塘区财政局2022年政务公开年报"),
            ("柳塘区人力资源和社会保障局", "柳塘区人力资源和社会保障局2022年政府信息公开工作年度报告"),
            ("柳塘区住房和城乡建设局", "柳塘区住房和城乡建设局2022年政府信息公开工作年度报告"),
            ("柳塘区交通运输局", "柳塘区交通运输局2022年政府信息公开年度报告"),
            ("柳塘区农业农村局", "柳塘区农业农村局2022年政府信息公开工作年度报告"),
            ("柳塘区卫生健康局", "柳塘区卫生健康局2022年政府信息公开工作年度报告")]

LIUTANG_ITEMS = [
    report("lt2023", "柳塘区人民政府2023年政府信息公开工作年度报告", "/art/2024/1/26/art_2301_9120.html",
           "柳塘区人民政府", 2023, "2021", "2024-01-26 10:12", "meichuan_2022.txt",
           _county("柳塘区", 2022, 2023), 2301, source="柳塘区人民政府办公室",
           signature=["柳塘区人民政府办公室", "2024年1月26日"],
           changes="（2024年3月5日更正：第三部分“本年新收政府信息公开申请”的说明文字有误，已予更正。）"),
    report("lt2022", "柳塘区人民政府2022年政府信息公开工作年度报告", "/art/2023/1/20/art_2301_8511.html",
           "柳塘区人民政府", 2022, "2021", "2023-01-20 09:30", "meichuan_2022.txt",
           _county("柳塘区", 2022, 2022), 2302, source="柳塘区人民政府办公室",
           signature=["柳塘区人民政府办公室", "2023年1月20日"]),
    report("lt2021", "二〇二一年柳塘区政府信息公开工作年度报告", "/art/2022/1/28/art_2301_7734.html",
           "柳塘区", 2021, "2021", "2022-01-28 16:00", "meichuan_2022.txt",
           _county("柳塘区", 2022, 2021), 2303, source="柳塘区人民政府办公室",
           signature=["柳塘区人民政府办公室", "二〇二二年一月二十八日"]),
    report("lt-bgs2022", "柳塘区人民政府办公室2022年政府信息公开工作年度报告", "/art/2023/1/30/art_2302_8640.html",
           "柳塘区人民政府办公室", 2022, "2021", "2023-01-30 11:00", "tongxi_czj_2023.txt",
           _dept("柳塘区人民政府办公室", 2022, "柳塘区"), 2304),
    other("lt2022-jd", "《柳塘区人民政府2022年政府信息公开工作年度报告》解读", "/art/2023/1/21/art_2301_8520.html",
          "2023-01-21 10:00", ["一、年度报告的主要内容。", "2022年，柳塘区主动公开政府信息2318条，"
                               "新收政府信息公开申请14件，全部按时答复。", "二、名词解释。"]),
    other("lt-fz2022", "柳塘区2022年法治政府建设年度报告", "/art/2023/3/1/art_2301_8702.html", "2023-03-01 09:00",
          ["2022年，柳塘区深入学习贯彻习近平法治思想，法治政府建设取得新成效。",
           "一、主要举措和成效。二、存在的不足和原因。三、2023年工作安排。"]),
    other("lt-zd", "柳塘区人民政府政府信息公开制度", "/art/2019/5/6/art_2102_3310.html", "2019-05-06 09:00",
          ["第一条 为规范政府信息公开工作，根据《中华人民共和国政府信息公开条例》，制定本制度。",
           "第二条 本制度所称政府信息，是指行政机关在履行行政管理职能过程中制作或者获取的信息。"]),
]
LIUTANG_ITEMS += [
    report(f"lt-d{k}", title, f"/art/2023/1/{10 + k}/art_2302_{8600 + k}.html", agency, 2022, "2021",
           f"2023-01-{10 + k:02d} 15:{k:02d}", "tongxi_czj_2023.txt", _dept(agency, 2022, "柳塘区"), 2310 + k)
    for k, (agency, title) in enumerate(LT_DEPTS)
]
LIUTANG_ITEMS += [
    other("lt-wsj-zn", "柳塘区卫生健康局政府信息公开指南", "/art/2022/6/1/art_2302_7901.html", "2022-06-01 08:00",
          ["本指南根据《中华人民共和国政府信息公开条例》编制，申请人可通过当面、信函、网络提出申请。"]),
    report("lt-jd2022", "柳塘街道办事处2022年政府信息公开工作年度报告", "/art/2023/1/16/art_2311_8550.html",
           "柳塘街道办事处", 2022, "2021", "2023-01-16 17:20", "chengnan_2022.txt",
           [["梅川区人民政府网站", "柳塘区人民政府网站"], ["城南街道", "柳塘街道"]], 2331),
    report("lt-sm2022", "石门镇人民政府2022年政府信息公开工作年度报告", "/art/2023/1/17/art_2311_8561.html",
           "石门镇人民政府", 2022, "2021", "2023-01-17 09:45", "chengnan_2022.txt",
           [["梅川区人民政府网站", "柳塘区人民政府网站"], ["城南街道办事处", "石门镇人民政府"],
            ["城南街道", "石门镇"], ["我街道", "我镇"]], 2332),
    report("lt-jd2021", "2021年度柳塘街道政府信息公开工作年度报告", "/art/2022/1/14/art_2312_7702.html",
           "柳塘街道", 2021, "2021", "2022-01-14 10:00", "chengnan_2022.txt",
           [["梅川区人民政府网站", "柳塘区人民政府网站"], ["城南街道", "柳塘街道"], ["2023年", "2022年"],
            ["2022年", "2021年"]], 2333, source="柳塘街道办事处", signature=["柳塘街道办事处", "2022年1月14日"]),
    other("lt-notice2021", "关于报送2021年度政府信息公开工作年度报告的通知", "/art/2021/12/15/art_2312_7600.html",
          "2021-12-15 09:00", ["各镇人民政府、街道办事处：", "请于2022年1月20日前报送本单位2021年度政府信息公开工作年度报告。"]),
]

LIUTANG = {
    "name": "liutang", "style": "hanweb_ds", "chrome": "hanweb", "host": "127.0.0.14", "encoding": "utf-8",
    "site_name": "柳塘区人民政府", "region_code": "430198", "province": "湖南省", "city": "长沙市",
    "level": "district", "site_code": "9901030003", "icp": "示ICP备14000321号",
    "beian": "示公网安备 99010302000111号", "sponsor": "柳塘区人民政府办公室",
    "nav": [["网站首页", "/"], ["政务公开", "/col/col2001/index.html"], ["政务服务", "/col/col2003/index.html"],
            ["互动交流", "/col/col2004/index.html"]],
    "disclosure": {"path": "/col/col2001/index.html", "title": "政府信息公开",
                   "columns": [["政府信息公开指南", "/col/col2101/index.html"],
                               ["政府信息公开制度", "/col/col2102/index.html"],
                               ["法定主动公开内容", "/col/col2103/index.html"],
                               ["政府信息公开年报", "/col/col2300/index.html"],
                               ["依申请公开", "/col/col2105/index.html"]]},
    "webid": 31, "date_label": "发布日期：", "date_format": "%Y-%m-%d",
    "columns": [
        {"title": "政府信息公开年报", "path": "/col/col2300/index.html", "list_via": "static",
         "children": ["/col/col2301/index.html", "/col/col2302/index.html", "/col/col2303/index.html"]},
        {"title": "区政府年报", "path": "/col/col2301/index.html", "list_via": "datastore", "columnid": 2301,
         "unitid": 7101, "per_page": 15, "ids": ["lt2023", "lt-fz2022", "lt2022-jd", "lt-bgs2022", "lt2022", "lt2021", "lt-zd"]},
        {"title": "部门年报", "path": "/col/col2302/index.html", "list_via": "datastore", "columnid": 2302,
         "unitid": 7102, "per_page": 10,
         "ids": ["lt-d0", "lt-d1", "lt-bgs2022"] + [f"lt-d{k}" for k in range(2, 9)]
                + ["lt-d9", "lt-wsj-zn", "lt-d10"]},
        {"title": "乡镇（街道）年报", "path": "/col/col2303/index.html", "list_via": "static",
         "children": ["/col/col2311/index.html", "/col/col2312/index.html"]},
        {"title": "2022年度", "path": "/col/col2311/index.html", "list_via": "datastore", "columnid": 2311,
         "unitid": 7111, "per_page": 15, "ids": ["lt-jd2022", "lt-sm2022"]},
        {"title": "2021年度", "path": "/col/col2312/index.html", "list_via": "datastore", "columnid": 2312,
         "unitid": 7112, "per_page": 15, "ids": ["lt-notice2021", "lt-jd2021"]},
    ],
    "items": LIUTANG_ITEMS,
}

# ---- 雁栖县: redirects, 更多, iframe, query pagers, GBK declared wrongly ----------------------------
YQ_NB = "/zwgk/xxgk/nb/"
YANQI_ITEMS = [
    report("yq2023", "雁栖县人民政府2023年政府信息公开工作年度报告", YQ_NB + "content.jsp?id=40213",
           "雁栖县人民政府", 2023, "2021", "2024-01-22 08:40", "meichuan_2022.txt",
           _county("雁栖县", 2022, 2023) + [["我区", "我县"]], 3101, source="雁栖县人民政府办公室",
           signature=["雁栖县人民政府办公室", "2024年1月22日"]),
    report("yq2022", "2022年雁栖县人民政府政府信息公开工作年度报告", YQ_NB + "content.jsp?id=38870",
           "雁栖县人民政府", 2022, "2021", "2023-01-19 14:05", "meichuan_2022.txt",
           _county("雁栖县", 2022, 2022) + [["我区", "我县"]], 3102, source="雁栖县人民政府办公室",
           signature=["雁栖县人民政府办公室", "2023年1月19日"]),
    report("yq2019", "雁栖县2019年政府信息公开工作年度报告", YQ_NB + "content.jsp?id=31022",
           "雁栖县", 2019, "2019", "2020-01-15 10:00", "tongxi_2020.txt",
           [["桐溪县", "雁栖县"], ["2021年", "2020年"], ["2020年", "2019年"]], 3103,
           source="雁栖县人民政府办公室", signature=["雁栖县人民政府办公室", "2020年1月15日"]),
    other("yq-tjgb2023", "2023年雁栖县国民经济和社会发展统计公报", YQ_NB + "content.jsp?id=40588", "2024-03-20 09:00",
          ["2023年，全县地区生产总值增长5.1%。", "一、综合。二、农业。三、工业和建筑业。"], source="雁栖县统计局"),
    other("yq-tj2022", "图解：雁栖县2022年政府信息公开工作年度报告", YQ_NB + "content.jsp?id=38871", "2023-01-20 09:00",
          ["一图读懂我县2022年政府信息公开工作。"], source="雁栖县人民政府办公室"),
    report("yq-jyt2023", "雁栖县教育体育局2023年政府信息公开工作年度报告", YQ_NB + "content.jsp?id=40301",
           "雁栖县教育体育局", 2023, "2021", "2024-01-24 11:00", "tongxi_czj_2023.txt",
           _dept("雁栖县教育体育局", 2023, "雁栖县"), 3111),
    report("yq-wjw2023", "雁栖县卫生健康委员会2023年度政府信息公开工作报告", YQ_NB + "content.jsp?id=40302",
           "雁栖县卫生健康委员会", 2023, "2021", "2024-01-25 15:30", "tongxi_czj_2023.txt",
           _dept("雁栖县卫生健康委员会", 2023, "雁栖县"), 3112),
    other("yq-yd2023", "雁栖县2023年政务公开工作要点", YQ_NB + "content.jsp?id=39010", "2023-04-10 09:00",
          ["一、加强政策解读。二、推进基层政务公开标准化规范化。", "三、做好政府信息公开工作年度报告编制发布工作。"],
          source="雁栖县人民政府办公室"),
    report("yq-tjj2023", "2023年雁栖县统计局政府信息公开工作年度报告", YQ_NB + "content.jsp?id=40303",
           "雁栖县统计局", 2023, "2021", "2024-01-26 09:10", "tongxi_czj_2023.txt",
           _dept("雁栖县统计局", 2023, "雁栖县"), 3113),
    other("yq-jsj2023", "雁栖县财政局2023年度部门决算", YQ_NB + "content.jsp?id=40900", "2024-06-20 09:00",
          ["一、部门基本情况。二、收入支出决算总表。"], source="雁栖县财政局"),
    report("yq-yjj2023", "雁栖县应急管理局2023年政务公开年报", YQ_NB + "content.jsp?id=40304",
           "雁栖县应急管理局", 2023, "2021", "2024-01-29 16:45", "tongxi_czj_2023.txt",
           _dept("雁栖县应急管理局", 2023, "雁栖县"), 3114),
    other("yq-fz2023", "雁栖县人民政府2023年法治政府建设年度报告", YQ_NB + "content.jsp?id=40700", "2024-03-01 09:00",
          ["2023年，县政府坚持以习近平法治思想为指导，全面推进依法行政。"], source="雁栖县人民政府办公室"),
    report("yq-ks2023", "堃山镇人民政府2023年政府信息公开工作年度报告", YQ_NB + "content.jsp?id=40350",
           "堃山镇人民政府", 2023, "2021", "2024-01-18 10:20", "chengnan_2022.txt",
           [["梅川区人民政府网站", "雁栖县人民政府网站"], ["城南街道办事处", "堃山镇人民政府"], ["城南街道", "堃山镇"],
            ["我街道", "我镇"], ["2023年", "2024年"], ["2022年", "2023年"]], 3121),
    report("yq-sh2023", "沙河乡2023年度政府信息公开工作年度报告", YQ_NB + "content.jsp?id=40351",
           "沙河乡", 2023, "2021", "2024-01-19 08:00", "chengnan_2022.txt",
           [["梅川区人民政府网站", "雁栖县人民政府网站"], ["城南街道办事处", "沙河乡人民政府"], ["城南街道", "沙河乡"],
            ["我街道", "我乡"], ["2023年", "2024年"], ["2022年", "2023年"]], 3122,
           source="沙河乡人民政府", signature=["沙河乡人民政府", "2024年1月19日"]),
    other("yq-notice", "关于做好2023年度政府信息公开工作年度报告编制发布工作的通知", YQ_NB + "content.jsp?id=39990",
          "2023-12-18 09:00", ["各乡镇人民政府，县政府各部门：", "请于2024年1月31日前公布本单位2023年度年报。"],
          source="雁栖县人民政府办公室"),
    other("yq-zn", "雁栖县人民政府信息公开指南", "/zwgk/xxgk/zn.jsp", "2021-03-01 09:00",
          ["一、主动公开。二、依申请公开。三、监督和救济。"], source="雁栖县人民政府办公室"),
]

YANQI = {
    "name": "yanqi", "style": "jsp", "chrome": "jsp", "host": "127.0.0.15", "encoding": "gbk",
    "declared_charset": "gb2312", "header_charset": "utf-8",
    "site_name": "雁栖县人民政府", "region_code": "510198", "province": "四川省", "city": "成都市",
    "level": "county", "site_code": "9902020004", "icp": "示ICP备15000654号",
    "beian": "示公网安备 99020202000222号", "sponsor": "雁栖县人民政府办公室",
    "home": "/site/index.html",
    "nav": [["首页", "/site/index.html"], ["政务公开", "/zwgk/"], ["办事服务", "/bsfw/index.html"],
            ["互动交流", "/hdjl/index.html"]],
    # /zwgk/ --302--> /zwgk/index.html --meta refresh--> /zwgk/xxgk.html --location.href--> main.jsp
    "redirects": [["/zwgk/", "http", "/zwgk/index.html"], ["/zwgk/index.html", "meta", "/zwgk/xxgk.html"],
                  ["/zwgk/xxgk.html", "script", "/zwgk/xxgk/main.jsp"]],
    "disclosure": {"path": "/zwgk/xxgk/main.jsp", "title": "政府信息公开",
                   "columns": [["政府信息公开指南", "/zwgk/xxgk/zn.jsp"],
                               ["政府信息公开制度", "/zwgk/xxgk/zd.jsp"],
                               ["法定主动公开内容", "/zwgk/xxgk/fdzdgknr.jsp"],
                               ["依申请公开", "/zwgk/xxgk/ysqgk.jsp"]],
                   "more": {"title": "政府信息公开年报", "href": YQ_NB + "index.jsp",
                            "latest": ["yq-notice", "yq2023"]}},
    "date_label": "发布时间：", "date_format": "%Y-%m-%d %H:%M:%S",
    "columns": [
        {"title": "县政府年报", "path": YQ_NB + "index.jsp", "list_via": "iframe+pager", "column_id": 301,
         "page_param": "page", "per_page": 3,
         "ids": ["yq-tjgb2023", "yq2023", "yq-tj2022", "yq2022", "yq2019"]},
        {"title": "部门年报", "path": YQ_NB + "index.jsp?columnId=302", "list_via": "iframe+pager",
         "column_id": 302, "page_param": "pageIndex", "per_page": 3,
         "ids": ["yq-jyt2023", "yq-yd2023", "yq-wjw2023", "yq-tjj2023", "yq-jsj2023", "yq-yjj2023", "yq-fz2023"]},
        {"title": "乡镇年报", "path": YQ_NB + "index.jsp?columnId=303", "list_via": "iframe",
         "column_id": 303, "page_param": "page", "per_page": 10, "ids": ["yq-ks2023", "yq-sh2023"]},
    ],
    "items": YANQI_ITEMS,
}

# ---- 石桥县: attachments ---------------------------------------------------------------------------
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SQ_DOWNLOAD = "/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner=1638427&wbfileid=7745120"

SHIQIAO_ITEMS = [
    report("sq2023", "石桥县人民政府2023年政府信息公开工作年度报告", "/info/1021/3520.htm",
           "石桥县人民政府", 2023, "2021", "2024-01-23 09:00", "meichuan_2022.txt",
           _county("石桥县", 2022, 2023) + [["我区", "我县"]], 4101, source="石桥县人民政府办公室",
           signature=["石桥县人民政府办公室", "2024年1月23日"],
           # the list links ?from=list, the home page ?utm_source=x, the last list page a mirror copy
           also_at=["/info/1021/3520.htm?from=list", "/info/1021/3520.htm?utm_source=x",
                    "/mirror/info/1021/3520.htm"]),
    report("sq2022", "石桥县人民政府2022年政府信息公开工作年度报告", "/info/1021/3301.htm",
           "石桥县人民政府", 2022, "2021", "2023-01-18 10:00", "meichuan_2022.txt",
           _county("石桥县", 2022, 2022) + [["我区", "我县"]], 4102, source="石桥县人民政府办公室",
           signature=["石桥县人民政府办公室", "2023年1月18日"],
           attachments=[{"href": SQ_DOWNLOAD, "file": "sq2022.docx", "type": DOCX, "part": "report",
                         "name": "石桥县2022年政府信息公开工作年度报告.docx"}]),
    report("sq-czj2022", "石桥县财政局2022年度政府信息公开工作报告", "/info/1021/3296.htm",
           "石桥县财政局", 2022, "2021", "2023-01-28 15:20", "tongxi_czj_2023.txt",
           _dept("石桥县财政局", 2022, "石桥县"), 4103,
           attachments=[{"href": "/__local/2023/0128/20230128101530412.docx", "file": "sq-czj2022.docx",
                         "type": DOCX, "part": "text", "name": "附件1：石桥县财政局2022年度政府信息公开工作报告.docx"},
                        {"href": "/__local/2023/0128/20230128101531377.xlsx", "file": "sq-czj2022.xlsx",
                         "type": XLSX, "part": "tables", "name": "附件2：石桥县财政局2022年度政府信息公开情况统计表.xlsx"}]),
    report("sq2021", "石桥县2021年政务公开年报", "/__local/2022/0118/20220118093512345.pdf",
           "石桥县", 2021, "2021", "2022-01-18 00:00", "meichuan_2022.txt",
           _county("石桥县", 2022, 2021) + [["我区", "我县"]], 4104, source="石桥县人民政府办公室",
           signature=["石桥县人民政府办公室", "2022年1月18日"], linked_directly=True,
           attachments=[{"href": "/__local/2022/0118/20220118093512345.pdf", "file": "sq2021.pdf",
                         "type": "application/pdf", "part": "report", "name": "石桥县2021年政务公开年报.pdf"}]),
    report("sq2020", "石桥县人民政府2020年政府信息公开工作年度报告", "/info/1021/2870.htm",
           "石桥县人民政府", 2020, "2019", "2021-01-27 11:00", "tongxi_2020.txt",
           [["桐溪县", "石桥县"]], 4105, source="石桥县人民政府办公室",
           signature=["石桥县人民政府办公室", "2021年1月27日"], tables_as_image=True,
           failing_checks=["tables_missing"],
           attachments=[{"href": "/__local/2021/0127/20210127110215001.pdf", "file": "sq2020.pdf",
                         "type": "application/pdf", "part": "report",
                         "name": "石桥县人民政府2020年政府信息公开工作年度报告.pdf"}]),
    report("sq-jyj2019", "石桥县教育局2019年政府信息公开工作年度报告", "/info/1022/2511.htm",
           "石桥县教育局", 2019, "2019", "2020-01-20 08:30", "tongxi_2020.txt", [["桐溪县", "石桥县"]], 4106,
           unreadable=True, failing_checks=["unreadable_format"],
           attachments=[{"href": "/__local/2020/0120/20200120083001777.doc", "file": "sq-jyj2019.doc",
                         "type": "application/msword", "part": "report",
                         "name": "石桥县教育局2019年政府信息公开工作年度报告.doc"}]),
    report("sq-slj2021", "石桥县水利局2021年度政府信息公开工作年度报告", "/info/1022/2790.htm",
           "石桥县水利局", 2021, "2021", "2022-01-25 14:00", "tongxi_czj_2023.txt",
           _dept("石桥县水利局", 2021, "石桥县"), 4107, unreadable=True, failing_checks=["unreadable_format"],
           attachments=[{"href": "/__local/2022/0125/20220125140033912.wps", "file": "sq-slj2021.wps",
                         "type": "application/kswps", "part": "report",
                         "name": "石桥县水利局2021年度政府信息公开工作年度报告.wps"}]),
    other("sq-zd", "石桥县政府信息公开制度", "/info/1021/1204.htm", "2018-05-02 09:00",
          ["第一条 为保障公民、法人和其他组织依法获取政府信息，制定本制度。",
           "第二条 县政府办公室是本县政府信息公开工作的主管部门。"], source="石桥县人民政府办公室"),
    other("sq-tjgb2022", "2022年石桥县国民经济和社会发展统计公报", "/info/1021/3402.htm", "2023-03-28 09:00",
          ["2022年，全县实现地区生产总值186.4亿元。"], source="石桥县统计局"),
    other("sq-yt2022", "一图读懂石桥县2022年政府信息公开工作年度报告", "/info/1021/3302.htm", "2023-01-19 09:00",
          ["（图片）"], source="石桥县人民政府办公室"),
    other("sq-fz2022", "石桥县人民政府关于2022年度法治政府建设情况的报告", "/info/1021/3350.htm",
          "2023-02-20 09:00", ["2022年，县政府认真落实法治政府建设各项任务。"], source="石桥县人民政府办公室"),
]

SHIQIAO = {
    "name": "shiqiao", "style": "vsb", "chrome": "vsb", "host": "127.0.0.16", "encoding": "utf-8",
    "site_name": "石桥县人民政府", "region_code": "130198", "province": "河北省", "city": "石家庄市",
    "level": "county", "site_code": "9902030005", "icp": "示ICP备16000987号",
    "beian": "示公网安备 99020302000333号", "sponsor": "石桥县人民政府办公室",
    "nav": [["首页", "/"], ["信息公开", "/xxgk.htm"], ["办事服务", "/bsfw.htm"], ["互动交流", "/hdjl.htm"]],
    "home_links": [["sq2023", "/info/1021/3520.htm?utm_source=x"]],
    "disclosure": {"path": "/xxgk.htm", "title": "政府信息公开",
                   "columns": [["政府信息公开指南", "/xxgk/zn.htm"], ["政府信息公开制度", "/xxgk/zd.htm"],
                               ["法定主动公开内容", "/xxgk/fdzdgknr.htm"],
                               ["政府信息公开年度报告", "/xxgk/ndbg.htm"], ["依申请公开", "/xxgk/ysqgk.htm"]]},
    "date_label": "发布时间：", "date_format": "%Y年%m月%d日 %H:%M",
    "columns": [
        # 博达 VSB numbering: page 1 ndbg.htm, then ndbg/2.htm, ndbg/1.htm (counting down)
        {"title": "政府信息公开年度报告", "path": "/xxgk/ndbg.htm", "list_via": "pager",
         "pages": [["sq2023", "sq-yt2022", "sq-tjgb2022", "sq-fz2022"],
                   ["sq-czj2022", "sq2022", "sq2021", "sq-slj2021"],
                   ["sq2020", "sq-jyj2019", "sq-zd", "sq2023@mirror"]],
         "links": {"sq2023": "/info/1021/3520.htm?from=list", "sq2023@mirror": "/mirror/info/1021/3520.htm"}},
    ],
    "items": SHIQIAO_ITEMS,
}

PORTALS = [LIUTANG, YANQI, SHIQIAO]
