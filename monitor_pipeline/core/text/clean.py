"""Text cleaning: normalization, boilerplate removal, paragraph and sentence offsets.

CONTRACT (used by tagging): ``CleanedText`` and ``clean_text`` keep these names and fields.

Normalization choices (shared by ``clean_text`` and ``normalize_for_matching``):

* Unicode NFC;
* every space variant (NBSP U+00A0, narrow NBSP U+202F, thin space U+2009, figure space,
  tabs...) becomes a plain space U+0020, so "3 500" is always written with U+0020 and
  "« OpenAI »" with plain spaces inside the guillemets; zero-width characters and soft
  hyphens are removed;
* typographic apostrophes (’ ‘ ʼ ′ ...) become ``'`` and curly double quotes (“ ” „) become
  ``"``. French guillemets « » are kept: they are the normal French quotation marks, not a
  typographic variant of ``"``;
* runs of spaces collapse to one.

``clean_text`` treats each input line as one paragraph (trafilatura emits one paragraph,
heading or list item per line) and joins the kept paragraphs with a blank line ("\\n\\n").
The output is a pure function of the input and the rules (deterministic), and cleaning is
idempotent: ``clean_text(clean_text(x).text).text == clean_text(x).text``.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_BOILERPLATE_PATH = Path(__file__).resolve().parents[2] / "data" / "boilerplate.yaml"


@dataclass(frozen=True)
class CleanedText:
    text: str
    # (start, end) character offsets into ``text``; end exclusive
    paragraphs: list[tuple[int, int]] = field(default_factory=list)
    sentences: list[tuple[int, int]] = field(default_factory=list)

    def sentence_texts(self) -> list[str]:
        return [self.text[s:e] for s, e in self.sentences]


# --------------------------------------------------------------------------- normalization

_SPACE_CHARS = "\u00a0\u202f\u2009\u2007\u2008\u200a\u2002\u2003\u2004\u2005\u2006\u205f\u3000\u1680\t\x0b\x0c"
_DELETED_CHARS = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_APOSTROPHES = "\u2019\u2018\u02bc\u2032\u201b\u0060\u00b4"
_DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u2033"

_TRANSLATION = {ord(ch): " " for ch in _SPACE_CHARS}
_TRANSLATION.update({ord(ch): None for ch in _DELETED_CHARS})
_TRANSLATION.update({ord(ch): "'" for ch in _APOSTROPHES})
_TRANSLATION.update({ord(ch): '"' for ch in _DOUBLE_QUOTES})
# C0/C1 control characters other than newlines carry no text.
_TRANSLATION.update({cp: None for cp in list(range(0x00, 0x09)) + list(range(0x0E, 0x20)) + list(range(0x7F, 0xA0)) if cp not in (0x85,)})
_TRANSLATION[0x85] = "\n"  # NEL
_TRANSLATION[0x2028] = "\n"  # line separator
_TRANSLATION[0x2029] = "\n"  # paragraph separator

# The same mapping applied by a regex substitution: ``str.translate`` looks every character up
# in the table (~0.1 ms per 1,000 characters of non-ASCII text), the regex only stops on the
# few characters to replace. Same result.
_REPLACEMENTS = {chr(cp): value or "" for cp, value in _TRANSLATION.items()}
_TO_REPLACE = re.compile("[" + "".join(map(re.escape, sorted(_REPLACEMENTS))) + "]")

_MULTI_SPACE = re.compile(r" {2,}")


def _replacement(match: re.Match[str]) -> str:
    return _REPLACEMENTS[match.group()]


def _normalize_chars(text: str) -> str:
    """NFC plus the character mapping above; keeps line breaks."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return _TO_REPLACE.sub(_replacement, text)


def normalize_for_matching(text: str) -> str:
    """Normalize text for comparisons: NFC, straight apostrophes/quotes, every whitespace
    run (line breaks included) collapsed to a single U+0020 space, trimmed."""
    # str.split() splits on exactly the characters regex \s matches (str.isspace)
    return " ".join(_normalize_chars(text).split())


# --------------------------------------------------------------------------- boilerplate rules


