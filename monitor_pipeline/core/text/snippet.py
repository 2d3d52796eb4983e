"""Search snippets: the sentence of an article that best shows why it matched (pure Python).

Words are compared the way the full-text index compares them: lower-cased, accents folded, and a
word matches a query stem when it starts with it (the French Snowball stem of "départs" is "depart").
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower case without accents: "Départs" -> "departs"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _matched_stems(sentence: str, stems: Iterable[str]) -> set[str]:
    words = [fold(w) for w in _WORD.findall(sentence)]
    return {s for s in stems if any(w.startswith(s) for w in words)}


def best_snippet(text: str | None, stems: Iterable[str], width: int = 240) -> str:
    """The sentence matching the most distinct stems (the earliest on ties), cut to about ``width``
    characters around its first match; the text's beginning when nothing matches."""
    text = _SPACES.sub(" ", text or "").strip()
    if not text:
        return ""
    stems = [s for s in dict.fromkeys(stems) if s]
    sentences = _SENTENCE_END.split(text)
    best, best_count = sentences[0], 0
    for sentence in sentences:
        count = len(_matched_stems(sentence, stems))
        if count > best_count:
            best, best_count = sentence, count
    if len(best) <= width:
        return best
    first = next((m.start() for m in _WORD.finditer(best)
                  if any(fold(m.group()).startswith(s) for s in stems)), 0)
    start = max(0, first - width // 3)
    if start:
        start = best.find(" ", start) + 1 or start
    end = min(len(best), start + width)
    if end < len(best):
        end = best.rfind(" ", start, end) if best.rfind(" ", start, end) > start else end
    return ("…" if start else "") + best[start:end].strip() + ("…" if end < len(best) else "")
