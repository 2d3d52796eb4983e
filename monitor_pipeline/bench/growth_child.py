"""One end-to-end run at a given size, in its own process, for the growth scenario.

``python -m monitor_pipeline.bench.growth_child --pages N`` prints one JSON line: wall time per
stage and the peak RSS of this process (the pipeline; the loopback server runs in it too).
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
from pathlib import Path

from monitor_pipeline.bench.corpus import Corpus
from monitor_pipeline.bench.pipeline import run_stages
from monitor_pipeline.bench.server import BenchServers, loopback_hosts


def peak_rss_mb() -> float:
    """This process's peak resident memory. Linux's VmHWM belongs to the process's own address space;
    ``ru_maxrss`` survives exec, so a child started by a big parent would report the parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, required=True)
    parser.add_argument("--hosts", type=int, default=50)
    args = parser.parse_args(argv)
    corpus = Corpus(args.pages, args.hosts)
    with BenchServers(corpus, loopback_hosts(args.hosts)) as servers, \
            tempfile.TemporaryDirectory(prefix="bench-growth-") as tmp:
        run = run_stages(servers, Path(tmp) / "w.duckdb")
        db_mb = (Path(tmp) / "w.duckdb").stat().st_size / 2**20
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({
        "pages": args.pages, "seconds": run.total, "stages_s": run.seconds,
        "peak_rss_mb": peak_rss_mb(), "children_peak_rss_mb": children.ru_maxrss / 1024,
        "db_mb": db_mb, "articles": run.reports["build_articles"].articles,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