@dataclass(frozen=True)
class BoilerplateRules:
    """Line-level boilerplate rules (see data/boilerplate.yaml for the format)."""

    line_prefixes: tuple[str, ...] = ()
    line_patterns: tuple[re.Pattern[str], ...] = ()
    max_prefix_line_chars: int = 300
    _prefix_regex: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def build(
        cls,
        line_prefixes: list[str] | tuple[str, ...] = (),
        line_patterns: list[str] | tuple[str, ...] = (),
        max_prefix_line_chars: int = 300,
    ) -> "BoilerplateRules":
        """Compile rules; raises ValueError naming the offending rule."""
        prefixes = tuple(normalize_for_matching(p) for p in line_prefixes if p and p.strip())
        compiled = []
        for pattern in line_patterns:
            try:
                compiled.append(re.compile(pattern, re.IGNORECASE))
            except re.error as exc:
                raise ValueError(f"invalid boilerplate regex {pattern!r}: {exc}") from exc
        prefix_regex = None
        if prefixes:
            # Longest first so "À lire aussi" wins over a shorter overlapping prefix.
            alternatives = "|".join(re.escape(p) for p in sorted(prefixes, key=len, reverse=True))
            prefix_regex = re.compile(rf"^(?:{alternatives})(?!\w)", re.IGNORECASE)
        return cls(prefixes, tuple(compiled), int(max_prefix_line_chars), prefix_regex)

    def is_boilerplate(self, line: str) -> bool:
        """True when a normalized line matches a rule."""
        if (
            self._prefix_regex is not None
            and len(line) <= self.max_prefix_line_chars
            and self._prefix_regex.match(line)
        ):
            return True
        return any(pattern.search(line) for pattern in self.line_patterns)


def load_boilerplate_rules(path: str | Path | None = None) -> BoilerplateRules:
    """Load rules from a YAML file (default: the packaged data/boilerplate.yaml)."""
    if path is None:
        return _default_rules()
    return _load_rules_file(Path(path))


@functools.lru_cache(maxsize=1)
def _default_rules() -> BoilerplateRules:
    return _load_rules_file(DEFAULT_BOILERPLATE_PATH)


def _load_rules_file(path: Path) -> BoilerplateRules:
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ValueError(f"boilerplate rules file not found: {path}") from exc
    except yaml.YAMLError as exc:
        raise ValueError(f"boilerplate rules file {path} is not valid YAML: {exc}") from exc
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ValueError(f"boilerplate rules file {path} must hold a mapping, got {type(raw).__name__}")
    unknown = set(raw) - {"line_prefixes", "line_patterns", "max_prefix_line_chars"}
    if unknown:
        raise ValueError(f"boilerplate rules file {path} has unknown keys: {sorted(unknown)}")
    for key in ("line_prefixes", "line_patterns"):
        value = raw.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"boilerplate rules file {path}: {key} must be a list of strings")
    try:
        return BoilerplateRules.build(
            raw.get("line_prefixes") or [],
            raw.get("line_patterns") or [],
            int(raw.get("max_prefix_line_chars", 300)),
        )
    except ValueError as exc:
        raise ValueError(f"boilerplate rules file {path}: {exc}") from exc


# --------------------------------------------------------------------------- sentences

# Tokens that end with a period without ending the sentence.
_ABBREVIATIONS_CASED = {
    "M", "MM", "Mme", "Mmes", "Mlle", "Mlles", "Dr", "Drs", "Pr", "Me", "Mgr", "St", "Ste",
    "Cie", "Jr", "Sr", "Prof",
}
_ABBREVIATIONS_LOWER = {
    "etc", "cf", "ex", "env", "av", "bd", "boul", "fig", "no", "n°", "p", "pp", "vol", "chap",
    "art", "al", "éd", "coll", "trad", "dir", "hab", "tél", "vs", "min", "max", "resp", "réf",
    "janv", "févr", "fév", "avr", "juil", "sept", "oct", "nov", "déc", "approx", "suiv",
}
_INITIALISM = re.compile(r"^(?:\w\.-?)+\w$")  # "S.A", "J.-C", "U.S" (the final period follows)
_SENTENCE_END = re.compile(r"[.!?…]+(?:[\"')\]]|\s?[»])*( +)")
_OPENING_CHARS = set('«"(')


