"""Compliance with the mandated form: which parts of a report are missing, out of order or misnumbered.

Evaluators rank agencies by how well reports follow the national format (国办公开办函〔2019〕60号 and
〔2021〕30号, ../shared/spec/template.md), not only by their numbers. `compliance_checks` is a pure
function of what parsing found; its checks are soft (they never change `quality`, which is about the
numbers) and their rules all start with `form.`, so they are a kind of their own in `checks`:

- `form.section` (scope 1…6): the section is present;
- `form.order` (scope `sections`): the six headings appear in the mandated order;
- `form.numbering` (scope 1…6): a present section carries its own numeral (「五、」 for 问题/改进);
- `form.heading` (scope 1…6): the heading has the statutory wording (whitespace and 、/. aside);
- `form.table` (scope: table name): the statistical table is present, printed in its section
  (二 active_disclosure, 三 applications, 四 review_litigation);
- `form.fee_statement` (scope 6, reports from 2021 on): section 六 states how 信息处理费 were
  charged (the 2021 format asks for it, after 国办函〔2020〕109号).

Reports before 2019 (or with pre-2019 indicator tables) had no mandated form: no checks.
"""

from __future__ import annotations

import re

from pipelines.sections import NUMERALS, TOPICS, Section
from pipelines.tables.labels import AD_START, APP_START, RL_START, normalize
from pipelines.tables.model import Check, TableExtraction

STATUTORY_HEADINGS = {
    1: "一、总体情况",
    2: "二、主动公开政府信息情况",
    3: "三、收到和处理政府信息公开申请情况",
    4: "四、政府信息公开行政复议、行政诉讼情况",
    5: "五、存在的主要问题及改进情况",
    6: "六、其他需要报告的事项",
}
TOPIC_NAMES = {1: "总体情况", 2: "主动公开", 3: "依申请公开", 4: "复议诉讼", 5: "问题改进", 6: "其他事项"}
# (table, section it belongs to, where its printed header starts)
TABLE_PLACES = (("active_disclosure", 2, AD_START), ("applications", 3, APP_START), ("review_litigation", 4, RL_START))
FEE_WORDS = re.compile(r"信息处理费|处理费")
_HEADING_LINE = re.compile(r"(?:^|\n)[ \t\u3000]*([一二三四五六七八九十])\s*[、.．]\s*([^\n]{2,40})")
_NUMBERING_MARK = re.compile(r"^([一二三四五六七八九十])\s*[、.．,，]\s*")


def compliance_checks(sections: list[Section], tables: TableExtraction, text: str, year: int | None) -> list[Check]:
    template = tables.template
    if template == "pre2019" or (year is not None and year < 2019):
        return []
    by_number = {section.number: section for section in sections}
    headings = {number for number, _ in heading_lines(text)}
    checks = [section_check(number, by_number, headings) for number in range(1, 7)]
    checks.append(order_check(sections, text))
    for section in sections:
        checks += [numbering_check(section), heading_check(section)]
    checks += table_checks(sections, tables.tables_found, text)
    if (year is None and template == "v2021") or (year is not None and year >= 2021):
        checks.append(fee_statement_check(sections))
    return checks


def _check(rule: str, scope: str, passed: bool, detail: str) -> Check:
    return Check(f"form.{rule}", scope, passed, detail, hard=False)


def section_check(number: int, by_number: dict[int, Section], headings: set[int]) -> Check:
    """Present: split out as a section, or (out of order, which `form.order` reports) a heading line."""
    expected = STATUTORY_HEADINGS[number]
    if number in by_number:
        return _check("section", str(number), True, f"「{by_number[number].heading}」")
    if number in headings:
        return _check("section", str(number), True, "present, out of order (see form.order)")
    return _check(
        "section",
        str(number),
        False,
        f"section {NUMERALS[number - 1]} ({TOPIC_NAMES[number]}) not found; the form asks for 「{expected}」",
    )


