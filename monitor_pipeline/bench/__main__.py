"""``python -m monitor_pipeline.bench`` (``make bench``): run every scenario, write docs/BENCHMARKS.md
and docs/benchmarks.json. ``--quick`` for small sizes, ``--only a,b`` for some scenarios,
``--rounds`` (default 3), ``--out`` another docs directory."""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path

SCENARIOS = ("feed_polling", "stage_costs", "against_limit", "nothing_new", "against_obvious", "analyst_queries",
             "article_search", "dagster_overhead", "growth")
NOTES_FILE = Path(__file__).with_name("NOTES.md")

SIZES = {
    # scenario: (full, quick, tiny); tiny is for the smoke test
    "against_limit": (1000, 60, 10),
    "obvious_feeds": (50, 5, 2),
    "obvious_per_feed": (10, 4, 2),
    "polling_feeds": (200, 50, 10),
    "polling_per_feed": (20, 4, 2),
    "stage_costs": (500, 40, 5),
    "analyst_mentions": (1_000_000, 20_000, 2_000),
    "search_articles": (1_000_000, 50_000, 2_000),
    "dagster_pages": (1000, 40, 10),
    "growth_small": (2000, 40, 10),
    "growth_large": (20000, 200, 20),
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m monitor_pipeline.bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (a few minutes)")
    parser.add_argument("--tiny", action="store_true", help="tiny sizes, for the smoke test (figures meaningless)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per scenario (medians reported)")
    parser.add_argument("--obvious-rounds", type=int, default=1,
                        help="rounds of the slow sequential reference of against_obvious (default 1)")
    parser.add_argument("--only", default="", help="comma-separated scenarios (default: all)")
    parser.add_argument("--out", default=None, help="directory for BENCHMARKS.md / benchmarks.json (default docs/)")
    parser.add_argument("--growth-sizes", default=None, help="small,large page counts for growth")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    args = parse_args(argv)
    from monitor_pipeline.bench import report
    from monitor_pipeline.progress import progress
    from monitor_pipeline.bench.timing import environment

    only = [s.strip() for s in args.only.split(",") if s.strip()] or list(SCENARIOS)
    unknown = sorted(set(only) - set(SCENARIOS))
    if unknown:
        print(f"unknown scenario(s): {', '.join(unknown)}; known: {', '.join(SCENARIOS)}", file=sys.stderr)
        return 2
    if args.rounds < 1:
        print("--rounds must be at least 1", file=sys.stderr)
        return 2
    size = {k: v[2 if args.tiny else 1 if args.quick else 0] for k, v in SIZES.items()}
    if args.growth_sizes:
        size["growth_small"], size["growth_large"] = (int(x) for x in args.growth_sizes.split(","))
    out = Path(args.out) if args.out else report.DOCS
    previous = {}
    if (out / "benchmarks.json").exists() and args.only:
        previous = {k: v for k, v in json.loads((out / "benchmarks.json").read_text()).items() if k != "meta"}
    results: dict = dict(previous)
    started = time.monotonic()

    mode = "tiny" if args.tiny else "quick" if args.quick else "full"
    bar = ExitStack()  # a progress bar over the scenarios, on a terminal only
    advance = bar.enter_context(progress(len(only), "benchmarks"))

    def log(name: str, result: dict) -> None:
        result["mode"] = f"{mode}, {args.rounds} round(s)"
        results[name] = result
        advance()
        print(f"[{time.monotonic() - started:7.1f}s] {name}: ratio {result['ratio']} target {result['target']} "
              f"met {result['met']}", flush=True)

    from monitor_pipeline.bench import scenarios as sc

    if "feed_polling" in only:
        log("feed_polling", sc.feed_polling(size["polling_feeds"], size["polling_per_feed"], 0.1, args.rounds))
    if "stage_costs" in only:
        log("stage_costs", sc.stage_costs(size["stage_costs"]))
    if "against_limit" in only or "nothing_new" in only:
        limit, nothing = sc.against_limit(size["against_limit"], args.rounds)
        log("against_limit", limit)
        log("nothing_new", nothing)
    if "against_obvious" in only:
        log("against_obvious", sc.against_obvious(size["obvious_feeds"], size["obvious_per_feed"], 0.1,
                                                  args.rounds, min(args.obvious_rounds, args.rounds)))
    if "analyst_queries" in only:
        from monitor_pipeline.bench.analytics import analyst_queries

        log("analyst_queries", analyst_queries(size["analyst_mentions"]))
    if "article_search" in only:
        from monitor_pipeline.bench.search import article_search

        log("article_search", article_search(size["search_articles"], max(args.rounds, 5)))
    if "dagster_overhead" in only:
        from monitor_pipeline.bench.dagster_overhead import dagster_overhead

        log("dagster_overhead", dagster_overhead(size["dagster_pages"], args.rounds))
    if "growth" in only:
        from monitor_pipeline.bench.growth import growth

        log("growth", growth(size["growth_small"], size["growth_large"]))

    bar.close()
    command = "python -m monitor_pipeline.bench" + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip()
    meta = {"command": command.strip(), "mode": mode, "rounds": args.rounds,
            "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "total_s": round(time.monotonic() - started, 1), "sizes": size, "environment": environment()}
    ordered = {k: results[k] for k in ("against_limit", "against_obvious", "nothing_new", "growth", "analyst_queries",
                                       "article_search", "dagster_overhead", "feed_polling", "stage_costs")
               if k in results}
    notes = NOTES_FILE.read_text(encoding="utf-8") if NOTES_FILE.exists() else ""
    report.write(ordered, meta, notes, out)
    print(f"wrote {out / 'BENCHMARKS.md'} and {out / 'benchmarks.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
