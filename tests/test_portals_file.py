"""The portals file: errors name the line, before anything is crawled."""

import subprocess
import sys

import pytest

from crawler.portals import PortalsFileError, read_portals


def write(tmp_path, text):
    path = tmp_path / "portals.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_optional_columns_and_comments(tmp_path):
    portals = read_portals(write(tmp_path, "# comment\nname,url,province\n始兴县,http://127.0.0.2:8000/,广东省\n"))
    assert [(p.name, p.host, p.province, p.line) for p in portals] == [("始兴县", "127.0.0.2:8000", "广东省", 3)]


@pytest.mark.parametrize("text,message", [
    ("name,link\nA,http://a/\n", ":1: missing column(s) url"),
    ("name,url\nA,ftp://a/\n", ":2: bad URL 'ftp://a/'"),
    ("name,url\nA,http://a/\nB,http://a\n", ":3: duplicate portal http://a (first on line 2)"),
    ("name,url\nA,http://a/\nA,http://b/\n", ":3: duplicate portal name A"),
    ("name,url\n,http://a/\n", ":2: empty name"),
    ("name,url\n", "no portals listed"),
])
def test_bad_files_name_the_line(tmp_path, text, message):
    with pytest.raises(PortalsFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_portals(write(tmp_path, text))


def test_cli_refuses_bad_file_before_crawling(tmp_path):
    path = write(tmp_path, "name,url\nA,http://127.0.0.1:9/\nA,http://127.0.0.1:9/\n")
    db = tmp_path / "a.db"
    result = subprocess.run([sys.executable, "-m", "nianbao.cli", "crawl", "--portals", str(path), "--db", str(db)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "portals.csv:3: duplicate portal" in result.stderr
    assert not db.exists()


def cli(*args):
    return subprocess.run([sys.executable, "-m", "nianbao.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=60)


def test_usage_errors_are_one_line_and_exit_2_and_write_nothing(tmp_path):
    """A portals file that is not UTF-8 (named by line and byte), a --db whose directory does
    not exist, and parse or serve of an archive that is not there."""
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("name,url\n示例县,http://127.0.0.1:9/\n".encode("gbk"))
    good = write(tmp_path, "name,url\nA,http://127.0.0.1:9/\n")
    cases = [
        (("crawl", "--portals", gbk, "--db", tmp_path / "a.db"), "gbk.csv:2: not UTF-8 (byte 0x"),
        (("crawl", "--portals", good, "--db", tmp_path / "missing" / "a.db"), "does not exist"),
        (("parse", "--db", tmp_path / "none.db"), "no archive at"),
        (("reparse", "--db", tmp_path / "none.db"), "no archive at"),
        (("serve", "--db", tmp_path / "none.db"), "no archive at"),
    ]
    for args, message in cases:
        result = cli(*args)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 2 and len(lines) == 1 and message in lines[0], (args, result.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gbk.csv", "portals.csv"]
