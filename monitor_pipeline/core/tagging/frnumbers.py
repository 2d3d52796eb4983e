"""Parsing of French-written numbers: digit groups, decimal commas, spelled-out words, fractions.

``parse_french_number`` turns one number expression into a float, or ``None`` when the text is
not a number. It understands:

* digit groups separated by any space (U+0020, U+00A0, U+202F, U+2009) or by dots
  ("3 500", "5.167", "1.234.567"), decimal commas ("1,7") and English decimal dots ("1.5");
* a trailing scale word or abbreviation ("1,7 milliard", "3 millions", "10 k", "500 M", "2 Mds");
* spelled-out numbers ("deux", "quatre-vingt-dix", "trois cents", "mille", "un million");
* fractions of a whole ("la moitié" → 0.5, "un tiers", "un quart").
"""
from __future__ import annotations

import re

__all__ = [
    "SPACE_CHARS",
    "NUMBER_PATTERN",
    "SCALE_WORDS",
    "parse_french_number",
    "parse_digits",
    "parse_number_words",
    "scale_factor",
]

SPACE_CHARS = " \u00a0\u202f\u2009"
_SP = "[ \u00a0\u202f\u2009]"

#: Regex source matching one number written with digits (no sign), French or English style.
NUMBER_PATTERN = (
    rf"\d{{1,3}}(?:{_SP}\d{{3}})+(?:,\d+)?"  # 3 500 / 1 234 567,5
    r"|\d{1,3}(?:\.\d{3}){2,}(?:,\d+)?"  # 1.234.567
    r"|\d{1,3}\.\d{3}(?![\d,])"  # 5.167 (thousands dot)
    r"|\d+(?:[.,]\d+)?"  # 1,7 / 1.5 / 42
)
_NUMBER_RE = re.compile(rf"^(?:{NUMBER_PATTERN})$")

#: Multipliers of scale words and abbreviations, keyed by their lowercase/exact spelling.
SCALE_WORDS: dict[str, float] = {
    "mille": 1e3,
    "millier": 1e3,
    "milliers": 1e3,
    "k": 1e3,
    "million": 1e6,
    "millions": 1e6,
    "m": 1e6,
    "mn": 1e6,
    "milliard": 1e9,
    "milliards": 1e9,
    "md": 1e9,
    "mds": 1e9,
    "mrd": 1e9,
    "mrds": 1e9,
    "md.": 1e9,
    "billion": 1e12,
    "billions": 1e12,
}

_UNITS = {
    "zéro": 0, "zero": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5,
    "six": 6, "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12,
    "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16, "vingt": 20, "vingts": 20,
    "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60, "septante": 70,
    "huitante": 80, "octante": 80, "nonante": 90,
}
_HUNDRED = {"cent", "cents"}
_THOUSAND = {"mille"}
_BIG = {"million": 1e6, "millions": 1e6, "milliard": 1e9, "milliards": 1e9}

_FRACTIONS = {
    "la moitié": 0.5, "moitié": 0.5, "une moitié": 0.5,
    "un tiers": 1 / 3, "le tiers": 1 / 3, "tiers": 1 / 3,
    "deux tiers": 2 / 3, "les deux tiers": 2 / 3,
    "un quart": 0.25, "le quart": 0.25, "quart": 0.25,
    "trois quarts": 0.75, "les trois quarts": 0.75,
}

_SPLIT_WORDS = re.compile(r"[\s\-\u00a0\u202f\u2009]+")


def _squash_spaces(text: str) -> str:
    return re.sub(f"{_SP}+", " ", text.strip())


def parse_digits(text: str) -> float | None:
    """Parse a number written with digits only ("3 500", "5.167", "1,7"); ``None`` otherwise."""
    t = _squash_spaces(text)
    if not _NUMBER_RE.match(t):
        return None
    t = t.replace(" ", "")
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", t):
        # dots are thousands separators ("5.167", "1.234.567")
        t = t.replace(".", "")
    return float(t.replace(",", "."))


def parse_number_words(text: str) -> float | None:
    """Parse a spelled-out French number ("quatre-vingt-dix", "trois cents", "deux mille")."""
    words = [w for w in _SPLIT_WORDS.split(text.strip().lower()) if w and w != "et"]
    if not words:
        return None
    total = 0.0
    current = 0.0
    seen = False
    for word in words:
        if word in _UNITS:
            value = _UNITS[word]
            if word.startswith("vingt") and current % 100 == 4:  # quatre-vingt(s)
                current = current - 4 + 80
            else:
                current += value
            seen = True
        elif word in _HUNDRED:
            current = (current or 1) * 100
            seen = True
        elif word in _THOUSAND:
            total += (current or 1) * 1000
            current = 0
            seen = True
        elif word in _BIG:
            total += (current or 1) * _BIG[word]
            current = 0
            seen = True
        else:
            return None
    return total + current if seen else None


def scale_factor(word: str) -> float | None:
    """Return the multiplier of a scale word or abbreviation ("milliard" → 1e9, "k" → 1e3)."""
    w = word.strip()
    if w in ("M", "Md", "Mds", "Mrd", "Mrds", "k", "K", "Mn"):
        return SCALE_WORDS[w.lower()]
    return SCALE_WORDS.get(w.lower()) if len(w) > 2 else None


def parse_french_number(text: str) -> float | None:
    """Return the value of a French number expression, or ``None`` if ``text`` is not one.

    Examples: "3 500" → 3500, "5.167" → 5167, "1,7" → 1.7, "1,7 milliard" → 1.7e9,
    "un million" → 1e6, "quatre-vingt-dix" → 90, "la moitié" → 0.5.
    """
    if text is None:
        return None
    t = _squash_spaces(str(text)).replace("’", "'")
    if not t:
        return None
    low = t.lower()
    if low in _FRACTIONS:
        return _FRACTIONS[low]
    value = parse_digits(t)
    if value is not None:
        return value
    # digits followed by a scale word: "1,7 milliard", "3 millions", "10 k", "2Mds"
    m = re.fullmatch(rf"({NUMBER_PATTERN})\s*([A-Za-zé.]+)", t)
    if m:
        base = parse_digits(m.group(1))
        factor = scale_factor(m.group(2))
        if base is not None and factor is not None:
            return base * factor
        return None
    return parse_number_words(t)
