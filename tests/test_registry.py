"""The national registry that ships with the project (portals/registry.csv) and the crawl's
--province / --level / --limit filters."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from crawler.portals import SelectionError, read_portals, select_portals, write_portals
from tests.conftest import ROOT, run_cli, small_portal
from tests.test_layout_alarms import Layout

REGISTRY = ROOT / "portals" / "registry.csv"


def test_the_registry_is_read_with_its_columns():
    portals = read_portals(REGISTRY)
    assert len(portals) == 3205
    assert Counter(p.level for p in portals) == {"county": 2840, "city": 334, "province": 31}
    assert len({p.province for p in portals}) == 31
    guangdong = select_portals(portals, province="广东省")
    assert len(guangdong) == 144 and all(p.province == "广东省" for p in guangdong)
    beijing = next(p for p in portals if p.name == "北京市")
    assert (beijing.province, beijing.city, beijing.level, beijing.url) == \
        ("北京市", "", "province", "https://www.beijing.gov.cn/")


def test_filters_select_province_level_and_limit():
    portals = read_portals(REGISTRY)
    counties = select_portals(portals, province="广东省", level="county")
    assert counties and all((p.province, p.level) == ("广东省", "county") for p in counties)
    assert select_portals(portals, province="广东省", level="county", limit=5) == counties[:5]
    assert len(select_portals(portals, level="province")) == 31


@pytest.mark.parametrize("kwargs, message", [
    ({"province": "广东"}, "unknown province '广东'; valid values: 上海市, "),
    ({"level": "town"}, "unknown level 'town'; valid values: city, county, province"),
    ({"province": "北京市", "level": "city"}, "unknown level 'city' in province 北京市; valid values: county, province"),
    ({"limit": 0}, "--limit must be at least 1"),
])
def test_a_bad_filter_names_the_valid_values(kwargs, message):
    with pytest.raises(SelectionError) as error:
        select_portals(read_portals(REGISTRY), **kwargs)
    assert str(error.value).startswith(message)
    if message.startswith("unknown province"):
        assert "广东省" in str(error.value)


def test_a_selection_written_reads_back_the_same(tmp_path):
    selected = select_portals(read_portals(REGISTRY), province="福建省", level="county", limit=20)
    write_portals(selected, tmp_path / "fj.csv")
    assert read_portals(tmp_path / "fj.csv") == selected


@pytest.mark.parametrize("args, words", [
    (["--province", "广东"], ["unknown province '广东'", "广东省", "黑龙江省"]),
    (["--level", "town"], ["unknown level 'town'", "city, county, province"]),
    (["--province", "广东省", "--limit", "0"], ["--limit must be at least 1"]),
])
def test_the_command_refuses_a_bad_filter_in_one_line_and_writes_nothing(tmp_path, args, words):
    db = tmp_path / "archive.db"
    result = run_cli("crawl", "--portals", REGISTRY, "--db", db, *args, timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and all(word in lines[0] for word in words), result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.e2e
def test_the_crawl_takes_only_the_selected_portals(tmp_path):
    layout = Layout(reports=2)
    with small_portal(layout.answer, tmp_path) as one:
        url = one.read_text(encoding="utf-8").splitlines()[1].split(",", 1)[1]
        # the same site listed under three names: only 示例县 is of 广东省 and county
        csv_path = tmp_path / "fleet.csv"
        csv_path.write_text("name,url,province,city,level\n"
                            f"示例县,{url},广东省,韶关市,county\n"
                            f"示例市,{url}city/,广东省,,city\n"
                            f"别省县,{url}other/,福建省,福州市,county\n", encoding="utf-8")
        db = tmp_path / "archive.db"
        result = run_cli("crawl", "--portals", csv_path, "--db", db, "--no-parse", "--province", "广东省",
                         "--level", "county", "--limit", "5", "-s", "AUTOTHROTTLE_START_DELAY=0", timeout=300)
    assert result.returncode == 0, result.stderr
    conn = sqlite3.connect(db)
    assert [r[0] for r in conn.execute("SELECT name FROM portals")] == ["示例县"]
    assert conn.execute("SELECT portal, reports_listed FROM portal_runs").fetchall() == [("示例县", 2)]
    assert conn.execute("SELECT count(*) FROM fetched_reports").fetchone()[0] == 2
    assert not list(Path(tmp_path).glob("nianbao-portals-*"))
