"""Cheap gates in front of regexes: skip a regex search when the text cannot hold a match.

Searching a regex over a sentence costs microseconds even when nothing matches (the engine
tries the pattern at every position, and a case-insensitive alternation cannot skip ahead).
Most patterns of the layoff lexicon can only match a text containing one of a few literal
strings ("licenci", "plan", "pourrai"…); an ``in`` test for them is far cheaper, and when it
fails the regex could not have matched, so skipping the regex changes no result.

* ``fold_case(text)`` lower-cases a text the way ``re.IGNORECASE`` compares characters;
* ``required_literals(pattern)`` derives, from the pattern's syntax tree, strings one of which
  every match contains (folded for a case-insensitive pattern), or None;
* ``may_match(pattern, text, folded)`` is the gate;
* ``case_sensitive_twin(pattern)`` turns a case-insensitive alternation of plain words into a
  case-sensitive regex to search in the folded text (the regex engine then skips ahead to the
  possible first letters, which it cannot do case-insensitively).
"""
from __future__ import annotations

import functools
import re
import string
from re import _constants as _sre  # CPython's regex parser (re._parser since 3.11)
from re import _parser
from typing import Any, Callable, Iterable

__all__ = ["FOLDABLE", "case_sensitive_twin", "fold_case", "may_match", "required_literals"]

# Characters re.IGNORECASE equates with an ASCII letter although str.lower() does not map them
# to it: capital I with dot, dotless i, long s.
_IGNORECASE_EXTRAS = {"\u0130": "i", "\u0131": "i", "\u017f": "s"}
_IGNORECASE_EXTRA_CHARS = re.compile("[\u0130\u0131\u017f]")

#: Characters x such that a character c matches x under re.IGNORECASE exactly when
#: fold_case(c) == x (checked over every code point by the tests): lowercase ASCII and Latin-1
#: letters, œ, and characters without case.
FOLDABLE = frozenset(
    string.ascii_lowercase + "".join(chr(c) for c in range(0xDF, 0x100) if chr(c).isalpha()) + "œ"
    + string.digits + string.punctuation + " «»\u00a0\u202f’–—…€°"
)
_MAX_LITERALS = 64  # larger sets cost more to test than they save
_GATE_CHARS = 6  # literals are shortened to this many characters: fewer, and as selective


def fold_case(text: str) -> str:
    """Lower-case ``text`` the way ``re.IGNORECASE`` compares characters.

    The result has the same length as ``text``, and for every character ``x`` of
    ``FOLDABLE``, a character matches ``x`` case-insensitively exactly when its folded form is
    ``x``. So a literal made of such characters occurs case-insensitively in ``text`` exactly
    where it occurs in ``fold_case(text)``.
    """
    if "\u0130" in text or "\u0131" in text or "\u017f" in text:
        text = _IGNORECASE_EXTRA_CHARS.sub(lambda m: _IGNORECASE_EXTRAS[m.group()], text)
    return text.lower()


# A case-insensitive pattern made only of FOLDABLE letters, spaces, - and ', \s, alternatives,
# non-capturing groups and quantifiers matches, case-sensitively in fold_case(text), the spans
# it matches in text.
_TWINNABLE_SOURCE = re.compile(r"(?:[a-zß-öø-ÿœ' |?*+)-]|\\s|\(\?:)+")


