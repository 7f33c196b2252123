"""Test renderers: a logical table set → the layouts reports arrive in (test code, not parser code).

`TableSet` holds what was printed in every canonical cell ('' = blank cell). `logical_lines` lays
the three tables out as rows of cells the way the national form prints them (headers, group labels,
value rows); each `render_*` function then flattens those rows in one of the real-world ways, or
builds grids with rowspan/colspan (`None` for covered positions) as the HTML converter does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipelines.document import Block, Document, table_block
from pipelines.tables.template import APP_COLS, REVIEW_COLS, REVIEW_ROWS, ad_rows, app_rows

APP_LABELS = {
    "new_received": "一、本年新收政府信息公开申请数量",
    "carried_over": "二、上年结转政府信息公开申请数量",
    "granted": "（一）予以公开",
    "partially_granted": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "denied_state_secret": "1.属于国家秘密",
    "denied_law_prohibited": "2.其他法律行政法规禁止公开",
    "denied_security_stability": "3.危及“三安全一稳定”",
    "denied_third_party": "4.保护第三方合法权益",
    "denied_internal_affairs": "5.属于三类内部事务信息",
    "denied_process_info": "6.属于四类过程性信息",
    "denied_enforcement_file": "7.属于行政执法案卷",
    "denied_admin_inquiry": "8.属于行政查询事项",
    "unable_not_held": "1.本机关不掌握相关政府信息",
    "unable_need_creation": "2.没有现成信息需要另行制作",
    "unable_unclear": "3.补正后申请内容仍不明确",
    "not_processed_complaint": "1.信访举报投诉类申请",
    "not_processed_duplicate": "2.重复申请",
    "not_processed_publication": "3.要求提供公开出版物",
    "not_processed_excessive": "4.无正当理由大量反复申请",
    "not_processed_reconfirm": "5.要求行政机关确认或重新出具已获取信息",
    "other_no_correction": "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "other_fee_unpaid": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "other_misc": "3.其他",
    "other_total": "（六）其他处理",
    "results_total": "（七）总计",
    "carried_forward": "四、结转下年度继续办理",
}
GROUPS = {
    "granted": "三、本年度办理结果",
    "denied_state_secret": "（三）不予公开",
    "unable_not_held": "（四）无法提供",
    "not_processed_complaint": "（五）不予处理",
    "other_no_correction": "（六）其他处理",
}
AD_LABELS = {
    "v2021": {
        "regulations": "规章",
        "normative_docs": "行政规范性文件",
        "admin_licensing": "行政许可",
        "admin_penalty": "行政处罚",
        "admin_coercion": "行政强制",
        "admin_fees": "行政事业性收费",
    },
    "v2019": {
        "regulations": "规章",
        "normative_docs": "规范性文件",
        "admin_licensing": "行政许可",
        "other_admin_services": "其他对外管理服务事项",
        "admin_penalty": "行政处罚",
        "admin_coercion": "行政强制",
        "admin_fees": "行政事业性收费",
        "gov_central_procurement": "政府集中采购",
    },
}
AD_HEADERS = {
    "issued": "本年制发件数",
    "repealed": "本年废止件数",
    "in_force": "现行有效件数",
    "decisions": "本年处理决定数量",
    "fee_amount": "本年收费金额（单位：万元）",
    "newly_made": "本年新制作数量",
    "newly_published": "本年新公开数量",
    "total_published": "对外公开总数量",
    "prev_year_items": "上一年项目数量",
    "items_change": "本年增/减",
    "projects": "采购项目数量",
    "amount": "采购总金额",
}
AD_GROUPS = {  # row key that opens a 第二十条 sub-table → its item number
    "regulations": "（一）",
    "admin_licensing": "（五）",
    "admin_penalty": "（六）",
    "admin_fees": "（八）",
    "gov_central_procurement": "（九）",
}


@dataclass
class TableSet:
    """Printed text of every canonical cell, per table (row → col → text; '' is a blank cell)."""

    version: str  # "v2021" | "v2019"
    collapsed: bool  # （六）其他处理 printed as one row
    active: dict[str, dict[str, str]] = field(default_factory=dict)
    applications: dict[str, dict[str, str]] = field(default_factory=dict)
    review: dict[str, dict[str, str]] = field(default_factory=dict)
    # rows the template does not know, printed after a given applications row: (after, label, cells)
    extra: list[tuple[str, str, list[str]]] = field(default_factory=list)

    def printed(self) -> dict[tuple[str, str, str], str]:
        out = {}
        for name, table in (
            ("active_disclosure", self.active),
            ("applications", self.applications),
            ("review_litigation", self.review),
        ):
            for row, cols in table.items():
                for col, text in cols.items():
                    out[(name, row, col)] = text
        return out


Line = list[str]


def active_lines(ts: TableSet) -> list[Line]:
    lines: list[Line] = []
    for spec in ad_rows(ts.version):
        if spec.key in AD_GROUPS:
            lines.append([f"第二十条第{AD_GROUPS[spec.key]}项"])
            lines.append(["信息内容", *(AD_HEADERS[c] for c in spec.cols)])
        lines.append([AD_LABELS[ts.version][spec.key], *(ts.active[spec.key][c] for c in spec.cols)])
    return lines


def application_lines(ts: TableSet) -> list[Line]:
    lines: list[Line] = [
        ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况"],
        ["自然人", "法人或其他组织", "总计"],
        ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"],
    ]
    for spec in app_rows(ts.collapsed):
        head = [GROUPS[spec.key]] if spec.key in GROUPS and not (ts.collapsed and spec.key.startswith("other")) else []
        lines.append([*head, APP_LABELS[spec.key], *(ts.applications[spec.key][c] for c in APP_COLS)])
        lines += [[label, *cells] for after, label, cells in ts.extra if after == spec.key]
    return lines


def review_lines(ts: TableSet) -> list[Line]:
    heads = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    return [
        ["行政复议", "行政诉讼"],
        [*heads, "未经复议直接起诉", "复议后起诉"],
        heads * 2,
        [ts.review[r][c] for r in REVIEW_ROWS for c in REVIEW_COLS],
    ]


def sections(ts: TableSet) -> list[tuple[str, list[Line]]]:
    return [
        ("二、主动公开政府信息情况", active_lines(ts)),
        ("三、收到和处理政府信息公开申请情况", application_lines(ts)),
        ("四、政府信息公开行政复议、行政诉讼情况", review_lines(ts)),
    ]


INTRO = (
    "一、总体情况\n\n2023年，本机关认真贯彻《政府信息公开条例》，全年主动公开信息120条。\n\n"
    "（一）主动公开\n\n通过门户网站公开政策文件15件、规划计划3件。\n\n（二）依申请公开\n\n畅通申请渠道。"
)
OUTRO = "五、存在的主要问题及改进情况\n\n一是公开内容不够全面。\n\n二是解读形式单一。\n六、其他需要报告的事项\n\n无。"


def _text_doc(ts: TableSet, render_table) -> str:
    parts = [INTRO]
    for heading, lines in sections(ts):
        parts.append(heading)
        parts.append(render_table(lines))
    parts.append(OUTRO)
    return "\n".join(parts)


def _pad(lines: list[Line]) -> list[Line]:
    width = max(len(line) for line in lines)
    return [line + [""] * (width - len(line)) for line in lines]


def render_pipes(ts: TableSet) -> str:
    """`a | b | c |` rows padded with empty cells to the table width (corpus 000)."""
    return _text_doc(ts, lambda lines: "\n".join(" | ".join(line) + " |" for line in _pad(lines)))


def render_pipe_cells(ts: TableSet) -> str:
    """One cell per line, each cell followed by ' |' (corpus 002)."""
    return _text_doc(ts, lambda lines: "\n".join(f"{cell} |" if cell else "|" for line in lines for cell in line))


def render_markdown(ts: TableSet) -> str:
    def table(lines: list[Line]) -> str:
        rows = _pad(lines)
        out = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
        out += ["| " + " | ".join(row) + " |" for row in rows[1:]]
        return "\n".join(out) + "\n"

    return _text_doc(ts, table)


def render_tabs(ts: TableSet) -> str:
    return _text_doc(ts, lambda lines: "\n".join("\t".join(line) for line in lines))


def render_lines(ts: TableSet) -> str:
    """One cell per line, no blank lines between cells; an empty cell is an empty line."""
    return _text_doc(ts, lambda lines: "\n".join(cell for line in lines for cell in line))


def render_blank_lines(ts: TableSet) -> str:
    """Corpus 004–007: 2 blank lines between cells, 4 between rows, 3 more per empty cell."""

    def table(lines: list[Line]) -> str:
        out, gap = [], 0
        for r, line in enumerate(lines):
            for c, cell in enumerate(line):
                sep = 4 if c == 0 and r > 0 else 2
                if not cell:
                    gap += 3
                    continue
                if out:
                    out.append("\n" * (sep + gap + 1))
                out.append(cell)
                gap = 0
        return "".join(out) + "\n" * (gap + 4)  # the next heading starts a new row

    return _text_doc(ts, table)


def render_fullwidth(ts: TableSet) -> str:
    """Cells separated by full-width spaces (corpus 008 table 2); blanks cannot show, so print '-'."""
    return _text_doc(ts, lambda lines: "\u3000\u3000".join(cell or "-" for line in lines for cell in line))


def render_glued(ts: TableSet) -> str:
    """Everything glued with no separator; blank cells simply vanish (corpus 008–012, 010, 020)."""
    return "".join(_text_doc(ts, lambda lines: "".join(cell for line in lines for cell in line)).split("\n"))


LAYOUTS = {
    "pipes": render_pipes,
    "pipe_cells": render_pipe_cells,
    "markdown": render_markdown,
    "tabs": render_tabs,
    "lines": render_lines,
    "blank_lines": render_blank_lines,
    "fullwidth": render_fullwidth,
    "glued": render_glued,
}


def text_document(ts: TableSet, layout: str) -> Document:
    return Document(blocks=[Block(text=LAYOUTS[layout](ts))])


# ---- grids: what the HTML/DOCX converters produce (rowspan/colspan → None) ----


def _blank(cell: str, style: int) -> str:
    return cell if cell else ("", "&nbsp;", "\u3000", " ")[style % 4]


def application_grid(ts: TableSet, style: int = 0) -> list[list[str | None]]:
    """10 columns: group label, sub label, (sub-sub label), 7 values; headers merged over the values."""
    grid: list[list[str | None]] = [
        ["（本列数据的勾稽关系为：第一项加第二项之和，\n等于第三项加第四项之和）", None, None, "申请人情况"]
        + [None] * 6,
        [None, None, None, "自然人", "法人或其他组织", None, None, None, None, "总计"],
        [None, None, None, None, "商业\n企业", "科研\n机构", "社会公益\n组织", "法律服务\n机构", "其他", None],
    ]
    specs = app_rows(ts.collapsed)
    for i, spec in enumerate(specs):
        values = [_blank(ts.applications[spec.key][c], style + i) for c in APP_COLS]
        label = APP_LABELS[spec.key]
        group = GROUPS.get(spec.key) if not (ts.collapsed and spec.key == "other_total") else None
        if spec.key in ("new_received", "carried_over", "carried_forward"):
            grid.append([label, None, None, *values])
        elif spec.key in ("granted", "partially_granted", "other_total", "results_total"):
            first = ["三、本年度办理结果"] if spec.key == "granted" else [None]
            grid.append([*first, label, None, *values])
        else:
            grid.append([None, group, label, *values] if group else [None, None, label, *values])
    return grid


def active_grids(ts: TableSet, style: int = 0) -> list[list[list[str | None]]]:
    grids: list[list[list[str | None]]] = []
    for spec in ad_rows(ts.version):
        if spec.key in AD_GROUPS:
            width = 1 + len(spec.cols)
            grids.append([[f"第二十条第{AD_GROUPS[spec.key]}项"] + [None] * (width - 1)])
            grids[-1].append(["信息内容", *(AD_HEADERS[c].replace("（", "\n（") for c in spec.cols)])
        row = [AD_LABELS[ts.version][spec.key], *(_blank(ts.active[spec.key][c], style) for c in spec.cols)]
        grids[-1].append(row)
    return grids


def review_grid(ts: TableSet, style: int = 0) -> list[list[str | None]]:
    heads = ["结果\n维持", "结果\n纠正", "其他\n结果", "尚未\n审结", "总计"]
    values = [_blank(ts.review[r][c], style) for r in REVIEW_ROWS for c in REVIEW_COLS]
    return [
        ["行政复议", None, None, None, None, "行政诉讼"] + [None] * 9,
        [*heads, "未经复议直接起诉", None, None, None, None, "复议后起诉", None, None, None, None],
        [None] * 5 + heads * 2,
        values,
    ]


CHROME_TOP = "首页 > 政务公开 > 政府信息公开年报\n发布时间：2024-01-31 浏览次数：1234 字号：大 中 小"
CHROME_BOTTOM = "扫一扫在手机打开当前页\n网站标识码：1234567890 京ICP备05070218号 主办单位：某某县人民政府办公室"


def grid_document(ts: TableSet, style: int = 0, one_table: bool = False) -> Document:
    """Grid blocks as the HTML converter emits them, inside site chrome; optionally one big table."""
    parts: list[tuple[str, list[list[list[str | None]]]]] = [
        ("二、主动公开政府信息情况", active_grids(ts, style)),
        ("三、收到和处理政府信息公开申请情况", [application_grid(ts, style)]),
        ("四、政府信息公开行政复议、行政诉讼情况", [review_grid(ts, style)]),
    ]
    blocks = [Block(text=CHROME_TOP), Block(text=INTRO)]
    if one_table:
        width = max(len(row) for _, grids in parts for grid in grids for row in grid)
        big: list[list[str | None]] = []
        for heading, grids in parts:
            big.append([heading] + [None] * (width - 1))
            big += [row + [None] * (width - len(row)) for grid in grids for row in grid]
        blocks.append(table_block(big))
    else:
        for heading, grids in parts:
            blocks.append(Block(text=heading))
            blocks += [table_block(g) for g in grids]
    blocks += [Block(text=OUTRO), Block(text=CHROME_BOTTOM)]
    return Document(blocks=blocks, format="html")


_TRADITIONAL = str.maketrans("开请数规处书关诉讼议结转计总决务属国内资现无确认获费补缴纳额许罚强发废维纠审项条业构组织体类过报举当办对执询没后个",
                             "開請數規處書關訴訟議結轉計總決務屬國內資現無確認獲費補繳納額許罰強發廢維糾審項條業構組織體類過報舉當辦對執詢沒後個")  # fmt: skip


def traditional(text: str) -> str:
    """The same report as a mirror site serves it, in traditional characters."""
    return text.translate(_TRADITIONAL)