def order_check(sections: list[Section], text: str) -> Check:
    """The order of every section heading line in the text (a section the splitter dropped because it came
    out of order is still a heading line on its own)."""
    found = [number for number, _ in heading_lines(text)]
    firsts = list(dict.fromkeys(found))  # each topic where it first appears
    if not firsts:
        firsts = [section.number for section in sections]
    in_order = firsts == sorted(firsts)
    order = " ".join(NUMERALS[n - 1] + TOPIC_NAMES[n] for n in firsts)
    return _check("order", "sections", in_order, f"headings in the order {order}" if order else "no section headings")


def heading_lines(text: str) -> list[tuple[int, int]]:
    """(topic, offset) of lines that are a section heading: numeral, 、, and the topic's statutory phrase
    (the strict form, so that table rows such as 「三、本年度办理结果」 do not count)."""
    out = []
    for match in _HEADING_LINE.finditer(text):
        heading = match.group(2)
        for topic, (_, phrase) in TOPICS.items():
            if re.search(phrase, heading) and (topic != 3 or not re.search(TOPICS[4][0], heading)):
                out.append((topic, match.start(1)))
                break
    return out


def numbering_check(section: Section) -> Check:
    expected = NUMERALS[section.number - 1]
    mark = _NUMBERING_MARK.match(section.heading)
    numeral = mark.group(1) if mark else None
    passed = numeral == expected
    detail = f"「{section.heading}」 is numbered {numeral or 'without a numeral'}" + (
        "" if passed else f"; the form numbers it {expected}"
    )
    return _check("numbering", str(section.number), passed, detail)


def _wording(heading: str) -> str:
    """The heading without its numbering and whitespace (numbering is `form.numbering`'s business)."""
    return _NUMBERING_MARK.sub("", re.sub(r"\s+", "", normalize(heading)))


def heading_check(section: Section) -> Check:
    expected = STATUTORY_HEADINGS[section.number]
    passed = _wording(section.heading) == _wording(expected)
    detail = f"「{section.heading}」" + ("" if passed else f" differs from the statutory 「{expected}」")
    return _check("heading", str(section.number), passed, detail)


def table_checks(sections: list[Section], tables_found: set[str], text: str) -> list[Check]:
    """A found table is in place when its header (e.g. 「结果维持」) occurs in its section; the same words in
    another section's sentences («按照第二十条…») do not move it."""
    plain = normalize(text)  # same length as text: offsets stay valid
    checks = []
    for table, number, start in TABLE_PLACES:
        home = NUMERALS[number - 1]
        if table not in tables_found:
            checks.append(_check("table", table, False, f"not found (the form puts it in section {home})"))
            continue
        places = [section_at(sections, match.start()) for match in start.finditer(plain)]
        if number in places or not places or not any(places):
            checks.append(_check("table", table, True, f"in section {home}"))
        else:
            where = NUMERALS[next(p for p in places if p) - 1]
            detail = f"printed in section {where}; the form puts it in section {home}"
            checks.append(_check("table", table, False, detail))
    return checks


def section_at(sections: list[Section], offset: int) -> int | None:
    """Number of the section whose text holds `offset` (None before the first heading)."""
    current = None
    for section in sections:
        if section.start <= offset:
            current = section.number
    return current


def fee_statement_check(sections: list[Section]) -> Check:
    by_number = {section.number: section for section in sections}
    if 6 in by_number and FEE_WORDS.search(by_number[6].body):
        sentence = _sentence_around(by_number[6].body, FEE_WORDS.search(by_number[6].body).start())
        return _check("fee_statement", "6", True, f"「{sentence}」")
    elsewhere = [s.number for s in sections if s.number != 6 and FEE_WORDS.search(s.body)]
    if elsewhere:
        detail = f"信息处理费 mentioned in section {NUMERALS[elsewhere[0] - 1]}, not in section 六 where the form asks for it"
    else:
        detail = "no statement on 信息处理费 (the 2021 form asks for one in section 六)"
    return _check("fee_statement", "6", False, detail)


def _sentence_around(text: str, offset: int) -> str:
    start = max(text.rfind("。", 0, offset) + 1, 0)
    end = text.find("。", offset)
    return text[start : end + 1 if end >= 0 else len(text)].strip()[:80]
