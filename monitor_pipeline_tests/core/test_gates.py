"""Regex gates: case folding, required literals, case-sensitive twins (they must never skip a match)."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml

from monitor_pipeline.core.tagging.gates import FOLDABLE, case_sensitive_twin, fold_case, may_match, required_literals
from monitor_pipeline.core.tagging.layoffs import LayoffLexicon

ALL_CHARS = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
LEXICON = LayoffLexicon.load()
EVAL_DIR = Path(__file__).resolve().parents[2] / "eval"


def lexicon_patterns() -> list[re.Pattern[str]]:
    patterns = [LEXICON.prefilter, *LEXICON.triggers.values(), *LEXICON.non_triggers]
    return patterns + [p for cues in LEXICON.cues.values() for p in cues]


def sample_sentences() -> list[str]:
    """Gold passages and their variants that stress case folding (upper case, dotted I, long s)."""
    texts = []
    for name in ("gold_dev.yaml", "gold_test.yaml"):
        texts += [item["text"] for item in yaml.safe_load((EVAL_DIR / name).read_text(encoding="utf-8"))]
    variants = [t.upper() for t in texts] + [t.replace("i", "\u0130").replace("s", "\u017f") for t in texts]
    return texts + variants + [t.swapcase() for t in texts]


def test_fold_case_keeps_length_of_every_character() -> None:
    assert len(fold_case(ALL_CHARS)) == len(ALL_CHARS)
    assert all(len(fold_case(c)) == 1 for c in "\u0130\u0131\u017f\u212aÉŒẞ")


def test_fold_case_matches_exactly_what_ignorecase_matches() -> None:
    folded = fold_case(ALL_CHARS)
    by_fold: dict[str, set[str]] = {}
    for char, fold in zip(ALL_CHARS, folded):
        if fold in FOLDABLE:
            by_fold.setdefault(fold, set()).add(char)
    for literal in FOLDABLE:
        assert set(re.findall(re.escape(literal), ALL_CHARS, re.IGNORECASE)) == by_fold[literal], literal


@pytest.mark.parametrize("category", [r"\s", r"\w", r"\d", r"\b"])
def test_fold_case_keeps_character_categories(category: str) -> None:
    # twins of case-insensitive patterns may use \s (and \w, \d, \b are checked for safety)
    folded = fold_case(ALL_CHARS)
    spans = [m.span() for m in re.finditer(category, ALL_CHARS)]
    assert spans == [m.span() for m in re.finditer(category, folded)]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (re.compile(r"\blicenciements?\b", re.I), ("licenc",)),
        (re.compile(r"\bplans?\s+sociaux?\b|\bplans?\s+social\b", re.I), ("social", "sociau")),
        (re.compile(r"\bPSE\b"), ("PSE",)),  # case-sensitive: kept as written
        (re.compile(r"\bÉTÉ\b", re.I), ("été",)),
        (re.compile(r"\b(?:a|ont)\s+(?:\w+\s+)?(?:mené|bouclé)\b", re.I), ("bouclé", "mené")),
        (re.compile(r"\bsyndicats?\b.{0,40}\b(?:refus|rejet)\w*", re.I), ("syndic",)),
    ],
)
def test_required_literals(pattern: re.Pattern[str], expected: tuple[str, ...]) -> None:
    assert required_literals(pattern) == expected


@pytest.mark.parametrize(
    "pattern",
    [
        re.compile(r"\w+\s+\d+", re.I),  # nothing literal
        re.compile(r"\bn\s", re.I),  # too short to gate anything
        re.compile(r"cd|x", re.I),  # an alternative without a useful literal
        re.compile(r"(?-i:Ab)", re.I),  # scoped flags are not analysed
        re.compile("σοσ", re.I),  # Greek: Σ, σ and ς match each other, not FOLDABLE
    ],
)
def test_no_literals(pattern: re.Pattern[str]) -> None:
    assert required_literals(pattern) is None


def test_gates_never_skip_a_match_of_the_lexicon() -> None:
    sentences = sample_sentences()
    for pattern in lexicon_patterns():
        for sentence in sentences:
            if pattern.search(sentence):
                assert may_match(pattern, sentence, fold_case(sentence)), (pattern.pattern, sentence)


def test_lexicon_patterns_mostly_have_gates() -> None:
    gated = [p for p in lexicon_patterns() if required_literals(p) is not None]
    assert len(gated) >= 0.9 * len(lexicon_patterns())


def test_prefilter_twin_finds_the_same_spans() -> None:
    twin = case_sensitive_twin(LEXICON.prefilter)
    assert twin is not None and not twin.flags & re.IGNORECASE
    for sentence in sample_sentences():
        expected = [m.span() for m in LEXICON.prefilter.finditer(sentence)]
        assert [m.span() for m in twin.finditer(fold_case(sentence))] == expected


@pytest.mark.parametrize("source", [r"\bplan\b", r"[a-z]+", r"Plan|social", r"(?P<x>plan)", r"plan\d"])
def test_no_twin_outside_the_safe_syntax(source: str) -> None:
    assert case_sensitive_twin(re.compile(source, re.I)) is None


def test_no_twin_for_a_case_sensitive_pattern() -> None:
    assert case_sensitive_twin(re.compile("plan|social")) is None
