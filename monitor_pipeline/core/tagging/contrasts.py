"""Contrastive statements that deny a layoff to one company and give it to another.

"Ce n'est pas X mais Y qui supprimera 300 postes", "C'est Y, et non X, qui …", "Les 120 suppressions
ne concernent pas X mais son fournisseur Y", "Ni X ni Y ne licencient": the negation belongs to X
(and the layoff, with its number, to Y). A parser reads the negation on the cleft's copula or on
"concerner" as the trigger's, and gives Y a negated mention; these patterns split the two.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Contrast", "find_contrast"]

_UPPER = "A-ZÀ-ÖØ-Þ"
_NAME = rf"(?-i:[{_UPPER}][\w&'+.-]*(?:\s+[{_UPPER}][\w&'+.-]*){{0,2}})"
_DET = r"(?:l'|le\s+|la\s+|les\s+)?"
#: "son fournisseur", "sa filiale", "leur concurrent" before the name that takes the layoff
_RELATION = r"(?:(?:son|sa|ses|leur|leurs)\s+[\w-]+(?:\s+[a-zà-ÿ-]+)?\s+)?"

_CLEFT_NOT_BUT = re.compile(
    rf"\bce\s+n'est\s+pas\s+{_DET}(?P<neg>{_NAME})\s*,?\s+mais\s+{_RELATION}{_DET}(?P<pos>{_NAME})\s*,?\s+qui\b", re.IGNORECASE)
_CLEFT_AND_NOT = re.compile(
    rf"\bc'est\s+(?:bien\s+|finalement\s+|donc\s+)?(?:chez\s+)?{_RELATION}{_DET}(?P<pos>{_NAME})\s*,?\s*et\s+(?:non|pas)\s+"
    rf"(?:pas\s+)?(?:chez\s+)?{_RELATION}{_DET}(?P<neg>{_NAME})"
    # ("…, et non SFR comme l'avaient affirmé plusieurs syndicats, qui …")
    rf"(?:\s+comme\s+[^,;:.]{{1,60}})?\s*,?\s*qu(?:i\b|e\b|')", re.IGNORECASE)
_CONCERN_NOT_BUT = re.compile(
    rf"\bne\s+(?:concern|touch|vis|affect|frapp)\w*\s+pas\s+{_DET}(?P<neg>{_NAME})\s*,?\s+mais\s+{_RELATION}{_DET}(?P<pos>{_NAME})",
    re.IGNORECASE)
_NEITHER_NOR = re.compile(rf"\bni\s+{_DET}(?P<neg>{_NAME})\s*,?\s+ni\s+{_DET}(?P<neg2>{_NAME})\s+(?:ne|n')", re.IGNORECASE)


#: "ni X ni Y ne licencient, mais Z prépare …": the contrast ends with its clause
_CLAUSE_BREAK = re.compile(r",\s*(?:mais|tandis|alors)\b|;")


@dataclass(frozen=True)
class Contrast:
    """Sentence-relative spans: the names denied the layoff, the one that takes it (or None)."""

    negated: tuple[tuple[int, int], ...]
    positive: tuple[int, int] | None
    start: int
    end: int


def find_contrast(sentence: str, trig_start: int, trig_end: int) -> Contrast | None:
    """The contrast that frames the trigger at ``[trig_start, trig_end)``: the trigger follows
    the cleft or "ni … ni … ne" closely, or precedes "ne concernent pas X mais Y" closely."""
    for pattern in (_CLEFT_NOT_BUT, _CLEFT_AND_NOT, _NEITHER_NOR):
        for m in pattern.finditer(sentence, 0, trig_start + 1):
            if m.end() <= trig_start and trig_start - m.end() <= 40 and not _CLAUSE_BREAK.search(sentence, m.end(), trig_start):
                return _contrast(m)
    m = _CONCERN_NOT_BUT.search(sentence, trig_end)
    if m and m.start() - trig_end <= 40:
        return _contrast(m)
    return None


def _contrast(m: re.Match[str]) -> Contrast:
    groups = m.groupdict()
    negated = tuple(m.span(g) for g in ("neg", "neg2") if groups.get(g))
    return Contrast(negated, m.span("pos") if groups.get("pos") else None, m.start(), m.end())
