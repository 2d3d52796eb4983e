"""``python -m monitor_pipeline.bench`` (``make bench``): run every scenario in one invocation and write
docs/BENCHMARKS.md and docs/benchmarks.json, stamped with a run id and the git commit.

Sizes: full by default (the figures of record), ``--quick`` (small, a few minutes: for developing the
harness; the ratios mean little, fixed costs dominate) or ``--tiny`` (the smoke test). Only a full run
of every scenario writes docs/ by default; ``--quick``/``--tiny`` write to bench_out/ unless ``--out``
is given. ``--only a,b`` runs some scenarios and writes ``benchmarks-partial.json`` /
``BENCHMARKS-partial.md`` beside the full files, unless ``--merge`` merges them into the full files
explicitly (each scenario keeps the run id and mode that produced it).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from contextlib import ExitStack
import uuid
from datetime import datetime, timezone
from pathlib import Path

SCENARIOS = ("pipeline_efficiency", "nothing_new", "against_obvious", "feed_polling", "memory_per_page",
             "launched_run_overhead", "analyst_queries", "article_search", "stage_costs", "scale_out")
NOTES_FILE = Path(__file__).with_name("NOTES.md")
QUICK_OUT = Path("bench_out")

SIZES = {
    # name: (full, quick, tiny); tiny is for the smoke test
    "efficiency_pages": (1000, 100, 10),
    "obvious_feeds": (50, 10, 2),
    "obvious_per_feed": (10, 3, 2),
    "polling_feeds": (200, 50, 10),
    "polling_per_feed": (20, 4, 2),
    "stage_costs_pages": (500, 40, 5),
    "analyst_mentions": (1_000_000, 20_000, 2_000),
    "search_articles": (1_000_000, 50_000, 2_000),
    "launched_pages": (1000, 40, 10),
    "memory_small": (2000, 100, 10),
    "memory_large": (20000, 400, 30),
    "memory_traced_small": (1000, 50, 10),
    "memory_traced_large": (4000, 150, 20),
    "scale_out_pages_per_day": (500, 25, 5),
    "scale_out_days": (8, 4, 2),
}
LATENCY_S = 0.1  # per response, against_obvious and feed_polling


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m monitor_pipeline.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="small sizes (minutes; figures not of record)")
    size.add_argument("--tiny", action="store_true", help="tiny sizes, for the smoke test (figures meaningless)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per scenario, both sides (medians reported)")
    parser.add_argument("--only", default="", help="comma-separated scenarios (default: all)")
    parser.add_argument("--merge", action="store_true", help="with --only: merge into the full files")
    parser.add_argument("--out", default=None, help="output directory (default docs/ for full runs, bench_out/ else)")
    return parser.parse_args(argv)


def git_commit(root: Path) -> dict:
    """The commit the benchmark ran on, and whether the work tree had changes."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                                  timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    return {"commit": git("rev-parse", "HEAD") or None,
            "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    args = parse_args(argv)
    from monitor_pipeline.bench import pipeline as product
    from monitor_pipeline.bench import report
    from monitor_pipeline.progress import progress
    from monitor_pipeline.bench.timing import environment

    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(only) - set(SCENARIOS))
    if unknown:
        print(f"unknown scenario(s): {', '.join(unknown)}; known: {', '.join(SCENARIOS)}", file=sys.stderr)
        return 2
    if args.rounds < 1:
        print("--rounds must be at least 1", file=sys.stderr)
        return 2
    if args.merge and not only:
        print("--merge only makes sense with --only", file=sys.stderr)
        return 2
    selected = only or list(SCENARIOS)
    mode = "tiny" if args.tiny else "quick" if args.quick else "full"
    size = {k: v[2 if args.tiny else 1 if args.quick else 0] for k, v in SIZES.items()}
    root = product.project_root()
    out = Path(args.out) if args.out else report.DOCS if mode == "full" else root / QUICK_OUT
    run_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
    results: dict = {}
    started = time.monotonic()
    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    load_start = os.getloadavg()
    bar = ExitStack()  # a progress bar over the scenarios, on a terminal only
    advance = bar.enter_context(progress(len(selected), "benchmarks"))

    def log(name: str, result: dict) -> None:
        result["mode"] = mode
        result["run_id"] = run_id
        results[name] = result
        advance()
        print(f"[{time.monotonic() - started:7.1f}s] {name}: ratio {result['ratio']} target {result['target']} "
              f"met {result['met']} ({result['rounds']} round(s))", flush=True)

    from monitor_pipeline.bench import scenarios as sc

    if "feed_polling" in selected:
        log("feed_polling", sc.feed_polling(size["polling_feeds"], size["polling_per_feed"], LATENCY_S, args.rounds))
    if "stage_costs" in selected:
        log("stage_costs", sc.stage_costs(size["stage_costs_pages"], args.rounds))
    if "pipeline_efficiency" in selected or "nothing_new" in selected:
        efficiency, nothing = sc.pipeline_efficiency(size["efficiency_pages"], args.rounds)
        log("pipeline_efficiency", efficiency)
        log("nothing_new", nothing)
    if "against_obvious" in selected:
        log("against_obvious", sc.against_obvious(size["obvious_feeds"], size["obvious_per_feed"], LATENCY_S,
                                                  args.rounds))
    if "analyst_queries" in selected:
        from monitor_pipeline.bench.analytics import analyst_queries

        log("analyst_queries", analyst_queries(size["analyst_mentions"]))
    if "article_search" in selected:
        from monitor_pipeline.bench.search import article_search

        log("article_search", article_search(size["search_articles"], max(args.rounds, 5)))
    if "launched_run_overhead" in selected:
        from monitor_pipeline.bench.launched_run import launched_run_overhead

        log("launched_run_overhead", launched_run_overhead(size["launched_pages"], args.rounds))
    if "memory_per_page" in selected:
        from monitor_pipeline.bench.memory import memory_per_page

        log("memory_per_page", memory_per_page(size["memory_small"], size["memory_large"],
                                               size["memory_traced_small"], size["memory_traced_large"]))
    if "scale_out" in selected:
        from monitor_pipeline.bench.scale_out import scale_out

        log("scale_out", scale_out(size["scale_out_pages_per_day"], size["scale_out_days"], args.rounds))

    bar.close()
    command = "python -m monitor_pipeline.bench" + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip()
    meta = {"run_id": run_id, **git_commit(root), "command": command.strip(), "mode": mode, "rounds": args.rounds,
            "scenarios": list(results), "started_at": started_at,
            "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "total_s": round(time.monotonic() - started, 1), "load_average_start": [round(x, 2) for x in load_start],
            "load_average_end": [round(x, 2) for x in os.getloadavg()], "sizes": size,
            "environment": environment()}
    notes = NOTES_FILE.read_text(encoding="utf-8") if NOTES_FILE.exists() else ""
    if only and not args.merge:
        written = report.write(results, meta, notes, out, suffix="-partial")
    elif only:
        written = report.merge(results, meta, notes, out)
    else:
        written = report.write(results, meta, notes, out)
    print("wrote " + " and ".join(str(p) for p in written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
