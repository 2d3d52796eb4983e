"""Wording that marks a NEW wave of layoffs (not a revision of the current one).

French business press announces a second round with a small set of recurring turns: a
"new"/"second"/"third" wave, round, plan or PSE, cuts that are "supplementary" or "come on
top of" an earlier plan, a company that cuts "again". A revised figure for the SAME plan
("revu à la hausse", "porté à", "relève") is deliberately absent: a materially different
headcount without one of these markers is an update of the event, not a new one.

``WAVE_MARKERS`` is data: one ``(name, pattern)`` per marker. Patterns are matched against
the folded sentence (lower case, accents removed, typographic apostrophes made plain), so
they are written without accents. Add a marker here, with a test sentence in
``monitor_pipeline_tests/core/test_events.py``; nothing else needs to change.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

__all__ = ["WAVE_MARKERS", "fold_text", "wave_markers_in", "compile_wave_markers"]

_ORDINAL = r"(?:seconde?|2nde?|deuxieme|troisieme|quatrieme|cinquieme|[2-9]e|[2-9]eme)"
_ROUND = r"(?:vagues?|salves?|plans?|pse|trains?|series?|volets?|rounds?)"
_CUT = r"(?:postes?|emplois?|suppressions?|licenciements?|departs?|salaries?|personnes?|coupes?)"

WAVE_MARKERS: tuple[tuple[str, str], ...] = (
    ("nouvelle vague", r"\bnouvelles? (?:vagues?|salves?|series?|charrettes?)\b"),
    ("vague ordinale", rf"\b{_ORDINAL} {_ROUND}\b"),
    ("nouveau plan", r"\bnouveaux? (?:plans?|pse|trains?|rounds?|licenciements|departs)\b"),
    ("nouvelles suppressions", r"\bnouvelles? (?:suppressions?|reductions?|coupes?)\b"),
    ("supplémentaires", rf"\b{_CUT}(?: \w+){{0,3}} supplementaires?\b"),
    ("chiffre supplémentaire", r"\d(?:[\d .]*\d)? supplementaires?\b"),
    ("à nouveau", r"(?:^|\W)a nouveau\b"),
    ("de nouveau", r"\bde nouveau\b"),
    ("s'ajoutent", r"\b(?:viennent|vient|venant) s'ajouter\b|\bs'ajout(?:e|ent|ant) (?:a|aux)\b"),
    ("après un premier plan", rf"\bapres (?:un|une|le|la) premier(?:e)? {_ROUND}\b"),
)


def fold_text(text: str) -> str:
    """Lower case, accents removed, ’ → ', runs of whitespace (incl. NBSP) → one space."""
    text = text.replace("\u2019", "'").replace("\u02bc", "'")
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", stripped.lower())


def compile_wave_markers(markers: Sequence[tuple[str, str]]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Compile ``(name, pattern)`` pairs; a bad pattern raises ``ValueError`` naming the marker."""
    compiled: list[tuple[str, re.Pattern[str]]] = []
    for name, pattern in markers:
        try:
            compiled.append((name, re.compile(pattern)))
        except re.error as exc:
            raise ValueError(f"wave marker {name!r}: invalid pattern: {exc}") from None
    return tuple(compiled)


_DEFAULT_COMPILED = compile_wave_markers(WAVE_MARKERS)


def wave_markers_in(
    sentence: str, markers: Sequence[tuple[str, re.Pattern[str]]] = _DEFAULT_COMPILED
) -> tuple[str, ...]:
    """Names of the new-wave markers found in ``sentence`` (empty: no new wave)."""
    folded = fold_text(sentence or "")
    return tuple(name for name, pattern in markers if pattern.search(folded))
