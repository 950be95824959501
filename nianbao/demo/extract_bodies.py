"""One-off: copy the article bodies of real Pingtan pages into nianbao/demo/bodies/.

    .venv/bin/python -m nianbao.demo.extract_bodies /work/shared/corpus

Keeps the real markup (tables with rowspan/colspan, <p>/<span>/<br>) and drops only Word/MSO
layout noise: style/width/valign/lang attributes, <o:p> tags and conditional comments.
"""
import sys
from pathlib import Path

from lxml import etree, html

# real page (relative to the corpus) -> body file; the XPath picks the article container
SOURCES = {
    "pingtan/2019_report.html": ("pingtan_2019.html", '//div[contains(@class,"TRS_Editor")]'),
    "pingtan/2021_report.html": ("pingtan_2021.html", '//div[contains(@class,"article_content")]'),
    "pingtan/trap_2014_workpoints_letter.html": (
        "pingtan_2014_letter.html", '//div[contains(@class,"article_content")]'),
}
DROP_ATTRS = ("style", "width", "height", "valign", "lang", "align", "border", "cellspacing",
              "cellpadding", "ms-controller", "ms-class")


def clean(node):
    etree.strip_tags(node, "{urn:schemas-microsoft-com:office:office}p", "o:p", "font")
    for el in node.iter():
        if not isinstance(el.tag, str):
            continue
        for attr in DROP_ATTRS:
            el.attrib.pop(attr, None)
    for comment in node.xpath("//comment()"):
        comment.drop_tree()
    return node


def main(corpus: str) -> None:
    out = Path(__file__).parent / "bodies"
    for rel, (name, xpath) in SOURCES.items():
        root = html.parse(str(Path(corpus) / rel)).getroot()
        body = clean(root.xpath(xpath)[0])
        inner = (body.text or "") + "".join(
            html.tostring(child, encoding="unicode") for child in body)
        header = f"<!-- SOURCE: /work/shared/corpus/{rel} (changwu/pingtan-gov-zwgk-archive) -->\n"
        (out / name).write_text(header + inner.strip() + "\n", encoding="utf-8")
        print(name, len(inner))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/corpus")
