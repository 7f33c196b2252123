"""Word segmentation of section bodies for full-text search (jieba-compatible, with a domain dictionary).

The engine is rjieba (jieba-rs): on this machine it produced the same tokens as jieba on
the corpus at ~35× the speed (see tests/benchmarks/bench_segment.py), so segmentation is not
the bottleneck of a run. `REPORTS_SEGMENTER = "jieba"` switches to the reference engine.

Tokens are produced in jieba's search mode (`cut_for_search`): a compound such as
政府信息公开 is emitted as a whole *and* as its parts (政府 / 信息 / 公开), so FTS5 finds a
section by the compound and by each word in it.
"""

from __future__ import annotations

import re
from importlib.resources.abc import Traversable

from data import resource

USER_DICT = resource("jieba_userdict.txt")
ENGINES = ("rjieba", "jieba")
_WORDLIKE = re.compile(r"\w")  # drop punctuation-only tokens: FTS would ignore them anyway


class Segmenter:
    def __init__(self, engine: str = "rjieba", user_dict: Traversable = USER_DICT) -> None:
        if engine not in ENGINES:
            raise ValueError(f"unknown segmenter {engine!r}; choose one of {', '.join(ENGINES)}")
        self.engine = engine
        words = _read_user_dict(user_dict)
        if engine == "rjieba":
            import rjieba

            self._impl = rjieba.Jieba()
            for word, freq, tag in words:
                self._impl.add_word(word, freq, tag)
            self._cut = lambda text: self._impl.cut_for_search(text, True)
        else:
            import jieba

            self._impl = jieba.Tokenizer()
            self._impl.initialize()
            for word, freq, tag in words:
                self._impl.add_word(word, freq, tag)
            self._cut = lambda text: self._impl.cut_for_search(text, HMM=True)

    def tokens(self, text: str) -> list[str]:
        return [token for token in self._cut(text) if token.isalnum() or _WORDLIKE.search(token)]

    def segment(self, text: str) -> str:
        """Tokens joined by single spaces (the `sections.tokens` column)."""
        return " ".join(self.tokens(text))


def _read_user_dict(path: Traversable) -> list[tuple[str, int, str | None]]:
    words = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if parts and not line.startswith("#"):
            freq = int(parts[1]) if len(parts) > 1 and re.fullmatch(r"\d+", parts[1]) else 20000
            words.append((parts[0], freq, parts[2] if len(parts) > 2 else None))
    return words
