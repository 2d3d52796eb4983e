"""Growth: time and peak memory of an end-to-end run at two sizes, each in a fresh subprocess."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from monitor_pipeline.bench.timing import ratio


def run_child(pages: int, timeout_s: float) -> dict:
    proc = subprocess.run([sys.executable, "-m", "monitor_pipeline.bench.growth_child", "--pages", str(pages)],
                          capture_output=True, text=True, timeout=timeout_s, env=os.environ.copy())
    if proc.returncode != 0:
        raise RuntimeError(f"growth child ({pages} pages) failed:\n{proc.stderr[-3000:]}")
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    return data


def growth(small: int, large: int, timeout_s: float = 3600.0) -> dict:
    a = run_child(small, timeout_s)
    b = run_child(large, timeout_s)
    mem_ratio = ratio(b["peak_rss_mb"], a["peak_rss_mb"])
    time_per_page = (a["seconds"] / small, b["seconds"] / large)
    return {
        "ratio": mem_ratio, "target": 1.5, "met": bool(mem_ratio <= 1.5),
        "small": a, "large": b, "size_ratio": large / small,
        "time_ratio": ratio(b["seconds"], a["seconds"]),
        "ms_per_page_small": round(1000 * time_per_page[0], 2), "ms_per_page_large": round(1000 * time_per_page[1], 2),
        "note": "ratio = peak RSS (VmHWM) of the pipeline process at the large size / at the small size "
                "(worker processes are recycled every 500 pages and reported separately)",
    }
