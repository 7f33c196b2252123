"""Word automatic list numbering, rendered as the text Word shows (「一、」 「（二）」 「3.」).

Report headings are often typed as 「总体情况」 with 「一、」 coming from `numbering.xml`; without the number
the section splitter (which looks for 一、…六、) would find nothing. Numbering comes from a paragraph's own
`w:numPr` or from its paragraph style (following `basedOn`). Counters run through the document in reading
order (body and table cells alike), as Word counts them. Bullets render as nothing.
"""

from __future__ import annotations

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}
_VAL = f"{{{W}}}val"
_DIGITS = "零一二三四五六七八九"
_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_STEMS = "甲乙丙丁戊己庚辛壬癸"


def _chinese(number: int, digits: str = _DIGITS, ten: str = "十") -> str:
    if not 0 < number < 100:
        return str(number)
    tens, units = divmod(number, 10)
    if not tens:
        return digits[units]
    return (digits[tens] if tens > 1 else "") + ten + (digits[units] if units else "")


def _letters(number: int) -> str:
    return chr(ord("a") + (number - 1) % 26) * ((number - 1) // 26 + 1)


def _roman(number: int) -> str:
    out = ""
    for value, symbol in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l")):
        count, number = divmod(number, value)
        out += symbol * count
    for value, symbol in ((40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        count, number = divmod(number, value)
        out += symbol * count
    return out


def format_number(number: int, fmt: str) -> str:
    formats = {
        "decimal": str,
        "decimalZero": lambda n: f"{n:02d}",
        "decimalFullWidth": lambda n: "".join(chr(ord(d) + 0xFEE0) for d in str(n)),
        "chineseCounting": _chinese,
        "chineseCountingThousand": _chinese,
        "japaneseCounting": _chinese,
        "ideographDigital": lambda n: "".join(_DIGITS[int(d)] for d in str(n)),
        "chineseLegalSimplified": lambda n: _chinese(n, _LEGAL, "拾"),
        "ideographTraditional": lambda n: _STEMS[(n - 1) % 10],
        "decimalEnclosedCircle": lambda n: chr(0x2460 + n - 1) if 0 < n <= 20 else str(n),
        "lowerLetter": _letters,
        "upperLetter": lambda n: _letters(n).upper(),
        "lowerRoman": _roman,
        "upperRoman": lambda n: _roman(n).upper(),
    }
    return formats.get(fmt, str)(number)


def as_int(value: str | None, default: int) -> int:
    """An integer attribute, or `default` when it is missing or not a number."""
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


class ListNumbering:
    """Stateful renderer: call `label(paragraph)` for every paragraph in reading order."""

    def __init__(self, numbering: etree._Element | None, styles: etree._Element | None) -> None:
        self.levels: dict[str, dict[int, tuple[int, str, str]]] = {}  # abstractNumId → ilvl → (start, fmt, text)
        self.nums: dict[str, str] = {}  # numId → abstractNumId
        self.style_numbers: dict[str, tuple[str | None, int | None]] = {}
        self.style_parent: dict[str, str] = {}
        self.counters: dict[str, dict[int, int]] = {}
        if numbering is not None:
            self._read_numbering(numbering)
        if styles is not None:
            self._read_styles(styles)

    def _read_numbering(self, root: etree._Element) -> None:
        for abstract in root.findall("w:abstractNum", NS):
            levels = self.levels.setdefault(abstract.get(f"{{{W}}}abstractNumId", ""), {})
            for level in abstract.findall("w:lvl", NS):
                levels[as_int(level.get(f"{{{W}}}ilvl"), 0)] = (
                    as_int(_child_val(level, "w:start"), 1),
                    _child_val(level, "w:numFmt") or "decimal",
                    _child_val(level, "w:lvlText") or "",
                )
        for num in root.findall("w:num", NS):
            abstract = num.find("w:abstractNumId", NS)
            if abstract is not None:
                self.nums[num.get(f"{{{W}}}numId", "")] = abstract.get(_VAL, "")

    def _read_styles(self, root: etree._Element) -> None:
        for style in root.findall("w:style", NS):
            style_id = style.get(f"{{{W}}}styleId", "")
            based = style.find("w:basedOn", NS)
            if based is not None:
                self.style_parent[style_id] = based.get(_VAL, "")
            num_pr = style.find("w:pPr/w:numPr", NS)
            if num_pr is not None:
                self.style_numbers[style_id] = _num_pr(num_pr)

    def _style_number(self, style_id: str | None) -> tuple[str | None, int | None]:
        num_id: str | None = None
        level: int | None = None
        for _ in range(10):  # basedOn chains are short; a cycle must not hang us
            if style_id is None:
                break
            own_id, own_level = self.style_numbers.get(style_id, (None, None))
            num_id = num_id if num_id is not None else own_id
            level = level if level is not None else own_level
            style_id = self.style_parent.get(style_id)
        return num_id, level

    def label(self, paragraph: etree._Element) -> str:
        num_id, level = _num_pr(paragraph.find("w:pPr/w:numPr", NS))
        style = paragraph.find("w:pPr/w:pStyle", NS)
        if num_id is None or level is None:
            style_id, style_level = self._style_number(style.get(_VAL) if style is not None else None)
            num_id = num_id if num_id is not None else style_id
            level = level if level is not None else style_level
        abstract = self.nums.get(num_id or "")
        if abstract is None or abstract not in self.levels:
            return ""  # numId 0 or unknown: numbering switched off
        return self._advance(abstract, level or 0)

    def _advance(self, abstract: str, level: int) -> str:
        levels, counters = self.levels[abstract], self.counters.setdefault(abstract, {})
        start, fmt, text = levels.get(level, (1, "decimal", ""))
        counters[level] = counters[level] + 1 if level in counters else start
        for deeper in [key for key in counters if key > level]:
            del counters[deeper]
        if fmt in ("bullet", "none"):
            return "" if fmt == "bullet" else text
        for index in range(9):
            if f"%{index + 1}" in text:
                lvl_start, lvl_fmt, _ = levels.get(index, (1, "decimal", ""))
                text = text.replace(f"%{index + 1}", format_number(counters.get(index, lvl_start), lvl_fmt))
        return text


def _child_val(element: etree._Element, path: str) -> str | None:
    child = element.find(path, NS)
    return None if child is None else child.get(_VAL)


def _num_pr(num_pr: etree._Element | None) -> tuple[str | None, int | None]:
    if num_pr is None:
        return None, None
    num_id = num_pr.find("w:numId", NS)
    level = num_pr.find("w:ilvl", NS)
    return (
        num_id.get(_VAL) if num_id is not None else None,
        as_int(level.get(_VAL), 0) if level is not None else None,
    )
