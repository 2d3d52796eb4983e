"""Which extraction a page's processed article stands for, so a page is extracted once.

A processed article depends on the page's bytes, what the feed said of it (URL, content type, summary,
title) and the extraction code itself. ``extraction_key`` hashes all of them: the code through
``extraction_fingerprint``, a hash of this package's source files and of the versions of the libraries
that extract, decode and detect the language. An article kept under its key (the pages stage extracts
each page while the others download) is reused as long as the key matches; a change to the code or a
library gives every page a new key, so a recomputation after an extraction improvement recomputes.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from pathlib import Path

from monitor_pipeline.core.fingerprint import code_fingerprint
from monitor_pipeline.core.text.article_processing import PageInput, ProcessedArticle

# The libraries whose output a processed article holds (their version is part of the fingerprint).
EXTRACTION_LIBRARIES = ("trafilatura", "htmldate", "justext", "lxml", "langdetect", "charset-normalizer",
                        "datasketch", "numpy")
# Statuses that depend on the machine's load, not on the page: never kept, always computed again.
NOT_KEPT_STATUSES = frozenset({"timeout", "error"})


@functools.cache
def extraction_fingerprint() -> str:
    """A hash of the extraction code (every module of ``core/text``) and of its libraries' versions."""
    here = Path(__file__).resolve().parent
    return code_fingerprint(here.parent, here.glob("*.py"), EXTRACTION_LIBRARIES)


def extraction_key(page: PageInput, content_sha256: str) -> str:
    """The key of ``page``'s processed article: its bytes (by hash), its feed context and the code."""
    parts = [extraction_fingerprint(), content_sha256, page.content_type, page.url, page.feed_summary,
             page.feed_title]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()


def is_kept(article: ProcessedArticle) -> bool:
    return article.status not in NOT_KEPT_STATUSES


def article_to_json(article: ProcessedArticle) -> str:
    """Every field but the article id (an article stands for any entry with the same key) and the
    signature (bytes, kept beside it)."""
    # shallow: dataclasses.asdict deep-copies every offset pair, which cost more than the JSON itself
    fields = {f.name: getattr(article, f.name) for f in dataclasses.fields(article)
              if f.name not in ("article_id", "signature")}
    return json.dumps(fields, ensure_ascii=False)


def article_from_json(article_id: str, payload: str, signature: bytes | None) -> ProcessedArticle:
    fields = json.loads(payload)
    fields["paragraphs"] = [tuple(p) for p in fields["paragraphs"]]
    fields["sentences"] = [tuple(s) for s in fields["sentences"]]
    return ProcessedArticle(article_id=article_id, signature=signature, **fields)
