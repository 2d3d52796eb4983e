"""`monitor-pipeline tag PATH`: clean and tag a text or HTML file, print one JSON object.

PATH is a ``.txt`` file, an ``.html``/``.htm`` file (decoded and extracted like a fetched page),
or ``-`` for text on stdin. The output lists companies (with mention counts; ``known`` is false for
a company outside the knowledge base, whose id is the slug of its name), metrics, layoff mentions
(company id and name, status, headcount with the ends of a range, and their evidence: trigger
offsets, sentence offsets and the rule or parse path that decided) and NER organisation candidates.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from monitor_pipeline.core.text.clean import CleanedText, clean_text
from monitor_pipeline.core.tagging.draft import TagResult
from monitor_pipeline.core.tagging.tagger import Tagger

__all__ = ["add_arguments", "run", "tag_result_to_json", "load_input"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="a .txt or .html file, or - for text on stdin")
    parser.add_argument("--no-ner", action="store_true", help="skip spaCy NER (no org_candidates)")
    parser.add_argument("--kb", type=Path, default=None, help="company knowledge base YAML (default: packaged)")
    parser.add_argument("--indent", type=int, default=None, help="pretty-print the JSON with this indent")


def load_input(path: str) -> tuple[CleanedText, str]:
    """Return the cleaned text and its language for a path (.txt/.html) or ``-`` (stdin)."""
    from monitor_pipeline.core.text.language import detect_language

    if path == "-":
        cleaned = clean_text(sys.stdin.read())
        return cleaned, detect_language(cleaned.text)[0] if cleaned.text else "und"
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"no such file: {p}")
    if p.suffix.lower() in (".html", ".htm", ".xhtml"):
        return _load_html(p)
    cleaned = clean_text(p.read_text(encoding="utf-8", errors="replace"))
    return cleaned, detect_language(cleaned.text)[0] if cleaned.text else "und"


def _load_html(p: Path) -> tuple[CleanedText, str]:
    try:
        from monitor_pipeline.core.text.article_processing import PageInput, process_page
    except ImportError:  # pragma: no cover - fallback when the article pipeline is absent
        import trafilatura

        from monitor_pipeline.core.text.language import detect_language

        text = trafilatura.extract(p.read_text(encoding="utf-8", errors="replace")) or ""
        cleaned = clean_text(text)
        return cleaned, detect_language(cleaned.text)[0] if cleaned.text else "und"
    article = process_page(PageInput(article_id=p.name, body=p.read_bytes(), content_type="text/html",
                                     url=None, feed_summary=None, feed_title=None), min_chars=1)
    if article.status == "error":
        raise ValueError(f"could not process {p}: {article.error}")
    return CleanedText(article.text, list(article.paragraphs), list(article.sentences)), article.language


def tag_result_to_json(result: TagResult, language: str) -> dict[str, Any]:
    """The JSON shape printed by the command."""
    counts = Counter(m.company_id for m in result.companies)
    names = {m.company_id: m.name for m in result.companies}
    known = {m.company_id: m.known for m in result.companies}
    orgs = Counter(c.name for c in result.org_candidates)
    return {
        "language": language,
        "companies": [{"id": cid, "name": names[cid], "known": known[cid], "mentions": n}
                      for cid, n in counts.most_common()],
        "metrics": [{"text": m.text, "value": m.value, "unit": m.unit, "kind": m.kind, "qualifier": m.qualifier,
                     "noun": m.noun, "range_low": m.range_low, "company": m.company_id} for m in result.metrics],
        "layoffs": [{"company": l.company_id, "company_name": l.company_name, "known": l.known,
                     "headcount": l.headcount, "headcount_low": l.headcount_low, "headcount_high": l.headcount_high,
                     "headcount_qualifier": l.headcount_qualifier, "headcount_percent": l.headcount_percent,
                     "status": l.status, "trigger": l.trigger, "trigger_start": l.trigger_start,
                     "trigger_end": l.trigger_end, "rule": l.rule, "sentence": l.sentence,
                     "sentence_start": l.start, "sentence_end": l.end} for l in result.layoffs],
        "org_candidates": [{"name": n, "mentions": c} for n, c in orgs.most_common()],
    }


def run(args: argparse.Namespace) -> int:
    try:
        cleaned, language = load_input(args.path)
    except (OSError, ValueError) as exc:
        print(f"monitor-pipeline tag: {exc}", file=sys.stderr)
        return 2
    from monitor_pipeline.core.tagging.companies import KnowledgeBase, KnowledgeBaseError

    try:
        kb = KnowledgeBase.load(args.kb) if args.kb else None
        tagger = Tagger(kb=kb, with_ner=not args.no_ner)
    except KnowledgeBaseError as exc:
        print(f"monitor-pipeline tag: {exc}", file=sys.stderr)
        return 2
    result = tagger.tag(cleaned)
    print(json.dumps(tag_result_to_json(result, language), ensure_ascii=False, indent=args.indent))
    return 0
