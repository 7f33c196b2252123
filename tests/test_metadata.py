"""Title, agency and year against the corpus keys; dates, metadata blocks and region codes."""

import pytest

from pipelines.dates import parse_date
from pipelines.document import Block, Document
from pipelines.formats import to_document
from pipelines.metadata import extract_metadata, text_field_block
from pipelines.regions import region_code_for
from tests.conftest import answer_keys, corpus_doc

KEYS = answer_keys()
# Where a key's agency is not what the document prints, its notes say it came from outside the text;
# for these the parser must give the name as printed (database.md: «as named in the report»).
AS_PRINTED = {
    "018_shanghai-sci-tech-commission-2024.md": "上海市科委",  # key expands the abbreviation (notes)
    "030_shuyang-county-govt-2025.txt": "沐阳县人民政府",  # key corrects the OCR error 沐→沭 (notes)
    "027_hebei-education-dept-2018-stats-table.txt": None,  # key takes it from an external CSV (notes)
}


@pytest.mark.parametrize("key", KEYS, ids=[key["doc"] for key in KEYS])
def test_metadata_matches_the_answer_key(key):
    path = corpus_doc(key["doc"])
    meta = extract_metadata(to_document(path.read_bytes(), filename=path.name), {}, path.name)
    assert meta.year == key["year"]
    assert meta.title == key["title"]
    assert meta.agency == AS_PRINTED.get(key["doc"], key["agency"])


def test_the_documented_exceptions_are_real_exceptions():
    """Guard against AS_PRINTED hiding a regression: each entry must differ from its key."""
    keys = {key["doc"]: key for key in KEYS}
    for doc, printed in AS_PRINTED.items():
        assert keys[doc]["agency"] != printed
        assert "agency" in keys[doc]["notes"].lower() or keys[doc]["agency"] in keys[doc]["notes"]


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2024年1月26日", "2024-01-26"),
        ("发布日期：2024-01-26 09:30", "2024-01-26"),
        ("[2024.01.26]", "2024-01-26"),
        ("2024/1/5", "2024-01-05"),
        ("1706198400", "2024-01-25"),
        ("2024年2月30日", None),
        ("", None),
    ],
)
def test_parse_date(text, iso):
    assert parse_date(text) == iso


def test_metadata_block_in_text_and_html():
    text = (
        "索引号 | 000014349/2024-06673 | 分类 | 市政府部门 |\n发布机构 | 黄石市经信局 | 发文日期 | 2024-01-29 |\n正文"
    )
    assert text_field_block(text) == {
        "索引号": "000014349/2024-06673",
        "发布机构": "黄石市经信局",
        "发文日期": "2024-01-29",
    }
    html = (
        "<html><body><table class='xxgk_table'><tr><th>索引号</th><td>001234567/2024-00012</td>"
        "<th>发布机构</th><td>示例县人民政府办公室</td></tr><tr><th>文　　号</th><td>示政办〔2024〕1号</td>"
        "<th>发布日期</th><td>2024-01-26</td></tr></table><div class='TRS_Editor'><p>示例县人民政府办公室"
        "2023年政府信息公开工作年度报告</p><p>一、总体情况</p><p>" + "正文。" * 80 + "</p></div></body></html>"
    )
    meta = extract_metadata(to_document(html.encode()), {})
    assert (meta.index_no, meta.publisher, meta.doc_number, meta.published) == (
        "001234567/2024-00012",
        "示例县人民政府办公室",
        "示政办〔2024〕1号",
        "2024-01-26",
    )
    assert (meta.title, meta.agency, meta.year) == (
        "示例县人民政府办公室2023年政府信息公开工作年度报告",
        "示例县人民政府办公室",
        2023,
    )


@pytest.mark.parametrize(
    "html",
    [
        "<table><tr><th>索\u3000引\u3000号</th><td>0012/2024-00012</td><th>发布机构</th><td>示例局</td></tr></table>",
        "<ul><li>索引号：0012/2024-00012</li><li>发布机构：示例局</li></ul>",
        "<dl><dt>索引号:</dt><dd>0012/2024-00012</dd><dt>发布机构：</dt><dd>示例局</dd></dl>",
        "<div><span>索引号</span><span>0012/2024-00012</span><p>发布机构： 示例局</p></div>",
    ],
)
def test_metadata_block_shapes(html):
    page = f"<html><body>{html}<div class='TRS_Editor'><p>一、总体情况</p><p>{'正文。' * 80}</p></div></body></html>"
    meta = to_document(page.encode()).meta
    assert meta["索引号"] == "0012/2024-00012" and meta["发布机构"] == "示例局"


def test_year_first_title_and_listing_hints():
    document = Document(blocks=[Block(text="正文没有标题。\n一、总体情况\n本年度工作。")])
    meta = extract_metadata(
        document, {"list_title": "2023年示例市人民政府政府信息公开工作年度报告", "list_date": "2024-03-01"}
    )
    assert (meta.year, meta.agency, meta.published) == (2023, "示例市人民政府", "2024-03-01")
    assert meta.sources["title"] == "listing"


def test_year_after_publication_is_rejected():
    document = Document(blocks=[Block(text="示例县2030年政府信息公开工作年度报告\n一、总体情况\n无")])
    meta = extract_metadata(document, {"list_date": "2024-01-10"})
    assert meta.year == 2023 and meta.sources["year"] == "publication year - 1"


@pytest.mark.parametrize(
    ("agency", "code"),
    [
        ("河北省教育厅", "130000"),
        ("淮安市人民政府", "320800"),
        ("南京市鼓楼区教育局", "320106"),
        ("鼓楼区教育局", None),
    ],
)
def test_region_code_for(agency, code):
    assert region_code_for(agency) == code


def test_the_blank_form_has_no_year_whatever_its_file_name():
    path = corpus_doc("028_blank-template-2021-format_NOT-A-REPORT.docx")
    meta = extract_metadata(to_document(path.read_bytes(), filename=path.name), {}, path.name)
    assert meta.year is None and "year" not in meta.sources


def test_the_year_comes_from_the_document_before_the_file_name():
    text = "一、总体情况\n2022年，本局认真贯彻条例。\n二、主动公开政府信息情况\n无。"
    meta = extract_metadata(Document(blocks=[Block(text=text)]), {}, "report-2019.txt")
    assert (meta.year, meta.sources["year"]) == (2022, "text")
    signed = "一、总体情况\n本局认真贯彻条例。\n示例局\n2021年1月20日"
    meta = extract_metadata(Document(blocks=[Block(text=signed)]), {}, "report-2019.txt")
    assert (meta.year, meta.sources["year"]) == (2020, "publication year - 1")
    bare = "统计指标\n单位\n统计数\n一、主动公开情况\n条\n12"
    meta = extract_metadata(Document(blocks=[Block(text=bare)]), {}, "stats-2018.txt")
    assert (meta.year, meta.sources["year"]) == (2018, "file name")  # the last resort, recorded as such
