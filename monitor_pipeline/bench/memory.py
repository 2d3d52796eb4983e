"""memory_per_page: the slope of peak resident memory between two sizes of one day, in KB per extra
page, each size run end to end in a fresh process (``memory_child``); plus, at two smaller sizes,
the same runs under tracemalloc to show which source lines hold memory that grows with the pages, and
without and with every DuckDB database capped at 64 MB to show how much of the growth is DuckDB's
buffer cache."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from monitor_pipeline.bench.timing import ratio

REFERENCE = ("the same run at the smaller size (fresh process each): slope = (peak RSS at the large size − "
             "peak RSS at the small size) / (extra pages)")


DUCKDB_DIAGNOSTIC_LIMIT = "64MB"


def run_child(pages: int, timeout_s: float, trace: bool = False, duckdb_memory_limit: str | None = None) -> dict:
    command = [sys.executable, "-m", "monitor_pipeline.bench.memory_child", "--pages", str(pages)]
    command += ["--tracemalloc"] if trace else []
    command += ["--duckdb-memory-limit", duckdb_memory_limit] if duckdb_memory_limit else []
    proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, env=os.environ.copy())
    if proc.returncode != 0:
        raise RuntimeError(f"memory child ({pages} pages) failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


IGNORED_SITES = ("<frozen ",)


def growing_sites(small: dict, large: dict, extra_pages: int, top: int = 10) -> dict[str, list[dict]]:
    """Per stage, the source lines whose allocations at the stage's traced peak grew the most
    between the two traced runs, in bytes per extra page."""
    out = {}
    for stage, data in (large.get("tracemalloc") or {}).items():
        before = {s["site"]: s["kb"] for s in ((small.get("tracemalloc") or {}).get(stage) or {}).get("largest_sites", [])}
        rows = []
        for site in data["largest_sites"]:
            if site["site"].startswith(IGNORED_SITES) or "tracemalloc.py" in site["site"]:
                continue  # module imports (code, not data) and the measurement's own snapshots
            grown = site["kb"] - before.get(site["site"], 0.0)
            if grown > 0:
                rows.append({"site": site["site"], "kb_large": site["kb"],
                             "bytes_per_extra_page": round(1024 * grown / extra_pages, 1)})
        rows.sort(key=lambda r: -r["bytes_per_extra_page"])
        out[stage] = rows[:top]
    return out


def memory_per_page(small: int, large: int, trace_small: int, trace_large: int, timeout_s: float = 3600.0) -> dict:
    a = run_child(small, timeout_s)
    b = run_child(large, timeout_s)
    slope_kb = (b["peak_rss_mb"] - a["peak_rss_mb"]) * 1024 / (large - small)
    per_stage_kb = {stage: round((b["stage_peak_rss_mb"][stage] - a["stage_peak_rss_mb"][stage]) * 1024
                                 / (large - small), 2) for stage in a["stage_peak_rss_mb"]}
    rise_kb = {stage: round((b["stage_rise_mb"][stage] - a["stage_rise_mb"][stage]) * 1024 / (large - small), 2)
               for stage in a["stage_rise_mb"]}
    ta = run_child(trace_small, timeout_s, trace=True)
    tb = run_child(trace_large, timeout_s, trace=True)
    traced_slope = {stage: round((tb["tracemalloc"][stage]["traced_peak_mb"] - ta["tracemalloc"][stage]["traced_peak_mb"])
                                 * 1024 / (trace_large - trace_small), 2) for stage in ta["tracemalloc"]}
    sites = growing_sites(ta, tb, trace_large - trace_small)
    # the same two sizes with every DuckDB database capped at DUCKDB_DIAGNOSTIC_LIMIT: what the slope
    # loses there is DuckDB's buffer cache
    la = run_child(trace_small, timeout_s, duckdb_memory_limit=DUCKDB_DIAGNOSTIC_LIMIT)
    lb = run_child(trace_large, timeout_s, duckdb_memory_limit=DUCKDB_DIAGNOSTIC_LIMIT)
    unlimited_a = run_child(trace_small, timeout_s)
    unlimited_b = run_child(trace_large, timeout_s)

    def rise_slopes(x: dict, y: dict) -> dict:
        return {stage: round((y["stage_rise_mb"][stage] - x["stage_rise_mb"][stage]) * 1024
                             / (trace_large - trace_small), 2) for stage in x["stage_rise_mb"]}

    for child in (ta, tb):
        child["tracemalloc"] = {k: {"traced_peak_mb": v["traced_peak_mb"]} for k, v in child["tracemalloc"].items()}
    return {
        "ratio": round(slope_kb, 3), "target": 1.0, "met": bool(slope_kb <= 1.0), "rounds": 1,
        "reference": REFERENCE, "unit": "KB of peak RSS per extra page",
        "base_rss_mb": a["base_rss_mb"], "small": a, "large": b,
        "stage_slope_kb_per_page": per_stage_kb, "stage_rise_slope_kb_per_page": rise_kb,
        "traced_runs": {"pages": [trace_small, trace_large], "small": ta, "large": tb},
        "traced_python_slope_kb_per_page": traced_slope,
        "growing_python_sites": sites,
        "duckdb_diagnostic": {
            "pages": [trace_small, trace_large], "memory_limit": DUCKDB_DIAGNOSTIC_LIMIT,
            "stage_rise_slope_kb_per_page_unlimited": rise_slopes(unlimited_a, unlimited_b),
            "stage_rise_slope_kb_per_page_limited": rise_slopes(la, lb),
            "peak_rss_mb_unlimited": [unlimited_a["peak_rss_mb"], unlimited_b["peak_rss_mb"]],
            "peak_rss_mb_limited": [la["peak_rss_mb"], lb["peak_rss_mb"]]},
        "time_ratio": ratio(b["seconds"], a["seconds"]), "size_ratio": round(large / small, 2),
        "ms_per_page_small": round(1000 * a["seconds"] / small, 2),
        "ms_per_page_large": round(1000 * b["seconds"] / large, 2),
        "note": "ratio = slope of the pipeline process's peak RSS (VmHWM, reset between stages) in KB per extra "
                "page; stage_slope_kb_per_page = the same per stage (a stage's peak includes what earlier stages "
                "left resident); stage_rise_slope_kb_per_page = the slope of each stage's own rise above the RSS "
                "it started with; traced_* = Python allocations at each "
                "stage's traced peak (tracemalloc, separate runs) — what grows there is held per page in Python, "
                "the rest of the RSS slope is DuckDB's or the allocator's; duckdb_diagnostic = the per-stage rise "
                "slopes at the traced sizes without and with every DuckDB database capped (what the cap removes "
                "is DuckDB's buffer cache)",
    }
