"""Text normalisation and the label patterns (aliases and keywords) that anchor table rows in text.

Patterns tolerate whitespace/line breaks between characters, traditional characters (mapped to
simplified by `normalize`), an ordinal prefix (「2.」, 「（七）」, 「四、」) and known typos.
"""

from __future__ import annotations

import re
from functools import cache

from pipelines.chars import translator

# Traditional → simplified for the characters that occur in the template's labels (1:1, keeps offsets).
_TRAD = (
    "開請數規處書機關訴訟議複覆結轉計總決與務為屬國祕險權內資製現無確認獲費補繳納額許"
    "罰強徵發廢維糾審項條業構組織體營據單萬類過報舉訪當辦應對會團執詢沒後個區縣網傳統"
    "問題進況號級並於則"
)
_SIMP = (
    "开请数规处书机关诉讼议复复结转计总决与务为属国秘险权内资制现无确认获费补缴纳额许"
    "罚强征发废维纠审项条业构组织体营据单万类过报举访当办应对会团执询没后个区县网传统"
    "问题进况号级并于则"
)
_FULLWIDTH = "０１２３４５６７８９．－＋／｜：\xa0"
_ASCII = "0123456789.-+/|: "
_TABLE = str.maketrans(_TRAD + _FULLWIDTH, _SIMP + _ASCII)
_translate = translator(_TABLE)  # = str.translate(_TABLE), ~10× faster on report text


def normalize(text: str) -> str:
    """Map traditional characters and full-width digits/signs to their plain forms; `&nbsp;` to a space."""
    return _translate(text).replace("&nbsp;", " ").replace("\r\n", "\n").replace("\r", "\n")


ORDINAL = r"(?:\d\s*[.、]\s*|[（(]\s*[一二三四五六七八九十]\s*[)）]\s*|[一二三四五六七八九十]\s*[、.]\s*)?"


def loose(word: str) -> str:
    """Regex for `word` allowing whitespace between characters; `…` stands for a short gap of non-digits."""
    parts = []
    for ch in word:
        parts.append(r"[^\d|\t]{0,12}?" if ch == "…" else re.escape(ch))
    return r"\s*".join(parts)


@cache
def pattern(*aliases: str, ordinal: bool = True) -> re.Pattern[str]:
    body = "|".join(loose(a) for a in aliases)
    return re.compile((ORDINAL if ordinal else "") + f"(?:{body})")


# Row aliases. The first alias is the official wording's most distinctive part; later ones catch variants.
APP_ALIASES: dict[str, tuple[str, ...]] = {
    "new_received": ("本年新收", "新收…申请"),
    "carried_over": ("上年结转",),
    "granted": ("予以公开",),
    "partially_granted": ("部分公开",),
    "denied_state_secret": ("国家秘密",),
    "denied_law_prohibited": ("其他法律", "法规禁止", "行政止公开", "禁止公开"),
    "denied_security_stability": ("三安全", "一稳定"),
    "denied_third_party": ("第三方",),
    "denied_internal_affairs": ("内部事务",),
    "denied_process_info": ("过程性",),
    "denied_enforcement_file": ("执法案卷",),
    "denied_admin_inquiry": ("行政查询", "查询事项"),
    "unable_not_held": ("本机关不掌握", "不掌握"),
    "unable_need_creation": ("没有现成", "另行制作"),
    "unable_unclear": ("补正后", "仍不明确"),
    "not_processed_complaint": ("信访", "举报投诉"),
    "not_processed_duplicate": ("重复申请",),
    "not_processed_publication": ("出版物",),
    "not_processed_excessive": ("大量反复", "无正当理由大量"),
    "not_processed_reconfirm": ("重新出具", "确认或重新"),
    "other_no_correction": ("逾期不补正",),
    "other_fee_unpaid": ("缴纳费用", "收费通知"),
    "other_total": ("其他处理",),
    "results_total": ("总计",),
    "carried_forward": ("结转下年", "下年度继续"),
}
OTHER_MISC = re.compile(r"3\s*[.、]\s*其\s*他")

AD_ALIASES: dict[str, tuple[str, ...]] = {
    "regulations": ("规章",),
    "normative_docs": ("规范性文件",),
    "admin_licensing": ("行政许可",),
    "other_admin_services": ("对外管理服务", "其他对外管理"),
    "admin_penalty": ("行政处罚",),
    "admin_coercion": ("行政强制",),
    "admin_fees": ("事业性收费",),
    "gov_central_procurement": ("集中采购",),
}


def row_pattern(key: str) -> re.Pattern[str]:
    if key == "other_misc":
        return OTHER_MISC
    aliases = APP_ALIASES.get(key) or AD_ALIASES[key]
    return pattern(*aliases)


# Table anchors and section headings.
AD_START = re.compile(r"第\s*二\s*十\s*条|信\s*息\s*内\s*容|本年\s*(?:度)?\s*(?:制发|新制作)")
AD_V2021_HINTS = re.compile(r"制发件数|废止件数|度止件数|现行有效|本年处理决定|决定处理数量|收费金额")
AD_V2019_HINTS = re.compile(
    r"新制作数量|新公开数量|公开数量|对外公开总数|上一年项目|增\s*/\s*减|集中采购|采购项目|第二十条第[（(]九"
)
APP_START = re.compile(r"勾\s*稽\s*关\s*系|申\s*请\s*人\s*情\s*况|" + loose("本年新收"))
SECTION3 = re.compile(r"三\s*[、.]\s*收\s*到\s*和\s*处\s*理")
SECTION4 = re.compile(r"四\s*[、.](?!\s*结\s*转)[^\n\d]{0,24}?(?:复\s*议|诉\s*讼)")
RL_START = re.compile(r"结\s*果\s*维\s*持|尚\s*未\s*审\s*结|行\s*政\s*复\s*议\s*[|\t\n\u3000 ]*行\s*政\s*诉\s*讼")
SECTION5 = re.compile(r"五\s*[、.][^\n]{0,12}?(?:问\s*题|改\s*进)|存在的主要问题|六\s*[、.]\s*其他需要报告")
FEE_UNIT = re.compile(r"收费金额[^\n|\t]{0,6}?[（(]\s*(?:单位\s*[:：]\s*)?(万元|元)")
AMOUNT_UNIT = re.compile(r"采购总金额[^\n|\t]{0,6}?[（(]\s*(?:单位\s*[:：]\s*)?(万元|元)")
# A pre-2019 statistics table's header: «统计指标 | 单位 | 统计数», «指标名称 | 计量单位 | …», «指标 | 单位 | 数量»,
# «项目 | 单位 | 数量» (the header words in one row, whatever separates them).
_SEP = r"[\s|\t]*"
PRE2019_HINTS = re.compile(
    r"统\s*计\s*指\s*标|指\s*标\s*名\s*称|(?:指\s*标|项\s*目)"
    + _SEP
    + r"(?:计\s*量\s*)?单\s*位"
    + _SEP
    + r"(?:数\s*量|统\s*计\s*数|数\s*值|本\s*年|年\s*度)"
)
