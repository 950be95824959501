"""Imports point one way: nianbao (the command) → crawler / publishing → storage →
parsing → templates and text. Parsing imports neither Scrapy nor the crawler; no product
code imports the tests."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def modules(package: str):
    return sorted((ROOT / package).rglob("*.py"))


def top(name: str) -> str:
    return name.split(".")[0]


@pytest.mark.parametrize("path", modules("archive"), ids=lambda p: str(p.relative_to(ROOT)))
def test_archive_imports_neither_the_crawler_nor_scrapy(path):
    bad = {m for m in imports(path) if top(m) in ("crawler", "scrapy", "scrapy_playwright", "twisted",
                                                    "nianbao", "tests")}
    assert not bad, bad


@pytest.mark.parametrize("path", modules("crawler"), ids=lambda p: str(p.relative_to(ROOT)))
def test_crawler_uses_storage_but_never_parsing(path):
    # storage: the archive's SQLite files and its capture files (WARC, archive/capture.py)
    allowed_archive = {"archive.store", "archive.titles", "archive.capture"}
    bad = {m for m in imports(path) if top(m) in ("nianbao", "tests")
           or (top(m) == "archive" and m not in allowed_archive)}
    assert not bad, bad


PARSING = {"archive.parse", "archive.stage", "archive.workers", "archive.ingest", "archive.bundle",
           "archive.statistics", "archive.alignment", "archive.legacy_stats", "archive.flat_tables", "archive.check",
           "archive.metadata",
           "archive.clean", "archive.formats", "archive.ocr", "archive.convert", "archive.sections"}


@pytest.mark.parametrize("path", modules("archive/datasette_plugin"), ids=lambda p: str(p.relative_to(ROOT)))
def test_publishing_reads_storage_and_text_helpers_never_parsing(path):
    assert not imports(path) & PARSING


def test_no_product_code_imports_the_tests():
    for package in ("archive", "crawler", "nianbao"):
        for path in modules(package):
            assert not {m for m in imports(path) if top(m) == "tests"}, path


def test_the_top_level_keeps_its_shape():
    names = {p.name for p in ROOT.iterdir() if not p.name.startswith(".")}
    assert {"scrapy.cfg", "crawler", "archive", "tests", "datasette-metadata.json", "README.md"} <= names
    assert (ROOT / "datasette-metadata.json").resolve() == (ROOT / "archive/datasette_plugin/metadata.json")
