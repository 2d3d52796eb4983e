"""One end-to-end run at a given size in a fresh process, for the memory_per_page scenario.

``python -m monitor_pipeline.bench.memory_child --pages N [--tracemalloc]`` prints one JSON line:
wall time per stage, this process's resident memory after start-up (imports and models loaded:
the base), its peak resident memory (VmHWM) over each stage (the peak is reset between stages
through ``/proc/self/clear_refs``) and over the whole run. With ``--tracemalloc``, the Python
allocations alive at each stage's traced peak, by source line (the 15 largest), to find what is
held per page; DuckDB's own buffers are not Python allocations and show only in VmHWM.
The loopback servers run in a process of their own and are not counted.
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

from monitor_pipeline.bench import pipeline as product
from monitor_pipeline.bench.corpus import Corpus
from monitor_pipeline.bench.server import BenchServers, loopback_hosts

TOP_SITES = 15


def _status_kb(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: its own address space; ``ru_maxrss`` survives exec)."""
    kb = _status_kb("VmHWM")
    return (kb if kb is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024


def rss_mb() -> float:
    return (_status_kb("VmRSS") or 0) / 1024


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux ≥ 4.0: write 5 to /proc/self/clear_refs)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


class PeakSnapshots:
    """Samples tracemalloc every ``interval_s``; keeps a snapshot of the allocations at the highest
    traced memory seen since the last :meth:`reset` (a new snapshot only when 5 % above the last)."""

    def __init__(self, interval_s: float = 0.25) -> None:
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.best = 0
        self.snapshot = None
        self._thread = threading.Thread(target=self._run, name="peak-snapshots", daemon=True)

    def start(self) -> "PeakSnapshots":
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            current, _ = tracemalloc.get_traced_memory()
            with self._lock:
                if current > self.best * 1.05:
                    self.best = current
                    self.snapshot = tracemalloc.take_snapshot()

    def reset(self) -> tuple[int, list[dict]]:
        """(traced peak bytes, the largest sites at the snapshot) since the last reset."""
        with self._lock:
            _, peak = tracemalloc.get_traced_memory()
            snapshot, self.snapshot, self.best = self.snapshot, None, 0
        tracemalloc.reset_peak()
        sites = []
        if snapshot is not None:
            for stat in snapshot.statistics("lineno")[:TOP_SITES]:
                frame = stat.traceback[0]
                sites.append({"site": f"{_short(frame.filename)}:{frame.lineno}", "kb": round(stat.size / 1024, 1),
                              "blocks": stat.count})
        return peak, sites

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def limit_duckdb_memory(limit: str) -> None:
    """Diagnostic only: open every DuckDB database of this process with ``memory_limit`` (the product's
    code is not changed; ``duckdb.connect`` is wrapped for this process)."""
    import duckdb

    original = duckdb.connect

    def connect(database=":memory:", read_only=False, config=None, **kwargs):
        return original(database, read_only=read_only, config={**(config or {}), "memory_limit": limit}, **kwargs)

    duckdb.connect = connect


def _short(filename: str) -> str:
    for marker in ("site-packages/", "monitor_pipeline/", "lib/python"):
        if marker in filename:
            return filename[filename.index(marker):]
    return filename


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, required=True)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--tracemalloc", action="store_true", help="report Python allocations at each stage's peak")
    parser.add_argument("--duckdb-memory-limit", default=None,
                        help="diagnostic: every DuckDB connection of the run opened with this memory_limit "
                             "(e.g. 64MB), to see how much of the growth is DuckDB's buffers")
    args = parser.parse_args(argv)
    if args.duckdb_memory_limit:
        limit_duckdb_memory(args.duckdb_memory_limit)
    corpus = Corpus(args.pages, args.hosts)
    product.load_models()  # the tagger and spaCy: part of the base, as in a long-running process
    sampler = None
    if args.tracemalloc:
        tracemalloc.start(1)
        sampler = PeakSnapshots().start()
    base_mb = rss_mb()
    stage_peaks: dict[str, float] = {}
    stage_starts: dict[str, float] = {}
    traced: dict[str, dict] = {}
    resettable = reset_peak_rss()
    next_start = [rss_mb()]
    started = time.perf_counter()

    def after_stage(name: str) -> None:
        stage_peaks[name] = round(peak_rss_mb(), 1)
        stage_starts[name] = round(next_start[0], 1)
        if sampler is not None:
            peak, sites = sampler.reset()
            traced[name] = {"traced_peak_mb": round(peak / 2**20, 2), "largest_sites": sites}
        reset_peak_rss()
        next_start[0] = rss_mb()

    overall_peak = 0.0
    with BenchServers(corpus, loopback_hosts(args.hosts)) as servers, \
            tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        run = product.run_stages(servers, Path(tmp) / "w.duckdb", after_stage=after_stage)
        db_mb = (Path(tmp) / "w.duckdb").stat().st_size / 2**20
    if sampler is not None:
        sampler.stop()
    overall_peak = max(stage_peaks.values())
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({
        "pages": args.pages, "seconds": round(time.perf_counter() - started, 3),
        "stages_s": {k: round(v, 3) for k, v in run.seconds.items()},
        "base_rss_mb": round(base_mb, 1), "peak_rss_mb": round(overall_peak, 1),
        "stage_peak_rss_mb": stage_peaks, "stage_start_rss_mb": stage_starts,
        "stage_rise_mb": {k: round(stage_peaks[k] - stage_starts[k], 1) for k in stage_peaks},
        "peak_reset_between_stages": resettable,
        "children_peak_rss_mb": round(children.ru_maxrss / 1024, 1), "db_mb": round(db_mb, 1),
        "articles": run.reports["build_articles"].articles, "tracemalloc": traced or None,
        "duckdb_memory_limit": args.duckdb_memory_limit,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
