"""Language identification with langdetect, made deterministic.

langdetect samples n-grams at random; ``DetectorFactory.seed = 0`` fixes the sequence so the
same text always yields the same answer. Texts with fewer than ``MIN_LETTERS`` letters return
``("und", 0.0)`` (undetermined) instead of a guess.
"""
from __future__ import annotations

import threading

from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException

DetectorFactory.seed = 0

UNDETERMINED = "und"
MIN_LETTERS = 20

# langdetect's profile loading is not thread-safe on first use.
_LOCK = threading.Lock()


def detect_language(text: str, max_chars: int = 1000) -> tuple[str, float]:
    """Return (ISO 639-1 code such as "fr", probability of that top language).

    Only the first ``max_chars`` characters are read (1,000 by default: a title and the first
    paragraphs decide as well as 3,000 characters, and langdetect's cost grows with the sample). ``("und", 0.0)`` when the text has
    too few letters to decide or langdetect finds no feature.
    """
    if not text:
        return UNDETERMINED, 0.0
    sample = text[:max_chars]
    if sum(1 for ch in sample if ch.isalpha()) < MIN_LETTERS:
        return UNDETERMINED, 0.0
    with _LOCK:
        DetectorFactory.seed = 0
        try:
            candidates = detect_langs(sample)
        except LangDetectException:
            return UNDETERMINED, 0.0
    if not candidates:
        return UNDETERMINED, 0.0
    top = candidates[0]
    return str(top.lang), round(float(top.prob), 4)
