"""Character-mapping helpers shared by the converters and the table extractor."""

from __future__ import annotations

import re
from collections.abc import Callable


def translator(table: dict[int, int | str | None]) -> Callable[[str], str]:
    """A function equivalent to `str.translate(table)` for a `str.maketrans`-style table.

    `str.translate` with a dict looks every character up one by one (~0.1 µs each: 0.3–0.4 ms for a
    3,000-character report); the mapped characters are rare, so a regex that visits only them and
    substitutes from a dict is 10–15× faster on report text, with the same result.
    """
    mapping = {chr(key): "" if value is None else value if isinstance(value, str) else chr(value)
               for key, value in table.items()}  # fmt: skip
    if not mapping:
        return lambda text: text
    pattern = re.compile("[" + "".join(re.escape(ch) for ch in mapping) + "]")

    def translate(text: str) -> str:
        return pattern.sub(lambda match: mapping[match.group()], text)

    return translate
