"""A learned decision on the names spaCy's recognizer finds but does not call organisations (tagger-2.15).

The French models label many company names LOC, PER or MISC ("Forvia" LOC, "Armatis" PER, "Cegid"
MISC). The rules keep such a name only when its neighbours describe a company ("l'équipementier X",
"chez X") or its shape does ("… Labs", an acronym). For the others, a logistic regression trained on
the dev split only (``eval/train_learned_orgs.py``; weights in ``data/learned_orgs.json``) scores
"this name is a company" from:

* the recognizer's label, the name's shape (words, digits, capitals inside, lowercase first letter,
  its last three letters), whether its words are French words, whether the parser model's vectors
  know the name (invented and rare brand names are missing there, common places and first names are
  not), and whether it opens on a given name (``data/first_names.txt``: "Xavier Niel" is a person);
* the three words on either side ("à X" is a place, "X supprime" an actor), and whether the name
  opens the sentence.

The tagger asks it only about names in a sentence that holds a layoff trigger (lexicon or lemma family) or
comes right before one: its examples are layoff passages, and on whole articles the names far from any cut
are products, labels and page furniture as often as companies ("le service Bedrock", "Déjà abonné ?"); the
recognizer's label stands there.

A name scored at or above the model's threshold, unless it is shaped like a person's
(:func:`person_shaped`), becomes a candidate labelled :data:`LEARNED_LABEL`;
the precision guards (:func:`~monitor_pipeline.core.tagging.org_candidates.is_non_company`) still
apply to it, except the ones that trust the recognizer's label.
"""
from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any, Iterable

from monitor_pipeline.core.tagging.learned_trigger import LearnedAgents

__all__ = ["DEFAULT_MODEL", "LEARNED_LABEL", "LearnedOrgs", "load_learned_orgs", "org_features", "person_shaped"]

_DATA = Path(__file__).resolve().parents[2] / "data"
DEFAULT_MODEL = _DATA / "learned_orgs.json"
FIRST_NAMES = _DATA / "first_names.txt"
#: label of a candidate the classifier kept (the recognizer's own label was LOC, PER or MISC)
LEARNED_LABEL = "ORG_LEARNED"

_TOKEN = re.compile(r"\w+(?:['’]\w+)?|[^\w\s]", re.UNICODE)


@functools.lru_cache(maxsize=1)
def _first_names() -> frozenset[str]:
    words = []
    for line in FIRST_NAMES.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            words.extend(line.split())
    return frozenset(words)


def _context(text: str) -> list[str]:
    """Lowercased tokens; numbers as ``<num>``, capitalized words as ``<cap>`` unless they are French
    words ("Chez", "Selon" opening a sentence)."""
    from monitor_pipeline.core.tagging.org_candidates import _is_french_word

    out = []
    for m in _TOKEN.finditer(text):
        w = m.group(0)
        out.append("<num>" if w[0].isdigit() else "<cap>" if w[0].isupper() and not _is_french_word(w) else w.lower())
    return out


def _has_vector(vocab: Any, word: str) -> bool:
    if vocab is None or word not in vocab.strings:
        return False  # (looked up by hash: no string is added to the vocabulary)
    return vocab.vectors.key2row.get(vocab.strings[word], -1) >= 0


def org_features(sentence: str, start: int, end: int, label: str, vocab: Any = None) -> set[str]:
    """Sparse binary features of the name ``sentence[start:end]`` the recognizer labelled ``label``.
    ``vocab``: the parser model's vocabulary (its word vectors), if at hand."""
    from monitor_pipeline.core.tagging.org_candidates import PLACES, _is_french_word

    name = sentence[start:end]
    words = name.split() or [name]
    first = not sentence[:start].strip()
    f = {f"lab:{label}", f"nw:{min(len(words), 3)}", f"suf:{words[-1].lower()[-3:]}",
         f"fr1:{_is_french_word(words[0])}", f"frall:{all(_is_french_word(w) for w in words)}",
         f"vec:{_has_vector(vocab, name.lower())}:{_has_vector(vocab, name)}"}
    if words[0].lower() in _first_names():
        f.add("firstname:" + ("pair" if len(words) > 1 else "alone"))
    if any(ch.isdigit() for ch in name):
        f.add("digit")
    if name.isupper() and len(name) > 1:
        f.add("allcaps")
    elif any(ch.isupper() for w in words for ch in w[1:]):
        f.add("innercap")
    if name[:1].islower():
        f.add("lowerfirst")
    if "-" in name:
        f.add("hyphen")
    if name.lower() in PLACES:
        f.add("place")
    if first:
        f.update(("first", f"first:fr1:{_is_french_word(words[0])}"))
    left = _context(sentence[max(0, start - 60):start])[-3:]
    right = _context(sentence[end:end + 60])[:3]
    f.update(f"L{len(left) - i}:{w}" for i, w in enumerate(left))
    f.update(f"R{i + 1}:{w}" for i, w in enumerate(right))
    if left:
        f.add("L2L1:" + "_".join(left[-2:]))
    if right:
        f.add("R1R2:" + "_".join(right[:2]))
    return f


class LearnedOrgs(LearnedAgents):
    """The trained classifier (a logistic regression over sparse features, as the agent classifier):
    ``accepts`` a name the rules did not keep when it scores at or above the threshold chosen by
    cross-validation on dev."""

    def accepts(self, sentence: str, start: int, end: int, label: str, vocab: Any = None) -> bool:
        feats = org_features(sentence, start, end, label, vocab)
        return not person_shaped(feats) and self.score(feats) >= self.threshold


def person_shaped(feats: Iterable[str]) -> bool:
    """A name the classifier never takes: a given name and a surname ("Julien Marchetti"), or several
    words the recognizer calls a person ("Sasan Goodarzi"). Articles name far more people than the gold
    passages do; a company named like a person needs its description or its layoff ("Yves Rocher
    supprime …") to count."""
    feats = set(feats)
    return "firstname:pair" in feats or ("lab:PER" in feats and "nw:1" not in feats)


@functools.lru_cache(maxsize=2)
def load_learned_orgs(path: str | None = None) -> LearnedOrgs | None:
    """The model of ``path`` (default ``data/learned_orgs.json``), loaded once; None when absent."""
    model_path = Path(path) if path else DEFAULT_MODEL
    if not model_path.exists():
        return None
    return LearnedOrgs(json.loads(model_path.read_text(encoding="utf-8")))
