"""`monitor-pipeline search "QUERY"`: articles of the analysts' database ranked by relevance (BM25).

French words are stemmed and accents folded ("departs" finds "départs"); stop words are ignored.
Each hit shows title, source, day, URL and a snippet; ``--json`` prints one JSON document instead.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

import duckdb

__all__ = ["add_arguments", "run"]


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number ≥ 1: {value!r}")
    return number


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", help='words to look for, e.g. "plan de départs"')
    parser.add_argument("--company", metavar="ID", default=None,
                        help="only articles mentioning this company id (e.g. atos, mistral-ai)")
    parser.add_argument("--since", metavar="YYYY-MM-DD", type=_day, default=None,
                        help="only articles first seen on or after this day")
    parser.add_argument("--limit", metavar="N", type=_positive, default=10, help="at most N articles (default 10)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--db", type=Path, default=None,
                        help="the analysts' database (default: data/analytics.duckdb next to the working database)")


def _text(hits: list[dict], query: str) -> str:
    if not hits:
        return f"No article matches {query!r}."
    lines = []
    for rank, hit in enumerate(hits, 1):
        lines.append(f"{rank:>2}. {hit['title'] or '(sans titre)'}")
        lines.append(f"    {hit['source']} · {hit['day']} · score {hit['score']:.3f}")
        lines.append(f"    {hit['url']}")
        if hit["snippet"]:
            lines.append(f"    « {hit['snippet']} »")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from monitor_pipeline.commands import analysts_database
    from monitor_pipeline.storage import search_index, warehouse

    db = analysts_database(args.db)
    if db is None:
        return 2
    try:
        with warehouse.connect_with_retry(str(db), read_only=True) as conn:
            hits = search_index.search_articles(conn, args.query, company=args.company, since=args.since,
                                                limit=args.limit)
            terms = search_index.query_terms(conn, args.query)
    except search_index.SearchQueryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (search_index.SearchUnavailable, duckdb.Error) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        out = {"query": args.query, "terms": [{"word": w, "stem": s} for w, s in terms],
               "filters": {"company": args.company, "since": args.since.isoformat() if args.since else None,
                           "limit": args.limit},
               "hits": [dict(h, day=h["day"].isoformat() if h["day"] else None,
                             published_at=h["published_at"].isoformat() if h["published_at"] else None)
                        for h in hits]}
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(_text(hits, args.query))
    return 0
