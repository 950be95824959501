"""DOC and XLS attachments read through LibreOffice (installed by `make setup`): the same
report saved in the old formats by LibreOffice itself gives the same figures."""

import subprocess
from pathlib import Path

import pytest

from archive.convert import office_program
from archive.parse import parse_report

FILES = Path(__file__).parents[1] / "nianbao" / "demo" / "files"


def saved_as(tmp_path, source: Path, fmt: str) -> bytes:
    subprocess.run([office_program(), "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", fmt, "--outdir", str(tmp_path), str(source)],
                   capture_output=True, timeout=180, check=True)
    return (tmp_path / f"{source.stem}.{fmt}").read_bytes()


def figures(parsed):
    return [(c.table, c.fields, c.value) for c in parsed.cells]


@pytest.mark.parametrize("name,fmt", [("sq2022.docx", "doc"), ("sq-czj2022.xlsx", "xls")])
def test_old_office_formats_read_like_the_new(tmp_path, name, fmt):
    assert office_program(), "LibreOffice is installed by `make setup`"
    modern = parse_report((FILES / name).read_bytes(), None, name)
    old = parse_report(saved_as(tmp_path, FILES / name, fmt), None, f"report.{fmt}")
    assert old.source_format == fmt and len(old.cells) == 200
    assert figures(old) == figures(modern)
    assert {c.name for c in old.checks if not c.passed} == set()


def test_a_document_libreoffice_cannot_open_is_flagged_not_dropped():
    parsed = parse_report((FILES / "sq-jyj2019.doc").read_bytes(), None, "x.doc", list_title="石桥县教育局2019年政府信息公开工作年度报告")
    assert parsed.source_format == "doc" and parsed.cells == []
    assert [(c.name, c.passed) for c in parsed.checks] == [("unreadable_format", False)]
    assert parsed.year == 2019
