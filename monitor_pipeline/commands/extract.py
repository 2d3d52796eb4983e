"""``monitor-pipeline extract PATH``: run decode/extract/clean/language on one HTML file.

Prints one JSON object (status, title, author, published_at, sitename, language,
language_probability, text, plus encoding and reason). PATH ``-`` reads standard input.
Exit codes: 0 when the page was processed (whatever its status), 1 when processing failed
(status "error"), 2 for a bad path.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from monitor_pipeline.core.text.article_processing import MIN_TEXT_CHARS, PageInput, process_page


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the command's arguments on its (sub)parser."""
    parser.add_argument("path", help="HTML file to extract, or - to read standard input")
    parser.add_argument("--url", default=None, help="the page's address (helps metadata extraction)")
    parser.add_argument(
        "--content-type", default="text/html",
        help="Content-Type to assume, e.g. 'text/html; charset=iso-8859-1' (default: text/html)",
    )
    parser.add_argument(
        "--min-chars", type=int, default=MIN_TEXT_CHARS,
        help=f"texts shorter than this are 'too_short' (default: {MIN_TEXT_CHARS})",
    )


def run(args: argparse.Namespace) -> int:
    """Execute the command; returns the process exit code."""
    if args.path == "-":
        body = sys.stdin.buffer.read()
        article_id = "stdin"
    else:
        path = Path(args.path)
        if not path.exists():
            print(f"error: no such file: {path}", file=sys.stderr)
            return 2
        if not path.is_file():
            print(f"error: not a regular file: {path}", file=sys.stderr)
            return 2
        try:
            body = path.read_bytes()
        except OSError as exc:
            print(f"error: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
            return 2
        article_id = str(path)

    page = PageInput(
        article_id=article_id, body=body, content_type=args.content_type, url=args.url,
        feed_summary=None, feed_title=None,
    )
    article = process_page(page, min_chars=args.min_chars)
    output = {
        "status": article.status,
        "title": article.title,
        "author": article.author,
        "published_at": article.html_published_at,
        "sitename": article.sitename,
        "language": article.language,
        "language_probability": article.language_probability,
        "encoding": article.encoding,
        "reason": article.reason,
        "error": article.error,
        "text": article.text,
    }
    json.dump(output, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 1 if article.status == "error" else 0


def main(argv: list[str] | None = None) -> int:
    """Standalone entry point (``python -m monitor_pipeline.commands.extract``)."""
    parser = argparse.ArgumentParser(prog="monitor-pipeline extract", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
