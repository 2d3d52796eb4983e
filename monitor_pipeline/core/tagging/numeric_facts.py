"""Numeric metrics in French text: counts, money, percentages and multipliers.

``find_metrics`` scans a text (usually one sentence) for numbers that carry a meaning a business
reader would chart: "3 500 entreprises clientes", "1,7 milliard d'euros", "30 %", "multipliée par
10", "entre 200 et 300 postes". Years, dates, times, durations, ordinals and model names
("GPT-5", "Llama 3") are not metrics. A bare number with no unit and no counted noun is ignored.
Company attribution is done by the tagger (``company_id`` stays ``None`` here).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from monitor_pipeline.core.tagging.frnumbers import NUMBER_PATTERN, parse_digits, parse_number_words
from monitor_pipeline.core.tagging.gates import fold_case

__all__ = ["Metric", "find_metrics", "METRIC_KINDS", "QUALIFIERS"]

METRIC_KINDS = ("count", "money", "percent", "multiplier")
QUALIFIERS = ("plus de", "près de", "environ", "moins de", "jusqu'à", "au moins")


@dataclass(frozen=True)
class Metric:
    """One numeric fact. ``start``/``end`` are offsets of ``text`` (shifted by ``base_offset``)."""

    text: str
    value: float
    unit: str | None
    kind: str
    qualifier: str | None
    noun: str | None
    range_low: float | None
    start: int
    end: int
    company_id: str | None = None


_L = "a-zA-ZàâäéèêëîïôöùûüçœæÀÂÄÉÈÊËÎÏÔÖÙÛÜÇŒÆ"
_SP = r"[ \u00a0\u202f\u2009]"

_NUMBER_WORDS = (
    "zéro|une?|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|quatorze|quinze|"
    "seize|vingts?|trente|quarante|cinquante|soixante|cents?|mille"
)
_WORDS_NUMBER = rf"(?:{_NUMBER_WORDS})(?:(?:[\s-]+et)?[\s-]+(?:{_NUMBER_WORDS}))*"
_FRACTION = r"(?:la|une|les)\s+moitié|(?:les\s+)?(?:deux|trois)\s+(?:tiers|quarts)|(?:un|le)\s+(?:tiers|quart)"
_FRACTION_VALUES = {"moitié": 50.0, "tiers": 100 / 3, "quart": 25.0, "quarts": 25.0}

#: the first letters of the number words and fractions ("la moitié", "les deux tiers", "un quart"): a
#: number starts with one of them or a digit, which ``_NUM_RE`` checks first (it scans every sentence)
_NUMBER_INITIALS = "".join(sorted({w[0] for w in _NUMBER_WORDS.split("|")} | set("ludt")))
_NUM_RE = re.compile(
    rf"(?=[\d{_NUMBER_INITIALS}])"
    rf"(?:(?<![\w.,])(?P<digits>{NUMBER_PATTERN})(?![\d])"
    rf"|(?<![\w'-])(?P<frac>{_FRACTION})(?=\s+(?:de|des|du|d')\b)"
    rf"|(?<![\w-])(?P<words>{_WORDS_NUMBER})(?![\w-]))",
    re.IGNORECASE,
)

_SCALE_RE = re.compile(
    rf"{_SP}*(?P<scale>milliards?|millions?|milliers|mille|Mds?|Mrds?|Md|Mn|M|[kK])(?![{_L}])"
)
_SCALES = {
    "milliard": 1e9, "milliards": 1e9, "md": 1e9, "mds": 1e9, "mrd": 1e9, "mrds": 1e9,
    "million": 1e6, "millions": 1e6, "m": 1e6, "mn": 1e6,
    "mille": 1e3, "milliers": 1e3, "k": 1e3,
}
_CURRENCY_RE = re.compile(
    rf"(?:{_SP}*(?:de{_SP}+|d')?)?(?P<cur>€|\$|euros?|dollars?|USD|EUR|US\$|livres?{_SP}sterling|£|francs{_SP}suisses|CHF)(?![{_L}])",
    re.IGNORECASE,
)
_CURRENCY_UNITS = {"€": "EUR", "euro": "EUR", "euros": "EUR", "eur": "EUR", "$": "USD", "us$": "USD",
                   "dollar": "USD", "dollars": "USD", "usd": "USD", "£": "GBP", "chf": "CHF"}
_PERCENT_RE = re.compile(rf"{_SP}*(?P<pct>%|pour{_SP}?cents?\b|points?(?:{_SP}de{_SP}pourcentage)?\b)", re.IGNORECASE)

_QUALIFIER_RE = re.compile(
    rf"(?P<q>pas{_SP}+moins{_SP}+d(?:e{_SP}+|')|plus{_SP}+d(?:e{_SP}+|')|près{_SP}+d(?:e{_SP}+|')|presque{_SP}+"
    rf"|environ{_SP}+|quelque{_SP}+|autour{_SP}+d(?:e{_SP}+|')|de{_SP}+l'ordre{_SP}+d(?:e{_SP}+|')"
    rf"|moins{_SP}+d(?:e{_SP}+|')|jusqu'(?:à|a){_SP}+|au{_SP}+moins{_SP}+|au-delà{_SP}+d(?:e{_SP}+|')"
    rf"|un{_SP}+peu{_SP}+plus{_SP}+d(?:e{_SP}+|')|un{_SP}+peu{_SP}+moins{_SP}+d(?:e{_SP}+|'))$",
    re.IGNORECASE,
)
_QUALIFIER_NORMAL = {
    "pas moins de": "au moins", "plus de": "plus de", "près de": "près de", "presque": "près de",
    "environ": "environ", "quelque": "environ", "autour de": "environ", "de l'ordre de": "environ",
    "moins de": "moins de", "jusqu'à": "jusqu'à", "jusqu'a": "jusqu'à", "au moins": "au moins",
    "au-delà de": "plus de", "un peu plus de": "plus de", "un peu moins de": "moins de",
}

_MONTHS = ("janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|"
           "décembre|decembre")
_NOT_METRIC_AFTER = re.compile(
    rf"(?:{_SP}*(?:{_MONTHS})\b"  # date
    rf"|(?:er|re|e|ème|eme|ième|nd|nde|ᵉ|°)(?![{_L}])"  # ordinal
    rf"|{_SP}*h(?:{_SP}*\d|\b)"  # time 14h30 / 14 h
    rf"|{_SP}*(?:heures?|minutes?|min|secondes?|jours?|semaines?|mois|ans|an|années?|décennies?|siècles?|trimestres?|semestres?)\b"
    rf"|[{_L}])",  # letters glued to the number (5G, 4K, A320 tail)
    re.IGNORECASE,
)

_NOUN_STOP = set(
    """le la les l un une des du de d et ou en à a au aux dans pour par sur sous avec sans chez ce cet cette ces
    son sa ses leur leurs mon ma mes notre nos votre vos qui que qu quoi dont où est sont ont été était étaient
    sera seront avait avaient fut plus moins environ près fois ne n pas il elle ils elles on se s y contre
    entre selon après avant depuis vers jusqu alors mais donc or ni car comme si lors afin ainsi aussi très
    trop peu encore déjà seulement soit contre fin début mi ici hier demain aujourd cet the of and in to for
    restent reste sur""".split()
)
_NOUN_RE = re.compile(
    rf"{_SP}*(?:(?P<de>d'|de{_SP}+)(?:(?:ses|leurs|leur|son|sa|nos|ces|la|les|l'){_SP}*)?)?"
    rf"(?P<n1>[{_L}][{_L}'-]*)(?:{_SP}+(?P<n2>[{_L}][{_L}-]*))?"
)
_MONEY_NOUNS = (
    "chiffre d'affaires", "valorisation", "levée de fonds", "levée", "revenus", "revenu", "bénéfice",
    "bénéfices", "perte", "pertes", "investissement", "investissements", "financement", "amende",
    "budget", "capitalisation", "dette", "résultat net", "résultat", "ventes", "dépenses", "enveloppe",
    "tour de table", "rachat", "acquisition", "contrat", "marge", "trésorerie", "salaire", "coût", "coûts",
    "économies", "recettes", "facture", "prix",
)
_MONEY_NOUN_BEFORE_RE = re.compile(
    r"(?P<noun>" + "|".join(re.escape(n) for n in sorted(_MONEY_NOUNS, key=len, reverse=True)) + r")"
    rf"(?:{_SP}+[{_L}'-]+){{0,4}}?{_SP}*(?:de{_SP}+|d'|à{_SP}+|:{_SP}*|atteint{_SP}+|s'élève{_SP}+à{_SP}+)$",
    re.IGNORECASE,
)
_MONEY_NOUN_AFTER_RE = re.compile(
    rf"{_SP}+(?:de{_SP}+|d')(?P<noun>" + "|".join(re.escape(n) for n in sorted(_MONEY_NOUNS, key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)
_OF_TOTAL_RE = re.compile(rf"(?:{NUMBER_PATTERN}){_SP}+(?P<noun>[{_L}][{_L}-]+){_SP}+sur{_SP}+(?:un{_SP}+total{_SP}+de{_SP}+)?$")
_MONEY_VERB_NOUNS = (("l", "levée"), ("valo", "valorisation"), ("rach", "rachat"), ("inve", "investissement"),
                     ("fact", "chiffre d'affaires"), ("réal", "chiffre d'affaires"))


def _money_verb_noun(verb: str) -> str | None:
    """Noun measured by a money verb ("a levé 20 M€" → "levée")."""
    v = verb.lower()
    return next((noun for prefix, noun in _MONEY_VERB_NOUNS if v.startswith(prefix)), None)


_MONEY_VERB_BEFORE_RE = re.compile(
    rf"\b(?P<verb>l[eè]v(?:e|é|ée|ent|er|ait)|valoris[ée]e?s?|rachet[ée]e?|rachète|investi(?:t|r|ssent)?|factur[ée]|réalis[ée])"
    rf"(?:{_SP}+[{_L}'-]+){{0,3}}?{_SP}*(?:pour{_SP}+|à{_SP}+|de{_SP}+)?$",
    re.IGNORECASE,
)
_RANGE_BEFORE_RE = re.compile(
    rf"(?:(?P<entre>entre)|(?P<de>de|d'))?{_SP}*(?P<low>{NUMBER_PATTERN})(?P<lowscale>{_SP}*(?:milliards?|millions?|mille|Mds?|Md|M|k))?"
    rf"{_SP}*(?(entre)et|(?:à|-|–)){_SP}*$",
    re.IGNORECASE,
)
_MULT_VERB_VALUES = {"doubl": 2, "tripl": 3, "quadrupl": 4, "quintupl": 5, "décupl": 10, "decupl": 10, "centupl": 100}
_MULT_VERB_RE = re.compile(
    r"\b(?P<verb>" + "|".join(_MULT_VERB_VALUES) + r")(?:é|ée|és|ées|er|ent|ait|aient|era|eront|erait)\b",
    re.IGNORECASE,
)
_MULT_BY_RE = re.compile(
    rf"\bmultipli\w*{_SP}+par{_SP}+(?P<num>{NUMBER_PATTERN}|{_WORDS_NUMBER})\b"
    rf"|(?<![\w])[x×]{_SP}?(?P<xnum>\d+(?:[.,]\d+)?)(?![\w])"
    rf"|(?<![\w.,])(?P<numx>\d+(?:[.,]\d+)?){_SP}?[x×](?![\w])"
    rf"|(?<![\w.,])(?P<fois>{NUMBER_PATTERN}|{_WORDS_NUMBER}){_SP}+fois{_SP}+(?:plus|moins)\b",
    re.IGNORECASE,
)


# Cheap gates, tested with ``in`` (much faster than a regex alternation).
# Case-sensitive substrings: a text with no digit and none of them cannot hold a metric.
_NUMBER_HINTS = ("ent", "un", "ill", "moiti", "tiers", "quart", "upl", "oubl", "deux", "rois", "uatre", "inq",
                 "six", "sept", "huit", "neuf", "dix", "Dix", "onze", "ouze", "reize", "orze", "uinze", "eize",
                 "ingt", "rente", "arante", "nquante", "ixante", "ptante", "nante", "ctante")
_DIGIT = re.compile(r"\d")
# In fold_case(text): every _MULT_VERB_RE match holds a verb stem, every _MULT_BY_RE match
# "multipli", "fois", or "x"/"×" next to digits.
_MULT_WORDS = ("fois", "multipli")
_MULT_SIGNS = ("x", "×")

# formerly inline patterns (compiled once)
_SP_RUN = re.compile(rf"{_SP}+")
_WORD_BEFORE_RE = re.compile(rf"([{_L}][\w]*){_SP}$")
_NUMERO_BEFORE_RE = re.compile(r"n°\s?$|\bno\s$")
_GLUED_SCALE_RE = re.compile(r"(?:Mds?|Mrds?|Md|Mn|M|[kK])(?:€|\$|\b)")
_YEAR_RE = re.compile(r"(?:19|20)\d\d")
_PERCENT_NOUN_RE = re.compile(
    rf"{_SP}+(?:(?:de{_SP}+|des{_SP}+|du{_SP}+|d')(?:(?:ses|leurs|leur|son|sa|la|l'){_SP}*)?|(?:ses|leurs){_SP}+)"
    rf"(?P<n1>[{_L}][{_L}'-]*)"
)
_POSSESSIVE_END_RE = re.compile(r"(?:ses|leurs|leur|son|sa|nos|ces)\s*$")
_SP_CHARS = " \u00a0\u202f\u2009"  # the characters of _SP


def _range_before(window: str) -> re.Match[str] | None:
    """``_RANGE_BEFORE_RE.search(window)``, skipped when the window cannot end like a range.

    A range ends with "et", "à", "-" or "–" and optional spaces (``$`` also matches before a
    final newline); searching every start position of the 60-character window for nothing is
    what the check saves.
    """
    end = window[:-1] if window.endswith("\n") else window
    tail = fold_case(end.rstrip(_SP_CHARS)[-2:])
    if tail != "et" and not (tail and tail[-1] in "à-–"):
        return None
    return _RANGE_BEFORE_RE.search(window)


def _parse(token: str) -> float | None:
    return parse_digits(token) if token[:1].isdigit() else parse_number_words(token)


def _qualifier(before: str) -> tuple[str | None, int]:
    """Return (normalized qualifier, length consumed) for the text just before a number."""
    m = _QUALIFIER_RE.search(before[-40:])
    if not m:
        return None, 0
    raw = _SP_RUN.sub(" ", m.group("q").lower()).strip()
    if raw.endswith("d'"):
        raw = raw[:-2] + "de"
    return _QUALIFIER_NORMAL.get(raw), len(m.group(0))


def _looks_like_model_name(text: str, start: int, token: str) -> bool:
    """True for "Llama 3", "Claude 3.5", "iPhone 16", "Windows 11": a capitalized word just before."""
    if start >= 2 and text[start - 1] == "-" and (text[start - 2].isalnum()):
        return True  # GPT-5, Mistral-7
    m = _WORD_BEFORE_RE.search(text[:start])
    if not m:
        return False
    word = m.group(1)
    if not (word[0].isupper() or any(c.isupper() for c in word[1:])):
        return False
    if word.lower() in {"plus", "près", "environ", "moins", "entre", "et", "au", "selon", "avec", "en", "de"}:
        return False
    # sentence start ("Près de 300 …" handled above; "Quelque 300 …")
    before_word = text[: m.start(1)].rstrip()
    if not before_word or before_word[-1] in ".!?:;«\"(":
        return False
    value = _parse(token)
    return value is not None and (value < 1000 or "." in token)


def _may_hold_multiplier(folded: str, has_digit: bool) -> bool:
    """Cheap gate for ``_MULT_BY_RE`` (``folded`` is ``fold_case(text)``)."""
    return _contains_any(folded, _MULT_WORDS) or has_digit and _contains_any(folded, _MULT_SIGNS)


def _contains_any(text: str, substrings: Iterable[str]) -> bool:
    for sub in substrings:  # a loop: twice as fast as any() over a generator here
        if sub in text:
            return True
    return False


def find_metrics(text: str, base_offset: int = 0) -> list[Metric]:
    """Return the metrics of ``text`` in order; offsets are shifted by ``base_offset``."""
    metrics: list[Metric] = []
    consumed: list[tuple[int, int]] = []

    def overlaps(s: int, e: int) -> bool:
        return any(s < ce and cs < e for cs, ce in consumed)

    has_digit = _DIGIT.search(text) is not None
    if not has_digit and not _contains_any(text, _NUMBER_HINTS):
        return metrics  # cheap gate: no digit and no number-word fragment
    folded = fold_case(text)
    # multipliers first: their digits must not become counts
    for m in (_MULT_BY_RE.finditer(text) if _may_hold_multiplier(folded, has_digit) else ()):
        token = m.group("num") or m.group("xnum") or m.group("numx") or m.group("fois")
        value = _parse(token.strip())
        if value is None:
            continue
        consumed.append((m.start(), m.end()))
        metrics.append(Metric(m.group(0), value, "x", "multiplier", None, None, None,
                              base_offset + m.start(), base_offset + m.end()))
    for m in (_MULT_VERB_RE.finditer(text) if _contains_any(folded, _MULT_VERB_VALUES) else ()):
        value = float(_MULT_VERB_VALUES[m.group("verb").lower()])
        consumed.append((m.start(), m.end()))
        metrics.append(Metric(m.group(0), value, "x", "multiplier", None, None, None,
                              base_offset + m.start(), base_offset + m.end()))

    for m in _NUM_RE.finditer(text):
        s, e = m.start(), m.end()
        if overlaps(s, e):
            continue
        metric = _metric_at(text, m, base_offset, consumed)
        if metric is not None:
            metrics.append(metric)
    metrics.sort(key=lambda x: x.start)
    return metrics


def _metric_at(text: str, m: re.Match[str], base_offset: int, consumed: list[tuple[int, int]]) -> Metric | None:
    s, e = m.start(), m.end()
    token = m.group(0)
    after = text[e:]
    is_words = m.group("words") is not None
    is_frac = m.group("frac") is not None

    if is_frac:
        key = token.split()[-1].lower()
        pct = _FRACTION_VALUES[key] * (2 if token.lower().split()[-2:-1] == ["deux"] else 3 if "trois" in token.lower() else 1)
        nm = _NOUN_RE.match(after)
        noun = _noun_from(nm)
        end = e + (nm.end() if nm and noun else 0)
        consumed.append((s, end))
        return Metric(text[s:end], round(pct, 2), "%", "percent", None, noun, None,
                      base_offset + s, base_offset + end)

    if not is_words:
        if s > 0 and (text[s - 1] in "#°" or _NUMERO_BEFORE_RE.search(text[max(0, s - 4):s])):
            return None
        if _looks_like_model_name(text, s, token):
            return None
        # glued scale/currency abbreviation is allowed: 10k, 5M€, 2Md$, 3Mds
        if not _GLUED_SCALE_RE.match(after) and _NOT_METRIC_AFTER.match(after):
            return None
    value = _parse(token)
    if value is None:
        return None

    pos = e
    scale = 1.0
    sm = _SCALE_RE.match(text, pos)
    if sm and not (is_words and sm.group("scale") in ("M", "k", "K", "Md", "Mds", "Mn")):
        scale = _SCALES[sm.group("scale").lower()]
        pos = sm.end()  # "5.167 millions" keeps the French thousands dot: 5 167 millions
    elif is_words and token.lower() in ("un", "une"):
        return None  # "un" alone is an article

    unit: str | None = None
    kind = "count"
    noun: str | None = None
    cm = _CURRENCY_RE.match(text, pos)
    pm = _PERCENT_RE.match(text, pos)
    if cm:
        cur = cm.group("cur").lower()
        unit = _CURRENCY_UNITS.get(cur, "GBP" if cur.startswith("livre") else cur.upper())
        kind = "money"
        pos = cm.end()
    elif pm:
        kind = "percent"
        unit = "pt" if pm.group("pct").lower().startswith("point") else "%"
        pos = pm.end()

    # years: 4-digit 1900-2100 without unit/scale are dates
    if kind == "count" and scale == 1.0 and not is_words and _YEAR_RE.fullmatch(token):
        return None

    if kind == "count":
        nm = _NOUN_RE.match(text, pos)
        noun = _noun_from(nm, allow_de=scale != 1.0)
        if noun is None and not is_words:
            # "217 postes sur 383": the second number counts the same thing
            om = _OF_TOTAL_RE.search(text[max(0, s - 60):s])
            if om:
                noun = om.group("noun")
                nm = None
        if noun is None:
            if scale == 1.0:
                return None
        elif nm is not None:
            pos = nm.end("n2") if nm.group("n2") and noun.endswith(nm.group("n2")) else nm.end("n1")
        if is_words and noun is None:
            return None
        if is_words and value < 10 and scale == 1.0:
            return None  # "deux entreprises": too small and too frequent to be a metric
    elif kind == "money":
        am = _MONEY_NOUN_AFTER_RE.match(text, pos)
        if am:
            noun = am.group("noun").lower()
            pos = am.end()
    elif kind == "percent":
        nm = _PERCENT_NOUN_RE.match(text[pos:])
        if nm and nm.group("n1").lower() not in _NOUN_STOP:
            noun = nm.group("n1")

    # qualifier and range on the left
    start = s
    range_low: float | None = None
    before = text[:s]
    rm = _range_before(before[-60:])
    if rm and not is_words:
        low = parse_digits(rm.group("low"))
        if low is not None:
            low_scale = scale
            if rm.group("lowscale"):
                low_scale = _SCALES[rm.group("lowscale").strip().lower()]
            range_low = low * low_scale
            start = s - len(rm.group(0).lstrip())  # " 0 à 0 %" without "de"/"entre": no leading space
            before = text[:start]
            consumed.append((start, s))
    qualifier, qlen = _qualifier(before)
    if qualifier:
        start -= qlen

    if kind == "money" and noun is None:
        window = text[max(0, start - 80):start]
        bm = _MONEY_NOUN_BEFORE_RE.search(window)
        vm = _MONEY_VERB_BEFORE_RE.search(window)
        if bm and not (vm and vm.start() > bm.start()):
            noun = bm.group("noun").lower()
        elif vm:
            noun = _money_verb_noun(vm.group("verb"))

    final = value * scale
    if kind == "percent":
        final = value
    consumed.append((start, pos))
    return Metric(
        text=text[start:pos].strip(),
        value=final,
        unit=unit,
        kind=kind,
        qualifier=qualifier,
        noun=noun,
        range_low=range_low,
        start=base_offset + start,
        end=base_offset + start + len(text[start:pos].rstrip()),
    )


def _noun_from(nm: re.Match[str] | None, allow_de: bool = True) -> str | None:
    """Extract the counted noun ("entreprises clientes") from a ``_NOUN_RE`` match."""
    if not nm:
        return None
    if nm.group("de") and not allow_de:
        # "300 de ses salariés" is fine, "300 de plus" is not: only possessive after a bare number
        if not _POSSESSIVE_END_RE.search(nm.group(0)[: nm.start("n1") - nm.start()]):
            return None
    n1 = nm.group("n1")
    if n1.lower().strip("'") in _NOUN_STOP or n1.endswith("'"):
        return None
    n2 = nm.group("n2")
    if n2 and n2.lower() not in _NOUN_STOP and n2[0].islower() and not n2.endswith("ent") and len(n2) > 2 \
            and not n2.endswith(("ait", "aient", "era", "ont")) and n1[0].islower():
        return f"{n1} {n2}"
    return n1