def split_sentences(paragraph: str) -> list[tuple[int, int]]:
    """French-aware sentence spans (start, end) within one normalized paragraph.

    Splits after . ! ? … (optionally followed by closing quotes or brackets) when a space and
    then a capital letter, an opening quote or a digit follow. Does not split after
    abbreviations (M., Mme., etc., p. ex., janv.), initials (J. Dupont), initialisms (S.A.),
    bracketed ellipses ([…]) or inside decimals (1,7 / 3.5 have no space after the mark).
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(paragraph):
        next_index = match.end()
        if next_index >= len(paragraph):
            break
        next_char = paragraph[next_index]
        if not (next_char.isupper() or next_char.isdigit() or next_char in _OPENING_CHARS):
            continue
        if not _is_sentence_boundary(paragraph, match.start(), match.group(0)):
            continue
        end = match.start(1)
        if paragraph[start:end].strip():
            spans.append((start, end))
        start = next_index
    if paragraph[start:].strip():
        spans.append((start, len(paragraph.rstrip())))
    return spans


def _is_sentence_boundary(paragraph: str, mark_start: int, mark: str) -> bool:
    before = paragraph[:mark_start]
    if before.endswith(("(", "[")):  # "(...)" / "[…]" marks a cut inside a quotation
        return False
    if mark.rstrip(" \"')]»") != ".":
        return True  # ! ? … or several marks end the sentence
    token = before.rsplit(" ", 1)[-1].lstrip("«\"'([")
    if not token:
        return True
    if token in _ABBREVIATIONS_CASED or token.lower() in _ABBREVIATIONS_LOWER:
        return False
    if len(token) == 1 and token.isalpha():
        return False  # initial: "J. Dupont", "p. ex."
    if _INITIALISM.match(token):
        return False
    if re.search(r"\bp\. ?ex$", before, re.IGNORECASE):
        return False
    return True


# --------------------------------------------------------------------------- cleaning

_HAS_WORD_CHAR = re.compile(r"\w")
_PARAGRAPH_END_CHARS = set('.!?…:;»"\')')


def _join_wrapped_lines(lines: list[str]) -> list[str]:
    """Re-join hard-wrapped lines.

    A ``<br>`` inside a paragraph becomes a line break in the extracted text; a line that
    starts with a lowercase letter right after a line without final punctuation continues
    that line rather than opening a new paragraph.
    """
    joined: list[str] = []
    for line in lines:
        if joined and line[0].islower() and joined[-1][-1] not in _PARAGRAPH_END_CHARS:
            joined[-1] = f"{joined[-1]} {line}"
        else:
            joined.append(line)
    return joined


def _paragraphs(text: str, rules: BoilerplateRules) -> list[str]:
    """Normalized, non-boilerplate paragraphs.

    Filtering and re-joining are repeated until nothing changes, so that the result is a
    fixed point and cleaning is idempotent.
    """
    lines = [_MULTI_SPACE.sub(" ", line).strip() for line in _normalize_chars(text).split("\n")]
    lines = [line for line in lines if line]
    while True:
        kept = [line for line in lines if _HAS_WORD_CHAR.search(line) and not rules.is_boilerplate(line)]
        result = _join_wrapped_lines(kept)
        if result == lines:
            return result
        lines = result


def clean_text(text: str, rules: BoilerplateRules | None = None) -> CleanedText:
    """Normalize, drop boilerplate lines and compute paragraph and sentence offsets."""
    if text is None:
        raise TypeError("clean_text expects a string, got None")
    rules = rules if rules is not None else load_boilerplate_rules()
    paragraphs_text = _paragraphs(text, rules)

    paragraphs: list[tuple[int, int]] = []
    sentences: list[tuple[int, int]] = []
    offset = 0
    for paragraph in paragraphs_text:
        paragraphs.append((offset, offset + len(paragraph)))
        sentences.extend((offset + s, offset + e) for s, e in split_sentences(paragraph))
        offset += len(paragraph) + 2  # the "\n\n" separator
    return CleanedText("\n\n".join(paragraphs_text), paragraphs, sentences)