def case_sensitive_twin(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """Case-sensitive twin of a case-insensitive ``pattern``, to search in ``fold_case(text)``
    (several times faster: it skips ahead to the possible first letters), or None when the
    pattern's syntax does not allow it."""
    return _per_pattern("twin", pattern, _twin)


def _twin(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    if not pattern.flags & re.IGNORECASE or not _TWINNABLE_SOURCE.fullmatch(pattern.pattern):
        return None
    return re.compile(pattern.pattern, pattern.flags & ~re.IGNORECASE)


def may_match(pattern: re.Pattern[str], text: str, folded: str) -> bool:
    """False only when ``pattern`` cannot match ``text`` (``folded`` is ``fold_case(text)``)."""
    entry = _MAY_MATCH.get(id(pattern))  # (asked ~200 times an article: one lookup, not _per_pattern's)
    if entry is None or entry[0] is not pattern:
        if len(_MAY_MATCH) > 10_000:
            _MAY_MATCH.clear()
        entry = _MAY_MATCH[id(pattern)] = (pattern, _gate(pattern))
    gate = entry[1]
    if gate is None:
        return True
    literals, case_insensitive = gate
    haystack = folded if case_insensitive else text
    for literal in literals:
        if literal in haystack:
            return True
    return False


_MAY_MATCH: dict[int, tuple[re.Pattern[str], Any]] = {}


def required_literals(pattern: re.Pattern[str]) -> tuple[str, ...] | None:
    """Strings one of which every match of ``pattern`` contains, or None if none is known.

    For a case-insensitive pattern the strings are folded (search them in ``fold_case(text)``).
    """
    gate = _gate(pattern)
    return None if gate is None else gate[0]


def _gate(pattern: re.Pattern[str]) -> tuple[tuple[str, ...], bool] | None:
    """(required literals, case-insensitive?) of ``pattern``."""
    return _per_pattern("gate", pattern, _new_gate)


def _new_gate(pattern: re.Pattern[str]) -> tuple[tuple[str, ...], bool] | None:
    literals = _analyse(pattern)
    return None if literals is None else (literals, bool(pattern.flags & re.IGNORECASE))


_CACHE: dict[tuple[str, int], tuple[re.Pattern[str], Any]] = {}


def _per_pattern(kind: str, pattern: re.Pattern[str], compute: Callable[[re.Pattern[str]], Any]) -> Any:
    """``compute(pattern)``, once per pattern object (looked up by identity: hashing a compiled
    pattern hashes its whole program, slower than the gates themselves)."""
    key = (kind, id(pattern))
    entry = _CACHE.get(key)
    if entry is None or entry[0] is not pattern:
        if len(_CACHE) > 10_000:
            _CACHE.clear()
        entry = _CACHE[key] = (pattern, compute(pattern))
    return entry[1]


def _analyse(pattern: re.Pattern[str]) -> tuple[str, ...] | None:
    if not isinstance(pattern.pattern, str):
        return None
    try:
        tree = _parser.parse(pattern.pattern, pattern.flags)
        found = _factors(list(tree), bool(pattern.flags & re.IGNORECASE))
    except Exception:  # noqa: BLE001 - a parser that differs from the one this was written for: no gate
        return None
    return _fewest(found) if found else None


def _fewest(literals: set[str]) -> tuple[str, ...]:
    """A smaller equivalent gate: the first ``_GATE_CHARS`` characters of each literal (a prefix
    of a string present is present), without those containing another one."""
    short = {literal[:_GATE_CHARS] for literal in literals}
    return tuple(sorted(s for s in short if not any(o != s and o in s for o in short)))


# ----------------------------------------------------------------- syntax-tree analysis
# A sequence of items matches a concatenation of what each item matches. "Exact" sets list
# every string an item can match (a literal, a small class, an alternation of literals, an
# optional literal); runs of exact items give literal strings found in every match. Zero-width
# items (\b, lookarounds) do not break a run.

_ZERO_WIDTH = (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT)
_REPEATS = (_sre.MAX_REPEAT, _sre.MIN_REPEAT)
Items = Iterable[tuple[Any, Any]]


def _factors(items: Items, icase: bool) -> set[str] | None:
    """Strings one of which every match of the sequence ``items`` contains (None: unknown): the most
    selective of the sets :func:`_all_factors` finds, the first on a tie."""
    return functools.reduce(_better, _all_factors(items, icase), None)


def _union(sets: Iterable[set[str] | None]) -> set[str] | None:
    """The union of the alternatives' strings; None if one is unknown or the union is too large."""
    union: set[str] = set()
    for strings in sets:
        if strings is None:
            return None
        union |= strings
    return union if len(union) <= _MAX_LITERALS else None


def _inner_factors(op: Any, av: Any, icase: bool) -> set[str] | None:
    """Required strings of an item that is not exact (a group, an alternation, a repeat)."""
    if op is _sre.SUBPATTERN:
        _, add_flags, del_flags, sub = av
        return None if add_flags or del_flags else _factors(sub, icase)
    if op is _sre.BRANCH:
        return _union(_factors(alternative, icase) for alternative in av[1])
    if op in _REPEATS and av[0] >= 1:
        return _factors(av[2], icase)
    return None


def _exact(op: Any, av: Any, icase: bool) -> set[str] | None:
    """Every string the item can match, if it is a small finite set of literals; else None."""
    if op is _sre.LITERAL:
        char = _literal(chr(av), icase)
        return None if char is None else {char}
    if op is _sre.IN:
        chars = set()
        for kind, value in av:
            char = _literal(chr(value), icase) if kind is _sre.LITERAL else None
            if char is None:
                return None
            chars.add(char)
        return chars
    if op is _sre.SUBPATTERN:
        _, add_flags, del_flags, sub = av
        return None if add_flags or del_flags else _exact_sequence(sub, icase)
    if op is _sre.BRANCH:
        return _union(_exact_sequence(alternative, icase) for alternative in av[1])
    if op in _REPEATS and av[1] <= 3:
        low, high, sub = av
        once = _exact_sequence(sub, icase)
        if once is None:
            return None
        result: set[str] = set()
        power: set[str] | None = {""}
        for count in range(high + 1):
            if count:
                power = _concat(power, once)
                if power is None:
                    return None
            if count >= low:
                result |= power
        return result if len(result) <= _MAX_LITERALS else None
    return None


def _exact_sequence(items: Items, icase: bool) -> set[str] | None:
    strings: set[str] | None = {""}
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue
        exact = _exact(op, av, icase)
        if exact is None:
            return None
        strings = _concat(strings, exact)
        if strings is None:
            return None
    return strings


def _literal(char: str, icase: bool) -> str | None:
    """The character to look for (folded when case-insensitive), None if folding is not exact."""
    if not icase:
        return char
    folded = fold_case(char)
    return folded if folded in FOLDABLE else None


def _concat(left: set[str], right: set[str]) -> set[str] | None:
    if len(left) * len(right) > _MAX_LITERALS:
        return None
    return {a + b for a in left for b in right}


def _better(a: set[str] | None, b: set[str] | None) -> set[str] | None:
    """The more selective of two candidate sets: longest shortest string, then fewest strings.
    Sets holding a string shorter than 2 characters gate nothing useful."""
    candidates = [s for s in (a, b) if s and min(map(len, s)) >= 2]
    if not candidates:
        return None
    return max(candidates, key=lambda s: (min(map(len, s)), -len(s)))


# ----------------------------------------------------------------- per-alternative conjunctions
def alternative_gates(pattern: re.Pattern[str]) -> tuple[tuple[tuple[str, ...], ...], ...] | None:
    """A finer gate than :func:`required_literals`: per top-level alternative of ``pattern``, every
    set of strings one of which each of its matches contains (folded for a case-insensitive
    pattern). ``pattern`` can match only if, for some alternative, one string of each of its sets
    is present. None when some alternative has no known set (no gate)."""
    return _per_pattern("alternatives", pattern, _new_alternative_gates)


def _new_alternative_gates(pattern: re.Pattern[str]) -> tuple[tuple[tuple[str, ...], ...], ...] | None:
    if not isinstance(pattern.pattern, str):
        return None
    icase = bool(pattern.flags & re.IGNORECASE)
    try:
        items = list(_parser.parse(pattern.pattern, pattern.flags))
        # "\b(?:a|b)" as a whole: its alternatives (zero-width items add no required string)
        while True:
            wide = [item for item in items if item[0] not in _ZERO_WIDTH]
            if len(wide) == 1 and wide[0][0] is _sre.SUBPATTERN and not wide[0][1][1] and not wide[0][1][2]:
                items = list(wide[0][1][3])
            else:
                break
        alternatives = wide[0][1][1] if len(wide) == 1 and wide[0][0] is _sre.BRANCH else [items]
        gates = []
        for alternative in alternatives:
            sets = _all_factors(alternative, icase)
            if not sets:
                return None
            gates.append(tuple(_fewest(s) for s in sets))
    except Exception:  # noqa: BLE001 - a parser that differs from the one this was written for: no gate
        return None
    return tuple(gates)


def _all_factors(items: Items, icase: bool) -> list[set[str]]:
    """Every usable set of strings (shortest at least 2 characters) one of which each match of the
    sequence ``items`` contains: its runs of exact items and its inner items' own sets."""
    found: list[set[str]] = []

    def keep(strings: set[str] | None) -> None:
        if strings and min(map(len, strings)) >= 2:
            found.append(strings)

    run: set[str] = {""}
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue
        exact = _exact(op, av, icase)
        if exact is not None:
            longer = _concat(run, exact)
            if longer is None:
                keep(run)
                longer = exact
            run = longer
            continue
        keep(run)
        keep(_inner_factors(op, av, icase))
        run = {""}
    keep(run)
    return found
