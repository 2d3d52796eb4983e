"""`monitor-pipeline run | poll | extract | tag | search | sql`: the same code as the assets and the analysts' tools."""
from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = {
    "run": "Materialize one day's pipeline through Dagster (alerts included); prints a JSON summary.",
    "poll": "Fetch and parse feeds once (stores nothing); one JSON object per feed per line.",
    "extract": "Decode, extract, clean and language-tag one HTML page; one JSON object.",
    "tag": "Clean and tag a text or HTML file: companies, metrics, layoffs; one JSON object.",
    "search": "Full-text search of the analysts' articles (French stemming, accents folded), best first.",
    "sql": "The DuckDB command line on the analysts' database, read-only (`make sql`).",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="monitor-pipeline", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in COMMANDS.items():
        module = importlib.import_module(f"monitor_pipeline.commands.{name}")
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(command_parser)
        command_parser.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
