"""`scrapy coverage`: portals known, columns found (how), blocked/unreachable, reports per year — table and CSV."""

from __future__ import annotations

import csv
from pathlib import Path

from crawler.coverage import portal_coverage, read_database, region_table, report_years
from crawler.portals import COLUMNS, Portal
from pipelines.schema import open_database
from tests.conftest import run_scrapy

PORTALS = [
    Portal("990100", "示例市", "示例省/示例市", "2", "http://www.city.gov.cn/"),
    Portal("990101", "示例县", "示例省/示例市/示例县", "3", "http://www.county1.gov.cn/"),
    Portal("990102", "示例区", "示例省/示例市/示例区", "3", "http://www.county2.gov.cn/"),
    Portal("990103", "示例镇", "示例省/示例市/示例镇", "3", "http://www.county3.gov.cn/"),
    Portal("990104", "无网站县", "示例省/示例市/无网站县", "3", ""),
]


def database(path: Path) -> Path:
    db = open_database(str(path))
    db["portal_discovery"].insert_all(
        [
            {"portal": "http://www.city.gov.cn/", "region_code": "990100", "status": "found", "method": "link", "requests": 3, "identity": "match"},
            {"portal": "http://www.county1.gov.cn/", "region_code": "990101", "status": "found", "method": "convention", "requests": 2},
            {"portal": "http://www.county2.gov.cn/", "region_code": "990102", "status": "blocked", "reason": "http 412: ruishu js challenge ($_ts)", "requests": 1},
        ]
    )  # fmt: skip
    db["portal_columns"].insert_all(
        [
            {"portal": "http://www.city.gov.cn/", "column_url": "http://www.city.gov.cn/zfxxgk/nb/", "method": "link", "status": "found", "first_found": "2024-05-01"},
            {"portal": "http://www.county1.gov.cn/", "column_url": "http://www.county1.gov.cn/zfxxgk/zfxxgknb/", "method": "convention", "status": "found", "first_found": "2024-05-01"},
        ]
    )  # fmt: skip
    reports = [
        ("http://www.city.gov.cn/zfxxgk/nb/202401/t1.html", "990100", 2023),
        ("http://xxgk.city.gov.cn/nb/202301/t2.html", "990100", 2022),  # a sibling subdomain of the city's site
        ("http://www.city.gov.cn/zfxxgk/nb/202402/t3.html", "990101", 2023),  # the county's report, on the city site
        ("http://www.county1.gov.cn/zfxxgk/zfxxgknb/202401/t4.html", "990101", 2023),
    ]
    db["reports"].insert_all(
        {"id": f"r{i}", "source": s, "region_code": c, "year": y, "template": "v2021", "quality": "ok"}
        for i, (s, c, y) in enumerate(reports)
    )
    db["browser_pages"].insert({"url": "http://www.county2.gov.cn/", "status": 412, "ok": 0})
    db.conn.commit()
    db.close()
    return path


def test_per_portal_and_per_region_figures(tmp_path):
    outcome, columns, reports = read_database(database(tmp_path / "r.db"))
    rows = {r.portal.code: r for r in portal_coverage(PORTALS, outcome, columns, reports)}
    assert (rows["990100"].status, rows["990100"].method, rows["990100"].column_url) == (
        "found", "link", "http://www.city.gov.cn/zfxxgk/nb/",
    )  # fmt: skip
    assert rows["990100"].reports == {2023: 2, 2022: 1}  # every report found on the city's site
    assert (rows["990102"].status, rows["990102"].reason) == ("blocked", "http 412: ruishu js challenge ($_ts)")
    assert rows["990103"].status == "not tried" and rows["990104"].status == "no home page"
    years = report_years(reports, "99")
    assert years == [2022, 2023]
    [city] = region_table(list(rows.values()), reports, "9901", years)[:1]
    assert city["region"] == "990100" and city["found"] == 1 and city["link"] == 1
    by_region = {g["region"]: g for g in region_table(list(rows.values()), reports, "9901", years)}
    assert by_region["990101"][2023] == 2  # reports counted by their region code, wherever posted
    assert by_region["990102"]["blocked"] == 1
    assert read_database(tmp_path / "absent.db") == ({}, {}, [])


def test_command_prints_the_table_and_writes_the_csv(tmp_path):
    registry = tmp_path / "portals.csv"
    with registry.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(vars(p) for p in PORTALS)
    db, out = database(tmp_path / "r.db"), tmp_path / "coverage.csv"
    result = run_scrapy("coverage", "-a", "region=99", "--registry", str(registry), "--csv", str(out), db=db)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "5 portals known; columns found 2 (link 1, convention 1, evidence 0); blocked 1" in result.stdout
    assert "not tried 1" in result.stdout
    assert "pages fetched again through the browser (BROWSER_FALLBACK): 1, passed 0" in result.stdout
    lines = {line.split()[0]: line.split() for line in result.stdout.splitlines() if line.strip().startswith("99")}
    assert lines["990100"][1:3] == ["5", "2"]  # portals, found
    with out.open(encoding="utf-8") as handle:
        written = {row["code"]: row for row in csv.DictReader(handle)}
    assert written["990102"]["status"] == "blocked" and written["990100"]["reports_2023"] == "2"
    assert written["990101"]["method"] == "convention" and written["990101"]["requests"] == "2"
    bad = run_scrapy("coverage", "-a", "region=abc", db=db)
    assert bad.returncode == 2 and "region" in bad.stderr
