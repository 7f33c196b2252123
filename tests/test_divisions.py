"""data/regions.csv: built from the current division codes, old codes kept, and read by pipelines.regions."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from crawler.commands.regions import shared_data
from crawler.divisions import COLUMNS, Change, build_regions, read_changes, read_csv
from pipelines.regions import load_regions, region_code_for, township_code_for

REPO = Path(__file__).resolve().parent.parent
BASE = REPO / "data" / "sources" / "regions-gbt2260-cpca.csv"
CHANGES = REPO / "data" / "sources" / "division-changes.tsv"


@pytest.fixture(scope="module")
def table() -> list[dict[str, str]]:
    return read_csv(REPO / "data" / "regions.csv")


def test_committed_table_is_what_the_command_builds(table):
    divisions = shared_data() / "divisions"
    assert (divisions / "streets.csv").is_file(), f"{divisions}: the shared division data are missing"
    built = build_regions(divisions, read_csv(BASE), read_changes(CHANGES))
    assert [r.code for r in built] == [r["code"] for r in table]
    assert [(r.name, r.level, r.parent, r.status) for r in built] == [
        (r["name"], r["level"], r["parent"], r["status"]) for r in table
    ]


def test_header_keeps_the_regions_table_columns_first():
    with (REPO / "data" / "regions.csv").open(encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == COLUMNS
    assert COLUMNS[:4] == ["code", "name", "level", "parent"]


def test_codes_unique_and_every_parent_known(table):
    codes = [r["code"] for r in table]
    assert len(codes) == len(set(codes))
    known = set(codes)
    assert [r["code"] for r in table if r["parent"] and r["parent"] not in known] == []
    for row in table:
        assert len(row["code"]) == (9 if row["level"] == "township" else 6), row


def test_townships_included_and_counted(table):
    townships = [r for r in table if r["level"] == "township"]
    assert len(townships) > 40_000
    assert {"110101001": "东华门街道"}.items() <= {r["code"]: r["name"] for r in townships}.items()


def test_every_earlier_code_is_kept(table):
    now = {r["code"] for r in table}
    assert [r["code"] for r in read_csv(BASE) if r["code"] not in now] == []


def test_former_codes_carry_year_and_successor(table):
    rows = {r["code"]: r for r in table}
    luan = rows["130223"]
    assert (luan["status"], luan["changed"], luan["successors"]) == ("former", "2018", "130284")
    assert rows["130284"]["name"] == "滦州市" and rows["130284"]["status"] == "current"
    # one code, new name: the old name stays findable
    xiangdu = rows["130502"]
    assert (xiangdu["name"], xiangdu["former_names"], xiangdu["changed"]) == ("襄都区", "桥东区", "2020")
    assert rows["110101"]["status"] == "current" and rows["110101"]["former_names"] == ""
    assert {rows[c]["status"] for c in ("990000", "990100", "990101")} == {"synthetic"}
    assert rows["810000"]["status"] == "gbt2260"


def test_new_divisions_from_the_issue_are_present(table):
    names = {r["code"]: r["name"] for r in table}
    assert [names.get(c) for c in ("130284", "130502", "140213", "500155")] == ["滦州市", "襄都区", "平城区", "梁平区"]


def test_name_lookup_knows_current_and_former_names():
    assert region_code_for("滦州市人民政府") == "130284"
    assert region_code_for("滦县人民政府") == "130223"  # a 2017 report keeps the code of its time
    assert region_code_for("邢台市桥东区人民政府") == region_code_for("邢台市襄都区人民政府") == "130502"
    assert region_code_for("河北省教育厅") == "130000"


def test_townships_are_found_only_inside_their_county():
    assert township_code_for("北京市东城区东华门街道办事处", "110101") == "110101001"
    assert township_code_for("东华门街道办事处", "110102") is None  # another county's township
    assert region_code_for("城关镇人民政府") is None  # a township name alone names no county
    assert load_regions()["110101001"].parent == "110101"


def _divisions(root: Path) -> Path:
    files = {
        "provinces.csv": "code,name\n54,西藏自治区\n",
        "cities.csv": "code,name,provinceCode\n5405,山南市,54\n",
        "areas.csv": "code,name,cityCode,provinceCode\n540502,乃东区,5405,54\n540581,错那市,5405,54\n",
        "streets.csv": "code,name,areaCode,provinceCode,cityCode\n540502001,泽当街道,540502,54,5405\n",
    }
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_successors_follow_later_changes(tmp_path):
    """错那县 moved from 542232 to 540530 in 2016 and became 错那市 540581 in 2023: the old code leads to the
    current one; a code with no recorded change keeps no guessed successor."""
    base = [
        {"code": "542232", "name": "错那县", "level": "county", "parent": "542200"},
        {"code": "542233", "name": "某县", "level": "county", "parent": "542200"},
    ]
    changes = [
        Change("2016", "-", "542232", "错那县", ("_",), "国函〔2016〕8号"),
        Change("2016", "+", "540530", "错那县", ("_",), "国函〔2016〕8号"),
        Change("2023", "-", "540530", "错那县", ("错那市",), ""),
        Change("2023", "+", "540581", "错那市", ("错那县",), ""),
    ]
    rows = {r.code: r for r in build_regions(_divisions(tmp_path), base, changes)}
    assert (rows["542232"].status, rows["542232"].changed, rows["542232"].successors) == ("former", "2016", "540581")
    assert (rows["542233"].status, rows["542233"].changed, rows["542233"].successors) == ("former", "", "")
    assert rows["540502001"].parent == "540502" and rows["540500"].level == "city"
