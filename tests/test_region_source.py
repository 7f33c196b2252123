"""How a report's region code is decided, and that the decision is recorded (field_sources.region_code)."""

from __future__ import annotations

import pytest

from pipelines.document import Block, Document
from pipelines.metadata import extract_metadata, site_name


def document(agency: str, meta: dict | None = None) -> Document:
    text = f"{agency}2023年政府信息公开工作年度报告\n一、总体情况\n本机关认真落实《条例》。"
    return Document(blocks=[Block(text)], meta=meta or {}, format="html")


@pytest.mark.parametrize(
    ("agency", "meta", "portal", "code", "source"),
    [
        # the registered portal's division: a fact about where the report was published
        ("淮安市教育局", {}, "320800", "320800", "portal"),
        # a county named in the agency, inside the portal's city: more precise than the portal
        ("淮安市清江浦区教育局", {}, "320800", "320812", "agency in portal"),
        # a place outside the portal's is not taken over the portal
        ("河北省教育厅", {}, "320800", "320800", "portal"),
        # no portal (a crawl by URL): the agency name
        ("河北省教育厅", {}, None, "130000", "agency"),
        # neither portal nor a place in the agency name: the site's name
        ("县教育局", {"sitename": "砚山县人民政府"}, None, "532622", "site"),
        ("县教育局", {"title": "关于…的报告_砚山县人民政府"}, None, "532622", "site"),
        # nothing to go by: unknown, not a guess
        ("县教育局", {}, None, None, None),
    ],
)
def test_region_code_and_how_it_was_decided(agency, meta, portal, code, source):
    found = extract_metadata(document(agency, meta), {"region_code": portal})
    assert found.region_code == code
    assert found.sources.get("region_code") == source


def test_site_name_from_title_suffix_only_when_there_is_one():
    assert site_name(Document(meta={"title": "示例县人民政府2020年政府信息公开工作年度报告"})) is None
    assert site_name(Document(meta={"title": "某报告_示例县人民政府"})) == "示例县人民政府"
